"""Nothing quietly missing (DESIGN §3.5): the audit log names every case's latest version
and every evidence item, so a case or an item deleted from the database, or a case rolled
back to an earlier version, is noticed at sign-in as tampering."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from safelog.audit import log as audit_log
from safelog.errors import TamperDetected
from safelog.store.schema import CaseRow, EvidenceRow


def check_nothing_missing(
    conn: Connection,
    verified_rows: list[Any] | None = None,
    verified_before: audit_log.Manifest | None = None,
) -> audit_log.Manifest:
    """Compare what the (already verified) audit log names with what the database holds;
    returns the manifest, whose evidence ids no clean-up may ever delete. `verified_rows`
    are the log's rows as sign-in just verified them (read again when not given), and
    `verified_before` the manifest of the entries before them, which this device verified
    at an earlier sign-in (audit/verified.py)."""
    try:
        named = (
            audit_log.manifest_of(
                ((r.seq, r.case_id, r.item_ref) for r in verified_rows or ()), verified_before
            )
            if verified_rows or verified_before is not None
            else audit_log.manifest(conn)
        )
    except audit_log.MembershipOutOfOrder as exc:
        raise TamperDetected(
            f"Audit entry {exc.seq} names an earlier state of the membership log than the "
            "entries before it: it was written by someone using a role they no longer held. "
            "Nothing was changed; tell your DSL."
        ) from None
    heads = dict(conn.execute(select(CaseRow.id, CaseRow.head_version)).all())

    def reference_of(case_id: str) -> str:
        found = conn.execute(select(CaseRow.reference).where(CaseRow.id == case_id))
        return str(found.scalar_one_or_none() or "")

    items = dict(conn.execute(select(EvidenceRow.id, EvidenceRow.case_id)).all())
    if heads == named.versions and items == named.evidence:
        return named  # the usual answer, found at once (DESIGN §7); else find what differs
    for case_id, version in named.versions.items():
        head = heads.get(case_id)
        if head is None:
            raise TamperDetected(
                "A case recorded in the audit log is missing from the database: it was deleted "
                "outside SafeLog. Nothing was changed. Tell your DSL; restore from a backup."
            )
        if head < version:  # (versions missing below the head: found on opening)
            raise TamperDetected(
                f"Case {reference_of(case_id)} has been rolled back outside SafeLog: the audit log "
                f"records version {version}, the database holds fewer. Nothing was changed. "
                "Tell your DSL; restore from a backup."
            )
    for case_id, head in heads.items():
        if head > named.versions.get(case_id, 0):
            raise TamperDetected(
                f"Case {reference_of(case_id)} has a version the audit log does not record: it was "
                "added outside SafeLog. Nothing was changed; tell your DSL."
            )
    for evidence_id, case_id in items.items():
        if evidence_id not in named.evidence:
            found = reference_of(case_id)
            where = f" of case {found}" if found else ""
            raise TamperDetected(
                f"Evidence {evidence_id}{where} is not recorded in the audit log: it was added "
                "outside SafeLog. Nothing was changed; tell your DSL."
            )
    for evidence_id, case_id in named.evidence.items():
        if items.get(evidence_id) != case_id:
            found = reference_of(case_id)
            where = f" of case {found}" if found else ""
            raise TamperDetected(
                f"Evidence {evidence_id}{where} recorded in the audit log is missing from the "
                "database: it was deleted or moved outside SafeLog. Nothing was changed. Tell "
                "your DSL; restore from a backup."
            )
    return named
