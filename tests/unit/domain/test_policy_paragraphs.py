"""The school's policies, paragraph by paragraph (issue 18): for each paragraph a table of the
concerns it governs, and for each the route SafeLog shows, whether it is required, by when,
and the judgement still left to the user. Test names carry the seed file and paragraph
("000 6.24" is seed 000, paragraph 6.24).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from safelog.domain.categories import CATEGORIES, category_by_code
from safelog.domain.deadline_rules import DeadlineKind
from safelog.domain.deadlines import LONDON, due_by_rule
from safelog.domain.outcomes import AllegationOutcome, concern_about_staff, outcome_choices
from safelog.domain.public_replies import reply_warning
from safelog.domain.routes import ROUTES, Condition, Route, SuggestedRoute, routes_for


@dataclass(frozen=True)
class Expect:
    """One row of a paragraph's table."""

    code: str
    route: Route
    required: bool
    deadline: DeadlineKind
    count: int | None = None
    only_if: tuple[Condition, ...] = ()
    about_staff: bool = False
    about_head: bool = False
    pupil_victim: bool = False

    def __str__(self) -> str:
        facts = "-staff" if self.about_staff else ""
        return f"{self.code}{facts}-{self.route.value}"


def shown(row: Expect) -> SuggestedRoute:
    routes = routes_for(
        category_by_code(row.code),
        about_headteacher=row.about_head,
        about_staff=row.about_staff,
        pupil_victim=row.pupil_victim,
    )
    found = [s for s in routes if s.route is row.route]
    assert len(found) == 1, [s.route.value for s in routes]
    return found[0]


def check(row: Expect, paragraph: str) -> SuggestedRoute:
    suggestion = shown(row)
    assert suggestion.required is row.required
    assert suggestion.deadline_rule.kind is row.deadline
    assert suggestion.deadline_rule.count == row.count
    assert suggestion.only_if == row.only_if
    assert paragraph in suggestion.policy_refs
    return suggestion


def rows(*table: Expect) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("row", table, ids=str)


IMMEDIATE = DeadlineKind.IMMEDIATELY
NONE = DeadlineKind.NONE
ILLEGAL = (Condition.ILLEGAL,)

# -- who counts as staff ---------------------------------------------------------------------

ADULT_KINDS = ["staff", "volunteer", "governor", "contractor"]


@pytest.mark.parametrize("kind", ADULT_KINDS)
def test_000_2_1_and_004_2_1_adults_working_in_school_accused_make_the_concern_about_staff(
    kind: str,
) -> None:
    """000 2.1 and 004 2.1: the policies apply to supply staff, governors, contractors and
    volunteers as to staff; accused in a case, they make it an allegation against staff."""
    people = [
        {"name": "Pat", "kind": kind, "role": "alleged-perpetrator"},
        {"name": "Amy", "kind": "pupil", "role": "victim"},
    ]
    about_staff = concern_about_staff(subjects=[], people=people)
    assert about_staff
    category = category_by_code("cyberbullying-pupil")
    routes = routes_for(category, about_headteacher=False, about_staff=about_staff)
    head = next(s for s in routes if s.route is Route.HEADTEACHER)
    lado = next(s for s in routes if s.route is Route.LADO)
    assert head.required and head.deadline_rule.kind is IMMEDIATE
    assert lado.only_if == (Condition.HARM_THRESHOLD,)
    assert lado.deadline_rule.kind is DeadlineKind.WORKING_DAYS
    assert lado.deadline_rule.count == 1
    assert outcome_choices(category, about_staff=about_staff) == tuple(AllegationOutcome)
    # Retention: vault/retention.py (tests/unit/vault/test_escalations_staff_named.py).


@pytest.mark.parametrize("kind", ["pupil", "parent", "external"])
def test_000_2_1_others_accused_do_not_make_the_concern_about_staff(kind: str) -> None:
    people = [{"name": "Pat", "kind": kind, "role": "alleged-perpetrator"}]
    assert not concern_about_staff(subjects=[], people=people)
    assert concern_about_staff(subjects=["user-id"], people=people)
    assert concern_about_staff(subjects=[], people=people, about_headteacher=True)


@pytest.mark.parametrize("kind", ADULT_KINDS)
def test_000_2_1_an_adult_only_witnessing_is_not_accused(kind: str) -> None:
    people = [{"name": "Pat", "kind": kind, "role": "witness"}]
    assert not concern_about_staff(subjects=[], people=people)


# -- the headteacher, immediately -------------------------------------------------------------

