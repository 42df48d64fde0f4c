"""The case list view: the table of cases with search as you type and filters, loaded off the
GUI thread. Its item model is in case_list_model.py and its filter proxy in case_list_filter.py.

Speed (DESIGN §7, 10,000 cases): everything per case that costs anything (display strings,
sort keys, the folded search text) is prepared once per load in the worker; sorting is done by
the model in Python over precomputed keys (one C++ -> Python call per comparison would take
seconds), and each keystroke is one pass over the prepared search index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
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

from safelog.domain.categories import all_categories
from safelog.domain.outcomes import CaseStatus
from safelog.domain.roles import CASE_MANAGERS
from safelog.gui.bulk_load import collector_paused
from safelog.gui.case_list_filter import NOT_CLOSED, CaseFilterProxy
from safelog.gui.case_list_model import (
    REVIEW_COLUMNS,
    REVIEW_WINDOW_DAYS,
    CaseListModel,
    Column,
    PreparedCases,
    ReviewColumn,
    prepare_rows,
    review_by,
)
from safelog.gui.errors import error_text
from safelog.gui.formatting import uk_date
from safelog.gui.widgets import ColumnFitter, named, plain_label, text_width
from safelog.gui.worker import LatestOnly
from safelog.vault.records import CaseSummary

if TYPE_CHECKING:
    from safelog.gui.context import AppContext


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
        self.loader = LatestOnly(
            context, self, self.show_prepared, self._failed, reload=self.refresh
        )
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
        for category in all_categories():
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
        # Cells laid out without optional shaping: a repaint of the visible rows, most of a
        # search keystroke, costs a third less (issue 17). Latin text loses only kerning;
        # scripts that need shaping are still shaped. Only the strategy is set here, so the
        # size and family still follow the application's.
        cell_font = QFont()
        cell_font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        self.table.setFont(cell_font)
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
        return self.loader.loading

    def refresh(self) -> None:
        """Load the cases in the worker; the window stays responsive meanwhile."""
        if self.loader.defer():
            return
        session = self._context.session
        if session is None or session.locked:
            return  # nothing to load with; locking has cleared the list already
        from safelog.vault.cases import list_cases

        self._stale = False
        self._ever_loaded = True
        include = self._include
        now = self._context.clock()
        if not self.model.cases:
            self.status_line.setText("Loading cases…")

        def work() -> PreparedCases:
            with collector_paused():  # no collector pass over the whole process mid-load
                cases = list_cases(session)
                if include is not None:
                    cases = [c for c in cases if include(c)]
                prepared = prepare_rows(cases, now)
            prepared.problems = tuple(session.list_problems)
            return prepared

        self.loader.run(work)

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

    def _failed(self, exc: BaseException) -> None:
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
        self.loader.reset()
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
        if self.model.cases:
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
        row = self.proxy.row_of_reference(reference)
        if row < 0:
            return False
        index = self.proxy.index(row, 0)
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
        if self.loader.loading and not self.model.cases:
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
