"""The "Export case file" dialog (DESIGN §5): choose what goes in the signed PDF, where it is
saved, and watch it being made, with a progress bar and a Cancel button.

The export runs in the worker (`safelog.vault.export.export_case`), which reads the case with
the person's own keys: whoever may not read a case cannot export it, and is told so in plain
words. The window title never shows case content. The password, if one is given, is passed to
the export and forgotten with the dialog; it is never stored.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.errors import UserFacingError
from safelog.export.options import ExportCancelled, ExportOptions, ExportResult
from safelog.gui.errors import error_text
from safelog.gui.screen_fit import keep_fitting
from safelog.gui.widgets import monospace_font, named, plain_label

if TYPE_CHECKING:
    from safelog.gui.context import AppContext

TITLE = "Export case file"
ENCRYPTION_NOTE = (
    "Optional. The file is then encrypted with AES-256 and cannot be opened without the "
    "password. The password is not stored anywhere, by SafeLog or in the file: give it to "
    "the recipient separately (by phone, not in the same email). If it is lost, the file "
    "cannot be opened; export the case again."
)


def documents_folder() -> Path:
    """Where a case file is suggested to go: the person's Documents folder, or home."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(location) if location else Path.home()
    return folder if folder.is_dir() else Path.home()


def suggested_name(reference: str) -> str:
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", reference).strip("-.") or "case") + ".pdf"


def forget_file_dialog_history() -> None:
    """Qt's own file dialog remembers the folders it visited (QtProject settings); a case
    file's location is nobody else's business, so that memory is wiped after each use."""
    settings = QSettings(QSettings.Scope.UserScope, "QtProject")
    settings.beginGroup("FileDialog")
    for key in ("history", "lastVisited"):
        settings.remove(key)
    settings.endGroup()
    settings.sync()


def file_dialog_options() -> QFileDialog.Option:
    # Qt's own dialog, not the system's: the system ones add the file to "Recent files".
    return QFileDialog.Option.DontUseNativeDialog


def ask_where_to_save_pdf(parent: QWidget | None, title: str, file_name: str) -> Path | None:
    """Qt's own save dialog for a PDF, suggested in Documents, leaving no trail of where it
    was saved; None when the person cancels."""
    try:
        chosen, _ = QFileDialog.getSaveFileName(
            parent, title, str(documents_folder() / file_name), "PDF (*.pdf)",
            options=file_dialog_options(),
        )  # fmt: skip
    finally:
        forget_file_dialog_history()
    return Path(chosen) if chosen else None


def describe_result(result: ExportResult) -> str:
    pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
    if result.attachments:
        originals = (
            f"{result.attachments} original file{'s' if result.attachments != 1 else ''} attached"
        )
    else:
        originals = "no original files attached"
    stamp = (
        "with a trusted timestamp"
        if result.timestamped
        else "without a trusted timestamp (the time is the one on this computer)"
    )
    lines = [f"Saved and signed by {result.signer}: {pages}, {originals}, {stamp}."]
    lines.extend(result.messages)
    return "\n".join(lines)


