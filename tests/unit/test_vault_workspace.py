"""The case workspace: entries are appended as signed versions and the history shows them."""

from datetime import UTC, date, datetime

import pytest

from safelog.domain.search import SearchIndex
from safelog.errors import AccessDenied, InvalidInput
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case
from safelog.vault.escalations import escalations_for
from safelog.vault.settings import load_settings, set_idle_lock_minutes
from safelog.vault.workspace import (
    acknowledge,
    add_action,
    add_chronology,
    complete_action,
    record_decision,
    record_escalation,
    set_outcome,
    set_status,
)

REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a video",
    "description": "Year 8 pupils posted comments.",
}


@pytest.fixture
def reported(school):
    return add_case(school.unlock("Sam Staff"), CaseInput.from_json(REPORT))


def test_dsl_builds_a_case_and_every_step_is_a_version(school, reported):
    dsl = school.unlock("Dana DSL")
    assert [c.status for c in list_cases(dsl)] == ["new"]
    acknowledge(dsl, reported)
    add_chronology(dsl, reported, "Spoke to the pupil", datetime(2026, 11, 20, 9, tzinfo=UTC))
    add_chronology(dsl, reported, "Screenshots received", datetime(2026, 11, 19, 15, tzinfo=UTC))
    add_action(dsl, reported, "Call parents", "Dana DSL", date(2026, 11, 23))
    record_decision(dsl, reported, "No referral to social care", "No risk of significant harm")
    detail = show_case(dsl, reported)
    action_id = detail.get("actions")[0]["id"]
    complete_action(dsl, reported, action_id, "Parents called")
    record_escalation(
        dsl,
        reported,
        "platform-report",
        told="Instagram",
        how="report form",
        reference_number="IG-123",
    )
    set_outcome(dsl, reported, "resolved-in-school", "Apology made")
    set_status(dsl, reported, "closed")

    detail = show_case(dsl, reported)
    assert detail.get("status") == "closed"
    assert [e["text"] for e in detail.get("chronology")] == [
        "Screenshots received",
        "Spoke to the pupil",
    ]  # in date order, not entry order
    assert detail.get("actions")[0]["done_note"] == "Parents called"
    assert detail.get("decisions")[0]["reason"] == "No risk of significant harm"
    assert detail.get("outcome")["code"] == "resolved-in-school"
    routes = {e["route"]: e for e in escalations_for(detail)}
    assert routes["dsl"]["done_at"]  # acknowledging marks the DSL as told
    assert routes["platform-report"]["reference"] == "IG-123"
    # Nothing overwritten: the first version still holds the original report.
    assert detail.changes[1]["summary"] == "Comments under a video"
    # Ten signed changes, and the version that sealed the report from its reporter when the
    # DSL first opened it (DESIGN §3.5).
    assert len(detail.versions) == 11
    assert detail.versions[1].rekeyed and detail.versions[1].changed == ()
    assert "chronology" in detail.versions[3].changed


def test_decision_needs_a_reason_and_outcomes_follow_the_category(school, reported):
    dsl = school.unlock("Dana DSL")
    with pytest.raises(InvalidInput, match="reason"):
        record_decision(dsl, reported, "Close it", "  ")
    with pytest.raises(InvalidInput, match="not an outcome"):
        set_outcome(dsl, reported, "substantiated")  # only for allegations against staff
    acknowledge(dsl, reported)
    with pytest.raises(InvalidInput, match="cannot be marked"):
        set_status(dsl, reported, "new")


def test_staff_cannot_amend_or_acknowledge(school, reported):
    staff = school.unlock("Sam Staff")
    with pytest.raises(AccessDenied):
        add_chronology(staff, reported, "More")
    with pytest.raises(AccessDenied):
        acknowledge(staff, reported)


def test_overdue_deadlines_reach_the_list(school, clock):
    staff = school.unlock("Sam Staff")
    reference = add_case(
        staff,
        CaseInput.from_json(
            {**REPORT, "category": "staff-online-conduct", "subjects": ["Tess Teacher"]}
        ),
    )
    dsl = school.unlock("Dana DSL")
    summary = next(c for c in list_cases(dsl) if c.reference == reference)
    assert summary.next_due is not None and summary.next_due <= clock.now


