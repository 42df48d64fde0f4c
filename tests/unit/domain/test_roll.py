"""The pupil register: names shown, a new roll matched against the one kept (never deleting),
and pupils added by hand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest
from support.roll_files import SIMS_CSV, SIMS_CSV_NEXT_TERM

from safelog.domain.roll import (
    FieldChange,
    ImportPlan,
    Pupil,
    PupilInvalid,
    already_on_roll,
    plan_import,
    pupil_from_entry,
    validate_pupil,
)
from safelog.domain.roll_import import RejectedRow, RollEntry, read_roll

SEPTEMBER = date(2026, 9, 3)
JANUARY = date(2027, 1, 6)


def first_import() -> list[Pupil]:
    """The SIMS roll imported in September, its bad row (Aisha's date) left out."""
    roll = read_roll(SIMS_CSV.encode())
    plan = plan_import([], roll.entries, SEPTEMBER)
    assert plan.counts() == {
        "added": 5,
        "updated": 0,
        "unchanged": 0,
        "left": 0,
        "rejoined": 0,
        "rejected": 0,
    }
    return [pupil_from_entry(e, f"p{n}", SEPTEMBER) for n, e in enumerate(plan.added, start=1)]


def every_pupil_once(existing: Sequence[Pupil], plan: ImportPlan) -> None:
    """Nothing kept is lost: every pupil is in exactly one list."""
    seen = [
        *(c.before.id for c in plan.updated),
        *(p.id for p in plan.unchanged),
        *(c.before.id for c in plan.left),
        *(c.before.id for c in plan.rejoined),
        *(p.id for p in plan.already_left),
    ]
    assert sorted(seen) == sorted(p.id for p in existing)


def pupil(**fields: object) -> Pupil:
    defaults: dict[str, object] = {"id": "p1", "legal_forename": "Jessica", "surname": "Smith"}
    return Pupil(**{**defaults, **fields})  # type: ignore[arg-type]


def entry(**fields: object) -> RollEntry:
    defaults: dict[str, object] = {"legal_forename": "Jessica", "surname": "Smith"}
    return RollEntry(**{**defaults, **fields})  # type: ignore[arg-type]


# -- names --------------------------------------------------------------------------------


def test_names_shown_put_the_preferred_forename_first() -> None:
    jess = pupil(preferred_forename="Jess")
    assert jess.display_name == "Jess (Jessica) Smith"
    assert jess.legal_name == "Jessica Smith"
    assert jess.sort_name == "Smith, Jess"
    assert jess.forename == "Jess"
    assert pupil().display_name == "Jessica Smith"
    assert pupil(preferred_forename="JESSICA").display_name == "Jessica Smith"


def test_a_pupil_from_a_roll_row_is_added_today() -> None:
    kept = pupil_from_entry(entry(upn="B201201001010", form="8B", line=2), "p9", SEPTEMBER)
    assert kept == Pupil(
        id="p9",
        upn="B201201001010",
        legal_forename="Jessica",
        surname="Smith",
        form="8B",
        added_on=SEPTEMBER,
    )
    assert kept.on_roll


# -- re-importing -------------------------------------------------------------------------


def test_a_reimport_marks_the_leaver_moves_the_form_and_adds_the_new_pupil() -> None:
    existing = first_import()
    by_name = {p.legal_forename: p for p in existing}
    roll = read_roll(SIMS_CSV_NEXT_TERM.encode())
    assert roll.ok

    plan = plan_import(existing, roll.entries, JANUARY)
    every_pupil_once(existing, plan)

    # Liam is not on the new roll: he has left today, and is kept.
    assert [c.before.id for c in plan.left] == [by_name["Liam"].id]
    assert plan.left[0].after.left_on == JANUARY
    assert plan.left[0].changes == (FieldChange("left_on", None, JANUARY),)
    # Jess moved from 8B to 8C.
    assert [c.before.id for c in plan.updated] == [by_name["Jessica"].id]
    assert plan.updated[0].changes == (FieldChange("form", "8B", "8C"),)
    assert plan.updated[0].after.form == "8C"
    assert plan.updated[0].changes[0].describe() == "form: 8B → 8C"
    # Zoë's date written differently is the same date; Aarav, without a UPN, is found by name.
    assert sorted(p.legal_forename for p in plan.unchanged) == ["Aarav", "Oliver", "Zoë"]
    # Aisha, unreadable in September, and Yusuf are new.
    assert [(e.legal_forename, e.line) for e in plan.added] == [("Aisha", 4), ("Yusuf", 7)]
    assert plan.rejoined == plan.already_left == plan.rejected == ()
    assert plan.counts() == {
        "added": 2,
        "updated": 1,
        "unchanged": 3,
        "left": 1,
        "rejoined": 0,
        "rejected": 0,
    }


def test_a_pupil_who_left_is_untouched_until_they_rejoin() -> None:
    existing = [
        pupil(id="p1", upn="B201201001010", form="8B", left_on=date(2026, 7, 20)),
        pupil(id="p2", upn="P201201001020", legal_forename="Liam", left_on=date(2026, 7, 20)),
    ]
    back = entry(upn="B201201001010", form="9C")
    plan = plan_import(existing, [back], JANUARY)
    every_pupil_once(existing, plan)

    assert [c.before.id for c in plan.rejoined] == ["p1"]
    assert plan.rejoined[0].after.left_on is None
    assert plan.rejoined[0].after.form == "9C"
    assert plan.rejoined[0].changes == (
        FieldChange("form", "8B", "9C"),
        FieldChange("left_on", date(2026, 7, 20), None),
    )
    assert [p.id for p in plan.already_left] == ["p2"]
    assert plan.left == ()


def test_blank_cells_and_missing_columns_keep_what_is_recorded() -> None:
    kept = pupil(upn="B201201001010", gender="Female", form="8B", preferred_forename="Jess")
    # An export with no Gender or Preferred Forename column, and a form left blank.
    plan = plan_import([kept], [entry(upn="B201201001010")], JANUARY)
    assert plan.unchanged == (kept,)


def test_a_changed_date_of_birth_and_name_are_updates_found_by_upn() -> None:
    kept = pupil(upn="B201201001010", date_of_birth=date(2012, 3, 14))
    plan = plan_import(
        [kept],
        [entry(upn="B201201001010", surname="Smith-Ali", date_of_birth=date(2012, 3, 15))],
        JANUARY,
    )
    assert plan.updated[0].changes == (
        FieldChange("surname", "Smith", "Smith-Ali"),
        FieldChange("date_of_birth", date(2012, 3, 14), date(2012, 3, 15)),
    )
    assert plan.updated[0].changes[1].describe() == "date of birth: 14 March 2012 → 15 March 2012"


def test_names_are_matched_ignoring_case_accents_and_punctuation() -> None:
    kept = pupil(legal_forename="Zoë", surname="O'Brien-Nowak", date_of_birth=date(2013, 2, 7))
    row = entry(legal_forename="ZOE", surname="o’brien nowak", date_of_birth=date(2013, 2, 7))
    plan = plan_import([kept], [row], JANUARY)
    assert plan.added == ()
    # The spelling in the new roll is taken as the pupil's name.
    assert plan.updated[0].after.surname == "o’brien nowak"


def test_a_permanent_upn_replaces_a_temporary_one_found_by_name() -> None:
    born = date(2012, 3, 14)
    kept = pupil(upn="W80120000101B", date_of_birth=born)
    plan = plan_import([kept], [entry(upn="H801200001001", date_of_birth=born)], JANUARY)
    assert plan.updated[0].changes == (FieldChange("upn", "W80120000101B", "H801200001001"),)
    assert plan.added == plan.left == ()


def test_a_pupil_with_no_upn_gains_one_and_a_roll_without_upns_still_matches() -> None:
    born = date(2012, 3, 14)
    plan = plan_import(
        [pupil(date_of_birth=born)], [entry(upn="H801200001001", date_of_birth=born)], JANUARY
    )
    assert plan.updated[0].after.upn == "H801200001001"
    # An export without a UPN column matches pupils that have one, by name and birthday.
    kept = pupil(upn="H801200001001", date_of_birth=born)
    plan = plan_import([kept], [entry(date_of_birth=born)], JANUARY)
    assert plan.unchanged == (kept,)


def test_a_different_permanent_upn_is_a_different_child() -> None:
    born = date(2012, 3, 14)
    kept = pupil(upn="H801200001001", date_of_birth=born)
    plan = plan_import([kept], [entry(upn="B201201001010", date_of_birth=born)], JANUARY)
    assert len(plan.added) == 1
    assert [c.before.id for c in plan.left] == ["p1"]


def test_a_row_that_could_be_two_pupils_is_rejected_and_neither_leaves() -> None:
    born = date(2012, 5, 6)
    existing = [
        pupil(id="p1", legal_forename="Aarav", surname="Patel", date_of_birth=born),
        pupil(id="p2", legal_forename="Aarav", surname="Patel", date_of_birth=born),
    ]
    row = entry(legal_forename="Aarav", surname="Patel", date_of_birth=born, line=7)
    plan = plan_import(existing, [row], JANUARY)
    every_pupil_once(existing, plan)
    assert plan.rejected == (
        RejectedRow(
            7,
            "matches 2 pupils already on the roll by name and date of birth; give the row a "
            "UPN to tell them apart",
        ),
    )
    assert not plan.ok
    assert plan.left == ()
    assert {p.id for p in plan.unchanged} == {"p1", "p2"}


def test_a_upn_given_twice_is_rejected_not_applied_twice() -> None:
    kept = pupil(upn="B201201001010", form="8B")
    rows = [entry(upn="B201201001010", form="8C", line=2), entry(upn="B201201001010", line=5)]
    plan = plan_import([kept], rows, JANUARY)
    assert plan.rejected == (RejectedRow(5, "UPN 'B201201001010' appears twice (lines 2 and 5)"),)


def test_importing_the_same_roll_again_changes_nothing() -> None:
    existing = first_import()
    plan = plan_import(existing, read_roll(SIMS_CSV.encode()).entries, JANUARY)
    assert plan.unchanged == tuple(existing)
    assert plan.counts()["unchanged"] == 5
    assert plan.added == plan.updated == plan.left == ()


# -- added by hand ------------------------------------------------------------------------


def test_a_pupil_typed_by_hand_is_tidied() -> None:
    typed = validate_pupil(
        {
            "surname": "  Smith ",
            "legal_forename": "Jessica",
            "preferred_forename": "Jess",
            "upn": "b201 2010 01010",
            "date_of_birth": "14/03/2012",
            "year": "Year 8",
            "form": "8B",
        },
        JANUARY,
    )
    assert typed == entry(
        upn="B201201001010",
        preferred_forename="Jess",
        date_of_birth=date(2012, 3, 14),
        year="8",
        form="8B",
    )
    assert validate_pupil({"surname": "Smith", "legal_forename": "Jo"}, JANUARY).upn == ""
    assert validate_pupil(
        {"surname": "Smith", "legal_forename": "Jo", "date_of_birth": date(2012, 3, 14)}, JANUARY
    ).date_of_birth == date(2012, 3, 14)


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        (
            {"surname": " ", "legal_forename": ""},
            {
                "surname": "a surname is needed",
                "legal_forename": "a forename is needed",
            },
        ),
        (
            {"date_of_birth": date(2027, 1, 7)},
            {
                "date_of_birth": "the date of birth is in the future",
            },
        ),
        (
            {"date_of_birth": date(2002, 1, 5)},
            {
                "date_of_birth": "the date of birth is more than 25 years ago",
            },
        ),
        (
            {"date_of_birth": "31/02/2012"},
            {
                "date_of_birth": "date of birth '31/02/2012' is not a real date",
            },
        ),
        (
            {"upn": "abc"},
            {
                "upn": "UPN 'abc' is not a valid UPN (a UPN is a letter and 12 digits, or 11 "
                "digits and a letter)",
            },
        ),
        ({"nickname": "Jess"}, {"nickname": "SafeLog does not keep 'nickname' for a pupil"}),
        ({"form": ["8B"]}, {"form": "the form should be written as text"}),
        ({"date_of_birth": 2012}, {"date_of_birth": "the date of birth should be a date"}),
    ],
)
def test_a_pupil_typed_by_hand_that_cannot_be_kept(
    fields: dict[str, object], problems: dict[str, str]
) -> None:
    with pytest.raises(PupilInvalid) as invalid:
        validate_pupil({"surname": "Smith", "legal_forename": "Jo", **fields}, JANUARY)
    assert invalid.value.problems == problems
    assert str(invalid.value) == "; ".join(problems.values())


