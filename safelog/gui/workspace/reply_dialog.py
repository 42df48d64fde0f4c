"""Reply to the reporter: a short message to the member of staff who reported the concern.

The reporter's keys open only their report, its status and these replies (DESIGN §3.5), so a
reply is the one thing written after the report that they read. The dialog says so before
sending, so nothing meant for the case's readers is sent by mistake. Sending runs through the
workspace's saver (in the worker); the dialog stays open on an error so the text is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from safelog.gui.form_fields import text_box
from safelog.gui.widgets import named, plain_label
from safelog.gui.workspace.panel import FormError, Saver

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session


def reply_note(reporter: str) -> str:
    who = reporter or "The person who reported this concern"
    return (
        f"{who} sees only their report, its status and these replies: nothing else of the "
        "case (not the chronology, decisions, outcome or evidence added since). Write only "
        "what they need to know. A reply cannot be taken back; it is kept in the history."
    )


class ReplyDialog(QDialog):
    """Write a reply and send it. `launch()` returns True when it was sent."""

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        reporter: str,
        save: Saver,
    ) -> None:
        super().__init__(parent)
        self.save = save
        self.setWindowTitle("Reply to the reporter")  # never case content
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.note = plain_label(reply_note(reporter), self, role="muted")
        named(self.note, "Who reads this reply")
        layout.addWidget(self.note)
        caption = QLabel("&Message to the reporter:", self)
        self.text = text_box(self, "Message to the reporter", lines=6)
        caption.setBuddy(self.text)
        layout.addWidget(caption)
        layout.addWidget(self.text)
        self.error = FormError(self)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(self)
        self.send_button = named(
            self.buttons.addButton("&Send reply", QDialogButtonBox.ButtonRole.AcceptRole),
            "Send the reply to the reporter",
        )
        self.send_button.setDefault(True)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            named(cancel, "Cancel")
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(self._update)
        context.events.locked.connect(self._locked)
        self._sending = False
        self._update()
        self.setMinimumWidth(520)

    def launch(self) -> bool:
        return self.exec() == QDialog.DialogCode.Accepted

    def _update(self) -> None:
        self.send_button.setEnabled(not self._sending and bool(self.text.toPlainText().strip()))

    def _set_sending(self, sending: bool) -> None:
        self._sending = sending
        self.text.setReadOnly(sending)
        self.send_button.setText("Sending…" if sending else "&Send reply")
        self._update()

    def _submit(self) -> None:
        message = self.text.toPlainText()
        if not message.strip() or self._sending:
            return
        self.error.clear_error()

        def op(session: Session, reference: str) -> object:
            from safelog.vault.workspace import reply_to_reporter

            return reply_to_reporter(session, reference, message)

        self._set_sending(True)
        self.save(op, self.accept, self._failed)

    def _failed(self, message: str) -> None:
        self._set_sending(False)
        self.error.show_error("The reply was not sent. " + message)

    def _locked(self) -> None:
        self.text.clear()  # what was typed goes with the lock
        self.reject()
