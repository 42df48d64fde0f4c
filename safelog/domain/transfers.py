"""Child protection file transfer, as rules (KCSIE Part 2; DOMAIN.md "Retention and
access"): when a pupil moves school the DSL sends the file within 5 school days,
separately from the main pupil file, and gets confirmation of receipt.

Choices:
- A school day is a weekday that is not a bank holiday of England and Wales: the working
  days of domain/deadlines.py (school terms are not known to SafeLog). The 5 days count
  from the day the pupil left, when the roll says so, else from the day the file was sent;
  the deadline is the end of the fifth working day (18:00 London), like every other
  deadline here. It stays on the DSL's inbox until the receiving school's receipt is
  recorded.
- The sending school keeps its own copy of what it sent, reviewed 25 years after the
  pupil's date of birth (the child protection rule of domain/retention.py).
- A case whose subjects hold (or have asked for) the DSL role is not sent: it is sealed away
  from the DSL role's key (the iron rule), so the school's copy of the transfer, which is
  sealed for that role, must not hold it. It is named for the DSL to send by hand.
- A transfer key's fingerprint is read over the telephone: the first 128 bits of its SHA-256
  as 8 groups of 4 capital hexadecimal digits (0-9, A-F), which are unambiguous spoken.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from safelog.domain.deadlines import LONDON, add_working_days, end_of_working_day
from safelog.domain.retention import CHILD_PROTECTION_YEARS, add_years, plain_date
from safelog.domain.roles import Role

SCHOOL_DAYS = 5
PHONE_GROUPS = 8


class TransferKind(StrEnum):
    KEY = "key"  # the school's own transfer key
    SENT = "sent"  # a file this school sent, kept for retention
    RECEIVED = "received"  # a file received from another school, kept as received
    RECEIPT = "receipt"  # the receiving school's signed receipt for a file this school sent


class SendMode(StrEnum):
    KEY = "key"  # encrypted to the receiving school's SafeLog transfer key
    PASSPHRASE = "passphrase"  # noqa: S105 (a mode, not a secret): a password-protected PDF for a school without SafeLog


def transfer_due(sent_at: datetime, left_on: date | None = None) -> datetime:
    """When the file must have reached the new school: the end of the fifth school day
    after the pupil left (or, not knowing that, after the file was sent)."""
    start = sent_at.astimezone(LONDON).date()
    if left_on is not None and left_on < start:
        start = left_on
    return end_of_working_day(add_working_days(start, SCHOOL_DAYS))


def review_on(date_of_birth: date | None) -> date | None:
    """When the school's copy of a transfer is reviewed: 25 years after the date of birth;
    None when it is not known (reviewed by hand, never on a date that could come first)."""
    if date_of_birth is None:
        return None
    return add_years(date_of_birth, CHILD_PROTECTION_YEARS)


def status_words(kind: TransferKind, mode: SendMode, receipt_at: datetime | None) -> str:
    """What the list of transfers says of one."""
    if kind == TransferKind.RECEIVED:
        return "received, receipt written"
    if receipt_at is not None:
        return "sent, receipt recorded"
    if mode == SendMode.PASSPHRASE:
        return "sent with a passphrase, awaiting receipt"
    return "sent, awaiting receipt"


def overdue(due: datetime, now: datetime) -> bool:
    return now > due


def phone_fingerprint(fingerprint_hex: str) -> str:
    """'3F2A 9C1B 04DE ...': what the two DSLs read to each other."""
    digits = fingerprint_hex.upper()[: PHONE_GROUPS * 4]
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def may_travel(subjects_roles: Iterable[frozenset[Role]]) -> bool:
    """A case may go in a transfer unless one of its subjects holds or asked for the DSL
    role (then it is sealed away from the DSL role's key, and so from the school's copy)."""
    return not any(Role.DSL in roles for roles in subjects_roles)


def said_at(moment: datetime) -> str:
    """'20 November 2026, 15:30' in UK time: how the CLI and the app say when."""
    local = moment.astimezone(LONDON)
    return f"{plain_date(local.date())}, {local:%H:%M}"
