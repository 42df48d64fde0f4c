"""Knowing something arrived (issue 11): on a database shared by several PCs, a concern
reported elsewhere reaches the DSL's inbox by itself, and the desktop says so.

On a shared PostgreSQL server a write to a case is announced at once (store/notify.py:
LISTEN/NOTIFY, the notification carrying nothing), and the watcher asks then; every few
seconds it asks anyway (the fallback, and all there is on SQLite). It asks for the cases
table's mark
(vault/case_changes.py: one aggregate query, nothing decrypted), off the GUI thread. When
the mark moves, the case lists reload (`events.cases_changed`, with CHANGED_ELSEWHERE: an
open case is not read again, which would be recorded as a view). When the inbox's reload
shows new concerns it had not shown before, the person is told, in words that carry nothing
of the concern ("New safeguarding concern"): a notification can appear over a locked screen
or a projector. A tray icon shows how many arrived that are not yet looked at, until the
inbox is looked at or the case opened. Only someone whose view is the inbox (the DSL) is
told; everyone else's lists just stay current. Nothing is asked while SafeLog is locked.

A beep can be turned on per PC (QSettings, not the database: it is about this room, not the
school), from the SafeLog menu.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRectF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QSystemTrayIcon,
    QTabWidget,
    QWidget,
)

from safelog.gui.context import CHANGED_ELSEWHERE
from safelog.gui.crash_dialog import log_fault
from safelog.gui.worker import run_guarded
from safelog.store.notify import ChangeListener

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.case_changes import CasesMark

POLL_MS = 20_000
NOTICE_MS = 10_000  # how long the desktop shows the notification
TITLE = "SafeLog"
SOUND_TEXT = "Sound when a concern arrives"
SOUND_KEY = "arrivals/sound"


# -- words and pictures --------------------------------------------------------------------------


def arrival_text(count: int) -> str:
    """What the notification says: how many, never which or what."""
    return "New safeguarding concern" if count == 1 else f"{count} new safeguarding concerns"


def waiting_text(count: int) -> str:
    """The tray icon's tooltip."""
    if not count:
        return TITLE
    concerns = "concern" if count == 1 else "concerns"
    return f"{TITLE}: {count} new {concerns} not yet looked at"


def badge_icon(base: QIcon, count: int, size: int = 64) -> QIcon:
    """The app icon with the count drawn on a red disc at its top right (none for 0)."""
    pixmap = base.pixmap(size, size) if not base.isNull() else QPixmap()
    if pixmap.isNull():
        pixmap = QPixmap(size, size)
        pixmap.fill(QColor("#0f3550"))  # the app's own blue, when there is no icon to hand
    if count <= 0:
        return QIcon(pixmap)
    pixmap = pixmap.copy()
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    disc = QRectF(size * 0.42, 0, size * 0.58, size * 0.58)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#c50f1f"))
    painter.drawEllipse(disc)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.36))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, str(count) if count < 10 else "9+")
    painter.end()
    return QIcon(pixmap)


# -- the per-PC preference -------------------------------------------------------------------


def pc_preferences() -> QSettings:
    """This PC's own preferences for this user (tests replace it with a file of their own)."""
    return QSettings(QSettings.Scope.UserScope, "SafeLog", "SafeLog")


def sound_wanted(preferences: QSettings) -> bool:
    return bool(preferences.value(SOUND_KEY, False, type=bool))


# -- the watcher -------------------------------------------------------------------------------


def _new_references(inbox: QWidget) -> set[str] | None:
    """The references in the inbox's "new concerns" list, None before it has loaded."""
    new = getattr(getattr(inbox, "data", None), "new", None)
    if new is None:
        return None
    return {case.reference for case in new.cases}


