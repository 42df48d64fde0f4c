"""Validating what a person types for a case: the JSON of `safelog case add`, and edits.

Every text field is checked for characters that could drive a terminal or disguise what is
shown (safelog/text.py): refused, never silently changed, except that CR LF becomes LF in
fields that may hold several lines.

Size: each field has its own limit, and one new case or one change holds at most
MAX_CASE_TEXT characters of text in all and MAX_PEOPLE people (a person's notes at most
MAX_PERSON_NOTES). Measured on the signed case file: 1,000,000 characters spread over 100
people's notes export in about 16 s (490 pages), while one 90,000-character cell took 50 s,
hence the smaller limit on notes, which sit in a table cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from safelog.domain.categories import category_by_code
from safelog.domain.outcomes import CaseStatus, PersonKind, PersonRole
from safelog.errors import InvalidInput
from safelog.text import check_typed
from safelog.vault.case_schema import CaseField, CaseFields, ContentReportPart, PersonEntry
from safelog.vault.content_entry import check_first_part

PERSON_KINDS = tuple(PersonKind)
PERSON_ROLES = tuple(PersonRole)
CASE_KEYS = frozenset(
    {
        CaseField.CATEGORY,
        CaseField.SUMMARY,
        CaseField.DESCRIPTION,
        CaseField.OCCURRED_AT,
        CaseField.PLATFORM,
        CaseField.URL,
        CaseField.SUBJECTS,
        CaseField.PEOPLE,
    }
)
EDITABLE = frozenset(
    CASE_KEYS | {CaseField.STATUS, CaseField.OUTCOME, CaseField.ESCALATED_TO_LEADERSHIP}
)
# Only when a case is recorded: the first part of the Inappropriate Content Report Form
# (safelog/vault/content_entry.py), which becomes the case's first content report.
CONTENT_REPORT_KEY = "content_report"
INPUT_KEYS = frozenset(CASE_KEYS | {CONTENT_REPORT_KEY})
STATUSES = tuple(CaseStatus)
_PERSON_KEYS = frozenset(PersonEntry.__annotations__)
MAX_TEXT = 100_000
MAX_CASE_TEXT = 1_000_000  # characters of text in one new case or one change, all fields
MAX_PEOPLE = 500
MAX_PERSON_NOTES = 10_000


def _text(
    data: dict[str, Any],
    key: str,
    *,
    required: bool = False,
    one_line: bool = False,
    limit: int = MAX_TEXT,
) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"'{key}' must be text.")
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"'{key}' is required.")
    if one_line and ("\n" in value or "\r" in value):
        raise InvalidInput(f"'{key}' must be a single line.")
    if len(value) > limit:
        raise InvalidInput(f"'{key}' is longer than {limit} characters.")
    return check_typed(value, f"'{key}'", multi_line=not one_line)


def _when(value: Any, key: str) -> str:
    if value in (None, ""):
        return ""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"'{key}' must be a date and time like 2026-11-20T15:30:00+00:00."
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"'{key}' needs a time zone, like +00:00.")
    return parsed.isoformat()


def _people(value: Any) -> list[PersonEntry]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise InvalidInput("'people' must be a list.")
    if len(value) > MAX_PEOPLE:
        raise InvalidInput(
            f"'people' lists {len(value)} people; a case can list at most {MAX_PEOPLE}."
        )
    people = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(f"person {index} must be an object with name, kind and role.")
        unknown = set(item) - _PERSON_KEYS
        if unknown:
            raise InvalidInput(f"person {index} has unknown keys: {', '.join(sorted(unknown))}.")
        linked = _text(item, "pupil", one_line=True, limit=40)
        adult = _text(item, "adult", one_line=True, limit=40)
        if linked and adult:
            raise InvalidInput(f"person {index} is either a pupil or an adult on the register.")
        # Someone picked from the roll or the register of adults brings their name and kind
        # (vault/roll.py resolves them).
        picked = bool(linked or adult)
        name = _text(item, "name", required=not picked, one_line=True, limit=200)
        kind = _text(item, "kind", required=not picked) or ("staff" if adult else "pupil")
        role = _text(item, "role", required=True)
        if kind not in PERSON_KINDS:
            raise InvalidInput(f"person {index}: kind must be one of {', '.join(PERSON_KINDS)}.")
        if role not in PERSON_ROLES:
            raise InvalidInput(f"person {index}: role must be one of {', '.join(PERSON_ROLES)}.")
        person: PersonEntry = {"name": name, "kind": kind, "role": role}
        dob = item.get("date_of_birth")
        if dob:
            try:
                person["date_of_birth"] = date.fromisoformat(str(dob)).isoformat()
            except ValueError:
                raise InvalidInput(
                    f"person {index}: date_of_birth must be like 2012-05-01."
                ) from None
        if item.get("notes"):
            person["notes"] = _text(item, "notes", limit=MAX_PERSON_NOTES)
        if linked:
            if kind != "pupil":
                raise InvalidInput(f"person {index}: someone picked from the roll is a pupil.")
            person["pupil"] = linked
        if adult:
            if kind in ("pupil", "parent", "external"):
                raise InvalidInput(
                    f"person {index}: someone picked from the register of adults is staff, a "
                    "volunteer, a governor or a contractor."
                )
            person["adult"] = adult
        people.append(person)
    return people


def _content_report(value: Any) -> ContentReportPart | None:
    if value in (None, ""):
        return None
    return check_first_part(value)


def _names(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("'subjects' must be a list of names.")
    if len(value) > MAX_PEOPLE:
        raise InvalidInput(f"'subjects' lists more than {MAX_PEOPLE} names.")
    return [check_typed(v.strip(), "'subjects'") for v in value if v.strip()]


def _text_size(value: Any) -> int:
    """Characters of text in a validated value (strings, lists and objects of them)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_text_size(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_text_size(v) for v in value)
    return 0


