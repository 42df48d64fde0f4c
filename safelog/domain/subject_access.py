"""Subject access requests (UK GDPR Article 12(3) and 15; DPA 2018 Schedules 2 and 3).

A person (or someone acting for them: a parent for a young child, a solicitor) asks for the
personal data the school holds about them. The school answers within one calendar month of
receipt, and may extend that once by up to two further months when the request is complex
or one of several, telling the requester why within the first month. Other people's data is
withheld or pseudonymised (third party data), and anything whose disclosure would be likely
to cause serious harm to someone's physical or mental health is withheld (serious harm).

Choices (ICO guidance "Time limits for responding to data protection rights requests"):
- The month runs from the day of receipt to the corresponding day of the next month; where
  the next month has no such day (31 January, 29-31 of a month before February), the last
  day of that month. An extension counts from the day of receipt the same way (received 31
  January, extended by two months: 30 April).
- The due day is the whole day: a request is overdue from the day after it.
- "Due soon" is within 7 days, when the DSL's inbox shows it.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from safelog.domain.retention import plain_date
from safelog.errors import InvalidInput
from safelog.text import check_typed

RESPONSE_MONTHS = 1
MAX_EXTENSION_MONTHS = 2
DUE_SOON_DAYS = 7
MAX_TEXT = 300
MAX_REASON = 2000


class Relationship(StrEnum):
    PUPIL = "pupil"
    PARENT = "parent"
    STAFF = "staff"
    REPRESENTATIVE = "representative"
    OTHER = "other"

    @property
    def label(self) -> str:
        return RELATIONSHIP_LABELS[self]


RELATIONSHIP_LABELS: Mapping[Relationship, str] = MappingProxyType(
    {
        Relationship.PUPIL: "The pupil themselves",
        Relationship.PARENT: "Parent or carer (with parental responsibility)",
        Relationship.STAFF: "A member of staff (about themselves)",
        Relationship.REPRESENTATIVE: "A solicitor or other representative",
        Relationship.OTHER: "Someone else (say who in the note)",
    }
)


class Withheld(StrEnum):
    """Why something is not in a disclosure; kept in the redaction log, never in the file."""

    THIRD_PARTY = "third party data"
    SERIOUS_HARM = "serious harm"
    UNREADABLE = "failed SafeLog's checks"  # a case that could not be read is not disclosed


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` later; the last day of that month when it has none."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(received_on: date, extension_months: int = 0) -> date:
    """The last day to respond: one calendar month from receipt, plus any extension."""
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise InvalidInput(
            f"A subject access request can be extended by 1 or {MAX_EXTENSION_MONTHS} months, "
            "no more."
        )
    return add_months(received_on, RESPONSE_MONTHS + extension_months)


@dataclass(frozen=True)
class Extension:
    months: int
    reason: str


def check_extension(
    received_on: date, already: Extension | None, months: int, reason: str, today: date
) -> Extension:
    """An extension is given once, by 1 or 2 months, with a reason, before the first month
    runs out (the requester must be told within it)."""
    if already is not None:
        raise InvalidInput(
            "This request has already been extended; the law allows one extension of up to "
            f"{MAX_EXTENSION_MONTHS} further months."
        )
    if months not in range(1, MAX_EXTENSION_MONTHS + 1):
        raise InvalidInput(
            f"A subject access request can be extended by 1 or {MAX_EXTENSION_MONTHS} months, "
            "no more."
        )
    text = " ".join(check_typed(reason, "The reason", multi_line=True).split())
    if not text:
        raise InvalidInput(
            "Say why the request needs longer (it is complex, or one of several from this "
            "person): the requester must be told the reason."
        )
    if len(text) > MAX_REASON:
        raise InvalidInput(f"The reason is too long (at most {MAX_REASON} characters).")
    first = due_on(received_on)
    if today > first:
        raise InvalidInput(
            f"The month to answer ran out on {plain_date(first)}: an extension must be made, "
            "and the requester told, within it."
        )
    return Extension(months, text)


def check_request(requester: str, relationship: str, received_on: date, today: date) -> str:
    """The requester's name, checked with the rest; bad input said in plain words."""
    name = " ".join(check_typed(requester, "The requester's name", multi_line=True).split())
    if not name:
        raise InvalidInput("Say who made the request (their name).")
    if len(name) > MAX_TEXT:
        raise InvalidInput(f"The requester's name is too long (at most {MAX_TEXT} characters).")
    try:
        Relationship(relationship)
    except ValueError:
        allowed = ", ".join(r.value for r in Relationship)
        raise InvalidInput(
            f"Unknown relationship '{relationship}': use one of {allowed}."
        ) from None
    if received_on > today:
        raise InvalidInput(
            f"The request cannot have been received on {plain_date(received_on)}, after today."
        )
    return name


def check_withholding(reason: str) -> str:
    text = " ".join(check_typed(reason, "The reason", multi_line=True).split())
    if not text:
        raise InvalidInput(
            "Say why disclosing it would be likely to cause serious harm to someone's physical "
            "or mental health: the reason is kept in the redaction log."
        )
    if len(text) > MAX_REASON:
        raise InvalidInput(f"The reason is too long (at most {MAX_REASON} characters).")
    return text


def status_words(due: date, today: date, answered: bool) -> str:
    """'answered', 'overdue by 3 days', 'due today', 'due in 5 days' (for lists and the inbox)."""
    if answered:
        return "disclosure made"
    days = (due - today).days
    if days < 0:
        return f"OVERDUE by {-days} day{'' if days == -1 else 's'}"
    if days == 0:
        return "due today"
    return f"due in {days} day{'' if days == 1 else 's'}"


def needs_attention(due: date, today: date, answered: bool) -> bool:
    """Shown on the DSL's inbox: not yet answered and due within 7 days, or overdue."""
    return not answered and (due - today).days <= DUE_SOON_DAYS
