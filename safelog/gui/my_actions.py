"""My actions: the actions given to the signed-in person on every case they can read, not yet
done, overdue first and then by due date. Opening one opens its case.

What it lists comes from each case's sealed list entry (vault/open_actions.py), so it shows
only cases this person's keys open; opening the case shows its checked record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QFont, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.actions import MyAction
from safelog.domain.deadlines import DeadlineState
from safelog.domain.retention import plain_date
from safelog.gui.errors import error_text
from safelog.gui.formatting import uk_time
from safelog.gui.theme import colour
from safelog.gui.widgets import ColumnFitter, heading_label, named, plain_label
from safelog.gui.worker import LatestOnly
from safelog.text import visible

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session

EMPTY = (
    "You have no actions to do. When an action on a case is given to you, it is listed here "
    "until it is marked done."
)
INTRO = (
    "Actions given to you on the cases you can read, not yet done: overdue ones first, then "
    "by due date. Double-click one, or select it and press Enter, to open its case."
)
DUE, ACTION, CASE = 0, 1, 2
HEADERS = ("Due", "What needs doing", "Case")
# As the case list shows deadlines.
_COLOURS = {
    DeadlineState.OVERDUE: ("danger", "danger_back"),
    DeadlineState.DUE_TODAY: ("due_today", "warning_back"),
}


def due_words(item: MyAction) -> str:
    """'Overdue: 19 November 2026', 'Due today: 20 November 2026', '27 November 2026'."""
    due = item.action.due
    if due is None:
        return "No due date"
    if item.state is DeadlineState.OVERDUE:
        return f"Overdue: {plain_date(due)}"
    if item.state is DeadlineState.DUE_TODAY:
        return f"Due today: {plain_date(due)}"
    return plain_date(due)


@dataclass(frozen=True)
class MyActionsData:
    actions: list[MyAction]
    now: datetime
    problems: tuple[str, ...] = ()  # cases left out because they failed their checks


def load_my_actions(session: Session, now: datetime) -> MyActionsData:
    """Run in the worker: the signed-in person's open actions, from the case list."""
    from safelog.vault.cases import list_my_actions

    return MyActionsData(list_my_actions(session, now), now, tuple(session.list_problems))


