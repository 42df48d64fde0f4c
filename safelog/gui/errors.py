"""Failures in plain words: inline text for a failed load or save, and the message box (or,
for a fault, the crash dialog) when an action fails. Its own module so that the crash dialog
and the dialogs it uses never import back what imports them."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget

from safelog.errors import UserFacingError
from safelog.gui.dialogs import tell

UNEXPECTED = (
    "Something went wrong and SafeLog could not finish. Nothing you typed has been lost. "
    "Try again; if it happens again, tell your administrator."
)


def error_text(exc: BaseException, fallback: str | None = None) -> str:
    """Plain words for a failure. Typed errors carry their own message; anything else is a
    bug, handed to the crash handler (the message may hold record content, so it is not shown).
    With a `fallback` the caller has dealt with the fault itself and only wants the words."""
    if isinstance(exc, UserFacingError):
        return str(exc)
    if fallback is not None:
        return fallback
    sys.excepthook(type(exc), exc, exc.__traceback__)
    return UNEXPECTED


def explain_error(parent: QWidget | None, exc: BaseException) -> None:
    """A UserFacingError's own words; anything else is a fault: the crash dialog."""
    if isinstance(exc, UserFacingError):
        tell(parent, "Cannot do that", str(exc), warning=True)
        return
    from safelog.gui.crash_dialog import report_fault

    report_fault(exc, parent)
