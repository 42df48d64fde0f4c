"""The mouse wheel scrolls; it never changes a field the pointer merely passes over.

Issue 11: scrolling the report form with the wheel changed the incident time (05:41 became
05:38) as the pointer crossed the date-and-time field, and it was saved. Qt's spin boxes,
date and time edits, combo boxes and sliders take wheel focus and change their value on a
wheel turn wherever the pointer is. One filter on the application (installed once the
sign-in window has been painted, gui/app.py) covers every such control in every window:

- on Polish, before a control is first shown, a control that would take focus from the wheel
  takes it from clicks and Tab only (Qt otherwise gives it focus *before* any filter sees
  the wheel event, and a focused control may use the wheel);
- a wheel event for such a control without the keyboard focus is refused and handed to the
  scroll area around it, which scrolls instead. Once someone clicks or tabs into a field,
  the wheel works in it as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

GUARD_NAME = "safelogWheelGuard"


def guarded_control(widget: QObject) -> QWidget | None:
    """The value-changing control `widget` is, or is part of (a spin box's line edit), within
    its window; None for anything else (scroll bars, lists, text)."""
    current = widget if isinstance(widget, QWidget) else None
    while current is not None:
        if isinstance(current, QAbstractSpinBox | QComboBox) or (
            isinstance(current, QAbstractSlider) and not isinstance(current, QScrollBar)
        ):
            return current
        if current.isWindow():
            return None
        current = current.parentWidget()
    return None


def _has_focus(control: QWidget) -> bool:
    focused = QApplication.focusWidget()
    return focused is not None and (focused is control or control.isAncestorOf(focused))


def _scroll_area_around(control: QWidget) -> QAbstractScrollArea | None:
    parent = control.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return parent if isinstance(parent, QAbstractScrollArea) else None


def _no_wheel_focus(widget: QObject) -> None:
    if (
        isinstance(widget, QWidget)
        and widget.focusPolicy() == Qt.FocusPolicy.WheelFocus
        and guarded_control(widget) is widget
    ):
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


class WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish:
            _no_wheel_focus(watched)
            return False
        if kind != QEvent.Type.Wheel or not isinstance(event, QWheelEvent):
            return False
        control = guarded_control(watched)
        if control is None or _has_focus(control):
            return False
        # Refused, and handed to the scroll area the control sits in (if any), so the form
        # scrolls as the person meant. Accepted here, so Qt does not also pass it up.
        area = _scroll_area_around(control)
        if area is not None:
            viewport = area.viewport()
            source = watched if isinstance(watched, QWidget) else control
            position = QPointF(viewport.mapFrom(source, event.position().toPoint()))
            forwarded = QWheelEvent(
                position,
                event.globalPosition(),
                event.pixelDelta(),
                event.angleDelta(),
                event.buttons(),
                event.modifiers(),
                event.phase(),
                event.inverted(),
            )
            QCoreApplication.sendEvent(viewport, forwarded)
        event.accept()
        return True


def install_wheel_guard(app: QCoreApplication) -> WheelGuard:
    """Install the guard on the application, once; returns it. Controls made before it (the
    sign-in window's, which is painted first: the guard's first events cost ~30 ms of Python
    type set-up, issue 17) get the same focus rule as it would give them on Polish."""
    existing = app.findChild(WheelGuard, GUARD_NAME)
    if existing is not None:
        return existing
    guard = WheelGuard(app)
    guard.setObjectName(GUARD_NAME)
    for widget in QApplication.allWidgets():
        _no_wheel_focus(widget)
    app.installEventFilter(guard)
    return guard
