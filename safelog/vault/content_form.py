"""The Inappropriate Content Report Form (policy 003, appendix b) as part of a case.

The form has two parts. The first says who is submitting it, who accessed the content (if
known), the date, the full URL(s) and the nature of the content; the second is completed by
the e-safety officer: the action taken, their name, the date and their signature. Here each
part is a signed version of the case: the "staff name" is the person signed in, and the
signature is their signature on that version. An entry is never edited: the officer's part is
added once, and a second completion is refused.

The version that signed each part is not stored in the entry (the change is computed before
the version exists); it is read back from the verified history (`content_reports`), so it
cannot disagree with the signatures.

Field "content_reports": a list of ContentReportEntry (vault/case_schema.py). The first part
is checked and made into an entry by vault/content_entry.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from safelog.audit.actions import AuditAction
from safelog.domain.categories import category_by_code
from safelog.errors import AccessDenied, InvalidInput, NotFound
from safelog.text import required_text
from safelog.vault.authority import MANAGERS
from safelog.vault.case_engine import open_case
from safelog.vault.case_reading import statement_digests
from safelog.vault.case_schema import CaseField, CaseFields, ContentReportEntry, OfficerPart
from safelog.vault.case_writing import amend_case, stamp
from safelog.vault.cases import show_case
from safelog.vault.content_entry import (
    check_first_part,
    check_url,
    checked_day,
    london_today,
    new_entry,
)
from safelog.vault.records import CaseDetail
from safelog.vault.session import Session

MAX_ACTION = 5000

# With the first part's checks (vault/content_entry.py), for the CLI and the app.
__all__ = [
    "ContentReport",
    "FormPrinted",
    "SignedPart",
    "check_first_part",
    "check_url",
    "complete_content_report",
    "content_reports",
    "find_report",
    "print_content_report",
    "submit_content_report",
    "submit_from_json",
]


# -- recording ----------------------------------------------------------------------------


def submit_content_report(
    session: Session,
    reference: str,
    *,
    accessed_by: str,
    seen_on: date | datetime | str,
    urls: list[str],
    nature: str,
) -> str:
    """Add the first part of a report to a case (DSL, headteacher, chair: anyone who may
    amend it; staff fill it in with their report). Returns the report's id."""
    entry = new_entry(session, accessed_by=accessed_by, seen_on=seen_on, urls=urls, nature=nature)
    amend_case(
        session,
        reference,
        lambda fields: {
            CaseField.CONTENT_REPORTS: [*(fields.get(CaseField.CONTENT_REPORTS) or []), entry]
        },
        AuditAction.CONTENT_REPORT,
        {"report_id": entry["id"]},
    )
    return str(entry["id"])


def submit_from_json(session: Session, reference: str, data: Any) -> str:
    """`submit_content_report` from the JSON of `safelog case content-report --json`; the
    date defaults to today."""
    checked = check_first_part(data)
    return submit_content_report(
        session,
        reference,
        accessed_by=checked["accessed_by"],
        seen_on=checked["seen_on"] or london_today(session),
        urls=checked["urls"],
        nature=checked["nature"],
    )


def complete_content_report(
    session: Session,
    reference: str,
    report_id: str,
    *,
    action_taken: str,
    completed_on: date | None = None,
) -> int:
    """The e-safety officer's part: the action taken, by the signed-in DSL, headteacher or
    chair, on `completed_on` (today if not given). Once only. Returns the new version."""
    session.ensure_open()
    if not MANAGERS & session.person.roles:
        raise AccessDenied(
            "Only a DSL, the headteacher or the chair of governors completes the e-safety "
            "officer's part of a content report."
        )
    recorded = stamp(session)
    officer: OfficerPart = {
        "action_taken": required_text(action_taken, "action taken", limit=MAX_ACTION),
        "by": session.user_id,
        "by_name": session.person.name,
        "on": checked_day(completed_on or london_today(session), "date", london_today(session)),
        "recorded_at": recorded["recorded_at"],
    }

    def compute(fields: CaseFields) -> CaseFields:
        reports: list[ContentReportEntry] = [
            {**r} for r in fields.get(CaseField.CONTENT_REPORTS) or []
        ]
        for report in reports:
            if report.get("id") == report_id:
                done = report.get("officer")
                if done:
                    raise InvalidInput(
                        "This content report was already completed by "
                        f"{done.get('by_name', 'someone')} on {_uk_day(done.get('on', ''))}; "
                        "it cannot be completed again. Add a chronology entry instead."
                    )
                if officer["on"] < str(report.get("seen_on", ""))[:10]:
                    raise InvalidInput("The date is before the date on the report.")
                report["officer"] = officer
                return {CaseField.CONTENT_REPORTS: reports}
        raise NotFound("There is no such content report on this case.")

    return amend_case(
        session, reference, compute, AuditAction.CONTENT_REPORT_COMPLETE, {"report_id": report_id}
    )