HEAD_FOR_PUPILS = (
    Expect("cyberbullying-pupil", Route.HEADTEACHER, True, IMMEDIATE),
    Expect("online-abuse-disclosure", Route.HEADTEACHER, True, IMMEDIATE),
)


@rows(
    *HEAD_FOR_PUPILS,
    Expect("public-threats", Route.HEADTEACHER, True, IMMEDIATE),
    Expect("personal-data-disclosed", Route.HEADTEACHER, True, IMMEDIATE),
)
def test_000_6_24_concerns_about_social_media_go_to_the_headteacher_immediately(
    row: Expect,
) -> None:
    check(row, "000 6.24")


@rows(*HEAD_FOR_PUPILS)
def test_003_2_2_social_media_misuse_by_pupils_is_reported_to_the_headteacher_immediately(
    row: Expect,
) -> None:
    check(row, "003 2.2")


@rows(*HEAD_FOR_PUPILS)
def test_004_5_social_media_misuse_by_pupils_is_reported_to_the_headteacher_immediately(
    row: Expect,
) -> None:
    check(row, "004 5")


@rows(
    Expect("nudes-sharing", Route.HEADTEACHER, True, IMMEDIATE),
    Expect("indecent-images-adult", Route.HEADTEACHER, True, IMMEDIATE),
)
def test_000_7_1_indecent_images_found_the_headteacher_is_told_immediately(row: Expect) -> None:
    check(row, "000 7.1")


@rows(
    Expect("radicalisation", Route.HEADTEACHER, True, IMMEDIATE),
    Expect("radicalisation", Route.DSL, True, IMMEDIATE),
)
def test_000_10_6_a_pupil_at_risk_of_radicalisation_head_immediately_and_dsl(row: Expect) -> None:
    check(row, "000 10.6")


def test_000_10_6_is_cited_only_for_a_pupil_at_risk() -> None:
    """10.6 is about a pupil at risk: not the Prevent referral, not staff promoting
    extremism (issue 18, wrong references)."""
    assert "000 10.6" not in ROUTES[Route.PREVENT].policy_refs
    for category in CATEGORIES:
        for rule in category.routes:
            if rule.route in (Route.PREVENT, Route.LADO):
                assert "000 10.6" not in rule.policy_refs, (category.code, rule.route)


@rows(Expect("radicalisation", Route.PREVENT, False, NONE))
def test_000_10_1_the_prevent_duty_a_referral_is_considered(row: Expect) -> None:
    check(row, "000 10.1")


@rows(
    Expect(
        "radicalisation",
        Route.LADO,
        True,
        DeadlineKind.WORKING_DAYS,
        1,
        only_if=(Condition.HARM_THRESHOLD,),
        about_staff=True,
    )
)
def test_000_6_18_staff_promoting_extremism_go_to_the_lado(row: Expect) -> None:
    check(row, "000 6.18")


# -- the police -----------------------------------------------------------------------------

POLICE_IF_ILLEGAL = (
    Expect("cyberbullying-pupil", Route.POLICE, True, NONE, only_if=ILLEGAL),
    Expect("inappropriate-content", Route.POLICE, True, NONE, only_if=ILLEGAL),
    Expect("staff-online-conduct", Route.POLICE, True, NONE, only_if=ILLEGAL),
    Expect("radicalisation", Route.POLICE, True, NONE, only_if=ILLEGAL),
    Expect("online-abuse-disclosure", Route.POLICE, True, NONE, only_if=ILLEGAL),
    Expect("personal-data-disclosed", Route.POLICE, True, NONE, only_if=ILLEGAL),
)


@rows(*POLICE_IF_ILLEGAL)
def test_004_9_4_police_required_for_illegal_activity(row: Expect) -> None:
    """ "Where there is a concern that illegal activity has taken place, the Headteacher will
    contact the police": required once that concern exists, with no deadline of its own."""
    police = check(row, "004 9.4")
    assert "illegal activity" in police.explanation


@rows(Expect("nudes-sharing", Route.POLICE, True, IMMEDIATE))
def test_004_9_4_the_dsl_decides_whether_to_call_the_police_for_a_pupils_own_images(
    row: Expect,
) -> None:
    """004 9.4 names this case: the decision (tell the police, or not, so as not to
    criminalise a pupil) is always due, at once (UKCIS), and recorded with its reasons."""
    police = check(row, "004 9.4")
    assert "UKCIS" in police.policy_refs
    assert "criminalise" in police.reason and "reasons" in police.reason


