"""Sending a pupil's child protection file (the Transfers window, or a pupil's page).

Choose the pupil from the roll, then how: to the receiving school's SafeLog transfer key
(their key file, whose fingerprint the DSL confirms they read with the other DSL by
telephone; nothing is sent until they say so), or, for a school without SafeLog, as one
signed PDF protected with a passphrase typed twice. Then where to save the file. The work
(vault/transfers.py) runs in the worker; the file is audited with its SHA-256.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.passphrases import MIN_PASSPHRASE
from safelog.domain.transfers import said_at
from safelog.errors import UserFacingError
from safelog.gui.errors import error_text, explain_error
from safelog.gui.export_dialog import documents_folder, file_dialog_options
from safelog.gui.export_dialog import forget_file_dialog_history as forget_history
from safelog.gui.formatting import uk_date
from safelog.gui.screen_fit import fit_to_screen
from safelog.gui.widgets import BusyNote, monospace_font, named, plain_label, set_plain_text
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.domain.roll import Pupil
    from safelog.gui.context import AppContext
    from safelog.vault.transfer_keys import RecipientKey
    from safelog.vault.transfers import SentTransfer


class SendTransferDialog(QDialog):
    def __init__(
        self, context: AppContext, parent: QWidget | None = None, pupil_id: str = ""
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.key: RecipientKey | None = None
        self.sent: SentTransfer | None = None
        self.pupils: list[Pupil] = []
        self.setWindowTitle("Send a child protection file")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.pupil = named(QComboBox(self), "Pupil")
        self.pupil.setEditable(True)
        self.pupil.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.pupil.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        form.addRow("&Pupil:", self.pupil)
        layout.addLayout(form)

        self.by_key = named(
            QRadioButton("To the new school's SafeLog, with their &transfer key", self),
            "Send to the school's transfer key",
        )
        self.by_passphrase = named(
            QRadioButton("To a school without SafeLog, as a PDF with a pass&phrase", self),
            "Send a PDF protected with a passphrase",
        )
        self.by_key.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_key)
        group.addButton(self.by_passphrase)
        layout.addWidget(self.by_key)
        key_row = QHBoxLayout()
        self.key_button = named(
            QPushButton("Choose their &key file…", self), "Choose the receiving school's key"
        )
        self.key_button.setAutoDefault(False)
        key_row.addWidget(self.key_button)
        key_row.addStretch(1)
        layout.addLayout(key_row)
        self.key_words = plain_label("No key chosen yet.", self, role="muted", selectable=True)
        self.key_words.setFont(monospace_font())
        named(self.key_words, "The chosen key's fingerprint")
        layout.addWidget(self.key_words)
        self.checked = named(
            QCheckBox("I read this fingerprint with their DSL by telephone: it matches", self),
            "The fingerprint was checked by telephone",
        )
        layout.addWidget(self.checked)

        layout.addWidget(self.by_passphrase)
        pass_form = QFormLayout()
        self.passphrase = named(QLineEdit(self), "Passphrase for the file")
        self.again = named(QLineEdit(self), "The passphrase again")
        for field in (self.passphrase, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        pass_form.addRow("Pa&ssphrase:", self.passphrase)
        pass_form.addRow("&Again:", self.again)
        layout.addLayout(pass_form)
        layout.addWidget(
            plain_label(
                f"At least {MIN_PASSPHRASE} characters. Tell it to their DSL by telephone, never "
                "with the file.",
                self,
                role="muted",
            )
        )

        self.problem = plain_label("", self, role="warning")
        named(self.problem, "Problem")
        self.problem.hide()
        layout.addWidget(self.problem)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        self.buttons = QDialogButtonBox(self)
        self.send_button = named(
            self.buttons.addButton("&Send…", QDialogButtonBox.ButtonRole.AcceptRole), "Send"
        )
        self.send_button.setProperty("role", "primary")
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        named(cancel, "Cancel")
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.key_button.clicked.connect(self.choose_key)
        for widget in (self.by_key, self.by_passphrase, self.checked):
            widget.toggled.connect(self._update)
        for field in (self.passphrase, self.again):
            field.textChanged.connect(self._update)
        self.pupil.currentIndexChanged.connect(self._update)
        context.events.locked.connect(self.reject)
        fit_to_screen(self, 640, 520)
        self._load_roll(pupil_id)
        self._update()

    def launch(self) -> bool:
        return self.exec() == QDialog.DialogCode.Accepted

    # -- the roll --------------------------------------------------------------------------

    def _load_roll(self, pupil_id: str) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        from safelog.vault.roll import load_roll

        def loaded(roll: object) -> None:
            self.pupils = [p for p in roll.sorted()]  # type: ignore[attr-defined]
            self.pupil.clear()
            for p in self.pupils:
                born = uk_date(p.date_of_birth) or "no date of birth"
                left = f", left {uk_date(p.left_on)}" if p.left_on else ""
                self.pupil.addItem(f"{p.display_name} ({born}{left})", p.id)
            if pupil_id:
                self.pupil.setCurrentIndex(max(0, self.pupil.findData(pupil_id)))
            self._update()

        run_guarded(
            self.context,
            self,
            lambda: load_roll(session),
            loaded,
            lambda exc: self._say(f"The roll cannot be read: {error_text(exc)}"),
        )

    def choose_pupil(self, pupil_id: str) -> None:
        self.pupil.setCurrentIndex(self.pupil.findData(pupil_id))

    # -- files (Qt's own dialogs; tests patch these) ---------------------------------------

    def choose_key_file(self) -> Path | None:
        try:
            chosen, _ = QFileDialog.getOpenFileName(
                self,
                "Choose the receiving school's transfer key",
                str(documents_folder()),
                "Transfer keys (*.pem);;All files (*)",
                options=file_dialog_options(),
            )
        finally:
            forget_history()
        return Path(chosen) if chosen else None

    def choose_output_file(self, suggested: str, kinds: str) -> Path | None:
        try:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Save the file to send",
                str(documents_folder() / suggested),
                kinds,
                options=file_dialog_options(),
            )
        finally:
            forget_history()
        return Path(chosen) if chosen else None

    # -- acting ----------------------------------------------------------------------------

    def choose_key(self) -> None:
        from safelog.vault.transfer_keys import read_recipient_key

        path = self.choose_key_file()
        if path is None:
            return
        try:
            self.key = read_recipient_key(path)
        except UserFacingError as exc:
            self.key = None
            set_plain_text(self.key_words, "No key chosen yet.")
            self._say(str(exc))
        else:
            school = self.key.school or "the school (the file does not say which)"
            set_plain_text(self.key_words, f"{school}\nFingerprint: {self.key.phone}")
            self._say("")
            self.by_key.setChecked(True)
        self.checked.setChecked(False)  # a new key is checked again
        self._update()

    def _update(self) -> None:
        by_key = self.by_key.isChecked()
        self.key_button.setEnabled(by_key)
        self.checked.setEnabled(by_key and self.key is not None)
        self.passphrase.setEnabled(not by_key)
        self.again.setEnabled(not by_key)
        ready = self.pupil.currentData() is not None and not self.busy.busy
        if by_key:
            ready = ready and self.key is not None and self.checked.isChecked()
        else:
            ready = ready and len(self.passphrase.text()) >= MIN_PASSPHRASE
        self.send_button.setEnabled(ready)

    def send(self) -> None:
        session = self.context.session
        pupil_id = self.pupil.currentData()
        if session is None or session.locked or pupil_id is None or self.busy.busy:
            return
        if self.by_passphrase.isChecked() and self.passphrase.text() != self.again.text():
            self._say("The two passphrases are not the same.")
            return
        if self.by_key.isChecked() and (self.key is None or not self.checked.isChecked()):
            return
        pupil = next(p for p in self.pupils if p.id == pupil_id)
        stem = "".join(c if c.isalnum() else "-" for c in pupil.display_name).strip("-")
        if self.by_key.isChecked():
            out = self.choose_output_file(f"{stem}.sltransfer", "Transfer files (*.sltransfer)")
        else:
            out = self.choose_output_file(f"{stem}-child-protection-file.pdf", "PDF files (*.pdf)")
        if out is None:
            return
        from safelog.vault.transfers import send_transfer, send_with_passphrase

        key, passphrase = self.key, self.passphrase.text()
        if self.by_key.isChecked() and key is not None:
            work = lambda: send_transfer(session, pupil_id, key, out)  # noqa: E731
        else:
            work = lambda: send_with_passphrase(session, pupil_id, passphrase, out)  # noqa: E731
        self._say("")
        self.busy.start("Reading the records, signing and encrypting the file…")
        self._update()
        run_guarded(self.context, self, work, self._sent, self._failed)

    def _sent(self, sent: SentTransfer) -> None:
        self.busy.stop()
        self.sent = sent
        self.passphrase.clear()
        self.again.clear()
        self.context.events.cases_changed.emit("")
        from safelog.gui.dialogs import tell

        notes = "".join(f"\n\n{line}" for line in (*sent.left_out, *sent.messages))
        self.report(
            f"The child protection file of {sent.pupil} ({sent.cases} case(s), {sent.originals} "
            f"original(s)) was saved to {sent.path.name}, SHA-256 {sent.sha256}. Send it to the "
            f"new school; it shows as awaiting receipt until their receipt is recorded, due by "
            f"{said_at(sent.due)}.{notes}",
            tell,
        )
        self.accept()

    def report(self, text: str, tell: object) -> None:
        """Say what was sent (a message box; tests patch this)."""
        tell(self, "File sent", text)  # type: ignore[operator]

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self._update()
        if isinstance(exc, UserFacingError):
            self._say(str(exc))
        else:
            explain_error(self, exc)

    def _say(self, text: str) -> None:
        set_plain_text(self.problem, text)
        self.problem.setVisible(bool(text))
