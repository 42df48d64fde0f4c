"""Opening the database (DESIGN §3.5): SQLite owner-only with WAL, foreign keys and
secure_delete; Alembic brings a fresh or older database to head, backing an older SQLite file up
first; the schema is dialect-neutral and timestamps come back as aware UTC on both dialects."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, StatementError

from safelog.store import engine as store_engine
from safelog.store.engine import DB_FILE_NAME, open_engine, sqlite_url
from safelog.store.schema import Base, UTCDateTime


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Owner-only must not depend on a careful umask."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def sqlite_engine(tmp_path: Path, permissive_umask: None) -> Iterator[Engine]:
    engine = open_engine(sqlite_url(tmp_path / "fresh" / "data"))
    yield engine
    engine.dispose()


def _head() -> str:
    from alembic.script import ScriptDirectory

    return str(
        ScriptDirectory.from_config(
            store_engine.alembic_config(store_engine.make_engine("sqlite://"))
        ).get_current_head()
    )


def _current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


# -- SQLite file and settings ------------------------------------------------------------------


def test_sqlite_file_and_directory_are_owner_only(tmp_path: Path, sqlite_engine: Engine) -> None:
    data = tmp_path / "fresh" / "data"
    assert _mode(data) == 0o700
    assert _mode(data / DB_FILE_NAME) == 0o600


def test_wal_and_shm_files_are_owner_only(tmp_path: Path, sqlite_engine: Engine) -> None:
    data = tmp_path / "fresh" / "data"
    with sqlite_engine.connect() as conn:
        with conn.begin():
            conn.execute(text("INSERT INTO audit_head (id, seq, entry_hash) VALUES (1, 0, x'00')"))
        # While a connection is open the write-ahead log exists beside the database.
        wal = data / (DB_FILE_NAME + "-wal")
        shm = data / (DB_FILE_NAME + "-shm")
        assert wal.exists(), "the database is not in WAL mode"
        assert _mode(wal) == 0o600
        assert _mode(shm) == 0o600
    others = {p.name: _mode(p) for p in data.iterdir()}
    assert all(mode == 0o600 for mode in others.values()), others


def test_existing_loose_file_is_tightened(tmp_path: Path, permissive_umask: None) -> None:
    data = tmp_path / "loose"
    data.mkdir(mode=0o700)
    (data / DB_FILE_NAME).touch(mode=0o644)
    os.chmod(data / DB_FILE_NAME, 0o644)
    open_engine(sqlite_url(data)).dispose()
    assert _mode(data / DB_FILE_NAME) == 0o600


def test_pragmas(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_pragmas_hold_on_every_new_connection(sqlite_engine: Engine) -> None:
    for _ in range(3):  # NullPool: each connect is a fresh sqlite3 connection
        with sqlite_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_foreign_keys_are_enforced(sqlite_engine: Engine) -> None:
    with pytest.raises(IntegrityError), sqlite_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO case_keys (case_id, key_no, wrapped) VALUES ('no-such-case', 1, x'00')"
            )
        )


# -- migrations --------------------------------------------------------------------------------


def test_head_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(
        store_engine.alembic_config(store_engine.make_engine("sqlite://"))
    )
    assert script.get_base() == "0001_baseline"
    assert _head() == "0008_evidence_thumbnails"
    # The shortcut that skips importing Alembic for an up-to-date database must agree.
    assert script.get_current_head() == store_engine.SCHEMA_HEAD


def test_fresh_database_ends_at_head(db_url: str) -> None:
    engine = open_engine(db_url)
    try:
        assert _current(engine) == _head() == "0008_evidence_thumbnails"
    finally:
        engine.dispose()


def test_fresh_sqlite_database_is_not_backed_up(tmp_path: Path, sqlite_engine: Engine) -> None:
    data = tmp_path / "fresh" / "data"
    assert not list(data.glob("*.bak"))
    sqlite_engine.dispose()
    open_engine(sqlite_url(data)).dispose()  # reopening a database at head: nothing to back up
    assert not list(data.glob("*.bak"))


def test_a_database_from_a_newer_safelog_is_refused_untouched(tmp_path: Path) -> None:
    """An older build installed over a newer one (issue 16): it says so and changes nothing,
    rather than misreading or "upgrading" tables it does not know."""
    data = tmp_path / "newer"
    open_engine(sqlite_url(data)).dispose()
    path = data / DB_FILE_NAME
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(store_engine.SchemaTooNew, match="newer version of SafeLog") as refused:
        open_engine(sqlite_url(data))
    assert "0099_from_the_future" in str(refused.value) and "nothing was changed" in str(
        refused.value
    )
    assert path.read_bytes() == before
    assert not list(data.glob("*.bak"))


def _legacy_database(data: Path) -> Path:
    data.mkdir(mode=0o700)
    path = data / DB_FILE_NAME
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE legacy_notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO legacy_notes (body) VALUES ('kept before migrating')")
    conn.close()
    return path


def test_older_database_is_backed_up_before_migrating(
    tmp_path: Path, permissive_umask: None
) -> None:
    data = tmp_path / "old"
    _legacy_database(data)
    engine = open_engine(sqlite_url(data))
    try:
        assert _current(engine) == _head()
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT body FROM legacy_notes")).scalar_one()
                == "kept before migrating"
            )
    finally:
        engine.dispose()
    backup = data / (DB_FILE_NAME + ".before-unversioned.bak")
    assert backup.exists(), sorted(p.name for p in data.iterdir())
    assert _mode(backup) == 0o600
    with sqlite3.connect(backup) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert tables == {"legacy_notes"}
    # Opening again (now at head) makes no further backup.
    open_engine(sqlite_url(data)).dispose()
    assert [p.name for p in data.glob("*.bak")] == [backup.name]


_WAL_WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA wal_autocheckpoint=0")
conn.execute("CREATE TABLE legacy_notes (id INTEGER PRIMARY KEY, body TEXT)")
conn.execute("INSERT INTO legacy_notes (body) VALUES ('only in the write-ahead log')")
conn.commit()
if sys.argv[2] == "crash":
    os._exit(0)  # no checkpoint: the committed rows stay in the -wal file
print("ready", flush=True)  # keep the database open until told to stop
sys.stdin.read()
"""


