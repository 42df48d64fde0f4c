"""Start the desktop app: `safelog` with no subcommand.

The sign-in window is painted before anything heavy loads: the database layer (SQLAlchemy,
Alembic), the crypto and the vault are imported and opened in the worker once the window is
on screen. A new data directory gets the setup wizard instead. After sign-in the main window
takes over; locking (idle or on demand) closes it and brings the sign-in window back.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, QSize
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from safelog import __version__
from safelog.gui import theme
from safelog.gui.crash_dialog import CrashDialog, install_excepthook, log_fault
from safelog.gui.session_events import SessionEvents, system_clock
from safelog.gui.shipped_files import shipped_bytes, shipped_path
from safelog.gui.sign_in import SignInWindow
from safelog.gui.worker import Runner

if TYPE_CHECKING:
    from datetime import datetime

    from safelog.gui.context import AppContext
    from safelog.gui.idle_lock import IdleWatcher
    from safelog.gui.main_window import MainWindow
    from safelog.gui.setup_wizard import SetupWizard
    from safelog.vault.session import Session
    from safelog.vault.settings import Settings
    from safelog.vault.vault import Vault

ICON_SIZES = (16, 32, 64, 128, 256)


# -- resources shipped as safelog.resources --------------------------------------------------


def load_app_icon() -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        name = f"safelog-{size}.png"
        path = shipped_path("icons", name)
        if path is not None:
            # A real file (source tree, wheel, PyInstaller): Qt decodes each size only when
            # it is first drawn, which keeps start-up quick.
            icon.addFile(str(path), QSize(size, size))
            continue
        pixmap = QPixmap()
        if pixmap.loadFromData(shipped_bytes("icons", name)):
            icon.addPixmap(pixmap)
    return icon


# Two rules the shipped style sheet lacks (reported for resources/style/safelog.qss): a
# disabled primary or default button must look disabled (otherwise "Sign in" during the
# wait after wrong passphrases, or the wizard's "Next" before a name is typed, look ready),
# and dialog buttons carry no icons, like every other button.


def load_style_sheet() -> str:
    """The style sheet as on screen now: light or dark, at the desktop's text size."""
    return theme.current_style_sheet()


def create_application(argv: list[str] | None = None) -> QApplication:
    # High DPI: Qt 6 always scales by each screen's own factor, and its default rounding
    # policy (PassThrough) keeps 125% and 150% displays sharp; the icons come in five sizes.
    # The style sheet is drawn against Fusion on every platform.
    existing = QApplication.instance()
    if existing is None:
        # Fusion asked for on the command line Qt reads (after the user's own arguments, so
        # it wins): app.style() or setStyle() would hand Python a QStyle, whose PySide type
        # takes ~8 ms to build before the first paint (issue 17).
        args = list(argv if argv is not None else sys.argv) or ["safelog"]
        app = QApplication([*args, "-style", "Fusion"])
    else:
        app = cast(QApplication, existing)
        if app.style().name().lower() != "fusion":
            app.setStyle("Fusion")
    app.setApplicationName("SafeLog")
    app.setOrganizationName("SafeLog")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("uk.org.safelog.SafeLog")  # packaging/linux/, the app's id
    app.setWindowIcon(load_app_icon())
    theme.follow_desktop(app)  # light or dark, and text size, as the desktop has them
    if sys.platform == "win32":  # copies stay out of Win+V history and the cloud (idle_lock)
        from safelog.gui.idle_lock import keep_copies_private

        keep_copies_private(app.clipboard())
    return app  # the wheel guard comes after the first paint (AppController.open)


# -- opening the vault (in the worker) ----------------------------------------------------------


def open_vault(data_dir: str | None) -> tuple[Vault, bool]:
    """The vault for this data directory and whether it is set up. Runs off the GUI thread:
    this is where SQLAlchemy, Alembic and the crypto are first imported."""
    from safelog.vault.paths import resolve_data_dir
    from safelog.vault.vault import Vault

    vault = Vault(resolve_data_dir(data_dir))
    try:
        return vault, vault.exists()
    except BaseException:
        vault.close()
        raise


