"""The "Something went wrong" dialog and the exception hook that shows it.

The details say where SafeLog's code failed (exception type, file:line:function, from
safelog.diagnostics) and never the exception's message or any local values: those could
quote a record. Nothing is uploaded; the user may copy the details and send them on.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6 import QtCore
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog import __version__
from safelog.errors import UserFacingError
from safelog.gui.widgets import monospace_font, plain_label

INTRO = (
    "SafeLog ran into a problem it did not expect. What you saved before this is safe; "
    "what you were doing at the moment may not have been saved.\n\n"
    "If this keeps happening, copy the details below and send them to whoever looks after "
    "SafeLog at your school. They say where in SafeLog's own code the problem happened and "
    "never contain anything you typed or any record."
)


def fault_details(exc: BaseException) -> str:
    import platform

    from safelog.diagnostics import describe_fault

    return (
        f"SafeLog {__version__}, Python {platform.python_version()}, Qt {QtCore.qVersion()}, "
        f"{platform.system()} {platform.release()}\n" + describe_fault(exc)
    )


class CrashDialog(QDialog):
    def __init__(self, exc: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SafeLog — Something went wrong")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        heading = QLabel("Something went wrong", self)
        heading.setObjectName("heading")
        layout.addWidget(heading)
        layout.addWidget(plain_label(INTRO, self))

        label = QLabel("&Details:", self)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setFont(monospace_font())
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setPlainText(fault_details(exc))
        self.details.setAccessibleName("Details of the problem")
        self.details.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
            | QtCore.Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        label.setBuddy(self.details)
        layout.addWidget(label)
        layout.addWidget(self.details, 1)

        row = QHBoxLayout()
        self.copy_button = QPushButton("&Copy details", self)
        self.copy_button.setAccessibleName("Copy the details to the clipboard")
        self.copy_button.clicked.connect(self.copy_details)
        self.copied = plain_label("", self, role="muted")
        close = QPushButton("C&lose", self)
        close.setAccessibleName("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        row.addWidget(self.copy_button)
        row.addWidget(self.copied, 1)
        row.addWidget(close)
        layout.addLayout(row)
        close.setFocus()

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copied.setText("Copied.")

    def launch(self) -> None:
        self.exec()


def log_fault(exc: BaseException) -> None:
    """Note the fault in the local log: where, never what."""
    from safelog.diagnostics import log_exception

    with contextlib.suppress(OSError):  # a full disk must not turn one problem into two
        log_exception(exc)


def report_fault(exc: BaseException, parent: QWidget | None = None) -> None:
    """Log the fault and show the crash dialog."""
    log_fault(exc)
    CrashDialog(exc, parent).launch()


def install_excepthook(
    parent: Callable[[], QWidget | None] = lambda: None,
) -> Callable[[type[BaseException], BaseException, TracebackType | None], object]:
    """Show uncaught exceptions in the crash dialog (or, for a UserFacingError, its own plain
    message) instead of printing them: a printed traceback would carry the message, which
    may quote a record, into a terminal or the system journal. Returns the previous hook."""
    previous = sys.excepthook
    showing = False

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        if exc.__traceback__ is None and tb is not None:
            exc = exc.with_traceback(tb)
        if showing or QApplication.instance() is None:
            log_fault(exc)
            return
        showing = True
        try:
            if isinstance(exc, UserFacingError):
                from safelog.gui.dialogs import tell

                tell(parent(), "Cannot do that", str(exc), warning=True)
            else:
                report_fault(exc, parent())
        finally:
            showing = False

    sys.excepthook = hook
    return previous
