"""The rules of child protection file transfer (domain/transfers.py): 5 school days counted
past weekends and bank holidays, from the day the pupil left when that came first; the
school's copy reviewed 25 years after the date of birth; the fingerprint read by telephone;
no case about a DSL in a transfer sealed for the DSL role."""

from __future__ import annotations

from datetime import UTC, date, datetime

from safelog.domain.deadlines import LONDON
from safelog.domain.roles import Role
from safelog.domain.transfers import (
    SendMode,
    TransferKind,
    may_travel,
    phone_fingerprint,
    review_on,
    said_at,
    status_words,
    transfer_due,
)


def at_six(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 18, 0, tzinfo=LONDON)


def test_five_school_days_skip_weekends() -> None:
    # Thursday 3 December 2026 -> Fri 4, Mon 7, Tue 8, Wed 9, Thu 10.
    sent = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert transfer_due(sent) == at_six(date(2026, 12, 10))
    # Sent on a Saturday: the count starts from the weekend day, Monday is day one.
    assert transfer_due(datetime(2026, 11, 21, 9, 0, tzinfo=UTC)) == at_six(date(2026, 11, 27))


def test_bank_holidays_are_not_school_days() -> None:
    # Friday 18 December 2026: Christmas Day is a Friday, Boxing Day a Saturday (so Monday 28
    # is the substitute bank holiday): Mon 21, Tue 22, Wed 23, Thu 24, Tue 29.
    sent = datetime(2026, 12, 18, 10, 0, tzinfo=UTC)
    assert transfer_due(sent) == at_six(date(2026, 12, 29))


def test_the_count_starts_when_the_pupil_left_if_that_was_earlier() -> None:
    sent = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert transfer_due(sent, left_on=date(2026, 11, 30)) == at_six(date(2026, 12, 7))
    # A leaving date after the file was sent does not push the deadline later.
    assert transfer_due(sent, left_on=date(2026, 12, 4)) == at_six(date(2026, 12, 10))


def test_the_schools_copy_is_kept_for_25_years_after_birth() -> None:
    assert review_on(date(2012, 3, 14)) == date(2037, 3, 14)
    assert review_on(date(2012, 2, 29)) == date(2037, 3, 1)
    assert review_on(None) is None


def test_the_fingerprint_is_eight_groups_of_four_capitals() -> None:
    fingerprint = "eeb16ad5764a880e9b1ec2ce470caa13" + "0" * 32
    assert phone_fingerprint(fingerprint) == "EEB1 6AD5 764A 880E 9B1E C2CE 470C AA13"


def test_a_case_about_a_dsl_does_not_travel() -> None:
    assert may_travel([])
    assert may_travel([frozenset({Role.STAFF}), frozenset({Role.HEADTEACHER})])
    assert not may_travel([frozenset({Role.STAFF}), frozenset({Role.HEADTEACHER, Role.DSL})])


def test_status_words() -> None:
    sent, received = TransferKind.SENT, TransferKind.RECEIVED
    now = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert status_words(sent, SendMode.KEY, None) == "sent, awaiting receipt"
    assert status_words(sent, SendMode.PASSPHRASE, None) == (
        "sent with a passphrase, awaiting receipt"
    )
    assert status_words(sent, SendMode.KEY, now) == "sent, receipt recorded"
    assert status_words(received, SendMode.KEY, None) == "received, receipt written"
    assert said_at(now) == "3 December 2026, 14:00"
