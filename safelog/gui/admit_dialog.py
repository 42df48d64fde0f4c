"""Admitting people to the roles that read cases (DESIGN §3.5), and the notice for someone
still waiting to be admitted.

Being invited is not being admitted. After an invitee enrols, each reading role they were
invited to waits until a member of that role admits them here, having read on screen what the
role gives ("Admit Dan Deputy as DSL? They will read every case the DSL reads."); declining is
confirmed the same way. Nothing is granted without that confirmation, and the vault re-checks
every admission against the membership log whatever this window offers.

The first chair of governors has no fellow member to admit them: the clerk to the governors
types the governors' recovery key instead (GovernorsKeyDialog). That is offered at a DSL's
desk only. An administrator right admits no one to a reading role, so an admin-only account is
not offered it; and the key opens concerns about the headteacher, so a headteacher who is not
also the DSL is not offered it either. The key goes from the password field to the vault and
nowhere else: never into a message, a log or a setting, and the field is emptied when the
dialog closes, whichever way it closes (the lock included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.admission import (
    ADMITTED_BY,
    admitters_described,
    may_admit,
    recovery_may_admit,
)
from safelog.domain.roles import RecoveryKey, Role
from safelog.errors import UserFacingError
from safelog.gui.dialogs import confirm
from safelog.gui.errors import explain_error
from safelog.gui.role_names import WHAT_IT_GIVES, ordered, role_in_sentence, roles_in_sentence
from safelog.gui.widgets import BusyNote, monospace_font, plain_label
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.directory import Directory
    from safelog.vault.session import Session

ACCESS_NEXT_SIGN_IN = "They get access when they next sign in."


# -- who is waiting (pure: from the directory the session has read) ---------------------------


@dataclass(frozen=True)
class Waiting:
    """One person waiting to be admitted, as the signed-in member sees them."""

    name: str
    roles: tuple[Role, ...]  # what this member may admit (or decline) them to
    by_governors_key: tuple[Role, ...]  # what the governors' key would admit them to
    invited_by: str

    def described(self) -> str:
        """For the table: "Headteacher", "Chair of governors (with the governors' ...)"."""
        if self.roles:
            text = roles_in_sentence(self.roles)
        else:
            text = f"{roles_in_sentence(self.by_governors_key)} (with the governors' recovery key)"
        return text[:1].upper() + text[1:]


def may_admit_anyone(roles: frozenset[Role]) -> bool:
    """Whether these roles let someone admit anyone at all (a DSL, headteacher, chair or
    administrator may; staff may not)."""
    return any(may_admit(roles, role) for role in ADMITTED_BY)


def offers_governors_key(roles: frozenset[Role], directory: Directory) -> bool:
    """Whether this member's window offers the governors' recovery key for a first chair
    (see the module's docstring for why only a DSL's)."""
    if Role.DSL not in roles:
        return False
    return not any(Role.CHAIR in p.roles for p in directory.people.values())


def waiting_people(session: Session) -> list[Waiting]:
    """Everyone waiting for a role this member may admit them to, and (at a DSL's desk, while
    the school has no chair) anyone waiting to be the first chair of governors."""
    from safelog.vault.people import people_rows

    directory = session.directory
    mine = frozenset(session.person.roles)
    invited_by = {str(row["name"]): str(row["invited_by"]) for row in people_rows(directory)}
    admissible = {p.id for p in directory.waiting_for(mine)}
    first_chair = offers_governors_key(mine, directory)
    found = []
    for person in sorted(directory.people.values(), key=lambda p: p.name.casefold()):
        if person.id == session.user_id:
            continue  # no one admits themselves
        roles: tuple[Role, ...] = ()
        if person.id in admissible:
            roles = tuple(r for r in ordered(person.pending) if may_admit(mine, r))
        by_key: tuple[Role, ...] = ()
        if first_chair and Role.CHAIR in person.pending:
            by_key = tuple(
                r for r in ordered(person.pending) if recovery_may_admit(RecoveryKey.GOVERNORS, r)
            )
        if roles or by_key:
            found.append(Waiting(person.name, roles, by_key, invited_by.get(person.name, "")))
    return found


def waiting_for_you(count: int) -> str:
    if count == 1:
        return "1 person is waiting for you to admit them."
    return f"{count} people are waiting for you to admit them."


def waiting_notice(pending: frozenset[Role], held: frozenset[Role]) -> str:
    """What someone still waiting to be admitted reads when they sign in."""
    if not pending:
        return ""
    parts = [f"as {role_in_sentence(r)} by {admitters_described(r)}" for r in ordered(pending)]
    text = "You are waiting to be admitted " + "; and ".join(parts) + "."
    reading = ordered(held - {Role.STAFF})
    if reading:
        return text + f" Until then you work as {roles_in_sentence(reading)}."
    return text + " Until then you can report concerns."


def admit_question(person: Waiting, roles: tuple[Role, ...]) -> str:
    gives = " ".join(WHAT_IT_GIVES[r] for r in roles)
    invited = f"\n\nInvited by {person.invited_by}." if person.invited_by else ""
    return f"Admit {person.name} as {roles_in_sentence(roles)}?\n\n{gives}{invited}"


def decline_question(person: Waiting) -> str:
    return (
        f"Decline {person.name} as {roles_in_sentence(person.roles)}?\n\n"
        "They keep their account and can report concerns, but will not be "
        f"{roles_in_sentence(person.roles)}."
    )


# -- the dialog --------------------------------------------------------------------------------


class AdmitDialog(QDialog):
    """The people waiting for this member to admit them, each with Admit and Decline.

    Emits `loaded` each time the list is shown afresh and `changed` after each admission or
    decline."""

    loaded = Signal()
    changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.people: list[Waiting] = []
        self.changes = 0
        self.setWindowTitle("SafeLog — Admit people")
        self.setMinimumSize(680, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Being invited is not being admitted. These people have enrolled and are "
                "waiting for a member of the role they were invited to. Nothing is granted "
                "until you confirm it.",
                self,
            )
        )
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        self.empty = plain_label("No one is waiting for you to admit them.", self, role="muted")
        self.empty.setAccessibleName("No one is waiting")
        self.empty.setVisible(False)
        layout.addWidget(self.empty)

        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["Name", "Waiting to be admitted as", "Invited by"])
        self.table.setAccessibleName("People waiting to be admitted")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.admit_button = QPushButton("&Admit…", self)
        self.admit_button.setProperty("role", "primary")
        self.admit_button.setAccessibleName("Admit the selected person")
        self.admit_button.setAutoDefault(False)
        self.admit_button.clicked.connect(self.admit_selected)
        self.decline_button = QPushButton("&Decline…", self)
        self.decline_button.setAccessibleName("Decline the selected person")
        self.decline_button.setAutoDefault(False)
        self.decline_button.clicked.connect(self.decline_selected)
        self.key_button = QPushButton("Admit with the &governors' recovery key…", self)
        self.key_button.setAccessibleName(
            "Admit the selected person as the first chair of governors with the governors' "
            "recovery key"
        )
        self.key_button.setAutoDefault(False)
        self.key_button.clicked.connect(self.admit_with_governors_key)
        for button in (self.admit_button, self.decline_button, self.key_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)

        self.message = plain_label("", self, role="warning")
        self.message.setAccessibleName("Problem")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.notice = plain_label("", self, role="notice")
        self.notice.setAccessibleName("Result")
        self.notice.setVisible(False)
        layout.addWidget(self.notice)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        # Idle lock and Ctrl+L close every open dialog through the app; this also covers a
        # dialog shown without it.
        context.events.locked.connect(self.reject)
        # From the membership log as this session last read it (at sign-in, or after an
        # admission here): the same people the main window's banner counted.
        self.show_waiting()

    # -- the list ---------------------------------------------------------------------------

    def read_again(self) -> None:
        """Read the membership log again, then list who is still waiting (after the
        governors' key wrote to the log, which this session has not read)."""
        session = self.context.session
        if session is None or session.locked:
            return
        self.busy.start("Reading who is waiting…")
        self._update_buttons()
        run_guarded(self.context, self, session.refresh, self._read, self._failed)

    def _read(self, _result: object) -> None:
        self.busy.stop()
        self.show_waiting()

    def show_waiting(self) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        chosen = self.selected()
        self.people = waiting_people(session)
        self.table.setRowCount(0)
        for person in self.people:
            row = self.table.rowCount()
            self.table.insertRow(row)
            for column, text in enumerate((person.name, person.described(), person.invited_by)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(self.people))
        self.empty.setVisible(not self.people)
        if self.people:
            names = [p.name for p in self.people]
            keep = names.index(chosen.name) if chosen and chosen.name in names else 0
            self.table.selectRow(keep)
            self.table.setFocus()
        self._update_buttons()
        self.loaded.emit()  # on building, and after each change

    def selected(self) -> Waiting | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.people):
            return None
        return self.people[rows[0].row()]

    def select(self, name: str) -> None:
        """Select one person's row by name."""
        for row, person in enumerate(self.people):
            if person.name == name:
                self.table.selectRow(row)
                return
        raise LookupError(name)

    def _update_buttons(self) -> None:
        person = self.selected()
        idle = not self.busy.busy
        self.admit_button.setEnabled(idle and person is not None and bool(person.roles))
        self.decline_button.setEnabled(idle and person is not None and bool(person.roles))
        offered = person is not None and bool(person.by_governors_key)
        self.key_button.setVisible(any(p.by_governors_key for p in self.people))
        self.key_button.setEnabled(idle and offered)

    def _say(self, problem: str = "", result: str = "") -> None:
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        self.notice.setText(result)
        self.notice.setVisible(bool(result))

    # -- acting -----------------------------------------------------------------------------

    def admit_selected(self) -> None:
        person = self.selected()
        if person is None or not person.roles or self.busy.busy:
            return
        if not confirm(self, f"Admit {person.name}", admit_question(person, person.roles)):
            return
        self._run(person, decline=False)

    def decline_selected(self) -> None:
        person = self.selected()
        if person is None or not person.roles or self.busy.busy:
            return
        if not confirm(self, f"Decline {person.name}", decline_question(person)):
            return
        self._run(person, decline=True)

    def _run(self, person: Waiting, *, decline: bool) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        vault = self.context.vault
        name = person.name
        self._say()
        self.busy.start(f"{'Declining' if decline else 'Admitting'} {name}…")
        self._update_buttons()
        run_guarded(
            self.context,
            self,
            lambda: vault.admit(session, name, decline=decline),
            lambda roles: self._done(name, roles, decline),
            self._failed,
        )

    def _done(self, name: str, roles: list[Role], decline: bool) -> None:
        self.busy.stop()
        self.changes += 1
        if decline:
            result = f"{name} was declined as {roles_in_sentence(roles)}."
        else:
            result = f"{name} is now admitted as {roles_in_sentence(roles)}. {ACCESS_NEXT_SIGN_IN}"
        self._say(result=result)
        self.changed.emit()
        self.show_waiting()  # the vault re-read the directory after the change

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self._update_buttons()
        if isinstance(exc, UserFacingError):
            self._say(problem=str(exc))
            return
        explain_error(self, exc)

    def admit_with_governors_key(self) -> None:
        person = self.selected()
        if person is None or not person.by_governors_key or self.busy.busy:
            return
        dialog = GovernorsKeyDialog(self.context, person, self)
        roles = dialog.launch()
        dialog.deleteLater()
        if not roles:
            return
        self.changes += 1
        self._say(
            result=(
                f"{person.name} is now admitted as {roles_in_sentence(roles)} with the "
                f"governors' recovery key. {ACCESS_NEXT_SIGN_IN}"
            )
        )
        self.changed.emit()
        self.read_again()

    # -- closing ----------------------------------------------------------------------------

    def launch(self) -> int:
        """Show the dialog; how many admissions or declines were made."""
        self.exec()
        return self.changes


