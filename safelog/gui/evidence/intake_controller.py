"""The ways evidence comes in to a view, in one place: the Paste button and Ctrl+V, files
dropped on the view, "Choose files…" and the screen-capture menu.

The report form holds what comes in until the report is sent (report_attachments.py); the
Evidence tab of a case hands it to the add dialog (panel.py). Both use this controller, so
each route behaves, and says what went wrong, the same way in both. The view tells it what to
do with what came in (`take`), where to show a problem (`say`) and, asked each time, why it
takes nothing now (`closed`) and why it takes no screen capture (`no_capture`).

The routes read through the `sources` and `capture` modules at call time (tests stand in for
the clipboard, the file picker and the screen there).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from safelog.gui.evidence import capture as screen
from safelog.gui.evidence import sources
from safelog.gui.evidence.sources import NOTHING_TO_PASTE, Clock, PendingSource

Why = Callable[[], str | None]  # None: go ahead; else why not, in plain words ("": say nothing)


def _open() -> str | None:
    return None


class EvidenceIntake(QObject):
    """Paste, drop, choose and capture for `view`. Each route returns True when `take`
    took something; a route that is refused says why (when there are words for it)."""

    def __init__(
        self,
        view: QWidget,
        clock: Clock,
        take: Callable[[list[PendingSource]], bool],
        say: Callable[[str], None],
        *,
        closed: Why = _open,
        no_capture: Why = _open,
    ) -> None:
        super().__init__(view)
        self.view = view
        self.clock = clock
        self.take = take
        self.say = say
        self.closed = closed
        self.no_capture = no_capture
        self.capture_actions: dict[str, QAction] = {}
        view.setAcceptDrops(True)
        paste = QShortcut(QKeySequence(QKeySequence.StandardKey.Paste), view)
        paste.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        paste.activated.connect(self.paste)

    def connect_buttons(
        self, paste: QPushButton, choose: QPushButton, capture: QPushButton
    ) -> QMenu:
        """Wire the view's buttons; the capture button gets the menu of what this desktop
        can capture (hidden where it can capture nothing: Wayland). Returns that menu."""
        paste.clicked.connect(self.paste)
        choose.clicked.connect(self.choose)
        menu = QMenu(capture)
        modes = screen.available_modes()
        for mode, label in screen.CHOICES:
            if mode in modes:
                action = menu.addAction(label)
                action.triggered.connect(lambda _checked=False, m=mode: self.capture(m))
                self.capture_actions[mode] = action
        capture.setMenu(menu)
        capture.setVisible(bool(modes))
        return menu

    def _refused(self, why: Why) -> bool:
        reason = why()
        if reason is None:
            return False
        if reason:
            self.say(reason)
        return True

    # -- the routes --------------------------------------------------------------------------

    def paste(self) -> bool:
        if self._refused(self.closed):
            return False
        found = sources.sources_from_clipboard(self.clock)
        if not found:
            self.say(NOTHING_TO_PASTE)
            return False
        return self.take(found)

    def choose(self) -> bool:
        if self._refused(self.closed):
            return False
        return self.take(sources.pick_files(self.view))

    def capture(self, mode: str) -> bool:
        """Refused before anything is grabbed when the view takes no pictures now."""
        if self._refused(self.closed) or self._refused(self.no_capture):
            return False
        source = screen.capture(self.view, mode, clock=self.clock)
        return self.take([source]) if source is not None else False

    def accepts(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        """Files or a picture, when the view takes anything now. Text is not taken."""
        return self.closed() is None and sources.accepts(event.mimeData())

    def drag(self, event: QDragEnterEvent | QDragMoveEvent) -> None:
        """For the view's dragEnterEvent and dragMoveEvent."""
        if self.accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def drop(self, event: QDropEvent) -> bool:
        """For the view's dropEvent."""
        if not self.accepts(event):
            event.ignore()
            return False
        event.acceptProposedAction()
        return self.take(sources.sources_from_mime(event.mimeData(), self.clock))
