"""The Caps Lock hint under a passphrase field.

Its own module because the sign-in window builds one before its first paint: it needs
PySide6's QtCore only, not the message boxes and forms of dialogs.py (issue 17). The `Qt`
namespace is reached as `QtCore.Qt` when a key is pressed, not imported (see sign_in.py).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui
from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget


class CapsLockWatch(QObject):
    """Guesses whether Caps Lock is on from the letters typed into a field.

    Qt has no portable way to ask for the Caps Lock state (QGuiApplication.queryKeyboard-
    Modifiers does not report it, and each platform hides it elsewhere), but every key press
    tells us the letter produced and whether Shift was held: an upper-case letter without
    Shift, or a lower-case one with Shift, means Caps Lock is on; the reverse means it is
    off. Keys that are not letters tell us nothing, so the last verdict stands.
    """

    changed = Signal(bool)

    def __init__(self, field: QWidget) -> None:
        super().__init__(field)
        self.on = False
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QtGui.QKeyEvent):
            self.note_key(
                event.text(), bool(event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
            )
        return False

    def note_key(self, text: str, shift: bool) -> None:
        if len(text) != 1 or not text.isalpha() or text.upper() == text.lower():
            return  # not a letter with case: no evidence either way
        caps = text.isupper() != shift
        if caps != self.on:
            self.on = caps
            self.changed.emit(caps)
