"""The People window: everyone in the school's SafeLog with their roles, where they stand and
who invited them; for an administrator also inviting several at once (gui/invite_grid.py),
removing a leaver and restoring access with a recovery key (gui/reset_dialog.py).

The list is the signed membership log as this session read it, which every signed-in person
reads anyway; the main window offers it to administrators, DSLs and headteachers. Only an
administrator is offered the changes, and the vault refuses them to anyone else whatever this
window offers (DESIGN §3.5): its refusal is what the person sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.admission import MANAGES_PEOPLE
from safelog.domain.roles import Role
from safelog.gui.dialogs import confirm
from safelog.gui.errors import explain_error
from safelog.gui.invite_grid import InviteGrid
from safelog.gui.reset_dialog import ResetDialog
from safelog.gui.role_names import role_summary, roles_in_sentence
from safelog.gui.screen_fit import fit_to_screen, keep_fitting
from safelog.gui.widgets import BusyNote, plain_label
from safelog.gui.worker import run_guarded
from safelog.vault.membership import ADMITTED, ENROLLED, INVITED, REMOVED

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.directory import Directory

READ_ONLY = "Only an administrator can invite, remove or restore access for people."


@dataclass(frozen=True)
class Member:
    """One row of the list, in the words a teacher reads."""

    name: str
    roles: frozenset[Role]
    state: str
    invited_by: str
    removed: bool

    def cells(self) -> tuple[str, str, str, str]:
        return (self.name, role_summary(self.roles), self.state, self.invited_by)


def state_words(state: str, waiting_for: frozenset[Role]) -> str:
    if state == INVITED:
        return "Invited, not yet enrolled"
    if state == ENROLLED and waiting_for:
        return f"Waiting to be admitted as {roles_in_sentence(waiting_for)}"
    if state == REMOVED:
        return "Removed"
    return "Active" if state in (ADMITTED, ENROLLED) else state


def members(directory: Directory) -> list[Member]:
    from safelog.vault.people import people_rows

    found = []
    for row in people_rows(directory):
        held = frozenset(Role(r) for r in row["roles"])
        waiting = frozenset(Role(r) for r in row["waiting_for"])
        asked = frozenset(Role(r) for r in row["asked_for"])
        # Someone not (or no longer) holding roles is listed with the roles asked for.
        roles = held | waiting if row["state"] in (ENROLLED, ADMITTED) else asked
        found.append(
            Member(
                name=str(row["name"]),
                roles=roles,
                state=state_words(str(row["state"]), waiting),
                invited_by=str(row["invited_by"]),
                removed=row["state"] == REMOVED,
            )
        )
    return found


def remove_question(name: str) -> str:
    """What removing someone really does (vault/membership_changes.py remove_user)."""
    return (
        f"Remove {name} from SafeLog?\n\n"
        f"{name} can no longer sign in. New cases will not be readable by them once SafeLog "
        "has changed the locks of their roles: at once for the roles you are in, and for any "
        "other role the next time one of its members signs in.\n\n"
        "Cases they could already read are not locked again: SafeLog cannot take back what "
        "they read or copied while they were here. What they wrote stays in the record under "
        "their name.\n\n"
        "This cannot be undone."
    )


class PeopleWindow(QDialog):
    """Emits `changed` after each invitation, removal or restored access."""

    changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        session = context.require_session()
        self.context = context
        self.me = session.person.name
        self.manages = bool(frozenset(session.person.roles) & MANAGES_PEOPLE)
        self.people: list[Member] = []
        self.setWindowTitle("SafeLog — People")
        self.setMinimumSize(700, 520)
        fit_to_screen(self, 920, 640)
        outer = QVBoxLayout(self)
        # Two tabs, so the list and the invitation grid each get the window's height.
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("People and invitations")
        outer.addWidget(self.tabs, 1)
        everyone = QWidget(self.tabs)
        layout = QVBoxLayout(everyone)
        layout.addWidget(
            plain_label(
                "Everyone who has been invited to the school's SafeLog, with their roles and "
                "where they stand.",
                everyone,
            )
        )
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["Name", "Roles", "State", "Invited by"])
        self.table.setAccessibleName("People")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.remove_button = QPushButton("&Remove…", self)
        self.remove_button.setAccessibleName("Remove the selected person from SafeLog")
        self.remove_button.clicked.connect(self.remove_selected)
        self.reset_button = QPushButton("Restore &access…", self)
        self.reset_button.setAccessibleName(
            "Give the selected person a new enrolment code with a recovery key"
        )
        self.reset_button.setToolTip("For someone who forgot their passphrase or lost their code")
        self.reset_button.clicked.connect(self.reset_selected)
        for button in (self.remove_button, self.reset_button):
            button.setAutoDefault(False)
            button.setVisible(self.manages)
            row.addWidget(button)
        self.busy = BusyNote(self)
        row.addWidget(self.busy, 1)
        row.addStretch(1)
        layout.addLayout(row)
        self.read_only = plain_label(READ_ONLY, self, role="muted")
        self.read_only.setVisible(not self.manages)
        layout.addWidget(self.read_only)
        self.notice = plain_label("", self, role="notice")
        self.notice.setAccessibleName("Result")
        self.notice.setVisible(False)
        layout.addWidget(self.notice)

        self.tabs.addTab(everyone, "&Everyone")

        self.invite_box = QWidget(self.tabs)
        inner = QVBoxLayout(self.invite_box)
        self.invite_grid = InviteGrid(context, lambda: self.me, self.invite_box)
        self.invite_grid.changed.connect(self._invited)
        inner.addWidget(self.invite_grid)
        self.tabs.addTab(self.invite_box, "&Invite people")
        self.tabs.setTabVisible(1, self.manages)
        self.tabs.tabBar().setVisible(self.manages)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        # Idle lock and Ctrl+L close every open dialog through the app; this covers a
        # window shown without it.
        context.events.locked.connect(self.reject)
        keep_fitting(self)
        self.show_people()

    # -- the list ---------------------------------------------------------------------------

    def show_people(self) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        chosen = self.selected()
        self.people = members(session.directory)
        self.table.setRowCount(0)
        for person in self.people:
            row = self.table.rowCount()
            self.table.insertRow(row)
            for column, text in enumerate(person.cells()):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if person.removed:
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, column, item)
        names = [p.name for p in self.people]
        if chosen is not None and chosen.name in names:
            self.table.selectRow(names.index(chosen.name))
        self._update()

    def rows(self) -> list[tuple[str, str, str, str]]:
        """What the table shows, row by row."""
        return [p.cells() for p in self.people]

    def selected(self) -> Member | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.people):
            return None
        return self.people[rows[0].row()]

    def select(self, name: str) -> None:
        for row, person in enumerate(self.people):
            if person.name == name:
                self.table.selectRow(row)
                return
        raise LookupError(name)

    def _update(self) -> None:
        person = self.selected()
        # Never oneself: whoever is signed in knows their passphrase, and removing or
        # resetting oneself would cut off the session in use.
        usable = (
            person is not None
            and not person.removed
            and person.name != self.me
            and not self.busy.busy
        )
        self.remove_button.setEnabled(usable)
        self.reset_button.setEnabled(usable)

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # -- changes (the vault decides who may) -------------------------------------------------

    def _invited(self) -> None:
        self.show_people()
        self.changed.emit()

    def remove_selected(self) -> None:
        person = self.selected()
        if person is None or self.busy.busy:
            return
        if confirm(self, f"Remove {person.name}", remove_question(person.name)):
            self.remove_person(person.name)

    def remove_person(self, name: str) -> None:
        """Remove someone (after the confirmation); the list shows it once done."""
        session = self.context.session
        if session is None or session.locked:
            return
        vault = self.context.vault
        self._say("")
        self.busy.start(f"Removing {name}…")
        self._update()

        def remove() -> None:
            vault.remove_user(session, name)
            session.refresh()

        run_guarded(self.context, self, remove, lambda _: self._removed(name), self._failed)

    def _removed(self, name: str) -> None:
        self.busy.stop()
        self._say(f"{name} has been removed and can no longer sign in.")
        self.show_people()
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self._update()
        explain_error(self, exc)

    def reset_selected(self) -> None:
        person = self.selected()
        if person is not None and not self.busy.busy:
            self.reset_person(person.name)

    def reset_person(self, name: str) -> str:
        """The restore-access dialog for one person; the new code, or ""."""
        person = next((p for p in self.people if p.name == name), None)
        roles = person.roles if person is not None else frozenset()
        dialog = ResetDialog(self.context, name, roles, self.me, self)
        code = dialog.launch()
        dialog.deleteLater()
        if code:
            self._say(f"{name} has a new enrolment code and must enrol again.")
            self.show_people()
            self.changed.emit()
        return code

    # -- closing ----------------------------------------------------------------------------

    def reject(self) -> None:
        session = self.context.session
        busy = self.busy.busy or self.invite_grid.busy.busy
        if busy and session is not None and not session.locked:
            return  # a change is being written; it finishes in a moment (a lock still closes)
        super().reject()

    def done(self, result: int) -> None:
        self.invite_grid.forget()  # the codes made here stay nowhere once it closes
        super().done(result)

    def launch(self) -> None:
        self.exec()
