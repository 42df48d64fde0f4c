"""Locking: after a spell without use (policy 003 5.26: no PC left unlocked) and on demand.

Locking drops the session's keys (Session.lock), forgets the session, clears the clipboard
when what is on it came from SafeLog, and announces `events.locked`, on which the app closes
every window that shows records and brings back the sign-in window.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication, QKeyEvent, QKeySequence

if TYPE_CHECKING:
    from safelog.gui.context import AppContext

DEFAULT_IDLE_MINUTES = 5  # as safelog.vault.settings.DEFAULT_IDLE_MINUTES (not imported: ORM)
CHECK_EVERY_MS = 5000
# Qt has no standard key for "lock"; Ctrl+L reads as Cmd+L on macOS, as Mac users expect.
LOCK_SHORTCUT = QKeySequence("Ctrl+L")

# What counts as someone using SafeLog. Window activation and repaints do not: a window
# brought forward by the system, or a clock ticking, is not a person at the keyboard.
ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.TabletMove,
    }
)

# -- clipboard --------------------------------------------------------------------------------

# The fingerprint of the last text SafeLog copied is kept on the application's clipboard
# object itself (a Qt dynamic property), so there is one per clipboard and no module global.
_FINGERPRINT = "safelogCopiedSha256"


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# Windows keeps what is copied in its clipboard history (Win+V) and may sync it to the cloud,
# beyond SafeLog's reach when it clears the clipboard. These registered formats, with a zero
# DWORD, ask Windows (and clipboard managers) not to (Microsoft's "Clipboard formats":
# cloud clipboard and clipboard history formats). Qt writes a MIME type of this form as the
# registered format named in it.
_WINDOWS_PRIVATE_FORMATS = (
    "ExcludeClipboardContentFromMonitorProcessing",
    "CanIncludeInClipboardHistory",
    "CanUploadToCloudClipboard",
)


def private_mime(text: str, windows: bool = sys.platform == "win32") -> QMimeData:
    """The text as clipboard data, kept out of Windows' clipboard history and cloud sync."""
    mime = QMimeData()
    mime.setText(text)
    if windows:
        for name in _WINDOWS_PRIVATE_FORMATS:
            mime.setData(f'application/x-qt-windows-mime;value="{name}"', b"\x00\x00\x00\x00")
    return mime


_PRIVATE_MARK = f'application/x-qt-windows-mime;value="{_WINDOWS_PRIVATE_FORMATS[1]}"'


def keep_copies_private(
    clipboard: QClipboard,
    windows: bool = sys.platform == "win32",
    owns: Callable[[], bool] | None = None,
) -> Callable[[], None] | None:
    """On Windows, text copied from any SafeLog field (Ctrl+C, a context menu) is offered again
    as `private_mime`, so it too stays out of clipboard history and cloud sync. Only while
    SafeLog owns the clipboard: another program's copy is never touched. Returns the slot
    connected (None elsewhere)."""
    if not windows:
        return None
    owned = owns or clipboard.ownsClipboard

    def changed() -> None:
        mime = clipboard.mimeData(QClipboard.Mode.Clipboard)
        if mime is None or not mime.hasText() or mime.hasFormat(_PRIVATE_MARK) or not owned():
            return
        clipboard.setMimeData(private_mime(mime.text(), windows=True), QClipboard.Mode.Clipboard)

    clipboard.dataChanged.connect(changed)
    return changed


def copy_to_clipboard(text: str) -> None:
    """Copy text for the user, remembering (as a hash, not the text) that SafeLog put it
    there, so locking can take it off again. Views copy through here, never directly."""
    clipboard = QGuiApplication.clipboard()
    clipboard.setMimeData(private_mime(text), QClipboard.Mode.Clipboard)
    clipboard.setProperty(_FINGERPRINT, _fingerprint(text))


def clear_clipboard_if_ours() -> bool:
    """Clear the clipboard if SafeLog put its current content there; True if it did.

    SafeLog's content is recognised by the fingerprint copy_to_clipboard kept, or by the
    platform saying this process still owns the clipboard (X11, Windows: text copied with
    Ctrl+C from any SafeLog field). Text another program copied since is left alone.
    On X11 the selection buffer (middle click) is cleared when text selected in SafeLog
    still owns it.
    """
    clipboard = QGuiApplication.clipboard()
    recorded = clipboard.property(_FINGERPRINT)
    current = clipboard.text(QClipboard.Mode.Clipboard)
    ours = clipboard.ownsClipboard() or bool(
        recorded and current and _fingerprint(current) == recorded
    )
    if ours:
        clipboard.clear(QClipboard.Mode.Clipboard)
    if clipboard.supportsSelection() and clipboard.ownsSelection():
        clipboard.clear(QClipboard.Mode.Selection)
    clipboard.setProperty(_FINGERPRINT, None)
    return ours


# -- locking ----------------------------------------------------------------------------------


def lock_session(context: AppContext) -> None:
    """Lock now: forget the keys, clear SafeLog's clipboard, tell every window."""
    session, context.session = context.session, None
    if session is not None and not session.locked:
        session.lock()
    clear_clipboard_if_ours()
    context.events.locked.emit()


class IdleWatcher(QObject):
    """Notes every key press, click, wheel turn or touch anywhere in SafeLog (one event
    filter on the application) and, checking every few seconds, locks once nobody has used
    SafeLog for the chosen number of minutes. The clock is injected so tests can move it."""

    idle_locked = Signal()

    def __init__(
        self,
        context: AppContext,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        minutes: int = DEFAULT_IDLE_MINUTES,
        check_every_ms: int = CHECK_EVERY_MS,
        source: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.clock = clock or context.clock
        self.limit = timedelta(minutes=minutes)
        self._source = source
        self._last = self.clock()
        self._timer = QTimer(self)
        self._timer.setInterval(check_every_ms)
        self._timer.timeout.connect(self.check)
        context.touch = self.touch

    @property
    def minutes(self) -> int:
        return int(self.limit.total_seconds() // 60)

    def set_minutes(self, minutes: int) -> None:
        self.limit = timedelta(minutes=minutes)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        source = self._source or QCoreApplication.instance()
        if source is not None:
            source.removeEventFilter(self)
            source.installEventFilter(self)
        self.touch()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        source = self._source or QCoreApplication.instance()
        if source is not None:
            source.removeEventFilter(self)

    def touch(self) -> None:
        self._last = self.clock()

    def idle_for(self) -> timedelta:
        return self.clock() - self._last

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self._last = self.clock()
            # The main window's Lock action has Ctrl+L, but a modal dialog (a report being
            # written, say) blocks other windows' shortcuts; so the key locks from anywhere.
            if (
                isinstance(event, QKeyEvent)
                and event.type() == QEvent.Type.KeyPress
                and QKeySequence(event.keyCombination()) == LOCK_SHORTCUT
                and self.context.session is not None
            ):
                self.lock_now()
                return True
        return False

    def lock_now(self) -> None:
        self.stop()
        lock_session(self.context)

    def check(self) -> bool:
        """Lock if idle too long; True if it locked."""
        if self.context.session is None:
            return False
        if self.idle_for() < self.limit:
            return False
        self.lock_now()
        self.idle_locked.emit()
        return True
