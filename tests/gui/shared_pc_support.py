"""The app on one office PC, as several people take turns (issue 11): the app fixture with
the real controller and views, signing in by typing, and a half-written report. Shared by
the shared-PC and draft tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gui_support import wait_for
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from support.school import PASSPHRASES, build_school

from safelog.gui.app import AppController
from safelog.gui.context import SessionEvents
from safelog.gui.crash_dialog import install_excepthook
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


SECRET = "Year 9 pupil sent threats on Snapchat"


def start_report(
    qtbot: QtBot, window: Any, monkeypatch: pytest.MonkeyPatch, asked: list[list[str]]
) -> Any:
    """Open "Report a concern" from the main window and half-write it. The form is shown
    without its own event loop (a test cannot wait inside exec()); answering "Discard this
    report?" is recorded, with the windows on screen at that moment, and declined."""
    from PySide6.QtWidgets import QApplication

    from safelog.gui.report_form import ReportConcernDialog

    def launch(self: ReportConcernDialog) -> None:
        self.show()

    def confirm(self: ReportConcernDialog) -> bool:
        asked.append([w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()])
        return False

    monkeypatch.setattr(ReportConcernDialog, "launch", launch)
    monkeypatch.setattr(ReportConcernDialog, "confirm_discard", confirm)
    window.report_concern()
    dialog = window.findChild(ReportConcernDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.category.setCurrentIndex(dialog.category.findData("cyberbullying-pupil"))
    qtbot.keyClicks(dialog.summary, SECRET)
    qtbot.keyClicks(dialog.description, "He showed me the messages at lunch.")
    qtbot.keyClicks(dialog.person_name, "Jamie Pupil")
    return dialog


def shown_windows() -> list[Any]:
    from PySide6.QtWidgets import QApplication

    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def open_report_form(window: Any) -> Any:
    from safelog.gui.report_form import ReportConcernDialog

    if window is None:
        return None
    dialog = window.findChild(ReportConcernDialog)
    return dialog if dialog is not None and dialog.isVisible() else None


def files_holding(root: Path, text: str) -> list[Path]:
    needle = text.encode("utf-8")
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]