def _uk_day(value: str) -> str:
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return day.strftime("%d/%m/%Y")


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedPart:
    """The signed version that recorded one part of a report."""

    name: str  # the version's author, as the verified directory names them
    version: int
    at: datetime
    statement_sha256: str = ""  # filled in for printing


@dataclass(frozen=True)
class ContentReport:
    id: str
    entry: dict[str, Any]  # as stored (see the module's notes)
    submitted: SignedPart | None
    completed: SignedPart | None

    @property
    def officer(self) -> dict[str, Any] | None:
        officer = self.entry.get("officer")
        return officer if isinstance(officer, dict) else None


def content_reports(detail: CaseDetail) -> list[ContentReport]:
    """The case's content reports, each with the versions that signed its two parts (the
    first version that held it, and the first that held its officer's part)."""
    authors = {v.number: v for v in detail.versions}
    submitted: dict[str, SignedPart] = {}
    completed: dict[str, SignedPart] = {}
    for number in sorted(detail.changes):
        for entry in detail.changes[number].get(CaseField.CONTENT_REPORTS) or []:
            report_id = str(entry.get("id"))
            version = authors.get(number)
            if version is None:
                continue
            part = SignedPart(version.author, number, version.at)
            submitted.setdefault(report_id, part)
            if entry.get("officer"):
                completed.setdefault(report_id, part)
    return [
        ContentReport(
            str(entry.get("id")),
            dict(entry),
            submitted.get(str(entry.get("id"))),
            completed.get(str(entry.get("id"))),
        )
        for entry in detail.fields.get(CaseField.CONTENT_REPORTS) or []
    ]


def find_report(detail: CaseDetail, report_id: str) -> ContentReport:
    for report in content_reports(detail):
        if report.id == report_id.strip():
            return report
    raise NotFound(f"There is no content report {report_id} on case {detail.reference}.")


# -- printing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormPrinted:
    path: Path
    sha256: str
    size: int
    pages: int


def _with_statements(session: Session, detail: CaseDetail, report: ContentReport) -> ContentReport:
    """The parts with the SHA-256 of the signed statement of their versions, each signature
    checked again as it is read for the printout."""
    numbers = [p.version for p in (report.submitted, report.completed) if p is not None]
    if not numbers:
        return report
    digests = statement_digests(session, detail.reference, numbers)

    def filled(part: SignedPart | None) -> SignedPart | None:
        if part is None:
            return None
        return SignedPart(part.name, part.version, part.at, digests.get(part.version, ""))

    return ContentReport(
        report.id, report.entry, filled(report.submitted), filled(report.completed)
    )


def print_content_report(
    session: Session, reference: str, report_id: str, out_path: Path, *, overwrite: bool = False
) -> FormPrinted:
    """Save one report as a printable PDF where the person chose (atomically, owner-only),
    and audit it as "case.form-print" with the file's SHA-256. Who may print is who may
    read the case."""
    from safelog.export import content_form  # reportlab: only when a form is printed
    from safelog.export.signing import write_atomically

    session.ensure_open()
    out_path = Path(out_path)
    if out_path.exists() and not overwrite:
        raise InvalidInput(f"{out_path} already exists; choose another name.")
    if not out_path.parent.is_dir():
        raise InvalidInput(f"There is no folder {out_path.parent} to save the form in.")
    detail = show_case(session, reference)  # verifies every version; refuses non-readers
    report = _with_statements(session, detail, find_report(detail, report_id))
    try:
        category = category_by_code(str(detail.fields.get(CaseField.CATEGORY))).title
    except InvalidInput:  # an unknown code is printed as it is
        category = str(detail.fields.get(CaseField.CATEGORY) or "")
    rendered = content_form.render_content_form(
        content_form.ContentFormData(
            school=session.directory.school,
            reference=detail.reference,
            category=category,
            report=report,
            printed_by=session.person.name,
            printed_at=session.clock(),
        )
    )
    digest = write_atomically(out_path, rendered.pdf)
    try:
        with session.write() as conn:
            case = open_case(session, conn, detail.reference)
            session.audit(
                conn,
                AuditAction.CONTENT_FORM_PRINT,
                {
                    "reference": detail.reference,
                    "report_id": report.id,
                    "sha256": digest,
                    "size": len(rendered.pdf),
                    "pages": rendered.pages,
                },
                case=case.audit_ref(),
            )
    except BaseException:
        # A printout that could not be recorded must not be left behind unrecorded.
        out_path.unlink(missing_ok=True)
        raise
    return FormPrinted(out_path, digest, len(rendered.pdf), rendered.pages)
