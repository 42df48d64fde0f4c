"""Automatic backups while the app runs (backup/schedule.py): a daily backup, checked every
few minutes, and one when someone signs out. Backups need no keys (they copy ciphertext),
so the one at sign-out runs after the session is locked; it is audited at the next sign-in.
Also the inbox's warning to the DSL and admin when the last good backup is too old."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from safelog.backup.schedule import back_up_now, due, load_plan, warning
from safelog.domain.roles import Role

if TYPE_CHECKING:
    from safelog.backup.make import BackupMade
    from safelog.gui.context import AppContext

CHECK_EVERY_MS = 10 * 60 * 1000
BACKUP_ROLES = frozenset({Role.DSL, Role.ADMIN})


class BackupScheduler(QObject):
    def __init__(
        self, context: AppContext, parent: QObject | None = None, every_ms: int = CHECK_EVERY_MS
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.running = False
        self.made: list[BackupMade] = []  # this run's backups (for the tests and the log)
        self.failures: list[str] = []
        self.timer = QTimer(self)
        self.timer.setInterval(every_ms)
        self.timer.timeout.connect(self.tick)
        context.events.signed_in.connect(lambda _session: self.tick())
        context.events.locked.connect(lambda: self.tick(signing_out=True))
        self.timer.start()

    def tick(self, signing_out: bool = False) -> bool:
        """Start a backup if one is due; True if one was started."""
        vault = self.context.vault
        if self.running or not due(
            load_plan(vault.data_dir), self.context.clock(), signing_out=signing_out
        ):
            return False
        self.running = True
        session = None if signing_out else self.context.session

        def work() -> BackupMade:
            from safelog.vault.pending_audit import audit_backup

            return back_up_now(
                vault.data_dir,
                vault.url,
                self.context.clock,
                lambda made: audit_backup(session, vault.data_dir, made),
            )

        self.context.runner.run(work, self._done, self._failed)
        return True

    def _done(self, made: BackupMade) -> None:
        self.running = False
        self.made.append(made)
        self.context.events.backups_changed.emit()

    def _failed(self, exc: BaseException) -> None:
        # The outcome is saved in the plan (the inbox and the Backups window say it).
        self.running = False
        self.failures.append(str(exc))
        self.context.events.backups_changed.emit()


def backup_warning(context: AppContext) -> str:
    """The inbox's line about backups on this PC, for the DSL and admin ('' for others)."""
    session = context.session
    if session is None or session.locked or not BACKUP_ROLES & frozenset(session.person.roles):
        return ""
    return warning(load_plan(context.vault.data_dir), context.clock())
