"""Decisions, each with the reason for it (Keeping Children Safe in Education asks for both)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QGroupBox, QPushButton, QVBoxLayout, QWidget

from safelog.gui.form_fields import text_box
from safelog.gui.formatting import uk_datetime
from safelog.gui.widgets import named, plain_label, set_invalid
from safelog.gui.workspace.panel import (
    DATE_TIME,
    CaseView,
    Saver,
    WorkspacePanel,
    fill_table,
    form_footer,
    read_only_table,
)

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session

NEEDS_REASON = (
    "Write the reason for this decision. Every decision is recorded with the reason for it "
    "(Keeping Children Safe in Education)."
)


class DecisionsPanel(WorkspacePanel):
    title = "Decisions"
    kept_fields = ("decision", "reason")

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        layout = QVBoxLayout(self)
        self.table = read_only_table(
            self,
            "Decisions",
            ("Decision", "Reason", "Recorded by", "When"),
            stretch=1,
            widths={0: "M" * 26, 2: "Recorded by the DSL", 3: DATE_TIME},
        )
        layout.addWidget(self.table, 1)
        self.empty = plain_label("No decisions recorded yet.", self, role="muted")
        layout.addWidget(self.empty)

        self.editor = QGroupBox("Record a decision", self)
        form = QFormLayout(self.editor)
        self.decision = text_box(
            self.editor, "Decision", "e.g. No referral to children's social care", lines=2
        )
        self.reason = text_box(
            self.editor,
            "Reason for the decision",
            "Why: what you weighed up, who you consulted, what the guidance says.",
        )
        form.addRow("&Decision", self.decision)
        form.addRow("&Reason (needed)", self.reason)
        self.record_button = named(QPushButton("&Record decision", self.editor), "Record decision")
        self.error, self.notice = form_footer(form, self.editor, self.record_button)
        layout.addWidget(self.editor)
        self.record_button.clicked.connect(self._record)
        self.reason.textChanged.connect(lambda: set_invalid(self.reason, False))
        self.decision.textChanged.connect(lambda: set_invalid(self.decision, False))

    def count(self) -> int | None:
        return len(self.view.fields.get("decisions") or []) if self.view else None

    def show_case(self, view: CaseView) -> None:
        super().show_case(view)
        decisions = view.fields.get("decisions") or []
        fill_table(
            self.table,
            [
                [
                    d.get("decision", ""),
                    d.get("reason", ""),
                    d.get("recorded_by", ""),
                    uk_datetime(d.get("recorded_at")),
                ]
                for d in decisions
            ],
        )
        self.empty.setVisible(not decisions)
        self.editor.setVisible(view.can_edit)

    def clear(self) -> None:
        super().clear()
        self.table.setRowCount(0)
        self.decision.clear()
        self.reason.clear()
        self.error.clear_error()
        self.notice.clear()

    def _record(self) -> None:
        self.error.clear_error()
        decision = self.decision.toPlainText().strip()
        reason = self.reason.toPlainText().strip()
        if not decision:
            set_invalid(self.decision, True)
            self.error.show_error("Write the decision.")
            self.decision.setFocus()
            return
        if not reason:
            set_invalid(self.reason, True)
            self.error.show_error(NEEDS_REASON)
            self.reason.setFocus()
            return

        def op(session: Session, reference: str) -> object:
            from safelog.vault.workspace import record_decision

            return record_decision(session, reference, decision, reason)

        self.record_button.setEnabled(False)
        self.save(op, self._saved, self._failed)

    def _saved(self) -> None:
        self.record_button.setEnabled(True)
        self.decision.clear()
        self.reason.clear()
        self.notice.setText("Decision recorded.")

    def _failed(self, message: str) -> None:
        self.record_button.setEnabled(True)
        self.error.show_error(message)
