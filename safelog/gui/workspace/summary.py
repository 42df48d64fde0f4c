"""What was reported: the summary tab of the workspace, and the read-only view a member of
staff gets of a report they sent (only what they sent, its status and the replies the DSL
sent them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.categories import UnknownCategory, category_by_code
from safelog.gui.form_fields import kind_label, role_label
from safelog.gui.formatting import category_title, status_label, uk_date
from safelog.gui.formatting import uk_datetime as uk_dt
from safelog.gui.widgets import named, plain_label
from safelog.vault.case_schema import CaseField

if TYPE_CHECKING:
    from safelog.vault.receipts import Reply

# Plain names of the stored fields, for the history and "what changed".
FIELD_LABELS: Mapping[str, str] = {
    CaseField.CATEGORY: "Category",
    CaseField.SUMMARY: "What happened (summary)",
    CaseField.DESCRIPTION: "Details",
    CaseField.OCCURRED_AT: "When it happened",
    CaseField.PLATFORM: "Where",
    CaseField.URL: "Link",
    CaseField.SUBJECTS: "About (members of staff)",
    CaseField.PEOPLE: "People involved",
    CaseField.REPORTER: "Reported by",
    CaseField.STATUS: "Status",
    CaseField.ACKNOWLEDGED: "Acknowledged",
    CaseField.ESCALATIONS: "Escalations",
    CaseField.CHRONOLOGY: "Chronology",
    CaseField.ACTIONS: "Actions",
    CaseField.DECISIONS: "Decisions",
    CaseField.OUTCOME: "Outcome",
    CaseField.ABOUT_HEADTEACHER: "About the headteacher",
    CaseField.ESCALATED_TO_LEADERSHIP: "Shared with the headteacher",
    CaseField.REPLIES: "Replies to the reporter",
    CaseField.PUBLIC_REPLIES: "Replies made online",
}


def case_guidance(fields: Mapping[str, Any]) -> str:
    """The category's guidance for this case: on a case about the headteacher, the version
    that names the chair of governors (issue 11). Empty for an unknown category."""
    try:
        category = category_by_code(str(fields.get(CaseField.CATEGORY, "")))
    except UnknownCategory:
        return ""
    return category.guidance_for(about_headteacher=bool(fields.get(CaseField.ABOUT_HEADTEACHER)))


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def describe_person(person: Mapping[str, Any]) -> str:
    parts = [kind_label(person.get("kind", "")), role_label(person.get("role", ""))]
    if person.get("date_of_birth"):
        parts.append("born " + uk_date(person["date_of_birth"]))
    return f"{person.get('name', '')} ({', '.join(p for p in parts if p)})"


class ReportSummaryPanel(QScrollArea):
    """The report as sent, as label/value rows. Every value is shown as plain text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        named(self, "The report")
        body = QWidget(self)
        outer = QVBoxLayout(body)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        outer.addLayout(self.form)
        outer.addStretch(1)
        self.setWidget(body)
        self._values: dict[str, QLabel] = {}

    def clear(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self._values = {}

    def text(self) -> str:
        """Everything shown, for tests and copying."""
        return "\n".join(f"{k}: {v.text()}" for k, v in self._values.items())

    def _row(self, label: str, value: str) -> None:
        if not value:
            return
        caption = plain_label(label, self.widget(), wrap=False)
        caption.setStyleSheet("font-weight: 600;")
        shown = plain_label(value, self.widget(), selectable=True)
        named(shown, label)
        caption.setBuddy(shown)
        self.form.addRow(caption, shown)
        self._values[label] = shown

    def show_report(
        self,
        fields: Mapping[str, Any],
        *,
        reference: str,
        status: str,
        received: Any = None,
        received_label: str = "Received",
        names: Mapping[str, str] | None = None,
        about_headteacher: bool = False,
        evidence: list[Any] | None = None,
        guidance: str = "",
    ) -> None:
        """`fields` are the report's fields (for staff: what version 1 set). `guidance` is
        the category's guidance for this case (on a case about the headteacher, the version
        that names the chair of governors)."""
        names = names or {}
        self.clear()
        self._row("Reference", reference)
        self._row(FIELD_LABELS[CaseField.STATUS], status_label(status))
        self._row(received_label, uk_dt(received))
        self._row(
            FIELD_LABELS[CaseField.CATEGORY], category_title(fields.get(CaseField.CATEGORY, ""))
        )
        self._row("What happened", fields.get(CaseField.SUMMARY, ""))
        self._row(
            FIELD_LABELS[CaseField.OCCURRED_AT], uk_dt(fields.get(CaseField.OCCURRED_AT) or None)
        )
        self._row(FIELD_LABELS[CaseField.PLATFORM], fields.get(CaseField.PLATFORM, ""))
        self._row(FIELD_LABELS[CaseField.URL], fields.get(CaseField.URL, ""))
        people = fields.get(CaseField.PEOPLE) or []
        self._row(FIELD_LABELS[CaseField.PEOPLE], "\n".join(describe_person(p) for p in people))
        subjects = [names.get(s, "a former user") for s in fields.get(CaseField.SUBJECTS) or []]
        if about_headteacher:
            self._row(
                FIELD_LABELS[CaseField.ABOUT_HEADTEACHER],
                "Yes. The headteacher cannot read this; the chair of governors handles it.",
            )
        if subjects:
            self._row(FIELD_LABELS[CaseField.SUBJECTS], ", ".join(subjects))
        if fields.get(CaseField.REPORTER):
            self._row(
                FIELD_LABELS[CaseField.REPORTER],
                names.get(fields[CaseField.REPORTER], "a former user"),
            )
        self._row(FIELD_LABELS[CaseField.DESCRIPTION], fields.get(CaseField.DESCRIPTION, ""))
        self._row("Guidance", guidance)
        if evidence:
            self._row(
                "Evidence",
                "\n".join(
                    f"{e.file_name} ({e.media_type}, {e.size:,} bytes), added by {e.added_by} "
                    f"on {uk_dt(e.added_at)}; SHA-256 {e.sha256}"
                    for e in evidence
                ),
            )


NO_REPLIES = "No replies yet. If the DSL sends you a message about this report, it shows here."


def reply_heading(reply: Reply) -> str:
    """Who sent a reply and when, in UK time."""
    return f"{reply.by}, {uk_dt(reply.at)}"


class RepliesBox(QGroupBox):
    """The replies the DSL sent about one report, oldest first, each as plain text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Replies", parent)
        named(self, "Replies from the DSL")
        outer = QVBoxLayout(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        self.rows = QVBoxLayout(body)
        self.rows.setContentsMargins(0, 0, 0, 0)
        scroll.setWidget(body)
        outer.addWidget(scroll)
        self._body = body
        self._labels: list[QLabel] = []
        self.show_replies([])

    def show_replies(self, replies: Sequence[Reply]) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone from the screen now, deleted on the next event pass
                widget.deleteLater()
        self._labels = []
        if not replies:
            self._labels.append(plain_label(NO_REPLIES, self._body, role="muted"))
            self.rows.addWidget(self._labels[-1])
        for reply in replies:
            heading = plain_label(reply_heading(reply), self._body, wrap=False)
            heading.setStyleSheet("font-weight: 600;")
            text = plain_label(reply.text, self._body, selectable=True)
            named(text, f"Reply from {reply_heading(reply)}")
            heading.setBuddy(text)
            self.rows.addWidget(heading)
            self.rows.addWidget(text)
            self._labels += [heading, text]
        self.rows.addStretch(1)
        self.setTitle(f"Replies ({len(replies)})" if replies else "Replies")

    def text(self) -> str:
        """Everything shown, for tests and copying."""
        return "\n".join(label.text() for label in self._labels)
