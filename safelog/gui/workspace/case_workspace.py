"""The case workspace: one case, its summary header and a tab per part of the record.

Loading and every save run in the worker; after a save the case is loaded again (so what is
shown is what was signed and stored), and `events.cases_changed` tells the lists. Only the DSL,
headteacher and chair get editing controls (the vault refuses anyone else anyway); a member of
staff who opens their own report reads it from its receipt (DESIGN §3.5): what they sent, its
status and the replies the DSL sent them, nothing else of the case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.outcomes import CaseStatus
from safelog.domain.violent_incident import offers_vir
from safelog.errors import UserFacingError
from safelog.gui.crash_dialog import log_fault
from safelog.gui.errors import error_text, explain_error
from safelog.gui.formatting import category_title, status_label, uk_datetime
from safelog.gui.widgets import heading_label, named, plain_label
from safelog.gui.worker import LatestOnly, run_guarded
from safelog.gui.workspace import vir_print
from safelog.gui.workspace.actions import ActionsPanel
from safelog.gui.workspace.case_loading import read_case_view
from safelog.gui.workspace.chronology import ChronologyPanel
from safelog.gui.workspace.content_reports import ContentReportsPanel
from safelog.gui.workspace.decisions import DecisionsPanel
from safelog.gui.workspace.escalations import EscalationsPanel
from safelog.gui.workspace.history import HistoryPanel
from safelog.gui.workspace.outcome import OutcomePanel
from safelog.gui.workspace.panel import CaseView, SaveOp, WorkspacePanel
from safelog.gui.workspace.people import PeoplePanel
from safelog.gui.workspace.public_replies import PublicRepliesPanel
from safelog.gui.workspace.summary import RepliesBox, ReportSummaryPanel, case_guidance
from safelog.gui.workspace.unsaved import put_back, put_back_notice, typed_entries
from safelog.vault.case_schema import CaseField
from safelog.vault.drafts import CASE, DraftKeys
from safelog.vault.records import CaseDetail

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtPrintSupport import QPrinter

    from safelog.gui.context import AppContext


def _alive(callback: Callable[..., Any]) -> bool:
    owner = getattr(callback, "__self__", None)
    return not (isinstance(owner, shiboken6.Object) and not shiboken6.isValid(owner))


class CaseWorkspace(QWidget):
    loaded = Signal(str)  # the reference, after each load
    saved = Signal(str)  # the reference, after each save (before the reload)
    open_pupil = Signal(str)  # a pupil's id, from the People tab: the main window opens the page

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        reference: str | None = None,
    ) -> None:
        super().__init__(parent)
        # Here, not at the top: the evidence tab builds on this package's WorkspacePanel.
        from safelog.gui.evidence.panel import EvidencePanel

        self.context = context
        self.setWindowTitle("Case")  # never case content
        self._reference = ""
        self.loader = LatestOnly(context, self, self._loaded, self._failed, reload=self.reload)
        self.view: CaseView | None = None
        # Typed, not yet added entries are sealed for their writer on lock or close
        # (workspace/unsaved.py); the keys are taken now, while SafeLog is unlocked.
        session = context.session
        self._draft_keys = (
            DraftKeys.of(session) if session is not None and not session.locked else None
        )
        self._draft_slot: str | None = None
        self._put_back_done = False

        layout = QVBoxLayout(self)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack)

        # Page 0: a message (loading, locked, cannot open).
        self.message_page = QWidget(self.stack)
        message_layout = QVBoxLayout(self.message_page)
        self.message = plain_label("", self.message_page)
        named(self.message, "Case")
        message_layout.addWidget(self.message)
        message_layout.addStretch(1)
        self.stack.addWidget(self.message_page)

        # Page 1: the read-only report, for staff.
        self.staff_page = QWidget(self.stack)
        staff_layout = QVBoxLayout(self.staff_page)
        staff_layout.addWidget(heading_label("Your report", self.staff_page))
        staff_layout.addWidget(
            plain_label(
                "This is what you sent, where it stands and any replies from the DSL. A "
                "report cannot be changed once it is sent: if something needs adding, tell "
                "your DSL.",
                self.staff_page,
                role="muted",
            )
        )
        self.staff_tabs = named(QTabWidget(self.staff_page), "Your report and its evidence")
        report_tab = QWidget(self.staff_tabs)
        report_layout = QVBoxLayout(report_tab)
        report_layout.setContentsMargins(0, 0, 0, 0)
        self.staff_summary = ReportSummaryPanel(report_tab)
        report_layout.addWidget(self.staff_summary, 2)
        self.staff_replies = RepliesBox(report_tab)
        self.staff_replies.hide()
        report_layout.addWidget(self.staff_replies, 1)
        self.staff_tabs.addTab(report_tab, "Report")
        # What they added to their own report (and may add while it is new or acknowledged).
        self.staff_evidence = EvidencePanel(context, self.staff_tabs, self.save)
        self.staff_tabs.addTab(self.staff_evidence, self.staff_evidence.title)
        staff_layout.addWidget(self.staff_tabs, 1)
        self.stack.addWidget(self.staff_page)

        # Page 2: the workspace.
        self.work_page = QWidget(self.stack)
        work_layout = QVBoxLayout(self.work_page)
        work_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = heading_label("", self.work_page)
        named(self.title, "Case reference")
        self.status_badge = plain_label("", self.work_page, role="notice", wrap=False)
        named(self.status_badge, "Status")
        top.addWidget(self.title)
        top.addWidget(self.status_badge)
        top.addStretch(1)
        self.acknowledge_button = named(
            QPushButton("&Acknowledge", self.work_page),
            "Acknowledge this concern: the DSL has seen it",
        )
        self.acknowledge_button.setProperty("role", "primary")
        self.reply_button = named(
            QPushButton("Reply to the re&porter…", self.work_page),
            "Reply to the person who reported this concern",
        )
        self.reply_button.hide()
        self.export_button = named(
            QPushButton("E&xport case file…", self.work_page),
            "Export the case as a signed PDF case file",
        )
        self.export_button.hide()
        self.print_button = named(
            QPushButton("&Print…", self.work_page),
            "Print a working copy of the case: summary, chronology, actions and decisions",
        )
        self.print_button.hide()
        # Less frequent work goes under More, so the bar fits a 1280-pixel screen.
        self.more_button = named(QToolButton(self.work_page), "More things to do with the case")
        self.more_button.setText("&More")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more = QMenu(self.more_button)
        self.reload_button = more.addAction("Re&load the case")
        self.category_button = more.addAction("Change &category…")
        self.vir_button = more.addAction(vir_print.BUTTON)
        self.vir_button.setToolTip(vir_print.TOOLTIP)
        self.category_button.setVisible(False)
        self.vir_button.setVisible(False)
        self.more_button.setMenu(more)
        top.addWidget(self.acknowledge_button)
        top.addWidget(self.reply_button)
        top.addWidget(self.print_button)
        top.addWidget(self.more_button)
        top.addWidget(self.export_button)
        work_layout.addLayout(top)
        self.meta = plain_label("", self.work_page, role="muted")
        named(self.meta, "Category, when it was received and who reported it")
        work_layout.addWidget(self.meta)
        self.summary_line = plain_label("", self.work_page, selectable=True)
        self.summary_line.setObjectName("subheading")
        named(self.summary_line, "Summary of the concern")
        work_layout.addWidget(self.summary_line)
        self.flag = plain_label("", self.work_page, role="warning")
        named(self.flag, "Who cannot read this case")
        work_layout.addWidget(self.flag)
        self.banner = plain_label("", self.work_page, role="warning")
        named(self.banner, "Problem")
        self.banner.hide()
        work_layout.addWidget(self.banner)
        self.put_back_note = plain_label("", self.work_page, role="notice")
        named(self.put_back_note, "Typed before SafeLog locked")
        self.put_back_note.hide()
        work_layout.addWidget(self.put_back_note)

        self.tabs = named(QTabWidget(self.work_page), "Parts of the case")
        self.summary_tab = ReportSummaryPanel(self.tabs)
        self.tabs.addTab(self.summary_tab, "Summary")
        self.people_panel = PeoplePanel(context, self.tabs, self.save)
        self.people_panel.pupil_requested.connect(self.open_pupil)
        self.chronology_panel = ChronologyPanel(context, self.tabs, self.save)
        self.evidence_panel = EvidencePanel(context, self.tabs, self.save)
        self.actions_panel = ActionsPanel(context, self.tabs, self.save)
        self.decisions_panel = DecisionsPanel(context, self.tabs, self.save)
        self.escalations_panel = EscalationsPanel(context, self.tabs, self.save)
        self.outcome_panel = OutcomePanel(context, self.tabs, self.save)
        self.history_panel = HistoryPanel(context, self.tabs, self.save)
        self.panels: list[WorkspacePanel] = [
            self.people_panel,
            self.chronology_panel,
            self.evidence_panel,
            self.actions_panel,
            self.decisions_panel,
            self.escalations_panel,
            self.outcome_panel,
            ContentReportsPanel(context, self.tabs, self.save),  # hides its tab when not needed
            PublicRepliesPanel(context, self.tabs, self.save),  # likewise
            self.history_panel,
        ]
        for panel in self.panels:
            self.tabs.addTab(panel, panel.title)
        work_layout.addWidget(self.tabs, 1)
        self.stack.addWidget(self.work_page)
        self.stack.setCurrentWidget(self.message_page)

        self.acknowledge_button.clicked.connect(self._acknowledge)
        self.reply_button.clicked.connect(self.reply_to_reporter)
        self.reload_button.triggered.connect(self.reload)
        self.export_button.clicked.connect(self.export_case_file)
        self.print_button.clicked.connect(lambda: self.print_case())
        self.category_button.triggered.connect(self.change_category)
        self.vir_button.triggered.connect(
            lambda: vir_print.save_vir(self.context, self, self._reference)
        )
        for sequence in (QKeySequence.StandardKey.Refresh,):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.reload)
        context.events.locked.connect(self.keep_unsaved)  # before clear() empties the boxes
        context.events.locked.connect(self.clear)
        context.events.cases_changed.connect(self._cases_changed)
        if reference:
            self.load(reference)

    # -- loading ---------------------------------------------------------------------------

    @property
    def reference(self) -> str:
        return self._reference

    @property
    def detail(self) -> CaseDetail | None:
        return self.view.detail if self.view else None

    def load(self, reference: str) -> None:
        """Open another case (or this one again)."""
        if reference != self._reference:
            self._forget()
            self._reference = reference
            self._show_message("Opening the case…")
        self.loader.reset()  # a load still running for this case is superseded, not waited for
        self.reload()

    def reload(self) -> None:
        if not self._reference:
            return
        if self.loader.defer():
            return
        session = self.context.session
        if session is None or session.locked:
            self.clear()
            return
        reference, clock = self._reference, self.context.clock
        self.loader.run(lambda: read_case_view(session, reference, clock))

    def _loaded(self, view: CaseView) -> None:
        self.view = view
        self.banner.hide()
        if view.can_edit and view.receipt is None:
            self._show_workspace(view)
            self._put_back_unsaved()
        else:
            self._show_staff_view(view)
        self.loaded.emit(self._reference)

    def _failed(self, exc: BaseException) -> None:
        message = "The case could not be opened. " + error_text(exc)
        if self.view is None:
            self._show_message(message)
        else:
            self.banner.setText(message)
            self.banner.show()

    def _cases_changed(self, reference: str) -> None:
        if self._reference and reference in ("", self._reference) and self.view is not None:
            self.reload()

    # -- showing ---------------------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message_page)

    def _show_staff_view(self, view: CaseView) -> None:
        detail = view.detail
        # Only what they sent (version 1), and where it stands now.
        sent = detail.changes.get(1, {})
        receipt = view.receipt
        self.staff_summary.show_report(
            sent,
            reference=detail.reference,
            status=(
                receipt.status if receipt else detail.fields.get(CaseField.STATUS, CaseStatus.NEW)
            ),
            received=(
                receipt.sent_at if receipt else detail.versions[0].at if detail.versions else None
            ),
            received_label="Sent",
            names=view.names,
            about_headteacher=bool(sent.get(CaseField.ABOUT_HEADTEACHER)),
        )
        self.staff_replies.show_replies(receipt.replies if receipt else [])
        self.staff_replies.setVisible(receipt is not None)
        self.staff_evidence.show_case(view)
        number = self.staff_evidence.count()
        self.staff_tabs.setTabText(
            1, self.staff_evidence.title + (f" ({number})" if number else "")
        )
        self.stack.setCurrentWidget(self.staff_page)

    def _show_workspace(self, view: CaseView) -> None:
        detail = view.detail
        fields = detail.fields
        status = fields.get(CaseField.STATUS, CaseStatus.NEW)
        self.title.setText(detail.reference)
        self.status_badge.setText(status_label(status))
        received = detail.versions[0].at if detail.versions else None
        reporter = view.name_of(fields.get(CaseField.REPORTER))
        self.meta.setText(
            f"{category_title(fields.get('category', ''))}  ·  received {uk_datetime(received)}"
            + (f"  ·  reported by {reporter}" if reporter else "")
        )
        self.summary_line.setText(fields.get(CaseField.SUMMARY, ""))
        flags = []
        if fields.get(CaseField.ABOUT_HEADTEACHER):
            flags.append(
                "About the headteacher: the headteacher cannot read this case. The chair of "
                "governors handles it."
            )
        elif fields.get(CaseField.SUBJECTS):
            names = ", ".join(view.name_of(s) for s in fields[CaseField.SUBJECTS])
            flags.append(f"About a member of staff ({names}): they cannot read this case.")
        self.flag.setText("\n".join(flags))
        self.flag.setVisible(bool(flags))
        self.acknowledge_button.setVisible(view.is_dsl and status == CaseStatus.NEW)
        self.acknowledge_button.setEnabled(True)
        self.reply_button.setVisible(view.can_edit and view.reported_by_someone_else)
        self.export_button.setVisible(view.can_edit)  # the DSL, headteacher and chair
        self.print_button.setVisible(view.can_edit)
        self.category_button.setVisible(view.can_edit)
        self.vir_button.setVisible(
            view.can_edit and offers_vir(str(fields.get(CaseField.CATEGORY) or ""))
        )
        self.summary_tab.show_report(
            fields,
            reference=detail.reference,
            status=status,
            received=received,
            names=view.names,
            about_headteacher=bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
            evidence=detail.evidence,
            guidance=case_guidance(fields),
        )
        for panel in self.panels:
            panel.show_case(view)
        for position in range(1, self.tabs.count()):
            tab = self.tabs.widget(position)
            if isinstance(tab, WorkspacePanel):
                number = tab.count()
                self.tabs.setTabText(position, tab.title + (f" ({number})" if number else ""))
        self.stack.setCurrentWidget(self.work_page)

    # -- typed, not yet added -----------------------------------------------------------------

    def keep_unsaved(self) -> None:
        """Seal what is typed and not yet added, for its writer (on lock, quit, tab close)."""
        if not self._reference or self._draft_keys is None or self.view is None:
            return
        typed = typed_entries(self.panels)
        store = self.context.drafts()
        try:
            if typed:
                self._draft_slot = store.keep(
                    self._draft_keys,
                    CASE,
                    typed,
                    reference=self._reference,
                    slot=self._draft_slot,
                )
            else:
                store.drop(self._draft_slot)
                self._draft_slot = None
        except OSError as exc:  # a full or read-only disk must not stop the lock
            log_fault(exc)

    def _put_back_unsaved(self) -> None:
        """Once, at the first load: the writer's kept entries for this case go back in."""
        if self._put_back_done:
            return
        self._put_back_done = True
        session = self.context.session
        if session is None or session.locked:
            return
        store = self.context.drafts()
        titles: list[str] = []
        for draft in store.mine(session):
            if draft.kind == CASE and draft.reference == self._reference:
                titles += [t for t in put_back(self.panels, draft.fields) if t not in titles]
                store.drop(draft.slot)  # back on screen: kept again if SafeLog locks
        if titles:
            self.put_back_note.setText(put_back_notice(titles))
            self.put_back_note.show()

    def export_case_file(self) -> str | None:
        """The export dialog for this case; the path written, or None."""
        session = self.context.session
        if not self._reference or session is None or session.locked:
            return None
        from safelog.gui.export_dialog import ExportDialog

        dialog = ExportDialog(self.context, self._reference, self)
        try:
            return dialog.launch()
        finally:
            dialog.deleteLater()

    def print_case(self, printer: QPrinter | None = None) -> bool:
        """Print a working copy of the case (the system's print dialog unless `printer` is
        given); recorded in the case's audit log. True when it was printed."""
        view = self.view
        session = self.context.session
        if view is None or session is None or session.locked or not self._reference:
            return False
        from safelog.gui.workspace import printout
        from safelog.vault.workspace import record_printed

        if printer is None:
            printer = printout.choose_printer(self, self._reference)
            if printer is None:
                return False
        try:
            record_printed(session, self._reference)
        except UserFacingError as exc:
            explain_error(self, exc)
            return False
        page = printout.case_printout_html(view, session.person.name, session.clock())
        printout.print_page(page, printer)
        return True

    def reply_to_reporter(self) -> bool:
        """The Reply to the reporter dialog; True when a reply was sent."""
        view = self.view
        session = self.context.session
        if view is None or session is None or session.locked:
            return False
        from safelog.gui.workspace.reply_dialog import ReplyDialog

        reporter = view.name_of(view.fields.get(CaseField.REPORTER))
        dialog = ReplyDialog(self.context, self, reporter=reporter, save=self.save)
        try:
            return dialog.launch()
        finally:
            dialog.deleteLater()

    def _forget(self) -> None:
        self.loader.reset()
        self.view = None
        for panel in self.panels:
            panel.clear()
        self.summary_tab.clear()
        self.staff_summary.clear()
        self.staff_replies.show_replies([])
        self.staff_replies.hide()
        self.staff_evidence.clear()
        for label in (self.title, self.status_badge, self.meta, self.summary_line, self.flag):
            label.setText("")
        self.banner.hide()
        self.put_back_note.hide()

    def clear(self) -> None:
        """Forget the case and everything typed into it (on lock)."""
        self._forget()
        self._reference = ""
        self._show_message("SafeLog is locked. Sign in again to open the case.")

    # -- saving ----------------------------------------------------------------------------

    def save(
        self,
        op: SaveOp,
        on_saved: Callable[[], None],
        on_failed: Callable[[str], None],
    ) -> None:
        """Run one change in the worker, then load the case again."""
        session = self.context.session
        reference = self._reference
        if session is None or session.locked or not reference:
            on_failed("SafeLog is locked. Sign in again.")
            return

        def done(_result: object) -> None:
            if _alive(on_saved):
                on_saved()
            self.saved.emit(reference)
            self.context.events.cases_changed.emit(reference)  # lists refresh; so do we

        def failed(exc: BaseException) -> None:
            if _alive(on_failed):
                on_failed(error_text(exc))

        run_guarded(self.context, self, lambda: op(session, reference), done, failed)

    def change_category(self) -> None:
        """The DSL, headteacher or chair moves the case (gui/workspace/category_dialog.py)."""
        from safelog.gui.workspace.category_dialog import CategoryDialog

        detail = self.detail
        if detail is None:
            return
        dialog = CategoryDialog(str(detail.fields.get(CaseField.CATEGORY)), detail.evidence, self)
        try:
            if not dialog.launch():
                return
            changes = dialog.changes()
        finally:
            dialog.deleteLater()

        def op(session: Any, reference: str) -> object:
            from safelog.vault.cases import update_case

            return update_case(session, reference, changes)

        def failed(message: str) -> None:
            self.banner.setText(message)
            self.banner.show()

        self.save(op, lambda: None, failed)

    def _acknowledge(self) -> None:
        def op(session: Any, reference: str) -> object:
            from safelog.vault.workspace import acknowledge

            return acknowledge(session, reference)

        def failed(message: str) -> None:
            self.acknowledge_button.setEnabled(True)
            self.banner.setText(message)
            self.banner.show()

        self.acknowledge_button.setEnabled(False)
        self.save(op, lambda: None, failed)
