"""Windows keep their text readable as messages come and go (issue 11): no label squashed
below its text, no field squashed to a sliver."""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from gui_support import context, cut_off, gui_vault, modals, wait_for  # noqa: F401
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from support.school import build_school

from safelog.gui.app import load_style_sheet
from safelog.gui.enrol_dialog import EnrolDialog


def test_a_refused_enrolment_code_keeps_the_dialog_readable(qtbot: QtBot, context: Any) -> None:
    build_school(context.vault)
    dialog = EnrolDialog(context)
    qtbot.addWidget(dialog)
    dialog.setStyleSheet(load_style_sheet())  # drawn as people see it
    dialog.show()
    qtbot.waitExposed(dialog)
    assert cut_off(dialog) == []
    qtbot.keyClicks(dialog.code, "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6")
    qtbot.keyClicks(dialog.form.passphrase, "another long passphrase")
    qtbot.keyClicks(dialog.form.confirmation, "another long passphrase")
    qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: dialog.message.isVisible())
    qtbot.waitUntil(lambda: cut_off(dialog) == [], timeout=2000)
