"""Notes for a case's history when a deadline passes.

"The LADO referral deadline (within 1 working day) passed on Tue 24 Nov 18:00 without it
being recorded as done." Each note is worked out from the signed record (when the concern
was raised, what each escalation route and action records) and the time now; none is stored.

Why derived rather than written as signed versions: a derived note is exact and cannot be
forgotten (it appears even if no DSL signs in on the day the deadline passes), and writing
signed versions as a side effect of someone viewing a case would race between users and
sign entries nobody wrote. The notes are shown apart from the signed versions, as SafeLog's.

Which deadlines count is what the inbox counts (safelog/vault/escalations.py `next_due`): each
required route with a deadline that is neither done nor marked not needed, and each action
with a due date; an action falls due at the end of its day. A deadline that falls after the
case was closed gets no note.

"Immediately" is due the moment the concern was raised; the inbox shows it as due today and
counts it overdue only after that working day (domain/deadlines.py). The history likewise
notes it only when it was still open at the end of that working day (the "same day" rule):
a note for every headteacher told ten minutes after a report would bury the notes that
matter, and would say nothing the signed versions do not.

Lateness is counted in minutes or hours up to a day, then in working days (England and Wales
bank holidays, as for the deadlines themselves); being under a minute late is on time.
Nothing here reads the clock: `now` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from safelog.domain.deadline_rules import rule_from_view
from safelog.domain.deadlines import LONDON, due_by_rule, is_working_day
from safelog.domain.routes import ROUTES, DeadlineKind, DeadlineRule, Route

__all__ = [
    "ACTION_DAY_ENDS",
    "Deadline",
    "DeadlineNote",
    "action_deadlines",
    "case_deadlines",
    "deadline_notes",
    "describe_lateness",
    "route_deadlines",
    "working_days_between",
]

# An action is due by the end of its day (as the case list and inbox count it).
ACTION_DAY_ENDS = time(23, 59)
ON_TIME_GRACE = timedelta(minutes=1)
_SAME_DAY = DeadlineRule(DeadlineKind.SAME_DAY)
_LONGEST_ACTION_TEXT = 80

# Completes "<...> passed on ...".
_ROUTE_SUBJECTS: Mapping[Route, str] = {
    Route.HEADTEACHER: "The deadline to tell the headteacher",
    Route.CHAIR_OF_GOVERNORS: "The deadline to tell the chair of governors",
    Route.DSL: "The deadline to tell the designated safeguarding lead",
    Route.POLICE: "The deadline to tell the police",
    Route.LADO: "The LADO referral deadline",
    Route.PREVENT: "The Prevent referral deadline",
    Route.SOCIAL_CARE: "The children's social care referral deadline",
    Route.PLATFORM_REPORT: "The deadline to report it to the platform",
    Route.REPORT_REMOVE: "The Report Remove deadline",
    Route.CEOP: "The deadline to report it to CEOP",
    Route.DPO: "The deadline to tell the data protection officer",
    Route.ICO: "The deadline to decide whether to report the breach to the ICO",
    Route.IT_FILTERING: "The deadline to tell the IT technician or filtering provider",
}


@dataclass(frozen=True)
class Deadline:
    """One deadline of a case and what the record says about it."""

    subject: str  # completes "<subject> passed on ...", e.g. "The LADO referral deadline"
    due: datetime  # timezone-aware
    done_at: datetime | None = None
    not_needed: bool = False
    whole_day: bool = False  # due by the end of a day (an action): shown as a date
    # When being late starts to be noted, if later than `due` ("immediately": the end of
    # that working day). Lateness is still counted from `due`.
    noted_after: datetime | None = None

    def __post_init__(self) -> None:
        for value, name in (
            (self.due, "due"),
            (self.done_at, "done_at"),
            (self.noted_after, "noted_after"),
        ):
            if value is not None and (value.tzinfo is None or value.utcoffset() is None):
                raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True)
class DeadlineNote:
    """A note SafeLog adds to the history: never a signed entry by a person."""

    at: datetime  # the moment the deadline passed
    text: str
    done_late: bool  # False: still not recorded as done (at the time of the note)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start`, up to and including `end` (0 if `end` is not later)."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def describe_lateness(due: datetime, done_at: datetime) -> str | None:
    """How long after `due` it was done, in plain words; None when on time."""
    late = done_at - due
    if late < ON_TIME_GRACE:
        return None
    if late < timedelta(hours=1):
        return _plural(int(late.total_seconds() // 60), "minute")
    hours = int(late.total_seconds() // 3600)
    if late >= timedelta(hours=24):
        days = working_days_between(
            due.astimezone(LONDON).date(), done_at.astimezone(LONDON).date()
        )
        if days:
            return _plural(days, "working day")
    return _plural(hours, "hour")


def _when(moment: datetime, now: datetime, *, whole_day: bool) -> str:
    local = moment.astimezone(LONDON)
    day = f"{local:%a} {local.day} {local:%b}"
    if local.year != now.astimezone(LONDON).year:
        day += f" {local.year}"
    return f"at the end of {day}" if whole_day else f"on {day} {local:%H:%M}"


def deadline_notes(
    deadlines: Iterable[Deadline], now: datetime, *, closed_at: datetime | None = None
) -> list[DeadlineNote]:
    """The notes for every deadline that has passed by `now`, oldest first.

    One per deadline that passed while still open: "passed ... without it being recorded as
    done" while it stays so, or "...; it was recorded as done N hours after its deadline"
    once it was done late. Nothing for a deadline met, marked not needed, not yet passed, or
    falling after `closed_at` (the case was closed by then).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    notes = []
    for deadline in deadlines:
        due = deadline.due
        noted_after = max(due, deadline.noted_after or due)
        if deadline.not_needed or now <= noted_after:
            continue
        if closed_at is not None and noted_after >= closed_at and deadline.done_at is None:
            continue
        passed = f"{deadline.subject} passed {_when(due, now, whole_day=deadline.whole_day)}"
        done_at = deadline.done_at
        if done_at is not None and done_at <= now:
            late = describe_lateness(due, done_at)
            if late is None or done_at <= noted_after:
                continue
            notes.append(
                DeadlineNote(
                    due, f"{passed}; it was recorded as done {late} after its deadline.", True
                )
            )
        else:
            text = f"{passed} without it being recorded as done."
            notes.append(DeadlineNote(due, text, False))
    notes.sort(key=lambda n: n.at)
    return notes


