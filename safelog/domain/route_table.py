"""What each escalation route is: who is told, by when as a rule, what reference is recorded,
which SafeLog role it brings in, and how a "not needed" record on it is asked for and shown.
One entry per route, with the policy it comes from; domain/routes.py says which categories call
for which route, and re-exports all of this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from safelog.domain.deadline_rules import (
    IMMEDIATELY,
    NO_DEADLINE,
    SAME_DAY,
    DeadlineKind,
    DeadlineRule,
)
from safelog.domain.roles import Role

__all__ = ["ROUTES", "Route", "RouteInfo", "not_needed_title", "route_info"]


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
