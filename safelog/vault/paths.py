"""Where a vault lives: the data directory and the database URL."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from safelog.store.engine import sqlite_url

CONFIG_FILE = "config.json"


def default_data_dir() -> Path:
    import platformdirs

    return platformdirs.user_data_path("SafeLog", appauthor=False)


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    from_env = os.environ.get("SAFELOG_DATA_DIR")
    if from_env:
        return Path(from_env).expanduser().resolve()
    return default_data_dir()


def database_url(data_dir: Path) -> str:
    """SAFELOG_DATABASE_URL, else the URL saved at init, else SQLite in the data directory."""
    from_env = os.environ.get("SAFELOG_DATABASE_URL")
    if from_env:
        return from_env
    config = data_dir / CONFIG_FILE
    if config.exists():
        saved = json.loads(config.read_text("utf-8")).get("database_url")
        if saved:
            return str(saved)
    return sqlite_url(data_dir)


def save_database_url(data_dir: Path, url: str) -> None:
    from safelog.store.files import write_private_file

    write_private_file(data_dir / CONFIG_FILE, json.dumps({"database_url": url}).encode())


def device_name() -> str:
    return socket.gethostname()[:200] or "unknown device"
