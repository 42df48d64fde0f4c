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


def test_an_idle_lock_mid_report_hides_everything_at_once_and_keeps_the_draft(
    qtbot: QtBot,
    app: AppController,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window = sign_in(qtbot, app, "Dana DSL")
    asked: list[list[str]] = []
    start_report(qtbot, window, monkeypatch, asked)

    clock.advance(minutes=6)
    assert app.watcher is not None and app.watcher.check()  # the idle lock fires
    # At once, with no question asked: only the sign-in window is on screen.
    assert asked == [], f"the lock asked 'Discard this report?' with {asked[0]} on screen"
    assert shown_windows() == [app.sign_in]
    wait_for(qtbot, lambda: app.main_window is None)
    assert files_holding(tmp_path, SECRET) == [], "the draft reached the disk"

    # The same person signs in again: the report is back as it was left.
    window = sign_in(qtbot, app, "Dana DSL")
    wait_for(qtbot, lambda: open_report_form(window) is not None)
    dialog = open_report_form(window)
    assert dialog.summary.text() == SECRET
    assert dialog.description.toPlainText() == "He showed me the messages at lunch."
    assert dialog.category.currentData() == "cyberbullying-pupil"
    assert dialog.person_name.text() == "Jamie Pupil"
    assert "SafeLog locked while you were writing this report" in dialog.draft_notice.text()
    assert dialog.draft_notice.isVisible()
    assert app.context is not None and app.context.draft is None
    assert asked == []


def test_a_draft_is_never_shown_to_the_next_person(
    qtbot: QtBot,
    app: AppController,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = sign_in(qtbot, app, "Sam Staff")
    asked: list[list[str]] = []
    start_report(qtbot, window, monkeypatch, asked)
    assert app.context is not None
    lock_session(app.context)  # Ctrl+L, or the Lock button
    assert asked == []
    assert shown_windows() == [app.sign_in]
    assert app.context.draft is not None and SECRET.encode() not in app.context.draft.blob

    window = sign_in(qtbot, app, "Tess Teacher")
    qtbot.wait(100)
    assert open_report_form(window) is None
    assert app.context.draft is None, "someone else's draft is dropped unread"
    lock_session(app.context)
    window = sign_in(qtbot, app, "Sam Staff")
    qtbot.wait(100)
    assert open_report_form(window) is None
