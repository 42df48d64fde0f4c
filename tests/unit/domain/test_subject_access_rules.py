"""The subject access request deadline rules (domain/subject_access.py): one calendar month
from receipt, month ends clamped (31 January -> 28 or 29 February), one extension of 1 or 2
months with a reason made within the first month; the inbox's 7 days; and the pseudonymising
pieces a disclosure uses (export/redact.py)."""

from __future__ import annotations

from datetime import date

import pytest

from safelog.domain.subject_access import (
    Extension,
    add_months,
    check_extension,
    check_request,
    check_withholding,
    due_on,
    needs_attention,
    status_words,
)
from safelog.errors import InvalidInput
from safelog.export.redact import (
    OtherPerson,
    Pseudonymiser,
    forenames_of,
    labels_in_order,
    name_free_file_name,
)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 9, 3), date(2026, 10, 3)),  # the ICO's own example
        (date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February: its last day
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 1, 29), date(2026, 2, 28)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 15), date(2027, 1, 15)),  # into the next year
        (date(2026, 2, 28), date(2026, 3, 28)),  # not to the end of March
    ],
)
def test_one_calendar_month_from_receipt(received: date, due: date) -> None:
    assert due_on(received) == due


def test_an_extension_counts_from_receipt_too() -> None:
    assert due_on(date(2026, 1, 31), 1) == date(2026, 3, 31)
    assert due_on(date(2026, 1, 31), 2) == date(2026, 4, 30)
    assert due_on(date(2026, 11, 30), 2) == date(2027, 2, 28)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    with pytest.raises(InvalidInput, match="1 or 2 months"):
        due_on(date(2026, 1, 1), 3)


def test_extended_once_by_one_or_two_months_with_a_reason_within_the_first_month() -> None:
    received, inside = date(2026, 1, 31), date(2026, 2, 28)
    assert check_extension(received, None, 2, "  Complex:\n many records ", inside) == Extension(
        2, "Complex: many records"
    )
    with pytest.raises(InvalidInput, match="Say why"):
        check_extension(received, None, 1, "  ", inside)
    for months in (0, 3):
        with pytest.raises(InvalidInput, match="1 or 2 months"):
            check_extension(received, None, months, "complex", inside)
    with pytest.raises(InvalidInput, match="already been extended"):
        check_extension(received, Extension(1, "complex"), 1, "more", inside)
    with pytest.raises(InvalidInput, match="ran out on 28 February 2026"):
        check_extension(received, None, 2, "complex", date(2026, 3, 1))


def test_a_request_needs_a_requester_a_known_relationship_and_a_date_not_ahead() -> None:
    today = date(2026, 12, 4)
    assert check_request("  Karen   Smith ", "parent", date(2026, 12, 1), today) == "Karen Smith"
    with pytest.raises(InvalidInput, match="who made the request"):
        check_request(" ", "parent", today, today)
    with pytest.raises(InvalidInput, match="Unknown relationship 'aunt'"):
        check_request("Ann", "aunt", today, today)
    with pytest.raises(InvalidInput, match="after today"):
        check_request("Ann", "pupil", date(2026, 12, 5), today)
    with pytest.raises(InvalidInput, match="serious harm"):
        check_withholding("")
    assert check_withholding(" Police\nadvise ") == "Police advise"
    for hostile in ("Ann\x1b[2J", "Ann\u202eevil"):
        with pytest.raises(InvalidInput, match="The requester's name contains"):
            check_request(hostile, "pupil", today, today)
        with pytest.raises(InvalidInput, match="The reason contains"):
            check_withholding(hostile)


def test_due_soon_overdue_and_answered() -> None:
    due = date(2026, 2, 28)
    assert status_words(due, date(2026, 2, 20), False) == "due in 8 days"
    assert not needs_attention(due, date(2026, 2, 20), False)
    assert needs_attention(due, date(2026, 2, 21), False)  # 7 days left
    assert status_words(due, date(2026, 2, 27), False) == "due in 1 day"
    assert status_words(due, due, False) == "due today"
    assert status_words(due, date(2026, 3, 1), False) == "OVERDUE by 1 day"
    assert status_words(due, date(2026, 3, 3), False) == "OVERDUE by 3 days"
    assert needs_attention(due, date(2026, 3, 3), False)
    assert not needs_attention(due, date(2026, 3, 3), True)
    assert status_words(due, date(2026, 3, 3), True) == "disclosure made"


def test_labels_follow_the_order_people_are_met_and_stay_the_same() -> None:
    others = [
        OtherPerson("pupil", ("Aisha Khan",)),
        OtherPerson("pupil", ("Jordan Price",)),
        OtherPerson("staff", ("Sam Staff",)),
        OtherPerson("parent", ("Karen Smith",)),
    ]
    texts = ["Jordan Price and SAM  STAFF", "later aisha khan, then Jordan Price"]
    aliases = labels_in_order(others, keep=["Karen Smith"], texts=texts)
    names = Pseudonymiser((), True, aliases=aliases)
    assert names.text(texts[0]) == "Pupil A and Staff member A"
    assert names.text(texts[1]) == "later Pupil B, then Pupil A"
    assert names.text("Karen Smith rang") == "Karen Smith rang"  # the requester is kept
    assert names.used == {"Pupil A", "Pupil B", "Staff member A"}
    forenames = forenames_of(others[:2], aliases, keep=["Jess Smith", "Karen Smith"])
    names = Pseudonymiser((), True, aliases=aliases, forenames=forenames)
    assert names.text("Jordan said Aisha will come") == "Pupil A said Pupil B will come"
    assert names.text("jordan") == "jordan"  # a forename only as written, capitalised


def test_a_forename_first_met_on_its_own_gets_the_first_letter() -> None:
    aisha = OtherPerson("pupil", ("Aisha Khan",))
    jordan = OtherPerson("pupil", ("Jordan Price",))
    texts = ["Jordan said so", "then Aisha Khan"]
    assert labels_in_order([aisha, jordan], [], texts)["jordan price"] == "Pupil B"
    close = labels_in_order([aisha, jordan], [], texts, close=[jordan])
    assert close["jordan price"] == "Pupil A" and close["aisha khan"] == "Pupil B"


def test_a_forename_two_people_share_or_a_kept_word_is_left_alone() -> None:
    others = [OtherPerson("pupil", ("Sam Jones",)), OtherPerson("staff", ("Sam Staff",))]
    aliases = labels_in_order(others, keep=[], texts=[])
    # "Sam" is both people's: left alone; each surname is one person's.
    assert forenames_of(others, aliases, keep=[]) == {"Jones": "Pupil A", "Staff": "Staff member A"}
    others = [OtherPerson("pupil", ("Jess (Jessica) Smith", "Jessica Smith"))]
    aliases = labels_in_order(others, keep=["Jess Brown", "Ann Smith"], texts=[])
    kept = ["Jess Brown", "Ann Smith"]
    assert forenames_of(others, aliases, keep=kept) == {"Jessica": "Pupil A"}


def test_a_file_name_naming_someone_is_replaced() -> None:
    others = [OtherPerson("pupil", ("Jordan Price",)), OtherPerson("staff", ("Al Bo",))]
    keep = ["Jess Smith"]
    assert name_free_file_name("jordan_chat.png", 3, others, keep) == "Evidence 3.png"
    assert name_free_file_name("PRICE-1.JPG", 1, others, keep) == "Evidence 1.JPG"
    assert name_free_file_name("jess smith notes.txt", 2, others, keep) == "jess smith notes.txt"
    assert name_free_file_name("chat.png", 2, others, keep) == "chat.png"  # 'Al', 'Bo': short
