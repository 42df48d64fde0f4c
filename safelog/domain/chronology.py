"""One chronology across several cases (a pupil's page, issue 13): every case's entries
merged into date order.

Choices:
- Entries at the same moment keep a fixed order: by case reference, then in KINDS order
  (the report before what was done about it), then as each case listed them.
- A date range is of days in London, both ends included: "from 1 March to 3 March"
  includes an entry at 23:30 on 3 March, as a DSL reading the dates on the page expects.
- Only entries from cases the reader may open are passed in; this module never decides
  who sees what.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType

from safelog.domain.deadlines import LONDON

__all__ = ["KINDS", "KIND_LABELS", "ChronologyEntry", "merge_chronologies"]

KINDS = ("report", "entry", "action", "decision", "escalation", "evidence", "outcome")
# Each kind in words, as a reader of the page or the printed chronology sees it.
KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "report": "Report",
        "entry": "Chronology entry",
        "action": "Action",
        "decision": "Decision",
        "escalation": "Escalation",
        "evidence": "Evidence",
        "outcome": "Outcome",
    }
)
_KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class ChronologyEntry:
    at: datetime  # timezone-aware
    case: str  # the case reference
    kind: str  # one of KINDS
    text: str
    by: str

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("a chronology entry's time must carry its timezone")
        if self.kind not in _KIND_ORDER:
            raise ValueError(f"unknown chronology kind {self.kind!r}; expected one of {KINDS}")


def merge_chronologies(
    cases: Iterable[Iterable[ChronologyEntry]],
    *,
    kinds: Collection[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[ChronologyEntry]:
    """Every entry of every case in date order, keeping only `kinds` (all when None) and
    the London days from `start` to `end` (either end open when None)."""
    if kinds is not None and (unknown := set(kinds) - set(KINDS)):
        raise ValueError(f"unknown chronology kinds {sorted(unknown)}")
    chosen: list[ChronologyEntry] = []
    for entries in cases:
        for entry in entries:
            if kinds is not None and entry.kind not in kinds:
                continue
            day = entry.at.astimezone(LONDON).date()
            if (start is not None and day < start) or (end is not None and day > end):
                continue
            chosen.append(entry)
    # sorted() is stable: equal keys keep the order each case gave.
    return sorted(chosen, key=lambda e: (e.at, e.case, _KIND_ORDER[e.kind]))
