"""Fixtures shared by every test: a fresh data directory and vault per test, on SQLite and,
when SAFELOG_TEST_PG_URL is set (CI sets it), on a fresh PostgreSQL database as well."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

PASSPHRASES = {
    "Dana DSL": "dana correct horse",
    "Hugh Head": "hugh battery staple",
    "Chris Chair": "chris governor key",
    "Sam Staff": "sam staffroom tea",
    "Tess Teacher": "tess lesson plans",
}


def pytest_configure(config: pytest.Config) -> None:
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


class Clock:
    """A clock tests can move."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)  # strictly increasing, like a real clock
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


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


@dataclass
class School:
    """A small school: a DSL who is also admin, a headteacher, a chair and two staff."""

    vault: object
    recovery: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)

    def unlock(self, name: str) -> object:
        return self.vault.unlock(name, PASSPHRASES[name])  # type: ignore[attr-defined]


def build_school(
    vault: object, staff: tuple[str, ...] = ("Sam Staff", "Tess Teacher"), head_is_dsl: bool = False
) -> School:
    from safelog.domain.roles import Role

    setup = vault.create("Ravens Wood School", "Dana DSL", PASSPHRASES["Dana DSL"])  # type: ignore[attr-defined]
    school = School(
        vault, {"school": setup.school_recovery_key, "governors": setup.governors_recovery_key}
    )
    dsl = setup.session
    head_roles = {Role.HEADTEACHER} | ({Role.DSL} if head_is_dsl else set())
    people = [("Hugh Head", frozenset(head_roles)), ("Chris Chair", frozenset({Role.CHAIR}))]
    people += [(name, frozenset({Role.STAFF})) for name in staff]
    for name, roles in people:
        code = vault.invite(dsl, name, roles)  # type: ignore[attr-defined]
        session = vault.enrol(code, PASSPHRASES[name])  # type: ignore[attr-defined]
        school.ids[name] = session.user_id
        session.lock()
    school.ids["Dana DSL"] = dsl.user_id
    # Being invited is not being admitted (DESIGN §3.5): the DSL admits the headteacher,
    # the governors' recovery key admits the first chair.
    vault.admit(dsl, "Hugh Head")  # type: ignore[attr-defined]
    dsl.lock()
    vault.admit_with_recovery("Chris Chair", school.recovery["governors"])  # type: ignore[attr-defined]
    # The first member of a role makes its key at their next sign-in; existing members hand
    # keys to newcomers when they next sign in.
    school.unlock("Hugh Head").lock()  # type: ignore[attr-defined]
    school.unlock("Chris Chair").lock()  # type: ignore[attr-defined]
    school.unlock("Dana DSL").lock()  # type: ignore[attr-defined]
    return school


@pytest.fixture
def school(vault: object) -> School:
    return build_school(vault)
