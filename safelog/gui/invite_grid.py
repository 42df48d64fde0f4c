"""Inviting several people at once: a small grid of names with a tick per role, one press
makes every code, and the codes made so far are shown whole with Copy and Print slip.

Each row stands on its own. A row with a problem (no name, a name typed twice, headteacher
and chair of governors ticked together, or a row SafeLog itself refuses, such as a name
already in use) is left in the grid with its problem named below, and every other row is
invited. Only a refusal of the person inviting (not an administrator, SafeLog locked) stops
the lot, since it would refuse every row alike; it is explained in a message box.

The codes live in this widget's memory only, until its window closes (`forget`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.roles import Role
from safelog.errors import AccessDenied, UserFacingError
from safelog.gui.errors import explain_error
from safelog.gui.idle_lock import copy_to_clipboard
from safelog.gui.invitation_slips import Slip, SlipPrinter, slips_html
from safelog.gui.role_names import SHORT_LABELS, role_summary
from safelog.gui.widgets import BusyNote, monospace_font, plain_label
from safelog.gui.worker import run_guarded
from safelog.vault.invitations import INVITATION_DAYS

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session
    from safelog.vault.vault import Vault

ROLE_COLUMNS = (Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO, Role.DSL, Role.ADMIN)
START_ROWS = 4
MAX_NAME = 200  # as safelog.vault.invitations.clean_name, which decides
HEAD_AND_CEO = (
    "one person cannot be both headteacher and the trust's chief executive: the CEO reads "
    "concerns about the headteacher."
)
BOTH_HEAD_AND_CHAIR = (
    "one person cannot be both headteacher and chair of governors: the chair handles "
    "concerns about the headteacher."
)


@dataclass(frozen=True)
class Asked:
    """One grid row to invite: its row number as the admin sees it (from 1)."""

    row: int
    name: str
    roles: frozenset[Role]


@dataclass(frozen=True)
class Outcome:
    asked: Asked
    code: str = ""
    problem: str = ""


def row_problem(name: str, roles: frozenset[Role], names_before: set[str]) -> str:
    """What is wrong with one row before anything is sent, or "" (SafeLog re-checks)."""
    if not name:
        return "type a name."
    if len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
        return f"a name must be 1 to {MAX_NAME} printable characters."
    if name.casefold() in names_before:
        return f"{name} is listed twice."
    if {Role.HEADTEACHER, Role.CHAIR} <= roles:
        return BOTH_HEAD_AND_CHAIR
    if {Role.HEADTEACHER, Role.TRUST_CEO} <= roles:
        return HEAD_AND_CEO
    return ""


def invite_each(vault: Vault, session: Session, asked: list[Asked]) -> list[Outcome]:
    """Invite row by row (in the worker). A row SafeLog refuses is kept with its reason and
    the others go on; a refusal of the inviter themselves stops at once, before any code."""
    outcomes = []
    for row in asked:
        try:
            code = vault.invite(session, row.name, row.roles or frozenset({Role.STAFF}))
        except AccessDenied:
            raise
        except UserFacingError as exc:
            outcomes.append(Outcome(row, problem=str(exc)))
            continue
        outcomes.append(Outcome(row, code=code))
    if any(o.code for o in outcomes):
        session.refresh()  # the list shows the new people
    return outcomes


class InviteGrid(QWidget):
    """Emits `changed` after a press that invited anyone."""

    changed = Signal()

    def __init__(
        self,
        context: AppContext,
        made_by: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self._made_by = made_by
        self.made: list[Slip] = []
        self.printer = SlipPrinter  # tests replace it
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            plain_label(
                "Type one person a row and tick their roles; leave the ticks empty for "
                "teachers and other staff. Everyone can report a concern. A row with a problem "
                "stays here with the problem named; the other rows are still invited.",
                self,
                role="muted",
            )
        )
        self.grid = QTableWidget(0, 1 + len(ROLE_COLUMNS), self)
        self.grid.setHorizontalHeaderLabels(["Name", *(SHORT_LABELS[r] for r in ROLE_COLUMNS)])
        self.grid.setAccessibleName("People to invite")
        self.grid.verticalHeader().setVisible(True)
        header = self.grid.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.grid.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for _ in range(START_ROWS):
            self.add_row()
        # Every starting row in view, however many codes are listed below.
        self.grid.setMinimumHeight(_rows_high(self.grid, START_ROWS))
        layout.addWidget(self.grid, 1)

        row = QHBoxLayout()
        self.add_button = QPushButton("Add a &row", self)
        self.add_button.setAccessibleName("Add a row for one more person")
        self.add_button.clicked.connect(self.add_row)
        self.invite_button = QPushButton("&Invite everyone listed", self)
        self.invite_button.setProperty("role", "primary")
        self.invite_button.setAccessibleName("Invite everyone listed")
        self.invite_button.clicked.connect(self.invite)
        for button in (self.add_button, self.invite_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        self.busy = BusyNote(self)
        row.addWidget(self.busy, 1)
        row.addStretch(1)
        layout.addLayout(row)

        self.problems = plain_label("", self, role="warning")
        self.problems.setAccessibleName("Rows not invited")
        self.problems.setVisible(False)
        layout.addWidget(self.problems)

        # The codes made appear once there are some.
        self.made_box = QWidget(self)
        made_layout = QVBoxLayout(self.made_box)
        made_layout.setContentsMargins(0, 0, 0, 0)
        made_layout.addWidget(
            plain_label(
                f"Codes made (each works once, within {INVITATION_DAYS} days; give it in person "
                "or on the printed slip):",
                self.made_box,
            )
        )
        self.codes = QTableWidget(0, 3, self.made_box)
        self.codes.setHorizontalHeaderLabels(["Name", "Roles", "Enrolment code"])
        self.codes.setAccessibleName("Enrolment codes made")
        self.codes.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.codes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.codes.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.codes.setWordWrap(False)
        self.codes.verticalHeader().setVisible(False)
        # A code cut to "…" is no use to anyone: codes and roles fit their text.
        header = self.codes.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.codes.itemSelectionChanged.connect(self._update)
        made_layout.addWidget(self.codes, 1)

        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Cop&y code", self)
        self.copy_button.setAccessibleName("Copy the selected person's enrolment code")
        self.copy_button.clicked.connect(self.copy_code)
        self.copy_all_button = QPushButton("Copy &all codes", self)
        self.copy_all_button.setAccessibleName("Copy every name, role and enrolment code")
        self.copy_all_button.clicked.connect(self.copy_all)
        self.print_button = QPushButton("&Print slip", self)
        self.print_button.setAccessibleName("Print the selected person's invitation slip")
        self.print_button.clicked.connect(self.print_selected)
        self.print_all_button = QPushButton("Print all sli&ps", self)
        self.print_all_button.setAccessibleName("Print an invitation slip for everyone listed")
        self.print_all_button.clicked.connect(self.print_all)
        for button in (
            self.copy_button,
            self.copy_all_button,
            self.print_button,
            self.print_all_button,
        ):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        self.note = plain_label("", self, role="muted")
        self.note.setAccessibleName("Done")
        buttons.addWidget(self.note, 1)
        made_layout.addLayout(buttons)
        self.made_box.setVisible(False)
        layout.addWidget(self.made_box, 1)
        copy = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self.codes)
        copy.setContext(Qt.ShortcutContext.WidgetShortcut)
        copy.activated.connect(self.copy_code)
        self._update()

    # -- the grid ---------------------------------------------------------------------------

    def add_row(self) -> None:
        row = self.grid.rowCount()
        self.grid.insertRow(row)
        name = QTableWidgetItem("")
        name.setToolTip("The person's name as it should appear in SafeLog")
        self.grid.setItem(row, 0, name)
        for column, role in enumerate(ROLE_COLUMNS, start=1):
            tick = QTableWidgetItem("")
            tick.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            tick.setCheckState(Qt.CheckState.Unchecked)
            tick.setToolTip(SHORT_LABELS[role])
            self.grid.setItem(row, column, tick)

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.grid.item(row, column)
        assert item is not None  # add_row fills every cell
        return item

    def set_row(self, row: int, name: str, roles: frozenset[Role] = frozenset()) -> None:
        """Fill one row as the admin would by typing and ticking (tests, and clearing)."""
        while self.grid.rowCount() <= row:
            self.add_row()
        self._cell(row, 0).setText(name)
        for column, role in enumerate(ROLE_COLUMNS, start=1):
            state = Qt.CheckState.Checked if role in roles else Qt.CheckState.Unchecked
            self._cell(row, column).setCheckState(state)

    def _row(self, row: int) -> tuple[str, frozenset[Role]]:
        name = " ".join(self._cell(row, 0).text().split())
        roles = frozenset(
            role
            for column, role in enumerate(ROLE_COLUMNS, start=1)
            if self._cell(row, column).checkState() == Qt.CheckState.Checked
        )
        return name, roles

    def _checked_rows(self) -> tuple[list[Asked], list[tuple[int, str]]]:
        asked: list[Asked] = []
        problems: list[tuple[int, str]] = []
        seen: set[str] = set()
        for row in range(self.grid.rowCount()):
            name, roles = self._row(row)
            if not name and not roles:
                continue  # an empty row is no one
            problem = row_problem(name, roles, seen)
            if problem:
                who = f" ({name})" if name else ""
                problems.append((row + 1, f"Row {row + 1}{who}: {problem}"))
                continue
            seen.add(name.casefold())
            asked.append(Asked(row + 1, name, roles))
        return asked, problems

    # -- inviting ---------------------------------------------------------------------------

    def invite(self) -> None:
        """Check every row, then invite each good one; the vault decides who may."""
        session = self.context.session
        if session is None or session.locked or self.busy.busy:
            return
        asked, problems = self._checked_rows()
        if not asked:
            self._show_problems(problems or [(0, "Type at least one name.")])
            return
        self._show_problems([])
        self.busy.start("Inviting 1 person…" if len(asked) == 1 else f"Inviting {len(asked)}…")
        self._update()
        vault = self.context.vault
        run_guarded(
            self.context,
            self,
            lambda: invite_each(vault, session, asked),
            lambda outcomes: self._invited(outcomes, problems),
            self._failed,
        )

    def _invited(self, outcomes: list[Outcome], problems: list[tuple[int, str]]) -> None:
        self.busy.stop()
        refused = [
            (o.asked.row, f"Row {o.asked.row} ({o.asked.name}): {o.problem}")
            for o in outcomes
            if o.problem
        ]
        done = [o for o in outcomes if o.code]
        for outcome in done:
            self.set_row(outcome.asked.row - 1, "")  # invited: the row is free again
            self._add_code(Slip(outcome.asked.name, outcome.asked.roles, outcome.code))
        self._show_problems(sorted(problems + refused))
        count = len(done)
        self.note.setText(
            "" if not count else "Invited 1 person." if count == 1 else f"Invited {count} people."
        )
        self._update()
        if done:
            self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self._update()
        explain_error(self, exc)

    def _show_problems(self, problems: list[tuple[int, str]]) -> None:
        text = "Not invited:\n" + "\n".join(p for _, p in problems) if problems else ""
        self.problems.setText(text)
        self.problems.setVisible(bool(problems))

    def _add_code(self, slip: Slip) -> None:
        self.made.append(slip)
        row = self.codes.rowCount()
        self.codes.insertRow(row)
        for column, text in enumerate((slip.name, role_summary(slip.roles), slip.code)):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if column == 2:
                item.setFont(monospace_font())
            self.codes.setItem(row, column, item)
        self.codes.selectRow(row)

    # -- the codes made -----------------------------------------------------------------------

    def selected(self) -> Slip | None:
        rows = {index.row() for index in self.codes.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self.made[row] if 0 <= row < len(self.made) else None

    def _update(self) -> None:
        idle = not self.busy.busy
        self.invite_button.setEnabled(idle)
        chosen = self.selected() is not None
        self.copy_button.setEnabled(chosen)
        self.print_button.setEnabled(chosen)
        self.copy_all_button.setEnabled(bool(self.made))
        self.print_all_button.setEnabled(bool(self.made))
        self.made_box.setVisible(bool(self.made))

    def copy_code(self) -> None:
        """The selected person's code, alone (SafeLog clears it from the clipboard on lock)."""
        slip = self.selected()
        if slip is not None:
            copy_to_clipboard(slip.code)
            self.note.setText(f"Copied the code for {slip.name}.")

    def copy_all(self) -> None:
        if self.made:
            lines = [f"{s.name} ({role_summary(s.roles)}): {s.code}" for s in self.made]
            copy_to_clipboard("\n".join(lines) + "\n")
            count = len(self.made)
            self.note.setText("Copied 1 code." if count == 1 else f"Copied {count} codes.")

    def print_selected(self) -> bool:
        slip = self.selected()
        return slip is not None and self.print_slips([slip])

    def print_all(self) -> bool:
        return bool(self.made) and self.print_slips(list(self.made))

    def print_slips(self, slips: list[Slip]) -> bool:
        session = self.context.session
        if session is None or session.locked or not slips:
            return False
        page = slips_html(session.directory.school, self._made_by(), slips)
        printed = self.printer(self, page, len(slips)).launch()
        if printed:
            count = len(slips)
            self.note.setText("Printed 1 slip." if count == 1 else f"Printed {count} slips.")
        return printed

    def forget(self) -> None:
        """Drop every code from memory and screen (the window is closing)."""
        self.made.clear()
        self.codes.setRowCount(0)
        for row in range(self.grid.rowCount()):
            self.set_row(row, "")
        self.note.setText("")
        self._show_problems([])
        self._update()


def _rows_high(table: QTableWidget, rows: int) -> int:
    """The height of a table showing its header and this many rows."""
    row = table.verticalHeader().defaultSectionSize()
    return table.horizontalHeader().sizeHint().height() + rows * row + 2 * table.frameWidth() + 2
