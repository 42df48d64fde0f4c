"""Replies made online to adverse criticism of the school, with who approved each and when
(004, the paragraph after 8.1.9): logged as signed versions, and a reply without an approval
given before it is shown with a warning that every reader works out again (never stored)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safelog.errors import AccessDenied, InvalidInput
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.public_replies import log_public_reply, public_replies
from safelog.vault.views import case_view
from safelog.vault.workspace import record_escalation

CRITICISM = {
    "category": "adverse-criticism",
    "summary": "Parent criticised the school's trip on Facebook",
    "description": "A post on the village Facebook group says the trip was unsafe.",
}
REPLIED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
APPROVED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TEXT = "Thank you for raising this; please contact the school office."


@pytest.fixture
def criticism(school):
    return add_case(school.unlock("Dana DSL"), CaseInput.from_json(CRITICISM))


def _shown(session, reference):
    return case_view(show_case(session, reference), session)["public_replies"]


def test_a_reply_approved_before_it_was_made_has_no_warning(school, criticism) -> None:
    dsl = school.unlock("Dana DSL")
    log_public_reply(
        dsl,
        criticism,
        text=TEXT,
        where="Village Facebook group",
        replied_at=REPLIED,
        approved_by="Hugh Head",
        approved_at=APPROVED,
    )
    [reply] = _shown(dsl, criticism)
    assert reply["text"] == TEXT and reply["where"] == "Village Facebook group"
    assert reply["approved_by"] == "Hugh Head"
    assert reply["approved_at"] == APPROVED.isoformat()
    assert reply["recorded_by"] == "Dana DSL"
    assert reply["warning"] is None


def test_a_reply_without_approval_is_logged_with_a_warning_others_see(school, criticism) -> None:
    dsl = school.unlock("Dana DSL")
    log_public_reply(dsl, criticism, text=TEXT, replied_at=REPLIED)
    record_escalation(dsl, criticism, "headteacher", told="Hugh Head", how="In SafeLog")
    head = school.unlock("Hugh Head")
    detail = show_case(head, criticism)
    # The warning is not part of the signed record: each reader works it out.
    assert "warning" not in detail.fields["public_replies"][0]
    [reply] = public_replies(detail.fields)
    assert reply["approved_by"] == "" and reply["approved_at"] == ""
    assert reply["warning"].startswith("No approval is recorded for this reply")
    assert "express approval of the headteacher" in reply["warning"]
    assert "004 8.1 (after 8.1.9)" in reply["warning"]


def test_an_approval_given_after_the_reply_is_warned_about(school, criticism) -> None:
    dsl = school.unlock("Dana DSL")
    log_public_reply(
        dsl, criticism, text=TEXT, replied_at=APPROVED, approved_by="Hugh Head", approved_at=REPLIED
    )
    [reply] = _shown(dsl, criticism)
    assert "made before it was approved" in reply["warning"]


def test_who_approved_and_when_go_together(school, criticism) -> None:
    dsl = school.unlock("Dana DSL")
    with pytest.raises(InvalidInput, match="both who approved the reply and when"):
        log_public_reply(dsl, criticism, text=TEXT, approved_by="Hugh Head")
    with pytest.raises(InvalidInput, match="both who approved the reply and when"):
        log_public_reply(dsl, criticism, text=TEXT, approved_at=APPROVED)
    with pytest.raises(InvalidInput, match="in the future"):
        log_public_reply(dsl, criticism, text=TEXT, replied_at=datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        log_public_reply(dsl, criticism, text="   ")
    assert _shown(dsl, criticism) == []


def test_staff_cannot_log_a_reply(school, criticism) -> None:
    with pytest.raises(AccessDenied):
        log_public_reply(school.unlock("Sam Staff"), criticism, text=TEXT)


def test_on_a_concern_about_the_headteacher_the_chair_approves(school) -> None:
    chair = school.unlock("Chris Chair")
    about_head = add_case(
        school.unlock("Sam Staff"), CaseInput.from_json({**CRITICISM, "subjects": ["Hugh Head"]})
    )
    log_public_reply(chair, about_head, text=TEXT, replied_at=REPLIED)
    [reply] = _shown(chair, about_head)
    assert "express approval of the chair of governors" in reply["warning"]


def test_in_a_category_that_does_not_ask_for_approval_there_is_no_warning(school) -> None:
    dsl = school.unlock("Dana DSL")
    threats = add_case(dsl, CaseInput.from_json({**CRITICISM, "category": "public-threats"}))
    log_public_reply(dsl, threats, text=TEXT)
    [reply] = _shown(dsl, threats)
    assert reply["warning"] is None
