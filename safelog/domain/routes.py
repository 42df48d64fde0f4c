"""Escalation routes: who must be told, by when, and what reference to record.

Rules are data. `ROUTES` describes each route once; a category lists `RouteRule`s
that say when that route applies to it and why (with the policy it comes from);
`routes_for` turns a category plus the facts of a concern into what the user is shown.

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
from safelog.domain.roles import Role

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


class Route(StrEnum):
    """An escalation route. The values are stable: they are stored and used by the CLI."""

    HEADTEACHER = "headteacher"
    CHAIR_OF_GOVERNORS = "chair-of-governors"
    DSL = "dsl"
    POLICE = "police"
    LADO = "lado"
    PREVENT = "prevent"
    SOCIAL_CARE = "social-care"
    PLATFORM_REPORT = "platform-report"
    REPORT_REMOVE = "report-remove"
    CEOP = "ceop"
    DPO = "dpo"
    # The decision whether to report a personal data breach to the ICO: "done" is reported
    # (with the ICO's reference), "not needed" is the decision not to, with the reason.
    ICO = "ico"
    IT_FILTERING = "it-filtering"


def format_refs(refs: tuple[str, ...]) -> str:
    return "; ".join(refs)


@dataclass(frozen=True)
class RouteInfo:
    """What a route is: shown to the user and used to set its deadline."""

    route: Route
    title: str
    who_is_told: str
    deadline: DeadlineRule
    # Label of the reference to record once the route is used; None when the record is
    # only who was told and when.
    reference_label: str | None
    policy_refs: tuple[str, ...]
    note: str = ""
    # The SafeLog role this route brings into the case (None for outside bodies).
    informs_role: Role | None = None
    # Roles that must never be able to read a case sent down this route.
    hidden_from: frozenset[Role] = frozenset()
    # What a "not needed" record on this route is, as the user is asked for it and as it is
    # shown: for the police and the ICO it is a decision, recorded with its reasons.
    not_needed_label: str = "Why this route is not needed"
    # What the reasons should say, where a policy says (the police: 004 9.4).
    not_needed_hint: str = ""
    # How a "not needed" record is shown, before its reasons.
    not_needed_title: str = "Not needed"

    @property
    def record(self) -> str:
        """What the user records when this route is used."""
        if self.reference_label is None:
            return "Who was told and when"
        return f"Who was told and when; {self.reference_label}"


# 004 9.4: "The Trust will avoid unnecessarily criminalising pupils ... The DSL will decide
# in which cases this response is appropriate."
POLICE_NOT_NEEDED_HINT = (
    "For a pupil, the DSL may decide not to involve the police where the behaviour is thought "
    "to be inadvertent, from ignorance or normal developmental curiosity (for example a pupil "
    "who took and shared an image of themselves), so as not to criminalise them "
    "unnecessarily. Record that decision, who made it, and why (004 9.4)."
)

_ROUTE_INFO: tuple[RouteInfo, ...] = (
    RouteInfo(
        route=Route.HEADTEACHER,
        title="Headteacher",
        who_is_told="The headteacher (or head of school)",
        deadline=IMMEDIATELY,
        reference_label=None,
        policy_refs=("000 6.24", "001 5(ii)", "002 8.1", "003 2.2", "004 5", "004 9.2"),
        informs_role=Role.HEADTEACHER,
    ),
    RouteInfo(
        route=Route.CHAIR_OF_GOVERNORS,
        title="Chair of governors",
        who_is_told="The chair of governors (in a trust, the chair of local governors and the CEO)",
        deadline=IMMEDIATELY,
        reference_label=None,
        policy_refs=("001 5(ii)", "001 5(iii)", "002 8.1", "004 9.2"),
        note="Used when the concern is about the headteacher: the headteacher must not see it.",
        informs_role=Role.CHAIR,
        hidden_from=frozenset({Role.HEADTEACHER}),
    ),
    RouteInfo(
        route=Route.DSL,
        title="Designated safeguarding lead",
        who_is_told="The designated safeguarding lead (or a deputy)",
        deadline=IMMEDIATELY,
        reference_label=None,
        policy_refs=("002 8.1", "004 9.3"),
        informs_role=Role.DSL,
    ),
    # No usual deadline: 004 9.4 and 003 8.8 set none. Only indecent images of children
    # have the police contacted "immediately" (002 7.2.4): those rules say so themselves.
    RouteInfo(
        route=Route.POLICE,
        title="Police",
        who_is_told="The police: 999 if anyone is in immediate danger, otherwise 101",
        deadline=NO_DEADLINE,
        reference_label="Crime reference number",
        policy_refs=("003 8.8", "004 9.4"),
        not_needed_label="Why the police are not involved (the decision and its reasons)",
        not_needed_hint=POLICE_NOT_NEEDED_HINT,
        not_needed_title="Decided not to involve the police",
    ),
    RouteInfo(
        route=Route.LADO,
        title="LADO",
        who_is_told="The local authority designated officer (LADO)",
        deadline=DeadlineRule(DeadlineKind.WORKING_DAYS, working_days=1),
        reference_label="LADO reference",
        policy_refs=("KCSIE Part 4", "004 2.3"),
        note="Record the LADO's advice and, at the end, the outcome of the allegation.",
    ),
    RouteInfo(
        route=Route.PREVENT,
        title="Prevent referral",
        who_is_told="The local authority Prevent team (Channel)",
        deadline=NO_DEADLINE,
        reference_label="Prevent referral reference",
        policy_refs=("000 10.1", "Prevent duty guidance"),
        note="Ring 999 if there is an immediate risk of harm.",
    ),
    RouteInfo(
        route=Route.SOCIAL_CARE,
        title="Children's social care",
        who_is_told="Children's social care, through the local MASH (front door)",
        deadline=SAME_DAY,
        reference_label="MASH reference",
        policy_refs=("KCSIE Part 1",),
        note="Out of hours, ring the local authority's emergency duty team or 999.",
    ),
    RouteInfo(
        route=Route.PLATFORM_REPORT,
        title="Report to the platform",
        who_is_told="The platform or service provider, through its reporting tool",
        deadline=NO_DEADLINE,
        reference_label="Platform report id",
        policy_refs=("002 App. 2",),
        note="Record what the platform did with the report.",
    ),
    RouteInfo(
        route=Route.REPORT_REMOVE,
        title="Report Remove (Childline and IWF)",
        who_is_told="Childline and the Internet Watch Foundation, through Report Remove",
        deadline=NO_DEADLINE,
        reference_label="Report Remove reference",
        policy_refs=("UKCIS",),
        note="The young person makes the report themselves; staff can help them do it.",
    ),
    # The seed policies do not name CEOP; it is offered as an optional route where a child
    # may have been sexually abused or groomed online, never instead of the police or
    # children's social care.
    RouteInfo(
        route=Route.CEOP,
        title="CEOP (National Crime Agency)",
        who_is_told=(
            "The National Crime Agency's CEOP Safety Centre (Child Exploitation and Online "
            "Protection), through its online report form"
        ),
        deadline=NO_DEADLINE,
        reference_label="CEOP report reference",
        policy_refs=("UKCIS",),
        note=(
            "Optional: the school's policies do not require it. It does not replace the "
            "police or children's social care; ring 999 if a child is in immediate danger."
        ),
    ),
    # 003 2.1: the headteacher works alongside the DPO; breaches follow the school's breach
    # procedure (003 4.16) or the trust's breach management plan (004 7.10).
    RouteInfo(
        route=Route.DPO,
        title="Data protection officer",
        who_is_told="The school's (or trust's) data protection officer (DPO)",
        deadline=IMMEDIATELY,
        reference_label="Breach log reference",
        policy_refs=("003 2.1", "003 4.16", "004 7.10", "UK GDPR Art. 38"),
        note="The DPO leads the breach procedure and advises on telling the ICO.",
    ),
    # UK GDPR Art. 33: a breach is reported to the ICO within 72 hours of the school becoming
    # aware of it, unless it is unlikely to result in a risk to people's rights and freedoms;
    # every breach, reported or not, is documented with the decision (Art. 33(5)).
    RouteInfo(
        route=Route.ICO,
        title="ICO decision",
        who_is_told=(
            "The Information Commissioner's Office (ICO), if the breach is likely to result "
            "in a risk to people's rights and freedoms"
        ),
        deadline=DeadlineRule(DeadlineKind.HOURS, hours=72),
        reference_label="ICO case reference",
        policy_refs=("UK GDPR Art. 33",),
        note=(
            "Record the decision either way, within 72 hours of the breach being discovered: "
            "reported to the ICO (with its reference), or not reported, with the reasons."
        ),
        not_needed_label="Why the breach is not reported to the ICO (the decision and its reasons)",
        not_needed_title="Decided not to report it to the ICO",
        not_needed_hint=(
            "A breach need not be reported when it is unlikely to result in a risk to "
            "anyone's rights and freedoms: say why, and whether the DPO agreed "
            "(UK GDPR Art. 33)."
        ),
    ),
    RouteInfo(
        route=Route.IT_FILTERING,
        title="IT technician or filtering provider",
        who_is_told=(
            "The school's IT technician, or the IT or filtering provider where the school "
            "buys its services, so that the site is blocked"
        ),
        deadline=IMMEDIATELY,
        reference_label="IT ticket or block reference",
        policy_refs=("004 8.1.9", "004 10.4", "002 4.3"),
        note="Record the site or address reported and when it was blocked.",
    ),
)

ROUTES: Mapping[Route, RouteInfo] = MappingProxyType({i.route: i for i in _ROUTE_INFO})


def route_info(route: Route) -> RouteInfo:
    return ROUTES[route]


def not_needed_title(route: str) -> str:
    """How a "not needed" record on `route` (a stored value) is shown before its reasons:
    for the police and the ICO, as the decision it is."""
    try:
        return ROUTES[Route(route)].not_needed_title
    except ValueError:
        return "Not needed"


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
