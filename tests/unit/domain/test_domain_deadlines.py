"""Working days and route deadlines (England and Wales bank holidays, London time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from safelog.domain.deadlines import (
    LONDON,
    DeadlineState,
    add_working_days,
    bank_holidays,
    deadline_state,
    due_at,
    end_of_working_day,
    is_immediate,
    is_working_day,
    overdue_from,
)
from safelog.domain.routes import Route


def london(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


# Checked against holidays.country_holidays("GB", subdiv="ENG") 0.109, not guessed.
@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 28), "Boxing Day (observed)"),
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 3, 29), "Easter Monday"),
        (date(2026, 5, 4), "May Day"),
        (date(2026, 5, 25), "Spring Bank Holiday"),
        (date(2027, 5, 31), "Spring Bank Holiday"),
        (date(2026, 8, 31), "Late Summer Bank Holiday"),
        (date(2023, 5, 8), "Coronation of Charles III"),
        (date(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
    ],
)
def test_bank_holidays_are_not_working_days(day: date, name: str) -> None:
    assert day.weekday() < 5  # a weekday that is a holiday
    assert holidays.country_holidays("GB", subdiv="ENG", years=day.year).get(day) == name
    assert day in bank_holidays(day.year)
    assert not is_working_day(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 24), True),  # Thursday
        (date(2026, 12, 26), False),  # Saturday, Boxing Day
        (date(2026, 12, 27), False),  # Sunday
        (date(2026, 12, 29), True),  # Tuesday
        (date(2027, 3, 25), True),  # Thursday before Good Friday
        (date(2027, 3, 30), True),  # Tuesday after Easter Monday
        (date(2026, 5, 26), True),  # Tuesday after the late May bank holiday
        (date(2027, 6, 1), True),
        (date(2026, 7, 25), False),  # an ordinary Saturday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize("year", range(2000, 2041))
def test_england_and_wales_share_their_bank_holidays(year: int) -> None:
    england = set(holidays.country_holidays("GB", subdiv="ENG", years=year))
    wales = set(holidays.country_holidays("GB", subdiv="WLS", years=year))
    assert england == wales
    assert bank_holidays(year) == frozenset(england)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 12, 23), 1, date(2026, 12, 24)),
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # Christmas, weekend, Boxing Day on 28th
        (date(2026, 12, 24), 2, date(2026, 12, 30)),
        (date(2026, 12, 18), 5, date(2026, 12, 29)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Day is a Friday
        (date(2027, 3, 25), 1, date(2027, 3, 30)),  # across Easter 2027
        (date(2027, 3, 24), 2, date(2027, 3, 30)),
        (date(2026, 5, 22), 1, date(2026, 5, 26)),  # late May bank holiday 2026
        (date(2027, 5, 28), 1, date(2027, 6, 1)),  # late May bank holiday 2027
        (date(2026, 7, 24), 1, date(2026, 7, 27)),  # ordinary weekend
        (date(2026, 7, 25), 1, date(2026, 7, 27)),  # from a Saturday
        (date(2026, 7, 20), 5, date(2026, 7, 27)),
        (date(2026, 12, 26), 0, date(2026, 12, 29)),  # 0: roll forward to a working day
        (date(2026, 12, 29), 0, date(2026, 12, 29)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


def test_add_working_days_refuses_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 1, 5), -1)


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
)
def test_add_working_days_lands_on_a_later_working_day(start: date, n: int) -> None:
    result = add_working_days(start, n)
    assert result > start
    assert is_working_day(result)
    between = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(is_working_day(d) for d in between) == n


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)))
def test_zero_working_days_is_the_first_working_day_from_then(start: date) -> None:
    result = add_working_days(start, 0)
    assert result >= start
    assert is_working_day(result)
    assert not any(is_working_day(start + timedelta(days=i)) for i in range((result - start).days))


@pytest.mark.parametrize(
    ("route", "raised", "expected"),
    [
        # LADO: within one working day, due at 18:00 on it.
        (Route.LADO, london(2026, 12, 24, 15, 30), london(2026, 12, 29, 18)),
        (Route.LADO, london(2026, 12, 23, 9, 0), london(2026, 12, 24, 18)),
        (Route.LADO, london(2027, 3, 25, 14, 0), london(2027, 3, 30, 18)),  # Easter, into BST
        (Route.LADO, london(2026, 5, 22, 16, 0), london(2026, 5, 26, 18)),
        (Route.LADO, london(2027, 5, 28, 10, 0), london(2027, 6, 1, 18)),
        (Route.LADO, london(2026, 12, 26, 11, 0), london(2026, 12, 29, 18)),  # from Boxing Day
        # Children's social care: the same working day.
        (Route.SOCIAL_CARE, london(2026, 12, 24, 10, 0), london(2026, 12, 24, 18)),
        (Route.SOCIAL_CARE, london(2026, 12, 24, 17, 59), london(2026, 12, 24, 18)),
        (Route.SOCIAL_CARE, london(2026, 12, 24, 18, 0), london(2026, 12, 29, 18)),
        (Route.SOCIAL_CARE, london(2026, 12, 24, 19, 30), london(2026, 12, 29, 18)),
        (Route.SOCIAL_CARE, london(2026, 12, 26, 11, 0), london(2026, 12, 29, 18)),
        (Route.SOCIAL_CARE, london(2027, 3, 26, 9, 0), london(2027, 3, 30, 18)),
        # Immediately: due when raised.
        (Route.IT_FILTERING, london(2026, 12, 25, 3, 0), london(2026, 12, 25, 3, 0)),
        (Route.DSL, london(2026, 6, 1, 11, 5), london(2026, 6, 1, 11, 5)),
        (Route.HEADTEACHER, london(2026, 6, 1, 11, 5), london(2026, 6, 1, 11, 5)),
        (Route.CHAIR_OF_GOVERNORS, london(2026, 6, 1, 11, 5), london(2026, 6, 1, 11, 5)),
        (Route.DPO, london(2026, 6, 1, 11, 5), london(2026, 6, 1, 11, 5)),
        # The ICO decision: 72 clock hours, over a weekend and a bank holiday alike.
        (Route.ICO, london(2026, 12, 24, 15, 30), london(2026, 12, 27, 15, 30)),
        (Route.ICO, london(2026, 6, 5, 17, 0), london(2026, 6, 8, 17, 0)),
        # ... and over the clocks going forward: 72 real hours, so 01:30 GMT + 72 h is 02:30 BST.
        (Route.ICO, london(2027, 3, 26, 1, 30), london(2027, 3, 29, 2, 30)),
    ],
)
def test_due_at(route: Route, raised: datetime, expected: datetime) -> None:
    due = due_at(route, raised)
    assert due == expected
    assert due is not None and due.tzinfo is LONDON


@pytest.mark.parametrize(
    "route", [Route.PREVENT, Route.PLATFORM_REPORT, Route.REPORT_REMOVE, Route.POLICE]
)
def test_routes_without_a_deadline(route: Route) -> None:
    assert due_at(route, london(2026, 6, 1, 9, 0)) is None


def test_due_at_counts_in_london_time_not_utc() -> None:
    # 23:30 UTC on Thursday 21 May 2026 is 00:30 BST on Friday 22 May.
    raised = datetime(2026, 5, 21, 23, 30, tzinfo=UTC)
    due = due_at(Route.LADO, raised)
    assert due == london(2026, 5, 26, 18)
    assert due is not None and due.utcoffset() == timedelta(hours=1)


def test_deadline_after_the_clocks_change_is_in_summer_time() -> None:
    due = due_at(Route.LADO, london(2027, 3, 25, 14, 0))
    assert due is not None
    assert due.astimezone(UTC) == datetime(2027, 3, 30, 17, 0, tzinfo=UTC)
    winter = due_at(Route.LADO, london(2026, 12, 24, 15, 30))
    assert winter is not None
    assert winter.astimezone(UTC) == datetime(2026, 12, 29, 18, 0, tzinfo=UTC)


def test_end_of_working_day() -> None:
    assert end_of_working_day(date(2026, 12, 24)) == datetime(2026, 12, 24, 18, tzinfo=UTC)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(Route.LADO, datetime(2026, 12, 24, 15, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_state(None, None, datetime(2026, 12, 24, 15, 30))


DUE = london(2026, 12, 29, 18)


@pytest.mark.parametrize(
    ("due", "done_at", "now", "state"),
    [
        (DUE, None, london(2026, 12, 24, 16), DeadlineState.PENDING),
        (DUE, None, london(2026, 12, 29, 0, 1), DeadlineState.DUE_TODAY),
        (DUE, None, london(2026, 12, 29, 18), DeadlineState.DUE_TODAY),
        (DUE, None, london(2026, 12, 29, 18, 0, 1), DeadlineState.OVERDUE),
        (DUE, None, london(2027, 1, 4, 9), DeadlineState.OVERDUE),
        (DUE, london(2026, 12, 24, 16), london(2027, 1, 4, 9), DeadlineState.DONE),
        (DUE, london(2027, 1, 4, 8), london(2027, 1, 4, 9), DeadlineState.DONE),  # done late
        (None, None, london(2027, 1, 4, 9), DeadlineState.PENDING),
        (None, london(2027, 1, 4, 8), london(2027, 1, 4, 9), DeadlineState.DONE),
        # "Today" is London's today: 23:30 UTC on 28 Dec is still 28 Dec in winter.
        (DUE, None, datetime(2026, 12, 28, 23, 30, tzinfo=UTC), DeadlineState.PENDING),
        (DUE, None, datetime(2026, 12, 29, 0, 30, tzinfo=UTC), DeadlineState.DUE_TODAY),
    ],
)
def test_deadline_state(
    due: datetime | None, done_at: datetime | None, now: datetime, state: DeadlineState
) -> None:
    assert deadline_state(due, done_at, now) is state


def test_deadline_state_values_are_stable() -> None:
    assert [s.value for s in DeadlineState] == ["done", "overdue", "due-today", "pending"]


def test_immediately_is_overdue_until_recorded() -> None:
    raised = london(2026, 6, 1, 11, 5)
    due = due_at(Route.DSL, raised)
    assert deadline_state(due, None, raised) is DeadlineState.DUE_TODAY
    assert deadline_state(due, None, raised + timedelta(minutes=1)) is DeadlineState.OVERDUE
    assert deadline_state(due, raised, raised + timedelta(minutes=1)) is DeadlineState.DONE


def test_immediately_counts_as_overdue_in_the_inbox_only_after_its_working_day() -> None:
    """The inbox and lists pass when the concern was raised (issue 11)."""
    raised = london(2026, 6, 1, 11, 5)  # a Monday
    due = due_at(Route.DSL, raised)
    assert due is not None and is_immediate(due, raised)
    assert overdue_from(due, raised) == london(2026, 6, 1, 18, 0)
    minute = timedelta(minutes=1)
    assert deadline_state(due, None, raised + minute, raised_at=raised) is DeadlineState.DUE_TODAY
    assert (
        deadline_state(due, None, london(2026, 6, 1, 18, 1), raised_at=raised)
        is DeadlineState.OVERDUE
    )
    assert deadline_state(due, raised, raised + minute, raised_at=raised) is DeadlineState.DONE
    # Raised on a Saturday: due now, overdue after 18:00 on the Monday.
    saturday = london(2026, 6, 6, 10, 0)
    assert deadline_state(saturday, None, london(2026, 6, 7, 9), raised_at=saturday) is (
        DeadlineState.DUE_TODAY
    )
    assert deadline_state(saturday, None, london(2026, 6, 8, 18, 1), raised_at=saturday) is (
        DeadlineState.OVERDUE
    )
    # A deadline set later than the concern (LADO: one working day) is unchanged.
    lado = due_at(Route.LADO, raised)
    assert lado is not None and not is_immediate(lado, raised)
    assert deadline_state(lado, None, london(2026, 6, 2, 18, 1), raised_at=raised) is (
        DeadlineState.OVERDUE
    )
