"""The crash dialog: where the fault happened, never what it said (an exception message may
quote a record), a working "Copy details" button, and the exception hook that shows it."""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from gui_support import modals  # noqa: F401
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from safelog.errors import InvalidInput
from safelog.gui.crash_dialog import CrashDialog, install_excepthook

SECRET = "Pupil Jamie Smith (Year 9) disclosed abuse at home"


def failing_save() -> None:
    record = {"summary": SECRET}
    raise ValueError(f"could not save {record['summary']}")


def caught() -> BaseException:
    try:
        failing_save()
    except ValueError as exc:
        return exc
    raise AssertionError("unreachable")


def test_the_details_say_where_and_never_what(qtbot: QtBot) -> None:
    exc = caught()
    dialog = CrashDialog(exc)
    qtbot.addWidget(dialog)
    dialog.show()
    details = dialog.details.toPlainText()
    assert "builtins.ValueError" in details
    assert "test_gui_crash.py:" in details and "in failing_save" in details
    assert "SafeLog " in details and "Python " in details
    assert SECRET not in details
    assert "Jamie" not in details and "could not save" not in details
    shown = "\n".join(w.text() for w in dialog.findChildren(type(dialog.copied)))
    assert "Jamie" not in shown
    assert dialog.windowTitle() == "SafeLog — Something went wrong"
    assert dialog.details.isReadOnly()


def test_copy_details(qtbot: QtBot) -> None:
    dialog = CrashDialog(caught())
    qtbot.addWidget(dialog)
    dialog.show()
    QGuiApplication.clipboard().clear()
    assert dialog.copy_button.accessibleName()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.details.toPlainText()
    assert "Jamie" not in QGuiApplication.clipboard().text()
    assert dialog.copied.text() == "Copied."
    QGuiApplication.clipboard().clear()


def test_the_exception_hook_shows_the_dialog_and_logs_no_message(
    qapp: Any,
    modals: Any,
    tmp_path: Path,
) -> None:
    modals.expect_crash = True
    previous = install_excepthook()
    try:
        exc = caught()
        sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = previous
    assert len(modals.crashes) == 1
    assert SECRET not in modals.crashes[0] and "failing_save" in modals.crashes[0]
    logs = list((tmp_path / "home").rglob("faults.log"))
    assert logs, "the fault is logged locally"
    log = logs[0].read_text()
    assert "failing_save" in log and "Jamie" not in log


def test_a_user_facing_error_shows_its_own_plain_words(qapp: Any, modals: Any) -> None:
    previous = install_excepthook()
    try:
        exc = InvalidInput("Choose between 1 and 60 minutes.")
        sys.excepthook(type(exc), exc, None)
    finally:
        sys.excepthook = previous
    assert modals.crashes == []
    assert modals.notices == [("SafeLog — Cannot do that", "Choose between 1 and 60 minutes.")]