def test_the_date_of_birth_limits_include_today_and_exactly_25_years_ago() -> None:
    for born in (JANUARY, date(2002, 1, 6)):
        typed = validate_pupil(
            {"surname": "Smith", "legal_forename": "Jo", "date_of_birth": born}, JANUARY
        )
        assert typed.date_of_birth == born


def test_a_year_given_as_a_number_is_read() -> None:
    typed = validate_pupil({"surname": "Smith", "legal_forename": "Jo", "year": 8}, JANUARY)
    assert typed.year == "8"


def test_a_pupil_typed_by_hand_who_is_already_on_the_roll_is_found() -> None:
    born = date(2012, 3, 14)
    jess = pupil(id="p1", upn="B201201001010", date_of_birth=born)
    aarav = pupil(id="p2", legal_forename="Aarav", surname="Patel", date_of_birth=born)
    roll = [jess, aarav]
    assert already_on_roll(roll, entry(upn="B201201001010", legal_forename="Jo")) == jess
    assert already_on_roll(roll, entry(date_of_birth=born)) == jess  # no UPN typed
    assert already_on_roll(roll, entry(upn="H801200001001", date_of_birth=born)) is None
    shouted = entry(legal_forename="AARAV", surname="patel", date_of_birth=born)
    assert already_on_roll(roll, shouted) == aarav
    assert already_on_roll(roll, entry(legal_forename="Aarav", surname="Patel")) is None
