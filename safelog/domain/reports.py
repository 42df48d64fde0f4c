"""The termly safeguarding report for governors and the inspection pack, as pure aggregation.

The vault reads the cases a person's keys open and hands them here as `ReportCase`s (plain
data, already verified); nothing here reads the clock or a file.

Choices:
- A concern counts in the period when it was raised in it (London dates, both ends
  included). An escalation counts when it was made in it (its "done at" date), whichever
  case it is on: a referral made this term on a concern raised last term is this term's.
- Deadlines: an escalation made with a due time met its deadline when it was made by then;
  a route the rules required, still not made (nor recorded as not needed) after its due
  time, is counted as outstanding past its deadline at the end of the period. Routes with no
  deadline (the police, Prevent, as a rule) are counted as made, neither met nor missed.
- Concerns about the headteacher are counted only in the chair's copy (and the trust CEO's,
  who is told of them with the chair: 004 9.2). The DSL's copy leaves them out even though
  the DSL's key opens them, because that copy goes to the whole governing body, the
  headteacher included; the headteacher's keys never open them. No copy says how many it
  left out: a count is itself a disclosure.
- Nothing in the governors' report names a person or a case: figures by category, route,
  outcome and month only. Small numbers are still counts.
- The inspection pack lists referrals to children's social care, the LADO, the police and
  Prevent, with SafeLog's case reference, the external reference, the outcome, and each
  pupil as initials and year group (from the roll; initials only for a pupil not on it).
  The same rule keeps referrals on concerns about the headteacher to the chair's copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from safelog.domain.deadlines import LONDON
from safelog.domain.roles import ROLE_LABELS, Role
from safelog.domain.routes import ROUTES, Route

__all__ = [
    "HEAD_CASES_NOTE",
    "REFERRAL_ROUTES",
    "REPORT_RUNNERS",
    "GovernorsFigures",
    "ReferralRow",
    "ReportCase",
    "ReportCopy",
    "ReportEscalation",
    "ReportPupil",
    "RouteFigures",
    "check_period",
    "default_period",
    "governors_figures",
    "initials",
    "inspection_rows",
    "month_starts",
    "report_copy",
    "route_title",
    "term_start",
]

# Who may make either report: those who manage cases. Staff report; an admin reads nothing.
REPORT_RUNNERS = frozenset({Role.DSL, Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO})

# The referrals an inspector asks for, in the order the pack lists them.
REFERRAL_ROUTES: tuple[Route, ...] = (Route.SOCIAL_CARE, Route.LADO, Route.POLICE, Route.PREVENT)

# Routes to outside bodies and SafeLog roles alike; the governors' report lists every route
# the domain has, referrals first.
_ROUTE_ORDER: tuple[Route, ...] = (
    *REFERRAL_ROUTES,
    *(r for r in Route if r not in REFERRAL_ROUTES),
)

NO_OUTCOME = "No outcome recorded yet"

HEAD_CASES_NOTE = (
    "Concerns about the headteacher are not counted in this copy; only the chair of "
    "governors' copy counts them."
)
HEAD_CASES_COUNTED = (
    "This copy counts concerns about the headteacher: keep it from the headteacher."
)


@dataclass(frozen=True)
class ReportCopy:
    """Whose copy a report is, and whether it counts concerns about the headteacher."""

    label: str  # "Copy for the chair of governors"
    role: Role
    counts_head_cases: bool

    @property
    def head_note(self) -> str:
        return HEAD_CASES_COUNTED if self.counts_head_cases else HEAD_CASES_NOTE


def report_copy(roles: Iterable[Role]) -> ReportCopy:
    """The copy a person with `roles` makes: the chair's (or the trust CEO's) counts concerns
    about the headteacher; the DSL's and the headteacher's do not. Someone who is both DSL
    and chair makes the chair's copy. Raises PermissionError for anyone else."""
    held = frozenset(roles)
    for role in (Role.CHAIR, Role.TRUST_CEO, Role.DSL, Role.HEADTEACHER):
        if role in held:
            counts = role in (Role.CHAIR, Role.TRUST_CEO)
            return ReportCopy(f"Copy for the {ROLE_LABELS[role].lower()}", role, counts)
    raise PermissionError(
        "Reports for governors and inspectors are for the DSL, the headteacher and the "
        "chair of governors."
    )


