"""Where the SQLite database lives in a data directory. Plain Python, no SQLAlchemy: the
sign-in window reads its names before the database layer has loaded (vault/sign_in_names.py).
"""

from __future__ import annotations

from pathlib import Path

DB_FILE_NAME = "safelog.db"
SQLITE_PREFIX = "sqlite:///"


def sqlite_url(data_dir: Path) -> str:
    return f"{SQLITE_PREFIX}{data_dir / DB_FILE_NAME}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL on disk; None for anything else (PostgreSQL, in memory)."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    database = url[len(SQLITE_PREFIX) :]
    return Path(database) if database and database != ":memory:" else None
