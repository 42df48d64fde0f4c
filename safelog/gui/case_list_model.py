"""The case list's item model over the decrypted list summaries, and the rows it shows,
prepared once per load in the worker.

Speed (DESIGN §7, 10,000 cases): everything per case that costs anything (display strings,
sort keys, the folded search text) is prepared once per load in the worker; sorting is done by
the model in Python over precomputed keys (one C++ -> Python call per comparison would take
seconds).

Painting (issue 17: a search keystroke, repaint included, within one frame): the view asks the
model about every visible cell, seven roles each, from C++; each answer from Python costs a
call through the bindings. So `flags` is not overridden (Qt's own answer, enabled and
selectable, is the one wanted, and asking Python for it twice per cell took a fifth of a
repaint), and `cell` compares plain ints, not Qt enum members (each member looked up costs
as much as the rest of the answer).

Loading (issue 17: no stall over 50 ms while 10,000 rows load): rows are kept by column
(`PreparedCases`), a row's display strings and sort keys as flat tuples of strings and
numbers. Python's cyclic collector stops tracking such tuples at its first look (a tuple
holding a tuple only at its second), so a load leaves it a handful of lists, not some 60,000
objects (a dataclass and a list per row) whose count sets off a full pass over the whole
process, holding the GIL for ~100 ms, soon after.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QFont,
)

from safelog.domain.categories import all_categories
from safelog.domain.deadlines import (
    LONDON,
    DeadlineState,
    deadline_state,
    is_immediate,
    overdue_from,
)
from safelog.domain.outcomes import CaseStatus
from safelog.domain.search import SearchIndex
from safelog.gui.formatting import status_label, uk_datetime, uk_time
from safelog.gui.theme import colour
from safelog.vault.records import CaseSummary


class Column(IntEnum):
    REFERENCE = 0
    RECEIVED = 1
    CATEGORY = 2
    SUMMARY = 3
    STATUS = 4
    DEADLINE = 5


class ReviewColumn(IntEnum):
    """Columns shown with the "due for review" filter only."""

    REVIEW = 6
    RULE = 7


HEADERS = (
    "Reference",
    "Received",
    "Category",
    "Summary",
    "Status",
    "Next deadline",
    "Review on",
    "Retention rule",
)
REVIEW_COLUMNS = tuple(ReviewColumn)
_REFERENCE, _CATEGORY, _STATUS, _DEADLINE = (
    int(c) for c in (Column.REFERENCE, Column.CATEGORY, Column.STATUS, Column.DEADLINE)
)
_REVIEW, _RULE = int(ReviewColumn.REVIEW), int(ReviewColumn.RULE)
_MARKED = frozenset((DeadlineState.OVERDUE, DeadlineState.DUE_TODAY))  # bold and coloured
# With "due for review": cases whose retention review falls within this many days, or has
# passed, so the DSL can prepare (a review needs the file found and the people asked).
REVIEW_WINDOW_DAYS = 90
_LAST = math.inf  # the sort key of an empty date: after every date
_STATUS_ORDER = {status.value: n for n, status in enumerate(CaseStatus)}
# The roles a cell answers, and its columns, as plain ints: `cell` runs for every visible
# cell and role on each repaint, and looking up an enum member costs more than the answer.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
CELL_ROLES = frozenset((_DISPLAY, _FOREGROUND, _BACKGROUND, _FONT, _TOOLTIP, _ACCESSIBLE))


@dataclass
class PreparedCases:
    """What a load hands the model: per row, in list order, its case, display strings
    (`texts`, one per column), deadline state and sort keys (`keys`, one per column), and
    the search index over the rows."""

    cases: list[CaseSummary]
    texts: list[tuple[str, ...]]
    states: list[DeadlineState]
    keys: list[tuple[Any, ...]]
    index: SearchIndex[CaseSummary]
    now: datetime
    review_due: int = 0  # how many are due for retention review (see `due_for_review`)
    # Cases left out because they failed their checks, in words (session.list_problems).
    problems: tuple[str, ...] = ()


def review_by(now: datetime) -> date:
    """The last review date "due for review" includes at `now`."""
    return now.astimezone(LONDON).date() + timedelta(days=REVIEW_WINDOW_DAYS)


def due_for_review(case: CaseSummary, by: date) -> bool:
    return case.review_on is not None and case.review_on <= by


def _reference_key(reference: str) -> str:
    """The numbers in a reference, each padded, so that references sort as numbers
    (SL-2026-0010 after SL-2026-0009). A string, not a tuple of ints: see the module's note
    on loading."""
    return "".join(f"{int(n):020d}" for n in re.findall(r"\d+", reference)) or "0" * 20


def deadline_text(
    due: datetime | None,
    state: DeadlineState,
    *,
    raised_at: datetime | None = None,
    status: str = "",
    now: datetime | None = None,
) -> str:
    """The "Next deadline" cell. An "immediately" deadline (see domain/deadlines.py) reads
    as what to do today, "New: acknowledge today" for a concern nobody has opened yet, and
    overdue only once that working day has ended."""
    if due is None:
        return ""
    if raised_at is not None and is_immediate(due, raised_at):
        by = overdue_from(due, raised_at)
        if state is DeadlineState.OVERDUE:
            return f"Overdue: {uk_datetime(by)}"
        today = now is not None and now.astimezone(LONDON).date() == by.astimezone(LONDON).date()
        if status == CaseStatus.NEW.value:
            return "New: acknowledge today" if today else f"New: acknowledge by {uk_datetime(by)}"
        return f"Act now: today by {uk_time(by)}" if today else f"Act now: by {uk_datetime(by)}"
    if state is DeadlineState.OVERDUE:
        return f"Overdue: {uk_datetime(due)}"
    if state is DeadlineState.DUE_TODAY:
        return f"Due today by {uk_time(due)}"
    return uk_datetime(due)


def case_deadline_state(case: CaseSummary, now: datetime) -> DeadlineState:
    """Where a listed case's next deadline stands (the inbox counts the same way)."""
    return deadline_state(case.next_due, None, now, raised_at=case.created_at)


