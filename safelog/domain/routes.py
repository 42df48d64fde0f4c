"""Escalation routes: who must be told, by when, and what reference to record.

Rules are data. `ROUTES` describes each route once (domain/route_table.py, re-exported
here); a category lists `RouteRule`s that say when that route applies to it and why (with
the policy it comes from); `routes_for` turns a category plus the facts of a concern into
what the user is shown.

Policy references name the seed policies by file number ("000 9.2" is section 9.2
of seed 000) or national law and guidance (KCSIE, UKCIS, Prevent duty guidance, UK GDPR).
A route has a usual deadline (`RouteInfo.deadline`); a rule whose policy sets another one
says so (`RouteRule.deadline`): the police are contacted "immediately" only for indecent
images of children (002 7.2.4), not for every concern that may reach them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from safelog.domain.deadline_rules import (
    IMMEDIATELY,
    NO_DEADLINE,
    SAME_DAY,
    DeadlineKind,
    DeadlineRule,
)
from safelog.domain.route_table import ROUTES, Route, RouteInfo, not_needed_title, route_info

if TYPE_CHECKING:
    from safelog.domain.category import Category

__all__ = [
    "BARRED_ON_HEAD_CASE",
    "GENERAL_RULES",
    "IMMEDIATELY",
    "NO_DEADLINE",
    "ROUTES",
    "SAME_DAY",
    "Condition",
    "DeadlineKind",
    "DeadlineRule",
    "Route",
    "RouteInfo",
    "RouteRule",
    "SuggestedRoute",
    "barred_routes",
    "format_refs",
    "not_needed_title",
    "route_info",
    "routes_for",
    "said_in_safelog",
]


def format_refs(refs: tuple[str, ...]) -> str:
    return "; ".join(refs)


class Condition(StrEnum):
    """When a route rule applies.

    Three conditions are facts SafeLog knows (who the concern is about, and whether a
    pupil is a victim in it) and are decided by `routes_for`. The others are judgements for
    the user: the route is still shown, with the condition, and the user decides. The values
    are stable: the CLI prints them (`case categories --json`).
    """

    ABOUT_STAFF = "about-staff"
    ABOUT_HEADTEACHER = "about-headteacher"
    PUPIL_VICTIM = "pupil-victim"
    CHILD_AT_RISK = "child-at-risk"
    SIGNIFICANT_HARM = "significant-harm"
    THREATENING_OR_HATE = "threatening-or-hate"
    ILLEGAL = "illegal"
    HARM_THRESHOLD = "harm-threshold"
    IMMEDIATE_RISK = "immediate-risk"
    UKCIS_REFERRAL = "ukcis-referral"
    OWN_IMAGES_ONLINE = "own-images-online"
    CONTENT_ONLINE = "content-online"
    ONLINE_SEXUAL_ABUSE = "online-sexual-abuse"
    CYBER_INCIDENT = "cyber-incident"

    @property
    def label(self) -> str:
        """Plain words that complete "Only if ..."."""
        return _CONDITION_LABELS[self]

    @property
    def decided_by_safelog(self) -> bool:
        return self in _FACTS


_FACTS = frozenset({Condition.ABOUT_STAFF, Condition.ABOUT_HEADTEACHER, Condition.PUPIL_VICTIM})

_CONDITION_LABELS: Mapping[Condition, str] = MappingProxyType(
    {
        Condition.ABOUT_STAFF: (
            "the concern is about a member of staff (or a volunteer, governor or contractor)"
        ),
        Condition.ABOUT_HEADTEACHER: "the concern is about the headteacher",
        Condition.PUPIL_VICTIM: "a pupil is a victim in the concern",
        Condition.CHILD_AT_RISK: "a child's safety may be at risk",
        Condition.SIGNIFICANT_HARM: "a child is suffering, or likely to suffer, significant harm",
        Condition.THREATENING_OR_HATE: (
            "the material is threatening, abusive, sexist, of a sexual nature or a hate crime"
        ),
        Condition.ILLEGAL: "there is a concern that illegal activity has taken place",
        Condition.HARM_THRESHOLD: (
            "the adult may have harmed a child, committed an offence against or related to "
            "a child, or behaved in a way that shows they may pose a risk to children"
        ),
        Condition.IMMEDIATE_RISK: "someone is at immediate risk of harm",
        Condition.UKCIS_REFERRAL: (
            "an adult is involved; there is coercion, blackmail or grooming; a child is "
            "under 13; the imagery is violent or unusual for the child's age; or a child "
            "is at immediate risk of harm"
        ),
        Condition.OWN_IMAGES_ONLINE: "a young person's own nude or semi-nude images are online",
        Condition.CONTENT_ONLINE: "the content is still online and breaks the site's rules",
        Condition.ONLINE_SEXUAL_ABUSE: (
            "a child may have been sexually abused, groomed, coerced or blackmailed online"
        ),
        Condition.CYBER_INCIDENT: (
            "it is a cyber incident (a hacked account, malware, a lost or stolen device)"
        ),
    }
)


@dataclass(frozen=True)
class RouteRule:
    """One route a category calls for, why, and when.

    `required` means the policy says it must happen (once every condition in `when`
    holds); otherwise the route is a suggestion for the user to consider. `deadline` is
    set where the rule's policy gives one other than the route's usual one.
    """

    route: Route
    required: bool
    reason: str
    policy_refs: tuple[str, ...]
    when: tuple[Condition, ...] = ()
    deadline: DeadlineRule | None = None

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("a route rule needs a reason")
        if not self.policy_refs:
            raise ValueError("a route rule needs the policy it comes from")

    @property
    def deadline_rule(self) -> DeadlineRule:
        """By when the route is due under this rule."""
        return self.deadline or ROUTES[self.route].deadline

    @property
    def explanation(self) -> str:
        return f"{self.reason} ({format_refs(self.policy_refs)})"


@dataclass(frozen=True)
class SuggestedRoute:
    """A route to show for one concern, with the reason and the policy behind it."""

    route: Route
    required: bool
    reason: str
    policy_refs: tuple[str, ...]
    # Judgements still to be made by the user; empty when the route applies outright.
    only_if: tuple[Condition, ...] = ()
    # By when, under the rule that suggested it; None: the route's usual deadline.
    deadline: DeadlineRule | None = None

    @property
    def info(self) -> RouteInfo:
        return ROUTES[self.route]

    @property
    def deadline_rule(self) -> DeadlineRule:
        return self.deadline or ROUTES[self.route].deadline

    @property
    def explanation(self) -> str:
        """The reason with its policy references, as shown to the user."""
        text = f"{self.reason} ({format_refs(self.policy_refs)})"
        if self.only_if:
            text += " Only if " + ", and ".join(c.label for c in self.only_if) + "."
        return text

    @property
    def _strength(self) -> tuple[bool, bool]:
        return (self.required, not self.only_if)


# -- rules for every category ------------------------------------------------------------

# 004 9.2; 001 5(iii); 002 8.1. "Staff" is everyone the policies apply to: supply staff,
# governors, contractors and volunteers too (000 2.1; 004 2.1).
_STAFF_TO_HEADTEACHER = RouteRule(
    Route.HEADTEACHER,
    required=True,
    reason="Concerns about a member of staff's conduct are reported to the headteacher",
    policy_refs=("004 9.2", "001 5(iii)", "002 8.1"),
    when=(Condition.ABOUT_STAFF,),
)

_HEADTEACHER_TO_CHAIR = RouteRule(
    Route.CHAIR_OF_GOVERNORS,
    required=True,
    reason=(
        "The concern is about the headteacher, so it goes to the chair of governors "
        "(in a trust, also the CEO) instead of the headteacher, who must not see it"
    ),
    policy_refs=("001 5(ii)", "001 5(iii)", "002 8.1", "004 9.2"),
    when=(Condition.ABOUT_HEADTEACHER,),
)


# KCSIE Part 4: an allegation that an adult working with children harmed a child, or may
# pose a risk to children, goes to the LADO when it meets the harm threshold, whatever kind
# of concern it was logged as. So a concern about a member of staff with a pupil as victim
# is offered the LADO in every category; the category's own LADO rule wins where it is
# stronger. Whether the threshold is met stays the user's judgement.
_STAFF_HARMED_PUPIL_TO_LADO = RouteRule(
    Route.LADO,
    required=False,
    reason=(
        "A pupil is a victim in a concern about a member of staff: an allegation that meets "
        "the harm threshold is referred to the LADO within one working day"
    ),
    policy_refs=("KCSIE Part 4", "004 2.3"),
    when=(Condition.ABOUT_STAFF, Condition.PUPIL_VICTIM, Condition.HARM_THRESHOLD),
)

# The rules that apply in every category, after its own (`case categories --json` lists them
# with each category's).
GENERAL_RULES: tuple[RouteRule, ...] = (
    _HEADTEACHER_TO_CHAIR,
    _STAFF_TO_HEADTEACHER,
    _STAFF_HARMED_PUPIL_TO_LADO,
)


def routes_for(
    category: Category,
    *,
    about_headteacher: bool,
    about_staff: bool,
    pupil_victim: bool = False,
) -> list[SuggestedRoute]:
    """The routes to show for a concern in `category`, required ones first.

    A concern about the headteacher is a concern about staff, and goes to the chair of
    governors: the headteacher route is never returned for it. A concern about staff
    goes to the headteacher; the category's rules add the LADO where an allegation of
    harm to a child is in scope, and any concern about staff with a pupil as a victim
    (`pupil_victim`) is offered the LADO too. A category that is itself an allegation
    against staff, or a low-level concern about staff, counts as being about staff.
    (Whether a case is about staff is decided from its fields by
    `safelog.domain.outcomes.concern_about_staff`.)
    """
    about_staff = (
        about_staff or about_headteacher or category.allegation_against_staff or category.low_level
    )
    facts = {
        Condition.ABOUT_STAFF: about_staff,
        Condition.ABOUT_HEADTEACHER: about_headteacher,
        Condition.PUPIL_VICTIM: pupil_victim,
    }

    chosen: dict[Route, tuple[int, SuggestedRoute]] = {}

    def offer(position: int, suggestion: SuggestedRoute) -> None:
        current = chosen.get(suggestion.route)
        if current is None:
            chosen[suggestion.route] = (position, suggestion)
        elif suggestion._strength > current[1]._strength:
            chosen[suggestion.route] = (current[0], suggestion)

    # The category's own rules first, so that its reason is kept unless it is weaker; the
    # rules about staff lead the list (position -1) when they add a route.
    ordered_rules = [
        *enumerate(category.routes),
        (len(category.routes), _STAFF_HARMED_PUPIL_TO_LADO),
        (-1, _HEADTEACHER_TO_CHAIR),
        (-1, _STAFF_TO_HEADTEACHER),
    ]
    for position, rule in ordered_rules:
        if not all(facts[c] for c in rule.when if c.decided_by_safelog):
            continue
        only_if = tuple(c for c in rule.when if not c.decided_by_safelog)
        if rule.route is Route.HEADTEACHER and about_headteacher:
            offer(
                position,
                SuggestedRoute(
                    route=Route.CHAIR_OF_GOVERNORS,
                    required=rule.required,
                    reason=_HEADTEACHER_TO_CHAIR.reason,
                    policy_refs=_HEADTEACHER_TO_CHAIR.policy_refs,
                    only_if=only_if,
                    deadline=rule.deadline,
                ),
            )
            continue
        offer(
            position,
            SuggestedRoute(
                route=rule.route,
                required=rule.required,
                reason=rule.reason,
                policy_refs=rule.policy_refs,
                only_if=only_if,
                deadline=rule.deadline,
            ),
        )

    ordered = sorted(
        chosen.values(),
        key=lambda item: (not item[1].required, bool(item[1].only_if), item[0]),
    )
    return [suggestion for _, suggestion in ordered]


def barred_routes(*, about_headteacher: bool) -> frozenset[Route]:
    """Routes that must not be recorded on a case: those that would tell someone the case is
    hidden from. On a concern about the headteacher that is the headteacher route.

    Recording "told the headteacher" there would be false (SafeLog's keys keep the
    headteacher out, so they cannot have been told "in SafeLog") and would record a
    tip-off of the subject of an allegation as if it were an escalation, which KCSIE Part 4
    warns against: the chair of governors manages the allegation and consults the LADO
    before the headteacher is told anything. Telling the headteacher, when the chair decides
    to after that, is a decision with its reason (or a chronology entry), not a route."""
    if not about_headteacher:
        return frozenset()
    hidden = ROUTES[Route.CHAIR_OF_GOVERNORS].hidden_from
    return frozenset(r for r, info in ROUTES.items() if info.informs_role in hidden)


BARRED_ON_HEAD_CASE = (
    "This concern is about the headteacher, so telling the headteacher is not an escalation "
    "route: the chair of governors handles it, and the headteacher cannot read this case in "
    "SafeLog. Do not tell the headteacher before the LADO has been consulted (KCSIE Part 4). "
    "If the headteacher is later told about the allegation, record that as a decision, with "
    "the reason and the LADO's advice."
)


def said_in_safelog(route: Route, *, about_headteacher: bool) -> bool:
    """Can "told in SafeLog" be true on this route? Only for a route that brings a SafeLog
    role into the case, and not one the case is hidden from: the police or the LADO are
    never told "in SafeLog", and neither is the headteacher on a case about them."""
    info = ROUTES[route]
    return info.informs_role is not None and route not in barred_routes(
        about_headteacher=about_headteacher
    )
