"""Windows open no larger than the screen they open on.

Issue 11: at 1280×720 and 1366×768 the main window opened taller than the screen and the
report form's Send and Cancel were below its bottom edge. Each window asks for the size it
would like; `fit_to_screen` gives it that or the screen's available area (less the taskbar,
and room for the title bar and frame, which Qt cannot measure before the window is shown),
whichever is smaller. Content that no longer fits scrolls inside the window (the report
form's body is a scroll area; its buttons sit below it, always in view).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QWidget

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
