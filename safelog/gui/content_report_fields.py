"""The first part of the Inappropriate Content Report Form (policy 003, appendix b), as it is
filled in inside "Report a concern". The case workspace shows and completes the whole form
(gui/workspace/content_reports.py)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit, QWidget

from safelog.gui.form_fields import text_box
from safelog.gui.widgets import named, plain_label

CATEGORY = "inappropriate-content"  # the kind of concern the form is for


class ContentReportFields(QGroupBox):
    """The first part of the form inside "Report a concern", for the category
    inappropriate-content: who accessed the content, the full URL(s) and its nature. The
    date is when it happened, and the staff name is the person reporting. Optional: left
    empty, no content report is made."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Inappropriate Content Report Form", parent)
        form = QFormLayout(self)
        form.addRow(
            plain_label(
                "Fill this in if you can: it goes with your report as the first part of the "
                "school's report form. You are the staff name on it; the date is when it "
                "happened.",
                self,
                role="muted",
            )
        )
        self.accessed_by = named(
            QLineEdit(self), "Name of the person who accessed the content, if known"
        )
        self.accessed_by.setMaxLength(200)
        self.accessed_by.setPlaceholderText("If known")
        self.urls = text_box(
            self, "Full web addresses of the content, one per line", "One per line", lines=2
        )
        self.nature = text_box(
            self,
            "Nature of the inappropriate content",
            "What the content was: describe it; do not copy it here.",
            lines=2,
        )
        form.addRow("Accessed b&y", self.accessed_by)
        form.addRow("Full &URL(s)", self.urls)
        form.addRow("Natur&e of the content", self.nature)
        self.hide()

    def set_category(self, code: str | None) -> None:
        self.setVisible(code == CATEGORY)

    def has_content(self) -> bool:
        return bool(
            self.accessed_by.text().strip()
            or self.urls.toPlainText().strip()
            or self.nature.toPlainText().strip()
        )

    def problem(self) -> tuple[str, QWidget] | None:
        """What must be fixed before sending, and where; None when nothing."""
        used = not self.isHidden() and self.has_content()
        if used and not self.nature.toPlainText().strip():
            return ("Describe the nature of the content for the report form.", self.nature)
        return None

    def to_json(self) -> dict[str, Any] | None:
        """The `content_report` of the case JSON, or None when the form is not used."""
        if self.isHidden() or not self.has_content():
            return None
        return {
            "accessed_by": self.accessed_by.text().strip(),
            "urls": self.urls.toPlainText(),
            "nature": self.nature.toPlainText().strip(),
        }

    def clear(self) -> None:
        self.accessed_by.clear()
        self.urls.clear()
        self.nature.clear()
