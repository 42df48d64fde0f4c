"""Escalation routes, and which of them a concern calls for."""

from __future__ import annotations

import dataclasses

import pytest

from safelog.domain.categories import CATEGORIES, category_by_code
from safelog.domain.category import Category
from safelog.domain.roles import Role
from safelog.domain.routes import (
    BARRED_ON_HEAD_CASE,
    ROUTES,
    Condition,
    DeadlineKind,
    DeadlineRule,
    Route,
    RouteRule,
    SuggestedRoute,
    barred_routes,
    route_info,
    routes_for,
    said_in_safelog,
)

BY_ID = [pytest.param(c, id=c.code) for c in CATEGORIES]
FLAGS = [
    pytest.param(False, False, id="about-nobody"),
    pytest.param(False, True, id="about-staff"),
    pytest.param(True, False, id="about-head"),
    pytest.param(True, True, id="about-head-and-staff"),
]


def summary(routes: list[SuggestedRoute]) -> list[str]:
    """Each route as "R dsl" (required) or "S police" (suggested), "*" if still a judgement."""
    return [
        f"{'R' if s.required else 'S'}{'*' if s.only_if else ''} {s.route.value}" for s in routes
    ]


@pytest.mark.parametrize(
    ("route", "value"),
    [
        (Route.HEADTEACHER, "headteacher"),
        (Route.CHAIR_OF_GOVERNORS, "chair-of-governors"),
        (Route.DSL, "dsl"),
        (Route.POLICE, "police"),
        (Route.LADO, "lado"),
        (Route.PREVENT, "prevent"),
        (Route.SOCIAL_CARE, "social-care"),
        (Route.PLATFORM_REPORT, "platform-report"),
        (Route.REPORT_REMOVE, "report-remove"),
        (Route.CEOP, "ceop"),
        (Route.DPO, "dpo"),
        (Route.ICO, "ico"),
        (Route.IT_FILTERING, "it-filtering"),
    ],
)
def test_route_values_are_stable(route: Route, value: str) -> None:
    assert route.value == value
    assert Route(value) is route


def test_every_route_is_described() -> None:
    assert set(ROUTES) == set(Route)
    for route, info in ROUTES.items():
        assert info.route is route
        assert route_info(route) is info
        assert info.title and info.who_is_told and info.policy_refs


@pytest.mark.parametrize(
    ("route", "deadline", "text"),
    [
        (Route.HEADTEACHER, DeadlineRule(DeadlineKind.IMMEDIATELY), "immediately"),
        (Route.CHAIR_OF_GOVERNORS, DeadlineRule(DeadlineKind.IMMEDIATELY), "immediately"),
        (Route.DSL, DeadlineRule(DeadlineKind.IMMEDIATELY), "immediately"),
        # Only indecent images have the police told "immediately" (002 7.2.4): their rules
        # say so; the route itself has no usual deadline.
        (Route.POLICE, DeadlineRule(DeadlineKind.NONE), "no set deadline"),
        (Route.LADO, DeadlineRule(DeadlineKind.WORKING_DAYS, 1), "within 1 working day"),
        (Route.PREVENT, DeadlineRule(DeadlineKind.NONE), "no set deadline"),
        (Route.SOCIAL_CARE, DeadlineRule(DeadlineKind.SAME_DAY), "the same working day"),
        (Route.PLATFORM_REPORT, DeadlineRule(DeadlineKind.NONE), "no set deadline"),
        (Route.REPORT_REMOVE, DeadlineRule(DeadlineKind.NONE), "no set deadline"),
        (Route.CEOP, DeadlineRule(DeadlineKind.NONE), "no set deadline"),
        (Route.DPO, DeadlineRule(DeadlineKind.IMMEDIATELY), "immediately"),
        (Route.ICO, DeadlineRule(DeadlineKind.HOURS, hours=72), "within 72 hours"),
        (Route.IT_FILTERING, DeadlineRule(DeadlineKind.IMMEDIATELY), "immediately"),
    ],
)
def test_route_deadlines(route: Route, deadline: DeadlineRule, text: str) -> None:
    assert ROUTES[route].deadline == deadline
    assert ROUTES[route].deadline.describe() == text


