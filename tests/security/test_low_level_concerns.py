"""Low-level concerns about staff (KCSIE Part 4, section two) are never readable by the
member of staff concerned: the case must name them as a subject, so the iron rule keeps
their keys out. Checked through the API as each person and at the crypto level from the
raw tables; a case that names no member of staff is refused by the writer and, when a
modified client wrote it anyway, by every reader.
"""

from __future__ import annotations

from typing import Any

import pytest
from offline_keys import GOVERNORS_KEY, SCHOOL_KEY, who_can_decrypt
from support.school import PASSPHRASES, School, build_school

from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput, TamperDetected
from safelog.vault import case_writing
from safelog.vault.authority import plan_for
from safelog.vault.case_input import CaseInput
from safelog.vault.case_writing import create_case
from safelog.vault.cases import add_case, list_cases, show_case, update_case
from safelog.vault.low_level import low_level_review

DEE = "Dee Deputy"
DEE_PASSPHRASE = "dee deputy safeguarding"
SUMMARY = "Ms Deputy keeps one pupil behind alone after every lesson"
DESCRIPTION = "I have seen the door closed three times this week."


def school_with_deputy_dsl(vault: Any) -> tuple[School, dict[str, str]]:
    """The standard school plus Dee, a teacher who is also a deputy DSL (holds the dsl key)."""
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, DEE, frozenset({Role.DSL}))
    dana.lock()
    vault.enrol(code, DEE_PASSPHRASE).lock()
    vault.admit(school.unlock("Dana DSL"), DEE)
    return school, {**PASSPHRASES, DEE: DEE_PASSPHRASE}


def low_level(subjects: list[str], summary: str = SUMMARY) -> CaseInput:
    return CaseInput.from_json(
        {
            "category": "low-level-staff",
            "summary": summary,
            "description": DESCRIPTION,
            "subjects": subjects,
        }
    )


def report(vault: Any, passphrases: dict[str, str], subjects: list[str]) -> str:
    tess = vault.unlock("Tess Teacher", passphrases["Tess Teacher"])
    try:
        return add_case(tess, low_level(subjects))
    finally:
        tess.lock()


def opened_by(vault: Any, passphrases: dict[str, str], reference: str) -> set[str]:
    """Who opens the case through the API, signing in as each person in turn."""
    opened = set()
    for name, passphrase in passphrases.items():
        session = vault.unlock(name, passphrase)
        try:
            detail = show_case(session, reference)
        except AccessDenied as exc:
            assert SUMMARY not in str(exc)
        else:
            assert detail.get("description") == DESCRIPTION
            opened.add(name)
        finally:
            session.lock()
    return opened


def test_about_a_teacher_who_is_also_dsl_the_head_reads_it_and_that_dsl_cannot(
    vault: Any,
) -> None:
    school, passphrases = school_with_deputy_dsl(vault)
    reference = report(vault, passphrases, [DEE])
    with vault.engine.connect() as conn:
        readers = who_can_decrypt(
            conn, reference, passphrases, school.recovery, expected_summary=SUMMARY
        )
    assert DEE not in readers
    assert readers == {"Dana DSL", "Hugh Head", SCHOOL_KEY, GOVERNORS_KEY}
    assert opened_by(vault, passphrases, reference) == {"Dana DSL", "Hugh Head"}
    dee = vault.unlock(DEE, DEE_PASSPHRASE)
    assert reference not in {c.reference for c in list_cases(dee)}
    assert low_level_review(dee).groups == []  # nor through the review for patterns
    dee.lock()


def test_about_the_head_the_chair_reads_it_and_the_head_cannot(vault: Any) -> None:
    school = build_school(vault)
    reference = report(vault, PASSPHRASES, ["Hugh Head"])
    with vault.engine.connect() as conn:
        readers = who_can_decrypt(
            conn, reference, PASSPHRASES, school.recovery, expected_summary=SUMMARY
        )
    assert readers == {"Dana DSL", "Chris Chair", GOVERNORS_KEY}
    assert opened_by(vault, PASSPHRASES, reference) == {"Dana DSL", "Chris Chair"}
    hugh = school.unlock("Hugh Head")
    assert reference not in {c.reference for c in list_cases(hugh)}
    assert low_level_review(hugh).groups == []
    hugh.lock()
    chris = school.unlock("Chris Chair")
    [group] = low_level_review(chris).groups
    assert group.staff == "Hugh Head" and [c.reference for c in group.concerns] == [reference]
    chris.lock()