class _ActionTable(QTableWidget):
    """Enter or Return opens the current row's case on every platform."""

    open_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.open_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class MyActionsView(QWidget):
    """Emits `open_case(reference)` to open a case and `loaded()` after each load."""

    open_case = Signal(str)
    loaded = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loader = LatestOnly(context, self, self._loaded, self._failed, reload=self.refresh)
        self._ever_loaded = False
        self.data: MyActionsData | None = None

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading_label("My actions", self))
        top.addStretch(1)
        self.updated = named(
            plain_label("", self, role="muted", wrap=False), "When the list was last updated"
        )
        top.addWidget(self.updated)
        self.refresh_button = named(QPushButton("Re&fresh", self), "Refresh my actions")
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        layout.addWidget(plain_label(INTRO, self, role="muted"))

        self.message = named(plain_label("", self, role="warning"), "Problem")
        self.message.hide()
        layout.addWidget(self.message)
        self.problems_line = named(plain_label("", self, role="warning"), "My actions: left out")
        self.problems_line.hide()
        layout.addWidget(self.problems_line)

        self.table = named(_ActionTable(0, len(HEADERS), self), "My actions")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ACTION, QHeaderView.ResizeMode.Stretch)
        ColumnFitter(
            self.table,
            {DUE: ("Due today: 30 September 0000", True), CASE: ("SL-2026-00000", True)},
        ).apply()
        layout.addWidget(self.table, 1)
        self.empty = plain_label(EMPTY, self, role="muted")
        named(self.empty, "No actions")
        self.empty.hide()
        layout.addWidget(self.empty)

        buttons = QHBoxLayout()
        self.open_button = named(
            QPushButton("&Open case", self), "Open the case of the selected action"
        )
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self._bold = QFont(self.table.font())
        self._bold.setBold(True)
        self.refresh_button.clicked.connect(self.refresh)
        self.open_button.clicked.connect(self.open_selected)
        self.table.open_requested.connect(self.open_selected)
        self.table.cellDoubleClicked.connect(lambda _row, _column: self.open_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.refresh)
        context.events.locked.connect(self.clear)
        context.events.cases_changed.connect(self._cases_changed)
        self._update_buttons()
        self.setFocusProxy(self.table)

    # -- loading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.loader.defer():
            return
        session = self.context.session
        if session is None or session.locked:
            self.clear()
            return
        self._ever_loaded = True
        if self.data is None:
            self.updated.setText("Loading…")
        now = self.context.clock()
        self.loader.run(lambda: load_my_actions(session, now))

    def _loaded(self, data: MyActionsData) -> None:
        self.message.hide()
        self.show_actions(data)
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.updated.setText("")
        self.message.setText("Your actions could not be loaded. " + error_text(exc))
        self.message.show()

    def _cases_changed(self, _reference: str) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._ever_loaded = False  # loaded when next shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._ever_loaded:
            self.refresh()

    # -- showing ---------------------------------------------------------------------------

    def show_actions(self, data: MyActionsData) -> None:
        current = self.current_reference(), self.current_action_id()
        self.data = data
        self.table.setRowCount(len(data.actions))
        for row, item in enumerate(data.actions):
            due = self._cell(due_words(item))
            colours = _COLOURS.get(item.state)
            if colours is not None:
                due.setForeground(QBrush(colour(colours[0])))  # the light or dark scheme's
                due.setBackground(QBrush(colour(colours[1])))
                due.setFont(self._bold)
            due.setData(Qt.ItemDataRole.UserRole, item.reference)
            self.table.setItem(row, DUE, due)
            # Typed by a person: shown literally, line breaks and hidden characters visible.
            text = visible(item.action.text, multi_line=False)
            action = self._cell(text)
            action.setToolTip(text)
            action.setData(Qt.ItemDataRole.UserRole, item.action.id)
            self.table.setItem(row, ACTION, action)
            case = self._cell(item.reference)
            case.setFont(self._bold)
            self.table.setItem(row, CASE, case)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(data.actions))
        self.empty.setVisible(not data.actions)
        if data.problems:
            self.problems_line.setText(
                "Left out because they failed their checks:\n"
                + "\n".join(f"• {problem}" for problem in data.problems)
            )
        self.problems_line.setVisible(bool(data.problems))
        self.updated.setText(f"Updated {uk_time(data.now)}")
        self._select(*current)
        self._update_buttons()

    @staticmethod
    def _cell(text: str) -> QTableWidgetItem:
        cell = QTableWidgetItem(text)
        cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        return cell

    def _select(self, reference: str, action_id: str) -> None:
        rows = self.table.rowCount()
        if not rows:
            return
        actions = self.data.actions if self.data else []
        row = next(
            (
                r
                for r, item in enumerate(actions)
                if item.reference == reference and item.action.id == action_id
            ),
            0,
        )
        self.table.setCurrentCell(row, DUE)
        self.table.selectRow(row)

    def clear(self) -> None:
        """Forget every action shown (on lock)."""
        self.loader.reset()
        self._ever_loaded = False
        self.data = None
        self.table.setRowCount(0)
        self.table.show()
        self.empty.hide()
        self.problems_line.hide()
        self.message.hide()
        self.updated.setText("")
        self._update_buttons()

    # -- acting ----------------------------------------------------------------------------

    def current_reference(self) -> str:
        item = (
            self.table.item(self.table.currentRow(), DUE) if self.table.currentRow() >= 0 else None
        )
        return str(item.data(Qt.ItemDataRole.UserRole) or "") if item is not None else ""

    def current_action_id(self) -> str:
        row = self.table.currentRow()
        item = self.table.item(row, ACTION) if row >= 0 else None
        return str(item.data(Qt.ItemDataRole.UserRole) or "") if item is not None else ""

    def open_selected(self) -> None:
        reference = self.current_reference()
        if reference:
            self.open_case.emit(reference)

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(bool(self.current_reference()))
        self.open_button.setVisible(bool(self.data and self.data.actions))