def _deadline(case: CaseSummary, now: datetime) -> tuple[DeadlineState, str]:
    state = case_deadline_state(case, now)
    text = deadline_text(
        case.next_due, state, raised_at=case.created_at, status=case.status, now=now
    )
    return state, text


def prepare_rows(cases: Sequence[CaseSummary], now: datetime) -> PreparedCases:
    """The per-load work for the list, pure Python so it runs in the worker."""
    titles = {c.code: c.title for c in all_categories()}
    listed = list(cases)
    texts: list[tuple[str, ...]] = []
    states: list[DeadlineState] = []
    keys: list[tuple[Any, ...]] = []
    by = review_by(now)
    review_due = 0
    for case in listed:
        title = titles.get(case.category, case.category)
        state, due_text = _deadline(case, now)
        review_on = case.review_on
        if review_on is not None and review_on <= by:
            review_due += 1
        texts.append(
            (
                case.reference,
                uk_datetime(case.created_at),
                title,
                case.summary,
                status_label(case.status),
                due_text,
                review_on.strftime("%d/%m/%Y") if review_on else "",
                case.review_rule if review_on else "",
            )
        )
        states.append(state)
        keys.append(
            (
                _reference_key(case.reference),
                case.created_at.timestamp(),
                title.casefold(),
                case.summary.casefold(),
                _STATUS_ORDER.get(case.status, 99),
                case.next_due.timestamp() if case.next_due else _LAST,
                review_on.toordinal() if review_on else _LAST,
                case.review_rule.casefold() if review_on else "",
            )
        )
    # Search finds a case by any person named in it, as well as by what the columns show.
    index = SearchIndex.build(
        listed,
        ((t[0], t[3], t[2], t[4], t[1], *c.people) for t, c in zip(texts, listed, strict=True)),
    )
    return PreparedCases(listed, texts, states, keys, index, now, review_due)