@pytest.mark.parametrize(
    ("route", "label"),
    [
        (Route.HEADTEACHER, None),
        (Route.CHAIR_OF_GOVERNORS, None),
        (Route.DSL, None),
        (Route.POLICE, "Crime reference number"),
        (Route.LADO, "LADO reference"),
        (Route.PREVENT, "Prevent referral reference"),
        (Route.SOCIAL_CARE, "MASH reference"),
        (Route.PLATFORM_REPORT, "Platform report id"),
        (Route.REPORT_REMOVE, "Report Remove reference"),
        (Route.CEOP, "CEOP report reference"),
        (Route.DPO, "Breach log reference"),
        (Route.ICO, "ICO case reference"),
        (Route.IT_FILTERING, "IT ticket or block reference"),
    ],
)
def test_reference_to_record(route: Route, label: str | None) -> None:
    info = ROUTES[route]
    assert info.reference_label == label
    assert info.record.startswith("Who was told and when")
    if label is not None:
        assert info.record.endswith(label)


def test_working_days_deadline_text_is_plural_above_one() -> None:
    assert DeadlineRule(DeadlineKind.WORKING_DAYS, 5).describe() == "within 5 working days"


@pytest.mark.parametrize(
    ("kind", "days"),
    [(DeadlineKind.WORKING_DAYS, 0), (DeadlineKind.IMMEDIATELY, 1), (DeadlineKind.NONE, 2)],
)
def test_deadline_rule_rejects_nonsense(kind: DeadlineKind, days: int) -> None:
    with pytest.raises(ValueError, match="working day"):
        DeadlineRule(kind, days)


@pytest.mark.parametrize(
    ("kind", "hours"), [(DeadlineKind.HOURS, 0), (DeadlineKind.IMMEDIATELY, 72)]
)
def test_hours_deadline_rejects_nonsense(kind: DeadlineKind, hours: int) -> None:
    with pytest.raises(ValueError, match="hour"):
        DeadlineRule(kind, hours=hours)


def test_an_hours_deadline_is_printed_with_its_count() -> None:
    rule = DeadlineRule(DeadlineKind.HOURS, hours=72)
    assert rule.view() == {"kind": "hours", "count": 72, "text": "within 72 hours"}
    assert DeadlineRule(DeadlineKind.HOURS, hours=1).describe() == "within 1 hour"


def test_chair_route_is_hidden_from_the_headteacher() -> None:
    chair = ROUTES[Route.CHAIR_OF_GOVERNORS]
    assert chair.informs_role is Role.CHAIR
    assert Role.HEADTEACHER in chair.hidden_from
    assert ROUTES[Route.HEADTEACHER].informs_role is Role.HEADTEACHER
    assert ROUTES[Route.DSL].informs_role is Role.DSL
    assert ROUTES[Route.POLICE].informs_role is None


def test_route_rule_needs_reason_and_policy() -> None:
    with pytest.raises(ValueError, match="reason"):
        RouteRule(Route.DSL, required=True, reason=" ", policy_refs=("002 8.1",))
    with pytest.raises(ValueError, match="policy"):
        RouteRule(Route.DSL, required=True, reason="Tell the DSL", policy_refs=())


def test_conditions_have_labels_and_only_three_are_facts() -> None:
    for condition in Condition:
        assert len(condition.label) > 10
    assert {c for c in Condition if c.decided_by_safelog} == {
        Condition.ABOUT_STAFF,
        Condition.ABOUT_HEADTEACHER,
        Condition.PUPIL_VICTIM,
    }


