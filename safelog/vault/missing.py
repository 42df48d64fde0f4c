"""Nothing quietly missing (DESIGN §3.5): the audit log names every case's latest version
and every evidence item, so a case or an item deleted from the database, or a case rolled
back to an earlier version, is noticed at sign-in as tampering."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from safelog.audit import log as audit_log
from safelog.errors import TamperDetected
from safelog.store.schema import CaseRow, CaseVersionRow, EvidenceRow


def check_nothing_missing(conn: Connection) -> audit_log.Manifest:
    """Compare what the (already verified) audit log names with what the database holds;
    returns the manifest, whose evidence ids no clean-up may ever delete."""
    try:
        named = audit_log.manifest(conn)
    except audit_log.MembershipOutOfOrder as exc:
        raise TamperDetected(
            f"Audit entry {exc.seq} names an earlier state of the membership log than the "
            "entries before it: it was written by someone using a role they no longer held. "
            "Nothing was changed; tell your DSL."
        ) from None
    cases = {
        row.id: row
        for row in conn.execute(select(CaseRow.id, CaseRow.reference, CaseRow.head_version))
    }
    stored_versions = dict(
        conn.execute(
            select(CaseVersionRow.case_id, func.count()).group_by(CaseVersionRow.case_id)
        ).all()
    )
    for case_id, version in named.versions.items():
        case = cases.get(case_id)
        if case is None:
            raise TamperDetected(
                "A case recorded in the audit log is missing from the database: it was deleted "
                "outside SafeLog. Nothing was changed. Tell your DSL; restore from a backup."
            )
        if min(case.head_version, stored_versions.get(case_id, 0)) < version:
            raise TamperDetected(
                f"Case {case.reference} has been rolled back outside SafeLog: the audit log "
                f"records version {version}, the database holds fewer. Nothing was changed. "
                "Tell your DSL; restore from a backup."
            )
    for case_id, case in cases.items():
        if case.head_version > named.versions.get(case_id, 0):
            raise TamperDetected(
                f"Case {case.reference} has a version the audit log does not record: it was "
                "added outside SafeLog. Nothing was changed; tell your DSL."
            )
    items = dict(conn.execute(select(EvidenceRow.id, EvidenceRow.case_id)).all())
    for evidence_id, case_id in items.items():
        if evidence_id not in named.evidence:
            case = cases.get(case_id)
            where = f" of case {case.reference}" if case is not None else ""
            raise TamperDetected(
                f"Evidence {evidence_id}{where} is not recorded in the audit log: it was added "
                "outside SafeLog. Nothing was changed; tell your DSL."
            )
    for evidence_id, case_id in named.evidence.items():
        if items.get(evidence_id) != case_id:
            case = cases.get(case_id)
            where = f" of case {case.reference}" if case is not None else ""
            raise TamperDetected(
                f"Evidence {evidence_id}{where} recorded in the audit log is missing from the "
                "database: it was deleted or moved outside SafeLog. Nothing was changed. Tell "
                "your DSL; restore from a backup."
            )
    return named