def test_004_9_4_a_decision_not_to_involve_the_police_is_asked_for_with_its_reasons() -> None:
    info = ROUTES[Route.POLICE]
    assert info.not_needed_title == "Decided not to involve the police"
    assert "reasons" in info.not_needed_label
    assert "criminalise" in info.not_needed_hint and "004 9.4" in info.not_needed_hint


@rows(
    Expect(
        "cyberbullying-staff", Route.POLICE, False, NONE, only_if=(Condition.THREATENING_OR_HATE,)
    ),
    Expect("public-threats", Route.POLICE, False, NONE, only_if=(Condition.THREATENING_OR_HATE,)),
    Expect(
        "adverse-criticism", Route.POLICE, False, NONE, only_if=(Condition.THREATENING_OR_HATE,)
    ),
)
def test_003_8_8_the_school_considers_the_police_for_threats_and_hate(row: Expect) -> None:
    check(row, "003 8.8")


@rows(Expect("indecent-images-adult", Route.POLICE, True, IMMEDIATE))
def test_002_7_2_4_indecent_images_the_police_are_contacted_immediately(row: Expect) -> None:
    check(row, "002 7.2.4")


def test_002_7_2_4_is_the_only_immediately_for_the_police() -> None:
    """The police route has no usual deadline; only indecent images (002 7.2.4) and the UKCIS
    referral of a child's images are "immediately" (issue 18, wrong references)."""
    assert ROUTES[Route.POLICE].deadline.kind is NONE
    assert "002 7.2.4" not in ROUTES[Route.POLICE].policy_refs
    immediate = {
        c.code
        for c in CATEGORIES
        for r in c.routes
        if r.route is Route.POLICE and r.deadline_rule.kind is IMMEDIATE
    }
    assert immediate == {"indecent-images-adult", "nudes-sharing"}


# -- reporting content to a site ------------------------------------------------------------


@rows(
    Expect(
        "cyberbullying-staff",
        Route.PLATFORM_REPORT,
        False,
        NONE,
        only_if=(Condition.CONTENT_ONLINE,),
    )
)
def test_003_8_7_an_adult_who_refuses_to_remove_content_is_reported_to_the_site(
    row: Expect,
) -> None:
    check(row, "003 8.7")


def test_003_8_7_and_003_4_7_are_not_general_platform_rules() -> None:
    """003 8.7 is about an adult who refused to remove content (cyberbullying of staff only);
    003 4.7 is about the school's own posts. Asking a site to remove content in general is
    002 appendix 2."""
    assert ROUTES[Route.PLATFORM_REPORT].policy_refs == ("002 App. 2",)
    for category in CATEGORIES:
        for rule in category.routes:
            assert "003 4.7" not in rule.policy_refs
            if "003 8.7" in rule.policy_refs:
                assert category.code == "cyberbullying-staff"
            if rule.route is Route.PLATFORM_REPORT:
                assert "002 App. 2" in rule.policy_refs


# -- inappropriate content: the IT technician or filtering provider --------------------------

IT_NOW = Expect("inappropriate-content", Route.IT_FILTERING, True, IMMEDIATE)


@rows(IT_NOW)
def test_004_8_1_9_inappropriate_content_is_reported_to_the_it_technician_immediately(
    row: Expect,
) -> None:
    check(row, "004 8.1.9")


@rows(IT_NOW)
def test_004_10_4_inappropriate_content_goes_to_the_it_provider_so_the_site_is_blocked(
    row: Expect,
) -> None:
    assert "blocked" in check(row, "004 10.4").reason


@rows(Expect("inappropriate-content", Route.DSL, True, IMMEDIATE))
def test_003_7_3_inappropriate_content_goes_to_the_dsls_so_the_site_is_blocked(
    row: Expect,
) -> None:
    check(row, "003 7.3")


# -- adverse criticism ----------------------------------------------------------------------

ADVERSE = "004 8.1 (after 8.1.9)"


@rows(Expect("adverse-criticism", Route.HEADTEACHER, True, IMMEDIATE))
def test_004_8_1_after_8_1_9_adverse_criticism_goes_to_the_head_of_school(row: Expect) -> None:
    assert "approval" in check(row, ADVERSE).reason


