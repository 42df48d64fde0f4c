"""First run: the school's name, the DSL's own account, creating the vault, the two recovery
keys (shown once, with a printable sheet) and invitations for colleagues.

Also the invitation panel on its own (InviteDialog), for administrators inviting people later
from the main window.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from safelog.domain.roles import Role
from safelog.errors import UserFacingError
from safelog.gui.dialogs import NewPassphraseForm, confirm
from safelog.gui.errors import error_text
from safelog.gui.idle_lock import copy_to_clipboard
from safelog.gui.role_names import role_summary
from safelog.gui.screen_fit import fit_to_screen
from safelog.gui.widgets import BusyNote, monospace_font, plain_label

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session
    from safelog.vault.vault import SetupResult

SCHOOL_PAGE, ACCOUNT_PAGE, CREATING_PAGE, RECOVERY_PAGE, INVITE_PAGE = range(5)
MAX_NAME = 200  # as safelog.vault.invitations.clean_name

SCHOOL_KEY_HOME = "Keep it in the school safe."
GOVERNORS_KEY_HOME = (
    "Give it to the clerk to the governors or to the trust. Never keep it where the "
    "headteacher can reach it: it opens concerns about the headteacher."
)


def _valid_name(text: str) -> bool:
    cleaned = " ".join(text.split())
    return 0 < len(cleaned) <= MAX_NAME and all(ord(c) >= 32 for c in cleaned)


# -- the recovery sheet -------------------------------------------------------------------------


def recovery_sheet_html(school: str, made_on: str, school_key: str, governors_key: str) -> str:
    """One page per key, so each can be kept in its own place."""

    def page(title: str, where: str, key: str, first: bool) -> str:
        style = "" if first else ' style="page-break-before: always"'
        return (
            f"<div{style}>"
            f"<h1>SafeLog recovery key</h1>"
            f"<p><b>School:</b> {html.escape(school)}<br><b>Made on:</b> {made_on}</p>"
            f"<h2>{title}</h2><p>{html.escape(where)}</p>"
            f'<p style="font-family: monospace; font-size: 16pt; font-weight: bold">'
            f"{_two_lines(key)}</p>"
            "<p>An administrator uses this key in SafeLog to restore access when someone "
            "has forgotten their passphrase. Anyone who holds it can restore the roles it "
            "covers, so keep it locked away and do not photograph or email it.</p>"
            "</div>"
        )

    return (
        "<html><body>"
        + page("School recovery key", SCHOOL_KEY_HOME, school_key, True)
        + page("Governors' recovery key", GOVERNORS_KEY_HOME, governors_key, False)
        + "</body></html>"
    )


def _two_lines(key: str) -> str:
    """A key as two lines broken between groups, never in the middle of one; SafeLog
    ignores the line break and hyphens when the key is typed back in."""
    groups = key.split("-")
    half = (len(groups) + 1) // 2
    first, second = "-".join(groups[:half]), "-".join(groups[half:])
    return html.escape(first + ("-" if second else "")) + "<br>" + html.escape(second)


class RecoverySheetPrinter:
    """Prints the sheet through the system's print dialog, which also offers saving it as a
    PDF where the user chooses (never a temporary file of ours)."""

    def __init__(self, parent: QWidget | None, sheet_html: str) -> None:
        self.parent = parent
        self.sheet_html = sheet_html

    def launch(self) -> bool:
        """True if the sheet went to the printer (or to the file the user picked)."""
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName("SafeLog recovery keys")
        dialog = QPrintDialog(printer, self.parent)
        dialog.setWindowTitle("SafeLog — Print recovery sheet")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        document = QTextDocument()
        document.setHtml(self.sheet_html)
        document.print_(printer)
        return True


# -- inviting people ------------------------------------------------------------------------------


class InvitePanel(QWidget):
    """Name and roles in, one-time enrolment code out; the codes made so far in a table."""

    invited = Signal(str, str)  # name, code

    def __init__(
        self,
        context: AppContext,
        session: Callable[[], Session | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self._session = session
        self.codes: list[tuple[str, str, str]] = []  # name, roles, code
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setAccessibleName("Name of the person to invite")
        self.name.setPlaceholderText("e.g. Hugh Head")
        self.name.textChanged.connect(self._update)
        self.name.returnPressed.connect(self.invite)
        name_label = QLabel("&Name:", self)
        name_label.setBuddy(self.name)
        form.addRow(name_label, self.name)

        roles = QHBoxLayout()
        self.headteacher = QCheckBox("&Headteacher", self)
        self.chair = QCheckBox("Chai&r of governors", self)
        self.dsl = QCheckBox("&DSL or deputy DSL", self)
        self.role_boxes = {
            Role.HEADTEACHER: self.headteacher,
            Role.CHAIR: self.chair,
            Role.DSL: self.dsl,
        }
        for role, box in self.role_boxes.items():
            box.setAccessibleName(f"Role: {role_summary(frozenset({role}))}")
            box.toggled.connect(self._update)
            roles.addWidget(box)
        roles.addStretch(1)
        role_column = QVBoxLayout()
        role_column.addLayout(roles)
        role_column.addWidget(
            plain_label(
                "Everyone can report a concern and see their own reports. Tick nothing for "
                "teachers and other staff.",
                self,
                role="muted",
            )
        )
        form.addRow(QLabel("Roles:", self), role_column)
        layout.addLayout(form)

        row = QHBoxLayout()
        self.button = QPushButton("&Create invitation", self)
        self.button.setAccessibleName("Create invitation")
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.invite)
        self.busy = BusyNote(self)
        row.addWidget(self.button)
        row.addWidget(self.busy, 1)
        row.addStretch(1)
        layout.addLayout(row)

        self.message = plain_label("", self, role="warning")
        self.message.setVisible(False)
        self.message.setAccessibleName("Message")
        layout.addWidget(self.message)

        # The newest code, large, for reading out or copying onto paper.
        self.latest = QFrame(self)
        self.latest.setProperty("role", "notice")
        inner = QVBoxLayout(self.latest)
        self.latest_for = plain_label("", self.latest)
        self.latest_code = plain_label("", self.latest)
        code_font = monospace_font()
        code_font.setPointSizeF(code_font.pointSizeF() * 1.3)
        code_font.setBold(True)
        self.latest_code.setFont(code_font)
        self.latest_code.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.latest_code.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.latest_code.setAccessibleName("The new enrolment code")
        inner.addWidget(self.latest_for)
        inner.addWidget(self.latest_code)
        inner.addWidget(
            plain_label(
                "Give it to them in person or on paper. It works once, within 14 days.",
                self.latest,
            )
        )
        self.latest.setVisible(False)
        layout.addWidget(self.latest)

        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["Name", "Roles", "Enrolment code"])
        self.table.setAccessibleName("Invitations made")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        # Every code is shown whole (a code cut to "…" is no use to anyone): the code and
        # roles columns fit their text, the name takes what is left (its tooltip has it all),
        # and the table scrolls sideways before it cuts a code.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(self.table.fontMetrics().horizontalAdvance("Hugh Head") + 28)
        layout.addWidget(self.table, 1)

        copies = QHBoxLayout()
        self.copy_code_button = QPushButton("Cop&y code", self)
        self.copy_code_button.setAccessibleName("Copy the selected person's enrolment code")
        self.copy_code_button.setToolTip("Copy the selected person's code (Ctrl+C)")
        self.copy_all_button = QPushButton("Copy &all codes", self)
        self.copy_all_button.setAccessibleName("Copy every name, role and enrolment code")
        self.copy_all_button.setToolTip(
            "Copy every invitation as a list, to paste into a document you print and hand out"
        )
        self.copied = plain_label("", self, role="muted")
        self.copied.setAccessibleName("Copied")
        for button in (self.copy_code_button, self.copy_all_button):
            button.setAutoDefault(False)
            copies.addWidget(button)
        copies.addWidget(self.copied, 1)
        layout.addLayout(copies)
        self.copy_code_button.clicked.connect(self.copy_code)
        self.copy_all_button.clicked.connect(self.copy_all)
        copy = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self.table)
        copy.setContext(Qt.ShortcutContext.WidgetShortcut)
        copy.activated.connect(self.copy_code)
        self.table.itemSelectionChanged.connect(self._update)
        self._update()

    def chosen_roles(self) -> frozenset[Role]:
        chosen = frozenset(r for r, box in self.role_boxes.items() if box.isChecked())
        return chosen or frozenset({Role.STAFF})

    def _update(self) -> None:
        self.button.setEnabled(_valid_name(self.name.text()) and not self.busy.busy)
        self.copy_code_button.setEnabled(self._selected_row() is not None)
        self.copy_all_button.setEnabled(bool(self.codes))

    def _selected_row(self) -> int | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return row if 0 <= row < len(self.codes) else None

    def copy_code(self) -> None:
        """The selected person's code, alone (SafeLog clears it from the clipboard on lock)."""
        row = self._selected_row()
        if row is None:
            return
        name, _roles, code = self.codes[row]
        copy_to_clipboard(code)
        self.copied.setText(f"Copied the code for {name}.")

    def copy_all(self) -> None:
        """Every invitation made here, one per line, to paste into a document to print."""
        if not self.codes:
            return
        lines = [f"{name} ({roles}): {code}" for name, roles, code in self.codes]
        copy_to_clipboard("\n".join(lines) + "\n")
        count = len(self.codes)
        self.copied.setText(
            "Copied 1 invitation." if count == 1 else f"Copied {count} invitations."
        )

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def invite(self) -> None:
        session = self._session()
        if not self.button.isEnabled() or session is None:
            return
        name = " ".join(self.name.text().split())
        roles = self.chosen_roles()
        if {Role.HEADTEACHER, Role.CHAIR} <= roles:
            self._say(
                "One person cannot be both headteacher and chair of governors: the chair "
                "handles concerns about the headteacher."
            )
            return
        self._say("")
        self.busy.start(f"Inviting {name}…")
        self._update()
        vault = self.context.vault
        self.context.runner.run(
            lambda: vault.invite(session, name, roles),
            lambda code: self._invited(name, roles, code),
            self._failed,
        )

    def _invited(self, name: str, roles: frozenset[Role], code: str) -> None:
        self.busy.stop()
        summary = role_summary(roles)
        self.codes.append((name, summary, code))
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate((name, summary, code)):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if column == 2:
                item.setFont(monospace_font())
            self.table.setItem(row, column, item)
        self.copied.setText("")
        self.latest_for.setText(f"Enrolment code for {name}:")
        self.latest_code.setText(code)
        self.latest.setVisible(True)
        self.name.clear()
        for box in self.role_boxes.values():
            box.setChecked(False)
        self._update()
        self.name.setFocus()
        self.invited.emit(name, code)

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self._update()
        if isinstance(exc, UserFacingError):
            self._say(str(exc))
            return
        from safelog.gui.crash_dialog import report_fault

        report_fault(exc, self)


