"""Reports for governors and inspectors (issue 15 point 3): the use cases behind
`safelog report governors|inspection|checkpoint` and the app's Reports window.

Who may make them: the DSL, the headteacher, the chair of governors and the trust CEO
(domain/reports.py REPORT_RUNNERS); staff and administrators are refused. The cases come
from the person's own keys, each opened and verified like any view of it, and each read is
audited on the case ("via governors' report"); a case that fails its checks is left out
and said so on the cover. A case the person holds only as its reporter (their receipt) is
not theirs to count. The whole audit log is checked first, and its checkpoint (entries,
head hash) is what the governors' report prints. Both files are signed like a case file,
written atomically and owner-only, and audited with their SHA-256; an export that could
not be audited is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from safelog.audit import log as audit_log
from safelog.audit.actions import AuditAction
from safelog.domain.categories import UnknownCategory, category_by_code
from safelog.domain.deadlines import LONDON, overdue_from
from safelog.domain.outcomes import PersonKind, outcome_label
from safelog.domain.reports import (
    REPORT_RUNNERS,
    GovernorsFigures,
    ReferralRow,
    ReportCase,
    ReportCopy,
    ReportEscalation,
    ReportPupil,
    check_period,
    governors_figures,
    initials,
    inspection_rows,
    report_copy,
)
from safelog.domain.roles import ROLE_LABELS, Role
from safelog.errors import AccessDenied, InvalidInput, TamperDetected, UserFacingError
from safelog.store.engine import snapshot
from safelog.store.files import write_atomically
from safelog.vault.audit_trail import AuditEntry
from safelog.vault.case_engine import open_case
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import CaseField, CaseFields
from safelog.vault.cases import list_cases
from safelog.vault.escalations import escalations_from
from safelog.vault.export import ca_fingerprint, signing_identity
from safelog.vault.roll import Roll, load_roll
from safelog.vault.rows_ahead import read_ahead
from safelog.vault.session import Session
from safelog.vault.verified_cases import GroupRows

GOVERNORS = "governors"
INSPECTION = "inspection"
_VIA = {GOVERNORS: "governors' report", INSPECTION: "inspection pack"}
TEXT_OUTCOME = "Other (recorded in words)"


@dataclass(frozen=True)
class ReportResult:
    kind: str  # GOVERNORS or INSPECTION
    path: Path
    sha256: str
    size: int
    pages: int
    copy: ReportCopy
    signer: str
    timestamped: bool
    csv_path: Path | None = None
    csv_sha256: str = ""
    figures: GovernorsFigures | None = None  # the governors' report's
    rows: list[ReferralRow] = field(default_factory=list)  # the inspection pack's
    checkpoint: tuple[int, str] = (0, "")  # the audit log's entries and head, as printed
    problems: list[str] = field(default_factory=list)  # cases left out: failed their checks
    messages: list[str] = field(default_factory=list)  # e.g. the timestamp server was silent


def require_runner(session: Session) -> ReportCopy:
    """The copy this person makes; staff and administrators are refused."""
    session.ensure_open()
    roles = frozenset(session.person.roles)
    if not roles & REPORT_RUNNERS:
        raise AccessDenied(
            "Reports for governors and inspectors are for the DSL, the headteacher and the "
            "chair of governors."
        )
    return report_copy(roles)


# -- reading -----------------------------------------------------------------------------


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _category(code: str) -> str:
    try:
        return category_by_code(code).title
    except UnknownCategory:  # a category from a newer SafeLog: shown by its code
        return code


def _outcome(fields: CaseFields) -> str:
    outcome = fields.get(CaseField.OUTCOME)
    if isinstance(outcome, dict) and isinstance(outcome.get("code"), str):
        return outcome_label(outcome["code"])
    if isinstance(outcome, str) and outcome.strip():
        return TEXT_OUTCOME  # free text may name someone: never printed
    return ""


def _pupils(fields: CaseFields, roll: Roll) -> tuple[ReportPupil, ...]:
    out = []
    for person in fields.get(CaseField.PEOPLE) or []:
        if person.get("kind") != PersonKind.PUPIL:
            continue
        on_roll = roll.pupils.get(str(person.get("pupil") or ""))
        if on_roll is not None:
            out.append(ReportPupil(initials(f"{on_roll.forename} {on_roll.surname}"), on_roll.year))
        else:
            out.append(ReportPupil(initials(str(person.get("name") or "")) or "?"))
    return tuple(out)


def _deadline(due: datetime | None, raised_at: datetime) -> datetime | None:
    """When a route counts as late: "immediately" as the inbox counts it, at the end of the
    working day the concern was raised (domain/deadlines.py), not a moment after."""
    return None if due is None else overdue_from(due, raised_at)


def report_case(reference: str, fields: CaseFields, raised_at: datetime, roll: Roll) -> ReportCase:
    """What the reports need of one verified case, and nothing more."""
    escalations = tuple(
        ReportEscalation(
            route=str(item["route"]),
            required=bool(item["required"]),
            due=_deadline(_moment(item["due"]), raised_at),
            done_at=_moment(item["done_at"]),
            not_needed=bool(item["not_needed"]),
            reference=item["reference"] if isinstance(item["reference"], str) else "",
        )
        for item in escalations_from(fields, raised_at)
    )
    return ReportCase(
        reference=reference,
        category=_category(str(fields.get(CaseField.CATEGORY, ""))),
        raised_at=raised_at,
        about_headteacher=bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
        outcome=_outcome(fields),
        escalations=escalations,
        pupils=_pupils(fields, roll),
    )


def read_report_cases(session: Session, end: date, via: str) -> tuple[list[ReportCase], list[str]]:
    """Every case the person's keys open that was raised by the end of `end`, verified, each
    read audited on the case; and the cases left out because they failed their checks."""
    candidates = [c for c in list_cases(session) if c.created_at.astimezone(LONDON).date() <= end]
    roll = load_roll(session)
    cases: list[ReportCase] = []
    problems = list(session.list_problems)
    views: list[AuditEntry] = []
    groups_read: dict[tuple[str, ...], GroupRows] = {}
    with session.write() as conn:
        ahead = read_ahead(conn, [c.reference for c in candidates])
        for summary in candidates:
            try:
                case = open_case(session, conn, summary.reference, ahead)
                if case.row.audience_id not in session.audience_ciphers:
                    continue  # held only as its reporter: not theirs to count
                verified = read_case(session, conn, case, groups_read=groups_read, ahead=ahead)
            except AccessDenied:
                continue
            except UserFacingError as exc:
                problems.append(f"{summary.reference}: {exc}")
                continue
            cases.append(report_case(summary.reference, verified.fields, summary.created_at, roll))
            views.append(
                AuditEntry(
                    AuditAction.CASE_VIEW,
                    {"reference": summary.reference, "via": via},
                    case=case.audit_ref(),
                )
            )
        if views:
            session.audit_many(conn, views)
    return cases, problems


def checked_log(session: Session) -> tuple[int, str, list[Any]]:
    """The audit log checked from its first entry (chain, hashes, signatures, and that it
    still extends this device's checkpoint): its number of entries, head hash and rows."""
    seen = session.last_checkpoint()
    with snapshot(session.engine) as conn:
        session.reload_directory(conn)
        rows = list(audit_log.rows_after(conn, 0))
        try:
            end = audit_log.verify_chain(
                rows,
                start=audit_log.Head(0, audit_log.GENESIS),
                verify_signature=session.verify_actor_signature,
            )
        except audit_log.ChainBroken as exc:
            raise TamperDetected(f"The audit log is damaged: {exc}.") from None
        head = audit_log.read_head(conn)
        if (head.seq, head.entry_hash) != (end.seq, end.entry_hash):
            raise TamperDetected("The audit log's head does not match its last entry.")
        session.check_audit_log(conn, seen)
    return end.seq, end.entry_hash.hex(), rows


def entry_hash_at(session: Session, entry: int) -> str:
    """The hash entry number `entry` has now, once the whole log has been checked: what a
    governors' report printed as its checkpoint must still be there."""
    require_runner(session)
    entries, _, rows = checked_log(session)
    if not 1 <= entry <= entries:
        raise InvalidInput(f"The audit log has {entries} entries; there is no entry {entry}.")
    return next(bytes(row.entry_hash).hex() for row in rows if row.seq == entry)


# -- writing -----------------------------------------------------------------------------


def _check_paths(out: Path, csv_out: Path | None) -> None:
    for path in (out, csv_out):
        if path is None:
            continue
        if path.exists():
            raise InvalidInput(f"{path} already exists; choose another name.")
        if not path.parent.is_dir():
            raise InvalidInput(f"There is no folder {path.parent} to save the report in.")
    if csv_out is not None and Path(csv_out).resolve() == Path(out).resolve():
        raise InvalidInput("The PDF and the CSV need two different file names.")


def _sign(
    session: Session, rendered: Any, reference: str, title: str, shown_as: str | None
) -> tuple[bytes, bool, list[str]]:
    """Signed with the person's certificate; with `shown_as`, the visible signature names
    their role instead of them (the governors' report names no one in its text)."""
    import dataclasses

    from safelog.export import signing

    identity = signing_identity(session, "a report")
    if shown_as:
        identity = dataclasses.replace(identity, name=shown_as)
    messages: list[str] = []
    timestamper = None
    tsa_url = signing.resolve_tsa_url(None)
    if tsa_url:
        timestamper, message = signing.connect_timestamper(tsa_url)
        if message:
            messages.append(message)
    signed = signing.sign_case_file(
        rendered,
        identity,
        reference=reference,
        timestamper=timestamper,
        reason=f"{title}, made with SafeLog",
    )
    return signed, timestamper is not None, messages


def _header(
    session: Session, kind: str, title: str, copy: ReportCopy, start: date, end: date
) -> Any:
    from safelog.export.report_pages import ReportHeader

    person = session.person
    words = "Governors' report" if kind == GOVERNORS else "Inspection pack"
    return ReportHeader(
        school=session.directory.school,
        title=title,
        document=f"{kind}-report" if kind == GOVERNORS else "inspection-pack",
        reference=words,  # short: the running header has room for a few words
        copy_label=copy.label,
        start=start,
        end=end,
        # The governors' report names no one, not even who printed it: their role says it.
        printed_by=ROLE_LABELS[copy.role] if kind == GOVERNORS else person.name,
        printed_by_roles=""
        if kind == GOVERNORS
        else ", ".join(ROLE_LABELS[r] for r in Role if r in person.roles),
        printed_at=session.clock(),
        ca_fingerprint=ca_fingerprint(session),
    )


def _pack_note(copy: ReportCopy) -> str:
    if copy.counts_head_cases:
        return (
            "Referrals on concerns about the headteacher are listed: keep it from the headteacher."
        )
    return (
        "Referrals on concerns about the headteacher are not listed in this copy; the chair "
        "of governors' copy lists them."
    )


def make_report(
    session: Session,
    kind: str,
    start: date,
    end: date,
    out: Path,
    csv_out: Path | None = None,
) -> ReportResult:
    """The governors' report (`kind` GOVERNORS) or the inspection pack (INSPECTION) for
    `start`..`end`, as a signed PDF at `out` and, if asked, a CSV at `csv_out`."""
    if kind not in _VIA:
        raise InvalidInput(f"'{kind}' is not a report; choose governors or inspection.")
    copy = require_runner(session)
    try:
        check_period(start, end)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    out = Path(out)
    csv_out = Path(csv_out) if csv_out is not None else None
    _check_paths(out, csv_out)
    entries, head, _ = checked_log(session) if kind == GOVERNORS else (0, "", [])
    cases, problems = read_report_cases(session, end, _VIA[kind])
    result_figures: GovernorsFigures | None = None
    rows: list[ReferralRow] = []
    if kind == GOVERNORS:
        from safelog.export.governors_report import (
            TITLE,
            AuditCheckpoint,
            render_governors_report,
        )
        from safelog.export.report_csv import governors_csv

        header = _header(session, kind, TITLE, copy, start, end)
        result_figures = governors_figures(cases, start, end, copy)
        rendered = render_governors_report(
            header, result_figures, AuditCheckpoint(entries, head), problems
        )
        csv_data = governors_csv(result_figures, entries, head) if csv_out else b""
    else:
        from safelog.export.inspection_pack import TITLE as PACK_TITLE
        from safelog.export.inspection_pack import render_inspection_pack
        from safelog.export.report_csv import inspection_csv

        header = _header(session, kind, PACK_TITLE, copy, start, end)
        rows = inspection_rows(cases, start, end, copy)
        rendered = render_inspection_pack(header, rows, _pack_note(copy), problems)
        csv_data = inspection_csv(rows) if csv_out else b""
    shown_as = ROLE_LABELS[copy.role] if kind == GOVERNORS else None
    signed, timestamped, messages = _sign(
        session, rendered, header.reference, header.title, shown_as
    )
    written: list[Path] = []
    try:
        digest = write_atomically(out, signed)
        written.append(out)
        csv_digest = ""
        if csv_out is not None:
            csv_digest = write_atomically(csv_out, csv_data)
            written.append(csv_out)
        with session.write() as conn:
            action = AuditAction.REPORT_INSPECTION
            if kind == GOVERNORS:
                action = AuditAction.REPORT_GOVERNORS
            session.audit(
                conn,
                action,
                {
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                    "copy": copy.role.value,
                    "file": out.name,
                    "sha256": digest,
                    "size": len(signed),
                    "pages": rendered.pages,
                    "csv_file": csv_out.name if csv_out else None,
                    "csv_sha256": csv_digest or None,
                    "cases": len(cases),
                    "audit_entries": entries or None,
                    "audit_head": head or None,
                    "timestamped": timestamped,
                },
            )
    except BaseException:
        # A report that could not be recorded must not be left behind unrecorded.
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return ReportResult(
        kind=kind,
        path=out,
        sha256=digest,
        size=len(signed),
        pages=rendered.pages,
        copy=copy,
        signer=session.person.name,
        timestamped=timestamped,
        csv_path=csv_out,
        csv_sha256=csv_digest,
        figures=result_figures,
        rows=rows,
        checkpoint=(entries, head),
        problems=problems,
        messages=messages,
    )
