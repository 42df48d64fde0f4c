"""Where a vault lives: the data directory and the database URL."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from safelog.errors import InvalidInput, UserFacingError
from safelog.store.location import sqlite_url

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


def check_database_url(url: str, timeout_seconds: int = 10) -> None:
    """Connect once to a PostgreSQL URL a person gave, before anything is saved or created:
    InvalidInput when it is not one, UserFacingError when it cannot be reached, both in plain
    words and without the URL's password. Creates nothing, here or on the server."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    example = "write it like postgresql://user@server/database"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput(f"The database URL is not one SafeLog can use: {example}.") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() != "postgresql":
        raise InvalidInput(f"{shown} is not a PostgreSQL server's URL: {example}.")
    engine = create_engine(
        parsed.set(drivername="postgresql+psycopg"),
        poolclass=NullPool,
        connect_args={"connect_timeout": timeout_seconds},
    )
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise UserFacingError(
            f"Cannot reach the database at {shown} ({_reason(exc)}); nothing was saved. "
            "Check the server name, port, database, user and password."
        ) from None
    finally:
        engine.dispose()


def _reason(exc: BaseException) -> str:
    """The driver's own last words, e.g. "Connection refused"; never the password, which
    PostgreSQL drivers do not repeat."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    words = detail[0].rsplit(": ", 1)[-1].strip().rstrip(".") if detail else ""
    return words or "no answer"


def save_database_url(data_dir: Path, url: str) -> None:
    from safelog.store.files import write_private_file

    write_private_file(data_dir / CONFIG_FILE, json.dumps({"database_url": url}).encode())


def device_name() -> str:
    return socket.gethostname()[:200] or "unknown device"