def _time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _rule_of(item: Mapping[str, Any], route: Route) -> DeadlineRule:
    """The deadline of the rule that suggested the route (the entry's `deadline`), else the
    route's usual one."""
    return rule_from_view(item.get("deadline")) or ROUTES[route].deadline


def route_deadlines(escalations: Iterable[Mapping[str, Any]]) -> list[Deadline]:
    """The deadlines of the escalation routes, from the entries of
    `safelog.vault.escalations.escalations_from` (required routes with a deadline)."""
    out = []
    for item in escalations:
        due = _time(item.get("due"))
        if not item.get("required") or due is None:
            continue
        try:
            route = Route(item.get("route", ""))
        except ValueError:
            continue
        rule = _rule_of(item, route)
        immediate = rule.kind is DeadlineKind.IMMEDIATELY
        out.append(
            Deadline(
                f"{_ROUTE_SUBJECTS[route]} ({rule.describe()})",
                due,
                done_at=_time(item.get("done_at")),
                not_needed=bool(item.get("not_needed")),
                noted_after=due_by_rule(_SAME_DAY, due) if immediate else None,
            )
        )
    return out


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _LONGEST_ACTION_TEXT:
        text = text[: _LONGEST_ACTION_TEXT - 1].rstrip() + "…"
    return text


def action_deadlines(actions: Iterable[Mapping[str, Any]]) -> list[Deadline]:
    """The deadlines of the actions that have a due date."""
    out = []
    for action in actions:
        try:
            day = date.fromisoformat(str(action.get("due") or "")[:10])
        except ValueError:
            continue
        out.append(
            Deadline(
                f"The deadline for the action “{_short(str(action.get('text', '')))}”",
                datetime.combine(day, ACTION_DAY_ENDS, LONDON),
                done_at=_time(action.get("done_at")),
                whole_day=True,
            )
        )
    return out


def case_deadlines(
    escalations: Iterable[Mapping[str, Any]], actions: Sequence[Mapping[str, Any]] | None
) -> list[Deadline]:
    """Every deadline of a case: its routes', then its actions'."""
    return route_deadlines(escalations) + action_deadlines(actions or [])
