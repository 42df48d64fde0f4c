"""The "Check a case file" dialog: is this PDF the signed case file SafeLog made, complete
and unaltered? (`safelog.export.verify.verify_case_file`, run in the worker.)

By default the signature is checked against the school CA certificate held in this vault, so
the check is independent of whatever the file carries; another CA certificate (.pem) can be
chosen, e.g. another school's. Every finding is shown in plain words, then one verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.gui.errors import error_text
from safelog.gui.export_dialog import (
    documents_folder,
    file_dialog_options,
    forget_file_dialog_history,
)
from safelog.gui.theme import set_style_property
from safelog.gui.widgets import named, plain_label

if TYPE_CHECKING:
    from safelog.export.verify import VerificationReport
    from safelog.gui.context import AppContext

TITLE = "Check a case file"
SCHOOL_CA = "The school's own certificate authority (from this SafeLog)"


class VerifyDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.ca_path: Path | None = None
        self.report: VerificationReport | None = None
        self.running = False
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        self.setModal(True)
        self.setMinimumWidth(620)

        layout = QVBoxLayout(self)
        intro = plain_label(
            "Check that a case file is the one SafeLog signed: the signature is valid, covers "
            "the whole file, was made with a certificate from the school, and every attached "
            "original matches the hash printed for it.",
            self,
        )
        named(intro, "About checking a case file")
        layout.addWidget(intro)

        grid = QGridLayout()
        self.file_field = named(QLineEdit(self), "The case file to check")
        self.file_field.setReadOnly(True)
        self.file_field.setPlaceholderText("Choose a PDF case file")
        self.file_button = named(QPushButton("Choose &file…", self), "Choose the case file")
        self.ca_field = named(QLineEdit(SCHOOL_CA, self), "The certificate authority to trust")
        self.ca_field.setReadOnly(True)
        self.ca_button = named(
            QPushButton("Other &CA…", self), "Choose another CA certificate (.pem)"
        )
        self.ca_reset = named(
            QPushButton("&School CA", self), "Use the school's own certificate authority"
        )
        self.ca_reset.setEnabled(False)
        file_label = QLabel("Case &file:", self)
        file_label.setBuddy(self.file_field)
        ca_label = QLabel("Trust &signatures from:", self)
        ca_label.setBuddy(self.ca_field)
        grid.addWidget(file_label, 0, 0)
        grid.addWidget(self.file_field, 0, 1)
        grid.addWidget(self.file_button, 0, 2)
        grid.addWidget(ca_label, 1, 0)
        grid.addWidget(self.ca_field, 1, 1)
        ca_buttons = QHBoxLayout()
        ca_buttons.addWidget(self.ca_button)
        ca_buttons.addWidget(self.ca_reset)
        grid.addLayout(ca_buttons, 1, 2)
        self.password_label = QLabel("&Password:", self)
        self.password = named(QLineEdit(self), "Password of the case file")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_label.setBuddy(self.password)
        grid.addWidget(self.password_label, 2, 0)
        grid.addWidget(self.password, 2, 1)
        self.password_label.hide()
        self.password.hide()
        layout.addLayout(grid)

        self.busy = plain_label("", self, role="muted")
        named(self.busy, "Checking")
        self.busy.hide()
        layout.addWidget(self.busy)
        self.findings = named(QPlainTextEdit(self), "What the check found")
        self.findings.setReadOnly(True)
        self.findings.setMinimumHeight(160)
        layout.addWidget(self.findings, 1)
        self.verdict = plain_label("", self)
        self.verdict.setObjectName("verdict")
        named(self.verdict, "Verdict")
        self.verdict.hide()
        layout.addWidget(self.verdict)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.check_button = named(QPushButton("C&heck", self), "Check the case file")
        self.check_button.setProperty("role", "primary")
        self.check_button.setDefault(True)
        self.check_button.setEnabled(False)
        self.close_button = named(QPushButton("Close", self), "Close")
        self.close_button.setAutoDefault(False)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.file_button.clicked.connect(self.choose_file)
        self.ca_button.clicked.connect(self.choose_ca)
        self.ca_reset.clicked.connect(self.use_school_ca)
        self.check_button.clicked.connect(self.check)
        self.close_button.clicked.connect(self.reject)

    # -- choosing -------------------------------------------------------------------------------

    def _open(self, caption: str, filters: str) -> Path | None:
        start = self.file_field.text().strip()
        folder = str(Path(start).parent) if start else str(documents_folder())
        try:
            chosen, _filter = QFileDialog.getOpenFileName(
                self, caption, folder, filters, options=file_dialog_options()
            )
        finally:
            forget_file_dialog_history()
        return Path(chosen) if chosen else None

    def choose_file(self) -> None:
        path = self._open("Choose the case file to check", "PDF files (*.pdf);;All files (*)")
        if path is not None:
            self.set_file(path)

    def set_file(self, path: Path) -> None:
        self.file_field.setText(str(path))
        self.password.clear()
        self.password_label.hide()
        self.password.hide()
        self._clear_result()
        self.check_button.setEnabled(True)

    def choose_ca(self) -> None:
        path = self._open(
            "Choose the CA certificate to trust", "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if path is not None:
            self.ca_path = path
            self.ca_field.setText(str(path))
            self.ca_reset.setEnabled(True)
            self._clear_result()

    def use_school_ca(self) -> None:
        self.ca_path = None
        self.ca_field.setText(SCHOOL_CA)
        self.ca_reset.setEnabled(False)
        self._clear_result()

    def _clear_result(self) -> None:
        self.report = None
        self.findings.clear()
        self.verdict.hide()

    # -- checking -------------------------------------------------------------------------------

    def _school_ca(self) -> bytes:
        session = self.context.session
        if session is not None and not session.locked:
            return bytes(session.directory.ca_der)
        from safelog.vault.export import school_ca_der

        return school_ca_der(self.context.vault)

    def check(self) -> None:
        if self.running or not self.file_field.text().strip():
            return
        path = Path(self.file_field.text())
        ca_path = self.ca_path
        password = self.password.text() if self.password.isVisible() else None
        vault_ca = self._school_ca if ca_path is None else None

        def work() -> VerificationReport:
            from safelog.errors import InvalidInput
            from safelog.export.verify import (
                VerificationReport,
                read_ca_certificate,
                verify_case_file,
            )

            if ca_path is not None:
                try:
                    ca = read_ca_certificate(ca_path)
                except InvalidInput as exc:
                    report = VerificationReport(cannot_check=True)
                    report.bad(str(exc))
                    return report
            else:
                assert vault_ca is not None
                ca = vault_ca()
            return verify_case_file(path, ca_pem=ca, password=password or None)

        self.running = True
        self.check_button.setEnabled(False)
        self._clear_result()
        self.busy.setText("Checking the case file…")
        self.busy.show()
        self.context.runner.run(work, self._checked, self._failed)

    def _settle(self) -> bool:
        if not shiboken6.isValid(self):
            return False
        self.running = False
        self.busy.hide()
        self.check_button.setEnabled(True)
        return True

    def _checked(self, report: VerificationReport) -> None:
        if not self._settle():
            return
        self.report = report
        self.findings.setPlainText("\n".join(f"• {line}" for line in report.lines))
        if report.ok:
            self._verdict("The case file is signed, complete and unaltered.", good=True)
        else:
            self._verdict(report.summary, good=False)
        if report.needs_password or report.wrong_password:
            self.password_label.show()
            self.password.show()
            self.password.selectAll()
            self.password.setFocus()

    def _failed(self, exc: BaseException) -> None:
        if not self._settle():
            return
        self._verdict("The case file could not be checked. " + error_text(exc), good=False)

    def _verdict(self, text: str, *, good: bool) -> None:
        mark = "✔" if good else "✘"
        self.verdict.setText(f"{mark} {text}")
        set_style_property(self.verdict, "ok", good)  # green or red, from the style sheet
        self.verdict.show()

    def launch(self) -> Any:
        """Show the dialog; the last report (or None if nothing was checked)."""
        self.exec()
        self.password.clear()
        return self.report
