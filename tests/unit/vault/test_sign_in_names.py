"""The sign-in names read before the database layer loads (issue 17): the same names the
vault gives, read-only, and None (the vault then reads them) whenever that is not possible."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.school import PASSPHRASES, build_school

from safelog.domain.roles import Role
from safelog.store.location import DB_FILE_NAME, sqlite_path
from safelog.vault.sign_in_names import read_sign_in_names
from safelog.vault.vault import Vault


@pytest.fixture
def school_dir(data_dir: Path) -> Path:
    vault = Vault(data_dir)
    build_school(vault)
    session = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
    assert vault.invite(session, "Ned New", frozenset({Role.STAFF}))  # not enrolled yet
    session.lock()
    vault.close()
    return data_dir


def test_the_names_are_the_vaults_own(school_dir: Path) -> None:
    vault = Vault(school_dir)
    try:
        expected = [name for name, status in vault.user_names() if status == "active"]
        school = vault.school_name()
    finally:
        vault.close()
    assert read_sign_in_names(school_dir) == (school, expected)
    assert school == "Ravens Wood School" and "Ned New" not in expected
    assert sorted(expected) == sorted(PASSPHRASES)


def test_reading_them_changes_nothing(school_dir: Path) -> None:
    database = school_dir / DB_FILE_NAME
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in school_dir.iterdir()}
    assert read_sign_in_names(school_dir) is not None
    after = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in school_dir.iterdir()}
    assert {name: after[name] for name in before} == before
    # SQLite may add the (empty) WAL files of a closed database: owner-only, like the rest.
    assert set(after) - set(before) <= {f"{DB_FILE_NAME}-wal", f"{DB_FILE_NAME}-shm"}
    for name in after:
        assert (school_dir / name).stat().st_mode & 0o077 == 0, name
    assert database.stat().st_size == before[DB_FILE_NAME][1]


def test_nothing_to_read_gives_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFELOG_DATABASE_URL", raising=False)
    assert read_sign_in_names(tmp_path / "missing") is None
    assert not (tmp_path / "missing").exists(), "a read never creates the data directory"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / DB_FILE_NAME).write_bytes(b"")
    assert read_sign_in_names(empty) is None
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / DB_FILE_NAME).write_bytes(os.urandom(8192))
    assert read_sign_in_names(damaged) is None
    monkeypatch.setenv("SAFELOG_DATABASE_URL", "postgresql://clerk@server/safelog")
    assert read_sign_in_names(tmp_path) is None, "a shared server: the vault reads them"


def test_a_database_without_a_vault_yet_gives_none(data_dir: Path) -> None:
    vault = Vault(data_dir)
    assert not vault.exists()
    vault.engine  # noqa: B018  # the schema, but no vault in it
    vault.close()
    assert read_sign_in_names(data_dir) is None


def test_only_sqlite_files_have_a_path() -> None:
    assert sqlite_path("sqlite:////srv/safelog.db") == Path("/srv/safelog.db")
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql://clerk@server/safelog") is None
