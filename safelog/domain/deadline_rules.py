"""By when a route must be used: "immediately", "the same working day", "within N working
days", "within N hours" (the ICO's 72 hours, counted in clock hours, weekends included), or no
set deadline. Rules are data; domain/deadlines.py turns one into a due time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypedDict

__all__ = [
    "IMMEDIATELY",
    "NO_DEADLINE",
    "SAME_DAY",
    "DeadlineKind",
    "DeadlineRule",
    "DeadlineView",
    "rule_from_view",
]


class DeadlineKind(StrEnum):
    """The values are stable: the CLI prints them (`case categories --json`)."""

    IMMEDIATELY = "immediately"
    SAME_DAY = "same-day"
    WORKING_DAYS = "working-days"
    HOURS = "hours"
    NONE = "none"


class DeadlineView(TypedDict):
    """A deadline as the CLI prints it: `count` is the working days or hours (null for the
    other kinds), `text` the words shown to users."""

    kind: str
    count: int | None
    text: str


@dataclass(frozen=True)
class DeadlineRule:
    """By when a route must be used, counted from when the concern was raised."""

    kind: DeadlineKind
    working_days: int = 0
    hours: int = 0

    def __post_init__(self) -> None:
        if self.kind is DeadlineKind.WORKING_DAYS:
            if self.working_days < 1:
                raise ValueError("a working-days deadline needs at least one working day")
        elif self.working_days != 0:
            raise ValueError("only a working-days deadline counts working days")
        if self.kind is DeadlineKind.HOURS:
            if self.hours < 1:
                raise ValueError("an hours deadline needs at least one hour")
        elif self.hours != 0:
            raise ValueError("only an hours deadline counts hours")

    @property
    def count(self) -> int | None:
        if self.kind is DeadlineKind.WORKING_DAYS:
            return self.working_days
        if self.kind is DeadlineKind.HOURS:
            return self.hours
        return None

    def describe(self) -> str:
        if self.kind is DeadlineKind.IMMEDIATELY:
            return "immediately"
        if self.kind is DeadlineKind.SAME_DAY:
            return "the same working day"
        if self.kind is DeadlineKind.WORKING_DAYS:
            unit = "working day" if self.working_days == 1 else "working days"
            return f"within {self.working_days} {unit}"
        if self.kind is DeadlineKind.HOURS:
            return f"within {self.hours} hour{'' if self.hours == 1 else 's'}"
        return "no set deadline"

    def view(self) -> DeadlineView:
        return {"kind": self.kind.value, "count": self.count, "text": self.describe()}


IMMEDIATELY = DeadlineRule(DeadlineKind.IMMEDIATELY)
SAME_DAY = DeadlineRule(DeadlineKind.SAME_DAY)
NO_DEADLINE = DeadlineRule(DeadlineKind.NONE)


def rule_from_view(view: Any) -> DeadlineRule | None:
    """The rule a `DeadlineView` describes (as an escalation entry carries it); None when it
    describes none that SafeLog knows."""
    if not isinstance(view, dict):
        return None
    try:
        kind = DeadlineKind(str(view.get("kind")))
        count = view.get("count") or 0
        if kind is DeadlineKind.WORKING_DAYS:
            return DeadlineRule(kind, working_days=int(count))
        if kind is DeadlineKind.HOURS:
            return DeadlineRule(kind, hours=int(count))
        return DeadlineRule(kind)
    except (TypeError, ValueError):
        return None
