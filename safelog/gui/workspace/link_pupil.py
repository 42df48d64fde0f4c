"""Linking a person typed by hand to a pupil on the school roll: which pupil is this?

The search starts from the name as it was typed and narrows as it is changed, like the
picker under a name field (domain/pupil_search.py); nothing is linked until a pupil is
chosen and "Link" pressed. `launch()` returns the pupil chosen, or None.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.roll import Pupil
from safelog.gui.pupil_picker import RollSource
from safelog.gui.pupil_words import pupil_line
from safelog.gui.screen_fit import fit_to_screen
from safelog.gui.widgets import named, plain_label, set_plain_text
from safelog.text import visible

OFFERED = 50  # more than a screenful: the search narrows it


class LinkPupilDialog(QDialog):
    def __init__(self, roll: RollSource, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.roll = roll
        self.offered: list[Pupil] = []
        self.setWindowTitle("Link to the school roll")
        fit_to_screen(self, 620, 460)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                f"Which pupil on the school roll is {visible(name)}? The case will then name "
                "them as the roll does, with the roll's date of birth; their role stays.",
                self,
            )
        )
        self.search = named(QLineEdit(self), "Search the school roll", "A name, a form or a year")
        self.search.setPlaceholderText("A name, a form (8B) or a year (Y8)")
        self.search.setText(name)
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.list = named(QListWidget(self), "Pupils on the school roll matching the search")
        layout.addWidget(self.list, 1)
        self.status = plain_label("", self, role="muted")
        named(self.status, "What the search found")
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.link_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.link_button.setText("&Link")
        named(self.link_button, "Link to the pupil chosen")
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.search.textChanged.connect(self.show_matches)
        self.list.currentRowChanged.connect(self._update)
        self.list.itemActivated.connect(lambda _item: self.accept())
        roll.ready.connect(self._roll_ready)
        roll.forgotten.connect(self.reject)  # locked: nothing of the roll stays on screen
        roll.load()
        self.show_matches(name)
        self.search.setFocus()

    def show_matches(self, text: str) -> None:
        self.offered = self.roll.match(text, OFFERED) if text.strip() else []
        self.list.clear()
        muted = self.palette().placeholderText()
        for pupil in self.offered:
            item = QListWidgetItem(pupil_line(pupil), self.list)
            if pupil.left_on is not None:
                item.setForeground(muted)
        if self.offered:
            self.list.setCurrentRow(0)
        if self.roll.problem:
            message = f"The school roll cannot be read: {self.roll.problem}"
        elif self.roll.index is None:
            message = "Reading the school roll…"
        elif not text.strip():
            message = "Type a name, a form or a year."
        elif not self.offered:
            message = "No pupil on the roll matches. Change the search, or cancel."
        else:
            message = ""
        set_plain_text(self.status, message)
        self.status.setVisible(bool(message))
        self._update()

    def _roll_ready(self) -> None:
        self.show_matches(self.search.text())

    def chosen(self) -> Pupil | None:
        row = self.list.currentRow()
        return self.offered[row] if 0 <= row < len(self.offered) else None

    def _update(self) -> None:
        self.link_button.setEnabled(self.chosen() is not None)

    def accept(self) -> None:
        if self.chosen() is not None:
            super().accept()

    def launch(self) -> Pupil | None:
        self.setWindowModality(Qt.WindowModality.WindowModal)
        return self.chosen() if self.exec() == QDialog.DialogCode.Accepted else None
