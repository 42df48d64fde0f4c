"""Backups… (Records menu, for the DSL and the admin): where this PC's backups go (a USB
drive or a network share), when they are made (daily, at sign-out), how many are kept, and
"Back up now", with what happened last. The work is safelog/backup/schedule.py, in the
worker: the window stays usable while a large vault is copied."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from safelog.backup.schedule import (
    MAX_KEEP,
    MIN_KEEP,
    BackupPlan,
    back_up_now,
    backups_in,
    load_plan,
    set_plan,
    warning,
)
from safelog.errors import UserFacingError
from safelog.gui.errors import error_text
from safelog.gui.export_dialog import file_dialog_options, forget_file_dialog_history
from safelog.gui.formatting import uk_datetime
from safelog.gui.widgets import named, plain_label
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.backup.make import BackupMade
    from safelog.gui.context import AppContext

EXPLAINED = (
    "A backup is one file holding all the records and every evidence file, still encrypted: "
    "it needs no passphrase to make, and reveals nothing without one. Keep it away from this "
    "PC (a USB drive locked away, or the school's network share), so that a stolen or broken "
    "computer loses nothing. To restore on a new PC: safelog restore FILE --data-dir DIR."
)


class BackupsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.busy = False
        self.setWindowTitle("Backups")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(EXPLAINED, self, role="muted"))

        form = QFormLayout()
        folder_row = QHBoxLayout()
        self.folder = named(QLineEdit(self), "Backup folder")
        self.folder.setPlaceholderText("Choose a USB drive or a network share")
        folder_row.addWidget(self.folder, 1)
        self.choose_button = named(QPushButton("&Choose…", self), "Choose the backup folder")
        self.choose_button.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.choose_button)
        form.addRow("Backup &folder", folder_row)
        self.daily = named(QCheckBox("Back up once a &day while SafeLog is open", self), "Daily")
        self.at_sign_out = named(QCheckBox("Back up when someone &signs out", self), "Sign-out")
        form.addRow("", self.daily)
        form.addRow("", self.at_sign_out)
        self.keep = named(QSpinBox(self), "How many backups to keep")
        self.keep.setRange(MIN_KEEP, MAX_KEEP)
        self.keep.setSuffix(" backups")
        form.addRow("&Keep the last", self.keep)
        layout.addLayout(form)

        self.status = plain_label("", self, selectable=True)
        named(self.status, "The last backup")
        layout.addWidget(self.status)
        self.error = plain_label("", self, role="error", selectable=True)
        self.error.hide()
        layout.addWidget(self.error)

        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(
            "&Save settings", QDialogButtonBox.ButtonRole.ApplyRole
        )
        named(self.save_button, "Save the backup settings")
        self.save_button.clicked.connect(self.save)
        self.now_button = buttons.addButton("&Back up now", QDialogButtonBox.ButtonRole.ActionRole)
        named(self.now_button, "Back up now")
        self.now_button.clicked.connect(self.back_up)
        close = named(buttons.addButton(QDialogButtonBox.StandardButton.Close), "Close")
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, self.sizeHint().height())
        self.show_plan(load_plan(self.context.vault.data_dir))

    # -- showing ---------------------------------------------------------------------

    def show_plan(self, plan: BackupPlan) -> None:
        self.folder.setText(plan.folder)
        self.daily.setChecked(plan.daily)
        self.at_sign_out.setChecked(plan.at_sign_out)
        self.keep.setValue(plan.keep)
        self.show_status(plan)

    def show_status(self, plan: BackupPlan) -> None:
        lines = []
        if plan.last_good is not None:
            good = plan.last_good
            lines.append(
                f"Last good backup: {uk_datetime(datetime.fromisoformat(good.at))}, "
                f"{good.file} ({good.size:,} bytes), fingerprint {good.sha256[:16]}…"
            )
        if plan.configured:
            kept = backups_in(Path(plan.folder))
            lines.append(f"{len(kept)} backup file(s) in the folder now.")
        problem = warning(plan, self.context.clock())
        if problem:
            lines.append(problem)
        self.status.setText("\n".join(lines) or "No backup has been made on this PC yet.")
        self.status.setProperty("role", "warning" if problem else "")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def say_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # -- doing -----------------------------------------------------------------------

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Folder for SafeLog backups", self.folder.text(), file_dialog_options()
        )
        forget_file_dialog_history()  # no trail of where it was saved (see export_dialog)
        if chosen:
            self.folder.setText(chosen)

    def save(self) -> bool:
        try:
            plan = set_plan(
                self.context.vault.data_dir,
                self.folder.text().strip(),
                daily=self.daily.isChecked(),
                at_sign_out=self.at_sign_out.isChecked(),
                keep=self.keep.value(),
            )
        except UserFacingError as exc:
            self.say_error(str(exc))
            return False
        self.say_error("")
        self.show_status(plan)
        return True

    def back_up(self) -> None:
        """Save what is shown, then make one backup in the worker."""
        if self.busy or not self.save():
            return
        self.busy = True
        self.now_button.setEnabled(False)
        self.now_button.setText("Backing up…")
        vault = self.context.vault
        session = self.context.require_session()

        def work() -> BackupMade:
            from safelog.vault.pending_audit import audit_backup

            return back_up_now(
                vault.data_dir,
                vault.url,
                self.context.clock,
                lambda made: audit_backup(session, vault.data_dir, made),
            )

        run_guarded(self.context, self, work, self._done, self._failed)

    def _finish(self) -> None:
        self.busy = False
        self.now_button.setEnabled(True)
        self.now_button.setText("&Back up now")
        self.show_status(load_plan(self.context.vault.data_dir))

    def _done(self, made: BackupMade) -> None:
        self._finish()
        self.say_error("")

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        self.say_error(error_text(exc))

    def launch(self) -> int:
        return self.exec()
