"""My reports: the concerns a member of staff has reported and where each stands.

Only their own reports are listed, from the receipts they keep (DESIGN §3.5). Opening one
shows what they sent, its status and the replies the DSL sent them: that is all a reporter's
keys open, never the DSL's chronology, decisions or outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QVBoxLayout, QWidget

from safelog.gui.case_list import CaseListView
from safelog.gui.case_list_model import Column
from safelog.gui.errors import error_text
from safelog.gui.widgets import heading_label, named, plain_label
from safelog.gui.worker import LatestOnly
from safelog.gui.workspace.summary import RepliesBox, ReportSummaryPanel
from safelog.vault.case_schema import CaseField
from safelog.vault.records import CaseSummary

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.receipts import ReceiptDetail

PICK = "Select a report and press Enter (or View report) to see what you sent."


class MyReportsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        # The report asked for last wins; one still opening when another is asked for is
        # dropped, not queued.
        self.loader = LatestOnly(context, self, self._shown, self._failed)
        self.shown_reference = ""

        layout = QVBoxLayout(self)
        layout.addWidget(heading_label("My reports", self))
        layout.addWidget(
            plain_label(
                "The concerns you have reported, where each stands and any replies from the DSL. "
                "A report cannot be changed once it is sent: if something needs adding, tell "
                "your DSL.",
                self,
                role="muted",
            )
        )

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        top = QWidget(splitter)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        self.list = CaseListView(
            context,
            top,
            include=self._is_mine,
            hidden_columns=(Column.DEADLINE,),
            empty_text="You have not reported any concerns yet. Use Report a concern to send one.",
            name="My reports",
            full_status=True,
            noun=("report", "reports"),
        )
        top_layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.view_button = named(
            QPushButton("&View report", top), "See what you sent in the selected report"
        )
        row.addWidget(self.view_button)
        row.addStretch(1)
        top_layout.addLayout(row)

        bottom = QWidget(splitter)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        self.report_heading = plain_label(PICK, bottom, role="muted")
        named(self.report_heading, "The report shown")
        bottom_layout.addWidget(self.report_heading)
        self.report = ReportSummaryPanel(bottom)
        bottom_layout.addWidget(self.report, 2)
        self.replies = RepliesBox(bottom)
        self.replies.hide()
        bottom_layout.addWidget(self.replies, 1)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 420])  # the report read matters more than a long list
        layout.addWidget(splitter, 1)

        self.list.open_case.connect(self.show_report)
        self.list.current_changed.connect(lambda r: self.view_button.setEnabled(bool(r)))
        self.view_button.clicked.connect(lambda: self.show_report(self.list.current_reference()))
        self.view_button.setEnabled(False)
        context.events.locked.connect(self.clear)
        self.setFocusProxy(self.list)

    def _is_mine(self, case: CaseSummary) -> bool:
        session = self.context.session
        return session is not None and case.reporter_id == session.user_id

    def refresh(self) -> None:
        self.list.refresh()

    def show_report(self, reference: str) -> None:
        """Load one of my reports (from its receipt) and show what was sent, its status and
        the replies."""
        session = self.context.session
        if not reference or session is None or session.locked:
            return
        from safelog.vault.receipts import show_receipt

        self.report_heading.setText(f"Opening {reference}…")
        names = {session.user_id: session.person.name}
        self.loader.run(lambda: (show_receipt(session, reference), names))

    def _shown(self, result: tuple[ReceiptDetail, dict[str, str]]) -> None:
        receipt, names = result
        sent = receipt.sent
        self.shown_reference = receipt.reference
        self.report_heading.setText(f"What you sent in {receipt.reference}")
        self.report.show_report(
            sent,
            reference=receipt.reference,
            status=receipt.status,
            received=receipt.sent_at,
            received_label="Sent",
            names=names,
            about_headteacher=bool(sent.get(CaseField.ABOUT_HEADTEACHER)),
        )
        self.replies.show_replies(receipt.replies)
        self.replies.show()

    def _failed(self, exc: BaseException) -> None:
        self.shown_reference = ""
        self.report.clear()
        self.replies.show_replies([])
        self.replies.hide()
        self.report_heading.setText("The report could not be opened. " + error_text(exc))

    def clear(self) -> None:
        self.loader.reset()
        self.shown_reference = ""
        self.report.clear()
        self.replies.show_replies([])
        self.replies.hide()
        self.report_heading.setText(PICK)
        self.view_button.setEnabled(False)
