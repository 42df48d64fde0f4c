"""The school roll as a table: one row a pupil (name, year, form, date of birth, UPN, left on),
in the order given, pupils who have left shown greyed with the date they left."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from safelog.domain.roll import Pupil
from safelog.gui.formatting import uk_date
from safelog.gui.pupil_words import pupil_name, year_label
from safelog.text import visible


class RollColumn(IntEnum):
    NAME = 0
    YEAR = 1
    FORM = 2
    BORN = 3
    UPN = 4
    LEFT = 5


HEADERS = ("Name", "Year", "Form", "Date of birth", "UPN", "Left on")
# The longest text each column should show without cutting it.
SAMPLES = {
    RollColumn.YEAR: "Reception",
    RollColumn.FORM: "Form group",
    RollColumn.BORN: "Date of birth",
    RollColumn.UPN: "A000000000000",
    RollColumn.LEFT: "00/00/0000",
}


def pupil_cells(pupil: Pupil) -> tuple[str, str, str, str, str, str]:
    return (
        pupil_name(pupil),
        year_label(pupil.year),
        visible(pupil.form),
        uk_date(pupil.date_of_birth),
        visible(pupil.upn),
        uk_date(pupil.left_on),
    )


Index = QModelIndex | QPersistentModelIndex


class RollTableModel(QAbstractTableModel):
    """`muted` is the brush a leaver's row is drawn with (the view's placeholder colour)."""

    def __init__(self, muted: QBrush, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.muted = muted
        self.pupils: list[Pupil] = []
        self.cells: list[tuple[str, ...]] = []

    def set_pupils(self, pupils: Sequence[Pupil]) -> None:
        self.beginResetModel()
        self.pupils = list(pupils)
        self.cells = [pupil_cells(p) for p in self.pupils]
        self.endResetModel()

    def pupil_at(self, row: int) -> Pupil | None:
        return self.pupils[row] if 0 <= row < len(self.pupils) else None

    def row_of(self, pupil_id: str) -> int | None:
        return next((r for r, p in enumerate(self.pupils) if p.id == pupil_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.pupils)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.pupils):
            return None
        pupil = self.pupils[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and pupil.left_on is not None:
            return self.muted
        if role == Qt.ItemDataRole.ToolTipRole and pupil.left_on is not None:
            return f"Left the school on {uk_date(pupil.left_on)}"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None
