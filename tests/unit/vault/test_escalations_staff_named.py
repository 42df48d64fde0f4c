"""Someone who works in the school named only among the people of a case (supply staff, a
coach, a volunteer, a governor, a contractor: no SafeLog account, so not one of its subjects) as
alleged perpetrator makes the concern one about staff, for its routes, its outcomes and its
retention alike (000 2.1; 004 2.1; KCSIE Part 4): it goes to the headteacher, with a pupil
harmed the LADO is offered, it closes with the outcome of an allegation and is kept as one.
Each is decided again by every reader from the signed fields (vault/staff_concern.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from safelog.domain.categories import category_by_code
from safelog.domain.outcomes import AllegationOutcome, CaseOutcome, outcome_choices
from safelog.vault.escalations import escalations_from, next_due
from safelog.vault.retention import case_retention
from safelog.vault.staff_concern import about_staff_of

RAISED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
PUPIL_HARMED = {"name": "Amira Khan", "kind": "pupil", "role": "victim"}
SUPPLY_TEACHER = {"name": "Mr Price", "kind": "staff", "role": "alleged-perpetrator"}
ADULT_KINDS = ["staff", "volunteer", "governor", "contractor"]


def fields(people: list[dict[str, str]], category: str = "cyberbullying-pupil") -> Any:
    return {
        "category": category,
        "summary": "Messages to a pupil",
        "description": "x",
        "people": people,
    }


def routes(people: list[dict[str, str]], category: str = "cyberbullying-pupil") -> list[str]:
    return [entry["route"] for entry in escalations_from(fields(people, category), RAISED)]


def test_staff_named_as_alleged_perpetrator_of_harm_to_a_pupil_offers_head_and_lado() -> None:
    listed = routes([SUPPLY_TEACHER, PUPIL_HARMED])
    assert "lado" in listed and "headteacher" in listed


@pytest.mark.parametrize("kind", ADULT_KINDS)
def test_any_adult_working_in_school_accused_gets_the_lado_and_the_headteacher(kind: str) -> None:
    accused = {**SUPPLY_TEACHER, "kind": kind}
    # A category with no LADO rule of its own: the pupil harmed brings it.
    entries = escalations_from(fields([accused, PUPIL_HARMED], "public-threats"), RAISED)
    by_route = {e["route"]: e for e in entries}
    assert by_route["headteacher"]["required"] is True
    assert by_route["lado"]["deadline"] == {
        "kind": "working-days",
        "count": 1,
        "text": "within 1 working day",
    }
    assert "lado" not in routes([{**accused, "role": "witness"}, PUPIL_HARMED], "public-threats")


@pytest.mark.parametrize("kind", ADULT_KINDS)
def test_any_adult_working_in_school_accused_closes_with_an_allegation_outcome(kind: str) -> None:
    case = fields([{**SUPPLY_TEACHER, "kind": kind}], "public-threats")
    category = category_by_code("public-threats")
    assert about_staff_of(case)
    assert outcome_choices(category, about_staff=about_staff_of(case)) == tuple(AllegationOutcome)
    nobody = fields([{**SUPPLY_TEACHER, "kind": "parent"}], "public-threats")
    assert outcome_choices(category, about_staff=about_staff_of(nobody)) == tuple(CaseOutcome)


@pytest.mark.parametrize("kind", ADULT_KINDS)
def test_any_adult_working_in_school_accused_is_kept_as_an_allegation(kind: str) -> None:
    accused = {**SUPPLY_TEACHER, "kind": kind, "date_of_birth": "1990-01-15"}
    kept = case_retention(fields([accused], "public-threats"), RAISED)
    assert kept.review_on == date(2057, 1, 15)  # retirement age 67, later than 10 years
    assert kept.short == "Allegation against staff: until retirement age"
    parent = case_retention(fields([{**accused, "kind": "parent"}], "public-threats"), RAISED)
    assert parent.review_on is None  # 6 years after closing, and it is not closed


def test_without_a_member_of_staff_accused_there_is_no_lado() -> None:
    witness = {**SUPPLY_TEACHER, "role": "witness"}
    assert "lado" not in routes([witness, PUPIL_HARMED])
    assert "lado" not in routes([PUPIL_HARMED])


def test_a_kind_that_is_not_text_is_nobody() -> None:
    """A modified client's people entry with a list for its kind counts as no one (and does
    not crash the reader)."""
    odd = {"name": "X", "kind": ["staff"], "role": "alleged-perpetrator"}
    assert not about_staff_of(fields([odd]))  # type: ignore[list-item]


def test_a_route_marked_not_needed_without_reasons_is_still_open() -> None:
    """The police decision is recorded with its reasons (004 9.4): a blank "not needed"
    written by a modified client is read as nothing recorded, and still counts."""
    case = fields([PUPIL_HARMED], "nudes-sharing")
    case["escalations"] = {"police": {"not_needed": "   ", "recorded_by": "Mallory"}}
    police = next(e for e in escalations_from(case, RAISED) if e["route"] == "police")
    assert police["not_needed"] is None
    assert police["required"] and police["due"] == RAISED.isoformat()
    assert next_due(case, RAISED) == RAISED.isoformat()
    case["escalations"] = {
        route: {"not_needed": "Handled in school: a pupil's own image, no coercion."}
        for route in ("police", "dsl", "headteacher")
    }
    police = next(e for e in escalations_from(case, RAISED) if e["route"] == "police")
    assert police["not_needed"].startswith("Handled in school")
    assert next_due(case, RAISED) is None
