"""The school's name and the names on the sign-in window, read before the database layer
loads (issue 17: names on screen within 100 ms of the first paint, on an old office PC).

Importing SQLAlchemy and the vault takes most of a second on such a PC; the sign-in list
needs two small reads. For a SQLite vault they are made here with the standard library, on
a read-only connection that creates and changes nothing; the vault opens meanwhile and reads
them again (vault.Vault.user_names), and signing in waits for it as always. Names are not
secret (the sign-in window shows them to anyone at the PC). Anything unexpected (no file
yet, a PostgreSQL vault, a locked or older database) gives None: the names then come from
the vault once it is open, as before.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from safelog.store.location import sqlite_path
from safelog.vault.paths import database_url

ACTIVE = "active"  # vault/directory.py ENROLLED: only they can sign in


def read_sign_in_names(data_dir: Path) -> tuple[str, list[str]] | None:
    """(school, names of everyone who can sign in, in the vault's order), or None."""
    path = sqlite_path(database_url(data_dir))
    if path is None:
        return None
    try:
        if path.stat().st_size == 0:
            return None
    except OSError:
        return None
    # Reading a WAL database makes its -wal and -shm files when they are missing: owner-only,
    # as the vault's engine makes them (store/engine.py).
    old_umask = os.umask(0o077)
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=0.5)
        try:
            record = conn.execute("SELECT record FROM vault").fetchone()
            rows = conn.execute("SELECT name, status FROM users ORDER BY name").fetchall()
        finally:
            conn.close()
        school = str(json.loads(record[0])["school"]) if record is not None else None
    except (sqlite3.Error, ValueError, KeyError, TypeError):
        return None
    finally:
        os.umask(old_umask)
    if school is None:
        return None
    return school, [str(name) for name, status in rows if status == ACTIVE]
