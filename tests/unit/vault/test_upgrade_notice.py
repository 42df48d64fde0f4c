"""Installing a newer SafeLog over an older one (issue 16): a vault at an older schema is
backed up, then upgraded, keeps everyone's sign-in, and the DSL is told (version, schemas,
the copy made first) once each; a database from a newer SafeLog is refused and noted nowhere."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.school import Clock, build_school

from safelog import __version__
from safelog.store import engine as store_engine
from safelog.store.engine import SCHEMA_HEAD, SchemaTooNew, SchemaUpgrade, sqlite_url
from safelog.vault import upgrade_notice
from safelog.vault.vault import Vault

OLDER = "0006_transfers"


def _school_at_an_older_schema(data: Path) -> dict[str, str]:
    """A real school's vault, then its schema taken back to OLDER, as an older build left it."""
    from alembic import command

    vault = Vault(data, sqlite_url(data), clock=Clock())
    try:
        ids = build_school(vault).ids
    finally:
        vault.close()
    engine = store_engine.make_engine(sqlite_url(data))
    try:
        config = store_engine.alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, OLDER)
        assert store_engine.current_revision(engine) == OLDER
    finally:
        engine.dispose()
    return ids


def _revision(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def test_an_older_vault_is_backed_up_then_upgraded_and_the_dsl_told_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ids = _school_at_an_older_schema(data)
    assert upgrade_notice.pending(data, ids["Dana DSL"]) is None  # a new install: no notice

    vault = Vault(data, sqlite_url(data), clock=Clock())
    try:
        vault.unlock("Dana DSL", "dana correct horse").lock()  # the vault is kept, sign-in works
    finally:
        vault.close()
    backup = data / f"safelog.db.before-{OLDER}.bak"
    assert backup.exists() and _revision(backup) == OLDER  # the copy is from before
    assert _revision(data / "safelog.db") == SCHEMA_HEAD

    notice = upgrade_notice.pending(data, ids["Dana DSL"])
    assert notice is not None
    text = notice.text()
    assert text.startswith(f"SafeLog {__version__} upgraded the vault's database on ")
    assert f"from schema {OLDER} to {SCHEMA_HEAD}" in text
    assert f"kept in the data folder as {backup.name}" in text
    upgrade_notice.mark_shown(data, ids["Dana DSL"])
    assert upgrade_notice.pending(data, ids["Dana DSL"]) is None  # once
    assert upgrade_notice.pending(data, ids["Hugh Head"]) is not None  # each person once

    Vault(data, sqlite_url(data)).engine.dispose()  # opening again: nothing new to tell
    assert upgrade_notice.pending(data, ids["Dana DSL"]) is None


def test_a_newer_version_without_a_schema_change_is_told_too(tmp_path: Path) -> None:
    at = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    upgrade_notice.note_opened(tmp_path, "0.1.0", at, None)
    assert upgrade_notice.pending(tmp_path, "u1") is None
    upgrade_notice.note_opened(tmp_path, "0.1.0", at, None)
    assert upgrade_notice.pending(tmp_path, "u1") is None
    upgrade_notice.note_opened(tmp_path, "0.2.0", at, None)
    notice = upgrade_notice.pending(tmp_path, "u1")
    assert notice is not None
    assert notice.text() == "SafeLog was updated from version 0.1.0 to 0.2.0 on 04/12/2026 09:30."


def test_a_server_database_upgrade_names_no_local_copy(tmp_path: Path) -> None:
    at = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    upgrade_notice.note_opened(tmp_path, "0.1.0", at, None)
    upgrade_notice.note_opened(tmp_path, "0.2.0", at, SchemaUpgrade(OLDER, SCHEMA_HEAD, None))
    notice = upgrade_notice.pending(tmp_path, "u1")
    assert notice is not None
    assert notice.text() == (
        f"SafeLog 0.2.0 (updated from 0.1.0) upgraded the vault's database on 04/12/2026 09:30, "
        f"from schema {OLDER} to {SCHEMA_HEAD}; the database server's own backups hold the copy "
        "from before it."
    )


def test_a_damaged_notice_file_shows_nothing_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / upgrade_notice.FILE_NAME
    for damaged in ("{not json", '{"notice": {"version": 1}}', '{"notice": {"at": "x", '
                    '"version": "1", "previous_version": null}}', "[]"):  # fmt: skip
        path.write_text(damaged)
        assert upgrade_notice.pending(tmp_path, "u1") is None
    upgrade_notice.mark_shown(tmp_path, "u1")  # nothing to mark: the file is left as it was
    assert path.read_text() == "[]"


def test_a_newer_schema_is_refused_and_no_notice_is_made(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Vault(data, sqlite_url(data)).engine.dispose()
    before = json.loads((data / upgrade_notice.FILE_NAME).read_text())
    with sqlite3.connect(data / "safelog.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer version of SafeLog"):
        _ = Vault(data, sqlite_url(data)).engine
    assert json.loads((data / upgrade_notice.FILE_NAME).read_text()) == before