class InviteDialog(QDialog):
    """For an administrator, from the main window."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SafeLog — Invite someone")
        self.setMinimumSize(640, 480)
        fit_to_screen(self, 820, 560)  # room for names, roles and whole codes side by side
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Each person gets a one-time enrolment code. They type it into SafeLog "
                '("I have an enrolment code") and choose their own passphrase.',
                self,
            )
        )
        self.panel = InvitePanel(context, lambda: context.session, self)
        layout.addWidget(self.panel, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def launch(self) -> list[tuple[str, str, str]]:
        self.exec()
        return list(self.panel.codes)


# -- the wizard's pages ------------------------------------------------------------------


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
        return _valid_name(self.school.text())


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
        return _valid_name(self.name.text()) and self.form.is_acceptable()


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


class RecoveryPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Your two recovery keys")
        self.setSubTitle("SafeLog shows them now and never again.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Continue")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "If someone forgets their passphrase, an administrator restores their access "
                "with one of these keys. Print the sheet (one key per page) or write both "
                "down, and keep each in its own place.",
                self,
            )
        )
        self.school_key = self._key_box(layout, "School recovery key", SCHOOL_KEY_HOME)
        self.governors_key = self._key_box(layout, "Governors' recovery key", GOVERNORS_KEY_HOME)
        row = QHBoxLayout()
        self.print_button = QPushButton("&Print recovery sheet…", self)
        self.print_button.setAccessibleName("Print recovery sheet")
        self.print_button.setAutoDefault(False)
        row.addWidget(self.print_button)
        self.printed = plain_label("", self, role="muted")
        row.addWidget(self.printed, 1)
        layout.addLayout(row)
        layout.addSpacing(8)
        self.kept = QCheckBox("I have printed or &written down both keys", self)
        self.kept.setAccessibleName("I have printed or written down both keys")
        self.kept.toggled.connect(self.completeChanged)
        layout.addWidget(self.kept)
        layout.addStretch(1)

    def _key_box(self, layout: QVBoxLayout, title: str, where: str) -> QLabel:
        box = QGroupBox(title, self)
        inner = QVBoxLayout(box)
        inner.addWidget(plain_label(where, box, role="muted"))
        key = plain_label("", box)
        font = monospace_font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        key.setFont(font)
        key.setWordWrap(False)
        key.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        key.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        key.setAccessibleName(title)
        inner.addWidget(key)
        layout.addWidget(box)
        return key

    def show_keys(self, school_key: str, governors_key: str) -> None:
        self.school_key.setText(school_key)
        self.governors_key.setText(governors_key)

    def forget_keys(self) -> None:
        self.school_key.setText("")
        self.governors_key.setText("")

    def isComplete(self) -> bool:
        return self.kept.isChecked()


class InvitePage(QWizardPage):
    def __init__(
        self,
        context: AppContext,
        session: Callable[[], Session | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setTitle("Invite your colleagues")
        self.setSubTitle("Each person gets a one-time code and chooses their own passphrase.")
        self.setFinalPage(True)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Invite your headteacher, your chair of governors and the staff who will "
                "report concerns. You can invite more people later with Invite… in the main "
                "window.",
                self,
            )
        )
        self.panel = InvitePanel(context, session, self)
        layout.addWidget(self.panel)


# -- the wizard --------------------------------------------------------------------------


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