@pytest.mark.parametrize(
    ("rule", "category"),
    [
        pytest.param(rule, c, id=f"{c.code}-{i}-{rule.route.value}")
        for c in CATEGORIES
        for i, rule in enumerate(c.routes)
    ],
)
def test_every_route_of_every_category(rule: RouteRule, category: Category) -> None:
    assert rule.route in ROUTES
    assert rule.explanation.startswith(rule.reason)
    assert rule.explanation.endswith("(" + "; ".join(rule.policy_refs) + ")")
    # It is shown in some situation, as itself or (headteacher) as the chair.
    shown = {
        s.route
        for about_head, about_staff in [(False, False), (False, True), (True, False)]
        for s in routes_for(category, about_headteacher=about_head, about_staff=about_staff)
    }
    assert rule.route in shown


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "cyberbullying-pupil",
            ["R dsl", "R headteacher", "R* police", "S* platform-report", "S* social-care"],
        ),
        ("cyberbullying-staff", ["R headteacher", "S* platform-report", "S* police", "S* dsl"]),
        ("public-threats", ["R headteacher", "S* police", "S* platform-report", "S* dsl"]),
        ("inappropriate-content", ["R headteacher", "R dsl", "R it-filtering", "R* police"]),
        ("unwanted-contact", ["R headteacher", "S* dsl"]),
        ("staff-online-conduct", ["R headteacher", "R* police", "S* lado", "S* dsl"]),
        (
            "nudes-sharing",
            [
                "R dsl",
                "R headteacher",
                "R police",
                "S* social-care",
                "S* report-remove",
                "S* ceop",
            ],
        ),
        (
            "indecent-images-adult",
            [
                "R police",
                "R dsl",
                "R headteacher",
                "S* social-care",
                "S* ceop",
                "S* report-remove",
            ],
        ),
        (
            "radicalisation",
            [
                "R headteacher",
                "R dsl",
                "R* police",
                "S prevent",
                "S* social-care",
                "S* platform-report",
            ],
        ),
        (
            "online-abuse-disclosure",
            [
                "R dsl",
                "R headteacher",
                "R* police",
                "S* social-care",
                "S* platform-report",
                "S* report-remove",
                "S* ceop",
            ],
        ),
        ("adverse-criticism", ["R headteacher", "S* platform-report", "S* police"]),
        (
            "personal-data-disclosed",
            [
                "R headteacher",
                "R dpo",
                "R ico",
                "R* police",
                "S* it-filtering",
                "S* platform-report",
                "S* dsl",
            ],
        ),
    ],
)
def test_routes_for_a_concern_about_no_member_of_staff(code: str, expected: list[str]) -> None:
    routes = routes_for(category_by_code(code), about_headteacher=False, about_staff=False)
    assert summary(routes) == expected


@pytest.mark.parametrize(
    ("code", "about_head", "expected"),
    [
        (
            "cyberbullying-pupil",
            False,
            [
                "R dsl",
                "R headteacher",
                "R* police",
                "S* platform-report",
                "S* social-care",
                "S* lado",
            ],
        ),
        (
            "cyberbullying-pupil",
            True,
            [
                "R dsl",
                "R chair-of-governors",
                "R* police",
                "S* platform-report",
                "S* social-care",
                "S* lado",
            ],
        ),
        (
            "nudes-sharing",
            False,
            [
                "R dsl",
                "R headteacher",
                "R police",
                "R lado",
                "S* social-care",
                "S* report-remove",
                "S* ceop",
            ],
        ),
        ("staff-online-conduct", True, ["R chair-of-governors", "R* police", "S* lado", "S* dsl"]),
        (
            "radicalisation",
            False,
            [
                "R headteacher",
                "R dsl",
                "R* police",
                "R* lado",
                "S prevent",
                "S* social-care",
                "S* platform-report",
            ],
        ),
        (
            "indecent-images-adult",
            True,
            [
                "R police",
                "R dsl",
                "R chair-of-governors",
                "R lado",
                "S* social-care",
                "S* ceop",
                "S* report-remove",
            ],
        ),
        ("unwanted-contact", True, ["R chair-of-governors", "S* dsl"]),
    ],
)
def test_routes_for_a_concern_about_staff(code: str, about_head: bool, expected: list[str]) -> None:
    routes = routes_for(category_by_code(code), about_headteacher=about_head, about_staff=True)
    assert summary(routes) == expected


@pytest.mark.parametrize("category", BY_ID)
@pytest.mark.parametrize("about_staff", [False, True])
def test_about_the_headteacher_never_goes_to_the_headteacher(
    category: Category, about_staff: bool
) -> None:
    routes = routes_for(category, about_headteacher=True, about_staff=about_staff)
    assert Route.HEADTEACHER not in {s.route for s in routes}
    chair = [s for s in routes if s.route is Route.CHAIR_OF_GOVERNORS]
    assert len(chair) == 1
    assert chair[0].required and not chair[0].only_if
    for ref in ("001 5(ii)", "002 8.1", "004 9.2"):
        assert ref in chair[0].explanation


@pytest.mark.parametrize("category", BY_ID)
def test_about_staff_goes_to_the_headteacher_and_not_the_chair(category: Category) -> None:
    routes = routes_for(category, about_headteacher=False, about_staff=True)
    head = [s for s in routes if s.route is Route.HEADTEACHER]
    assert len(head) == 1
    assert head[0].required and not head[0].only_if
    assert Route.CHAIR_OF_GOVERNORS not in {s.route for s in routes}


@pytest.mark.parametrize("category", BY_ID)
def test_about_nobody_never_goes_to_the_chair(category: Category) -> None:
    routes = routes_for(category, about_headteacher=False, about_staff=False)
    assert Route.CHAIR_OF_GOVERNORS not in {s.route for s in routes}


