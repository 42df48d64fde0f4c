"""What every window and view is handed: the vault, the signed-in session (if any), the
worker runner and the clock. Passed in through constructors, never fetched from globals,
so tests can give a fake clock or a prepared vault."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# The broadcasts and the clock live in session_events.py (the app makes them before the
# sign-in window's first paint, this module after it); every view imports them from here.
from safelog.gui.session_events import CHANGED_ELSEWHERE, SessionEvents, system_clock

__all__ = ["CHANGED_ELSEWHERE", "AppContext", "SessionEvents", "system_clock"]

if TYPE_CHECKING:
    from datetime import datetime

    from safelog.gui.worker import Runner
    from safelog.vault.drafts import Draft, DraftStore
    from safelog.vault.session import Session
    from safelog.vault.vault import Vault


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
    # Cases whose thumbnails a job of this window is making (gui/evidence/thumbnails_after.py):
    # a list reloading meanwhile starts no second job and makes none in memory.
    thumbnails_being_made: set[str] = field(default_factory=set)

    def drafts(self) -> DraftStore:
        """This PC's drafts folder, sealed drafts only (vault/drafts.py)."""
        from safelog.vault.drafts import DraftStore

        return DraftStore(self.vault.data_dir / "drafts", lambda: self.clock().timestamp())

    def require_session(self) -> Session:
        if self.session is None or self.session.locked:
            from safelog.errors import AccessDenied

            raise AccessDenied("SafeLog is locked. Sign in again.")
        return self.session