def check_total_size(values: Any, what: str) -> None:
    """Refuse more than MAX_CASE_TEXT characters of text in one go (`what`: "The case")."""
    total = _text_size(values)
    if total > MAX_CASE_TEXT:
        raise InvalidInput(
            f"{what} holds {total:,} characters of text in all; at most {MAX_CASE_TEXT:,} "
            "can be recorded at once. Attach long documents as evidence files instead."
        )


@dataclass(frozen=True)
class CaseInput:
    category: str
    summary: str
    description: str
    occurred_at: str = ""
    platform: str = ""
    url: str = ""
    subjects: list[str] = field(default_factory=list)
    people: list[PersonEntry] = field(default_factory=list)
    content_report: ContentReportPart | None = None

    @classmethod
    def from_json(cls, data: Any) -> CaseInput:
        if not isinstance(data, dict):
            raise InvalidInput("The case must be a JSON object.")
        unknown = set(data) - INPUT_KEYS
        if unknown:
            raise InvalidInput(
                f"Unknown keys in the case: {', '.join(sorted(unknown))}. "
                f"Allowed: {', '.join(sorted(INPUT_KEYS))}."
            )
        category = _text(data, CaseField.CATEGORY, required=True)
        category_by_code(category)
        case = cls(
            category=category,
            summary=_text(data, CaseField.SUMMARY, required=True, one_line=True, limit=300),
            description=_text(data, CaseField.DESCRIPTION, required=True),
            occurred_at=_when(data.get(CaseField.OCCURRED_AT), CaseField.OCCURRED_AT),
            platform=_text(data, CaseField.PLATFORM, one_line=True, limit=200),
            url=_text(data, CaseField.URL, one_line=True, limit=4000),
            subjects=_names(data.get(CaseField.SUBJECTS)),
            people=_people(data.get(CaseField.PEOPLE)),
            content_report=_content_report(data.get(CONTENT_REPORT_KEY)),
        )
        everything = (case.summary, case.description, case.platform, case.url, case.subjects)
        check_total_size((*everything, case.people, case.content_report or {}), "The case")
        return case

    def to_fields(self, subject_ids: list[str], *, reporter_id: str, status: str) -> CaseFields:
        return {
            CaseField.CATEGORY: self.category,
            CaseField.SUMMARY: self.summary,
            CaseField.DESCRIPTION: self.description,
            CaseField.OCCURRED_AT: self.occurred_at,
            CaseField.PLATFORM: self.platform,
            CaseField.URL: self.url,
            CaseField.SUBJECTS: subject_ids,
            CaseField.PEOPLE: self.people,
            CaseField.REPORTER: reporter_id,
            CaseField.STATUS: status,
        }


def validate_changes(changes: Any) -> CaseFields:
    """Edits to a case: the same checks as a new case, field by field."""
    if not isinstance(changes, dict):
        raise InvalidInput("Changes must be a JSON object.")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key == CaseField.CATEGORY:
            out[key] = _text(changes, key, required=True)
            category_by_code(out[key])
        elif key in (CaseField.SUMMARY, CaseField.PLATFORM, CaseField.URL):
            out[key] = _text(changes, key, required=key == CaseField.SUMMARY, one_line=True)
        elif key in (CaseField.DESCRIPTION, CaseField.OUTCOME):
            out[key] = _text(changes, key)
        elif key == CaseField.OCCURRED_AT:
            out[key] = _when(value, key)
        elif key == CaseField.PEOPLE:
            out[key] = _people(value)
        elif key == CaseField.SUBJECTS:
            out[key] = _names(value)
        elif key == CaseField.STATUS:
            status = _text(changes, key, required=True)
            if status not in STATUSES:
                raise InvalidInput(f"status must be one of {', '.join(STATUSES)}.")
            out[key] = status
        elif key == CaseField.ESCALATED_TO_LEADERSHIP:
            out[key] = bool(value)
    check_total_size(out, "The change")
    return cast(CaseFields, out)