@pytest.mark.parametrize(
    "category",
    [
        pytest.param(c, id=c.code)
        for c in CATEGORIES
        if c.child_protection or c.allegation_against_staff
    ],
)
def test_about_staff_offers_the_lado_where_a_child_may_be_harmed(category: Category) -> None:
    about_nobody = routes_for(category, about_headteacher=False, about_staff=False)
    about_staff = routes_for(category, about_headteacher=False, about_staff=True)
    assert Route.LADO in {s.route for s in about_staff}
    if not category.allegation_against_staff:
        assert Route.LADO not in {s.route for s in about_nobody}


@pytest.mark.parametrize("code", ["cyberbullying-staff", "public-threats", "adverse-criticism"])
def test_no_lado_where_no_child_is_concerned(code: str) -> None:
    routes = routes_for(category_by_code(code), about_headteacher=False, about_staff=True)
    assert Route.LADO not in {s.route for s in routes}


@pytest.mark.parametrize("category", BY_ID)
@pytest.mark.parametrize(("about_head", "about_staff"), FLAGS)
def test_routes_for_is_well_formed(category: Category, about_head: bool, about_staff: bool) -> None:
    routes = routes_for(category, about_headteacher=about_head, about_staff=about_staff)
    kinds = [s.route for s in routes]
    assert len(kinds) == len(set(kinds))
    ranks = [(not s.required, bool(s.only_if)) for s in routes]
    assert ranks == sorted(ranks)
    for s in routes:
        assert not any(c.decided_by_safelog for c in s.only_if)
        assert s.info is ROUTES[s.route]
        assert s.policy_refs and all(ref in s.explanation for ref in s.policy_refs)
        for condition in s.only_if:
            assert condition.label in s.explanation


def test_the_category_reason_is_kept_when_it_is_as_strong() -> None:
    routes = routes_for(
        category_by_code("cyberbullying-staff"), about_headteacher=False, about_staff=True
    )
    head = next(s for s in routes if s.route is Route.HEADTEACHER)
    assert head.reason.startswith("All cyberbullying and trolling of staff")
    assert head.policy_refs[0] == "000 9.5"


def test_a_suggested_headteacher_becomes_required_when_about_staff() -> None:
    category = dataclasses.replace(
        category_by_code("cyberbullying-staff"),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=False,
                reason="Tell the head if you think they should know",
                policy_refs=("002 8.2",),
            ),
        ),
    )
    assert summary(routes_for(category, about_headteacher=False, about_staff=False)) == [
        "S headteacher"
    ]
    routes = routes_for(category, about_headteacher=False, about_staff=True)
    head = next(s for s in routes if s.route is Route.HEADTEACHER)
    assert head.required
    assert "004 9.2" in head.policy_refs


def test_an_allegation_category_counts_as_about_staff() -> None:
    category = category_by_code("staff-online-conduct")
    assert routes_for(category, about_headteacher=False, about_staff=False) == routes_for(
        category, about_headteacher=False, about_staff=True
    )


def test_a_headteacher_rule_with_a_judgement_becomes_a_chair_rule_with_it() -> None:
    category = dataclasses.replace(
        category_by_code("adverse-criticism"),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=False,
                reason="Tell the head if it is threatening",
                policy_refs=("003 8.8",),
                when=(Condition.THREATENING_OR_HATE,),
            ),
        ),
    )
    about_head = routes_for(category, about_headteacher=True, about_staff=False)
    assert summary(about_head) == ["R chair-of-governors"]
    about_nobody = routes_for(category, about_headteacher=False, about_staff=False)
    assert summary(about_nobody) == ["S* headteacher"]
    assert about_nobody[0].only_if == (Condition.THREATENING_OR_HATE,)
    assert about_nobody[0].explanation.endswith(
        "Only if the material is threatening, abusive, sexist, of a sexual nature or a hate crime."
    )


# -- CEOP (issue 11): online sexual abuse and grooming ------------------------------------

CEOP_CATEGORIES = ("online-abuse-disclosure", "nudes-sharing", "indecent-images-adult")


