"""What every window and view is handed: the vault, the signed-in session (if any), the
worker runner and the clock. Passed in through constructors, never fetched from globals,
so tests can give a fake clock or a prepared vault."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from safelog.gui.worker import Runner
    from safelog.vault.drafts import Draft, DraftStore
    from safelog.vault.session import Session
    from safelog.vault.vault import Vault


def system_clock() -> datetime:
    return datetime.now(UTC)


# What `cases_changed` carries when cases changed on another PC (gui/arrivals.py): the lists
# reload, an open case is not read again (each reading of a case is recorded as a view).
CHANGED_ELSEWHERE = "*"


class SessionEvents(QObject):
    """Broadcasts so views can refresh or clear themselves."""

    signed_in = Signal(object)  # the Session
    locked = Signal()
    cases_changed = Signal(str)  # a case reference, "" to reload everything, CHANGED_ELSEWHERE
    backups_changed = Signal()  # a backup made or failed (gui/backup_scheduler.py)


@dataclass
class AppContext:
    vault: Vault
    runner: Runner
    events: SessionEvents
    clock: Callable[[], datetime] = system_clock
    session: Session | None = None
    # Set by the idle watcher; views call it on user activity they handle themselves.
    touch: Callable[[], None] = field(default=lambda: None)
    # The writer's own kept report (vault/drafts.py), opened at sign-in and handed by the
    # main window to the report form, which takes it at once.
    draft: Draft | None = None

    def drafts(self) -> DraftStore:
        """This PC's drafts folder, sealed drafts only (vault/drafts.py)."""
        from safelog.vault.drafts import DraftStore

        return DraftStore(self.vault.data_dir / "drafts", lambda: self.clock().timestamp())

    def require_session(self) -> Session:
        if self.session is None or self.session.locked:
            from safelog.errors import AccessDenied

            raise AccessDenied("SafeLog is locked. Sign in again.")
        return self.session
