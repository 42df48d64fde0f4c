"""Locking: after the idle time on an injected clock, and on demand (button, Ctrl+L). A lock
drops the session's keys and clears the clipboard only when SafeLog put what is on it."""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from gui_support import context, gui_vault, modals, wait_for  # noqa: F401
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot
from support.school import PASSPHRASES, build_school

from safelog.gui.idle_lock import (
    IdleWatcher,
    clear_clipboard_if_ours,
    copy_to_clipboard,
    lock_session,
)

CASE_TEXT = "SL-2026-00001: Year 9 pupil received threats on Snapchat"


@pytest.fixture
def signed_in(context: Any) -> Any:
    """The DSL signed in on a fresh school; returns the context."""
    school = build_school(context.vault)
    context.session = school.unlock("Dana DSL")
    return context


@pytest.fixture
def clipboard(qapp: Any) -> Any:
    board = QGuiApplication.clipboard()
    board.clear()
    yield board
    board.clear()


def watch(qtbot: QtBot, context: Any, **options: Any) -> IdleWatcher:
    watcher = IdleWatcher(context, check_every_ms=options.pop("check_every_ms", 20), **options)
    watcher.start()
    return watcher


def test_idle_lock_after_the_chosen_minutes(qtbot: QtBot, signed_in: Any, clock: Any) -> None:
    session = signed_in.session
    watcher = watch(qtbot, signed_in)
    assert watcher.minutes == 5, "the default is five minutes"
    clock.advance(minutes=4, seconds=50)
    assert watcher.check() is False
    assert not session.locked

    clock.advance(seconds=20)
    with qtbot.waitSignal(signed_in.events.locked, timeout=5000):
        pass  # the watcher's own timer notices
    assert session.locked
    assert session.role_keys == {} and session.audience_ciphers == {}
    assert session.identity is None and session.ca_key is None
    assert signed_in.session is None
    assert not watcher.running
    with pytest.raises(Exception, match="locked"):
        session.ensure_open()


def test_using_safelog_keeps_it_unlocked(qtbot: QtBot, signed_in: Any, clock: Any) -> None:
    watcher = watch(qtbot, signed_in, check_every_ms=60000)
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    clock.advance(minutes=4)
    qtbot.keyClicks(field, "a")  # a key press anywhere in the app counts
    clock.advance(minutes=4)
    assert watcher.check() is False
    qtbot.mouseMove(field, field.rect().center())
    clock.advance(minutes=4)
    assert watcher.check() is False
    signed_in.touch()  # views may also report activity they handle themselves
    clock.advance(minutes=4)
    assert watcher.check() is False
    clock.advance(minutes=2)
    assert watcher.check() is True
    assert signed_in.session is None


def test_the_idle_time_can_change(qtbot: QtBot, signed_in: Any, clock: Any) -> None:
    watcher = watch(qtbot, signed_in, check_every_ms=60000)
    watcher.set_minutes(1)
    clock.advance(seconds=61)
    assert watcher.check() is True


def test_nothing_to_lock_when_signed_out(qtbot: QtBot, context: Any, clock: Any) -> None:
    watcher = watch(qtbot, context, check_every_ms=60000)
    clock.advance(hours=2)
    assert watcher.check() is False


def test_locking_clears_what_safelog_copied(
    qtbot: QtBot, signed_in: Any, clock: Any, clipboard: Any
) -> None:
    copy_to_clipboard(CASE_TEXT)
    assert clipboard.text() == CASE_TEXT
    watch(qtbot, signed_in)
    clock.advance(minutes=6)
    with qtbot.waitSignal(signed_in.events.locked, timeout=5000):
        pass
    assert clipboard.text() == ""


def test_locking_leaves_what_another_program_copied(
    qtbot: QtBot, signed_in: Any, clipboard: Any
) -> None:
    clipboard.setText("a shopping list from another program")
    lock_session(signed_in)
    assert clipboard.text() == "a shopping list from another program"


def test_something_copied_after_safelog_is_left_alone(signed_in: Any, clipboard: Any) -> None:
    copy_to_clipboard(CASE_TEXT)
    clipboard.setText("copied later in another program")
    lock_session(signed_in)
    assert clipboard.text() == "copied later in another program"


def test_clipboard_check_on_its_own(clipboard: Any) -> None:
    assert clear_clipboard_if_ours() is False
    copy_to_clipboard("SL-2026-00007")
    assert clear_clipboard_if_ours() is True
    assert clipboard.text() == ""
    clipboard.setText("SL-2026-00007")  # same text, but the fingerprint was used up
    assert clear_clipboard_if_ours() is False


# -- on demand, from the main window -----------------------------------------------------------


class FakeViews:
    def view(self, kind: str, context: Any, parent: Any) -> Any:
        from PySide6.QtWidgets import QWidget

        return QWidget(parent)

    def report_concern(self, context: Any, parent: Any) -> str | None:
        return None

    def workspace(self, context: Any, reference: str, parent: Any) -> Any:
        from PySide6.QtWidgets import QWidget

        return QWidget(parent)


def main_window(qtbot: QtBot, context: Any) -> Any:
    from safelog.gui.main_window import MainWindow

    window = MainWindow(context, views=FakeViews())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    wait_for(qtbot, lambda: QApplication.activeWindow() is window, timeout=5000)
    return window