def test_004_8_1_after_8_1_9_a_reply_needs_the_express_approval_of_the_head() -> None:
    category = category_by_code("adverse-criticism")
    assert category.replies_need_approval
    assert "004 8.1.9" not in category.policy  # 8.1.9 is about inappropriate content
    replied = datetime(2026, 11, 20, 15, 0, tzinfo=LONDON)
    before = datetime(2026, 11, 20, 14, 0, tzinfo=LONDON)
    common = {"needs_approval": True, "about_headteacher": False, "replied_at": replied}
    assert reply_warning(**common, approved_by="Jemma Moore", approved_at=before) is None
    missing = reply_warning(**common, approved_by="", approved_at=None)
    assert missing is not None and "No approval is recorded" in missing and ADVERSE in missing
    late = reply_warning(
        **common,
        approved_by="Jemma Moore",
        approved_at=datetime(2026, 11, 20, 16, 0, tzinfo=LONDON),
    )
    assert late is not None and "before it was approved" in late
    about_head = reply_warning(
        **{**common, "about_headteacher": True}, approved_by="", approved_at=None
    )
    assert about_head is not None and "chair of governors" in about_head
    other = {**common, "needs_approval": False}
    assert reply_warning(**other, approved_by="", approved_at=None) is None


# -- personal data breaches ----------------------------------------------------------------

DPO_NOW = Expect("personal-data-disclosed", Route.DPO, True, IMMEDIATE)
ICO_72 = Expect("personal-data-disclosed", Route.ICO, True, DeadlineKind.HOURS, 72)


@rows(DPO_NOW, ICO_72)
def test_003_4_16_breaches_follow_the_breach_procedure_dpo_and_ico_decision(row: Expect) -> None:
    check(row, "003 4.16")


@rows(DPO_NOW, ICO_72)
def test_004_7_10_breaches_follow_the_breach_management_plan_dpo_and_ico_decision(
    row: Expect,
) -> None:
    check(row, "004 7.10")


@rows(DPO_NOW)
def test_003_2_1_the_headteacher_works_alongside_the_dpo(row: Expect) -> None:
    check(row, "003 2.1")


@rows(ICO_72)
def test_uk_gdpr_art_33_the_ico_decision_is_due_72_hours_after_discovery(row: Expect) -> None:
    ico = check(row, "UK GDPR Art. 33")
    found = datetime(2026, 12, 24, 16, 0, tzinfo=LONDON)  # Christmas Eve: hours run on
    assert due_by_rule(ico.deadline_rule, found) == datetime(2026, 12, 27, 16, 0, tzinfo=LONDON)
    info = ROUTES[Route.ICO]
    assert info.not_needed_title == "Decided not to report it to the ICO"
    assert "reasons" in info.not_needed_label


def test_002_6_8_lost_data_and_cyber_incidents_are_breaches_too() -> None:
    """002 6.8 (data taken off site, e-mailed): the one breach category covers data lost,
    stolen, sent wrongly or hacked, not only disclosed online, with the same routes."""
    category = category_by_code("personal-data-disclosed")
    assert "002 6.8" in category.policy_refs
    words = (category.title + " " + category.description).lower()
    for word in ("lost", "stolen", "wrong person", "cyber", "online"):
        assert word in words
    it = shown(Expect("personal-data-disclosed", Route.IT_FILTERING, False, IMMEDIATE))
    assert it.only_if == (Condition.CYBER_INCIDENT,)


# -- concerns about staff and the headteacher ----------------------------------------------


@rows(
    Expect("cyberbullying-pupil", Route.HEADTEACHER, True, IMMEDIATE, about_staff=True),
    Expect("public-threats", Route.HEADTEACHER, True, IMMEDIATE, about_staff=True),
)
def test_004_9_2_concerns_about_a_member_of_staff_go_to_the_headteacher(row: Expect) -> None:
    shown_head = shown(row)
    assert shown_head.required and shown_head.deadline_rule.kind is IMMEDIATE


@rows(
    Expect(
        "cyberbullying-pupil",
        Route.CHAIR_OF_GOVERNORS,
        True,
        IMMEDIATE,
        about_staff=True,
        about_head=True,
    ),
    Expect(
        "personal-data-disclosed",
        Route.CHAIR_OF_GOVERNORS,
        True,
        IMMEDIATE,
        about_staff=True,
        about_head=True,
    ),
)
def test_004_9_2_a_concern_about_the_headteacher_goes_to_the_chair(row: Expect) -> None:
    check(row, "004 9.2")


@rows(
    Expect(
        "public-threats",
        Route.LADO,
        False,
        DeadlineKind.WORKING_DAYS,
        1,
        only_if=(Condition.HARM_THRESHOLD,),
        about_staff=True,
        pupil_victim=True,
    ),
    Expect(
        "online-abuse-disclosure",
        Route.LADO,
        True,
        DeadlineKind.WORKING_DAYS,
        1,
        about_staff=True,
    ),
)
def test_004_2_3_allegations_against_staff_go_to_the_lado_within_one_working_day(
    row: Expect,
) -> None:
    check(row, "004 2.3")
