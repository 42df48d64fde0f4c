"""Signing in through the real window: names, wrong passphrase, slower retries after repeated
failures, Caps Lock; and the app's start-up: sign-in first (nothing heavy loaded before it is
painted), the setup wizard for a new data directory."""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from gui_support import context, gui_vault, modals, wait_for  # noqa: F401
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from support.school import PASSPHRASES, build_school

from safelog.gui.caps_lock import CapsLockWatch
from safelog.gui.sign_in import SignInWindow


def open_sign_in(qtbot: QtBot, context: Any) -> SignInWindow:
    window = SignInWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_for(qtbot, lambda: window.name.count() > 0)
    return window


def attempt(qtbot: QtBot, window: SignInWindow, name: str, passphrase: str) -> None:
    window.name.setCurrentText(name)
    window.passphrase.setFocus()
    qtbot.keyClicks(window.passphrase, passphrase)
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: not window.busy.busy and window.passphrase.isEnabled())


@pytest.fixture
def school(gui_vault: Any) -> Any:
    return build_school(gui_vault)


def test_signing_in_with_the_right_passphrase(qtbot: QtBot, context: Any, school: Any) -> None:
    window = open_sign_in(qtbot, context)
    assert window.windowTitle() == "SafeLog — Ravens Wood School"
    assert sorted(window.names()) == sorted(PASSPHRASES)
    assert window.name.accessibleName() == "Your name"
    assert window.passphrase.echoMode() == window.passphrase.EchoMode.Password
    assert not window.button.isEnabled(), "nothing typed yet"

    window.name.setCurrentText("Sam Staff")
    qtbot.keyClicks(window.passphrase, PASSPHRASES["Sam Staff"])
    with qtbot.waitSignal(context.events.signed_in, timeout=20000) as signed:
        qtbot.mouseClick(window.button, Qt.MouseButton.LeftButton)
    session = signed.args[0]
    assert session.person.name == "Sam Staff"
    assert context.session is session
    assert window.passphrase.text() == "", "the passphrase does not stay in the field"


def early_window(qtbot: QtBot, data_dir: Path) -> SignInWindow:
    """A sign-in window showing the names read before any vault was opened (issue 17)."""
    from safelog.vault.sign_in_names import read_sign_in_names

    found = read_sign_in_names(data_dir)
    assert found is not None
    window = SignInWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_early_names(*found)
    assert sorted(window.names()) == sorted(PASSPHRASES)
    assert window.windowTitle() == "SafeLog — Ravens Wood School"
    assert not window.enrol_button.isEnabled(), "enrolling waits for the vault"
    return window


def test_a_sign_in_typed_before_the_vault_opened_goes_ahead_once_it_has(
    qtbot: QtBot, context: Any, school: Any, data_dir: Path
) -> None:
    window = early_window(qtbot, data_dir)
    window.name.setCurrentText("Sam Staff")
    qtbot.keyClicks(window.passphrase, PASSPHRASES["Sam Staff"])
    assert window.button.isEnabled()
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    assert window.busy.busy and window.passphrase.text() == ""
    assert context.session is None, "nothing is unlocked before the vault is open"
    with qtbot.waitSignal(context.events.signed_in, timeout=20000) as signed:
        window.attach(context)
    assert signed.args[0].person.name == "Sam Staff"
    wait_for(qtbot, lambda: not window.busy.busy)
    assert window.names() and window.name.currentText() == "Sam Staff"


def test_a_wrong_passphrase_typed_early_is_refused_as_ever(
    qtbot: QtBot, context: Any, school: Any, data_dir: Path
) -> None:
    window = early_window(qtbot, data_dir)
    window.name.setCurrentText("Dana DSL")
    qtbot.keyClicks(window.passphrase, "not my passphrase")
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    window.attach(context)
    wait_for(qtbot, lambda: not window.busy.busy and window.passphrase.isEnabled())
    assert window.message.text().startswith("That passphrase is not right for Dana DSL.")
    assert context.session is None
    assert window.enrol_button.isEnabled()


def test_a_choice_made_early_stays_when_the_vaults_names_arrive(
    qtbot: QtBot, context: Any, school: Any, data_dir: Path
) -> None:
    window = early_window(qtbot, data_dir)
    window.name.setCurrentText("Tess Teacher")
    qtbot.keyClicks(window.passphrase, "half typ")
    window.attach(context)
    wait_for(qtbot, lambda: window.enrol_button.isEnabled())
    assert window.name.currentText() == "Tess Teacher"
    assert window.passphrase.text() == "half typ"
    assert window.button.isEnabled()


def test_names_read_early_go_if_the_vault_cannot_open(
    qtbot: QtBot, school: Any, data_dir: Path
) -> None:
    from safelog.errors import UserFacingError

    window = early_window(qtbot, data_dir)
    window.name.setCurrentText("Dana DSL")
    qtbot.keyClicks(window.passphrase, PASSPHRASES["Dana DSL"])
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    window.show_load_failure(UserFacingError("SafeLog cannot open its database."))
    assert window.names() == [] and not window.button.isEnabled()
    assert window.retry.isVisible()
    assert window.message.text() == "SafeLog cannot open its database."