def term_start(today: date) -> date:
    """The first day of the school term `today` is in, as a report counts terms: autumn from
    1 September, spring from 1 January, summer from 1 April (the Easter break moves; the
    report's dates can be changed)."""
    if today.month >= 9:
        return date(today.year, 9, 1)
    if today.month >= 4:
        return date(today.year, 4, 1)
    return date(today.year, 1, 1)


def default_period(governors: bool, today: date) -> tuple[date, date]:
    """This term for the governors' report; the last twelve months for the inspection pack
    (Ofsted asks about the time since the last inspection; a year is where to start)."""
    if governors:
        return term_start(today), today
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


def check_period(start: date, end: date) -> None:
    """A period runs forwards: ValueError in plain words otherwise."""
    if start > end:
        raise ValueError(
            f"The report's start ({start.isoformat()}) is after its end ({end.isoformat()}); "
            "give the earlier date first."
        )


@dataclass(frozen=True)
class ReportEscalation:
    """One route on a case, as recorded (or required and not yet recorded)."""

    route: str  # a Route value
    required: bool
    due: datetime | None
    done_at: datetime | None
    not_needed: bool = False
    reference: str = ""  # the external reference recorded with it (crime number, ...)

    @property
    def made(self) -> bool:
        return self.done_at is not None and not self.not_needed


@dataclass(frozen=True)
class ReportPupil:
    """A pupil named in a case: their initials and year group, never their name."""

    initials: str
    year: str = ""  # "8", "R"; "" when not on the roll

    @property
    def shown(self) -> str:
        return f"{self.initials} (Year {self.year})" if self.year else self.initials


@dataclass(frozen=True)
class ReportCase:
    reference: str
    category: str  # the category's title
    raised_at: datetime
    about_headteacher: bool
    outcome: str  # its label, or "" when none is recorded
    escalations: tuple[ReportEscalation, ...] = ()
    pupils: tuple[ReportPupil, ...] = ()


def _day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _within(moment: datetime | None, start: date, end: date) -> bool:
    return moment is not None and start <= _day(moment) <= end


def _counted(cases: Iterable[ReportCase], copy: ReportCopy) -> list[ReportCase]:
    return [c for c in cases if copy.counts_head_cases or not c.about_headteacher]


def route_title(route: str) -> str:
    try:
        return ROUTES[Route(route)].title
    except ValueError:  # a route from a newer SafeLog: shown by its code
        return route


@dataclass
class RouteFigures:
    route: str
    title: str
    made: int = 0
    met: int = 0  # made by the due time
    missed: int = 0  # made after the due time
    no_deadline: int = 0  # made, with no due time to meet
    outstanding: int = 0  # required, not made, past its due time at the end of the period


@dataclass
class GovernorsFigures:
    start: date
    end: date
    copy: ReportCopy
    concerns: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)  # most first
    routes: list[RouteFigures] = field(default_factory=list)  # routes with anything to show
    outcomes: list[tuple[str, int]] = field(default_factory=list)  # most first
    months: list[date] = field(default_factory=list)  # the first day of each of 12 months
    concerns_by_month: list[int] = field(default_factory=list)
    referrals_by_month: list[int] = field(default_factory=list)  # the four outside routes

    @property
    def escalations_made(self) -> int:
        return sum(r.made for r in self.routes)

    @property
    def deadlines_met(self) -> int:
        return sum(r.met for r in self.routes)

    @property
    def made_late(self) -> int:
        return sum(r.missed for r in self.routes)

    @property
    def outstanding(self) -> int:
        """Required routes not made by the deadline that fell in the period."""
        return sum(r.outstanding for r in self.routes)

    @property
    def no_deadline(self) -> int:
        return sum(r.no_deadline for r in self.routes)

    @property
    def deadlines_missed(self) -> int:
        return self.made_late + self.outstanding

    @property
    def in_words(self) -> str:
        """The deadlines in one sentence, as every face of the report says them."""
        return (
            f"{self.escalations_made} escalation(s) made: {self.deadlines_met} within their "
            f"deadline, {self.made_late} late, {self.no_deadline} with no deadline; "
            f"{self.outstanding} required escalation(s) not made by their deadline."
        )


def month_starts(end: date, count: int = 12) -> list[date]:
    """The first days of the `count` months ending with `end`'s month, oldest first."""
    year, month = end.year, end.month
    out = []
    for _ in range(count):
        out.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


def _month_index(months: Sequence[date], moment: datetime) -> int | None:
    day = _day(moment)
    key = date(day.year, day.month, 1)
    try:
        return months.index(key)
    except ValueError:
        return None