class GovernorsKeyDialog(QDialog):
    """The clerk to the governors types the governors' recovery key to admit the first chair.
    `launch()` returns the roles admitted, or None."""

    def __init__(self, context: AppContext, person: Waiting, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.person = person
        self.admitted: list[Role] | None = None
        roles = person.by_governors_key
        self.setWindowTitle("SafeLog — Governors' recovery key")
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        question = plain_label(admit_question(person, roles), self)
        question.setAccessibleName("What admitting them gives")
        layout.addWidget(question)
        layout.addSpacing(8)
        layout.addWidget(
            plain_label(
                "The school has no chair of governors on SafeLog yet, so the first is admitted "
                "with the governors' recovery key. Ask the clerk to the governors (or the trust) "
                "to type it here. SafeLog uses it for this admission only and does not keep it.",
                self,
                role="muted",
            )
        )
        row = QHBoxLayout()
        label = QLabel("Governors' recovery &key:", self)
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setAccessibleName("Governors' recovery key")
        self.key.setFont(monospace_font())
        self.key.textChanged.connect(self._update)
        self.key.returnPressed.connect(self.submit)
        label.setBuddy(self.key)
        row.addWidget(label)
        row.addWidget(self.key, 1)
        layout.addLayout(row)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        self.message = plain_label("", self, role="warning")
        self.message.setAccessibleName("Problem")
        self.message.setVisible(False)
        layout.addWidget(self.message)

        buttons = QDialogButtonBox(self)
        self.admit_button = buttons.addButton(
            f"&Admit {person.name}", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.admit_button.setAccessibleName(f"Admit {person.name} with this key")
        self.admit_button.setProperty("role", "primary")
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        # Accept goes through submit (the key is checked first), never straight to accept().
        self.admit_button.clicked.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        context.events.locked.connect(self.reject)
        self._update()

    def _update(self) -> None:
        self.admit_button.setEnabled(bool(self.key.text().strip()) and not self.busy.busy)

    def submit(self) -> None:
        if not self.admit_button.isEnabled():
            return
        vault = self.context.vault
        name = self.person.name
        typed = self.key.text()
        self.message.setVisible(False)
        self.busy.start("Checking the key…")
        self.key.setEnabled(False)
        self._update()
        run_guarded(
            self.context,
            self,
            lambda: vault.admit_with_recovery(name, typed),
            self._done,
            self._failed,
        )

    def _done(self, roles: list[Role]) -> None:
        self.busy.stop()
        self.admitted = list(roles)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self.key.setEnabled(True)
        self._update()
        if not isinstance(exc, UserFacingError):
            explain_error(self, exc)
            return
        self.message.setText(str(exc))
        self.message.setVisible(True)
        self.key.setFocus()
        self.key.selectAll()

    def reject(self) -> None:
        session = self.context.session
        if self.busy.busy and session is not None and not session.locked:
            return  # the key is at work; it finishes in a moment (a lock still closes this)
        super().reject()

    def done(self, result: int) -> None:
        self.key.clear()  # however the dialog closes, the key does not stay in the field
        super().done(result)

    def launch(self) -> list[Role] | None:
        self.exec()
        return self.admitted
