"""One person's open actions: whose they are, when they are late, and the order to do them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from safelog.domain.actions import (
    OpenAction,
    action_due_at,
    action_state,
    is_owner,
    my_open_actions,
)
from safelog.domain.deadlines import LONDON, DeadlineState

# Friday 20 November 2026, 10:00 UTC (10:00 in London).
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def act(text: str, owner: str = "Dana DSL", due: date | None = None) -> OpenAction:
    return OpenAction(id=text, text=text, owner=owner, due=due)


def test_an_action_is_due_by_the_end_of_its_day_in_london() -> None:
    assert action_due_at(date(2026, 11, 20)) == datetime(2026, 11, 20, 23, 59, tzinfo=LONDON)
    assert action_state(date(2026, 11, 20), None, NOW) is DeadlineState.DUE_TODAY
    assert action_state(date(2026, 11, 19), None, NOW) is DeadlineState.OVERDUE
    assert action_state(date(2026, 11, 21), None, NOW) is DeadlineState.PENDING
    assert action_state(None, None, NOW) is DeadlineState.PENDING
    # 23:30 UTC on 20 June is 00:30 on 21 June in London: an action due on the 20th is late.
    summer = datetime(2026, 6, 20, 23, 30, tzinfo=UTC)
    assert action_state(date(2026, 6, 20), None, summer) is DeadlineState.OVERDUE


def test_the_owner_is_matched_by_name_ignoring_case_and_spacing() -> None:
    assert is_owner("Dana DSL", "Dana DSL")
    assert is_owner("  dana   dsl ", "Dana DSL")
    assert not is_owner("Dana", "Dana DSL")
    assert not is_owner("Dana DSL (deputy)", "Dana DSL")
    assert not is_owner("", "")


def test_overdue_first_then_by_due_date_then_no_date() -> None:
    cases = [
        ("SL-2026-0010", [act("later", due=date(2026, 12, 1)), act("none")]),
        ("SL-2026-0009", [act("today", due=date(2026, 11, 20)), act("theirs", "Hugh Head")]),
        ("SL-2026-0002", [act("late", due=date(2026, 11, 18))]),
        ("SL-2026-0011", [act("very late", due=date(2026, 11, 2)), act("none too")]),
    ]
    mine = my_open_actions(cases, "Dana DSL", NOW)
    assert [(m.reference, m.action.text) for m in mine] == [
        ("SL-2026-0011", "very late"),
        ("SL-2026-0002", "late"),
        ("SL-2026-0009", "today"),
        ("SL-2026-0010", "later"),
        ("SL-2026-0010", "none"),
        ("SL-2026-0011", "none too"),
    ]
    assert [m.overdue for m in mine] == [True, True, False, False, False, False]
    assert mine[2].state is DeadlineState.DUE_TODAY
    assert my_open_actions(cases, "Sam Staff", NOW) == []
