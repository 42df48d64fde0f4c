"""A pupil's page (vault/pupils.py): every case the reader may open about one child in one
chronology, in date order; nothing of a case the reader's keys do not open; no chronology
at all for a member of staff; each view audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from support.roll_files import SIMS_CSV
from support.school import School

from safelog.audit.actions import AuditAction
from safelog.errors import AccessDenied
from safelog.store.schema import AuditRow
from safelog.vault.audit_view import case_audit
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.pupils import pupil_page
from safelog.vault.roll import import_roll, load_roll
from safelog.vault.workspace import add_chronology, record_decision

JESS = "B201201001010"
ROLL = SIMS_CSV.replace("31/02/2011", "28/02/2011").encode()


def report(school: School, who: str, summary: str, **extra: Any) -> str:
    session = school.unlock(who)
    try:
        case = {
            "category": "cyberbullying-pupil",
            "summary": summary,
            "description": f"{summary}, as told to {who}.",
            "people": [{"pupil": JESS, "role": "victim"}],
            **extra,
        }
        return add_case(session, CaseInput.from_json(case))
    finally:
        session.lock()


@pytest.fixture
def roll_school(school: School) -> School:
    dana = school.unlock("Dana DSL")
    assert import_roll(dana, ROLL).imported
    dana.lock()
    return school


def test_two_cases_about_one_pupil_in_one_chronology_in_date_order(
    roll_school: School, clock: Any
) -> None:
    school = roll_school
    first = report(school, "Sam Staff", "Unkind messages", occurred_at="2026-11-02T09:00:00+00:00")
    clock.advance(days=2)
    second = report(school, "Tess Teacher", "Left out of a group chat")
    dana = school.unlock("Dana DSL")
    record_decision(dana, first, "Speak to both pupils", "First incident; no risk of harm")
    add_chronology(
        dana, first, "Spoke to Jess", occurred_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    )
    page = pupil_page(dana, JESS)
    assert page.pupil.display_name == "Jess (Jessica) Smith"
    assert [c.reference for c in page.cases] == [first, second]
    assert all(c.roles == ("victim",) for c in page.cases)
    entries = [(e.case, e.kind, e.text.splitlines()[0]) for e in page.entries]
    assert entries[0] == (first, "report", "Unkind messages")
    assert (first, "entry", "Spoke to Jess") in entries
    assert entries.index((first, "entry", "Spoke to Jess")) < entries.index(
        (second, "report", "Left out of a group chat")
    )
    assert [e.at for e in page.entries] == sorted(e.at for e in page.entries)
    decisions = page.chronology(kinds={"decision"})
    assert len(decisions) == 1 and "Reason: First incident" in decisions[0].text
    assert str(page.review_on) == "2037-03-14"  # date of birth + 25 years
    dana.lock()


def test_a_case_about_the_head_is_not_on_the_heads_view_of_the_pupil(
    roll_school: School,
) -> None:
    school = roll_school
    ordinary = report(school, "Sam Staff", "Unkind messages")
    about_head = report(
        school,
        "Sam Staff",
        "The head messaged Jess privately",
        category="staff-online-conduct",
        subjects=["Hugh Head"],
    )
    hugh = school.unlock("Hugh Head")
    dana = school.unlock("Dana DSL")
    # The DSL sees both (she is not the subject); the head sees only the other one.
    assert {c.reference for c in pupil_page(dana, JESS).cases} == {ordinary, about_head}
    page = pupil_page(hugh, JESS)
    assert about_head not in [c.reference for c in page.cases]
    assert about_head not in {e.case for e in page.entries}
    assert all("messaged Jess privately" not in e.text for e in page.entries)
    dana.lock()
    hugh.lock()
    chris = school.unlock("Chris Chair")
    assert about_head in {c.reference for c in pupil_page(chris, JESS).cases}
    chris.lock()


def test_a_member_of_staff_sees_no_chronology_at_all(roll_school: School) -> None:
    report(roll_school, "Sam Staff", "Unkind messages")
    sam = roll_school.unlock("Sam Staff")
    assert load_roll(sam).find(JESS)  # he can pick her from the roll...
    with pytest.raises(AccessDenied, match="chronology is for the DSL"):
        pupil_page(sam, JESS)  # ...but sees nothing of any case about her
    sam.lock()


def test_viewing_the_page_is_audited(roll_school: School) -> None:
    reference = report(roll_school, "Sam Staff", "Unkind messages")
    dana = roll_school.unlock("Dana DSL")
    pupil = load_roll(dana).find(JESS)
    pupil_page(dana, JESS)
    with dana.engine.connect() as conn:
        rows = conn.execute(select(AuditRow.__table__).where(AuditRow.case_id.is_(None))).all()
    bodies = [dana.open_audit_body(r.key_ref, r.created_at, r.body_ct, None) for r in rows]
    views = [b for b in bodies if b and b["action"] == AuditAction.PUPIL_VIEW]
    assert views and views[-1]["details"] == {"pupil": pupil.id, "cases": 1}
    case_views = [e for e in case_audit(dana, reference) if e.action == AuditAction.CASE_VIEW]
    assert any(e.details.get("via") == "pupil's page" for e in case_views)
    dana.lock()