class CaseListModel(QAbstractTableModel):
    """Case summaries as a table. Rows keep their load order in `cases` (and `texts`,
    `states`, `keys`, see PreparedCases); `order` maps each displayed row to that order
    (its "base"), so sorting never touches the search index."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cases: list[CaseSummary] = []
        self.texts: list[tuple[str, ...]] = []
        self.states: list[DeadlineState] = []
        self.keys: list[tuple[Any, ...]] = []
        self.order: list[int] = []
        self.search_index: SearchIndex[CaseSummary] = SearchIndex([], [])
        self.generation = 0  # bumped on every reset, so a proxy knows its filter is stale
        self.now: datetime | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        # "New" rather than "New: not yet seen by the DSL" where the table is narrow
        self.short_status = False
        self._bold = QFont()
        self._bold.setBold(True)

    # -- loading ---------------------------------------------------------------------------

    def set_cases(self, cases: Sequence[CaseSummary], now: datetime) -> None:
        self.set_prepared(prepare_rows(cases, now))

    def set_prepared(self, prepared: PreparedCases) -> None:
        self.beginResetModel()
        self.cases, self.texts = prepared.cases, prepared.texts
        self.states, self.keys = prepared.states, prepared.keys
        self.search_index = prepared.index
        self.now = prepared.now
        self.order = list(range(len(self.cases)))
        self._apply_sort()
        self.generation += 1
        self.endResetModel()

    def clear(self) -> None:
        """Drop every decrypted summary (on lock)."""
        self.beginResetModel()
        self.cases, self.texts, self.states, self.keys = [], [], [], []
        self.order = []
        self.search_index = SearchIndex([], [])
        self.generation += 1
        self.endResetModel()

    def set_now(self, now: datetime) -> None:
        """Move the clock on: "due today" becomes "overdue" without a reload."""
        self.now = now
        changed = False
        texts, states = self.texts, self.states
        for base, case in enumerate(self.cases):
            if case.next_due is None:
                continue
            state, text = _deadline(case, now)
            if state is not states[base]:
                states[base] = state
                row = texts[base]
                texts[base] = (*row[:_DEADLINE], text, *row[_DEADLINE + 1 :])
                changed = True
        if changed:
            self.generation += 1  # the overdue filter may now pick other rows
            self.dataChanged.emit(
                self.index(0, Column.DEADLINE), self.index(len(self.cases) - 1, Column.DEADLINE)
            )

    # -- access ----------------------------------------------------------------------------

    def summary_at(self, row: int) -> CaseSummary:
        return self.cases[self.order[row]]

    def base_of(self, row: int) -> int:
        return self.order[row]

    def row_of_reference(self, reference: str) -> int:
        cases = self.cases
        for row, base in enumerate(self.order):
            if cases[base].reference == reference:
                return row
        return -1

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role not in CELL_ROLES or not index.isValid():
            return None  # most of Qt's questions while painting: answered without a lookup
        return self.cell(self.order[index.row()], index.column(), role)

    def cell(self, base: int, column: int, role: int) -> Any:
        """What a cell of row `base` (in load order) shows for `role` (the filtered list
        asks here too)."""
        if role == _DISPLAY:
            if column == _STATUS and self.short_status:
                return self.texts[base][column].split(":", 1)[0]
            return self.texts[base][column]
        if column == _DEADLINE:
            state = self.states[base]
            if role == _FOREGROUND:
                if state is DeadlineState.OVERDUE:
                    return QBrush(colour("danger"))
                if state is DeadlineState.DUE_TODAY:
                    return QBrush(colour("due_today"))
            elif role == _BACKGROUND:
                if state is DeadlineState.OVERDUE:
                    return QBrush(colour("danger_back"))
                if state is DeadlineState.DUE_TODAY:
                    return QBrush(colour("warning_back"))
            elif role == _FONT:
                if state in _MARKED:
                    return self._bold
            elif role == _ACCESSIBLE:
                return self.texts[base][column] or "No deadline"
        elif column == _REFERENCE:
            if role == _FONT:
                return self._bold
        elif column == _REVIEW:
            if role == _FOREGROUND:
                review_on, now = self.cases[base].review_on, self.now
                if (
                    review_on is not None
                    and now is not None
                    and review_on <= now.astimezone(LONDON).date()
                ):
                    return QBrush(colour("danger"))  # the review is due now
        elif column == _RULE:
            if role == _TOOLTIP:
                return self.texts[base][column]
        elif column in (_CATEGORY, _STATUS) and role in (_TOOLTIP, _ACCESSIBLE):
            return self.texts[base][column]  # from SafeLog's own lists, never typed by a user
        return None

    # No `flags`: Qt's own (enabled, selectable) is what the list wants, without a call into
    # Python for every cell painted.

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(HEADERS):
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        bases = [self.order[i.row()] if i.isValid() else -1 for i in persistent]
        self._apply_sort()
        self.generation += 1  # rows moved: a proxy's per-row answers must be worked out again
        position = {base: row for row, base in enumerate(self.order)}
        self.changePersistentIndexList(
            persistent,
            [
                self.index(position[b], i.column()) if b >= 0 else QModelIndex()
                for i, b in zip(persistent, bases, strict=True)
            ],
        )
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        if self._sort is None:
            return
        column, order = self._sort
        keys = self.keys
        self.order.sort(
            key=lambda b: keys[b][column],
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
