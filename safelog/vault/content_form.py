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

Field "content_reports": a list of
    {id, submitted_by (user id), submitted_by_name, submitted_at, accessed_by, seen_on,
     urls, nature, officer?: {action_taken, by (user id), by_name, on, recorded_at}}.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from safelog.domain.deadlines import LONDON
from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput, NotFound, TamperDetected
from safelog.text import check_typed
from safelog.vault.records import CaseDetail
from safelog.vault.session import Session
from safelog.vault.workspace import _stamp, _text

FIELD = "content_reports"
SUBMIT_ACTION = "case.content-report"
COMPLETE_ACTION = "case.content-report-complete"
PRINT_ACTION = "case.form-print"

MAX_URLS = 20
MAX_URL = 2000
MAX_NAME = 200
MAX_NATURE = 5000
MAX_ACTION = 5000
REPORT_KEYS = frozenset({"accessed_by", "seen_on", "urls", "nature"})
EDITORS = frozenset({Role.DSL, Role.HEADTEACHER, Role.CHAIR})

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(.*)", re.DOTALL)
_PORT_THEN_PATH = re.compile(r"\d{1,5}(?:[/?#].*)?", re.DOTALL)


# -- checking what was typed ---------------------------------------------------------------


def _host_ok(host: str) -> bool:
    host = host.rsplit("@", 1)[-1]  # user@host is allowed by URLs; the host is what counts
    host = re.sub(r":\d{1,5}$", "", host)
    if "." not in host.strip(".") or host.startswith(".") or ".." in host:
        return False
    return all(c.isalnum() or c in ".-_" for c in host)