def test_a_wrong_passphrase_gets_a_plain_message(qtbot: QtBot, context: Any, school: Any) -> None:
    window = open_sign_in(qtbot, context)
    attempt(qtbot, window, "Dana DSL", "not my passphrase")
    assert window.message.isVisible()
    assert window.message.text().startswith("That passphrase is not right for Dana DSL.")
    assert window.message.textFormat() == Qt.TextFormat.PlainText
    assert context.session is None
    assert window.passphrase.text() == ""
    assert window.passphrase.hasFocus()


def test_too_many_attempts_counts_down_and_blocks_the_button(
    qtbot: QtBot,
    context: Any,
    school: Any,
    clock: Any,
) -> None:
    window = open_sign_in(qtbot, context)
    for _ in range(3):
        attempt(qtbot, window, "Dana DSL", "wrong passphrase!")
        assert "not right" in window.message.text()

    attempt(qtbot, window, "Dana DSL", "wrong again, still")
    assert "Too many wrong passphrases" in window.message.text()
    assert "2 seconds" in window.message.text()
    # Typing does not re-enable the button while the countdown runs.
    qtbot.keyClicks(window.passphrase, PASSPHRASES["Dana DSL"])
    assert not window.button.isEnabled()
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    assert not window.busy.busy, "Enter does not try either"

    clock.advance(seconds=1)
    wait_for(qtbot, lambda: "1 second." in window.message.text())
    clock.advance(seconds=2)
    wait_for(qtbot, lambda: window.button.isEnabled())
    assert window.message.text() == "You can try again now."
    with qtbot.waitSignal(context.events.signed_in, timeout=20000):
        qtbot.mouseClick(window.button, Qt.MouseButton.LeftButton)
    assert context.session.person.name == "Dana DSL"


def test_forgot_passphrase_says_what_to_do(
    qtbot: QtBot, context: Any, school: Any, modals: Any
) -> None:
    window = open_sign_in(qtbot, context)
    assert window.forgot_button.isVisible() and window.forgot_button.isEnabled()
    qtbot.mouseClick(window.forgot_button, Qt.MouseButton.LeftButton)
    assert len(modals.notices) == 1
    title, text = modals.notices[0]
    assert title == "SafeLog — Forgot your passphrase?"
    for words in ("Nobody can tell you your passphrase", "recovery key", "enrolment code"):
        assert words in text
    assert context.session is None


def test_caps_lock_warning(qtbot: QtBot, context: Any, school: Any) -> None:
    window = open_sign_in(qtbot, context)
    assert not window.caps.isVisible()
    window.passphrase.setFocus()
    qtbot.keyClicks(window.passphrase, "DANA")  # capitals without Shift: Caps Lock is on
    assert window.caps.isVisible()
    qtbot.keyClicks(window.passphrase, "1234")  # digits say nothing either way
    assert window.caps.isVisible()
    qtbot.keyClicks(window.passphrase, "dana")
    assert not window.caps.isVisible()


def test_caps_lock_guess_from_letters_and_shift(qapp: Any) -> None:
    from PySide6.QtWidgets import QLineEdit

    field = QLineEdit()
    watch = CapsLockWatch(field)
    watch.note_key("A", shift=False)
    assert watch.on
    watch.note_key("a", shift=True)  # Shift with Caps Lock gives lower case
    assert watch.on
    watch.note_key("7", shift=False)
    assert watch.on
    watch.note_key("A", shift=True)
    assert not watch.on
    watch.note_key("ß", shift=False)  # no upper/lower pair that tells
    assert not watch.on
    field.deleteLater()


def test_only_enrolled_people_are_listed(qtbot: QtBot, context: Any) -> None:
    from safelog.domain.roles import Role

    setup = context.vault.create("Ravens Wood School", "Dana DSL", PASSPHRASES["Dana DSL"])
    context.vault.invite(setup.session, "Ivy Invited", frozenset({Role.STAFF}))
    setup.session.lock()
    window = open_sign_in(qtbot, context)
    assert window.names() == ["Dana DSL"]


# -- the app's start-up ------------------------------------------------------------------------


