"""Inviting people one at a time: a name and roles in, a one-time enrolment code out, and the
codes made so far in a table to copy. The same panel is the setup wizard's last page
(InvitePage) and, for an administrator later, a dialog of its own (InviteDialog)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from safelog.domain.roles import Role
from safelog.errors import UserFacingError
from safelog.gui.idle_lock import copy_to_clipboard
from safelog.gui.role_names import role_summary
from safelog.gui.screen_fit import fit_to_screen
from safelog.gui.widgets import BusyNote, monospace_font, plain_label

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session

MAX_NAME = 200  # as safelog.vault.invitations.clean_name


def valid_name(text: str) -> bool:
    """A person's or the school's name as SafeLog takes it."""
    cleaned = " ".join(text.split())
    return 0 < len(cleaned) <= MAX_NAME and all(ord(c) >= 32 for c in cleaned)


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
        self.button.setEnabled(valid_name(self.name.text()) and not self.busy.busy)
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