def test_a_low_level_concern_naming_no_member_of_staff_is_refused(vault: Any) -> None:
    school = build_school(vault)
    tess = school.unlock("Tess Teacher")
    with pytest.raises(InvalidInput, match="must name the member of staff"):
        add_case(tess, low_level([]))
    assert list_cases(tess) == []
    tess.lock()


def test_taking_the_member_of_staff_off_a_low_level_concern_is_refused(vault: Any) -> None:
    school = build_school(vault)
    reference = report(vault, PASSPHRASES, ["Sam Staff"])
    dana = school.unlock("Dana DSL")
    with pytest.raises(InvalidInput, match="must name the member of staff"):
        update_case(dana, reference, {"subjects": []})
    # Nor can another kind of concern with no one named become a low-level one.
    other = add_case(
        dana,
        CaseInput.from_json(
            {"category": "cyberbullying-pupil", "summary": "Other", "description": "Other."}
        ),
    )
    with pytest.raises(InvalidInput, match="must name the member of staff"):
        update_case(dana, other, {"category": "low-level-staff"})
    assert show_case(dana, reference).fields["subjects"] == [school.ids["Sam Staff"]]
    dana.lock()


def test_a_report_sent_by_a_modified_client_naming_no_one_is_refused_by_readers(
    vault: Any,
) -> None:
    """Sam's modified client skips the writer's check and sends a low-level concern about a
    colleague without naming them, so the colleague (were they a DSL) could read it."""
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    with sam.write() as conn:
        fields = low_level([]).to_fields([], reporter_id=sam.user_id, status="new")
        plan = plan_for(sam.directory, sam.user_id, fields)  # the iron rule, nothing more
        fields["about_headteacher"] = plan.about_headteacher
        reference = create_case(sam, conn, fields, plan, 0)
    sam.lock()
    for name in ("Dana DSL",):
        session = school.unlock(name)
        with pytest.raises(TamperDetected) as caught:
            show_case(session, reference)
        message = str(caught.value)
        assert reference in message and "low-level concern" in message
        assert "does not name the member of staff" in message
        review = low_level_review(session)
        assert review.groups == [] and any(reference in p for p in review.problems)
        session.lock()


def test_a_dsl_client_taking_the_subject_off_is_refused_by_readers(
    vault: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    school, passphrases = school_with_deputy_dsl(vault)
    reference = report(vault, passphrases, ["Sam Staff"])
    dana = school.unlock("Dana DSL")
    # Dana's modified client plans readers by the iron rule alone, skipping the staff check.
    monkeypatch.setattr(
        case_writing,
        "writer_plan",
        lambda session, reporter, fields: plan_for(session.directory, reporter, fields),
    )
    update_case(dana, reference, {"subjects": []})
    monkeypatch.undo()
    with pytest.raises(TamperDetected, match="does not name the member of staff"):
        show_case(dana, reference)
    dana.lock()
    dee = vault.unlock(DEE, DEE_PASSPHRASE)
    with pytest.raises(TamperDetected, match="does not name the member of staff"):
        show_case(dee, reference)
    dee.lock()


def test_the_review_groups_concerns_by_member_of_staff(vault: Any) -> None:
    school = build_school(vault)
    tess = school.unlock("Tess Teacher")
    first = add_case(tess, low_level(["Sam Staff"], "Over-friendly messages to a pupil"))
    second = add_case(tess, low_level(["Sam Staff"], "Photos of pupils on his own phone"))
    tess.lock()
    dana = school.unlock("Dana DSL")
    add_case(dana, low_level(["Tess Teacher"], "Shouted at a pupil to humiliate him"))
    review = low_level_review(dana)
    assert review.problems == [] and review.concerns == 3
    sam, tess_group = review.groups
    assert sam.staff == "Sam Staff" and sam.repeated
    assert [c.reference for c in sam.concerns] == [first, second]
    assert tess_group.staff == "Tess Teacher" and tess_group.count == 1
    dana.lock()
    tess = school.unlock("Tess Teacher")  # a reporter does not review concerns
    with pytest.raises(AccessDenied):
        low_level_review(tess)
    tess.lock()
