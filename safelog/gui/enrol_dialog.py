"""Enrolment: someone who was invited types the one-time code they were handed and chooses
their own passphrase; their keys are made on this computer, in the worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from safelog.errors import UserFacingError
from safelog.gui.dialogs import NewPassphraseForm
from safelog.gui.screen_fit import keep_fitting
from safelog.gui.widgets import BusyNote, monospace_font, plain_label

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session


class EnrolDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session: Session | None = None
        self.setWindowTitle("SafeLog — Enrol")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        heading = QLabel("Join SafeLog", self)
        heading.setObjectName("heading")
        layout.addWidget(heading)
        layout.addWidget(
            plain_label(
                "Type the enrolment code your DSL or administrator gave you, then choose your "
                "own passphrase. Nobody else will know it, and nobody can reset it for you "
                "without a recovery key, so pick one you will remember.",
                self,
            )
        )

        self.code = QLineEdit(self)
        self.code.setFont(monospace_font())
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-X")
        self.code.setAccessibleName("Enrolment code")
        self.code.textEdited.connect(self._code_edited)
        code_label = QLabel("Enrolment &code:", self)
        code_label.setBuddy(self.code)

        self.form = NewPassphraseForm(self)
        self.form.add_row_above(code_label, self.code)
        self.form.changed.connect(self._update)
        layout.addWidget(self.form)

        self.message = plain_label("", self, role="warning")
        self.message.setAccessibleName("Message")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)

        self.buttons = QDialogButtonBox(self)
        self.enrol_button = self.buttons.addButton(
            "&Enrol and sign in", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.enrol_button.setAccessibleName("Enrol and sign in")
        self.enrol_button.setDefault(True)
        self.enrol_button.setProperty("role", "primary")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()
        keep_fitting(self)  # a refused code's message must not squash the rest

    def _code_edited(self, text: str) -> None:
        upper = text.upper()
        if upper != text:
            position = self.code.cursorPosition()
            self.code.setText(upper)
            self.code.setCursorPosition(position)
        self._update()

    def _update(self) -> None:
        code_ok = len([c for c in self.code.text() if c.isalnum()]) >= 20
        self.enrol_button.setEnabled(code_ok and self.form.is_acceptable() and not self.busy.busy)

    def submit(self) -> None:
        if not self.enrol_button.isEnabled():
            return
        code, passphrase = self.code.text(), self.form.value()
        vault = self.context.vault
        self.message.setVisible(False)
        self.busy.start("Making your keys. This takes a few seconds…")
        for widget in (self.code, self.form, self.cancel_button):
            widget.setEnabled(False)
        self._update()
        self.context.runner.run(lambda: vault.enrol(code, passphrase), self._enrolled, self._failed)

    def _settle(self) -> None:
        self.busy.stop()
        for widget in (self.code, self.form, self.cancel_button):
            widget.setEnabled(True)
        self._update()

    def _enrolled(self, session: Session) -> None:
        self._settle()
        self.session = session
        self.form.clear()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._settle()
        if isinstance(exc, UserFacingError):
            self.message.setText(str(exc))
            self.message.setVisible(True)
            self.code.setFocus()
            return
        from safelog.gui.crash_dialog import report_fault

        report_fault(exc, self)

    def reject(self) -> None:
        if self.busy.busy:
            return  # the keys are being made; closing now would leave it half done
        super().reject()

    def launch(self) -> Session | None:
        """The new person's session once enrolled, or None if they gave up."""
        self.exec()
        return self.session
