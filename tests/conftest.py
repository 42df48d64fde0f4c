"""Fixtures shared by every test: a fresh data directory and vault per test, on SQLite and,
when SAFELOG_TEST_PG_URL is set (CI sets it), on a fresh PostgreSQL database as well.

Tests import shared helpers from tests/support/ (`support.school`), never from this module."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.school import Clock, School, build_school


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--onscreen"):
        # Qt's own platform for this desktop, even when the shell or CI asked for offscreen.
        if os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen"):
            del os.environ["QT_QPA_PLATFORM"]
    else:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Vaults made by tests use the cheap, insecure key derivation profile, named as such.
    os.environ["SAFELOG_INSECURE_TEST_KDF"] = "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--onscreen", action="store_true", help="show GUI tests on screen")


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[None]:
    """Nothing a test does may reach the real user's directories. A GUI test also fails if
    anything it did was logged as a fault (issue 11: a fault can be logged without any box
    being shown, from a worker or a slot), unless it sets out to show the crash dialog."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / "config"))
    monkeypatch.delenv("SAFELOG_DATA_DIR", raising=False)
    monkeypatch.delenv("SAFELOG_DATABASE_URL", raising=False)
    yield
    modals = request.node.funcargs.get("modals")
    if Path(str(request.node.fspath)).parent.name != "gui" or getattr(
        modals, "expect_crash", False
    ):
        return
    logged = sorted((tmp_path / "home").rglob("faults.log"))
    assert not logged, "a fault was logged: " + "".join(p.read_text() for p in logged)


def _postgres_params() -> list[object]:
    return [pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=["sqlite", *_postgres_params()])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for one test: a file in its data dir, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        from safelog.store.engine import sqlite_url

        yield sqlite_url(tmp_path / "data")
        return
    yield from _fresh_postgres_database()


def _fresh_postgres_database() -> Iterator[str]:
    admin_url = os.environ.get("SAFELOG_TEST_PG_URL")
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail("CI must set SAFELOG_TEST_PG_URL (see .ci/run)")
        pytest.skip("SAFELOG_TEST_PG_URL is not set")
    from sqlalchemy import create_engine, text

    name = "safelog_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


@pytest.fixture
def vault(data_dir: Path, db_url: str, clock: Clock) -> Iterator[object]:
    from safelog.vault.vault import Vault

    v = Vault(data_dir, db_url, clock=clock)
    yield v
    v.close()


@pytest.fixture
def school(vault: object) -> School:
    return build_school(vault)


@pytest.fixture(autouse=True)
def _seed_policies_after_each_test() -> Iterator[None]:
    """A school's own rules, put in force by a sign-in, end with the test that set them."""
    yield
    from safelog.domain.categories import use_school_rules

    use_school_rules(None)