def test_the_app_shows_the_setup_wizard_for_a_new_data_directory(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from safelog.gui.app import AppController
    from safelog.gui.context import SessionEvents
    from safelog.gui.worker import Runner

    runner = Runner()
    controller = AppController(str(tmp_path / "new"), runner, SessionEvents())
    qtbot.addWidget(controller.sign_in)
    controller.start()
    wait_for(qtbot, lambda: controller.wizard is not None and controller.wizard.isVisible())
    qtbot.addWidget(controller.wizard)
    assert not controller.sign_in.isVisible()
    assert controller.wizard.windowTitle() == "SafeLog — Set up"
    runner.wait()
    controller.shutdown()


def test_the_app_signs_in_to_the_main_window_and_locks_back(
    qtbot: QtBot, data_dir: Path, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safelog.gui.app import AppController
    from safelog.gui.context import SessionEvents
    from safelog.gui.main_window import MainWindow
    from safelog.gui.worker import Runner
    from safelog.vault.vault import Vault

    vault = Vault(data_dir)
    build_school(vault)
    vault.close()
    # The content views are another module's business; here, empty stand-ins.
    monkeypatch.setattr("safelog.gui.main_window.LazyContentViews", FakeViews)

    runner = Runner()
    controller = AppController(str(data_dir), runner, SessionEvents(), clock=clock)
    qtbot.addWidget(controller.sign_in)
    controller.start()
    window = controller.sign_in
    wait_for(qtbot, lambda: window.name.count() == 5)
    assert window.isVisible()

    attempt(qtbot, window, "Dana DSL", PASSPHRASES["Dana DSL"])
    wait_for(qtbot, lambda: controller.main_window is not None)
    main = controller.main_window
    assert isinstance(main, MainWindow)
    assert main.isVisible() and not window.isVisible()
    assert main.windowTitle() == "SafeLog — Ravens Wood School"
    assert controller.watcher is not None and controller.watcher.running
    session = controller.context.session

    main.lock()
    assert session.locked
    assert controller.context.session is None
    assert controller.main_window is None
    assert window.isVisible()
    wait_for(qtbot, lambda: window.name.count() == 5)
    assert window.name.currentText() == "Dana DSL", "the person who was signed in is preselected"
    assert window.passphrase.text() == ""
    runner.wait()
    controller.shutdown()


class FakeViews:
    def view(self, kind: str, context: Any, parent: Any) -> Any:
        from PySide6.QtWidgets import QWidget

        return QWidget(parent)

    def report_concern(self, context: Any, parent: Any) -> str | None:
        return None

    def workspace(self, context: Any, reference: str, parent: Any) -> Any:
        from PySide6.QtWidgets import QWidget

        return QWidget(parent)


STARTUP_PROBE = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QObject, QTimer
    from PySide6.QtWidgets import QApplication
    from safelog.gui import app as gui_app
    from safelog.gui.sign_in import SignInWindow

    HEAVY = ("sqlalchemy", "alembic", "reportlab", "pyhanko", "PIL", "safelog.vault.vault",
             "safelog.store", "cryptography.hazmat.primitives.kdf.argon2")
    report = {}
    qapp = gui_app.create_application(["probe"])

    # What is loaded when the window is first painted, seen from its own paintEvent (the
    # worker starts loading as soon as first_painted is emitted). PySide6 builds its whole
    # `Qt` namespace type (~22 ms) on first use (issue 17): not before this paint either.
    original_paint = SignInWindow.paintEvent

    def paint_event(self, event):
        if "loaded_at_paint" not in report:
            report["loaded_at_paint"] = sorted(
                m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
            report["qt_namespace_at_paint"] = "Qt" in vars(sys.modules["PySide6.QtCore"])
            report["title_at_paint"] = self.windowTitle()
        original_paint(self, event)

    SignInWindow.paintEvent = paint_event

    def ready():
        from safelog.gui.wheel_guard import GUARD_NAME  # the app loads it after the paint

        report["wheel_guard"] = qapp.findChild(QObject, GUARD_NAME) is not None
        report["names"] = controller.sign_in.names()
        report["title"] = controller.sign_in.windowTitle()
        report["loaded_when_ready"] = "safelog.vault.vault" in sys.modules
        print(json.dumps(report), flush=True)
        qapp.quit()

    controller = gui_app.AppController(sys.argv[1], gui_app.Runner(), gui_app.SessionEvents())
    controller.sign_in.ready.connect(ready)
    controller.start()
    QTimer.singleShot(60000, qapp.quit)
    qapp.exec()
    controller.shutdown()
    """
)


def test_the_sign_in_window_is_painted_before_anything_heavy_loads(data_dir: Path) -> None:
    from safelog.vault.vault import Vault

    vault = Vault(data_dir)
    vault.create("Ravens Wood School", "Dana DSL", PASSPHRASES["Dana DSL"]).session.lock()
    vault.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["loaded_at_paint"] == [], "loaded before the sign-in window was painted"
    assert not report["qt_namespace_at_paint"], "the Qt enums were built before the paint"
    assert report["title_at_paint"] == "SafeLog — Sign in"
    assert report["names"] == ["Dana DSL"]
    assert report["title"] == "SafeLog — Ravens Wood School"
    # The names come first, read without the database layer (issue 17); the vault after.
    assert not report["loaded_when_ready"]
    assert report["wheel_guard"], "the wheel guard is on for every window (issue 11)"


def test_the_data_directory_comes_from_the_argument_the_environment_or_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safelog.gui.app import open_vault

    vault, exists = open_vault(str(tmp_path / "explicit"))
    assert (vault.data_dir, exists) == (tmp_path / "explicit", False)
    vault.close()
    monkeypatch.setenv("SAFELOG_DATA_DIR", str(tmp_path / "from-env"))
    vault, _ = open_vault(None)
    assert vault.data_dir == tmp_path / "from-env"
    vault.close()
    monkeypatch.delenv("SAFELOG_DATA_DIR")
    vault, _ = open_vault(None)  # conftest points XDG_DATA_HOME into this test's home
    assert vault.data_dir == tmp_path / "home" / "data" / "SafeLog"
    vault.close()
