"""The two recovery keys: shown once on the setup wizard's page, and printed on a sheet with
one key per page, so that each can be kept in its own place."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from safelog.gui.widgets import monospace_font, plain_label

SCHOOL_KEY_HOME = "Keep it in the school safe."
GOVERNORS_KEY_HOME = (
    "Give it to the clerk to the governors or to the trust. Never keep it where the "
    "headteacher can reach it: it opens concerns about the headteacher."
)


def recovery_sheet_html(school: str, made_on: str, school_key: str, governors_key: str) -> str:
    """One page per key, so each can be kept in its own place."""

    def page(title: str, where: str, key: str, first: bool) -> str:
        style = "" if first else ' style="page-break-before: always"'
        return (
            f"<div{style}>"
            f"<h1>SafeLog recovery key</h1>"
            f"<p><b>School:</b> {html.escape(school)}<br><b>Made on:</b> {made_on}</p>"
            f"<h2>{title}</h2><p>{html.escape(where)}</p>"
            f'<p style="font-family: monospace; font-size: 16pt; font-weight: bold">'
            f"{_two_lines(key)}</p>"
            "<p>An administrator uses this key in SafeLog to restore access when someone "
            "has forgotten their passphrase. Anyone who holds it can restore the roles it "
            "covers, so keep it locked away and do not photograph or email it.</p>"
            "</div>"
        )

    return (
        "<html><body>"
        + page("School recovery key", SCHOOL_KEY_HOME, school_key, True)
        + page("Governors' recovery key", GOVERNORS_KEY_HOME, governors_key, False)
        + "</body></html>"
    )


def _two_lines(key: str) -> str:
    """A key as two lines broken between groups, never in the middle of one; SafeLog
    ignores the line break and hyphens when the key is typed back in."""
    groups = key.split("-")
    half = (len(groups) + 1) // 2
    first, second = "-".join(groups[:half]), "-".join(groups[half:])
    return html.escape(first + ("-" if second else "")) + "<br>" + html.escape(second)


class RecoverySheetPrinter:
    """Prints the sheet through the system's print dialog, which also offers saving it as a
    PDF where the user chooses (never a temporary file of ours)."""

    def __init__(self, parent: QWidget | None, sheet_html: str) -> None:
        self.parent = parent
        self.sheet_html = sheet_html

    def launch(self) -> bool:
        """True if the sheet went to the printer (or to the file the user picked)."""
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName("SafeLog recovery keys")
        dialog = QPrintDialog(printer, self.parent)
        dialog.setWindowTitle("SafeLog — Print recovery sheet")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        document = QTextDocument()
        document.setHtml(self.sheet_html)
        document.print_(printer)
        return True


class RecoveryPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Your two recovery keys")
        self.setSubTitle("SafeLog shows them now and never again.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Continue")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "If someone forgets their passphrase, an administrator restores their access "
                "with one of these keys. Print the sheet (one key per page) or write both "
                "down, and keep each in its own place.",
                self,
            )
        )
        self.school_key = self._key_box(layout, "School recovery key", SCHOOL_KEY_HOME)
        self.governors_key = self._key_box(layout, "Governors' recovery key", GOVERNORS_KEY_HOME)
        row = QHBoxLayout()
        self.print_button = QPushButton("&Print recovery sheet…", self)
        self.print_button.setAccessibleName("Print recovery sheet")
        self.print_button.setAutoDefault(False)
        row.addWidget(self.print_button)
        self.printed = plain_label("", self, role="muted")
        row.addWidget(self.printed, 1)
        layout.addLayout(row)
        layout.addSpacing(8)
        self.kept = QCheckBox("I have printed or &written down both keys", self)
        self.kept.setAccessibleName("I have printed or written down both keys")
        self.kept.toggled.connect(self.completeChanged)
        layout.addWidget(self.kept)
        layout.addStretch(1)

    def _key_box(self, layout: QVBoxLayout, title: str, where: str) -> QLabel:
        box = QGroupBox(title, self)
        inner = QVBoxLayout(box)
        inner.addWidget(plain_label(where, box, role="muted"))
        key = plain_label("", box)
        font = monospace_font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        key.setFont(font)
        key.setWordWrap(False)
        key.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        key.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        key.setAccessibleName(title)
        inner.addWidget(key)
        layout.addWidget(box)
        return key

    def show_keys(self, school_key: str, governors_key: str) -> None:
        self.school_key.setText(school_key)
        self.governors_key.setText(governors_key)

    def forget_keys(self) -> None:
        self.school_key.setText("")
        self.governors_key.setText("")

    def isComplete(self) -> bool:
        return self.kept.isChecked()