@pytest.mark.parametrize("code", CEOP_CATEGORIES)
@pytest.mark.parametrize(("about_head", "about_staff"), FLAGS)
def test_ceop_is_offered_where_a_child_may_be_abused_or_groomed_online(
    code: str, about_head: bool, about_staff: bool
) -> None:
    """The seed policies do not name CEOP: it is offered, never required, and only as a
    judgement about online sexual abuse or grooming."""
    routes = routes_for(
        category_by_code(code), about_headteacher=about_head, about_staff=about_staff
    )
    [ceop] = [s for s in routes if s.route is Route.CEOP]
    assert not ceop.required
    assert ceop.only_if == (Condition.ONLINE_SEXUAL_ABUSE,)
    assert "CEOP" in ceop.reason
    assert ceop.explanation.endswith(
        "Only if a child may have been sexually abused, groomed, coerced or blackmailed online."
    )


@pytest.mark.parametrize(
    "category", [pytest.param(c, id=c.code) for c in CATEGORIES if c.code not in CEOP_CATEGORIES]
)
def test_ceop_is_not_offered_for_other_kinds_of_concern(category: Category) -> None:
    for about_head, about_staff in [(False, False), (False, True), (True, False)]:
        routes = routes_for(
            category, about_headteacher=about_head, about_staff=about_staff, pupil_victim=True
        )
        assert Route.CEOP not in {s.route for s in routes}


def test_ceop_route_is_described_as_optional_and_outside_safelog() -> None:
    ceop = ROUTES[Route.CEOP]
    assert "Child Exploitation and Online Protection" in ceop.who_is_told
    assert "National Crime Agency" in ceop.who_is_told
    assert ceop.deadline.kind is DeadlineKind.NONE
    assert ceop.informs_role is None
    assert "Optional" in ceop.note and "999" in ceop.note


# -- LADO (issue 11): any concern about staff with a pupil as victim -------------------------


@pytest.mark.parametrize("category", BY_ID)
@pytest.mark.parametrize("about_head", [False, True])
def test_about_staff_with_a_pupil_victim_offers_the_lado_in_every_category(
    category: Category, about_head: bool
) -> None:
    routes = routes_for(category, about_headteacher=about_head, about_staff=True, pupil_victim=True)
    [lado] = [s for s in routes if s.route is Route.LADO]
    # Where the category's own LADO rule is stronger (required, or with no judgement left),
    # it is kept; otherwise the harm threshold is the judgement still to make.
    if not lado.required:
        assert lado.only_if == (Condition.HARM_THRESHOLD,)
    assert "KCSIE Part 4" in lado.policy_refs


@pytest.mark.parametrize("code", ["cyberbullying-staff", "public-threats", "adverse-criticism"])
def test_a_pupil_victim_brings_the_lado_where_the_category_has_none(code: str) -> None:
    category = category_by_code(code)
    without = routes_for(category, about_headteacher=False, about_staff=True)
    assert Route.LADO not in {s.route for s in without}
    routes = routes_for(category, about_headteacher=False, about_staff=True, pupil_victim=True)
    assert summary(routes)[-1] == "S* lado"
    lado = routes[-1]
    assert lado.reason.startswith("A pupil is a victim in a concern about a member of staff")
    assert "within one working day" in lado.reason


@pytest.mark.parametrize("category", BY_ID)
def test_a_pupil_victim_alone_brings_no_lado_when_no_staff_is_concerned(
    category: Category,
) -> None:
    """A pupil hurt by another pupil or a stranger is not an allegation against staff."""
    plain = routes_for(category, about_headteacher=False, about_staff=False)
    with_victim = routes_for(
        category, about_headteacher=False, about_staff=False, pupil_victim=True
    )
    assert with_victim == plain


def test_the_category_lado_reason_is_kept_when_it_is_as_strong() -> None:
    routes = routes_for(
        category_by_code("staff-online-conduct"),
        about_headteacher=False,
        about_staff=True,
        pupil_victim=True,
    )
    lado = next(s for s in routes if s.route is Route.LADO)
    assert lado.reason.startswith("An allegation that meets the harm threshold")


# -- telling the headteacher on a concern about them (issue 11) -----------------------------


def test_the_headteacher_route_is_barred_only_on_a_concern_about_the_headteacher() -> None:
    assert barred_routes(about_headteacher=True) == {Route.HEADTEACHER}
    assert barred_routes(about_headteacher=False) == frozenset()
    assert "LADO" in BARRED_ON_HEAD_CASE and "decision" in BARRED_ON_HEAD_CASE


@pytest.mark.parametrize("route", list(Route))
def test_told_in_safelog_only_where_safelog_can_tell_them(route: Route) -> None:
    inside = ROUTES[route].informs_role is not None
    assert said_in_safelog(route, about_headteacher=False) is inside
    assert said_in_safelog(route, about_headteacher=True) is (
        inside and route is not Route.HEADTEACHER
    )
