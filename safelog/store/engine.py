"""Opening the database: SQLite in the data directory by default, or any PostgreSQL URL.

SQLite is created owner-only, in WAL mode with foreign keys and secure_delete on. The
schema is brought up to date with Alembic; an existing SQLite file is copied aside first.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect

from safelog.errors import UserFacingError
from safelog.store.location import DB_FILE_NAME as DB_FILE_NAME  # where it always was
from safelog.store.location import sqlite_url as sqlite_url
from safelog.store.private import private_file, private_folder


def _prepare_sqlite_file(path: Path) -> None:
    private_folder(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.close(fd)
    private_file(path)


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    # NORMAL is durable against a crashed process in WAL mode; only power loss can lose
    # the very last commits, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@dataclass(frozen=True)
class SchemaUpgrade:
    """An existing database brought up to this build's schema, and the copy made first
    (None for PostgreSQL, whose server keeps its own backups)."""

    from_revision: str | None
    to_revision: str
    backup: Path | None


def open_engine(url: str, on_open: Callable[[SchemaUpgrade | None], None] | None = None) -> Engine:
    """An engine with the schema at the latest revision; `on_open` hears whether a database
    that already held tables was upgraded."""
    engine = make_engine(url)
    upgraded = upgrade_schema(engine)
    if on_open is not None:
        on_open(upgraded)
    return engine


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = url.split("///", 1)[1] if "///" in url else ""
        if database and database != ":memory:":
            _prepare_sqlite_file(Path(database))
        old_umask = os.umask(0o077)  # WAL and shm files are owner-only too
        try:
            # A small pool keeps connections open between operations: no reconnect, no
            # checkpoint on every close. Vault.close() disposes of it.
            in_memory = database in ("", ":memory:")
            engine = (
                create_engine(url) if in_memory else create_engine(url, pool_size=2, max_overflow=4)
            )
        finally:
            os.umask(old_umask)
        event.listen(engine, "connect", _on_sqlite_connect)
        # Let SQLAlchemy own transactions (pysqlite's legacy mode defers BEGIN).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


def snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see one moment of the database, for checks that compare
    one table with another (the audit log with the cases). PostgreSQL's default, READ
    COMMITTED, lets each statement see other PCs' later commits; SQLite's transactions here
    are BEGIN IMMEDIATE, which already hold the database still."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


_PLANNER_CHECKED: weakref.WeakSet[Engine] = weakref.WeakSet()


def keep_planner_statistics(engine: Engine) -> None:
    """SQLite: take the query planner's statistics of the cases table again when there are
    none or the table has since doubled or halved; at most once per engine (one count;
    ANALYZE itself, ~60 ms for 10,000 cases, only then).

    Without them SQLite reads a DSL's list (every case, from the few reader groups she is
    in) through the reader-group index, one case at a time: 27 ms for 10,000, against 13 ms
    reading the table through (issue 17). With them it reads the table through for her and
    uses the index for a reporter's few. They hold counts only, never a record's content.
    PostgreSQL keeps its own (autovacuum)."""
    if engine.dialect.name != "sqlite" or engine in _PLANNER_CHECKED:
        return
    _PLANNER_CHECKED.add(engine)
    with engine.begin() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM cases").scalar_one()
        has_stats = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
        ).first()
        stat = (
            conn.exec_driver_sql(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'cases' AND idx = 'ix_cases_audience_id'"
            ).scalar()
            if has_stats
            else None
        )
        taken_at = int(str(stat).split()[0]) if stat else 0  # the row count then
        if rows >= 100 and not taken_at / 2 <= rows <= taken_at * 2:
            conn.exec_driver_sql("ANALYZE cases")


# The newest migration. Checked against Alembic's own view by a test, so that opening an
# up-to-date database never has to import Alembic (which costs half a second).
SCHEMA_HEAD = "0008_evidence_thumbnails"


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


class SchemaNotWritable(UserFacingError):
    """The database's tables are older than this SafeLog, and its login may not change
    them (a least-privilege login on a shared server: packaging/server/)."""


SCHEMA_NOT_WRITABLE = (
    "The database needs upgrading to this version of SafeLog, and SafeLog's login may not "
    "change its tables (as it should not). Ask whoever looks after the server to run: "
    "safelog db upgrade --database-url <the URL of the owner role>."
)


class SchemaTooNew(UserFacingError):
    """The database was last opened by a newer SafeLog (an older build installed over it)."""


def known_revisions() -> set[str]:
    """The schema versions this build knows, from its own migration files."""
    folder = Path(__file__).parent / "migrations" / "versions"
    return {path.stem for path in folder.glob("[0-9]*.py")}


def upgrade_schema(engine: Engine) -> SchemaUpgrade | None:
    """Bring the schema to SCHEMA_HEAD. Returns what was done to a database that already held
    tables (after a copy of a SQLite file was made), None when there was nothing to upgrade."""
    current = current_revision(engine)
    if current == SCHEMA_HEAD:
        return None
    if current is not None and current not in known_revisions():
        # Checked before anything is touched: an older build must never "upgrade" (or
        # misread) tables a newer one made.
        raise SchemaTooNew(
            f"This database was last used by a newer version of SafeLog (schema {current}; "
            f"this version knows up to {SCHEMA_HEAD}). Install that version or a newer one; "
            "nothing was changed."
        )
    if engine.dialect.name == "postgresql" and not _may_change_tables(engine):
        raise SchemaNotWritable(SCHEMA_NOT_WRITABLE)
    from alembic import command

    with engine.connect() as connection:
        existing = inspect(connection).get_table_names()
    backup = None
    if existing and engine.dialect.name == "sqlite":
        backup = _backup_before_migration(engine, current)
    config = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        if sqlite and raw is not None:
            # A migration that changes a column on SQLite copies the table and drops the
            # old one, which foreign keys from other tables' rows would refuse. SQLite
            # takes this pragma only outside a transaction, so it is set before one begins.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the schema upgrade left rows whose references are broken")
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
    return SchemaUpgrade(current, SCHEMA_HEAD, backup) if existing else None


def _may_change_tables(engine: Engine) -> bool:
    """Can this login create tables in the schema SafeLog's tables live in?"""
    with engine.connect() as connection:
        return bool(
            connection.exec_driver_sql(
                "SELECT has_schema_privilege(current_user, current_schema(), 'CREATE')"
            ).scalar()
        )


def _backup_before_migration(engine: Engine, current: str | None) -> Path | None:
    """A consistent copy, including anything still in the WAL, made with SQLite's backup API.
    Evidence files are never changed by a migration, so the database is all there is to keep."""
    database = engine.url.database
    if not database:
        return None
    backup = Path(database + f".before-{current or 'unversioned'}.bak")
    if backup.exists():
        return backup
    fd = os.open(backup, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
    source = sqlite3.connect(database)
    target = sqlite3.connect(backup)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    private_file(backup)
    return backup


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config
