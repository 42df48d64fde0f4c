"""The app-wide broadcasts (SessionEvents) and the clock everything is timed by.

Apart from context.py (which re-exports them) because the app makes both before the sign-in
window's first paint, and AppContext's dataclass machinery and the vault types it names are
not needed until a vault is open (issue 17: each module loaded before that paint delays it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from datetime import datetime


def system_clock() -> datetime:
    # Imported here: the sign-in window is painted before anything reads the clock.
    from datetime import UTC, datetime

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
