"""Restoring access for someone who forgot their passphrase (or lost their invitation slip):
an administrator types a recovery key and gets a new one-time enrolment code for them.

The key goes from the password field to the vault and nowhere else: never into a message, a
log or a setting. The field is emptied once the new code is made, and when the dialog closes,
whichever way it closes (the lock included). The vault decides whether the key
is right and whether this person may use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.roles import Role
from safelog.errors import AccessDenied, UserFacingError
from safelog.gui.errors import explain_error
from safelog.gui.idle_lock import copy_to_clipboard
from safelog.gui.invitation_slips import Slip, SlipPrinter, slips_html
from safelog.gui.screen_fit import keep_fitting
from safelog.gui.widgets import BusyNote, monospace_font, plain_label
from safelog.gui.worker import run_guarded
from safelog.vault.invitations import INVITATION_DAYS

if TYPE_CHECKING:
    from safelog.gui.context import AppContext


def reset_explained(name: str) -> str:
    return (
        f"{name} gets a new one-time enrolment code. Their old passphrase stops working at "
        "once, and their old code too if they had not enrolled yet. When they enrol with the "
        "new code they choose a new passphrase and have their roles back.\n\n"
        "The school recovery key restores a headteacher or administrator. A DSL or chair of "
        "governors restored with it must be admitted again by a member of that role after "
        "enrolling; the governors' recovery key restores every role."
    )


class ResetDialog(QDialog):
    """`launch()` returns the new code (also kept in `code` until the dialog closes), or ""."""

    def __init__(
        self,
        context: AppContext,
        name: str,
        roles: frozenset[Role],
        made_by: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.name = name
        self.roles = roles
        self.made_by = made_by
        self.code = ""
        self.printer = SlipPrinter  # tests replace it
        self.setWindowTitle(f"SafeLog — Restore access for {name}")
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        explained = plain_label(reset_explained(name), self)
        explained.setAccessibleName("What restoring access does")
        layout.addWidget(explained)

        row = QHBoxLayout()
        label = QLabel("Recovery &key:", self)
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setAccessibleName("Recovery key")
        self.key.setFont(monospace_font())
        self.key.textChanged.connect(self._update)
        self.key.returnPressed.connect(self.submit)
        label.setBuddy(self.key)
        row.addWidget(label)
        row.addWidget(self.key, 1)
        self.reset_button = QPushButton("&Make a new code", self)
        self.reset_button.setProperty("role", "primary")
        self.reset_button.setAccessibleName(f"Make a new enrolment code for {name}")
        self.reset_button.setAutoDefault(False)
        self.reset_button.clicked.connect(self.submit)
        row.addWidget(self.reset_button)
        layout.addLayout(row)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        self.message = plain_label("", self, role="warning")
        self.message.setAccessibleName("Problem")
        self.message.setVisible(False)
        layout.addWidget(self.message)

        self.result_box = QFrame(self)
        self.result_box.setProperty("role", "notice")
        inner = QVBoxLayout(self.result_box)
        inner.addWidget(plain_label(f"New enrolment code for {name}:", self.result_box))
        self.code_label = plain_label("", self.result_box)
        font = monospace_font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.code_label.setFont(font)
        self.code_label.setWordWrap(False)
        self.code_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.code_label.setAccessibleName("The new enrolment code")
        inner.addWidget(self.code_label)
        handover = f"Give it to them in person. It works once, within {INVITATION_DAYS} days."
        inner.addWidget(plain_label(handover, self.result_box))
        actions = QHBoxLayout()
        self.copy_button = QPushButton("Cop&y code", self.result_box)
        self.copy_button.setAccessibleName("Copy the new enrolment code")
        self.copy_button.clicked.connect(self.copy_code)
        self.print_button = QPushButton("&Print slip", self.result_box)
        self.print_button.setAccessibleName("Print the invitation slip")
        self.print_button.clicked.connect(self.print_slip)
        for button in (self.copy_button, self.print_button):
            button.setAutoDefault(False)
            actions.addWidget(button)
        self.note = plain_label("", self.result_box, role="muted")
        actions.addWidget(self.note, 1)
        inner.addLayout(actions)
        self.result_box.setVisible(False)
        layout.addWidget(self.result_box)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        context.events.locked.connect(self.reject)
        keep_fitting(self)  # a refused key's message and the new code must not squash the rest
        self._update()

    def _update(self) -> None:
        waiting = not self.code and not self.busy.busy
        self.reset_button.setEnabled(waiting and bool(self.key.text().strip()))
        self.key.setEnabled(waiting)

    def submit(self) -> None:
        session = self.context.session
        if not self.reset_button.isEnabled() or session is None:
            return
        vault, name, typed = self.context.vault, self.name, self.key.text()
        self.message.setVisible(False)
        self.busy.start("Checking the key…")
        self._update()

        def reset() -> str:
            code = vault.reset_access(session, name, typed)
            session.refresh()  # the list shows them as invited again
            return code

        run_guarded(self.context, self, reset, self._done, self._failed)

    def _done(self, code: str) -> None:
        self.busy.stop()
        self.key.clear()  # its work is done: it stays in no field
        self.code = code
        self.code_label.setText(code)
        self.result_box.setVisible(True)
        self._update()
        self.copy_button.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self._update()
        if isinstance(exc, AccessDenied) or not isinstance(exc, UserFacingError):
            explain_error(self, exc)
            return
        # A wrong or mistyped key: said here, and the admin types it again.
        self.message.setText(f"{exc} Check the key and try again.")
        self.message.setVisible(True)
        self.key.setFocus()
        self.key.selectAll()

    def copy_code(self) -> None:
        if self.code:
            copy_to_clipboard(self.code)
            self.note.setText("Copied.")

    def print_slip(self) -> bool:
        session = self.context.session
        if not self.code or session is None or session.locked:
            return False
        slip = Slip(self.name, self.roles, self.code)
        page = slips_html(session.directory.school, self.made_by, [slip])
        printed = self.printer(self, page, 1).launch()
        if printed:
            self.note.setText("Printed.")
        return printed

    def reject(self) -> None:
        session = self.context.session
        if self.busy.busy and session is not None and not session.locked:
            return  # the key is at work; it finishes in a moment (a lock still closes this)
        super().reject()

    def done(self, result: int) -> None:
        self.key.clear()  # however the dialog closes, nothing of the key or code stays
        self.code_label.clear()
        super().done(result)

    def launch(self) -> str:
        self.exec()
        code, self.code = self.code, ""
        return code