class ExportDialog(QDialog):
    def __init__(self, context: AppContext, reference: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.reference = reference
        self.written: Path | None = None
        self.running = False
        self._cancel = threading.Event()
        self._close_when_settled = False
        self._step_text = ""
        self.setWindowTitle(TITLE)  # never case content
        self.setAccessibleName(TITLE)
        self.setModal(True)
        self.setMinimumWidth(560)

        layout = QVBoxLayout(self)
        intro = plain_label(
            f"Make a signed PDF of case {reference}, for a hearing, the LADO or the police. "
            "It is marked OFFICIAL-SENSITIVE: keep it as safe as the case itself.",
            self,
        )
        named(intro, "About the case file")
        layout.addWidget(intro)

        self.include_images = named(
            QCheckBox("Include evidence &images", self), "Include evidence images"
        )
        self.include_images.setChecked(True)
        self.embed_originals = named(
            QCheckBox("Attach the &original files", self),
            "Attach the original files",
            "Every original is attached byte for byte; its SHA-256 is printed in the file.",
        )
        self.embed_originals.setChecked(True)
        self.pseudonymise = named(
            QCheckBox("&Replace other pupils' names (Pupil A, Pupil B…)", self),
            "Replace other pupils' names (Pupil A, Pupil B…)",
        )
        for box in (self.include_images, self.embed_originals, self.pseudonymise):
            layout.addWidget(box)

        form = QFormLayout()
        self.password = named(QLineEdit(self), "Password for the case file (optional)")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = named(QLineEdit(self), "Type the password again")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Password (optional):", self.password)
        form.addRow("Password a&gain:", self.confirm)
        for field in (self.password, self.confirm):
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setBuddy(field)
        layout.addLayout(form)
        note = plain_label(ENCRYPTION_NOTE, self, role="muted")
        named(note, "About the password")
        layout.addWidget(note)

        where = QHBoxLayout()
        self.path_field = named(QLineEdit(self), "Where the case file will be saved")
        self.path_field.setReadOnly(True)
        self.path_field.setPlaceholderText("Choose where to save it")
        self.choose_button = named(
            QPushButton("&Save as…", self), "Choose where to save the case file"
        )
        self.choose_button.setAutoDefault(False)
        where.addWidget(self.path_field, 1)
        where.addWidget(self.choose_button)
        layout.addLayout(where)

        self.step = plain_label("", self, role="muted")
        named(self.step, "What the export is doing")
        self.progress = named(QProgressBar(self), "Export progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.step.hide()
        self.progress.hide()
        layout.addWidget(self.step)
        layout.addWidget(self.progress)

        self.error = plain_label("", self, role="warning")
        named(self.error, "Problem")
        self.error.hide()
        layout.addWidget(self.error)
        self.result_line = plain_label("", self, selectable=True)
        named(self.result_line, "Export result")
        self.result_line.hide()
        layout.addWidget(self.result_line)
        # One unbroken line: a checksum someone reads out or compares must be whole.
        self.sha_line = plain_label("", self, selectable=True, wrap=False)
        self.sha_line.setFont(monospace_font())
        named(self.sha_line, "SHA-256 of the case file")
        self.sha_line.hide()
        layout.addWidget(self.sha_line)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.export_button = named(QPushButton("&Export", self), "Export the case file")
        self.export_button.setProperty("role", "primary")
        self.export_button.setDefault(True)
        self.cancel_button = named(QPushButton("Cancel", self), "Cancel")
        self.cancel_button.setAutoDefault(False)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

        self.choose_button.clicked.connect(self.choose_path)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self._cancel_clicked)
        context.events.locked.connect(self._locked)
        # Grow with the lines that appear (progress, result), never squash the wrapped notes.
        keep_fitting(self)

    # -- choosing -------------------------------------------------------------------------------

    def choose_path(self) -> Path | None:
        current = self.path_field.text().strip()
        suggestion = current or str(documents_folder() / suggested_name(self.reference))
        try:
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                "Save the case file as",
                suggestion,
                "PDF files (*.pdf)",
                options=file_dialog_options(),
            )
        finally:
            forget_file_dialog_history()
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        self.path_field.setText(str(path))
        return path

    def options(self) -> ExportOptions:
        return ExportOptions(
            include_images=self.include_images.isChecked(),
            embed_originals=self.embed_originals.isChecked(),
            pseudonymise=self.pseudonymise.isChecked(),
            password=self.password.text() or None,
        )

    # -- exporting ------------------------------------------------------------------------------

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def start_export(self) -> None:
        if self.running:
            return
        self.error.hide()
        if self.password.text() != self.confirm.text():
            self._show_error("The two passwords are not the same. Type them again.")
            self.confirm.clear()
            self.confirm.setFocus()
            return
        session = self.context.session
        if session is None or session.locked:
            self._show_error("SafeLog is locked. Sign in again.")
            return
        path = Path(self.path_field.text()) if self.path_field.text().strip() else None
        if path is None:
            path = self.choose_path()
            if path is None:
                return
        options = self.options()
        reference = self.reference
        cancel = self._cancel
        cancel.clear()

        def work(report: Any) -> ExportResult:
            from safelog.vault.export import export_case

            def progress(done: int, total: int, what: str) -> None:
                self._step_text = what
                report(done, total)

            # The file dialog already asked before replacing an existing file.
            return export_case(
                session,
                reference,
                path,
                options,
                progress=progress,
                cancel=cancel.is_set,
                overwrite=True,
            )

        self._set_running(True)
        self.step.setText("Starting the export…")
        task = self.context.runner.run(work, self._done, self._failed, with_progress=True)
        task.progress.connect(self._progressed)

    def _set_running(self, running: bool) -> None:
        self.running = running
        for widget in (
            self.include_images,
            self.embed_originals,
            self.pseudonymise,
            self.password,
            self.confirm,
            self.choose_button,
            self.export_button,
        ):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setAccessibleName("Cancel the export" if running else "Cancel")
        self.step.setVisible(running)
        self.progress.setVisible(running)
        if running:
            self.progress.setRange(0, 0)
            self.result_line.hide()
            self.sha_line.hide()

    def _progressed(self, done: int, total: int) -> None:
        if not shiboken6.isValid(self) or not self.running:
            return
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if self._step_text and not self._cancel.is_set():
            self.step.setText(self._step_text + "…")

    def _done(self, result: ExportResult) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_running(False)
        self.written = result.path
        self.password.clear()
        self.confirm.clear()
        self.result_line.setText(describe_result(result))
        self.result_line.show()
        self.sha_line.setText(f"SHA-256: {result.sha256}")
        self.sha_line.show()
        self.export_button.setEnabled(False)
        self.cancel_button.setText("Close")
        self.cancel_button.setAccessibleName("Close")
        if self._close_when_settled:
            self.accept()

    def _failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_running(False)
        if isinstance(exc, ExportCancelled):
            self._show_error("The export was cancelled. No file was written.")
        elif isinstance(exc, UserFacingError):
            self._show_error("The case file was not made. " + str(exc))
        else:
            self._show_error("The case file was not made. " + error_text(exc))
        if self._close_when_settled:
            super().reject()

    def _locked(self) -> None:
        if self.running:
            self._cancel.set()
        self.password.clear()
        self.confirm.clear()

    def stop(self) -> None:
        """Ask the running export to stop; it does at its next step, leaving nothing behind."""
        if self.running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.step.setText("Stopping the export…")

    def _cancel_clicked(self) -> None:
        if self.running:
            self.stop()
        else:
            self.reject()

    def reject(self) -> None:
        """Escape, or closing the window: while exporting, stop the export first;
        the dialog closes once it has stopped and nothing is left behind."""
        if self.running:
            self._close_when_settled = True
            self.stop()
            return
        super().reject()

    def launch(self) -> str | None:
        """Show the dialog; the path of the case file written, or None."""
        self.exec()
        self.password.clear()
        self.confirm.clear()
        return str(self.written) if self.written is not None else None
