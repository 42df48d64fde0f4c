"""Screen capture into memory: the whole screen, a window, or a part of the screen.

SafeLog's own windows are taken off the screen first (a case on screen must not end up in
another case's evidence) and always put back, even when the capture fails. A window that
is running a modal dialog loop (the report form, say) cannot be hidden without ending that
loop, and with it the form: it is made fully transparent instead. The picture is PNG bytes
in memory, never a temporary file.

What is offered where (Qt is all SafeLog uses; it calls no native window APIs):
- Windows, macOS and X11 (most Linux desktops): the whole screen SafeLog is on
  (`QScreen.grabWindow(0)`); a part of it, dragged out on a frozen copy of the screen; and
  "a window", which is the same frozen screen with the instruction to drag around the
  window wanted: Qt cannot list other programs' windows nor find the one under a click.
  On macOS the system asks once for Screen Recording permission; until it is given the
  picture shows only the desktop, and SafeLog says so when it comes back blank.
  On X11 without a compositing window manager, a transparent report form may still show
  in the capture (hidden windows never do).
- Wayland (most new Linux desktops): programs may not read the screen, so capture is not
  offered (`available_modes()` is empty); the system's own screenshot tool (Print Screen)
  puts the picture on the clipboard, and it is pasted.

`capture()` takes a `grabber` and a `chooser`, so tests (offscreen) feed a picture and a
rectangle instead of reading a real screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import shiboken6
from PySide6.QtCore import QEventLoop, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QScreen,
)
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from safelog.gui.dialogs import tell
from safelog.gui.evidence.sources import Clock, PendingSource, png_bytes, stamped_name

MODES = ("screen", "window", "region")
# (mode, what a menu calls it) for the views that offer capture.
CHOICES = (
    ("screen", "The &whole screen"),
    ("window", "A &window…"),
    ("region", "&Part of the screen…"),
)
HIDE_SETTLE_MS = 300  # window managers animate a hide; grab only once it has gone
MIN_SELECTION = 8  # pixels each way: a smaller drag is taken as a stray click

NOT_AVAILABLE = (
    "This desktop (Wayland) does not let programs capture the screen. Use the system's "
    "screenshot tool instead (the Print Screen key), then paste the picture here (Ctrl+V)."
)
BLANK = (
    "The screen capture came back blank, so nothing was kept. This computer may not let "
    "SafeLog see the screen (on a Mac: System Settings, Privacy & Security, Screen "
    "Recording). You can use the system's screenshot tool instead and paste the picture."
)

Grabber = Callable[[QScreen], QPixmap]
Chooser = Callable[[QPixmap, str, QScreen], QRect | None]


def available_modes() -> tuple[str, ...]:
    """The capture modes this platform allows (none on Wayland)."""
    if QGuiApplication.platformName().startswith("wayland"):
        return ()
    return MODES


def grab_screen(screen: QScreen) -> QPixmap:
    return screen.grabWindow(0)


def _is_blank(shot: QPixmap) -> bool:
    """Null, or entirely black (what XWayland and a Mac without permission return)."""
    if shot.isNull() or shot.width() == 0 or shot.height() == 0:
        return True
    sample = shot.toImage().scaled(
        QSize(32, 32),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )
    return all(sample.pixelColor(x, y).rgb() & 0xFFFFFF == 0 for x in range(32) for y in range(32))


def _settle(ms: int) -> None:
    """Let the hide take effect on screen: wait (events still run), then flush."""
    if ms > 0:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
    QApplication.processEvents()


def _in_modal_loop(window: QWidget) -> bool:
    # QDialog.exec() makes the dialog modal; hiding it would end exec() as if cancelled.
    return isinstance(window, QDialog) and window.isModal()


@contextmanager
def own_windows_hidden(settle_ms: int = HIDE_SETTLE_MS) -> Iterator[list[QWidget]]:
    """Take SafeLog's visible top-level windows off the screen, and always put them back."""
    hidden: list[QWidget] = []
    faded: list[tuple[QWidget, float]] = []
    active = QApplication.activeWindow()
    for window in QApplication.topLevelWidgets():
        if not window.isVisible() or window.isMinimized():
            continue
        if window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            window.hide()  # menus and tips close; they are not brought back
            continue
        if _in_modal_loop(window):
            faded.append((window, window.windowOpacity()))
            window.setWindowOpacity(0.0)
        else:
            hidden.append(window)
            window.hide()
    try:
        _settle(settle_ms)
        yield hidden + [w for w, _ in faded]
    finally:
        for window in hidden:
            if shiboken6.isValid(window):
                window.show()
        for window, opacity in faded:
            if shiboken6.isValid(window):
                window.setWindowOpacity(opacity)
        if active is not None and shiboken6.isValid(active) and active.isVisible():
            active.raise_()
            active.activateWindow()


