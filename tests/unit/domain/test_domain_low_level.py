"""Low-level concerns about staff (KCSIE Part 4, section two): the category, its routes,
deadlines and retention, the rule that it names a member of staff, and the pattern review."""

from __future__ import annotations

from datetime import date, datetime

from safelog.domain.categories import category_by_code
from safelog.domain.deadlines import LONDON, due_at
from safelog.domain.low_level import (
    LowLevelConcern,
    is_low_level,
    missing_staff_subject,
    patterns,
)
from safelog.domain.outcomes import AllegationOutcome, CaseOutcome, outcome_choices
from safelog.domain.retention import LOW_LEVEL_RULE, retention_decision, retention_rule
from safelog.domain.roles import Role
from safelog.domain.routes import Condition, Route, routes_for

LOW = category_by_code("low-level-staff")


def test_category_is_its_own_kind_not_an_allegation() -> None:
    assert LOW.title == "Low-level concern about a member of staff"
    assert LOW.low_level and not LOW.allegation_against_staff and not LOW.child_protection
    assert is_low_level("low-level-staff")
    assert not is_low_level("staff-online-conduct") and not is_low_level("no-such-code")
    assert not any(
        category_by_code(c).low_level for c in ("staff-online-conduct", "cyberbullying-pupil")
    )


def test_guidance_says_what_a_low_level_concern_is_in_plain_words() -> None:
    words = LOW.guidance
    assert "does not fit the staff code of conduct" in words
    assert "does not meet the harm threshold" in words
    for example in ("over-friendly", "favourites", "personal phone", "humiliate"):
        assert example in words
    assert "they will never be able to read this" in words
    assert "allegation" in words and "LADO" in words  # when it is not a low-level concern
    assert "KCSIE" not in words and "004" not in words  # references: the policy line


def test_policy_line_names_kcsie_and_the_seed_sections() -> None:
    for ref in ("KCSIE Part 4", "004 9.2", "001 5(iii)", "002 8.1"):
        assert ref in LOW.policy
    head_line = LOW.policy_for(about_headteacher=True)
    assert "001 5(ii)" in head_line and "004 9.2" in head_line


def test_about_the_head_the_guidance_names_the_chair_and_never_has_the_head_decide() -> None:
    words = LOW.guidance_for(about_headteacher=True)
    assert "chair of governors" in words
    assert "The headteacher, with the DSL, decides" not in words
    assert "headteacher will never be able to read it" in words


def test_routes_headteacher_and_dsl_required_lado_only_past_the_harm_threshold() -> None:
    routes = routes_for(LOW, about_headteacher=False, about_staff=True)
    by_route = {r.route: r for r in routes}
    assert by_route[Route.HEADTEACHER].required and not by_route[Route.HEADTEACHER].only_if
    assert by_route[Route.DSL].required and not by_route[Route.DSL].only_if
    lado = by_route[Route.LADO]
    assert not lado.required and lado.only_if == (Condition.HARM_THRESHOLD,)
    assert "allegation, not a low-level concern" in lado.explanation
    assert Route.CHAIR_OF_GOVERNORS not in by_route


def test_about_the_head_it_goes_to_the_chair_and_never_to_the_head() -> None:
    routes = routes_for(LOW, about_headteacher=True, about_staff=True)
    by_route = {r.route: r for r in routes}
    assert Route.HEADTEACHER not in by_route
    assert by_route[Route.CHAIR_OF_GOVERNORS].required
    assert by_route[Route.DSL].required


def test_always_about_staff_even_when_the_caller_does_not_say_so() -> None:
    routes = routes_for(LOW, about_headteacher=False, about_staff=False)
    assert Route.HEADTEACHER in {r.route for r in routes}


def test_deadlines_head_and_dsl_immediately_lado_next_working_day() -> None:
    # Thursday 19 November 2026, 15:00 London.
    raised = datetime(2026, 11, 19, 15, 0, tzinfo=LONDON)
    assert due_at(Route.HEADTEACHER, raised) == raised
    assert due_at(Route.CHAIR_OF_GOVERNORS, raised) == raised
    assert due_at(Route.DSL, raised) == raised
    assert due_at(Route.LADO, raised) == datetime(2026, 11, 20, 18, 0, tzinfo=LONDON)


def test_kept_until_the_member_of_staff_leaves_never_on_a_date_that_could_come_first() -> None:
    assert retention_rule(LOW) == LOW_LEVEL_RULE
    assert "until the member of staff leaves" in LOW_LEVEL_RULE
    # Closed long ago: still no date (6 years after closing could be before they leave).
    assert retention_decision(LOW, closed_on=date(2020, 1, 1)) is None
    # Once it is handled as an allegation (a date of allegation known), that rule decides.
    decision = retention_decision(LOW, allegation_date=date(2026, 1, 5))
    assert decision is not None and decision.review_on == date(2036, 1, 5)


def test_must_name_a_member_of_staff() -> None:
    staff = frozenset({Role.STAFF})
    assert missing_staff_subject("low-level-staff", [])
    assert missing_staff_subject("low-level-staff", [frozenset()])  # holds no role
    assert not missing_staff_subject("low-level-staff", [frozenset({Role.CHAIR})])  # volunteer
    assert not missing_staff_subject("low-level-staff", [staff])
    assert not missing_staff_subject("low-level-staff", [frozenset({Role.DSL})])
    assert not missing_staff_subject("low-level-staff", [frozenset({Role.HEADTEACHER})])
    assert not missing_staff_subject("low-level-staff", [frozenset({Role.CHAIR}), staff])
    assert not missing_staff_subject("cyberbullying-pupil", [])


def _concern(ref: str, day: int, *staff: str) -> LowLevelConcern:
    return LowLevelConcern(ref, datetime(2026, 11, day, 9, 0, tzinfo=LONDON), "s", "open", staff)


def test_patterns_group_by_member_of_staff_most_concerns_first() -> None:
    groups = patterns(
        [
            _concern("SL-3", 20, "Ann Teacher"),
            _concern("SL-1", 2, "Ann Teacher"),
            _concern("SL-2", 10, "Bob Coach"),
            _concern("SL-4", 25, "Cat Helper", "Ann Teacher"),
        ]
    )
    assert [(g.staff, g.count) for g in groups] == [
        ("Ann Teacher", 3),
        ("Cat Helper", 1),
        ("Bob Coach", 1),
    ]
    ann = groups[0]
    assert [c.reference for c in ann.concerns] == ["SL-1", "SL-3", "SL-4"]
    assert ann.first.day == 2 and ann.latest.day == 25 and ann.repeated
    assert not groups[2].repeated
    assert patterns([]) == []


def test_outcomes_are_not_those_of_an_allegation() -> None:
    choices = outcome_choices(LOW, about_staff=True)
    assert not any(isinstance(c, AllegationOutcome) for c in choices)
    assert choices == (
        CaseOutcome.RESOLVED_IN_SCHOOL,
        CaseOutcome.REFERRED_ON,
        CaseOutcome.NO_FURTHER_ACTION,
    )
