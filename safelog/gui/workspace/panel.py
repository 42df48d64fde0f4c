"""What every tab of the case workspace shares: the case as loaded, the way a tab saves
(through the workspace, in the worker), and a few small widgets made the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from safelog.gui.widgets import ColumnFitter, named, plain_label
from safelog.vault.records import CaseDetail

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.receipts import ReceiptDetail
    from safelog.vault.session import Session

# One change to the case: called in the worker with the session and the case reference.
SaveOp = Callable[["Session", str], object]


class Saver(Protocol):
    def __call__(
        self, op: SaveOp, on_saved: Callable[[], None], on_failed: Callable[[str], None]
    ) -> None: ...


@dataclass
class CaseView:
    """One loaded case, with what the tabs need to show it."""

    detail: CaseDetail
    escalations: list[dict[str, Any]]
    names: dict[str, str]  # user id -> name, from the verified directory
    user_names: list[str]  # enrolled users, for "owner" pickers
    now: datetime
    can_edit: bool
    is_dsl: bool
    my_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    my_id: str = ""
    # For the reporter, who reads their report only from its receipt (DESIGN §3.5): what they
    # sent, its status and the replies; `detail` then holds only what they sent.
    receipt: ReceiptDetail | None = None
    being_handled: bool = False  # the report is sealed away from its reporter (DESIGN §3.5)

    @property
    def reported_by_someone_else(self) -> bool:
        reporter = self.fields.get("reporter")
        return bool(reporter) and reporter != self.my_id

    @property
    def fields(self) -> Mapping[str, Any]:
        return self.detail.fields

    def name_of(self, user_id: str | None) -> str:
        if not user_id:
            return ""
        return self.names.get(user_id, "someone no longer in SafeLog")


class WorkspacePanel(QWidget):
    """A tab of the workspace. `show_case` fills it from a load; it must not clear what the
    user is typing (a reload follows every save, including other people's)."""

    title = ""
    # The boxes whose typed, not yet added text is kept for its writer (workspace/unsaved.py).
    kept_fields: tuple[str, ...] = ()

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(parent)
        self.context = context
        self.save = save
        self.view: CaseView | None = None

    def show_case(self, view: CaseView) -> None:
        self.view = view

    def clear(self) -> None:
        """Forget the case and anything typed (on lock)."""
        self.view = None

    def count(self) -> int | None:
        """A number for the tab's label, or None."""
        return None


class FormError(QLabel):
    """An error shown next to the form it is about, in plain words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setProperty("role", "warning")
        self.setAccessibleName("Problem")
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.show()

    def clear_error(self) -> None:
        self.setText("")
        self.hide()


class Notice(QLabel):
    """A short confirmation ("Entry added.")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setProperty("role", "muted")
        self.setAccessibleName("Result")


def form_footer(
    form: QFormLayout, parent: QWidget, *buttons: QPushButton
) -> tuple[FormError, Notice]:
    """The foot of an entry form: its buttons on one row, then the error and notice lines."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    form.addRow(row)
    error, notice = FormError(parent), Notice(parent)
    form.addRow(error)
    form.addRow(notice)
    return error, notice


DATE_TIME = "00/00/0000 00:00"


class WrappingTable(QTableWidget):
    """A table whose wrapped rows take the height their text needs at the current widths."""

    def __init__(self, rows: int, columns: int, parent: QWidget | None = None) -> None:
        super().__init__(rows, columns, parent)
        self._fit_pending = False
        self.horizontalHeader().sectionResized.connect(self.fit_rows)

    def fit_rows(self, *_args: object) -> None:
        # Once per burst of resizes, after the layout has settled.
        if not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self, self._fit_now)  # owned: no call after the table is gone

    def _fit_now(self) -> None:
        self._fit_pending = False
        self.resizeRowsToContents()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_rows()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_rows()


def read_only_table(
    parent: QWidget,
    name: str,
    headers: Sequence[str],
    stretch: int | None = None,
    widths: dict[int, str] | None = None,
) -> QTableWidget:
    """A table of plain-text cells. `widths` gives, per column, a sample of the longest text it
    should show without cutting (measured in the table's font)."""
    table = named(WrappingTable(0, len(headers), parent), name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    if widths:
        fitter = ColumnFitter(table, {c: (sample, False) for c, sample in widths.items()})
        fitter.apply()
    return table


def fill_table(
    table: QTableWidget, rows: Sequence[Sequence[str]], keys: Sequence[Any] | None = None
) -> None:
    """Replace the rows; `keys` are kept on the first cell (Qt.UserRole) of each row."""
    current = table.currentRow()
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            if c == 0 and keys is not None:
                item.setData(Qt.ItemDataRole.UserRole, keys[r])
            table.setItem(r, c, item)
    table.resizeRowsToContents()
    if isinstance(table, WrappingTable):
        table.fit_rows()
    if rows and current >= 0:
        table.selectRow(min(current, len(rows) - 1))


def row_key(table: QTableWidget) -> Any:
    item = table.item(table.currentRow(), 0) if table.currentRow() >= 0 else None
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


def empty_note(parent: QWidget, text: str) -> QLabel:
    return plain_label(text, parent, role="muted")
