"""The case list: an item model over the decrypted list summaries, a filter proxy with search
as you type, and the view that loads it off the GUI thread.

Speed (DESIGN §7, 10,000 cases): everything per case that costs anything (display strings,
sort keys, the folded search text) is prepared once per load in the worker; sorting is done by
the model in Python over precomputed keys (one C++ -> Python call per comparison would take
seconds), and each keystroke is one pass over the prepared search index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QFont,
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.categories import CATEGORIES
from safelog.domain.deadlines import (
    LONDON,
    DeadlineState,
    deadline_state,
    is_immediate,
    overdue_from,
)
from safelog.domain.outcomes import CaseStatus
from safelog.domain.roles import CASE_MANAGERS
from safelog.domain.search import SearchIndex, fold
from safelog.gui.errors import error_text
from safelog.gui.formatting import status_label, uk_date, uk_datetime, uk_time
from safelog.gui.theme import colour
from safelog.gui.widgets import ColumnFitter, named, plain_label, text_width
from safelog.gui.worker import run_guarded
from safelog.vault.records import CaseSummary

if TYPE_CHECKING:
    from safelog.gui.context import AppContext

# --------------------------------------------------------------------------------------------
# The model


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
# With "due for review": cases whose retention review falls within this many days, or has
# passed, so the DSL can prepare (a review needs the file found and the people asked).
REVIEW_WINDOW_DAYS = 90
_STATUS_ORDER = {status.value: n for n, status in enumerate(CaseStatus)}
_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
    )
)


@dataclass(slots=True)
class ListedCase:
    """One row, with its display strings and sort keys made once per load."""

    case: CaseSummary
    texts: list[str]
    state: DeadlineState
    keys: tuple[Any, ...]


@dataclass
class PreparedCases:
    """What a load hands the model: rows in list order and their search index."""

    rows: list[ListedCase]
    index: SearchIndex[ListedCase]
    now: datetime
    review_due: int = 0  # how many are due for retention review (see `due_for_review`)
    # Cases left out because they failed their checks, in words (session.list_problems).
    problems: tuple[str, ...] = ()


def review_by(now: datetime) -> date:
    """The last review date "due for review" includes at `now`."""
    return now.astimezone(LONDON).date() + timedelta(days=REVIEW_WINDOW_DAYS)


def due_for_review(case: CaseSummary, by: date) -> bool:
    return case.review_on is not None and case.review_on <= by


def _reference_key(reference: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", reference)) or (0,)


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
    titles = {c.code: c.title for c in CATEGORIES}
    rows = []
    by = review_by(now)
    review_due = 0
    for case in cases:
        title = titles.get(case.category, case.category)
        received = uk_datetime(case.created_at)
        state, due_text = _deadline(case, now)
        review_on = case.review_on
        if review_on is not None and review_on <= by:
            review_due += 1
        rows.append(
            ListedCase(
                case,
                [
                    case.reference,
                    received,
                    title,
                    case.summary,
                    status_label(case.status),
                    due_text,
                    review_on.strftime("%d/%m/%Y") if review_on else "",
                    case.review_rule if review_on else "",
                ],
                state,
                (
                    _reference_key(case.reference),
                    case.created_at.timestamp(),
                    title.casefold(),
                    case.summary.casefold(),
                    _STATUS_ORDER.get(case.status, 99),
                    (0, case.next_due.timestamp()) if case.next_due else (1, 0.0),
                    (0, review_on.toordinal()) if review_on else (1, 0),
                    case.review_rule.casefold() if review_on else "",
                ),
            )
        )
    index = SearchIndex.build(
        rows, ((r.texts[0], r.texts[3], r.texts[2], r.texts[4], r.texts[1]) for r in rows)
    )
    return PreparedCases(rows, index, now, review_due)


class CaseListModel(QAbstractTableModel):
    """Case summaries as a table. Rows keep their load order in `rows`; `order` maps each
    displayed row to it, so sorting never touches the search index."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ListedCase] = []
        self.order: list[int] = []
        self.search_index: SearchIndex[ListedCase] = SearchIndex([], [])
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
        self.rows = prepared.rows
        self.search_index = prepared.index
        self.now = prepared.now
        self.order = list(range(len(self.rows)))
        self._apply_sort()
        self.generation += 1
        self.endResetModel()

    def clear(self) -> None:
        """Drop every decrypted summary (on lock)."""
        self.beginResetModel()
        self.rows = []
        self.order = []
        self.search_index = SearchIndex([], [])
        self.generation += 1
        self.endResetModel()

    def set_now(self, now: datetime) -> None:
        """Move the clock on: "due today" becomes "overdue" without a reload."""
        self.now = now
        changed = False
        for row in self.rows:
            if row.case.next_due is None:
                continue
            state, text = _deadline(row.case, now)
            if state is not row.state:
                row.state, row.texts[Column.DEADLINE] = state, text
                changed = True
        if changed and self.rows:
            self.generation += 1  # the overdue filter may now pick other rows
            self.dataChanged.emit(
                self.index(0, Column.DEADLINE), self.index(len(self.rows) - 1, Column.DEADLINE)
            )

    # -- access ----------------------------------------------------------------------------

    def listed(self, row: int) -> ListedCase:
        return self.rows[self.order[row]]

    def summary_at(self, row: int) -> CaseSummary:
        return self.listed(row).case

    def base_of(self, row: int) -> int:
        return self.order[row]

    def row_of_reference(self, reference: str) -> int:
        for row, base in enumerate(self.order):
            if self.rows[base].case.reference == reference:
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
        if role not in _ROLES or not index.isValid():
            return None  # most of Qt's questions while painting: answered without a lookup
        row = self.rows[self.order[index.row()]]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == Column.STATUS and self.short_status:
                return row.texts[column].split(":", 1)[0]
            return row.texts[column]
        if column == Column.DEADLINE:
            if role == Qt.ItemDataRole.ForegroundRole:
                if row.state is DeadlineState.OVERDUE:
                    return QBrush(colour("danger"))
                if row.state is DeadlineState.DUE_TODAY:
                    return QBrush(colour("due_today"))
            elif role == Qt.ItemDataRole.BackgroundRole:
                if row.state is DeadlineState.OVERDUE:
                    return QBrush(colour("danger_back"))
                if row.state is DeadlineState.DUE_TODAY:
                    return QBrush(colour("warning_back"))
            elif role == Qt.ItemDataRole.FontRole:
                if row.state in (DeadlineState.OVERDUE, DeadlineState.DUE_TODAY):
                    return self._bold
            elif role == Qt.ItemDataRole.AccessibleTextRole:
                return row.texts[column] or "No deadline"
        elif column == Column.REFERENCE and role == Qt.ItemDataRole.FontRole:
            return self._bold
        elif column == ReviewColumn.REVIEW and role == Qt.ItemDataRole.ForegroundRole:
            review_on, now = row.case.review_on, self.now
            if (
                review_on is not None
                and now is not None
                and review_on <= now.astimezone(LONDON).date()
            ):
                return QBrush(colour("danger"))  # the review is due now
        elif column == ReviewColumn.RULE and role == Qt.ItemDataRole.ToolTipRole:
            return row.texts[column]
        elif column in (Column.CATEGORY, Column.STATUS) and role in (
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return row.texts[column]  # from SafeLog's own lists, never typed by a user
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

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
        rows = self.rows
        self.order.sort(
            key=lambda b: rows[b].keys[column],
            reverse=order == Qt.SortOrder.DescendingOrder,
        )


# --------------------------------------------------------------------------------------------
# The filter


NOT_CLOSED = "not-closed"


class CaseFilterProxy(QSortFilterProxyModel):
    """Status, category and overdue filters and search as you type.

    Which rows pass is worked out once per change, in Python, into a list of booleans in the
    model's row order: one pass over the search index the model folded when it was reset (or,
    while the user keeps typing, over the previous matches only). Qt's per-row callback is then
    one list lookup. Sorting is handed to the model (see CaseListModel.sort).

    The owner calls `refilter()` (or a setter) and reads `rowCount()` afterwards; there is no
    "filter changed" signal: one would be emitted on every keystroke."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.query = ""
        self.status: str | None = None  # a status code, NOT_CLOSED, or None for all
        self.category: str | None = None
        self.overdue_only = False
        self.review_only = False  # due for retention review (see `due_for_review`)
        self._model: CaseListModel | None = None
        self._accepted: list[bool] | None = None  # by model row; None accepts all
        self._accepted_generation = -1
        # The last search: its folded text and the model rows (load order) it matched.
        self._last_search: tuple[int, str, list[int]] | None = None

    def source(self) -> CaseListModel:
        assert self._model is not None
        return self._model

    def setSourceModel(self, model: Any) -> None:
        assert isinstance(model, CaseListModel)
        self._model = model
        self._accepted_generation = -1
        self._last_search = None
        super().setSourceModel(model)

    # -- the filters -----------------------------------------------------------------------

    def set_search(self, text: str) -> None:
        if text == self.query:
            return
        same = fold(text) == fold(self.query)  # a trailing space, or another letter case
        self.query = text
        if not same:
            self.refilter()

    def set_status(self, status: str | None) -> None:
        if status != self.status:
            self.status = status
            self.refilter()

    def set_category(self, category: str | None) -> None:
        if category != self.category:
            self.category = category
            self.refilter()

    def set_overdue_only(self, on: bool) -> None:
        if on != self.overdue_only:
            self.overdue_only = on
            self.refilter()

    def set_review_only(self, on: bool) -> None:
        if on != self.review_only:
            self.review_only = on
            self.refilter()

    def is_filtering(self) -> bool:
        return bool(
            self.query.strip()
            or self.status
            or self.category
            or self.overdue_only
            or self.review_only
        )

    def refilter(self) -> None:
        self._accepted_generation = -1
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.invalidateRowsFilter()

    # -- working out which rows pass -----------------------------------------------------------

    def _matches(self, model: CaseListModel) -> list[int]:
        """Model rows (load order) whose text holds every word typed."""
        folded = fold(self.query)
        last = self._last_search
        haystacks = model.search_index.haystacks
        if last is not None and last[0] == model.generation and folded.startswith(last[1]):
            # Typing on narrows: every earlier word is still there, or grew. Rescan the
            # earlier matches only.
            words = folded.split()
            if len(words) == 1:
                word = words[0]
                found = [i for i in last[2] if word in haystacks[i]]
            else:
                found = [i for i in last[2] if all(w in haystacks[i] for w in words)]
        else:
            found = model.search_index.matching(self.query)
        self._last_search = (model.generation, folded, found)
        return found

    def _compute(self, model: CaseListModel) -> list[bool] | None:
        if not self.is_filtering():
            return None
        rows = model.rows
        candidates: Sequence[int] = self._matches(model) if self.query.strip() else range(len(rows))
        status, category, overdue = self.status, self.category, self.overdue_only
        by = review_by(model.now) if self.review_only and model.now is not None else None
        passing = bytearray(len(rows))
        for i in candidates:
            row = rows[i]
            case = row.case
            if status is not None:
                if status == NOT_CLOSED:
                    if case.status == CaseStatus.CLOSED:
                        continue
                elif case.status != status:
                    continue
            if category is not None and case.category != category:
                continue
            if overdue and row.state is not DeadlineState.OVERDUE:
                continue
            if by is not None and not due_for_review(case, by):
                continue
            passing[i] = 1
        # In the order Qt asks about (the model's displayed order, after sorting).
        return [passing[base] == 1 for base in model.order]

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self._model
        if model is None:
            return True
        if self._accepted_generation != model.generation:
            self._accepted = self._compute(model)
            self._accepted_generation = model.generation
        accepted = self._accepted
        return True if accepted is None else accepted[source_row]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.source().sort(column, order)

    def summary_at(self, row: int) -> CaseSummary:
        return self.source().summary_at(self.mapToSource(self.index(row, 0)).row())


# --------------------------------------------------------------------------------------------
# The view


class _CaseTable(QTableView):
    """Enter or Return opens the current case on every platform (Qt's `activated` does not
    on all of them)."""

    open_requested = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class _SearchBox(QLineEdit):
    """Down arrow (or Return) moves into the list; Escape clears the search."""

    to_list = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.to_list.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)


def _column_samples(full_status: bool) -> dict[int, tuple[str, bool]]:
    return {
        Column.REFERENCE: ("SL-2026-00000", True),
        Column.RECEIVED: ("00/00/0000 00:00", False),
        Column.CATEGORY: ("Cyberbullying or trolling of", False),
        Column.STATUS: (
            "Escalated: referred on and awaiting others" if full_status else "Acknowledged",
            False,
        ),
        Column.DEADLINE: ("Overdue: 00/00/0000 00:00", True),
        ReviewColumn.REVIEW: ("Review on ▾", True),
        ReviewColumn.RULE: ("Allegation against staff: 10 years from the allegation", False),
    }


class CaseListView(QWidget):
    """A searchable, sortable, filterable list of the cases this user may read.

    `include` restricts which cases show (a predicate on CaseSummary, run in the worker).
    With `follow_events=False` the owner feeds it with `show_cases` / `show_prepared`; with
    `sortable=False` rows stay in the order given. `review_filter` offers "Due for review"
    (retention reviews in the next 90 days or past, by date); by default to the DSL,
    headteacher and chair, who manage cases."""

    open_case = Signal(str)
    loaded = Signal(int)  # rows in the model after a load
    current_changed = Signal(str)  # reference of the current row, "" for none

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        include: Callable[[CaseSummary], bool] | None = None,
        show_filters: bool = True,
        follow_events: bool = True,
        hidden_columns: Sequence[Column] = (),
        empty_text: str = "There are no cases to show yet.",
        name: str = "Cases",
        full_status: bool = False,
        sortable: bool = True,
        noun: tuple[str, str] = ("case", "cases"),
        review_filter: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._include = include
        self._empty_text = empty_text
        self._noun = noun
        self._generation = 0
        self._loading = False
        self._again = False
        self._stale = False
        self._follow = follow_events
        self._load_failed = False
        self._ever_loaded = False

        self.model = CaseListModel(self)
        self.model.short_status = not full_status
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.search = named(
            _SearchBox(self),
            f"Search {name.lower()}",
            "Type part of a reference, summary, category, status or date; the list narrows "
            "as you type. Down arrow moves into the list.",
        )
        self.search.setPlaceholderText("Search: reference, words in the summary, category…")
        self.search.setClearButtonEnabled(True)
        self.status_filter = named(QComboBox(self), "Show cases with status")
        self.status_filter.addItem("All statuses", None)
        self.status_filter.addItem("Not closed", NOT_CLOSED)
        for status in CaseStatus:
            self.status_filter.addItem(status.label, status.value)
        # Sized like the category filter (the list drops down at full width), so the
        # search box keeps room to read what is typed.
        self.status_filter.setMinimumContentsLength(14)
        self.status_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.category_filter = named(QComboBox(self), "Show cases in category")
        self.category_filter.addItem("All categories", None)
        for category in CATEGORIES:
            self.category_filter.addItem(category.title, category.code)
        self.category_filter.setMinimumContentsLength(18)
        self.category_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.overdue_filter = named(
            QCheckBox("&Overdue only", self), "Show only cases with an overdue deadline"
        )
        self.review_filter = named(
            QCheckBox("Due for re&view", self),
            "Show only cases due for retention review",
            f"Cases whose retention review date is within {REVIEW_WINDOW_DAYS} days or has "
            "passed, earliest first, with the rule that set the date.",
        )
        if review_filter is None:
            session = context.session
            review_filter = (
                show_filters and session is not None and bool(session.person.roles & CASE_MANAGERS)
            )
        self._sort_before_review: tuple[int, Qt.SortOrder] | None = None

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.category_filter, 1)
        filters.addWidget(self.overdue_filter)
        filters.addWidget(self.review_filter)
        self.filter_bar = QWidget(self)
        self.filter_bar.setLayout(filters)
        filters.setContentsMargins(0, 0, 0, 0)
        self.filter_bar.setVisible(show_filters)
        layout.addWidget(self.filter_bar)

        self.table = named(_CaseTable(self), name, "Press Enter to open the selected case.")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(max(26, self.fontMetrics().height() + 10))
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.SUMMARY, QHeaderView.ResizeMode.Stretch)
        self.fitter = ColumnFitter(self.table, _column_samples(full_status))
        self.fitter.apply()
        if sortable:  # newest first until the user picks a column
            header.setSortIndicator(Column.RECEIVED, Qt.SortOrder.DescendingOrder)
            self.table.setSortingEnabled(True)
        self._hidden_columns = frozenset(hidden_columns) | set(REVIEW_COLUMNS)
        for column in self._hidden_columns:
            self.table.setColumnHidden(column, True)
        self.review_filter.setVisible(bool(review_filter))
        # Without deadlines on show, "overdue only" would filter by something unseen.
        self.overdue_filter.setVisible(Column.DEADLINE not in hidden_columns)
        layout.addWidget(self.table, 1)

        self.status_line = plain_label("", self, role="muted", wrap=True)
        named(self.status_line, f"{name}: status")
        layout.addWidget(self.status_line)
        self.problems_line = plain_label("", self, role="warning", wrap=True)
        named(self.problems_line, f"{name}: left out")
        self.problems_line.hide()
        layout.addWidget(self.problems_line)

        self.search.textChanged.connect(self._search_changed)
        self.search.to_list.connect(self._focus_list)
        self.status_filter.currentIndexChanged.connect(self._filters_changed)
        self.category_filter.currentIndexChanged.connect(self._filters_changed)
        self.overdue_filter.toggled.connect(self._filters_changed)
        self.review_filter.toggled.connect(self._review_toggled)
        self.table.open_requested.connect(self._open_index)
        self.table.doubleClicked.connect(self._open_index)
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(self._current_row_changed)

        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self._focus_search)

        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(60_000)
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start()

        # Bound methods only: Qt drops a connection to a bound method when its widget is
        # destroyed, but a lambda outlives the widget and, at the next person's sign-in on
        # the same PC, calls into a deleted list (issue 11).
        events = context.events
        events.locked.connect(self.clear)
        if follow_events:
            events.cases_changed.connect(self._cases_changed)
            events.signed_in.connect(self._signed_in)
        self.setFocusProxy(self.table)

    # -- loading ---------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        return self._loading

    def refresh(self) -> None:
        """Load the cases in the worker; the window stays responsive meanwhile."""
        if self._loading:
            self._again = True
            return
        session = self._context.session
        if session is None or session.locked:
            return  # nothing to load with; locking has cleared the list already
        from safelog.vault.cases import list_cases

        self._stale = False
        self._ever_loaded = True
        self._loading = True
        self._generation += 1
        generation = self._generation
        include = self._include
        now = self._context.clock()
        if not self.model.rows:
            self.status_line.setText("Loading cases…")

        def work() -> PreparedCases:
            cases = list_cases(session)
            if include is not None:
                cases = [c for c in cases if include(c)]
            prepared = prepare_rows(cases, now)
            prepared.problems = tuple(session.list_problems)
            return prepared

        run_guarded(
            self._context,
            self,
            work,
            lambda prepared: self._loaded(generation, prepared),
            lambda exc: self._failed(generation, exc),
        )

    def show_cases(self, cases: Sequence[CaseSummary]) -> None:
        """Show these cases (the owner loaded them); `include` still applies."""
        if self._include is not None:
            cases = [c for c in cases if self._include(c)]
        self.show_prepared(prepare_rows(cases, self._context.clock()))

    def show_prepared(self, prepared: PreparedCases) -> None:
        current = self.current_reference()
        row = self.table.currentIndex().row()
        self.model.set_prepared(prepared)
        self._show_review_count(prepared.review_due)
        self.show_problems(prepared.problems)
        self._ever_loaded = True
        self._load_failed = False
        self._restore_current(current, row)
        self._show_count()
        self.loaded.emit(self.model.rowCount())

    def show_problems(self, problems: Sequence[str]) -> None:
        """Say which cases were left out of the list because they failed their checks
        (tampering outside SafeLog), rather than letting them vanish."""
        if problems:
            self.problems_line.setText(
                "Left out of this list because they failed their checks:\n"
                + "\n".join(f"• {problem}" for problem in problems)
            )
        self.problems_line.setVisible(bool(problems))

    def _loaded(self, generation: int, prepared: PreparedCases) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self.show_prepared(prepared)
        if self._again:
            self._again = False
            self.refresh()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._again = False
        self._load_failed = True
        self.status_line.setText("The cases could not be loaded. " + error_text(exc))

    def _cases_changed(self, _reference: str) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True  # loaded when next shown: hidden lists cost nothing

    def _signed_in(self, _session: object) -> None:
        self._cases_changed("")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._follow and (self._stale or not self._ever_loaded):
            self.refresh()

    def clear(self) -> None:
        """Forget every case shown and anything typed in the search (on lock)."""
        self._generation += 1
        self._loading = False
        self._again = False
        self._stale = False
        self.search.clear()
        self.model.clear()
        self._show_review_count(None)
        self.status_line.setText("")
        self.show_problems(())

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search(text)
        self._show_count()

    def _filters_changed(self, *_args: object) -> None:
        self.proxy.set_status(self.status_filter.currentData())
        self.proxy.set_category(self.category_filter.currentData())
        self.proxy.set_overdue_only(self.overdue_filter.isChecked())
        self._show_count()

    def _tick(self) -> None:
        if self.model.rows:
            self.model.set_now(self._context.clock())
            if self.proxy.overdue_only or self.proxy.review_only:
                self.proxy.refilter()

    # -- due for review ----------------------------------------------------------------------

    def _show_review_count(self, count: int | None) -> None:
        label = "Due for re&view" if count is None else f"Due for re&view ({count})"
        self.review_filter.setText(label)

    def _review_toggled(self, on: bool) -> None:
        """Due for review: the review date and rule instead of when it came in and where it
        stands, earliest review first; the columns and order come back when it is unticked."""
        header = self.table.horizontalHeader()
        for hidden in (Column.RECEIVED, Column.STATUS, Column.DEADLINE):
            self.table.setColumnHidden(hidden, on or hidden in self._hidden_columns)
        for shown in REVIEW_COLUMNS:
            self.table.setColumnHidden(shown, not on)
        # The rule takes the spare width while it is shown; the summary gets it back after.
        stretch, fixed = (
            (ReviewColumn.RULE, Column.SUMMARY) if on else (Column.SUMMARY, ReviewColumn.RULE)
        )
        header.setSectionResizeMode(fixed, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        if on:
            header.resizeSection(
                Column.SUMMARY, text_width(self.table, "Messages to a former pupil")
            )
        if self.table.isSortingEnabled():
            if on:
                self._sort_before_review = (
                    header.sortIndicatorSection(),
                    header.sortIndicatorOrder(),
                )
                self.table.sortByColumn(ReviewColumn.REVIEW, Qt.SortOrder.AscendingOrder)
            elif self._sort_before_review is not None:
                self.table.sortByColumn(*self._sort_before_review)
                self._sort_before_review = None
        self.proxy.set_review_only(on)
        self._show_count()

    # -- selection and opening ---------------------------------------------------------------

    def current_reference(self) -> str:
        index = self.table.currentIndex()
        if not index.isValid():
            return ""
        return self.proxy.summary_at(index.row()).reference

    def current_summary(self) -> CaseSummary | None:
        index = self.table.currentIndex()
        return self.proxy.summary_at(index.row()) if index.isValid() else None

    def select_reference(self, reference: str) -> bool:
        row = self.model.row_of_reference(reference)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def visible_references(self) -> list[str]:
        return [self.proxy.summary_at(r).reference for r in range(self.proxy.rowCount())]

    def _restore_current(self, reference: str, row: int) -> None:
        if reference and self.select_reference(reference):
            return
        count = self.proxy.rowCount()
        if count:
            index = self.proxy.index(min(max(row, 0), count - 1), 0)
            self.table.setCurrentIndex(index)
            self.table.selectRow(index.row())

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_case.emit(self.proxy.summary_at(index.row()).reference)

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_changed.emit(
            self.proxy.summary_at(current.row()).reference if current.isValid() else ""
        )

    def _focus_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, 0))
            self.table.selectRow(0)

    def _focus_search(self) -> None:
        if self.filter_bar.isVisible():
            self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.search.selectAll()

    def _show_count(self) -> None:
        if self._loading and not self.model.rows:
            return
        if self._load_failed:
            return
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        if self.proxy.review_only and total:
            by = uk_date(review_by(self.model.now or self._context.clock()))
            noun = self._noun[0] if shown == 1 else self._noun[1]
            self.status_line.setText(
                f"{shown} {noun} due for retention review by {by} or already past, earliest first."
                if shown
                else f"Nothing is due for retention review by {by}."
            )
            return
        if total == 0:
            text = self._empty_text
        elif shown == 0:
            text = (
                f"No {self._noun[1]} match the search and filters. "
                "Clear the search box to see them all."
            )
        elif shown == total:
            text = f"{total} {self._noun[0] if total == 1 else self._noun[1]}"
        else:
            text = f"Showing {shown} of {total} {self._noun[1]}"
        self.status_line.setText(text)
