"""The policies' registers and forms, paragraph by paragraph (issue 18): for each paragraph
who asks, who decides (never themselves, nor the person it is about), who reads, and what
the form holds. Test names carry the seed file and paragraph, as in test_policy_paragraphs.
"""

from __future__ import annotations

import pytest

from safelog.domain.approvals import (
    KINDS,
    ApprovalKind,
    Decision,
    NotAllowed,
    check_request,
    deciders,
    readers,
)
from safelog.domain.roles import KeyRole, Role
from safelog.domain.violent_incident import VIR_CATEGORIES, offers_vir, vir_sections

MEMBERS = {
    "dsl": frozenset({Role.DSL}),
    "head": frozenset({Role.HEADTEACHER}),
    "chair": frozenset({Role.CHAIR}),
    "ceo": frozenset({Role.TRUST_CEO}),
    "sam": frozenset({Role.STAFF}),
}
ALL_KEYS = frozenset(KeyRole)


def _readers(kind: ApprovalKind, requester: str, subject: str | None = None) -> set[str]:
    plan = readers(
        KINDS[kind],
        requester_id=requester,
        subject_id=subject,
        members=MEMBERS,
        subject_roles_of=MEMBERS,
        established=ALL_KEYS,
    )
    return {str(r) for r in plan.recipients}


@pytest.mark.parametrize(
    ("requester", "decided_by", "readers_are"),
    [
        ("sam", {Role.HEADTEACHER}, {"role:dsl", "role:leadership", "user:sam"}),
        ("dsl", {Role.HEADTEACHER}, {"role:dsl", "role:leadership"}),
        ("head", {Role.CHAIR}, {"role:dsl", "role:leadership", "role:governors"}),
    ],
)
def test_003_7_5_blocked_content_requests_are_approved_by_the_headteacher(
    requester: str, decided_by: set[Role], readers_are: set[str]
) -> None:
    rules = KINDS[ApprovalKind.BLOCKED_CONTENT]
    assert "003 7.5" in rules.policy_refs and "003 appendix a" in rules.policy_refs
    assert deciders(rules, MEMBERS[requester], frozenset()) == decided_by
    assert rules.decisions == (Decision.APPROVED, Decision.REFUSED)
    assert _readers(ApprovalKind.BLOCKED_CONTENT, requester) == readers_are


def test_003_appendix_a_the_form_holds_what_the_policys_form_asks() -> None:
    labels = [f.label for f in KINDS[ApprovalKind.BLOCKED_CONTENT].fields]
    assert labels == [
        "Full URL",
        "Site content",
        "Reasons for access",
        "Identified risks and control measures",
    ]


@pytest.mark.parametrize("paragraph", ["000 6.7", "000 6.8", "000 6.9", "004 8.2.3"])
def test_000_6_7_to_6_9_and_004_8_2_3_family_links_are_acknowledged_by_the_headteacher(
    paragraph: str,
) -> None:
    rules = KINDS[ApprovalKind.FAMILY_LINK]
    assert paragraph in rules.policy_refs
    assert rules.decisions == (Decision.ACKNOWLEDGED,)
    assert deciders(rules, MEMBERS["sam"], frozenset()) == {Role.HEADTEACHER}
    assert deciders(rules, MEMBERS["head"], frozenset()) == {Role.CHAIR}  # not their own
    relationships = next(f for f in rules.fields if f.name == "relationship").choices
    assert "family member" in relationships and "former pupil" in relationships
    assert "social contact (same social circle)" in relationships  # 004 8.2.3


@pytest.mark.parametrize("paragraph", ["002 7.4", "003 7.4", "004 10.2"])
def test_002_7_4_monitoring_is_approved_by_the_chair_and_kept_from_its_subject(
    paragraph: str,
) -> None:
    rules = KINDS[ApprovalKind.MONITORING]
    assert paragraph in rules.policy_refs
    assert "Discussion with HR, ICT and audit services" in " ".join(f.label for f in rules.fields)
    assert deciders(rules, MEMBERS["dsl"], MEMBERS["sam"]) == {Role.CHAIR}
    assert deciders(rules, MEMBERS["dsl"], MEMBERS["chair"]) == {Role.TRUST_CEO}
    with pytest.raises(NotAllowed, match="DSL or the headteacher"):
        check_request(rules, "sam", MEMBERS["sam"], "dsl", "Dana")
    with pytest.raises(NotAllowed, match="person making it"):
        check_request(rules, "dsl", MEMBERS["dsl"], "dsl", "Dana")
    # Sealed to the people holding each role now, by name, never to a role key (whoever
    # joins later, perhaps the person it is about, is not handed it). About a member of
    # staff: the head reads it; about the head: the head never does.
    about_sam = _readers(ApprovalKind.MONITORING, "dsl", "sam")
    assert about_sam == {"user:dsl", "user:head", "user:chair", "user:ceo"}
    about_head = _readers(ApprovalKind.MONITORING, "dsl", "head")
    assert about_head == {"user:dsl", "user:chair", "user:ceo"}
    about_chair = _readers(ApprovalKind.MONITORING, "dsl", "chair")
    assert about_chair == {"user:dsl", "user:head", "user:ceo"}


def test_002_appendix_2_a_violent_incident_report_for_threats_to_staff() -> None:
    assert {"cyberbullying-staff", "public-threats"} == VIR_CATEGORIES
    assert not offers_vir("cyberbullying-pupil")
    sections = vir_sections(
        {
            "occurred_at": "2026-11-18T16:20:00+00:00",
            "people": [{"name": "Pat", "kind": "parent", "role": "alleged-perpetrator"}],
            "escalations": {"police": {"done_at": "2026-11-19", "told": "PC Khan"}},
        },
        reporter_name="Sam",
        category_title="Threats",
        evidence=[("post.png", "ab" * 32)],
    )
    headings = [s.heading for s in sections]
    assert headings == [
        "The member of staff",
        "The incident",
        "Who was responsible",
        "Witnesses",
        "Evidence kept",
        "Action taken and who was told",
    ]
    told = dict(sections[-1].rows)
    assert told["Reported to the police"] == "2026-11-19, told PC Khan"
