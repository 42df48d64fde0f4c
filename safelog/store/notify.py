"""On a shared PostgreSQL server, a write to any case tells every PC at once (LISTEN and
NOTIFY), so a DSL's inbox shows a concern reported on another PC within a moment rather
than at the next poll (gui/arrivals.py keeps polling as the fallback, and on SQLite, which
one PC uses alone).

The notification carries nothing: no case, no reference, no count. It only says "ask the
database again"; what changed is read through the keys as always. It is sent inside the
writer's transaction, so PostgreSQL delivers it only once the write has committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

CHANNEL = "safelog_cases"


def announce_case_change(conn: Connection) -> None:
    """Tell the other PCs that a case changed (PostgreSQL only; nothing on SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"NOTIFY {CHANNEL}"))


class ChangeListener:
    """Listens on its own connection, in a thread, and calls `on_change` (from that thread)
    at each notification. `stop()` ends it within `poll_s`. Does nothing on SQLite."""

    def __init__(self, engine: Engine, on_change: Callable[[], None], poll_s: float = 1.0) -> None:
        self.engine = engine
        self.on_change = on_change
        self.poll_s = poll_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set once LISTEN is in place (for tests)

    @property
    def available(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def start(self) -> None:
        if not self.available or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="safelog-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=self.poll_s * 3)

    def _run(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        while not self._stopping.is_set():
            try:
                with psycopg.connect(
                    url.render_as_string(hide_password=False), autocommit=True
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=self.poll_s, stop_after=1):
                            self.on_change()
            except psycopg.Error:
                # The server out of reach for a moment: the poll still runs; listen again.
                self.listening.clear()
                self._stopping.wait(self.poll_s * 5)
