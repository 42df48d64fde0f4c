"""Small widgets and helpers every SafeLog window shares: plain-text labels (user text is
never rich text), accessible names, the busy note, a monospace font and column fitting.

Nothing here imports more than PySide6 and (when text is shown) safelog.text: the sign-in
window uses it and must appear at once, so the `Qt` namespace is reached as `QtCore.Qt` (see
dialogs.py), and the font database and metrics as `QtGui.…` when a font is asked for:
PySide6 builds each class's type on first use, and the sign-in window uses neither before
its first paint (issue 17)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PySide6 import QtCore, QtGui
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QAbstractItemView

W = TypeVar("W", bound=QWidget)


def monospace_font() -> QFont:
    database = QtGui.QFontDatabase
    font = database.systemFont(database.SystemFont.FixedFont)
    font.setPointSizeF(max(font.pointSizeF(), 12.0))
    return font


def plain_label(
    text: str = "",
    parent: QWidget | None = None,
    role: str | None = None,
    *,
    wrap: bool = True,
    selectable: bool = False,
) -> QLabel:
    """A label for text that may come from a user or the database: shows its text literally,
    never rich text, and a control or direction-override character shown as "<U+202E>", not
    obeyed."""
    label = QLabel(parent)
    label.setWordWrap(wrap)
    if role:
        label.setProperty("role", role)
    if selectable:
        label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
            | QtCore.Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
    set_plain_text(label, text)
    return label


def set_plain_text(label: QLabel, text: str) -> None:
    """Literally what `text` says: never rich text, and a control or direction-override
    character stored by an older or modified client is shown as "<U+202E>", not obeyed."""
    from safelog.text import visible  # its patterns compile after the first paint

    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    label.setText(visible(text, multi_line=True))


class BusyNote(QWidget):
    """An indeterminate progress bar with a line saying what is happening."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)  # plain text from the first start(): see set_plain_text
        self.label.setWordWrap(True)
        self.label.setProperty("role", "muted")
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.setVisible(False)

    def start(self, text: str) -> None:
        set_plain_text(self.label, text)
        self.bar.setAccessibleName(text)
        self.setVisible(True)

    def stop(self) -> None:
        self.setVisible(False)

    @property
    def busy(self) -> bool:
        return not self.isHidden()


def heading_label(text: str, parent: QWidget | None = None) -> QLabel:
    label = plain_label(text, parent, wrap=False)
    label.setObjectName("heading")
    return label


def named(widget: W, name: str, description: str = "") -> W:
    """Give a control the name a screen reader announces."""
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark a field as the one an error is about (the style sheet draws a red border)."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def text_width(widget: QWidget, sample: str, *, bold: bool = False, padding: int = 28) -> int:
    """Pixels a column needs to show `sample` in the widget's font (DPI and text size aware)."""
    font = QtGui.QFont(widget.font())
    font.setBold(bold)
    return QtGui.QFontMetrics(font).horizontalAdvance(sample) + padding


class ColumnFitter(QObject):
    """Keeps columns wide enough for sample texts in the table's *current* font: the style
    sheet (and the user's text size) only apply once the table is shown, so measuring at
    construction would cut dates short."""

    def __init__(self, table: QAbstractItemView, samples: dict[int, tuple[str, bool]]) -> None:
        super().__init__(table)
        self.table = table
        self.samples = samples
        table.installEventFilter(self)

    def apply(self) -> None:
        header = getattr(self.table, "horizontalHeader", None)
        if header is None:
            return
        for column, (sample, bold) in self.samples.items():
            header().resizeSection(column, text_width(self.table, sample, bold=bold))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() in (
            QEvent.Type.Show,
            QEvent.Type.FontChange,
            QEvent.Type.StyleChange,
        ):
            self.apply()
        return False
