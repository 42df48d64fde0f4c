"""Outcome and status. Outcomes follow the category (allegations against staff have the five
KCSIE outcomes); the status moves only along the allowed paths."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.categories import category_by_code
from safelog.domain.outcomes import (
    AllegationOutcome,
    CaseStatus,
    allowed_status_moves,
    outcome_choices,
    outcome_label,
)
from safelog.domain.retention import plain_date
from safelog.errors import UserFacingError
from safelog.gui.form_fields import text_box
from safelog.gui.formatting import status_label, uk_datetime
from safelog.gui.widgets import named, plain_label
from safelog.gui.workspace.panel import CaseView, FormError, Notice, Saver, WorkspacePanel
from safelog.vault.case_schema import CaseField
from safelog.vault.retention import retention_of
from safelog.vault.staff_concern import about_staff_of

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.records import CaseRetention
    from safelog.vault.session import Session


def describe_outcome(outcome: dict[str, Any] | None) -> str:
    if not outcome:
        return "No outcome recorded yet."
    text = f"{outcome_label(outcome.get('code', ''))}"
    if outcome.get("note"):
        text += f": {outcome['note']}"
    if outcome.get("recorded_by"):
        when = uk_datetime(outcome.get("recorded_at"))
        text += f"\nRecorded by {outcome['recorded_by']} on {when}"
    return text


def long_date(day: date) -> str:
    """3 March 2049 (in English whatever the locale, as the rule's own words)."""
    return plain_date(day)


def retention_text(retention: CaseRetention) -> str:
    if retention.review_on is None:
        missing = retention.rule[:1].lower() + retention.rule[1:]
        return f"No review date yet: {missing}"
    return f"Retention review: {long_date(retention.review_on)} — {retention.rule}"


# Status order as a DSL thinks of it, for the choices offered.
_ORDER = list(CaseStatus)


class OutcomePanel(WorkspacePanel):
    title = "Outcome and status"
    kept_fields = ("note",)

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        layout = QVBoxLayout(self)

        outcome_box = QGroupBox("Outcome", self)
        outcome_layout = QVBoxLayout(outcome_box)
        self.current_outcome = plain_label("", outcome_box, selectable=True)
        named(self.current_outcome, "Outcome recorded")
        outcome_layout.addWidget(self.current_outcome)
        self.outcome_editor = QWidget(outcome_box)
        form = QFormLayout(self.outcome_editor)
        form.setContentsMargins(0, 0, 0, 0)
        self.outcome = named(QComboBox(self.outcome_editor), "Outcome")
        self.definition = plain_label("", self.outcome_editor, role="muted")
        self.note = text_box(
            self.outcome_editor, "Note about the outcome", "How it was resolved (optional)", 2
        )
        form.addRow("&Outcome", self.outcome)
        form.addRow("", self.definition)
        form.addRow("N&ote", self.note)
        row = QHBoxLayout()
        self.outcome_button = named(
            QPushButton("Record &outcome", self.outcome_editor), "Record outcome"
        )
        row.addWidget(self.outcome_button)
        row.addStretch(1)
        form.addRow(row)
        outcome_layout.addWidget(self.outcome_editor)
        layout.addWidget(outcome_box)

        status_box = QGroupBox("Status", self)
        status_layout = QVBoxLayout(status_box)
        self.current_status = plain_label("", status_box)
        named(self.current_status, "Status now")
        status_layout.addWidget(self.current_status)
        self.status_editor = QWidget(status_box)
        status_row = QHBoxLayout(self.status_editor)
        status_row.setContentsMargins(0, 0, 0, 0)
        self.status = named(QComboBox(self.status_editor), "New status")
        self.status_button = named(
            QPushButton("&Change status", self.status_editor), "Change status"
        )
        status_row.addWidget(plain_label("Move to", self.status_editor, wrap=False))
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.status_button)
        status_layout.addWidget(self.status_editor)
        layout.addWidget(status_box)

        retention_box = QGroupBox("Retention", self)
        retention_layout = QVBoxLayout(retention_box)
        self.retention = plain_label("", retention_box, selectable=True)
        named(self.retention, "Retention review")
        retention_layout.addWidget(self.retention)
        retention_layout.addWidget(
            plain_label(
                "The date a person reviews whether the record is still needed; nothing is "
                "deleted by SafeLog.",
                retention_box,
                role="muted",
            )
        )
        layout.addWidget(retention_box)

        self.error = FormError(self)
        self.notice = Notice(self)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addStretch(1)

        self.outcome.currentIndexChanged.connect(self._show_definition)
        self.outcome_button.clicked.connect(self._record_outcome)
        self.status_button.clicked.connect(self._change_status)

    def show_case(self, view: CaseView) -> None:
        super().show_case(view)
        fields = view.fields
        self.current_outcome.setText(describe_outcome(fields.get(CaseField.OUTCOME)))
        status = fields.get(CaseField.STATUS, CaseStatus.NEW)
        self.current_status.setText(f"Now: {status_label(status)}")
        self.retention.setText(retention_text(retention_of(view.detail)))

        chosen = self.outcome.currentData()
        self.outcome.blockSignals(True)
        self.outcome.clear()
        try:
            category = category_by_code(fields.get(CaseField.CATEGORY, ""))
            choices = outcome_choices(category, about_staff=about_staff_of(fields))
        except UserFacingError:
            choices = ()
        self.outcome.addItem("Choose the outcome…", None)
        for choice in choices:
            self.outcome.addItem(choice.label, choice.value)
        current = chosen or (fields.get(CaseField.OUTCOME) or {}).get("code")
        position = self.outcome.findData(current) if current else 0
        self.outcome.setCurrentIndex(max(position, 0))
        self.outcome.blockSignals(False)
        self._show_definition()

        wanted = self.status.currentData()
        self.status.clear()
        try:
            moves = allowed_status_moves(CaseStatus(status))
        except ValueError:
            moves = frozenset()
        for option in _ORDER:
            if option in moves:
                self.status.addItem(option.label, option.value)
        position = self.status.findData(wanted) if wanted else -1
        if position >= 0:
            self.status.setCurrentIndex(position)

        self.outcome_editor.setVisible(view.can_edit)
        self.status_editor.setVisible(view.can_edit and self.status.count() > 0)

    def clear(self) -> None:
        super().clear()
        self.current_outcome.setText("")
        self.current_status.setText("")
        self.retention.setText("")
        self.outcome.clear()
        self.status.clear()
        self.note.clear()
        self.error.clear_error()
        self.notice.clear()

    def _show_definition(self) -> None:
        code = self.outcome.currentData()
        text = ""
        try:
            allegation = AllegationOutcome(code) if code else None
        except ValueError:
            allegation = None
        if allegation is not None:
            text = allegation.definition
            if allegation.removed_from_personnel_file:
                text += " The record of it is removed from the person's personnel file."
        self.definition.setText(text)
        self.definition.setVisible(bool(text))

    def _record_outcome(self) -> None:
        self.error.clear_error()
        code = self.outcome.currentData()
        if not code:
            self.error.show_error("Choose the outcome.")
            self.outcome.setFocus()
            return
        note = self.note.toPlainText().strip()

        def op(session: Session, reference: str) -> object:
            from safelog.vault.workspace import set_outcome

            return set_outcome(session, reference, code, note)

        self.outcome_button.setEnabled(False)
        self.save(op, self._outcome_saved, self._failed)

    def _change_status(self) -> None:
        self.error.clear_error()
        status = self.status.currentData()
        if not status or self.view is None:
            return
        if status == CaseStatus.CLOSED and not self.view.fields.get(CaseField.OUTCOME):
            self.error.show_error("Record the outcome before closing the case.")
            self.outcome.setFocus()
            return

        def op(session: Session, reference: str) -> object:
            from safelog.vault.workspace import set_status

            return set_status(session, reference, status)

        self.status_button.setEnabled(False)
        self.save(op, lambda: self._status_saved(status), self._failed)

    def _outcome_saved(self) -> None:
        self.outcome_button.setEnabled(True)
        self.note.clear()
        self.notice.setText("Outcome recorded.")

    def _status_saved(self, status: str) -> None:
        self.status_button.setEnabled(True)
        self.notice.setText(f"Status changed to: {status_label(status)}")

    def _failed(self, message: str) -> None:
        self.outcome_button.setEnabled(True)
        self.status_button.setEnabled(True)
        self.error.show_error(message)
