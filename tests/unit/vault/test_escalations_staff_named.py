"""A member of staff named only among the people of a case (supply staff, a coach: no SafeLog
account, so not one of its subjects) as alleged perpetrator makes the concern one about staff:
it goes to the headteacher, and with a pupil harmed the LADO is offered (KCSIE Part 4)."""

from __future__ import annotations

from datetime import UTC, datetime

from safelog.vault.escalations import escalations_from

RAISED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
PUPIL_HARMED = {"name": "Amira Khan", "kind": "pupil", "role": "victim"}
SUPPLY_TEACHER = {"name": "Mr Price", "kind": "staff", "role": "alleged-perpetrator"}


def routes(people: list[dict[str, str]]) -> list[str]:
    fields = {
        "category": "cyberbullying-pupil",
        "summary": "Messages to a pupil",
        "description": "x",
        "people": people,
    }
    return [entry["route"] for entry in escalations_from(fields, RAISED)]  # type: ignore[arg-type]


def test_staff_named_as_alleged_perpetrator_of_harm_to_a_pupil_offers_head_and_lado() -> None:
    listed = routes([SUPPLY_TEACHER, PUPIL_HARMED])
    assert "lado" in listed and "headteacher" in listed


def test_without_a_member_of_staff_accused_there_is_no_lado() -> None:
    witness = {**SUPPLY_TEACHER, "role": "witness"}
    assert "lado" not in routes([witness, PUPIL_HARMED])
    assert "lado" not in routes([PUPIL_HARMED])
