"""The chronology: entries in date order, added to and never edited away."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.gui.form_fields import text_box
from safelog.gui.formatting import from_qdatetime, to_qdatetime, uk_datetime
from safelog.gui.widgets import named, plain_label
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


def entry_time(entry: dict[str, Any]) -> str:
    return str(entry.get("occurred_at") or entry.get("recorded_at") or "")


class ChronologyPanel(WorkspacePanel):
    title = "Chronology"
    kept_fields = ("text",)

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        layout = QVBoxLayout(self)
        self.table = read_only_table(
            self,
            "Chronology",
            ("When", "What happened", "Recorded by", "Recorded at"),
            stretch=1,
            widths={0: DATE_TIME, 2: "Recorded by the DSL", 3: DATE_TIME},
        )
        layout.addWidget(self.table, 1)
        self.empty = plain_label(
            "Nothing has been added to the chronology yet.", self, role="muted"
        )
        layout.addWidget(self.empty)

        self.editor = QGroupBox("Add an entry", self)
        form = QFormLayout(self.editor)
        self.when = named(
            QDateTimeEdit(self.editor), "When it happened", "Day, month, year, hours and minutes"
        )
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.text = text_box(
            self.editor,
            "Chronology entry",
            "What happened, what was said, who you spoke to. Facts, in your own words.",
        )
        form.addRow("&When", self.when)
        form.addRow("&Entry", self.text)
        self.add_button = named(QPushButton("&Add entry", self.editor), "Add entry")
        self.error, self.notice = form_footer(form, self.editor, self.add_button)
        layout.addWidget(self.editor)
        self.add_button.clicked.connect(self._add)
        self._reset_when()

    def _reset_when(self) -> None:
        self.when.setDateTime(to_qdatetime(self.context.clock()))

    def count(self) -> int | None:
        return len(self.view.fields.get("chronology") or []) if self.view else None

    def show_case(self, view: CaseView) -> None:
        first = self.view is None
        super().show_case(view)
        entries = sorted(view.fields.get("chronology") or [], key=entry_time)
        fill_table(
            self.table,
            [
                [
                    uk_datetime(entry_time(e)),
                    e.get("text", ""),
                    e.get("recorded_by", ""),
                    uk_datetime(e.get("recorded_at")),
                ]
                for e in entries
            ],
        )
        self.empty.setVisible(not entries)
        self.editor.setVisible(view.can_edit)
        if first:
            self._reset_when()

    def clear(self) -> None:
        super().clear()
        self.table.setRowCount(0)
        self.text.clear()
        self.error.clear_error()
        self.notice.clear()

    def _add(self) -> None:
        self.error.clear_error()
        text = self.text.toPlainText().strip()
        if not text:
            self.error.show_error("Write what happened before adding the entry.")
            self.text.setFocus()
            return
        when = from_qdatetime(self.when.dateTime())
        if when > self.context.clock():
            self.error.show_error("The time is in the future. Check the date and time.")
            self.when.setFocus()
            return

        def op(session: Session, reference: str) -> object:
            from safelog.vault.workspace import add_chronology

            return add_chronology(session, reference, text, when)

        self.add_button.setEnabled(False)
        self.save(op, self._saved, self._failed)

    def _saved(self) -> None:
        self.add_button.setEnabled(True)
        self.text.clear()
        self._reset_when()
        self.notice.setText("Entry added.")

    def _failed(self, message: str) -> None:
        self.add_button.setEnabled(True)
        self.error.show_error(message)
