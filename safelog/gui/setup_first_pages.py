"""The setup wizard's first pages, before the vault exists: the school's name, the DSL's own
account and passphrase, and creating the vault (in the worker). The pages after it are in
recovery_keys.py and invite_panel.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from safelog.errors import UserFacingError
from safelog.gui.dialogs import NewPassphraseForm
from safelog.gui.errors import error_text
from safelog.gui.invite_panel import valid_name
from safelog.gui.widgets import BusyNote, plain_label

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.vault import SetupResult


class SchoolPage(QWizardPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Set up SafeLog for your school")
        # Subtitles stay short: QWizard shows two lines of one at most.
        self.setSubTitle("SafeLog keeps your school's safeguarding records encrypted.")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Setting up takes about five minutes: your school's name, your own account, "
                "two recovery keys to print, and invitations for your colleagues.",
                self,
            )
        )
        layout.addSpacing(8)
        form = QFormLayout()
        self.school = QLineEdit(self)
        self.school.setAccessibleName("School name")
        self.school.setPlaceholderText("e.g. Ravens Wood Primary School")
        self.school.textChanged.connect(self.completeChanged)
        label = QLabel("&School name:", self)
        label.setBuddy(self.school)
        form.addRow(label, self.school)
        layout.addLayout(form)
        if context.vault.url.startswith("sqlite"):
            where = (
                "The records will be kept in this folder on this computer:\n"
                f"{context.vault.data_dir}"
            )
        else:
            where = "The records will be kept in the shared database set up for this computer."
        layout.addSpacing(12)
        layout.addWidget(plain_label(where, self, role="muted"))
        layout.addStretch(1)

    def isComplete(self) -> bool:
        return valid_name(self.school.text())


class AccountPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Your account")
        self.setSubTitle(
            "You will be the school's Designated Safeguarding Lead (DSL) and SafeLog's "
            "administrator. You can invite deputy DSLs afterwards."
        )  # two lines
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Set up SafeLog")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setAccessibleName("Your full name")
        self.name.setPlaceholderText("As your colleagues know you, e.g. Dana Smith")
        self.name.textChanged.connect(self._changed)
        label = QLabel("Your &name:", self)
        label.setBuddy(self.name)
        form.addRow(label, self.name)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(
            plain_label(
                "Choose a passphrase only you know. Nobody can reset it without a recovery "
                "key, so pick one you will remember, and do not write it on a note by the "
                "computer.",
                self,
                role="muted",
            )
        )
        self.form = NewPassphraseForm(self)
        self.form.changed.connect(self.completeChanged)
        layout.addWidget(self.form)
        layout.addStretch(1)
        self.school = ""

    def initializePage(self) -> None:
        self.school = str(self.field("school") or "")
        self._changed()

    def _changed(self) -> None:
        self.form.set_avoid(self.name.text(), self.school)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return valid_name(self.name.text()) and self.form.is_acceptable()


class CreatingPage(QWizardPage):
    created = Signal(object)  # SetupResult

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setTitle("Setting up SafeLog for your school")
        self.setSubTitle(
            "SafeLog is making the school's keys and your own. This takes a few seconds."
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Continue")
        self.pending: tuple[str, str, str] | None = None
        self.vault_made = False  # the result (with the recovery keys) is handed on, not kept
        layout = QVBoxLayout(self)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        self.message = plain_label("", self, role="warning")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.retry = QPushButton("&Try again", self)
        self.retry.setAccessibleName("Try setting up SafeLog again")
        self.retry.setVisible(False)
        self.retry.clicked.connect(self.start)
        layout.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.start()

    def start(self) -> None:
        if self.vault_made or self.pending is None or self.busy.busy:
            return
        school, name, passphrase = self.pending
        vault = self.context.vault
        self.message.setVisible(False)
        self.retry.setVisible(False)
        self.busy.start("Creating keys and setting up the database…")
        self._set_cancel_enabled(False)
        self.context.runner.run(
            lambda: vault.create(school, name, passphrase), self._done, self._failed
        )

    def _set_cancel_enabled(self, enabled: bool) -> None:
        wizard = self.wizard()
        if wizard is not None:
            wizard.button(QWizard.WizardButton.CancelButton).setEnabled(enabled)

    def _done(self, result: SetupResult) -> None:
        self.busy.stop()
        self.pending = None
        self.vault_made = True
        self.completeChanged.emit()
        self.created.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self._set_cancel_enabled(True)
        if not isinstance(exc, UserFacingError):
            from safelog.gui.crash_dialog import log_fault

            log_fault(exc)
        self.message.setText(
            error_text(
                exc,
                "SafeLog could not be set up. Check there is space on the disk and try again.",
            )
        )
        self.message.setVisible(True)
        self.retry.setVisible(True)

    def isComplete(self) -> bool:
        return self.vault_made