def read_names_early(data_dir: str | None) -> tuple[str, list[str]] | None:
    """The school and the sign-in names, read without the database layer where it can be
    (vault/sign_in_names.py); None otherwise. Runs off the GUI thread."""
    from safelog.vault.paths import resolve_data_dir
    from safelog.vault.sign_in_names import read_sign_in_names

    return read_sign_in_names(resolve_data_dir(data_dir))


class AppController(QObject):
    """Which window is showing: sign-in, setup wizard or main window, and locking."""

    def __init__(
        self,
        data_dir: str | None,
        runner: Runner,
        events: SessionEvents,
        *,
        clock: Callable[[], datetime] = system_clock,
        check_every_ms: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.runner = runner
        self.events = events
        self.clock = clock
        self.check_every_ms = check_every_ms
        self.context: AppContext | None = None
        self.watcher: IdleWatcher | None = None
        self.wizard: SetupWizard | None = None
        self.main_window: MainWindow | None = None
        self._last_name = ""
        self.sign_in = SignInWindow()
        self.sign_in.first_painted.connect(self.open)
        self.sign_in.reopen.connect(self.open)
        events.signed_in.connect(self._signed_in)
        events.locked.connect(self._locked)

    def start(self) -> None:
        self.sign_in.show()

    def current_window(self) -> QWidget | None:
        for window in (self.main_window, self.wizard, self.sign_in):
            if window is not None and window.isVisible():
                return window
        return None

    def open(self) -> None:
        from safelog.gui.wheel_guard import install_wheel_guard

        if self.context is None:
            data_dir = self.data_dir
            # The names first (the standard library reads them in milliseconds), then the
            # vault, whose imports take most of a second on an old PC (issue 17). Started
            # before the set-up below, so the worker reads them meanwhile.
            self.runner.run(lambda: read_names_early(data_dir), self._names_read, self._open_vault)
        app = QApplication.instance()
        if isinstance(app, QApplication):  # application-wide filters, once the window is up
            install_wheel_guard(app)
            theme.watch_font_events(app)
            theme.check_desktop_scheme(app)

    def _names_read(self, found: tuple[str, list[str]] | None) -> None:
        if found is not None and self.context is None:
            self.sign_in.show_early_names(*found)
        self._open_vault()

    def _open_vault(self, _why: object = None) -> None:
        # Whatever kept the names from being read early, opening the vault says it plainly.
        data_dir = self.data_dir
        self.runner.run(lambda: open_vault(data_dir), self._opened, self.sign_in.show_load_failure)

    def _opened(self, result: tuple[Vault, bool]) -> None:
        from safelog.gui.backup_scheduler import BackupScheduler
        from safelog.gui.context import AppContext
        from safelog.gui.idle_lock import CHECK_EVERY_MS, IdleWatcher

        vault, exists = result
        self.context = AppContext(
            vault=vault, runner=self.runner, events=self.events, clock=self.clock
        )
        self.watcher = IdleWatcher(
            self.context, self, check_every_ms=self.check_every_ms or CHECK_EVERY_MS
        )
        self.backups = BackupScheduler(self.context, self)  # daily and at sign-out, if chosen
        if exists:
            self.sign_in.attach(self.context)
        else:
            self._start_setup()

    # -- first run ---------------------------------------------------------------------------

    def _start_setup(self) -> None:
        from safelog.gui.setup_wizard import SetupWizard

        assert self.context is not None
        self.wizard = SetupWizard(self.context)
        self.wizard.keys_kept.connect(self._setup_session_ready)
        self.wizard.completed.connect(self._setup_completed)
        self.sign_in.hide()
        self.wizard.show()

    def _setup_session_ready(self, session: Session) -> None:
        # From here the setup holds an unlocked DSL session: it may lock like any other.
        assert self.context is not None and self.watcher is not None
        self.context.session = session
        self.watcher.start()

    def _setup_completed(self, session: Session) -> None:
        assert self.context is not None
        wizard, self.wizard = self.wizard, None
        if wizard is not None:
            wizard.deleteLater()
        self.context.session = session
        self.events.signed_in.emit(session)

    # -- signed in -----------------------------------------------------------------------------

    def _signed_in(self, session: Session) -> None:
        from safelog.gui.main_window import MainWindow

        assert self.context is not None and self.watcher is not None
        self._last_name = session.person.name
        self.sign_in.hide()
        if self.main_window is not None:
            self.main_window.discard()
        window = MainWindow(self.context)
        window.quit_requested.connect(self.quit)
        window.idle_minutes_changed.connect(self.watcher.set_minutes)
        self.main_window = window
        window.show()
        window.activateWindow()
        self.watcher.start()
        # Everything loaded so far lives as long as the app: take it out of the cyclic
        # collector's work, whose full passes otherwise stall the window for ~100 ms.
        gc.collect()
        gc.freeze()

        def load() -> Settings:
            from safelog.vault.settings import load_settings

            return load_settings(session)

        self.runner.run(load, lambda s: self._settings_loaded(session, s), self._settings_failed)

    def _settings_loaded(self, session: Session, settings: Settings) -> None:
        if self.context is None or self.context.session is not session:
            return  # locked meanwhile
        assert self.watcher is not None
        self.watcher.set_minutes(settings.idle_lock_minutes)
        if self.main_window is not None:
            self.main_window.set_idle_minutes(settings.idle_lock_minutes)
            if settings.problems:
                self.main_window.warn_settings_problems(settings.problems)

    def _settings_failed(self, exc: BaseException) -> None:
        # The default (5 minutes) stays in force; the fault goes to the local log only.
        log_fault(exc)

    # -- locking and quitting -------------------------------------------------------------------

    def _locked(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        # Show the sign-in window first, so closing the others never leaves none open
        # (which would quit the app).
        self.sign_in.reset(self._last_name, self.context)
        self.sign_in.show()
        self.sign_in.raise_()
        self.sign_in.activateWindow()
        # Then hide every other window at once, before any view reacts to the lock: nothing
        # may keep records on screen behind the sign-in window. Dialogs are closed with
        # done(), not reject(): reject() may ask a question ("Discard this report?"), and a
        # lock asks nothing (the report form keeps its draft sealed, vault/drafts.py).
        for widget in QApplication.topLevelWidgets():
            if widget is self.sign_in or isinstance(widget, CrashDialog):
                continue
            if not widget.isVisible():
                continue
            widget.hide()
            if isinstance(widget, QDialog) and widget is not self.wizard:
                widget.done(QDialog.DialogCode.Rejected)
        if self.main_window is not None:
            self.main_window.discard()
            self.main_window = None
        if self.wizard is not None:
            self.wizard.discard()
            self.wizard.deleteLater()
            self.wizard = None

    def shutdown(self) -> None:
        """Leaving SafeLog: drop the keys and SafeLog's clipboard, close the database."""
        from safelog.gui.idle_lock import clear_clipboard_if_ours

        if self.watcher is not None:
            self.watcher.stop()
        if self.context is not None:
            session, self.context.session = self.context.session, None
            if session is not None and not session.locked:
                session.lock()
        clear_clipboard_if_ours()
        self.runner.wait(10000)
        if self.context is not None:
            self.context.vault.close()

    def quit(self) -> None:
        self.shutdown()
        QApplication.quit()


def main(data_dir: str | None = None) -> int:
    app = create_application()
    controller = AppController(data_dir, Runner(), SessionEvents())
    previous = install_excepthook(controller.current_window)
    app.aboutToQuit.connect(controller.shutdown)
    controller.start()
    try:
        return int(app.exec())
    finally:
        sys.excepthook = previous


def run(data_dir: str | None) -> int:
    """What `safelog` with no subcommand calls (safelog.cli)."""
    return main(data_dir)
