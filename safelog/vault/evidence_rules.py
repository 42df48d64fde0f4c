"""Who may add evidence to a case, and what is recorded with an item: checked before any
byte of a file is read, and again when it is recorded (vault/evidence.py).

Who may add: a DSL, the headteacher or the chair, on a case they can read; the person who
made a report, while it is still new or acknowledged (after that they tell the DSL, as
for any other change). Categories that may involve indecent images of children refuse
everything but plain text notes (UKCIS: never view, copy, print, share, store or save; 002
7.2.4): pictures, video, archives and any other file (a PDF, an e-mail, a document), all
judged by content (`intake.kept_out_with_images`, domain/image_block.py); a description of
what was reported, who was told and the police reference is recorded instead
(`record_image_report` in vault/evidence.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from safelog.domain.categories import category_by_code
from safelog.domain.image_block import OFFENCE_WORDS, STAFF_UPLOAD_WARNING, warns_before_upload
from safelog.domain.outcomes import CaseStatus
from safelog.errors import AccessDenied, InvalidInput, ReportBeingHandled
from safelog.evidence.intake import ARCHIVE, IMAGERY, NOT_TEXT, ImageImportBlocked
from safelog.text import check_typed, optional_text
from safelog.vault.authority import MANAGERS, REPORTER_MAY_ADD
from safelog.vault.case_engine import open_case
from safelog.vault.case_input import MAX_TEXT
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import CaseField, CaseFields, EvidenceDetails
from safelog.vault.session import Session
from safelog.vault.settings import load_settings

# A time "seen" may be up to a day ahead of this computer's clock (time zones typed wrong,
# another device's clock); beyond that it is refused as in the future.
_SEEN_AT_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class IntakeRules:
    """What this user may add to a case, for the GUI to show before anything is captured."""

    may_add: bool
    reason: str  # why not, when may_add is False
    images_blocked: bool
    guidance: str  # the category's guidance (UKCIS wording when images are blocked)
    upload_warning: str = ""  # 002 7.2.4, shown first on a concern about staff


# --------------------------------------------------------------------------------------
# Who may add, and what.
# --------------------------------------------------------------------------------------


def _contributor_problem(session: Session, reference: str, fields: CaseFields) -> str:
    if MANAGERS & session.person.roles:
        return ""
    status = fields.get(CaseField.STATUS, CaseStatus.NEW)
    if fields.get(CaseField.REPORTER) == session.user_id:
        if status in REPORTER_MAY_ADD:
            return ""
        return (
            f"Report {reference} is now being handled (it is {status}), so you cannot add to "
            "it; tell your DSL about anything new, or make a new report."
        )
    return (
        f"Only the DSL, the headteacher, the chair or the person who made report {reference} "
        "can add to it."
    )


def check_contributor(session: Session, reference: str, fields: CaseFields) -> None:
    problem = _contributor_problem(session, reference, fields)
    if problem:
        raise AccessDenied(problem)


_KEPT_OUT_WORDS = {
    IMAGERY: "pictures or video",
    ARCHIVE: "archives (zip, 7z, rar, tar or compressed files), which may hold pictures",
    NOT_TEXT: (
        "files other than plain text notes (a PDF, an e-mail, a document or any other file "
        "can carry pictures too)"
    ),
}


def check_not_blocked(fields: CaseFields, kept_out: str | None) -> None:
    """`kept_out`: what intake.kept_out_with_images found the file to be."""
    category = category_by_code(fields[CaseField.CATEGORY])
    if kept_out and category.blocks_image_import:
        # The policy's own words, unless the category's guidance already quotes them.
        words = "" if "offence to save" in category.guidance else f" {OFFENCE_WORDS}"
        raise ImageImportBlocked(
            f"SafeLog does not store {_KEPT_OUT_WORDS[kept_out]} for a concern of this kind "
            f"({category.title}); nothing was kept.{words} {category.guidance}",
            category.guidance,
        )


def text_only(fields: CaseFields) -> bool:
    """The case's category keeps plain text notes only (domain/image_block.py)."""
    return category_by_code(fields[CaseField.CATEGORY]).blocks_image_import


def intake_rules(session: Session, reference: str) -> IntakeRules:
    """May this user add evidence to the case, and are images blocked (with the guidance
    to show)? For the app to ask before anything is captured; not audited, since it shows
    nothing of the case but that."""
    session.ensure_open()
    try:
        with session.engine.connect() as conn:
            case = open_case(session, conn, reference)
            fields = read_case(session, conn, case).fields
    except ReportBeingHandled as handled:
        return IntakeRules(may_add=False, reason=str(handled), images_blocked=False, guidance="")
    category = category_by_code(fields[CaseField.CATEGORY])
    problem = _contributor_problem(session, case.row.reference, fields)
    return IntakeRules(
        may_add=not problem,
        reason=problem,
        images_blocked=category.blocks_image_import,
        guidance=category.guidance,
        upload_warning=STAFF_UPLOAD_WARNING if warns_before_upload(category) else "",
    )


# --------------------------------------------------------------------------------------
# What is recorded with an item.
# --------------------------------------------------------------------------------------

_META_KEYS = frozenset(EvidenceDetails.__annotations__)


def one_line(value: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if "\n" in value or "\r" in value:
        raise InvalidInput(f"The {what} must be a single line.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    return check_typed(value, f"The {what}")


def time_given(value: str, what: str, now: datetime) -> str:
    """A date (2026-11-20) or a date and time with a time zone; not in the future."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if day > (now + _SEEN_AT_SLACK).date():
                raise InvalidInput(f"The {what} ({value}) is in the future.")
            return day.isoformat()
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"The {what} must be a date like 2026-11-20 or a date and time with a time zone "
            "like 2026-11-20T15:30:00+00:00."
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"The {what} needs a time zone, like +00:00.")
    if parsed > now + _SEEN_AT_SLACK:
        raise InvalidInput(f"The {what} ({value}) is in the future.")
    return parsed.isoformat()


def clean_metadata(metadata: dict[str, str], now: datetime) -> EvidenceDetails:
    unknown = set(metadata) - _META_KEYS
    if unknown:
        raise InvalidInput(f"Unknown evidence details: {', '.join(sorted(unknown))}.")
    description = optional_text(metadata.get("description") or "", "description", limit=MAX_TEXT)
    return {
        "source_url": one_line(metadata.get("source_url", ""), "source URL", 4000),
        "platform": one_line(metadata.get("platform", ""), "platform", 200),
        "handle": one_line(metadata.get("handle", ""), "account handle", 200),
        "description": description,
        "seen_at": time_given(metadata.get("seen_at", ""), "time it was seen", now),
    }


def evidence_limit(session: Session) -> int:
    """The school's limit (signed setting `evidence_limit_bytes`, 2 GiB by default)."""
    return load_settings(session).evidence_limit_bytes
