"""Windows open no larger than the screen they open on.

Issue 11: at 1280×720 and 1366×768 the main window opened taller than the screen and the
report form's Send and Cancel were below its bottom edge. Each window asks for the size it
would like; `fit_to_screen` gives it that or the screen's available area (less the taskbar,
and room for the title bar and frame, which Qt cannot measure before the window is shown),
whichever is smaller. Content that no longer fits scrolls inside the window (the report
form's body is a scroll area; its buttons sit below it, always in view).

Windows also grow when text appears in them (`keep_fitting`). Qt sizes a window by its
layout's minimum, which leaves out how tall wrapped text is at the window's width; so when a
message appeared (a refused enrolment code, an export's result), the wrapped labels and the
fields were squashed into the old height instead (issue 11).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, QTimer
from PySide6.QtGui import QGuiApplication, QResizeEvent
from PySide6.QtWidgets import QDialog, QFrame, QScrollArea, QWidget

# Room for the window frame and title bar, which only exist once the window is shown.
FRAME_WIDTH = 16
FRAME_HEIGHT = 48


def available_geometry(window: QWidget) -> QRect:
    """The part of the window's screen (else the primary screen) windows may use."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 700)


def fitted_size(wanted: QSize, area: QRect) -> QSize:
    return QSize(
        max(1, min(wanted.width(), area.width() - FRAME_WIDTH)),
        max(1, min(wanted.height(), area.height() - FRAME_HEIGHT)),
    )


def fit_to_screen(window: QWidget, width: int, height: int) -> QSize:
    """Resize `window` to width×height, or to what its screen has room for. A main window is
    also placed inside the available area; a dialog is left to Qt, which centres it on its
    parent and keeps it on the screen. Returns the size given."""
    area = available_geometry(window)
    size = fitted_size(QSize(width, height), area)
    window.resize(size)
    if not isinstance(window, QDialog) and window.parentWidget() is None:
        x = area.x() + max(0, (area.width() - size.width() - FRAME_WIDTH) // 2)
        y = area.y() + max(0, (area.height() - size.height() - FRAME_HEIGHT) // 2)
        window.move(x, y)
    return size


class _FillOrScroll(QScrollArea):
    """Gives its content the whole viewport, or the content's minimum where that is larger
    (then it scrolls). Not widgetResizable: that sizes content with wrapped text to its
    preferred height, so it would scroll even where the content could simply shrink."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidget(content)
        content.installEventFilter(self)

    def _fit(self) -> None:
        content = self.widget()
        if content is None:
            return
        viewport = self.viewport().size()
        least = content.minimumSizeHint().expandedTo(content.minimumSize())
        content.resize(max(viewport.width(), least.width()), max(viewport.height(), least.height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self, self._fit)  # after the layout has its new minimum
        return False


def scrolls_when_short(content: QWidget) -> QScrollArea:
    """`content` filling a frameless scroll area that only scrolls when the window is smaller
    than the content's minimum: large text or 150% scaling on a 1280×720 screen (issue 11),
    where the window would otherwise be made taller than the screen."""
    return _FillOrScroll(content)


def fit_height(window: QWidget) -> None:
    """Make `window` at least as wide as a line it cannot wrap and as tall as its content
    needs at that width (wrapped text included), within the screen; its minimum height
    follows, so it cannot be dragged smaller than that either."""
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    area = available_geometry(window)
    width = min(max(window.width(), layout.totalMinimumSize().width()), area.width() - FRAME_WIDTH)
    if layout.hasHeightForWidth():
        wanted = layout.totalHeightForWidth(width)
    else:
        wanted = layout.totalMinimumSize().height()
    wanted = min(wanted, area.height() - FRAME_HEIGHT)
    window.setMinimumHeight(wanted)
    if window.height() < wanted or window.width() < width:
        window.resize(width, max(wanted, window.height()))


class _KeepFitting(QObject):
    """An event filter on its parent window. It keeps no Python reference to the window (a
    cycle would let the garbage collector delete the window at an arbitrary moment)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._pending = False
        window.installEventFilter(self)

    def _window(self) -> QWidget | None:
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.parent() or not isinstance(watched, QWidget):
            return False
        if event.type() == QEvent.Type.Show:
            fit_height(watched)  # before the first paint: never shown squashed
        elif event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize):
            self._schedule()
        return False

    def _schedule(self) -> None:
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self, self._fit)

    def _fit(self) -> None:
        self._pending = False
        window = self._window()
        if window is not None and window.isVisible():
            fit_height(window)


def keep_fitting(window: QWidget) -> None:
    """Grow `window` whenever what it shows needs more height (see the module note)."""
    _KeepFitting(window)
