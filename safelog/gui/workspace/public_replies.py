"""Replies the school made online, in the case workspace: what was said, where and when, who
approved it and when, and a warning for a reply made without an approval given before it
(004, the paragraph after 8.1.9; domain/public_replies.py works the warning out).

Shown for cases whose category asks for approval (adverse criticism of the school), and for
any case that already records such a reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.categories import UnknownCategory, category_by_code
from safelog.domain.public_replies import approver
from safelog.gui.form_fields import text_box
from safelog.gui.formatting import from_qdatetime, to_qdatetime, uk_datetime
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
from safelog.vault.case_schema import CaseField

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session


def _needs_approval(view: CaseView) -> bool:
    try:
        return category_by_code(
            str(view.fields.get(CaseField.CATEGORY) or "")
        ).replies_need_approval
    except UnknownCategory:
        return False


def approval_text(reply: dict[str, Any]) -> str:
    if reply.get("approved_by"):
        return f"Approved by {reply['approved_by']} on {uk_datetime(reply.get('approved_at'))}"
    return "No approval recorded"


class PublicRepliesPanel(WorkspacePanel):
    title = "Replies online"
    kept_fields = ("reply",)

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        self.replies: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        self.intro = plain_label("", self, role="muted")
        layout.addWidget(self.intro)
        self.table = read_only_table(
            self,
            "Replies made online",
            ("Reply", "Where", "When", "Approval"),
            stretch=0,
            widths={1: "Facebook school page", 2: DATE_TIME, 3: "Approved by " + DATE_TIME},
        )
        layout.addWidget(self.table, 1)
        # The warnings of the replies recorded, in the policy's words.
        self.warnings = plain_label("", self, role="warning")
        named(self.warnings, "Replies made without approval")
        layout.addWidget(self.warnings)

        self.editor = QGroupBox("Record a reply made online", self)
        form = QFormLayout(self.editor)
        self.reply = text_box(self.editor, "What was said in the reply", lines=2)
        self.where = named(QLineEdit(self.editor), "Where it was posted")
        self.where.setPlaceholderText("The site or account, e.g. the school's Facebook page")
        self.replied_at = named(QDateTimeEdit(self.editor), "When it was posted")
        self.approved = named(
            QCheckBox("It was &approved before it was posted", self.editor),
            "It was approved before it was posted",
        )
        self.approved_by = named(QLineEdit(self.editor), "Who approved it")
        self.approved_at = named(QDateTimeEdit(self.editor), "When it was approved")
        for box in (self.replied_at, self.approved_at):
            box.setDisplayFormat("dd/MM/yyyy HH:mm")
            box.setCalendarPopup(True)
        form.addRow("&Reply (needed)", self.reply)
        form.addRow("&Where", self.where)
        form.addRow("Whe&n posted", self.replied_at)
        form.addRow("", self.approved)
        form.addRow("Approved &by", self.approved_by)
        form.addRow("Approved o&n", self.approved_at)
        self.record_button = named(QPushButton("Record &reply", self.editor), "Record reply")
        self.error, self.notice = form_footer(form, self.editor, self.record_button)
        layout.addWidget(self.editor)

        self.approved.toggled.connect(self._approval_shown)
        self.record_button.clicked.connect(self._record)
        self.reply.textChanged.connect(lambda: set_invalid(self.reply, False))
        self._approval_shown(False)
        self._reset_times()

    def _reset_times(self) -> None:
        now = to_qdatetime(self.context.clock())
        self.replied_at.setDateTime(now)
        self.approved_at.setDateTime(now)

    def _approval_shown(self, on: bool) -> None:
        for widget in (self.approved_by, self.approved_at):
            widget.setEnabled(on)

    def _set_tab_shown(self, shown: bool) -> None:
        widget = self.parentWidget()
        while widget is not None and not isinstance(widget, QTabWidget):
            widget = widget.parentWidget()
        if widget is not None and (index := widget.indexOf(self)) >= 0:
            widget.setTabVisible(index, shown)

    def count(self) -> int | None:
        return len(self.replies) if self.view else None

    def show_case(self, view: CaseView) -> None:
        from safelog.vault.public_replies import public_replies

        super().show_case(view)
        self.replies = public_replies(view.fields)
        self._set_tab_shown(_needs_approval(view) or bool(self.replies))
        who = approver(about_headteacher=bool(view.fields.get(CaseField.ABOUT_HEADTEACHER)))
        self.intro.setText(
            f"No one replies online without the express approval of {who}. Record any reply "
            "made, with who approved it and when."
        )
        fill_table(
            self.table,
            [
                [
                    str(r.get("text", "")),
                    str(r.get("where") or ""),
                    uk_datetime(r.get("replied_at")) if r.get("replied_at") else "",
                    approval_text(r),
                ]
                for r in self.replies
            ],
            keys=[r.get("id") for r in self.replies],
        )
        warnings = [str(r["warning"]) for r in self.replies if r.get("warning")]
        self.warnings.setText("\n".join(dict.fromkeys(warnings)))
        self.warnings.setVisible(bool(warnings))
        self.editor.setVisible(view.can_edit)

    def clear(self) -> None:
        super().clear()
        self.replies = []
        self.table.setRowCount(0)
        self.reply.clear()
        self.where.clear()
        self.approved_by.clear()
        self.approved.setChecked(False)
        self.warnings.setText("")
        self.error.clear_error()
        self.notice.clear()

    def _record(self) -> None:
        self.error.clear_error()
        text = self.reply.toPlainText().strip()
        if not text:
            set_invalid(self.reply, True)
            self.error.show_error("Write what was said in the reply.")
            self.reply.setFocus()
            return
        now = self.context.clock()
        replied_at = from_qdatetime(self.replied_at.dateTime())
        approved = self.approved.isChecked()
        approved_by = self.approved_by.text().strip() if approved else ""
        approved_at = from_qdatetime(self.approved_at.dateTime()) if approved else None
        if approved and not approved_by:
            set_invalid(self.approved_by, True)
            self.error.show_error("Write who approved the reply.")
            self.approved_by.setFocus()
            return
        if replied_at > now or (approved_at is not None and approved_at > now):
            self.error.show_error("A time is in the future. Check the dates and times.")
            return
        where = self.where.text().strip()

        def op(session: Session, reference: str) -> object:
            from safelog.vault.public_replies import log_public_reply

            return log_public_reply(
                session,
                reference,
                text=text,
                where=where,
                replied_at=replied_at,
                approved_by=approved_by,
                approved_at=approved_at,
            )

        self.record_button.setEnabled(False)
        self.save(op, self._saved, self._failed)

    def _saved(self) -> None:
        self.record_button.setEnabled(True)
        self.reply.clear()
        self.where.clear()
        self.approved_by.clear()
        self.approved.setChecked(False)
        self._reset_times()
        self.notice.setText("Reply recorded.")

    def _failed(self, message: str) -> None:
        self.record_button.setEnabled(True)
        self.error.show_error(message)