def _backup_rows(tmp_path: Path, data: Path) -> list[tuple[str]]:
    backup = data / (DB_FILE_NAME + ".before-unversioned.bak")
    assert backup.exists(), sorted(p.name for p in data.iterdir())
    copy = tmp_path / "inspect.db"  # open a copy, so that reading cannot change the backup
    copy.write_bytes(backup.read_bytes())
    conn = sqlite3.connect(copy)
    try:
        return conn.execute("SELECT body FROM legacy_notes").fetchall()
    except sqlite3.OperationalError:  # no such table: the backup lacks it
        return []
    finally:
        conn.close()


def test_crash_leftover_wal_is_in_the_backup(tmp_path: Path) -> None:
    data = tmp_path / "crashed"
    data.mkdir(mode=0o700)
    path = data / DB_FILE_NAME
    subprocess.run([sys.executable, "-c", _WAL_WRITER, str(path), "crash"], check=True)
    assert (data / (DB_FILE_NAME + "-wal")).stat().st_size > 0
    open_engine(sqlite_url(data)).dispose()
    assert _backup_rows(tmp_path, data) == [("only in the write-ahead log",)]


def test_backup_includes_committed_data_another_process_holds_in_the_wal(tmp_path: Path) -> None:
    data = tmp_path / "busy"
    data.mkdir(mode=0o700)
    path = data / DB_FILE_NAME
    holder = subprocess.Popen(
        [sys.executable, "-c", _WAL_WRITER, str(path), "hold"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        open_engine(sqlite_url(data)).dispose()
    finally:
        holder.communicate("", timeout=30)
    assert _backup_rows(tmp_path, data) == [("only in the write-ahead log",)]


# -- schema ------------------------------------------------------------------------------------


def test_schema_types_are_dialect_neutral() -> None:
    for table in Base.metadata.tables.values():
        for column in table.columns:
            module = type(column.type).__module__
            assert not module.startswith("sqlalchemy.dialects"), (table.name, column.name, module)
            if isinstance(column.type, UTCDateTime):
                assert type(column.type.impl).__module__ == "sqlalchemy.sql.sqltypes"


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            tables = set(inspector.get_table_names())
            assert tables == set(Base.metadata.tables) | {"alembic_version"}
            for name, table in Base.metadata.tables.items():
                columns = {c["name"] for c in inspector.get_columns(name)}
                assert columns == {c.name for c in table.columns}, name
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def _shape(url: str) -> dict[str, dict[str, bool]]:
    """Table -> column -> nullable, as the database reports it."""
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            return {
                t: {c["name"]: bool(c["nullable"]) for c in inspector.get_columns(t)}
                for t in inspector.get_table_names()
            }
    finally:
        engine.dispose()


def test_schema_has_the_same_tables_and_columns_as_on_sqlite(db_url: str, tmp_path: Path) -> None:
    # On the postgres parameter this compares PostgreSQL with SQLite made from the same migration.
    assert _shape(db_url) == _shape(sqlite_url(tmp_path / "compare"))


# -- UTC timestamps ----------------------------------------------------------------------------

_PROBE = MetaData()
_TZ = Table(
    "tz_probe",
    _PROBE,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=True),
)


@pytest.fixture
def probe(db_url: str) -> Iterator[Engine]:
    engine = open_engine(db_url)
    _PROBE.create_all(engine)
    yield engine
    _PROBE.drop_all(engine)
    engine.dispose()


def test_utc_datetime_round_trip(probe: Engine) -> None:
    values = [
        datetime(2026, 11, 20, 15, 30, 0, 123456, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2026, 10, 25, 1, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-8))),
        datetime(2040, 1, 1, tzinfo=timezone(timedelta(hours=14))),
    ]
    with probe.begin() as conn:
        conn.execute(insert(_TZ), [{"id": i, "at": v} for i, v in enumerate(values)])
        conn.execute(insert(_TZ).values(id=99, at=None))
    with probe.connect() as conn:
        rows = dict(conn.execute(select(_TZ.c.id, _TZ.c.at)).all())
    assert rows.pop(99) is None
    for index, value in enumerate(values):
        back = rows[index]
        assert back == value
        assert back.utcoffset() == timedelta(0) and back.tzinfo == UTC
        assert back.replace(tzinfo=None) == value.astimezone(UTC).replace(tzinfo=None)


