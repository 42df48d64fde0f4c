"""Start the desktop app: for now a window that says where the vault is and whether it is set
up. The full sign-in, inbox and case workspace arrive with the desktop-app issue."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget


class StatusWindow(QMainWindow):
    def __init__(self, heading: str, detail: str) -> None:
        super().__init__()
        self.setWindowTitle("SafeLog")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        title = QLabel(heading, body)
        title.setObjectName("heading")
        title.setStyleSheet("font-size: 18pt; font-weight: 600;")
        text = QLabel(detail, body)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addStretch(1)
        self.setCentralWidget(body)
        self.resize(560, 260)


def describe_vault(data_dir: str | None) -> tuple[str, str]:
    from safelog.errors import UserFacingError
    from safelog.vault.paths import resolve_data_dir
    from safelog.vault.vault import Vault

    path = resolve_data_dir(data_dir)
    vault = Vault(path)
    try:
        if not vault.exists():
            return (
                "SafeLog is not set up yet",
                f"There is no vault in {path}.\n\nThe DSL can create one with:\n"
                '  safelog init --school "School name" --name "Your name"',
            )
        return (
            f"SafeLog — {vault.school_name()}",
            f"The vault in {path} is set up. Sign in and case management in this window "
            "are not available in this version; use the safelog command.",
        )
    except UserFacingError as exc:
        return ("SafeLog cannot open its vault", str(exc))
    finally:
        vault.close()


def run(data_dir: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    heading, detail = describe_vault(data_dir)
    window = StatusWindow(heading, detail)
    window.show()
    return int(app.exec())