class ArrivalWatcher(QObject):
    """Made by the main window for the person signed in; `start` once its views exist,
    `stop` when it is discarded. `sound_action` belongs in the window's SafeLog menu."""

    # Emitted from the listener's thread; queued to this object's (the GUI) thread.
    announced = Signal()

    def __init__(
        self, context: AppContext, window: QMainWindow, *, interval_ms: int = POLL_MS
    ) -> None:
        super().__init__(window)
        self.context = context
        self.window = window
        self.base_title = window.windowTitle()
        self.preferences = pc_preferences()
        self.mark: CasesMark | None = None
        self.asking = False
        self.inbox: QWidget | None = None
        self.seen: set[str] | None = None  # what the inbox has shown of new concerns
        self.waiting: set[str] = set()  # arrived, not yet looked at
        self.tray: QSystemTrayIcon | None = None
        self._fault_noted = False

        self.sound_action = QAction(SOUND_TEXT, window)
        self.sound_action.setCheckable(True)
        self.sound_action.setChecked(sound_wanted(self.preferences))
        self.sound_action.setToolTip("Beep on this computer when a new concern arrives")
        self.sound_action.setVisible(False)  # until start() knows this person has the inbox
        self.sound_action.toggled.connect(self._sound_toggled)

        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.listener: ChangeListener | None = None
        self.announced.connect(self.check)
        context.events.locked.connect(self.stop)

    # -- starting and stopping ---------------------------------------------------------------

    def start(self, inbox: QWidget | None, views: Iterable[QWidget] = ()) -> None:
        """Watch from now. `inbox`: the DSL's inbox view if this person has one (they are
        told of arrivals); `views`: the views whose opening of a case counts as seeing it."""
        session = self.context.session
        if session is None or session.locked:
            return
        self.inbox = inbox
        if inbox is not None and hasattr(inbox, "loaded"):
            self.sound_action.setVisible(True)
            inbox.loaded.connect(self._inbox_loaded)
            inbox.installEventFilter(self)
            self.window.installEventFilter(self)
            if QSystemTrayIcon.isSystemTrayAvailable():
                self.tray = QSystemTrayIcon(self._icon(0), self)
                self.tray.setToolTip(waiting_text(0))
                self.tray.activated.connect(self.show_inbox)
                self.tray.messageClicked.connect(self.show_inbox)
                self.tray.show()
        for view in views:
            signal = getattr(view, "open_case", None)
            if signal is not None:
                signal.connect(self.opened)
        self.check()  # the mark to compare with, taken now
        self.timer.start()
        if self.listener is None:
            self.listener = ChangeListener(session.engine, self.announced.emit)
            self.listener.start()

    def stop(self) -> None:
        """Ask nothing more and take the tray icon away (on lock, and when discarded)."""
        self.timer.stop()
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()
        self.waiting.clear()
        self.seen = None  # which cases were new is nobody's business after a lock
        if self.tray is not None:
            self.tray.hide()
            self.tray.deleteLater()
            self.tray = None
        if shiboken6.isValid(self.window):
            self.window.setWindowTitle(self.base_title)

    def set_interval(self, msecs: int) -> None:
        self.timer.setInterval(msecs)

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    # -- asking the database ------------------------------------------------------------------

    def check(self) -> None:
        """Ask for the mark in the worker (one question at a time)."""
        session = self.context.session
        if session is None or session.locked:
            self.stop()
            return
        if self.asking:
            return
        from safelog.vault.case_changes import cases_mark

        self.asking = True
        task = run_guarded(
            self.context, self, lambda: cases_mark(session), self._marked, self._failed
        )
        task.settled.connect(self._settled)

    def _settled(self) -> None:
        self.asking = False

    def _marked(self, mark: CasesMark) -> None:
        previous, self.mark = self.mark, mark
        if previous is None or mark == previous or not self.timer.isActive():
            return
        self.context.events.cases_changed.emit(CHANGED_ELSEWHERE)
        inbox = self.inbox
        if inbox is not None and not inbox.isVisible() and hasattr(inbox, "refresh"):
            inbox.refresh()  # a hidden inbox waits to be shown; arrivals cannot

    def _failed(self, exc: BaseException) -> None:
        # The database out of reach for a moment (a shared server restarting, a network
        # drop): asked again at the next tick, and the lists say so when they fail to load.
        # Anything else is a fault, noted once in the local log; no box interrupts work for
        # a check nobody asked for.
        from sqlalchemy.exc import DBAPIError

        from safelog.errors import UserFacingError

        if isinstance(exc, DBAPIError | UserFacingError) or self._fault_noted:
            return
        self._fault_noted = True
        log_fault(exc)

    # -- what the inbox shows -----------------------------------------------------------------

    def _inbox_loaded(self) -> None:
        if self.inbox is None:
            return
        shown = _new_references(self.inbox)
        if shown is None:
            return
        if self.seen is None:
            self.seen = shown  # what was there at sign-in is on screen already
            return
        arrived = shown - self.seen
        self.seen |= shown
        if arrived and self.timer.isActive():
            self._announce(arrived)

    def _announce(self, arrived: set[str]) -> None:
        text = arrival_text(len(arrived))
        if not self.looking_at_inbox():
            self.waiting |= arrived
        self._show_waiting()
        if self.tray is not None:
            self.tray.showMessage(TITLE, text, QSystemTrayIcon.MessageIcon.Information, NOTICE_MS)
        else:
            self.window.statusBar().showMessage(text, NOTICE_MS)
        QApplication.alert(self.window)
        if self.sound_action.isChecked():
            QApplication.beep()

    # -- looking at what arrived ----------------------------------------------------------------

    def looking_at_inbox(self) -> bool:
        inbox = self.inbox
        return bool(inbox is not None and inbox.isVisible() and self.window.isActiveWindow())

    def opened(self, reference: str) -> None:
        self.waiting.discard(str(reference))
        self._show_waiting()

    def viewed(self) -> None:
        self.waiting.clear()
        self._show_waiting()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.Show, QEvent.Type.WindowActivate) and self.waiting:
            # The inbox brought forward, or the window made active with the inbox showing.
            QTimer.singleShot(0, self, self._maybe_viewed)
        return False

    def _maybe_viewed(self) -> None:
        if self.looking_at_inbox():
            self.viewed()

    def show_inbox(self, *_args: Any) -> None:
        """From the tray: bring the window forward at the inbox."""
        inbox = self.inbox
        if inbox is None or not shiboken6.isValid(self.window):
            return
        tabs = inbox.parentWidget()
        while tabs is not None and not isinstance(tabs, QTabWidget):
            tabs = tabs.parentWidget()
        if tabs is not None:
            tabs.setCurrentWidget(inbox)
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        self.viewed()

    def _icon(self, count: int) -> QIcon:
        return badge_icon(QApplication.windowIcon(), count)

    def _show_waiting(self) -> None:
        count = len(self.waiting)
        if self.tray is not None:
            self.tray.setIcon(self._icon(count))
            self.tray.setToolTip(waiting_text(count))
        else:
            suffix = f" ({count} new)" if count else ""
            self.window.setWindowTitle(self.base_title + suffix)

    # -- sound ------------------------------------------------------------------------------------

    def _sound_toggled(self, on: bool) -> None:
        self.preferences.setValue(SOUND_KEY, on)
        self.preferences.sync()
