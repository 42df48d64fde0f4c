"""Requests that wait for a decision (issue 18): blocked content access (003 7.5, appendix
a) approved by the headteacher; family links and social contacts with pupils (000 6.7-6.9,
004 8.2.3) acknowledged by the headteacher; monitoring or interception of a member of
staff (002 7.4, 003 7.4, 004 10.2) approved by the chair of governors and never readable
by the person it is about. Each reader checks authors, deciders and readers again."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update

from safelog.errors import AccessDenied, InvalidInput, NotFound, TamperDetected
from safelog.store.schema import ApprovalRow
from safelog.vault.approvals import approvals, awaiting_me, decide, find_approval, make_request

BLOCKED = {
    "url": "https://www.youtube.com/watch?v=abc",
    "site_content": "A video on the water cycle for year 4",
    "reasons": "Needed for Tuesday's science lesson",
    "risks": "Played from the teacher's screen only; comments hidden",
}
FAMILY = {
    "pupil": "Jamie Fox (year 3)",
    "relationship": "family member",
    "details": "Jamie is my nephew; we are friends on Facebook",
}
MONITORING = {
    "scope": "School e-mail account, March to May",
    "grounds": "Messages to a pupil reported by a parent",
    "discussion": "HR (J Smith), ICT (K Patel) and audit services, 3 December",
    "assessment": "Needed to establish whether unauthorised contact took place",
}


def test_a_blocked_content_request_is_approved_by_the_head(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    request = make_request(sam, "blocked-content", BLOCKED)
    assert request.status == "awaiting decision"
    hugh = school.unlock("Hugh Head")
    assert [a.seq for a in awaiting_me(hugh)] == [request.seq]
    with pytest.raises(AccessDenied, match="the headteacher"):
        decide(school.unlock("Dana DSL"), request.seq, "approved", "")
    decided = decide(hugh, request.seq, "approved", "Educational, with the controls named")
    assert decided.decision is not None and decided.decision.by_name == "Hugh Head"
    # The person who asked reads the decision; the DSL reads the register; others nothing.
    [seen] = approvals(school.unlock("Sam Staff"))
    assert seen.status == "approved" and seen.fields["url"] == BLOCKED["url"]
    assert [a.seq for a in approvals(school.unlock("Dana DSL"))] == [request.seq]
    assert approvals(school.unlock("Tess Teacher")) == []
    with pytest.raises(InvalidInput, match="already approved"):
        decide(school.unlock("Hugh Head"), request.seq, "refused", "changed my mind")


def test_a_request_must_be_complete_and_a_refusal_needs_reasons(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    with pytest.raises(InvalidInput, match="Reasons for access"):
        make_request(sam, "blocked-content", {**BLOCKED, "reasons": "  "})
    with pytest.raises(InvalidInput, match="space"):
        make_request(sam, "blocked-content", {**BLOCKED, "url": "http://a b"})
    with pytest.raises(InvalidInput, match="Relationship"):
        make_request(sam, "family-link", {**FAMILY, "relationship": "cousin-ish"})
    with pytest.raises(InvalidInput, match="kinds are"):
        make_request(sam, "parking", {})
    request = make_request(sam, "blocked-content", BLOCKED)
    with pytest.raises(InvalidInput, match="reasons for refusing"):
        decide(school.unlock("Hugh Head"), request.seq, "refused", "")
    with pytest.raises(InvalidInput, match="approved or refused"):
        decide(school.unlock("Hugh Head"), request.seq, "acknowledged", "")


def test_the_heads_own_family_link_is_acknowledged_by_the_chair(school: Any) -> None:
    mine = make_request(school.unlock("Hugh Head"), "family-link", FAMILY)
    with pytest.raises(AccessDenied):
        decide(school.unlock("Hugh Head"), mine.seq, "acknowledged", "")
    done = decide(school.unlock("Chris Chair"), mine.seq, "acknowledged", "Agreed protocols")
    assert done.status == "acknowledged"
    staff = make_request(school.unlock("Tess Teacher"), "family-link", FAMILY)
    assert decide(school.unlock("Hugh Head"), staff.seq, "acknowledged", "").status == (
        "acknowledged"
    )
    # The chair decided the head's, and so reads it; the teacher's is not the chair's.
    assert [a.seq for a in approvals(school.unlock("Chris Chair"))] == [mine.seq]


def test_monitoring_is_asked_by_dsl_or_head_and_approved_by_the_chair(school: Any) -> None:
    with pytest.raises(InvalidInput, match="DSL or the headteacher"):
        make_request(school.unlock("Sam Staff"), "monitoring", MONITORING, about="Tess Teacher")
    with pytest.raises(InvalidInput, match="which member of staff"):
        make_request(school.unlock("Dana DSL"), "monitoring", MONITORING)
    request = make_request(school.unlock("Dana DSL"), "monitoring", MONITORING, about="Sam Staff")
    assert request.subject_name == "Sam Staff" and request.subject_id == school.ids["Sam Staff"]
    with pytest.raises(AccessDenied, match="chair of governors"):
        decide(school.unlock("Hugh Head"), request.seq, "approved", "")
    decide(school.unlock("Chris Chair"), request.seq, "approved", "Justified on the evidence")
    assert find_approval(school.unlock("Hugh Head"), request.seq).status == "approved"
    # The person it is about never reads it, nor learns it is there.
    assert approvals(school.unlock("Sam Staff")) == []
    with pytest.raises(NotFound):
        find_approval(school.unlock("Sam Staff"), request.seq)


def test_monitoring_the_head_is_kept_from_the_head(school: Any) -> None:
    request = make_request(school.unlock("Dana DSL"), "monitoring", MONITORING, about="Hugh Head")
    assert approvals(school.unlock("Hugh Head")) == []
    with pytest.raises(NotFound):
        decide(school.unlock("Hugh Head"), request.seq, "approved", "")
    assert find_approval(school.unlock("Chris Chair"), request.seq).subject_name == "Hugh Head"


def test_someone_without_an_account_can_be_the_subject(school: Any) -> None:
    request = make_request(
        school.unlock("Hugh Head"), "monitoring", MONITORING, about="Vic Volunteer"
    )
    assert request.subject_id is None and request.subject_name == "Vic Volunteer"


def _tamper(session: Any, seq: int, **values: Any) -> None:
    with session.engine.begin() as conn:
        conn.execute(update(ApprovalRow).where(ApprovalRow.seq == seq).values(**values))


def test_a_row_changed_in_the_database_is_refused(school: Any) -> None:
    request = make_request(school.unlock("Sam Staff"), "blocked-content", BLOCKED)
    dana = school.unlock("Dana DSL")
    with dana.engine.connect() as conn:
        row = conn.execute(ApprovalRow.__table__.select()).one()
    body = bytearray(row.body_ct)
    body[-3] ^= 1
    _tamper(dana, request.seq, body_ct=bytes(body))
    with pytest.raises(TamperDetected, match="altered"):
        approvals(school.unlock("Dana DSL"))


def test_a_decision_signed_by_someone_else_is_refused(school: Any) -> None:
    """A modified client lets the DSL approve a request the head must decide: the row is
    well formed and signed, and every reader still refuses it."""
    import safelog.vault.approvals as module

    request = make_request(school.unlock("Sam Staff"), "blocked-content", BLOCKED)
    dana = school.unlock("Dana DSL")
    body = {"type": "decision", "decision": "approved", "reasons": ""}
    with dana.write() as conn:  # what a modified client writes: the checks in decide() skipped
        new = module._append(dana, conn, request.seq, module._audience_of(conn, request.seq), body)
        dana.audit(conn, "approval.decision", {}, item=f"approval:{new}")
    with pytest.raises(TamperDetected, match="not the person to decide"):
        approvals(school.unlock("Sam Staff"))


def test_cutting_the_register_short_is_noticed(school: Any) -> None:
    request = make_request(school.unlock("Sam Staff"), "blocked-content", BLOCKED)
    decide(school.unlock("Hugh Head"), request.seq, "refused", "Not needed")
    dana = school.unlock("Dana DSL")
    with dana.engine.begin() as conn:
        conn.execute(delete(ApprovalRow).where(ApprovalRow.seq == 2))
    with pytest.raises(TamperDetected, match="cut short"):
        approvals(school.unlock("Sam Staff"))


def test_a_request_moved_to_readers_including_the_subject_is_refused(school: Any) -> None:
    """Someone with the database swaps a monitoring request onto the reader group of a
    blocked content request, which the subject can open."""
    theirs = make_request(school.unlock("Sam Staff"), "blocked-content", BLOCKED)
    about_sam = make_request(school.unlock("Dana DSL"), "monitoring", MONITORING, about="Sam Staff")
    dana = school.unlock("Dana DSL")
    with dana.engine.connect() as conn:
        rows = {r.seq: r for r in conn.execute(ApprovalRow.__table__.select()).all()}
    _tamper(dana, about_sam.seq, audience_id=rows[theirs.seq].audience_id)
    with pytest.raises(TamperDetected):
        approvals(school.unlock("Sam Staff"))


def test_nothing_of_a_request_is_in_the_database_file(school: Any, data_dir: Path) -> None:
    make_request(school.unlock("Dana DSL"), "monitoring", MONITORING, about="Sam Staff")
    for db in data_dir.rglob("*.db"):
        text = subprocess.run(["strings", str(db)], capture_output=True, text=True).stdout
        assert "Messages to a pupil" not in text and "K Patel" not in text
