"""One office PC, several people taking turns (issue 11): each signs in, works, locks, and
the next one signs in on the same app. Runs the real app controller and the real views."""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from gui_support import modals, wait_for  # noqa: F401
from pytestqt.qtbot import QtBot
from shared_pc_support import (  # noqa: F401
    SECRET,
    app,
    files_holding,
    open_report_form,
    shown_windows,
    sign_in,
    start_report,
)

from safelog.gui.app import AppController
from safelog.gui.idle_lock import lock_session


def faults_logged() -> str:
    from safelog.diagnostics import log_dir

    path = log_dir() / "faults.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_five_people_take_turns_without_a_fault(
    qtbot: QtBot, app: AppController, modals: Any
) -> None:
    people = ["Dana DSL", "Hugh Head", "Chris Chair", "Sam Staff", "Dana DSL", "Tess Teacher"]
    for name in people:
        window = sign_in(qtbot, app, name)
        # Whatever each person's views load, let it arrive before the next lock.
        app.runner.wait()
        qtbot.wait(50)
        assert app.context is not None
        lock_session(app.context)
        wait_for(qtbot, lambda: app.main_window is None and app.sign_in.isVisible())
        qtbot.wait(50)
        del window
    app.runner.wait()
    qtbot.wait(50)
    assert modals.crashes == [], "a 'Something went wrong' box was shown"
    assert modals.notices == []
    assert faults_logged() == ""
