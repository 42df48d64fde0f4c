"""The scripted server setup for a school's or trust's IT team (issue 14,
packaging/server/setup-postgres.sh), run against a real PostgreSQL server: SafeLog's login
may read and write rows and nothing more, the tables are made by the owner role with
`safelog db upgrade`, SafeLog works through the least-privilege login over TLS, and a
login that may not change tables is told in plain words what to ask IT for.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from support.cli import run_in_process
from support.school import PASSPHRASES

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "server" / "setup-postgres.sh"


@dataclass
class Server:
    admin_url: str
    db: str
    owner: str
    app: str
    password: str

    def url(self, role: str, tls: str = "require") -> str:
        base = self.admin_url.split("://", 1)[1].split("@", 1)[1].rsplit("/", 1)[0]
        return f"postgresql://{role}:{self.password}@{base}/{self.db}?sslmode={tls}"


@pytest.fixture
def server() -> Iterator[Server]:
    admin_url = os.environ.get("SAFELOG_TEST_PG_URL")
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail("CI must set SAFELOG_TEST_PG_URL (see .ci/run)")
        pytest.skip("SAFELOG_TEST_PG_URL is not set")
    tag = secrets.token_hex(4)
    made = Server(admin_url, f"school_{tag}", f"owner_{tag}", f"app_{tag}", secrets.token_hex(8))
    setup = subprocess.run(
        ["bash", str(SCRIPT)],
        env={
            **os.environ,
            "ADMIN_URL": admin_url,
            "SAFELOG_DB": made.db,
            "SAFELOG_OWNER": made.owner,
            "SAFELOG_APP": made.app,
            "SAFELOG_OWNER_PASSWORD": made.password,
            "SAFELOG_APP_PASSWORD": made.password,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    assert "hostssl" in setup.stdout and "safelog db upgrade" in setup.stdout
    try:
        yield made
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{made.db}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{made.app}"')
            conn.execute(f'DROP ROLE IF EXISTS "{made.owner}"')


def safelog(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        SAFELOG_INSECURE_TEST_KDF="1",
    )
    return run_in_process(
        ["--data-dir", str(tmp_path / "pc"), *args], stdin=stdin, env=env, cwd=tmp_path
    )


def test_safelog_runs_on_the_least_privilege_login_over_tls(server: Server, tmp_path: Path) -> None:
    init = ("init", "--school", "Ravens Wood School", "--name", "Dana DSL")
    dana = PASSPHRASES["Dana DSL"]
    # Before IT has made the tables, the app's login cannot, and says what to ask for.
    early = safelog(
        tmp_path, *init, "--database-url", server.url(server.app), stdin=dana + "\n" + dana + "\n"
    )
    assert early.returncode != 0
    assert "safelog db upgrade" in early.stderr and "Traceback" not in early.stderr

    made = safelog(tmp_path, "db", "upgrade", "--database-url", server.url(server.owner))
    assert made.returncode == 0, made.stderr
    assert "The database is up to date" in made.stdout
    again = safelog(tmp_path, "db", "upgrade", "--database-url", server.url(server.owner))
    assert "already up to date" in again.stdout

    done = safelog(
        tmp_path, *init, "--database-url", server.url(server.app), stdin=dana + "\n" + dana + "\n"
    )
    assert done.returncode == 0, done.stderr
    report = tmp_path / "report.json"
    report.write_text(
        '{"category": "public-threats", "summary": "Threat posted", "description": "Seen."}'
    )
    added = safelog(
        tmp_path, "case", "add", "--json", str(report), "--as", "Dana DSL", stdin=dana + "\n"
    )
    assert added.returncode == 0, added.stderr
    listed = safelog(tmp_path, "case", "list", "--as", "Dana DSL", stdin=dana + "\n")
    assert "SL-" in listed.stdout

    with psycopg.connect(server.url(server.app)) as conn:
        # Over TLS, as required.
        assert conn.execute(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone() == (True,)
        # Rows, yes; tables, no.
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (1,)
        for ddl in (
            "CREATE TABLE sneaky (id int)",
            "DROP TABLE cases",
            "ALTER TABLE cases ADD COLUMN x int",
            "TRUNCATE audit",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(ddl)
            conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE public.sneaky (id int)")
        conn.rollback()
        role = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert role == (False, False, False)