def check_url(value: str, number: int = 1) -> str:
    """One web address as typed: http(s)://host/... or a bare domain (example.com/page).
    Returns it stripped; raises InvalidInput in plain words."""
    where = f"Web address {number}"
    url = value.strip()
    if not url:
        raise InvalidInput(f"{where} is empty.")
    if len(url) > MAX_URL:
        raise InvalidInput(f"{where} is longer than {MAX_URL} characters.")
    if any(c.isspace() for c in url):
        raise InvalidInput(f"{where} has a space or line break in it: put one address per line.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in url):
        raise InvalidInput(f"{where} has invisible or control characters in it.")
    scheme = _SCHEME.fullmatch(url)
    if scheme and not _PORT_THEN_PATH.fullmatch(scheme.group(2)):
        if scheme.group(1).lower() not in ("http", "https"):
            raise InvalidInput(
                f"{where} is not a web address: only http://, https:// or a site name "
                "like example.com can go here."
            )
        rest = scheme.group(2)
        if not rest.startswith("//"):
            raise InvalidInput(f"{where} should start http:// or https://.")
        host = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    else:
        host = re.split(r"[/?#]", url, maxsplit=1)[0]
    if not _host_ok(host):
        raise InvalidInput(f"{where} has no site name in it (like example.com).")
    return url


def check_urls(urls: Any) -> list[str]:
    """A list of web addresses, or text with one per line; blank lines are ignored."""
    if urls in (None, ""):
        return []
    if isinstance(urls, str):
        urls = urls.splitlines()
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise InvalidInput("The web addresses must be text, one per line.")
    lines = [u for u in urls if u.strip()]
    if len(lines) > MAX_URLS:
        raise InvalidInput(f"At most {MAX_URLS} web addresses go on one report.")
    return [check_url(u, number) for number, u in enumerate(lines, start=1)]


def _one_line(value: Any, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be text.")
    value = value.strip()
    if "\n" in value or "\r" in value:
        raise InvalidInput(f"The {what} must be a single line.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    return check_typed(value, f"The {what}")


def _day(value: date | datetime | str, what: str, today: date) -> str:
    """A date (or a date and time with its zone), not in the future, as ISO text."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(f"The {what} must be a date like 2026-11-20.") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput(f"The {what} needs a time zone, like +00:00.")
        if value.astimezone(LONDON).date() > today:
            raise InvalidInput(f"The {what} is in the future.")
        return value.isoformat()
    if not isinstance(value, date):
        raise InvalidInput(f"The {what} must be a date like 2026-11-20.")
    if value > today:
        raise InvalidInput(f"The {what} is in the future.")
    return value.isoformat()


def check_first_part(data: Any) -> dict[str, Any]:
    """The first part as JSON (`content_report` in a new case, or `case content-report
    --json`): {"accessed_by", "seen_on", "urls", "nature"}; seen_on may be left out (the
    date the concern happened, or today). Returns the checked values; seen_on unresolved."""
    if not isinstance(data, dict):
        raise InvalidInput("The content report must be a JSON object.")
    unknown = set(data) - REPORT_KEYS
    if unknown:
        raise InvalidInput(
            f"Unknown keys in the content report: {', '.join(sorted(unknown))}. "
            f"Allowed: {', '.join(sorted(REPORT_KEYS))}."
        )
    nature = data.get("nature")
    if nature is not None and not isinstance(nature, str):
        raise InvalidInput("The nature of the content must be text.")
    seen_on = data.get("seen_on")
    if seen_on not in (None, ""):
        if not isinstance(seen_on, str):
            raise InvalidInput("'seen_on' must be a date like 2026-11-20.")
        _day(seen_on, "date", date.max)  # the form of it; the future is checked when stamped
    return {
        "accessed_by": _one_line(data.get("accessed_by"), "name of who accessed it", MAX_NAME),
        "seen_on": seen_on or "",
        "urls": check_urls(data.get("urls")),
        "nature": _text(nature or "", "nature of the content", limit=MAX_NATURE),
    }


def _today(session: Session) -> date:
    return session.clock().astimezone(LONDON).date()


def new_entry(
    session: Session,
    *,
    accessed_by: str,
    seen_on: date | datetime | str,
    urls: list[str] | str,
    nature: str,
) -> dict[str, Any]:
    """A checked first part, stamped with who is submitting it (the signed-in user)."""
    checked = check_first_part(
        {"accessed_by": accessed_by, "urls": urls, "nature": nature, "seen_on": None}
    )
    return {
        "id": str(uuid.uuid4()),
        "submitted_by": session.user_id,
        "submitted_by_name": session.person.name,
        "submitted_at": session.clock().isoformat(),
        "accessed_by": checked["accessed_by"],
        "seen_on": _day(seen_on, "date", _today(session)),
        "urls": checked["urls"],
        "nature": checked["nature"],
    }


def entry_from_case_input(
    session: Session, first_part: dict[str, Any], occurred_at: str
) -> dict[str, Any]:
    """The first entry of a new case whose JSON had a `content_report` (already checked by
    CaseInput): the date defaults to when the concern happened, else today."""
    seen_on: date | datetime | str = first_part.get("seen_on") or ""
    if not seen_on:
        seen_on = (
            datetime.fromisoformat(occurred_at).astimezone(LONDON).date()
            if occurred_at
            else _today(session)
        )
    return new_entry(
        session,
        accessed_by=first_part.get("accessed_by", ""),
        seen_on=seen_on,
        urls=first_part.get("urls", []),
        nature=first_part.get("nature", ""),
    )


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
    from safelog.vault.cases import amend_case

    entry = new_entry(session, accessed_by=accessed_by, seen_on=seen_on, urls=urls, nature=nature)
    amend_case(
        session,
        reference,
        lambda fields: {FIELD: [*(fields.get(FIELD) or []), entry]},
        SUBMIT_ACTION,
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
        seen_on=checked["seen_on"] or _today(session),
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
    from safelog.vault.cases import amend_case

    session.ensure_open()
    if not EDITORS & session.person.roles:
        raise AccessDenied(
            "Only a DSL, the headteacher or the chair of governors completes the e-safety "
            "officer's part of a content report."
        )
    stamp = _stamp(session)
    officer = {
        "action_taken": _text(action_taken, "action taken", limit=MAX_ACTION),
        "by": session.user_id,
        "by_name": session.person.name,
        "on": _day(completed_on or _today(session), "date", _today(session)),
        "recorded_at": stamp["recorded_at"],
    }

    def compute(fields: dict[str, Any]) -> dict[str, Any]:
        reports = [dict(r) for r in fields.get(FIELD) or []]
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
                return {FIELD: reports}
        raise NotFound("There is no such content report on this case.")

    return amend_case(session, reference, compute, COMPLETE_ACTION, {"report_id": report_id})


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
        for entry in detail.changes[number].get(FIELD) or []:
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
        for entry in detail.fields.get(FIELD) or []
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
    from sqlalchemy import select

    from safelog.store.schema import CaseVersionRow

    numbers = [p.version for p in (report.submitted, report.completed) if p is not None]
    if not numbers:
        return report
    with session.engine.connect() as conn:
        rows = conn.execute(
            select(
                CaseVersionRow.version,
                CaseVersionRow.author_id,
                CaseVersionRow.statement,
                CaseVersionRow.signature,
            ).where(CaseVersionRow.case_id == detail.id, CaseVersionRow.version.in_(numbers))
        ).all()
        digests: dict[int, str] = {}
        for number, author_id, statement, signature in rows:
            author = session.known_person(conn, author_id)
            if author is None or not author.verifies(bytes(signature), bytes(statement)):
                raise TamperDetected(
                    f"The signature on case {detail.reference}, version {number} does not "
                    "check out."
                )
            digests[number] = hashlib.sha256(bytes(statement)).hexdigest()

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
    from safelog.domain.categories import category_by_code
    from safelog.export import content_form
    from safelog.export.signing import write_atomically
    from safelog.vault.cases import open_case, show_case

    session.ensure_open()
    out_path = Path(out_path)
    if out_path.exists() and not overwrite:
        raise InvalidInput(f"{out_path} already exists; choose another name.")
    if not out_path.parent.is_dir():
        raise InvalidInput(f"There is no folder {out_path.parent} to save the form in.")
    detail = show_case(session, reference)  # verifies every version; refuses non-readers
    report = _with_statements(session, detail, find_report(detail, report_id))
    try:
        category = category_by_code(str(detail.fields.get("category"))).title
    except InvalidInput:  # an unknown code is printed as it is
        category = str(detail.fields.get("category") or "")
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
                PRINT_ACTION,
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
