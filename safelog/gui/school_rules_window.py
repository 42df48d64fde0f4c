"""The school's own rules (issue 18), for a DSL: which version is in force, who set each
one and when, and the two ways to change them: save the rules in force to a file to edit
(or to give to another school), and make an edited file the school's rules. SafeLog checks
the file (domain/school_rules.py) and says every problem in plain words; nothing changes
until all pass. The vault signs the new version; everyone has it at their next sign-in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.errors import UserFacingError
from safelog.gui.errors import error_text, explain_error
from safelog.gui.export_dialog import (
    documents_folder,
    file_dialog_options,
    forget_file_dialog_history,
)
from safelog.gui.formatting import uk_datetime
from safelog.gui.screen_fit import fit_to_screen, keep_fitting
from safelog.gui.widgets import BusyNote, named, plain_label, set_plain_text
from safelog.gui.worker import LatestOnly, run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.school_rules import RulesInForce, RulesVersion

EXPLAINED = (
    "The routes each category shows (which are required, by when, and on which paragraph) "
    "follow the five seed policies unless the school sets its own. Save the rules in force "
    "to a file, edit it (or have IT edit it), and make it the school's rules: SafeLog checks "
    "it first. No rule can let the person a concern is about read it, or let pictures into "
    "a category that refuses them."
)


class SchoolRulesDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("The school's own rules")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(EXPLAINED, self, role="muted"))
        self.history = named(QListWidget(self), "Versions of the school's rules")
        layout.addWidget(self.history, 1)
        row = QHBoxLayout()
        self.export_button = named(
            QPushButton("&Save the rules in force to a file…", self), "Save the rules to a file"
        )
        self.import_button = named(
            QPushButton("&Make a file the school's rules…", self), "Import the rules from a file"
        )
        for button in (self.export_button, self.import_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.notice = plain_label("", self, role="notice")
        named(self.notice, "Result")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.problem = plain_label("", self, role="warning")
        named(self.problem, "Problem")
        self.problem.hide()
        layout.addWidget(self.problem)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.loader = LatestOnly(context, self, self._read, self._read_failed)
        self.export_button.clicked.connect(self.export_rules)
        self.import_button.clicked.connect(self.import_rules)
        context.events.locked.connect(self.reject)
        fit_to_screen(self, 620, 460)
        keep_fitting(self)
        self.refresh()

    # -- what is in force ------------------------------------------------------------------

    def refresh(self) -> None:
        session = self.context.session
        if session is None or session.locked:
            return

        def read() -> RulesInForce:
            from safelog.vault.school_rules import read_rules

            return read_rules(session)

        self.loader.run(read)

    def lines(self) -> list[str]:
        return [self.history.item(row).text() for row in range(self.history.count())]

    def _read(self, found: RulesInForce) -> None:
        self.history.clear()
        if not found.history:
            self.history.addItem("The seed policies' rules are in force: none set yet.")
        for version in reversed(found.history):
            self.history.addItem(_line(version))
        self._say(self.problem, " ".join(found.problems))

    def _read_failed(self, exc: BaseException) -> None:
        self._say(self.problem, f"The school's rules cannot be read: {error_text(exc)}")

    # -- changing them ---------------------------------------------------------------------

    def choose_export_file(self) -> Path | None:
        """Where to save the rules (Qt's own dialog; tests patch this)."""
        try:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Save the school's rules",
                str(documents_folder() / "safelog-rules.json"),
                "Rules files (*.json)",
                options=file_dialog_options(),
            )
        finally:
            forget_file_dialog_history()
        return Path(chosen) if chosen else None

    def choose_import_file(self) -> Path | None:
        try:
            chosen, _ = QFileDialog.getOpenFileName(
                self,
                "Choose the rules file",
                str(documents_folder()),
                "Rules files (*.json);;All files (*)",
                options=file_dialog_options(),
            )
        finally:
            forget_file_dialog_history()
        return Path(chosen) if chosen else None

    def export_rules(self) -> None:
        from safelog.vault.school_rules import export_document

        path = self.choose_export_file()
        if path is None:
            return
        try:
            text = json.dumps(export_document(), indent=2, ensure_ascii=False) + "\n"
            path.write_text(text, "utf-8")
        except OSError as exc:
            self._say(self.problem, f"Could not save {path.name}: {exc.strerror}.")
            return
        self._say(self.notice, f"The rules in force were saved to {path.name}.")

    def import_rules(self) -> None:
        session = self.context.session
        if self.busy.busy or session is None or session.locked:
            return
        path = self.choose_import_file()
        if path is None:
            return
        try:
            document: Any = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            self._say(self.problem, f"{path.name} is not a rules file SafeLog can read (JSON).")
            return
        self._say(self.notice, "")
        self._say(self.problem, "")
        self.busy.start("Checking and signing the rules…")

        def work() -> RulesVersion:
            from safelog.vault.school_rules import import_rules

            return import_rules(session, document)

        run_guarded(self.context, self, work, self._imported, self._import_failed)

    def _imported(self, version: RulesVersion) -> None:
        self.busy.stop()
        changed = ", ".join(version.changed) or "none: the seed policies' rules again"
        self._say(
            self.notice,
            f"These are now the school's rules (version {version.number}; categories changed: "
            f"{changed}). Everyone has them at their next sign-in.",
        )
        self.refresh()

    def _import_failed(self, exc: BaseException) -> None:
        self.busy.stop()
        if isinstance(exc, UserFacingError):
            self._say(self.problem, str(exc))
        else:
            explain_error(self, exc)

    def _say(self, label: Any, text: str) -> None:
        set_plain_text(label, text)
        label.setVisible(bool(text))


def _line(version: RulesVersion) -> str:
    changed = ", ".join(version.changed) or "back to the seed policies"
    return f"Version {version.number}, {uk_datetime(version.at)}, by {version.by}: {changed}"
