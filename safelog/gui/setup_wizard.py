"""First run: the school's name, the DSL's own account, creating the vault, the two recovery
keys (shown once, with a printable sheet) and invitations for colleagues.

The wizard here steps through the pages and holds what passes between them (the new
session, the keys until they are confirmed); the pages are in setup_first_pages.py,
recovery_keys.py and invite_panel.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget, QWizard

from safelog.gui.dialogs import confirm
from safelog.gui.invite_panel import InvitePage
from safelog.gui.recovery_keys import RecoveryPage, RecoverySheetPrinter, recovery_sheet_html
from safelog.gui.setup_first_pages import AccountPage, CreatingPage, SchoolPage

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session
    from safelog.vault.vault import SetupResult

SCHOOL_PAGE, ACCOUNT_PAGE, CREATING_PAGE, RECOVERY_PAGE, INVITE_PAGE = range(5)


class SetupWizard(QWizard):
    """Emits `keys_kept(session)` once the recovery keys are confirmed (from then on the
    session may be idle-locked) and `completed(session)` when finished, signed in as the
    DSL. Closing it after the vault exists counts as finishing."""

    keys_kept = Signal(object)
    completed = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session: Session | None = None
        self._closing = False
        self.setWindowTitle("SafeLog — Set up")
        # Classic: the title and explanation sit on the page and wrap, where the modern
        # style's fixed header cuts a longer explanation off.
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setMinimumSize(720, 600)
        for which, text in (
            (QWizard.WizardButton.NextButton, "&Next"),
            (QWizard.WizardButton.BackButton, "&Back"),
            (QWizard.WizardButton.FinishButton, "&Finish"),
            (QWizard.WizardButton.CancelButton, "Cancel"),
        ):
            self.setButtonText(which, text)
        for which, name in (
            (QWizard.WizardButton.NextButton, "Next"),
            (QWizard.WizardButton.BackButton, "Back"),
            (QWizard.WizardButton.FinishButton, "Finish"),
            (QWizard.WizardButton.CancelButton, "Cancel"),
            (QWizard.WizardButton.CommitButton, "Continue"),
        ):
            self.button(which).setAccessibleName(name)

        self.school_page = SchoolPage(context, self)
        self.account_page = AccountPage(self)
        self.creating_page = CreatingPage(context, self)
        self.recovery_page = RecoveryPage(self)
        self.invite_page = InvitePage(context, lambda: self.session, self)
        self.school_page.registerField("school*", self.school_page.school)
        for page_id, page in (
            (SCHOOL_PAGE, self.school_page),
            (ACCOUNT_PAGE, self.account_page),
            (CREATING_PAGE, self.creating_page),
            (RECOVERY_PAGE, self.recovery_page),
            (INVITE_PAGE, self.invite_page),
        ):
            self.setPage(page_id, page)
        self.setStartId(SCHOOL_PAGE)
        self.creating_page.created.connect(self._created)
        self.recovery_page.print_button.clicked.connect(self.print_sheet)
        self._keys: tuple[str, str] | None = None

    def validateCurrentPage(self) -> bool:
        if not super().validateCurrentPage():
            return False
        if self.currentId() == ACCOUNT_PAGE:
            school = " ".join(self.school_page.school.text().split())
            name = " ".join(self.account_page.name.text().split())
            self.creating_page.pending = (school, name, self.account_page.form.value())
            self.account_page.form.clear()
        elif self.currentId() == RECOVERY_PAGE:
            self._forget_keys()
            if self.session is not None:
                self.keys_kept.emit(self.session)
        return True

    def _created(self, result: SetupResult) -> None:
        self.session = result.session
        self._keys = (result.school_recovery_key, result.governors_recovery_key)
        self.recovery_page.show_keys(*self._keys)
        self.setOption(QWizard.WizardOption.NoCancelButton, True)
        # Queued: let QWizard finish handling the page's completeChanged first.
        QTimer.singleShot(0, self._advance_after_creation)

    def _advance_after_creation(self) -> None:
        if self.currentId() == CREATING_PAGE:
            self.next()

    def _forget_keys(self) -> None:
        self._keys = None
        self.recovery_page.forget_keys()

    def sheet_html(self) -> str:
        if self._keys is None:
            return ""
        made_on = self.context.clock().astimezone().strftime("%d/%m/%Y")
        school = " ".join(self.school_page.school.text().split())
        return recovery_sheet_html(school, made_on, *self._keys)

    def print_sheet(self) -> None:
        if self._keys is None:
            return
        if RecoverySheetPrinter(self, self.sheet_html()).launch():
            self.recovery_page.printed.setText("Sent to print.")

    def accept(self) -> None:
        self._forget_keys()
        session = self.session
        super().accept()
        if session is not None:
            self.completed.emit(session)

    def reject(self) -> None:
        if self._closing:
            super().reject()
            return
        if self.creating_page.busy.busy:
            return  # creating the vault; it cannot be half-abandoned
        if self.session is None:
            super().reject()
            return
        unconfirmed = self.currentId() == RECOVERY_PAGE and not self.recovery_page.kept.isChecked()
        if unconfirmed and not confirm(
            self,
            "Recovery keys",
            "You have not confirmed that you printed or wrote down the two recovery keys. "
            "SafeLog will not show them again.\n\nClose the setup anyway?",
        ):
            return
        self.accept()

    def discard(self) -> None:
        """Close without finishing (SafeLog locked)."""
        self._forget_keys()
        self._closing = True
        self.reject()