def _by_count(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def governors_figures(
    cases: Iterable[ReportCase], start: date, end: date, copy: ReportCopy
) -> GovernorsFigures:
    """Everything the governors' report prints, for the period `start`..`end` (module
    docstring: what counts where)."""
    check_period(start, end)
    counted = _counted(cases, copy)
    figures = GovernorsFigures(start, end, copy)
    raised = [c for c in counted if _within(c.raised_at, start, end)]
    figures.concerns = len(raised)
    figures.by_category = _by_count(Counter(c.category for c in raised))
    figures.outcomes = _by_count(Counter(c.outcome or NO_OUTCOME for c in raised))

    routes = {r.value: RouteFigures(r.value, ROUTES[r].title) for r in _ROUTE_ORDER}
    for case in counted:
        for item in case.escalations:
            title = route_title(item.route)
            figure = routes.setdefault(item.route, RouteFigures(item.route, title))
            if item.made and _within(item.done_at, start, end):
                assert item.done_at is not None
                figure.made += 1
                if item.due is None:
                    figure.no_deadline += 1
                elif item.done_at <= item.due:
                    figure.met += 1
                else:
                    figure.missed += 1
            elif _outstanding(item, start, end):
                figure.outstanding += 1
    # The four referral routes always, so "no LADO referral" reads as 0; others when used.
    referrals = {r.value for r in REFERRAL_ROUTES}
    figures.routes = [r for r in routes.values() if r.made or r.outstanding or r.route in referrals]

    figures.months = month_starts(end)
    figures.concerns_by_month = [0] * len(figures.months)
    figures.referrals_by_month = [0] * len(figures.months)
    outside = {r.value for r in REFERRAL_ROUTES}
    for case in counted:
        if _day(case.raised_at) <= end:
            index = _month_index(figures.months, case.raised_at)
            if index is not None:
                figures.concerns_by_month[index] += 1
        for item in case.escalations:
            made = item.done_at if item.made and item.route in outside else None
            if made is not None and _day(made) <= end:
                index = _month_index(figures.months, made)
                if index is not None:
                    figures.referrals_by_month[index] += 1
    return figures


def _outstanding(item: ReportEscalation, start: date, end: date) -> bool:
    """A required route that fell due in the period and was not made by its end (made
    later, or not at all)."""
    if not item.required or item.not_needed or not _within(item.due, start, end):
        return False
    return item.done_at is None or _day(item.done_at) > end


def initials(name: str) -> str:
    """'J.S.' for 'Jess Smith': the first letter of each part of the name."""
    letters = [part[0].upper() for part in name.replace("-", " ").split() if part[0].isalnum()]
    return "".join(f"{letter}." for letter in letters)


@dataclass(frozen=True)
class ReferralRow:
    route: str  # a Route value
    route_title: str
    made_at: datetime
    external_reference: str
    case_reference: str
    category: str
    outcome: str
    pupils: tuple[ReportPupil, ...]

    @property
    def pupils_shown(self) -> str:
        return ", ".join(p.shown for p in self.pupils)


def inspection_rows(
    cases: Iterable[ReportCase], start: date, end: date, copy: ReportCopy
) -> list[ReferralRow]:
    """Every referral to children's social care, the LADO, the police and Prevent made in
    `start`..`end`, by route (in REFERRAL_ROUTES order), then by when it was made. Referrals
    on concerns about the headteacher only in the chair's copy, as in the governors' report:
    a pack the DSL hands over while the headteacher hosts the inspection must not tell the
    head of a LADO referral about them (KCSIE Part 4); the chair gives inspectors their own."""
    check_period(start, end)
    rows = []
    for case in _counted(cases, copy):
        for item in case.escalations:
            if item.route not in {r.value for r in REFERRAL_ROUTES} or not item.made:
                continue
            if not _within(item.done_at, start, end):
                continue
            assert item.done_at is not None
            rows.append(
                ReferralRow(
                    route=item.route,
                    route_title=route_title(item.route),
                    made_at=item.done_at,
                    external_reference=item.reference,
                    case_reference=case.reference,
                    category=case.category,
                    outcome=case.outcome or NO_OUTCOME,
                    pupils=case.pupils,
                )
            )
    order = {r.value: i for i, r in enumerate(REFERRAL_ROUTES)}
    rows.sort(key=lambda r: (order[r.route], r.made_at, r.case_reference))
    return rows