def test_utc_datetime_compares_in_utc(probe: Engine) -> None:
    noon_utc = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with probe.begin() as conn:
        conn.execute(
            insert(_TZ),
            [
                {"id": 1, "at": datetime(2026, 6, 1, 13, 0, tzinfo=timezone(timedelta(hours=2)))},
                {"id": 2, "at": datetime(2026, 6, 1, 11, 0, tzinfo=timezone(timedelta(hours=-2)))},
            ],
        )
    with probe.connect() as conn:
        later = conn.execute(select(_TZ.c.id).where(_TZ.c.at > noon_utc)).scalars().all()
    assert later == [2]  # 11:00-02:00 is 13:00 UTC; 13:00+02:00 is 11:00 UTC


def test_utc_datetime_refuses_naive_values(probe: Engine) -> None:
    with pytest.raises(StatementError, match="naive"), probe.begin() as conn:
        conn.execute(insert(_TZ).values(id=1, at=datetime(2026, 11, 20, 15, 30)))


def test_a_vault_at_0002_with_cases_is_upgraded_keeping_every_row(db_url: str) -> None:
    """Making author columns optional copies tables on SQLite: a vault at 0002 with a
    reader group, its key slot, a case and a version (rows other tables refer to) keeps
    them all, with their references whole."""
    from alembic import command

    engine = store_engine.make_engine(db_url)
    try:
        config = store_engine.alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002_membership_log")
        now = datetime(2026, 11, 30, 9, 0)
        rows = [
            "INSERT INTO users (id, name, invitation, invitation_sig, invitation_mac, status, "
            "created_at) VALUES ('u1', 'Dana DSL', :b, :b, :b, 'enrolled', :now)",
            "INSERT INTO audiences (id, record, signature, signer_id, created_at) "
            "VALUES ('g1', :r, :b, 'u1', :now)",
            "INSERT INTO audience_keys (audience_id, recipient, wrapped) VALUES ('g1', 't', :b)",
            "INSERT INTO cases (id, reference, audience_id, key_no, head_version, summary_ct, "
            "created_at, updated_at) VALUES ('c1', 'SL-2026-0001', 'g1', 1, 1, :b, :now, :now)",
            "INSERT INTO case_versions (case_id, version, key_no, author_id, created_at, "
            "statement, signature) VALUES ('c1', 1, 1, 'u1', :now, :r, :b)",
        ]
        with engine.begin() as connection:
            for statement in rows:
                connection.execute(text(statement), {"now": now, "b": b"\x00", "r": b"{}"})
        store_engine.upgrade_schema(engine)
        assert _current(engine) == _head()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT author_id FROM case_versions")).all() == [
                ("u1",)
            ]
            assert connection.execute(text("SELECT audience_id FROM cases")).all() == [("g1",)]
            assert connection.execute(text("SELECT count(*) FROM audience_keys")).scalar() == 1
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_the_dsls_list_reads_the_cases_table_through_once_the_planner_has_counted_it(
    tmp_path: Path,
) -> None:
    """Issue 17: without statistics SQLite read a DSL's 10,000 list entries one by one
    through the reader-group index (twice as slow as reading the table through). The first
    list of a session takes them when they are missing or out of date; they hold counts."""
    from support.school import build_school

    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case, list_cases
    from safelog.vault.vault import Vault

    vault = Vault(tmp_path / "data")
    try:
        school = build_school(vault)
        for reporter in ("Sam Staff", "Tess Teacher"):
            session = school.unlock(reporter)
            for n in range(60):
                report = {"category": "cyberbullying-pupil", "summary": f"Chat {n}",
                          "description": "A pupil showed me the chat."}  # fmt: skip
                add_case(session, CaseInput.from_json(report))
            session.lock()
        engine = vault.engine

        def plan() -> str:
            with engine.connect() as conn:
                groups = [r[0] for r in conn.exec_driver_sql("SELECT audience_id FROM cases")]
                marks = ",".join("?" * len(set(groups)))
                rows = conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN SELECT id FROM cases WHERE audience_id IN ({marks})",
                    tuple(set(groups)),
                ).all()
            return " ".join(str(r[-1]) for r in rows)

        assert "USING INDEX" in plan()
        dana = school.unlock("Dana DSL")
        assert len(list_cases(dana)) == 120
        assert "SCAN cases" in plan()
        with engine.connect() as conn:
            stats = conn.exec_driver_sql("SELECT tbl, idx, stat FROM sqlite_stat1").all()
        assert stats and all(str(stat).replace(" ", "").isdigit() for _, _, stat in stats)
        assert len(list_cases(dana)) == 120  # and the list is the same
        dana.lock()
    finally:
        vault.close()
