"""Actions on a case: when one falls due, whose it is, and one person's open actions across
their cases in the order they should be done.

Choices:
- An action is due by the end of its day (23:59 London time), as the case list and the
  inbox count it: "due 3 March" is not late at 9 o'clock on 3 March.
- Who owns an action is a name (the workspace offers the names of SafeLog users and lets the
  DSL type anyone else's). A SafeLog user's name is unique, compared ignoring case (the
  membership log refuses a second "Dan Deputy"), and never changes, so a name is enough to
  find a user's own actions. It is compared the same way, ignoring case and spacing.
- One person's list: overdue first (most overdue at the top), then by due date, then the
  actions with no due date; ties by case reference, oldest case first.

Nothing here reads the clock: `now` is passed in, timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from safelog.domain.deadlines import LONDON, DeadlineState, deadline_state
from safelog.domain.search import fold

__all__ = [
    "ACTION_DUE_TIME",
    "MyAction",
    "OpenAction",
    "action_due_at",
    "action_state",
    "is_owner",
    "my_open_actions",
]

ACTION_DUE_TIME = time(23, 59)


@dataclass(frozen=True)
class OpenAction:
    """An action not yet done, as a case's list entry carries it."""

    id: str
    text: str
    owner: str  # a name
    due: date | None


@dataclass(frozen=True)
class MyAction:
    """One of the signed-in person's open actions, with the case it is on."""

    reference: str
    action: OpenAction
    state: DeadlineState  # OVERDUE, DUE_TODAY or PENDING

    @property
    def overdue(self) -> bool:
        return self.state is DeadlineState.OVERDUE


def action_due_at(due: date) -> datetime:
    """The moment an action due on `due` becomes overdue."""
    return datetime.combine(due, ACTION_DUE_TIME, LONDON)


def action_state(due: date | None, done_at: datetime | None, now: datetime) -> DeadlineState:
    return deadline_state(action_due_at(due) if due else None, done_at, now)


def is_owner(owner: str, name: str) -> bool:
    """Is an action owned by `owner` the person called `name`?"""
    return bool(name.strip()) and fold(owner) == fold(name)


def _reference_order(reference: str) -> tuple[int, ...]:
    # "SL-2026-0012" sorts after "SL-2026-0009", and year by year.
    return tuple(int(part) for part in reference.split("-") if part.isdigit())


def my_open_actions(
    cases: Iterable[tuple[str, Sequence[OpenAction]]], name: str, now: datetime
) -> list[MyAction]:
    """The open actions owned by `name` on `cases` (reference, its open actions), in the
    order to do them."""
    mine = [
        MyAction(reference, action, action_state(action.due, None, now))
        for reference, actions in cases
        for action in actions
        if is_owner(action.owner, name)
    ]
    mine.sort(
        key=lambda m: (
            not m.overdue,
            m.action.due is None,
            m.action.due or date.max,
            _reference_order(m.reference),
            m.reference,
            m.action.text,
        )
    )
    return mine