def test_ctrl_l_locks(qtbot: QtBot, signed_in: Any, clipboard: Any) -> None:
    session = signed_in.session
    window = main_window(qtbot, signed_in)
    copy_to_clipboard(CASE_TEXT)
    with qtbot.waitSignal(signed_in.events.locked, timeout=5000):
        qtbot.keyClick(
            window.focusWidget() or window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
        )
    assert session.locked
    assert signed_in.session is None
    assert clipboard.text() == ""


def test_the_lock_button_locks(qtbot: QtBot, signed_in: Any) -> None:
    session = signed_in.session
    window = main_window(qtbot, signed_in)
    assert window.lock_button.isVisible()
    assert window.lock_button.accessibleName() == "Lock SafeLog"
    with qtbot.waitSignal(signed_in.events.locked, timeout=5000):
        qtbot.mouseClick(window.lock_button, Qt.MouseButton.LeftButton)
    assert session.locked


def test_idle_lock_closes_open_dialogs_and_case_tabs(
    qtbot: QtBot, data_dir: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the app: the idle lock closes the main window (and its case tabs) and any
    dialog left open, and brings back the sign-in window."""
    from PySide6.QtWidgets import QDialog

    from safelog.gui.app import AppController
    from safelog.gui.context import SessionEvents
    from safelog.gui.worker import Runner
    from safelog.vault.vault import Vault

    vault = Vault(data_dir)
    build_school(vault)
    vault.close()
    monkeypatch.setattr("safelog.gui.main_window.LazyContentViews", FakeViews)
    runner = Runner()
    controller = AppController(
        str(data_dir), runner, SessionEvents(), clock=clock, check_every_ms=20
    )
    qtbot.addWidget(controller.sign_in)
    controller.start()
    sign_in = controller.sign_in
    wait_for(qtbot, lambda: sign_in.name.count() == 5)
    sign_in.name.setCurrentText("Dana DSL")
    qtbot.keyClicks(sign_in.passphrase, PASSPHRASES["Dana DSL"])
    qtbot.keyClick(sign_in.passphrase, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: controller.main_window is not None)
    main = controller.main_window
    main.open_case("SL-2026-00001")
    assert "SL-2026-00001" in main.open_tabs()
    tab = main.workspaces["SL-2026-00001"]
    dialog = QDialog()  # a top-level dialog, say a report form left open
    qtbot.addWidget(dialog)
    dialog.show()
    session = controller.context.session

    clock.advance(minutes=6)
    wait_for(qtbot, lambda: controller.main_window is None, timeout=5000)
    assert session.locked
    assert not dialog.isVisible()
    assert sign_in.isVisible()
    wait_for(qtbot, lambda: tab is None or not _alive(tab))
    runner.wait()
    controller.shutdown()


def _alive(widget: Any) -> bool:
    from shiboken6 import isValid

    return bool(isValid(widget))


def test_the_setup_wizard_locks_once_the_keys_are_kept(
    qtbot: QtBot, tmp_path: Any, clock: Any
) -> None:
    """Before the recovery keys are confirmed nothing locks (they would be lost); after, the
    wizard holds a DSL session and locks like any window."""
    from safelog.gui.app import AppController
    from safelog.gui.context import SessionEvents
    from safelog.gui.setup_wizard import INVITE_PAGE, RECOVERY_PAGE
    from safelog.gui.worker import Runner

    runner = Runner()
    controller = AppController(
        str(tmp_path / "new"), runner, SessionEvents(), clock=clock, check_every_ms=20
    )
    qtbot.addWidget(controller.sign_in)
    controller.start()
    wait_for(qtbot, lambda: controller.wizard is not None and controller.wizard.isVisible())
    wizard = controller.wizard  # the controller deletes it after the lock
    wizard.school_page.school.setText("Ravens Wood School")
    wizard.next()
    wizard.account_page.name.setText("Dana DSL")
    wizard.account_page.form.passphrase.setText(PASSPHRASES["Dana DSL"])
    wizard.account_page.form.confirmation.setText(PASSPHRASES["Dana DSL"])
    wizard.next()
    wait_for(qtbot, lambda: wizard.currentId() == RECOVERY_PAGE)
    clock.advance(minutes=30)
    assert not controller.watcher.running, "the keys on screen are not locked away"
    wizard.recovery_page.kept.setChecked(True)
    wizard.next()
    assert wizard.currentId() == INVITE_PAGE
    session = controller.context.session
    assert session is not None and controller.watcher.running

    clock.advance(minutes=6)
    wait_for(qtbot, lambda: controller.wizard is None, timeout=5000)
    assert session.locked
    assert not _alive(wizard) or not wizard.isVisible()
    assert controller.sign_in.isVisible()
    wait_for(qtbot, lambda: controller.sign_in.names() == ["Dana DSL"])
    runner.wait()
    controller.shutdown()


def test_ctrl_l_locks_from_a_dialog_too(qtbot: QtBot, signed_in: Any) -> None:
    """A dialog (a report being written) blocks the main window's shortcuts; the watcher
    still sees the key."""
    from PySide6.QtWidgets import QDialog, QVBoxLayout

    session = signed_in.session
    watch(qtbot, signed_in, check_every_ms=60000)
    dialog = QDialog()
    qtbot.addWidget(dialog)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    dialog.show()
    field.setFocus()
    qtbot.keyClicks(field, "l")  # a plain L is just a letter
    assert not session.locked
    with qtbot.waitSignal(signed_in.events.locked, timeout=5000):
        qtbot.keyClick(field, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert session.locked
    assert field.text() == "l"
