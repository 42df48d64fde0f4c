"""The school's register of adults who are not SafeLog users (domain/adults.py): supply
staff, volunteers, governors, contractors. Everyone who may read the roll sees the list (it
is what Report a concern offers as a name is typed); a DSL or administrator adds someone,
or marks someone who no longer works at the school as left. The vault decides who may;
reads and writes run in the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.adults import ADULT_KINDS, Adult, sorted_adults
from safelog.domain.roles import ROLL_KEEPERS
from safelog.errors import UserFacingError
from safelog.gui.errors import error_text, explain_error
from safelog.gui.pupil_words import adult_line
from safelog.gui.screen_fit import fit_to_screen, keep_fitting
from safelog.gui.widgets import BusyNote, named, plain_label, set_plain_text
from safelog.gui.worker import LatestOnly, run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext

READ_ONLY = (
    "Only a DSL or an administrator adds people to the register or marks them as left; you "
    "can pick them as the person a concern is about."
)


def _read_adults(context: AppContext) -> list[Adult]:
    from safelog.vault.roll import load_roll

    session = context.session
    assert session is not None
    return sorted_adults(list(load_roll(session).adults.values()))


class AdultsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        session = context.session
        self.keeps = session is not None and bool(session.person.roles & ROLL_KEEPERS)
        self.adults: list[Adult] = []
        self.setWindowTitle("Adults who are not SafeLog users")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Supply staff, volunteers, governors and contractors count as staff for the "
                "safeguarding policies. Keep them here so a concern about one of them names "
                "the same person every time, and is handled as a concern about staff.",
                self,
                role="muted",
            )
        )
        self.list = named(QListWidget(self), "Adults on the register")
        layout.addWidget(self.list, 1)
        self.left_button = named(QPushButton("Mark as &left", self), "Mark as left")
        self.left_button.setAutoDefault(False)
        left_row = QHBoxLayout()
        left_row.addStretch(1)
        left_row.addWidget(self.left_button)
        layout.addLayout(left_row)

        form = QFormLayout()
        self.forename = named(QLineEdit(self), "Forename (needed)")
        self.surname = named(QLineEdit(self), "Surname (needed)")
        self.kind = named(QComboBox(self), "Who they are")
        for value, label in ADULT_KINDS.items():
            self.kind.addItem(label, value)
        self.job = named(QLineEdit(self), "What they do here")
        self.job.setPlaceholderText("e.g. Supply teacher, Football coach")
        for field in (self.forename, self.surname, self.job):
            field.setMaxLength(200)
        form.addRow("&Forename *", self.forename)
        form.addRow("&Surname *", self.surname)
        form.addRow("&Who they are", self.kind)
        form.addRow("What they &do", self.job)
        self.form_box = QWidget(self)
        self.form_box.setLayout(form)
        layout.addWidget(self.form_box)
        row = QHBoxLayout()
        self.add_button = named(QPushButton("&Add to the register", self), "Add to the register")
        self.add_button.setAutoDefault(False)
        row.addWidget(self.add_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.read_only = plain_label(READ_ONLY, self, role="muted")
        layout.addWidget(self.read_only)
        self.notice = plain_label("", self, role="warning")
        named(self.notice, "Problem")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        for widget in (self.form_box, self.add_button, self.left_button):
            widget.setVisible(self.keeps)
        self.read_only.setVisible(not self.keeps)
        self.loader = LatestOnly(context, self, self._loaded, self._failed)
        self.add_button.clicked.connect(self.add)
        self.left_button.clicked.connect(self.mark_left)
        self.list.currentRowChanged.connect(lambda _row: self._update())
        context.events.locked.connect(self.reject)
        fit_to_screen(self, 560, 520)
        keep_fitting(self)
        self.refresh()

    def refresh(self) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        self.loader.run(lambda: _read_adults(self.context))

    def lines(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    def _loaded(self, adults: list[Adult]) -> None:
        self.adults = adults
        self.list.clear()
        for adult in adults:
            self.list.addItem(QListWidgetItem(adult_line(adult)))
        if not adults:
            self.list.addItem(QListWidgetItem("No one on the register yet."))
        self._update()

    def _failed(self, exc: BaseException) -> None:
        self._say(f"The register cannot be read: {error_text(exc)}")

    def _selected(self) -> Adult | None:
        row = self.list.currentRow()
        return self.adults[row] if 0 <= row < len(self.adults) else None

    def _update(self) -> None:
        chosen = self._selected()
        self.left_button.setEnabled(
            not self.busy.busy and chosen is not None and chosen.left_on is None
        )
        self.add_button.setEnabled(not self.busy.busy)

    def _say(self, text: str) -> None:
        set_plain_text(self.notice, text)
        self.notice.setVisible(bool(text))

    def add(self) -> None:
        session = self.context.session
        if self.busy.busy or session is None or session.locked:
            return
        values = {
            "forename": self.forename.text(),
            "surname": self.surname.text(),
            "kind": str(self.kind.currentData()),
            "job": self.job.text(),
        }
        self._say("")
        self.busy.start("Adding…")
        self._update()

        def work() -> Adult:
            from safelog.vault.roll import add_adult

            return add_adult(session, values)

        run_guarded(self.context, self, work, self._added, self._write_failed)

    def _added(self, _adult: Adult) -> None:
        self.busy.stop()
        for field in (self.forename, self.surname, self.job):
            field.clear()
        self.forename.setFocus()
        self.refresh()

    def mark_left(self) -> None:
        session, chosen = self.context.session, self._selected()
        if self.busy.busy or session is None or session.locked or chosen is None:
            return
        self.busy.start(f"Marking {chosen.display_name} as left…")
        self._update()

        def work() -> Adult:
            from safelog.vault.roll import mark_adult_left

            return mark_adult_left(session, chosen.id)

        run_guarded(self.context, self, work, self._added, self._write_failed)

    def _write_failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self._update()
        if isinstance(exc, UserFacingError):
            self._say(str(exc))
        else:
            explain_error(self, exc)
