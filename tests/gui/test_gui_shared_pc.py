"""One office PC, several people taking turns (issue 11): each signs in, works, locks, and
the next one signs in on the same app. Runs the real app controller and the real views."""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASES, build_school
from gui_support import modals, wait_for  # noqa: F401
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from safelog.gui.app import AppController
from safelog.gui.context import SessionEvents
from safelog.gui.crash_dialog import install_excepthook
from safelog.gui.idle_lock import lock_session
from safelog.gui.worker import Runner

LOAD_MS = 20_000


@pytest.fixture
def app(qtbot: QtBot, data_dir: Path, clock: Any) -> Iterator[AppController]:
    """The app as `safelog` starts it, on a school's data directory, with the crash hook."""
    from safelog.vault.vault import Vault

    vault = Vault(data_dir)
    build_school(vault)
    vault.close()
    runner = Runner()
    controller = AppController(str(data_dir), runner, SessionEvents(), clock=clock)
    qtbot.addWidget(controller.sign_in)
    previous = install_excepthook(controller.current_window)
    controller.start()
    wait_for(qtbot, lambda: controller.sign_in.name.count() == 5)
    try:
        yield controller
    finally:
        sys.excepthook = previous
        runner.wait()
        controller.shutdown()


def sign_in(qtbot: QtBot, controller: AppController, name: str) -> Any:
    sign_in = controller.sign_in
    wait_for(qtbot, lambda: sign_in.isVisible() and sign_in.name.count() == 5)
    sign_in.name.setCurrentText(name)
    qtbot.keyClicks(sign_in.passphrase, PASSPHRASES[name])
    qtbot.keyClick(sign_in.passphrase, Qt.Key.Key_Return)
    wait_for(
        qtbot,
        lambda: (
            controller.main_window is not None
            and controller.context is not None
            and controller.context.session is not None
            and controller.context.session.person.name == name
        ),
        LOAD_MS,
    )
    window = controller.main_window
    assert window is not None
    qtbot.waitExposed(window)
    return window


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