def test_idle_lock_setting_is_signed_and_dsl_only(school):
    dsl = school.unlock("Dana DSL")
    assert load_settings(dsl).idle_lock_minutes == 5
    set_idle_lock_minutes(dsl, 12)
    assert load_settings(school.unlock("Sam Staff")).idle_lock_minutes == 12
    with pytest.raises(AccessDenied):
        set_idle_lock_minutes(school.unlock("Sam Staff"), 60)
    with pytest.raises(InvalidInput):
        set_idle_lock_minutes(dsl, 0)
    from sqlalchemy import select, update

    from safelog.store.schema import SettingRow

    with school.vault.engine.begin() as conn:
        record = conn.execute(select(SettingRow.record)).scalar_one()
        conn.execute(update(SettingRow).values(record=record.replace(b"12", b"60")))
    settings = load_settings(dsl)
    assert settings.idle_lock_minutes == 5 and settings.problems


def test_search_matches_every_word_in_any_field_any_case():
    index = SearchIndex.build(
        ["a", "b", "c"],
        [
            ("SL-2026-0001", "Comments on TikTok", "cyberbullying-pupil"),
            ("SL-2026-0002", "Zofia Wiśniewska threatened", "public-threats"),
            ("SL-2026-0003", "Friend request from parent", "unwanted-contact"),
        ],
    )
    assert index.matching("tiktok") == [0]
    assert index.matching("WIŚNIEWSKA threat") == [1]
    assert index.matching("2026 request") == [2]
    assert index.matching("") == [0, 1, 2]
    assert index.matching("nothing") == []


def test_told_the_headteacher_is_refused_on_a_concern_about_the_headteacher(school):
    """Issue 11: the headteacher cannot read the case, and must not be tipped off; the
    record would be false. Nothing is written."""
    report = {**REPORT, "category": "staff-online-conduct", "subjects": ["Hugh Head"]}
    reference = add_case(school.unlock("Sam Staff"), CaseInput.from_json(report))
    chair = school.unlock("Chris Chair")
    before = len(show_case(chair, reference).versions)
    with pytest.raises(InvalidInput, match="chair of governors handles it"):
        record_escalation(chair, reference, "headteacher", told="Hugh Head", how="In SafeLog")
    with pytest.raises(InvalidInput, match="about the headteacher"):
        record_escalation(chair, reference, "headteacher", not_needed_reason="n/a")
    detail = show_case(chair, reference)
    assert len(detail.versions) == before
    assert "headteacher" not in (detail.get("escalations") or {})
    # The chair's own route, and the LADO, are recorded as usual.
    record_escalation(chair, reference, "chair-of-governors", told="Chris Chair", how="In SafeLog")
    record_escalation(chair, reference, "lado", told="Duty LADO", reference_number="L-9")
    routes = {e["route"]: e for e in escalations_for(show_case(chair, reference))}
    assert routes["lado"]["reference"] == "L-9"
    assert "headteacher" not in routes


def test_a_pupil_victim_in_a_concern_about_staff_brings_the_lado(school):
    report = {
        **REPORT,
        "category": "cyberbullying-staff",
        "subjects": ["Tess Teacher"],
        "people": [{"name": "Amira", "kind": "pupil", "role": "victim"}],
    }
    reference = add_case(school.unlock("Sam Staff"), CaseInput.from_json(report))
    dsl = school.unlock("Dana DSL")
    routes = {e["route"]: e for e in escalations_for(show_case(dsl, reference))}
    assert not routes["lado"]["required"]
    assert "harm threshold" in routes["lado"]["reason"]
    # Without the pupil victim, that category has no LADO route.
    plain = {**report, "people": [{"name": "Amira", "kind": "pupil", "role": "witness"}]}
    other = add_case(school.unlock("Sam Staff"), CaseInput.from_json(plain))
    assert "lado" not in {e["route"] for e in escalations_for(show_case(dsl, other))}
