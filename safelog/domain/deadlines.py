"""Deadlines for escalation routes, counted in working days where the guidance says so.

A working day is Monday to Friday, except the bank holidays of England and Wales
(from the `holidays` package: subdivisions "ENG" and "WLS" of "GB", which share the
same bank holidays; a test checks that they still do). School terms are not
considered: the LADO and children's social care work through school holidays.

Choices, for the DSL's inbox:
- "immediately" is due the moment the concern was raised. The inbox and the case lists
  (which pass `raised_at` to `deadline_state`) show it as due now, and count it overdue
  only once the working day it was raised has ended (the "same day" rule below): a concern
  that reached the DSL a minute ago has missed nothing, and showing every new concern as
  "Overdue" taught DSLs to ignore the word (issue 11). Without `raised_at` the state is
  strict (overdue a moment after the due time), for records of when it was done;
- a working day ends at 18:00 Europe/London (`WORKING_DAY_ENDS`): "same day" is due at
  18:00 on the day the concern was raised, or, when it was raised after 18:00 or on a
  weekend or bank holiday, at 18:00 on the next working day (out of hours, emergencies
  go to 999 or the emergency duty team whatever SafeLog says);
- "within N working days" is due at 18:00 on the Nth working day after the day the
  concern was raised (a LADO referral raised on Thursday afternoon is due at 18:00 on
  Friday);
- "within N hours" is due N clock hours after the concern was raised, nights, weekends and
  bank holidays included: the ICO's 72 hours from discovering a personal data breach (UK
  GDPR Art. 33) run whatever the day. Discovery is when the concern was raised in SafeLog,
  the first moment the school's own record shows it knew.

Nothing here reads the clock: `now` and `raised_at` are passed in, timezone-aware.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from safelog.domain.deadline_rules import SAME_DAY, DeadlineKind, DeadlineRule
from safelog.domain.routes import ROUTES, Route

__all__ = [
    "HOLIDAY_SUBDIVISIONS",
    "LONDON",
    "WORKING_DAY_ENDS",
    "DeadlineState",
    "add_working_days",
    "bank_holidays",
    "deadline_state",
    "due_at",
    "due_by_rule",
    "end_of_working_day",
    "is_immediate",
    "is_working_day",
    "overdue_from",
]

LONDON = ZoneInfo("Europe/London")
WORKING_DAY_ENDS = time(18, 0)
HOLIDAY_SUBDIVISIONS = ("ENG", "WLS")


class DeadlineState(StrEnum):
    DONE = "done"
    OVERDUE = "overdue"
    DUE_TODAY = "due-today"
    PENDING = "pending"


@functools.cache
def bank_holidays(year: int) -> frozenset[date]:
    """Bank holidays of England and Wales in `year`, including one-off ones."""
    import holidays  # deferred: importing it takes ~0.1 s, and unlock must be instant

    days: set[date] = set()
    for subdiv in HOLIDAY_SUBDIVISIONS:
        days.update(holidays.country_holidays("GB", subdiv=subdiv, years=year).keys())
    return frozenset(days)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in bank_holidays(d.year)


def add_working_days(d: date, n: int) -> date:
    """The nth working day after `d`.

    With n == 0, `d` itself if it is a working day, else the next working day.
    """
    if n < 0:
        raise ValueError("cannot count a negative number of working days")
    day = d
    if n == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def end_of_working_day(d: date) -> datetime:
    """18:00 London time on `d` (never in a clock change, which happens at night)."""
    return datetime.combine(d, WORKING_DAY_ENDS, tzinfo=LONDON)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def due_by_rule(rule: DeadlineRule, raised_at: datetime) -> datetime | None:
    """When `rule` falls due for a concern raised at `raised_at` (London time)."""
    _require_aware(raised_at, "raised_at")
    local = raised_at.astimezone(LONDON)
    if rule.kind is DeadlineKind.IMMEDIATELY:
        return local
    if rule.kind is DeadlineKind.SAME_DAY:
        today = local.date()
        if not is_working_day(today):
            return end_of_working_day(add_working_days(today, 0))
        if local < end_of_working_day(today):
            return end_of_working_day(today)
        return end_of_working_day(add_working_days(today, 1))
    if rule.kind is DeadlineKind.WORKING_DAYS:
        return end_of_working_day(add_working_days(local.date(), rule.working_days))
    if rule.kind is DeadlineKind.HOURS:
        # In UTC: clock hours, so a change of the clocks in between is neither lost nor gained.
        return (raised_at.astimezone(UTC) + timedelta(hours=rule.hours)).astimezone(LONDON)
    return None


def due_at(route: Route, raised_at: datetime) -> datetime | None:
    """When `route` must be used, by its usual deadline, for a concern raised at `raised_at`;
    None if no deadline. (A category's rule may set another: `due_by_rule`.)

    `raised_at` must be timezone-aware; the result is in Europe/London time.
    """
    return due_by_rule(ROUTES[route].deadline, raised_at)


def is_immediate(due: datetime, raised_at: datetime | None) -> bool:
    """Whether `due` is an "immediately" deadline: due the moment the concern was raised."""
    return raised_at is not None and due <= raised_at


def overdue_from(due: datetime, raised_at: datetime | None) -> datetime:
    """When an open deadline counts as overdue in the inbox and lists: `due`, except that an
    "immediately" deadline counts from the end of the working day the concern was raised."""
    if raised_at is not None and is_immediate(due, raised_at):
        end = due_by_rule(SAME_DAY, raised_at)
        assert end is not None
        return end
    return due


def deadline_state(
    due: datetime | None,
    done_at: datetime | None,
    now: datetime,
    *,
    raised_at: datetime | None = None,
) -> DeadlineState:
    """Where a deadline stands at `now`.

    "done" once the escalation is recorded (however late); otherwise "overdue" after
    `due`, "due-today" on its day (London time), else "pending". No deadline is "pending".
    Given `raised_at`, an "immediately" deadline is "due-today" (act now) until the end of
    the working day it was raised, and "overdue" after.
    """
    _require_aware(now, "now")
    if done_at is not None:
        return DeadlineState.DONE
    if due is None:
        return DeadlineState.PENDING
    _require_aware(due, "due")
    if raised_at is not None and is_immediate(due, raised_at):
        _require_aware(raised_at, "raised_at")
        if now > overdue_from(due, raised_at):
            return DeadlineState.OVERDUE
        return DeadlineState.DUE_TODAY
    if now > due:
        return DeadlineState.OVERDUE
    if now.astimezone(LONDON).date() == due.astimezone(LONDON).date():
        return DeadlineState.DUE_TODAY
    return DeadlineState.PENDING
