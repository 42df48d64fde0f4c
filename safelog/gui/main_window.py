"""The main window: what each person sees after signing in.

Its title is "SafeLog — <school>" and never shows case content; cases open in closable
tabs titled with their reference only. The content views (inbox, case lists, my reports, the
report form, the case workspace) are imported when first needed, not at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol, cast

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTabBar,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.roles import CASE_MANAGERS, ROLE_LABELS, ROLL_KEEPERS, Role
from safelog.gui.admit_dialog import (
    AdmitDialog,
    may_admit_anyone,
    waiting_for_you,
    waiting_notice,
    waiting_people,
)
from safelog.gui.arrivals import ArrivalWatcher
from safelog.gui.dialogs import IdleLockDialog, tell
from safelog.gui.errors import explain_error
from safelog.gui.idle_lock import DEFAULT_IDLE_MINUTES, LOCK_SHORTCUT, lock_session
from safelog.gui.records_menu import build_records_menu
from safelog.gui.screen_fit import fit_to_screen, scrolls_when_short
from safelog.gui.widgets import plain_label

if TYPE_CHECKING:
    from safelog.gui.context import AppContext

# Who is offered the People window: administrators manage people there; a DSL or
# headteacher reads the list (which every member's session reads anyway).
PEOPLE_WINDOW_ROLES = frozenset({Role.ADMIN, Role.DSL, Role.HEADTEACHER})

INBOX, ALL_CASES, CASES, MY_REPORTS = "inbox", "all-cases", "cases", "my-reports"
MY_ACTIONS = "my-actions"
LABELS = {
    INBOX: "&Inbox",
    ALL_CASES: "&All cases",
    CASES: "&Cases",
    MY_REPORTS: "&My reports",
    MY_ACTIONS: "My ac&tions",  # Alt+T: Alt+A is the DSL's All cases
}


def navigation_for(roles: frozenset[Role]) -> list[str]:
    """Which views someone gets, by their roles (access itself is decided by keys). Staff
    have no "My actions": their keys open no case, so no action on one can reach them."""
    if Role.DSL in roles:
        return [INBOX, ALL_CASES, MY_ACTIONS]
    if roles & {Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO}:
        return [CASES, MY_ACTIONS]
    return [MY_REPORTS]


def describe_roles(roles: frozenset[Role]) -> str:
    shown = [
        ROLE_LABELS[r]
        for r in (Role.DSL, Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO, Role.ADMIN)
        if r in roles
    ]
    return ", ".join(shown) if shown else ROLE_LABELS[Role.STAFF]


class ContentViews(Protocol):
    """Makes the content views; the default imports them lazily, tests pass their own."""

    def view(self, kind: str, context: AppContext, parent: QWidget) -> QWidget: ...

    def report_concern(self, context: AppContext, parent: QWidget) -> str | None: ...

    def workspace(self, context: AppContext, reference: str, parent: QWidget) -> QWidget: ...


def _content(module: str, name: str) -> Any:
    # Imported on first use: the views bring the case model and its machinery with them,
    # which the sign-in window must not wait for.
    return getattr(import_module(module), name)


class LazyContentViews:
    def view(self, kind: str, context: AppContext, parent: QWidget) -> QWidget:
        if kind == INBOX:
            view = _content("safelog.gui.inbox", "InboxView")(context, parent)
        elif kind in (ALL_CASES, CASES):
            view = _content("safelog.gui.case_list", "CaseListView")(context, parent)
        elif kind == MY_ACTIONS:
            view = _content("safelog.gui.my_actions", "MyActionsView")(context, parent)
        else:
            view = _content("safelog.gui.my_reports", "MyReportsView")(context, parent)
        return cast(QWidget, view)

    def report_concern(self, context: AppContext, parent: QWidget) -> str | None:
        dialog = _content("safelog.gui.report_form", "ReportConcernDialog")(context, parent)
        reference = dialog.launch()
        return str(reference) if reference else None

    def workspace(self, context: AppContext, reference: str, parent: QWidget) -> QWidget:
        workspace = _content("safelog.gui.workspace", "CaseWorkspace")
        return cast(QWidget, workspace(context, reference=reference))


def _keep_unsaved(workspace: QWidget) -> None:
    keep = getattr(workspace, "keep_unsaved", None)
    if keep is not None:
        keep()


class MainWindow(QMainWindow):
    """Emits `idle_minutes_changed(int)` after the DSL changes the setting and
    `quit_requested()` when the person closes the window."""

    idle_minutes_changed = Signal(int)
    quit_requested = Signal()

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        views: ContentViews | None = None,
    ) -> None:
        super().__init__(parent)
        session = context.require_session()
        self.context = context
        self.views: ContentViews = views or LazyContentViews()
        self.person = session.person
        self.roles = frozenset(session.person.roles)
        self.school = session.directory.school
        self.idle_minutes = DEFAULT_IDLE_MINUTES
        self._discarding = False
        self._toolbar_width: int | None = None  # with the name shown (see _fit_toolbar)
        self.setWindowTitle(f"SafeLog — {self.school}")
        fit_to_screen(self, 1180, 760)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(False)
        self.tabs.setAccessibleName("Views and open cases")
        self.tabs.tabCloseRequested.connect(self.close_tab)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self._build_banners(central, column)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(scrolls_when_short(central))
        self.nav: dict[str, QWidget] = {}
        self.workspaces: dict[str, QWidget] = {}

        self._build_actions()
        self.arrivals = ArrivalWatcher(context, self)  # before the menus: it has an action
        self._build_toolbar()
        self._build_menus()
        for kind in navigation_for(self.roles):
            self._add_view(kind)
        self.arrivals.start(self.nav.get(INBOX), self.nav.values())
        self.statusBar().showMessage(
            f"Signed in as {self.person.name} ({describe_roles(self.roles)})."
        )
        self.update_admissions()
        context.draft = None
        # What this person left unsent when SafeLog last locked or closed on this PC comes
        # back once this window is up: reports in the report form, entries in their case.
        self._kept = context.drafts().mine(session)
        if self._kept:
            QTimer.singleShot(0, self, self._resume_drafts)

    def _resume_drafts(self) -> None:
        from safelog.vault.drafts import CASE, REPORT

        kept, self._kept = self._kept, []
        for reference in dict.fromkeys(d.reference for d in kept if d.kind == CASE):
            self.open_case(reference)  # the case puts the entries back when it loads
        for draft in (d for d in kept if d.kind == REPORT):
            session = self.context.session
            if self._discarding or session is None or session.locked:
                return
            self.context.draft = draft
            self.report_concern()

    # -- chrome -----------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.report_action = QAction("&Report a concern…", self)
        self.report_action.setShortcuts(QKeySequence.StandardKey.New)
        self.report_action.triggered.connect(self.report_concern)

        self.lock_action = QAction("&Lock SafeLog", self)
        self.lock_action.setShortcut(LOCK_SHORTCUT)
        self.lock_action.setToolTip("Lock SafeLog now (Ctrl+L)")
        self.lock_action.triggered.connect(self.lock)

        self.close_case_action = QAction("&Close case", self)
        self.close_case_action.setShortcuts(QKeySequence.StandardKey.Close)  # Ctrl+W, Ctrl+F4
        self.close_case_action.triggered.connect(self.close_current_case)

        self.settings_action = QAction("&Settings…", self)
        self.settings_action.triggered.connect(self.open_settings)
        self.settings_action.setVisible(Role.DSL in self.roles)
        self.rules_action = QAction("School's own r&ules…", self)
        self.rules_action.setToolTip("The routes each category shows, as the school sets them")
        self.rules_action.triggered.connect(self.open_rules)
        self.rules_action.setVisible(Role.DSL in self.roles)

        self.invite_action = QAction("&Invite someone…", self)
        self.invite_action.triggered.connect(self.invite)
        self.invite_action.setVisible(Role.ADMIN in self.roles)

        self.people_action = QAction("&People…", self)
        self.people_action.setToolTip("Everyone in SafeLog; an administrator invites and removes")
        self.people_action.triggered.connect(lambda: self.open_people())
        self.people_action.setVisible(bool(self.roles & PEOPLE_WINDOW_ROLES))

        # Those who keep the school roll import and add to it; those who manage cases open a
        # pupil's page from it; everyone picks from it when reporting.
        self.roll_action = QAction("School &roll…", self)
        self.roll_action.setToolTip(
            "The pupils on the school roll: import the MIS export, open a pupil's page"
            if self.roles & ROLL_KEEPERS
            else "The pupils on the school roll: open a pupil's page"
        )
        self.roll_action.triggered.connect(self.open_roll)
        self.roll_action.setVisible(bool(self.roles & (ROLL_KEEPERS | CASE_MANAGERS)))

        self.admit_action = QAction("A&dmit people…", self)
        self.admit_action.setToolTip("Admit or decline the people waiting for you to admit them")
        self.admit_action.triggered.connect(self.admit_people)
        self.admit_action.setVisible(may_admit_anyone(self.roles))

        self.verify_action = QAction("Chec&k a case file…", self)
        self.verify_action.setToolTip(
            "Check that a PDF case file is signed, complete and unaltered"
        )
        self.verify_action.triggered.connect(self.check_case_file)

        self.low_level_action = QAction("Low-level concerns by &member of staff…", self)
        self.low_level_action.setToolTip("Review low-level concerns about staff for patterns")
        self.low_level_action.triggered.connect(self.review_low_level)
        self.low_level_action.setVisible(bool(self.roles & CASE_MANAGERS))

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcuts(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        for action in (
            self.report_action,
            self.lock_action,
            self.close_case_action,
            self.quit_action,
        ):
            self.addAction(action)  # shortcuts work wherever the focus is in this window

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main", self)
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

        self.report_button = QPushButton("&Report a concern", self)
        self.report_button.setProperty("role", "primary")
        self.report_button.setAccessibleName("Report a concern")
        self.report_button.setToolTip("Report a safeguarding concern (Ctrl+N)")
        self.report_button.clicked.connect(self.report_concern)
        bar.addWidget(self.report_button)

        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)

        who = QLabel(f"{self.person.name} · {describe_roles(self.roles)}", self)
        who.setTextFormat(Qt.TextFormat.PlainText)
        who.setProperty("role", "muted")
        who.setAccessibleName("Signed in as")
        self.who_label = who
        self.toolbar = bar
        # On a narrow screen the name gives way (the status bar says it too), so the
        # buttons, Lock above all, never fall into the toolbar's overflow menu.
        self.who_action = bar.addWidget(who)

        self.admit_button = self._tool_button(bar, "Admit…", "Admit people", self.admit_action)
        self.people_button = self._tool_button(bar, "People…", "People", self.people_action)
        self.roll_button = self._tool_button(bar, "School roll…", "School roll", self.roll_action)
        self.settings_button = self._tool_button(bar, "Settings…", "Settings", self.settings_action)
        self.lock_button = self._tool_button(bar, "Lock", "Lock SafeLog", self.lock_action)

    def _fit_toolbar(self) -> None:
        if self._toolbar_width is None:
            self.who_action.setVisible(True)
            self._toolbar_width = self.toolbar.sizeHint().width()
        self.who_action.setVisible(self.width() >= self._toolbar_width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_toolbar()

    def _tool_button(self, bar: QToolBar, text: str, name: str, action: QAction) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setToolTip(action.toolTip() or name)
        button.setAutoDefault(False)
        button.clicked.connect(action.trigger)
        button.setVisible(action.isVisible())
        bar.addWidget(button).setVisible(action.isVisible())
        return button

    def _build_menus(self) -> None:
        menu = QMenu("&SafeLog", self)
        menu.addAction(self.report_action)
        menu.addAction(self.verify_action)
        menu.addAction(self.low_level_action)
        menu.addSeparator()
        menu.addAction(self.invite_action)
        menu.addAction(self.admit_action)
        menu.addAction(self.people_action)
        menu.addAction(self.roll_action)
        menu.addAction(self.settings_action)
        menu.addAction(self.rules_action)
        menu.addAction(self.arrivals.sound_action)
        menu.addSeparator()
        menu.addAction(self.lock_action)
        menu.addAction(self.quit_action)
        self.menuBar().addMenu(menu)
        self.records_menu = build_records_menu(self.context, self, self.roles)
        self.menuBar().addMenu(self.records_menu)
        cases = QMenu("&Window", self)
        cases.addAction(self.close_case_action)
        self.menuBar().addMenu(cases)

    def _build_banners(self, parent: QWidget, column: QVBoxLayout) -> None:
        # Above every view (inbox, case lists, my reports): who waits for this member to
        # admit them, and, for someone not yet admitted, what they are waiting for.
        self.admit_banner = QFrame(parent)
        self.admit_banner.setProperty("role", "notice")
        self.admit_banner.setAccessibleName("People waiting for you to admit them")
        row = QHBoxLayout(self.admit_banner)
        self.admit_banner_text = plain_label("", self.admit_banner)
        row.addWidget(self.admit_banner_text, 1)
        self.admit_banner_button = QPushButton("Admit people…", self.admit_banner)
        self.admit_banner_button.setAccessibleName("Admit people")
        self.admit_banner_button.setAutoDefault(False)
        self.admit_banner_button.clicked.connect(self.admit_people)
        row.addWidget(self.admit_banner_button)
        self.admit_banner.setVisible(False)
        column.addWidget(self.admit_banner)

        self.waiting_banner = plain_label("", parent, role="notice")
        self.waiting_banner.setAccessibleName("Waiting to be admitted")
        self.waiting_banner.setVisible(False)
        column.addWidget(self.waiting_banner)

    def update_admissions(self) -> None:
        """Show how many people wait for this member, and whether this member waits."""
        session = self.context.session
        if session is None or session.locked:
            return
        count = len(waiting_people(session)) if may_admit_anyone(self.roles) else 0
        self.admit_banner_text.setText(waiting_for_you(count))
        self.admit_banner.setVisible(count > 0)
        person = session.person
        notice = waiting_notice(frozenset(person.pending), frozenset(person.roles))
        self.waiting_banner.setText(notice)
        self.waiting_banner.setVisible(bool(notice))

    # -- views and cases ------------------------------------------------------------------------

    def _add_view(self, kind: str) -> None:
        view = self.views.view(kind, self.context, self.tabs)
        view.setAccessibleName(LABELS[kind].replace("&", ""))
        signal = getattr(view, "open_case", None)
        if signal is not None:
            signal.connect(self.open_case)
        index = self.tabs.addTab(view, LABELS[kind])
        # The fixed views cannot be closed; only case tabs carry a close button.
        for side in (QTabBar.ButtonPosition.RightSide, QTabBar.ButtonPosition.LeftSide):
            self.tabs.tabBar().setTabButton(index, side, None)
        self.nav[kind] = view

    def open_case(self, reference: str) -> None:
        reference = str(reference)
        existing = self.workspaces.get(reference)
        if existing is None:
            try:
                existing = self.views.workspace(self.context, reference, self.tabs)
            except Exception as exc:  # a view failing to open must not take the window down
                explain_error(self, exc)
                return
            self.workspaces[reference] = existing
            pupil_signal = getattr(existing, "open_pupil", None)  # the People tab's pupils
            if pupil_signal is not None:
                pupil_signal.connect(self.open_pupil)
            index = self.tabs.addTab(existing, reference)
            self.tabs.setTabToolTip(index, f"Case {reference} (Ctrl+W closes it)")
        self.tabs.setCurrentWidget(existing)

    def open_pupil(self, pupil_id: str) -> None:
        """A pupil's page in a tab of its own, kept with the case tabs (closed like them).
        Its title never names the child."""
        key = f"pupil:{pupil_id}"
        page = self.workspaces.get(key)
        if page is None:
            from safelog.gui.pupil_page import PupilPageView

            page = PupilPageView(self.context, pupil_id, self.tabs)
            page.open_case.connect(self.open_case)
            self.workspaces[key] = page
            index = self.tabs.addTab(page, "Pupil's page")
            self.tabs.setTabToolTip(index, "A pupil's cases and chronology (Ctrl+W closes it)")
        self.tabs.setCurrentWidget(page)

    def close_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        reference = next((r for r, w in self.workspaces.items() if w is widget), None)
        if reference is None or widget is None:
            return  # a fixed view
        del self.workspaces[reference]
        _keep_unsaved(widget)  # typed, not yet added: back when the case is opened again
        self.tabs.removeTab(index)
        widget.close()
        widget.deleteLater()

    def close_current_case(self) -> None:
        self.close_tab(self.tabs.currentIndex())

    def open_tabs(self) -> list[str]:
        return [self.tabs.tabText(i).replace("&", "") for i in range(self.tabs.count())]

    # -- actions ------------------------------------------------------------------------------

    def report_concern(self) -> None:
        if self.context.session is None:
            return
        reference = self.views.report_concern(self.context, self)
        if reference:
            self.context.events.cases_changed.emit(reference)
            self.statusBar().showMessage(f"Report {reference} saved.", 15000)

    def check_case_file(self) -> None:
        if self.context.session is None or self.context.session.locked:
            return
        from safelog.gui.verify_dialog import VerifyDialog

        dialog = VerifyDialog(self.context, self)
        dialog.launch()
        dialog.deleteLater()

    def review_low_level(self) -> None:
        if self.context.session is None or self.context.session.locked:
            return
        from safelog.gui.low_level_review import LowLevelReviewDialog

        dialog = LowLevelReviewDialog(self.context, self)
        dialog.open_requested.connect(self.open_case)
        dialog.exec()
        dialog.deleteLater()

    def lock(self) -> None:
        lock_session(self.context)

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle_minutes = minutes

    def open_settings(self) -> None:
        session = self.context.session
        if session is None or Role.DSL not in self.roles:
            return
        minutes = IdleLockDialog(self.idle_minutes, self).launch()
        if minutes is None or minutes == self.idle_minutes:
            return

        def save() -> int:
            from safelog.vault.settings import set_idle_lock_minutes

            set_idle_lock_minutes(session, minutes)
            return minutes

        self.context.runner.run(save, self._settings_saved, lambda exc: explain_error(self, exc))

    def _settings_saved(self, minutes: int) -> None:
        self.idle_minutes = minutes
        self.idle_minutes_changed.emit(minutes)
        self.statusBar().showMessage(
            f"SafeLog now locks itself after {minutes} minutes without use.", 15000
        )

    def invite(self) -> None:
        """Inviting is the People window's second tab: one place to invite, print slips and
        see who has enrolled."""
        if self.context.session is None or Role.ADMIN not in self.roles:
            return
        self.open_people(inviting=True)

    def open_people(self, *, inviting: bool = False) -> None:
        session = self.context.session
        if session is None or session.locked or not self.roles & PEOPLE_WINDOW_ROLES:
            return
        from safelog.gui.people_window import PeopleWindow

        window = PeopleWindow(self.context, self)
        if inviting and window.manages:
            window.tabs.setCurrentWidget(window.invite_box)
        window.launch()
        window.deleteLater()
        self.update_admissions()  # someone may have been invited or removed

    def open_rules(self) -> None:
        if self.context.session is None or Role.DSL not in self.roles:
            return
        from safelog.gui.school_rules_window import SchoolRulesDialog

        SchoolRulesDialog(self.context, self).exec()

    def open_roll(self) -> None:
        session = self.context.session
        if session is None or session.locked or not self.roles & (ROLL_KEEPERS | CASE_MANAGERS):
            return
        from safelog.gui.roll_window import RollWindow

        window = RollWindow(self.context, self)
        window.launch()
        window.deleteLater()
        if window.requested_pupil:
            self.open_pupil(window.requested_pupil)

    def admit_people(self) -> None:
        session = self.context.session
        if session is None or session.locked or not may_admit_anyone(self.roles):
            return
        dialog = AdmitDialog(self.context, self)
        dialog.launch()
        dialog.deleteLater()
        self.update_admissions()  # the dialog read the membership log again

    def warn_settings_problems(self, problems: tuple[str, ...]) -> None:
        tell(
            self,
            "Settings",
            "Some settings failed their signature check, so SafeLog uses the safe defaults "
            "instead. Someone may have changed the database directly; tell your DSL.\n\n"
            + "\n".join(f"• {p}" for p in problems),
            warning=True,
        )

    # -- closing ------------------------------------------------------------------------------

    def discard(self) -> None:
        """Close for good and drop every view (after a lock); no quit."""
        self._discarding = True
        self.context.draft = None
        self.arrivals.stop()
        for reference in list(self.workspaces):
            widget = self.workspaces.pop(reference)
            widget.close()
            widget.deleteLater()
        self.close()
        self.deleteLater()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._discarding:
            for widget in self.workspaces.values():
                _keep_unsaved(widget)
            self.quit_requested.emit()
        super().closeEvent(event)
