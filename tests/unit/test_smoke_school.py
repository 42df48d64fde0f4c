"""The school fixture itself: every member can sign in and the DSL sees a staff report."""

from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases


def test_staff_report_reaches_dsl_not_head(school):
    staff = school.unlock("Sam Staff")
    reference = add_case(
        staff,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Comments on a video",
                "description": "Pupils posted comments under a video.",
            }
        ),
    )
    assert [c.reference for c in list_cases(school.unlock("Dana DSL"))] == [reference]
    assert list_cases(school.unlock("Hugh Head")) == []
    assert list_cases(school.unlock("Tess Teacher")) == []