class RegionPicker(QDialog):
    """A full-screen overlay showing the frozen screen under a translucent veil: drag a
    rectangle to keep that part; Escape cancels. `launch()` returns the rectangle in the
    picture's own pixels, or None."""

    def __init__(self, shot: QPixmap, mode: str, screen: QScreen | None = None) -> None:
        super().__init__(None)
        self.shot = shot
        self.mode = mode
        self.setWindowTitle("Choose what to capture")
        self.setAccessibleName("Choose what to capture")
        self.setWindowFlags(
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMouseTracking(True)
        self._start: QPoint | None = None
        self._end: QPoint | None = None
        if screen is not None:
            self.setGeometry(screen.geometry())
        self.instruction = (
            "Drag a rectangle around the window you want to keep. Press Esc to cancel."
            if mode == "window"
            else "Drag a rectangle around the part of the screen you want to keep. "
            "Press Esc to cancel."
        )
        self.setAccessibleDescription(self.instruction)

    def selection(self) -> QRect:
        """The dragged rectangle, in this widget's coordinates."""
        if self._start is None or self._end is None:
            return QRect()
        start, end = self._start, self._end
        area = QRect(
            min(start.x(), end.x()),
            min(start.y(), end.y()),
            abs(end.x() - start.x()),
            abs(end.y() - start.y()),
        )
        return area.intersected(self.rect())

    def selected_pixels(self) -> QRect | None:
        area = self.selection()
        if area.width() < MIN_SELECTION or area.height() < MIN_SELECTION:
            return None
        sx = self.shot.width() / max(1, self.width())
        sy = self.shot.height() / max(1, self.height())
        return QRect(
            round(area.x() * sx),
            round(area.y() * sy),
            round(area.width() * sx),
            round(area.height() * sy),
        ).intersected(self.shot.rect())

    # -- input -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = self._end = event.position().toPoint()
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._start is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._end = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._start is None:
            return
        self._end = event.position().toPoint()
        if self.selected_pixels() is None:
            self._start = self._end = None  # a click, not a drag: start again
            self.update()
            return
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selected_pixels():
            self.accept()
            return
        super().keyPressEvent(event)

    # -- drawing -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawPixmap(self.rect(), self.shot)
        veil = QColor(0, 0, 0, 120)
        area = self.selection()
        if area.isEmpty():
            painter.fillRect(self.rect(), veil)
        else:
            full = self.rect()
            painter.fillRect(QRect(0, 0, full.width(), area.top()), veil)
            painter.fillRect(
                QRect(0, area.bottom() + 1, full.width(), full.height() - area.bottom() - 1), veil
            )
            painter.fillRect(QRect(0, area.top(), area.left(), area.height()), veil)
            painter.fillRect(
                QRect(area.right() + 1, area.top(), full.width() - area.right() - 1, area.height()),
                veil,
            )
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawRect(area.adjusted(0, 0, -1, -1))
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(self.instruction) + 32
        banner = QRect((self.width() - width) // 2, 24, width, metrics.height() + 20)
        painter.fillRect(banner, QColor(20, 20, 20, 220))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(banner, Qt.AlignmentFlag.AlignCenter, self.instruction)
        painter.end()

    def launch(self) -> QRect | None:
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        if self.exec() != QDialog.DialogCode.Accepted:
            return None
        return self.selected_pixels()


def choose_region(shot: QPixmap, mode: str, screen: QScreen) -> QRect | None:
    picker = RegionPicker(shot, mode, screen)
    try:
        return picker.launch()
    finally:
        picker.shot = QPixmap()  # the frozen screen is not kept
        picker.deleteLater()


def capture(
    parent: QWidget | None,
    mode: str,
    *,
    grabber: Grabber | None = None,
    chooser: Chooser | None = None,
    settle_ms: int = HIDE_SETTLE_MS,
    clock: Clock | None = None,
) -> PendingSource | None:
    """Capture the screen SafeLog is on ("screen"), or a window or part of it ("window",
    "region"), as PNG bytes in memory. None when cancelled or when it could not be done
    (after saying why, in plain words). `clock` names it ("Screen capture 2026-11-21
    14-03.png"): pass the app context's clock."""
    if mode not in MODES:
        raise ValueError(f"unknown capture mode {mode!r}")
    if grabber is None and not available_modes():
        tell(parent, "Screen capture", NOT_AVAILABLE, warning=True)
        return None
    screen = parent.screen() if parent is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        tell(parent, "Screen capture", NOT_AVAILABLE, warning=True)
        return None
    problem = ""
    picture = QPixmap()
    with own_windows_hidden(settle_ms):
        shot = (grabber or grab_screen)(screen)
        if _is_blank(shot):
            problem = BLANK
        elif mode == "screen":
            picture = shot
        else:
            area = (chooser or choose_region)(shot, mode, screen)
            if area is not None and not area.isEmpty():
                picture = shot.copy(area)
        del shot
    if problem:
        tell(parent, "Screen capture", problem, warning=True)
        return None
    if picture.isNull():
        return None  # cancelled
    data = png_bytes(picture)
    if not data:
        tell(parent, "Screen capture", "The capture could not be made. Try again.", warning=True)
        return None
    return PendingSource(name=stamped_name("Screen capture", clock), data=data)
