"""The DSL's inbox: how many new concerns wait to be acknowledged, what is overdue and what
is due today, then the new concerns (acknowledge them here) and every case whose deadline has
passed or falls today. One list load in the worker feeds it all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.deadlines import DeadlineState
from safelog.domain.outcomes import CaseStatus
from safelog.domain.roles import Role
from safelog.gui.approvals_awaiting import ApprovalsAwaiting
from safelog.gui.bulk_load import collector_paused
from safelog.gui.case_list import CaseListView
from safelog.gui.case_list_model import Column, PreparedCases, case_deadline_state, prepare_rows
from safelog.gui.errors import error_text
from safelog.gui.formatting import uk_time
from safelog.gui.sar_due import SarDue
from safelog.gui.theme import set_style_property
from safelog.gui.transfers_awaiting import TransfersAwaiting
from safelog.gui.widgets import heading_label, named, plain_label
from safelog.gui.worker import LatestOnly, run_guarded
from safelog.vault.records import CaseSummary

if TYPE_CHECKING:
    from safelog.gui.context import AppContext


@dataclass
class InboxData:
    new: PreparedCases
    due: PreparedCases
    new_count: int
    overdue_count: int
    due_today_count: int
    now: datetime
    problems: tuple[str, ...] = ()  # cases left out because they failed their checks


def sort_inbox(
    cases: list[CaseSummary], now: datetime, problems: tuple[str, ...] = ()
) -> InboxData:
    """Pure: split the list into what the inbox shows (runs in the worker)."""
    new = [c for c in cases if c.status == CaseStatus.NEW]
    new.sort(key=lambda c: c.created_at)  # oldest first: triage in the order they came
    states = {c.id: case_deadline_state(c, now) for c in cases if c.next_due}
    overdue = sum(1 for s in states.values() if s is DeadlineState.OVERDUE)
    due_today = sum(1 for s in states.values() if s is DeadlineState.DUE_TODAY)
    due = [c for c in cases if states.get(c.id) in (DeadlineState.OVERDUE, DeadlineState.DUE_TODAY)]
    due.sort(key=lambda c: c.next_due or now)
    return InboxData(
        prepare_rows(new, now), prepare_rows(due, now), len(new), overdue, due_today, now, problems
    )


class _Count(QFrame):
    """A number with what it counts, large enough to read across the room."""

    def __init__(self, caption: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.caption = caption
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("inboxCount")
        layout = QVBoxLayout(self)
        self.number = plain_label("–", self, wrap=False)
        self.number.setObjectName("bigNumber")  # size and colour from the style sheet
        self.number.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.number)
        layout.addWidget(plain_label(caption, self, wrap=True))
        self.setAccessibleName(caption)

    def set_count(self, count: int | None, alert: str = "") -> None:
        self.number.setText("–" if count is None else str(count))
        set_style_property(self.number, "alert", alert if count else "")
        self.setAccessibleDescription(f"{count}" if count is not None else "not loaded")


class InboxView(QWidget):
    open_case = Signal(str)
    loaded = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loader = LatestOnly(context, self, self._loaded, self._failed, reload=self.refresh)
        self._ever_loaded = False
        self.data: InboxData | None = None

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading_label("Inbox", self))
        top.addStretch(1)
        self.updated = plain_label("", self, role="muted", wrap=False)
        named(self.updated, "When the inbox was last updated")
        top.addWidget(self.updated)
        self.refresh_button = named(QPushButton("Re&fresh", self), "Refresh the inbox")
        top.addWidget(self.refresh_button)
        layout.addLayout(top)

        counts = QHBoxLayout()
        self.new_count = _Count("New concerns to acknowledge", self)
        self.overdue_count = _Count("Overdue", self)
        self.due_today_count = _Count("Due today", self)
        for card in (self.new_count, self.overdue_count, self.due_today_count):
            counts.addWidget(card, 1)
        layout.addLayout(counts)

        self.message = plain_label("", self, role="warning")
        named(self.message, "Problem")
        self.message.hide()
        layout.addWidget(self.message)
        self.notice = plain_label("", self, role="muted")
        named(self.notice, "Result")
        layout.addWidget(self.notice)
        # Child protection files sent and awaiting receipt, with their deadline (DSL only).
        self.transfers = TransfersAwaiting(context, self)
        layout.addWidget(self.transfers)
        # Requests waiting for this person's decision (headteacher, chair, trust CEO).
        self.approvals = ApprovalsAwaiting(context, self)
        layout.addWidget(self.approvals)
        self.sar_due = SarDue(context, self)  # subject access requests due in 7 days (DSL)
        layout.addWidget(self.sar_due)
        # Backups on this PC: never made, failed, or older than 7 days (DSL and admin).
        self.backups = named(plain_label("", self, role="warning"), "Backups")
        self.backups.hide()
        layout.addWidget(self.backups)
        context.events.backups_changed.connect(self._show_backups)
        # SafeLog updated on this PC, and the vault's schema with it: once per DSL or admin.
        self.update_notice = named(plain_label("", self, role="muted"), "SafeLog updated")
        self.update_notice.hide()
        layout.addWidget(self.update_notice)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        new_box = QGroupBox("New concerns to acknowledge (oldest first)", splitter)
        new_layout = QVBoxLayout(new_box)
        self.new_list = CaseListView(
            context,
            new_box,
            show_filters=False,
            follow_events=False,
            hidden_columns=(Column.STATUS,),
            empty_text="No new concerns: everything reported has been acknowledged.",
            name="New concerns",
            sortable=False,  # oldest first, as they came in
        )
        new_layout.addWidget(self.new_list, 1)
        new_buttons = QHBoxLayout()
        self.open_new_button = named(QPushButton("&Open", new_box), "Open the selected new concern")
        self.acknowledge_button = named(
            QPushButton("&Acknowledge", new_box),
            "Acknowledge the selected concern: mark it as seen by the DSL",
        )
        self.acknowledge_button.setProperty("role", "primary")
        new_buttons.addWidget(self.acknowledge_button)
        new_buttons.addWidget(self.open_new_button)
        new_buttons.addStretch(1)
        new_layout.addLayout(new_buttons)

        due_box = QGroupBox("Overdue and due today (most overdue first)", splitter)
        due_layout = QVBoxLayout(due_box)
        self.due_list = CaseListView(
            context,
            due_box,
            show_filters=False,
            follow_events=False,
            empty_text="Nothing is overdue or due today.",
            name="Overdue and due today",
            sortable=False,  # most overdue first
        )
        due_layout.addWidget(self.due_list, 1)
        due_buttons = QHBoxLayout()
        self.open_due_button = named(
            QPushButton("O&pen", due_box), "Open the selected overdue case"
        )
        due_buttons.addWidget(self.open_due_button)
        due_buttons.addStretch(1)
        due_layout.addLayout(due_buttons)
        splitter.addWidget(new_box)
        splitter.addWidget(due_box)
        layout.addWidget(splitter, 1)

        session = context.session
        self.is_dsl = bool(session is not None and Role.DSL in session.person.roles)
        self.acknowledge_button.setVisible(self.is_dsl)

        self.refresh_button.clicked.connect(self.refresh)
        self.acknowledge_button.clicked.connect(self.acknowledge_selected)
        self.open_new_button.clicked.connect(lambda: self._open_from(self.new_list))
        self.open_due_button.clicked.connect(lambda: self._open_from(self.due_list))
        self.new_list.open_case.connect(self.open_case)
        self.due_list.open_case.connect(self.open_case)
        self.new_list.current_changed.connect(self._update_buttons)
        self.due_list.current_changed.connect(self._update_buttons)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.refresh)
        context.events.locked.connect(self.clear)
        context.events.cases_changed.connect(self._cases_changed)
        self._update_buttons()
        self.setFocusProxy(self.new_list)

    # -- loading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.loader.defer():
            return
        session = self.context.session
        if session is None or session.locked:
            self.clear()
            return
        from safelog.vault.cases import list_cases

        self._ever_loaded = True
        self.transfers.refresh()
        self.approvals.refresh()
        self.sar_due.refresh()
        self._show_backups()
        self._show_update()
        now = self.context.clock()
        if self.data is None:
            self.updated.setText("Loading…")

        def work() -> InboxData:
            with collector_paused():  # see gui/bulk_load.py
                return sort_inbox(list_cases(session), now, tuple(session.list_problems))

        self.loader.run(work)

    def _show_backups(self) -> None:
        from safelog.gui.backup_scheduler import backup_warning

        text = backup_warning(self.context)
        self.backups.setText(text)
        self.backups.setVisible(bool(text))

    def _show_update(self) -> None:
        from safelog.gui.backup_scheduler import BACKUP_ROLES
        from safelog.vault import upgrade_notice

        session = self.context.session
        if self.update_notice.text() or session is None:
            return  # shown already in this sign-in: it stays until the inbox is cleared
        if not BACKUP_ROLES & frozenset(session.person.roles):
            return
        data_dir = self.context.vault.data_dir
        notice = upgrade_notice.pending(data_dir, session.user_id)
        if notice is None:
            return
        self.update_notice.setText(notice.text())
        self.update_notice.show()
        upgrade_notice.mark_shown(data_dir, session.user_id)

    def _loaded(self, data: InboxData) -> None:
        self.data = data
        self.message.hide()
        self.new_count.set_count(data.new_count, "warning")
        self.overdue_count.set_count(data.overdue_count, "danger")
        self.due_today_count.set_count(data.due_today_count, "warning")
        self.new_list.show_prepared(data.new)
        self.due_list.show_prepared(data.due)
        self.new_list.show_problems(data.problems)
        self.updated.setText(f"Updated {uk_time(data.now)}")
        self._update_buttons()
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.updated.setText("")
        self.message.setText("The inbox could not be loaded. " + error_text(exc))
        self.message.show()

    def _cases_changed(self, _reference: str) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._ever_loaded = False  # load when next shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._ever_loaded:
            self.refresh()

    def clear(self) -> None:
        """Forget every case shown (on lock)."""
        self.loader.reset()
        self.data = None
        self.new_list.clear()
        self.due_list.clear()
        self.transfers.clear()
        self.approvals.clear()
        self.sar_due.clear()
        self.backups.hide()
        self.update_notice.setText("")
        self.update_notice.hide()
        for card in (self.new_count, self.overdue_count, self.due_today_count):
            card.set_count(None)
        self.updated.setText("")
        self.notice.setText("")
        self.message.hide()
        self._update_buttons()

    # -- acting ----------------------------------------------------------------------------

    def _open_from(self, view: CaseListView) -> None:
        reference = view.current_reference()
        if reference:
            self.open_case.emit(reference)

    def _update_buttons(self, _reference: str = "") -> None:
        has_new = bool(self.new_list.current_reference())
        self.open_new_button.setEnabled(has_new)
        self.acknowledge_button.setEnabled(has_new and self.is_dsl)
        self.open_due_button.setEnabled(bool(self.due_list.current_reference()))

    def acknowledge_selected(self) -> None:
        reference = self.new_list.current_reference()
        if not reference or not self.is_dsl:
            return
        from safelog.vault.workspace import acknowledge

        session = self.context.session
        if session is None or session.locked:
            return
        self.acknowledge_button.setEnabled(False)
        self.message.hide()

        def done(_version: object) -> None:
            self.notice.setText(f"{reference} acknowledged.")
            self.context.events.cases_changed.emit(reference)
            self.new_list.table.setFocus()

        def failed(exc: BaseException) -> None:
            self._update_buttons()
            self.message.setText(f"{reference} was not acknowledged. " + error_text(exc))
            self.message.show()

        run_guarded(self.context, self, lambda: acknowledge(session, reference), done, failed)
