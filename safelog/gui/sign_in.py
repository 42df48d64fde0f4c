"""The sign-in window: choose your name, type your passphrase.

It is the first thing SafeLog shows, so it is built from PySide6 alone and painted before
the vault is opened (the database and crypto machinery load in the worker afterwards). It
also paints before PySide6 builds its `Qt` enum tables (some 20 ms on first access): labels
here carry our own words until then, and take plain-text format (set_plain_text) before the
first text that came from the database or an error message.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.errors import TooManyAttempts, UserFacingError, WrongPassphrase
from safelog.gui.caps_lock import CapsLockWatch
from safelog.gui.widgets import BusyNote, set_plain_text

if TYPE_CHECKING:
    from datetime import datetime

    from safelog.gui.context import AppContext
    from safelog.vault.session import Session

ACTIVE = "active"  # safelog.vault.directory.ENROLLED
TICK_MS = 250
WHAT_TO_DO_IF_FORGOTTEN = (
    "Nobody can tell you your passphrase: SafeLog does not keep it anywhere, so it cannot "
    "be looked up or sent to you.\n\n"
    "Ask whoever looks after SafeLog at your school (an administrator, often the business "
    "manager or the DSL). With the school's recovery key they give you a new enrolment "
    "code; then choose \u201cI have an enrolment code\u201d here and pick a new passphrase. "
    "The reports you have sent stay with your DSL.\n\n"
    "Guessing again and again only makes SafeLog wait longer between tries."
)
LOAD_FAILED = (
    "SafeLog cannot open its database. Check that this computer can reach it, then try "
    "again. If it keeps happening, tell whoever looks after SafeLog at your school."
)


def _load_people(context: AppContext) -> tuple[str, list[str]]:
    vault = context.vault
    names = [name for name, status in vault.user_names() if status == ACTIVE]
    return vault.school_name(), names


class SignInWindow(QWidget):
    """Emits `signed_in(session)` (and context.events.signed_in) once unlocked."""

    signed_in = Signal(object)
    first_painted = Signal()
    ready = Signal()  # the list of names is shown
    reopen = Signal()  # "Try again" before any vault could be opened

    def __init__(self, context: AppContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context: AppContext | None = None
        self._painted = False
        self._preferred = ""
        # Names shown before the vault has opened (show_early_names): a sign-in asked for
        # meanwhile waits in `_pending` for `attach`.
        self._early = False
        self._pending: tuple[str, str] | None = None
        self._retry_at: datetime | None = None
        self.setWindowTitle("SafeLog — Sign in")
        self.setObjectName("signIn")
        self._build()
        self._countdown = QTimer(self)
        self._countdown.setInterval(TICK_MS)
        self._countdown.timeout.connect(self._tick)
        self.resize(500, 380)
        self._set_opening(announce=False)  # announced once painted
        if context is not None:
            self.attach(context)

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 28, 32, 20)

        top = QHBoxLayout()
        logo = QLabel(self)
        icon = QApplication.windowIcon()
        if not icon.isNull():
            logo.setPixmap(icon.pixmap(56, 56))
        logo.setAccessibleName("SafeLog logo")
        top.addWidget(logo)
        titles = QVBoxLayout()
        heading = QLabel("Sign in to SafeLog", self)
        heading.setObjectName("heading")
        self.school = self._label("", "muted")  # from the database: set_plain_text
        self.school.setAccessibleName("School")
        titles.addWidget(heading)
        titles.addWidget(self.school)
        top.addLayout(titles, 1)
        outer.addLayout(top)
        outer.addSpacing(12)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QComboBox(self)
        self.name.setAccessibleName("Your name")
        self.name.setMinimumContentsLength(18)
        # No name is chosen for you: a wrong guess would count failed tries against a
        # colleague and slow their next sign-in. After a lock, the last person is chosen.
        self.name.setPlaceholderText("Choose your name")
        self.name.currentIndexChanged.connect(self._update_button)
        name_label = QLabel("Your &name:", self)
        name_label.setBuddy(self.name)
        form.addRow(name_label, self.name)

        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.returnPressed.connect(self.submit)
        self.passphrase.textChanged.connect(self._update_button)
        pass_label = QLabel("&Passphrase:", self)
        pass_label.setBuddy(self.passphrase)
        form.addRow(pass_label, self.passphrase)
        outer.addLayout(form)

        self.caps = self._label(
            "Caps Lock is on: your passphrase may come out in capitals.", "warning"
        )
        self.caps.setAccessibleName("Caps Lock warning")
        self.caps.setVisible(False)
        self.caps_watch = CapsLockWatch(self.passphrase)
        self.caps_watch.changed.connect(self._show_caps)
        outer.addWidget(self.caps)

        self.message = self._label("", "warning")  # may quote an error: set_plain_text
        self.message.setAccessibleName("Message")
        self.message.setVisible(False)
        outer.addWidget(self.message)

        self.busy = BusyNote(self)
        outer.addWidget(self.busy)

        buttons = QHBoxLayout()
        self.retry = QPushButton("&Try again", self)
        self.retry.setAccessibleName("Try opening the database again")
        self.retry.clicked.connect(self._reload)
        self.retry.setVisible(False)
        self.button = QPushButton("&Sign in", self)
        self.button.setAccessibleName("Sign in")
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        self.button.setProperty("role", "primary")
        self.button.clicked.connect(self.submit)
        buttons.addWidget(self.retry)
        buttons.addStretch(1)
        buttons.addWidget(self.button)
        outer.addLayout(buttons)
        outer.addStretch(1)

        rule = QFrame(self)
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        outer.addWidget(rule)
        bottom = QHBoxLayout()
        bottom.addWidget(self._label("New to SafeLog?", "muted"))
        self.enrol_button = QPushButton("I have an &enrolment code", self)
        self.enrol_button.setAccessibleName("I have an enrolment code")
        self.enrol_button.setAutoDefault(False)
        self.enrol_button.clicked.connect(self.enrol)
        bottom.addWidget(self.enrol_button)
        bottom.addStretch(1)
        self.forgot_button = QPushButton("&Forgot your passphrase?", self)
        self.forgot_button.setAccessibleName("Forgot your passphrase?")
        self.forgot_button.setAutoDefault(False)
        self.forgot_button.setFlat(True)
        self.forgot_button.clicked.connect(self.forgot_passphrase)
        bottom.addWidget(self.forgot_button)
        outer.addLayout(bottom)

        self.setTabOrder(self.name, self.passphrase)
        self.setTabOrder(self.passphrase, self.button)
        self.setTabOrder(self.button, self.enrol_button)
        self.setTabOrder(self.enrol_button, self.forgot_button)

    def _label(self, text: str, role: str) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setProperty("role", role)
        return label

    # -- painting first, then the vault ---------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # Queued, so whatever starts next runs after this paint has reached the screen.
            QTimer.singleShot(0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        # What comes next first: the app's worker starts reading the names while this
        # thread shows the note (its plain-text label builds PySide's `Qt` enums, ~22 ms).
        self.first_painted.emit()
        if self.name.count() == 0 and not self.message.isVisible() and not self.busy.busy:
            self.busy.start("Opening SafeLog…")

    def _set_opening(self, announce: bool = True) -> None:
        self._early = False
        self._pending = None
        self.name.clear()
        self.name.setEnabled(False)
        self.passphrase.setEnabled(False)
        self.enrol_button.setEnabled(False)
        if announce:
            self.busy.start("Opening SafeLog…")
        self._update_button()

    def attach(self, context: AppContext) -> None:
        """Use this vault; loads the names off the GUI thread."""
        self.context = context
        if not self._early:
            self._reload()
            return
        # The names are on screen already: read them again from the vault without taking
        # them away, and sign in if that was asked for meanwhile.
        context.runner.run(lambda: _load_people(context), self._people_loaded, self._load_failed)
        pending, self._pending = self._pending, None
        if pending is not None:
            self._unlock(*pending)
        self._update_button()

    def show_early_names(self, school: str, names: list[str]) -> None:
        """The names read before the vault opened (vault/sign_in_names.py): choose a name and
        type the passphrase meanwhile; signing in waits for `attach`."""
        if self.context is not None or not names:
            return
        self._people_loaded((school, names))
        self._early = True
        self.enrol_button.setEnabled(False)  # enrolling needs the vault
        self._update_button()

    def _reload(self) -> None:
        self.retry.setVisible(False)
        self._show_message("")
        self._set_opening()
        if self.context is None:
            self.reopen.emit()
            return
        context = self.context
        context.runner.run(lambda: _load_people(context), self._people_loaded, self._load_failed)

    def show_load_failure(self, exc: BaseException) -> None:
        """The vault could not be opened at all (the app calls this too)."""
        self._load_failed(exc)

    def _load_failed(self, exc: BaseException) -> None:
        if self._early:  # names read early, but the vault cannot open: nobody can sign in
            self._set_opening(announce=False)
        self.busy.stop()
        if not isinstance(exc, UserFacingError):
            from safelog.gui.crash_dialog import log_fault

            log_fault(exc)
        text = str(exc) if isinstance(exc, UserFacingError) else LOAD_FAILED
        self._show_message(text)
        self.retry.setVisible(True)
        self._update_button()

    def _people_loaded(self, result: tuple[str, list[str]]) -> None:
        school, names = result
        again = self._early  # the vault's names, after the early ones: keep what was chosen
        self._early = False
        set_plain_text(self.school, school)
        self.setWindowTitle(f"SafeLog — {school}")
        if again and self.name.currentIndex() >= 0:
            self._preferred = self.name.currentText()
        if not again or names != self.names():
            self.name.clear()
            self.name.addItems(names)
            self.name.setCurrentIndex(
                names.index(self._preferred) if self._preferred in names else -1
            )
        if not names:
            self._show_message(
                "Nobody has finished enrolling yet. If you were given an enrolment code, "
                "use the button below."
            )
        if again and self.busy.busy:  # signing in already: the fields come back after it
            return
        self.busy.stop()
        self.name.setEnabled(bool(names))
        self.passphrase.setEnabled(bool(names))
        self.enrol_button.setEnabled(True)
        self._update_button()
        if again:
            return
        if self.name.currentIndex() >= 0:
            self.passphrase.setFocus()
        elif names:
            self.name.setFocus()
        self.ready.emit()

    def reset(self, preferred_name: str = "", context: AppContext | None = None) -> None:
        """Back to a clean state after a lock: no passphrase, no messages, fresh names."""
        if context is not None:
            self.context = context
        self._preferred = preferred_name
        self.passphrase.clear()
        self._stop_countdown()
        self._show_message("")
        self._reload()

    def names(self) -> list[str]:
        return [self.name.itemText(i) for i in range(self.name.count())]

    # -- signing in ------------------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        set_plain_text(self.message, text)
        self.message.setVisible(bool(text))
        self._grow_to_fit()

    def _show_caps(self, on: bool) -> None:
        self.caps.setVisible(on)
        self._grow_to_fit()

    def _grow_to_fit(self) -> None:
        # Taller when a message appears, rather than squashing the fields to make room.
        wanted = self.sizeHint().height()
        if self.isVisible() and self.height() < wanted:
            self.resize(self.width(), wanted)

    def _update_button(self) -> None:
        ready = (
            (self.context is not None or self._early)
            and not self.busy.busy
            and self._retry_at is None
            and self.name.currentIndex() >= 0
            and bool(self.passphrase.text())
        )
        self.button.setEnabled(ready)

    def submit(self) -> None:
        if not self.button.isEnabled():
            return
        name = self.name.currentText()
        passphrase = self.passphrase.text()
        self.passphrase.clear()
        self._show_message("")
        self._set_busy(True)
        self._preferred = name
        if self.context is None:
            self._pending = (name, passphrase)  # the vault is still opening: see `attach`
            return
        self._unlock(name, passphrase)

    def _unlock(self, name: str, passphrase: str) -> None:
        assert self.context is not None
        context = self.context
        context.runner.run(
            lambda: context.vault.unlock(name, passphrase), self._unlocked, self._failed
        )

    def _set_busy(self, busy: bool) -> None:
        if busy:
            self.busy.start("Checking your passphrase…")
        else:
            self.busy.stop()
        self.name.setEnabled(not busy)
        self.passphrase.setEnabled(not busy)
        self.enrol_button.setEnabled(not busy)
        self._update_button()

    def _unlocked(self, session: Session) -> None:
        self._set_busy(False)
        self.finish_sign_in(session)

    def finish_sign_in(self, session: Session) -> None:
        assert self.context is not None
        self.context.session = session
        self.context.touch()
        self.signed_in.emit(session)
        self.context.events.signed_in.emit(session)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.passphrase.setFocus()
        if isinstance(exc, TooManyAttempts):
            self._start_countdown(exc.wait_seconds)
        elif isinstance(exc, WrongPassphrase):
            self._show_message(
                f"That passphrase is not right for {self.name.currentText()}. "
                "Check the name and Caps Lock, then try again."
            )
        elif isinstance(exc, UserFacingError):
            self._show_message(str(exc))
        else:
            from safelog.gui.crash_dialog import report_fault

            report_fault(exc, self)

    # -- slower retries ----------------------------------------------------------------------

    def _start_countdown(self, seconds: float) -> None:
        from datetime import timedelta  # not needed before the first paint

        assert self.context is not None
        self._retry_at = self.context.clock() + timedelta(seconds=seconds)
        self._tick()
        self._countdown.start()

    def _stop_countdown(self) -> None:
        self._countdown.stop()
        self._retry_at = None
        self._update_button()

    def seconds_to_wait(self) -> int:
        if self._retry_at is None or self.context is None:
            return 0
        return max(0, math.ceil((self._retry_at - self.context.clock()).total_seconds()))

    def _tick(self) -> None:
        left = self.seconds_to_wait()
        if left <= 0:
            self._stop_countdown()
            self._show_message("You can try again now.")
            return
        unit = "second" if left == 1 else "seconds"
        self._show_message(
            f"Too many wrong passphrases. To keep the records safe, SafeLog waits before "
            f"the next try: {left} {unit}."
        )
        self._update_button()

    # -- enrolling ---------------------------------------------------------------------------

    def forgot_passphrase(self) -> None:
        from safelog.gui.dialogs import tell  # its message boxes load after the first paint

        tell(self, "Forgot your passphrase?", WHAT_TO_DO_IF_FORGOTTEN)

    def enrol(self) -> None:
        if self.context is None:
            return
        from safelog.gui.enrol_dialog import EnrolDialog

        session = EnrolDialog(self.context, self).launch()
        if session is not None:
            self.finish_sign_in(session)
