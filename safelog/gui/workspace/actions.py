"""Actions: what needs doing, by whom, by when; marked done with an optional note."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.actions import action_state as due_state
from safelog.domain.deadlines import LONDON, DeadlineState, add_working_days
from safelog.gui.formatting import uk_date, uk_datetime
from safelog.gui.widgets import named, plain_label
from safelog.gui.workspace.panel import (
    DATE_TIME,
    CaseView,
    FormError,
    Notice,
    Saver,
    WorkspacePanel,
    fill_table,
    read_only_table,
    row_key,
)
from safelog.vault.case_schema import CaseField

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session


def action_state(action: dict[str, Any], now: datetime) -> DeadlineState:
    """Actions fall due at the end of their day (domain/actions.py)."""
    due = date.fromisoformat(action["due"][:10]) if action.get("due") else None
    done = datetime.fromisoformat(action["done_at"]) if action.get("done_at") else None
    return due_state(due, done, now)


def due_text(action: dict[str, Any], now: datetime) -> str:
    if not action.get("due"):
        return ""
    state = action_state(action, now)
    shown = uk_date(action["due"])
    if state is DeadlineState.OVERDUE:
        return f"{shown} (overdue)"
    if state is DeadlineState.DUE_TODAY:
        return f"{shown} (due today)"
    return shown


def done_text(action: dict[str, Any]) -> str:
    if not action.get("done_at"):
        return "Not done yet"
    text = f"Done {uk_datetime(action['done_at'])} by {action.get('done_by', '')}"
    if action.get("done_note"):
        text += f": {action['done_note']}"
    return text


class ActionsPanel(WorkspacePanel):
    title = "Actions"
    kept_fields = ("text",)

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        layout = QVBoxLayout(self)
        self.table = read_only_table(
            self,
            "Actions",
            ("Action", "Owner", "Due", "Done"),
            stretch=0,
            widths={
                1: "Owner's full name",
                2: "00/00/0000 (due today)",
                3: "Done " + DATE_TIME + " by Someone Name",
            },
        )
        layout.addWidget(self.table, 1)
        self.empty = plain_label("No actions yet.", self, role="muted")
        layout.addWidget(self.empty)

        self.done_box = QGroupBox("Mark the selected action done", self)
        done_row = QHBoxLayout(self.done_box)
        self.done_note = named(QLineEdit(self.done_box), "Note about the finished action")
        self.done_note.setPlaceholderText("Note (optional), e.g. Parents called, agreed to monitor")
        self.done_button = named(QPushButton("&Mark done", self.done_box), "Mark done")
        done_row.addWidget(self.done_note, 1)
        done_row.addWidget(self.done_button)
        layout.addWidget(self.done_box)

        self.editor = QGroupBox("Add an action", self)
        form = QFormLayout(self.editor)
        self.text = named(QLineEdit(self.editor), "What needs doing")
        self.text.setPlaceholderText("e.g. Call the pupil's parents")
        self.owner = named(QComboBox(self.editor), "Who will do it")
        self.owner.setEditable(True)
        self.owner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line_edit = self.owner.lineEdit()
        if line_edit is not None:
            named(line_edit, "Who will do it")
        due_row = QHBoxLayout()
        self.due = named(QDateEdit(self.editor), "Due date")
        self.due.setDisplayFormat("dd/MM/yyyy")
        self.due.setCalendarPopup(True)
        self.no_due = named(QCheckBox("No due date", self.editor), "No due date")
        due_row.addWidget(self.due)
        due_row.addWidget(self.no_due)
        due_row.addStretch(1)
        form.addRow("&What needs doing", self.text)
        form.addRow("Who will &do it", self.owner)
        due_label = plain_label("D&ue by", self.editor, wrap=False)
        due_label.setTextFormat(Qt.TextFormat.PlainText)
        due_label.setBuddy(self.due)
        form.addRow(due_label, due_row)
        row = QHBoxLayout()
        self.add_button = named(QPushButton("&Add action", self.editor), "Add action")
        row.addWidget(self.add_button)
        row.addStretch(1)
        form.addRow(row)
        self.error = FormError(self)
        self.notice = Notice(self)
        layout.addWidget(self.editor)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)

        self.no_due.toggled.connect(lambda on: self.due.setEnabled(not on))
        self.add_button.clicked.connect(self._add)
        self.done_button.clicked.connect(self._mark_done)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._reset_form()
        self._selection_changed()

    def _reset_form(self) -> None:
        today = self.context.clock().astimezone(LONDON).date()
        due = add_working_days(today, 1)
        self.due.setDate(QDate(due.year, due.month, due.day))
        self.no_due.setChecked(False)
        self.text.clear()

    def count(self) -> int | None:
        if not self.view:
            return None
        return sum(1 for a in self.view.fields.get(CaseField.ACTIONS) or [] if not a.get("done_at"))

    def show_case(self, view: CaseView) -> None:
        first = self.view is None
        super().show_case(view)
        actions = view.fields.get(CaseField.ACTIONS) or []
        fill_table(
            self.table,
            [
                [a.get("text", ""), a.get("owner", ""), due_text(a, view.now), done_text(a)]
                for a in actions
            ],
            keys=[a.get("id") for a in actions],
        )
        self.empty.setVisible(not actions)
        self.editor.setVisible(view.can_edit)
        self.done_box.setVisible(view.can_edit and bool(actions))
        typed = self.owner.currentText()
        self.owner.blockSignals(True)
        self.owner.clear()
        self.owner.addItems(view.user_names)
        self.owner.setEditText(typed if typed and not first else view.my_name)
        self.owner.blockSignals(False)
        self._selection_changed()

    def clear(self) -> None:
        super().clear()
        self.table.setRowCount(0)
        self._reset_form()
        self.owner.clear()
        self.done_note.clear()
        self.error.clear_error()
        self.notice.clear()

    def _selected_action(self) -> dict[str, Any] | None:
        key = row_key(self.table)
        if key is None or self.view is None:
            return None
        return next(
            (a for a in self.view.fields.get(CaseField.ACTIONS) or [] if a.get("id") == key), None
        )

    def _selection_changed(self) -> None:
        action = self._selected_action()
        self.done_button.setEnabled(action is not None and not action.get("done_at"))

    def _add(self) -> None:
        self.error.clear_error()
        text = self.text.text().strip()
        owner = self.owner.currentText().strip()
        if not text:
            self.error.show_error("Write what needs doing.")
            self.text.setFocus()
            return
        if not owner:
            self.error.show_error("Say who will do it.")
            self.owner.setFocus()
            return
        due: date | None = None
        if not self.no_due.isChecked():
            q = self.due.date()
            due = date(q.year(), q.month(), q.day())

        def op(session: Session, reference: str) -> object:
            from safelog.vault.workspace import add_action

            return add_action(session, reference, text, owner, due)

        self.add_button.setEnabled(False)
        self.save(op, self._added, self._failed)

    def _mark_done(self) -> None:
        self.error.clear_error()
        action = self._selected_action()
        if action is None:
            self.error.show_error("Select the action that is done.")
            return
        action_id = str(action["id"])
        note = self.done_note.text().strip()

        def op(session: Session, reference: str) -> object:
            from safelog.vault.workspace import complete_action

            return complete_action(session, reference, action_id, note)

        self.done_button.setEnabled(False)
        self.save(op, self._done, self._failed)

    def _added(self) -> None:
        self.add_button.setEnabled(True)
        self._reset_form()
        self.notice.setText("Action added.")

    def _done(self) -> None:
        self.done_note.clear()
        self.notice.setText("Action marked done.")
        self._selection_changed()

    def _failed(self, message: str) -> None:
        self.add_button.setEnabled(True)
        self._selection_changed()
        self.error.show_error(message)
