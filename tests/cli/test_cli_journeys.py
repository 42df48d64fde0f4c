"""End-to-end journeys through the `safelog` command (DESIGN §6), each step `safelog.cli.main`
with passphrases piped on standard input, as a script would run it; the tests marked
`subprocess_smoke` run each step as a real `python -m safelog` subprocess instead.

Every failing step must exit non-zero with exactly one plain line on standard error and no
traceback. The journeys share one school built once per module (the setup is itself checked);
one journey runs against PostgreSQL through SAFELOG_DATABASE_URL.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_in_process, run_subprocess, subprocess_smoke

from safelog.crypto.recovery import parse_key

PASS = {
    "Dana DSL": "dana correct horse",
    "Hugh Head": "hugh battery staple",
    "Sam Staff": "sam staffroom tea",
    "Tess Teacher": "tess lesson plans",
}
RECOVERY_KEY = re.compile(r"^[0-9A-Z]{5}(-[0-9A-Z]{5}){10}$")
ENROLMENT_CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{1,4})+$")
REFERENCE = re.compile(r"^SL-\d{4}-\d{4,}$")
EVIDENCE_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

STAFF_REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a Year 8 pupil's video",
    "description": "A pupil showed me comments calling her names under her dance video.",
    "occurred_at": "2026-11-20T15:30:00+00:00",
    "platform": "TikTok",
    "url": "https://www.tiktok.com/@example/video/1",
    "people": [
        {"name": "Amy Pupil", "kind": "pupil", "role": "victim", "date_of_birth": "2013-04-02"},
        {"name": "Ben Pupil", "kind": "pupil", "role": "alleged-perpetrator"},
    ],
}
ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "Messages from the head to a pupil",
    "description": "A parent reports private messages sent by the headteacher to a pupil.",
    "subjects": ["Hugh Head"],
}


@dataclass
class Cli:
    """Runs `safelog` (in this process, or as a subprocess) with a private HOME and a vault
    in `data_dir`."""

    root: Path
    data_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    in_process: bool = True

    def env(self, use_env_dir: bool = False) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
        home = self.root / "home"
        env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / "data"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_CACHE_HOME=str(home / "cache"),
            SAFELOG_INSECURE_TEST_KDF="1",
            QT_QPA_PLATFORM="offscreen",
        )
        if use_env_dir:
            env["SAFELOG_DATA_DIR"] = str(self.data_dir)
        env.update(self.extra_env)
        return env

    def run(
        self,
        *args: str,
        stdin: Sequence[str] = (),
        use_env_dir: bool = False,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        command = [] if use_env_dir else ["--data-dir", str(self.data_dir)]
        run = run_in_process if self.in_process else run_subprocess
        return run(
            [*command, *args],
            stdin="".join(line + "\n" for line in stdin),
            env=self.env(use_env_dir),
            cwd=cwd or self.root,
        )

    def as_user(
        self, name: str, *args: str, passphrase: str | None = None, use_env_dir: bool = False
    ) -> subprocess.CompletedProcess[str]:
        return self.run(
            *args, "--as", name, stdin=[passphrase or PASS[name]], use_env_dir=use_env_dir
        )

    def write_json(self, name: str, value: Any) -> Path:
        path = self.root / name
        path.write_text(json.dumps(value) if not isinstance(value, str) else value, "utf-8")
        return path


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = ok(result).rstrip("\n").splitlines()
    assert lines, "nothing printed"
    return lines[-1]


def fails(result: subprocess.CompletedProcess[str], exit_code: int | None = None) -> str:
    """The one line on standard error of a refused command."""
    assert result.returncode != 0, result.stdout
    if exit_code is not None:
        assert result.returncode == exit_code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("safelog: ")
    assert "unexpected error" not in lines[0], "a refusal must not be reported as a crash"
    return lines[0]


def enrol(cli: Cli, admin: str, name: str, role: str) -> tuple[str, str]:
    """Invite and enrol one person; returns (code, enrol stdout)."""
    code = last_line(
        cli.run(
            "user", "invite", "--as", admin, "--name", name, "--role", role, stdin=[PASS[admin]]
        )
    )
    out = ok(cli.run("user", "enrol", "--code", code, stdin=[PASS[name], PASS[name]]))
    return code, out


@dataclass
class SchoolRun:
    cli: Cli
    init: subprocess.CompletedProcess[str]
    codes: dict[str, str]
    enrolled: dict[str, str]
    mismatch: subprocess.CompletedProcess[str]
    users: subprocess.CompletedProcess[str]


def build_school(cli: Cli) -> SchoolRun:
    init = cli.run(
        "init",
        "--school",
        "Ravens Wood School",
        "--name",
        "Dana DSL",
        stdin=[PASS["Dana DSL"], PASS["Dana DSL"]],
    )
    ok(init)
    codes, enrolled = {}, {}
    codes["Hugh Head"], enrolled["Hugh Head"] = enrol(cli, "Dana DSL", "Hugh Head", "headteacher")
    code = last_line(
        cli.run(
            "user",
            "invite",
            "--as",
            "Dana DSL",
            "--name",
            "Sam Staff",
            "--role",
            "staff",
            stdin=[PASS["Dana DSL"]],
        )
    )
    # Sam mistypes the second copy of the new passphrase, then gets it right with the same code.
    mismatch = cli.run(
        "user", "enrol", "--code", code, stdin=[PASS["Sam Staff"], PASS["Sam Staff"] + "x"]
    )
    codes["Sam Staff"] = code
    enrolled["Sam Staff"] = ok(
        cli.run("user", "enrol", "--code", code, stdin=[PASS["Sam Staff"], PASS["Sam Staff"]])
    )
    # Being invited is not being admitted: the DSL admits the headteacher.
    waiting = json.loads(ok(cli.as_user("Dana DSL", "user", "list", "--json")))
    assert {r["name"]: r["state"] for r in waiting}["Hugh Head"] == "enrolled"
    admitted = ok(cli.as_user("Dana DSL", "user", "admit", "--name", "Hugh Head"))
    assert "Hugh Head is admitted as headteacher" in admitted
    users = cli.as_user("Dana DSL", "user", "list", "--json")
    return SchoolRun(cli, init, codes, enrolled, mismatch, users)


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> SchoolRun:
    root = tmp_path_factory.mktemp("cli-school")
    return build_school(Cli(root, root / "vault"))


# -- setting up ------------------------------------------------------------------------------


def test_init_prints_two_recovery_keys(school: SchoolRun) -> None:
    lines = [line.strip() for line in school.init.stdout.splitlines()]
    keys = [line for line in lines if RECOVERY_KEY.match(line)]
    assert len(keys) == 2 and keys[0] != keys[1]
    assert all(len(parse_key(key)) == 32 for key in keys)
    assert "Traceback" not in school.init.stderr
    data = school.cli.data_dir
    assert (data / "safelog.db").exists()
    assert oct((data / "safelog.db").stat().st_mode & 0o777) == "0o600"


def test_invite_prints_the_code_alone_and_it_enrols(school: SchoolRun) -> None:
    for name, code in school.codes.items():
        assert ENROLMENT_CODE.match(code), code
        assert len(parse_key(code, length=16)) == 16
        assert name in school.enrolled[name]


def test_enrolment_asks_twice_and_codes_are_single_use(school: SchoolRun) -> None:
    line = fails(school.mismatch)
    assert "not the same" in line
    assert "Welcome, Sam Staff" in school.enrolled["Sam Staff"]  # the mismatch used nothing up
    fails(
        school.cli.run(
            "user",
            "enrol",
            "--code",
            school.codes["Sam Staff"],
            stdin=[PASS["Sam Staff"], PASS["Sam Staff"]],
        )
    )


def test_invite_refuses_an_unknown_role(school: SchoolRun) -> None:
    line = fails(
        school.cli.run(
            "user",
            "invite",
            "--as",
            "Dana DSL",
            "--name",
            "Pat Person",
            "--role",
            "wizard",
            stdin=[PASS["Dana DSL"]],
        )
    )
    assert "wizard" in line


def test_user_list_json_and_data_dir_from_environment(school: SchoolRun) -> None:
    rows = json.loads(ok(school.users))
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {"Dana DSL", "Hugh Head", "Sam Staff"}
    assert set(by_name["Dana DSL"]["roles"]) >= {"admin", "dsl"}
    assert "headteacher" in by_name["Hugh Head"]["roles"]
    assert by_name["Sam Staff"]["roles"] == ["staff"]
    assert {row["state"] for row in rows} == {"admitted"}
    assert by_name["Hugh Head"]["admitted_by"] == {"headteacher": "Dana DSL"}
    assert by_name["Hugh Head"]["invited_by"] == "Dana DSL"
    assert by_name["Dana DSL"]["admitted_by"] == {
        "admin": "setting up SafeLog",
        "dsl": "setting up SafeLog",
    }
    via_env = school.cli.as_user("Sam Staff", "user", "list", "--json", use_env_dir=True)
    assert {row["name"] for row in json.loads(ok(via_env))} >= set(by_name)


# -- cases -----------------------------------------------------------------------------------


def _categories(cli: Cli) -> list[dict[str, str]]:
    return json.loads(ok(cli.run("case", "categories", "--json")))


def test_case_categories_json(school: SchoolRun) -> None:
    categories = _categories(school.cli)
    codes = [c["code"] for c in categories]
    assert "cyberbullying-pupil" in codes and "staff-online-conduct" in codes
    assert "low-level-staff" in codes
    assert len(codes) == len(set(codes)) >= 10
    assert all(c["title"] for c in categories)


def test_case_add_refuses_bad_input_plainly(school: SchoolRun) -> None:
    cli = school.cli
    add = ("case", "add", "--as", "Sam Staff", "--json")
    pw = [PASS["Sam Staff"]]
    line = fails(
        cli.run(
            *add, str(cli.write_json("unknown.json", {**STAFF_REPORT, "colour": "red"})), stdin=pw
        )
    )
    assert "colour" in line
    line = fails(
        cli.run(
            *add,
            str(cli.write_json("badcat.json", {**STAFF_REPORT, "category": "bullying"})),
            stdin=pw,
        )
    )
    assert "bullying" in line
    for category in _categories(cli):
        assert category["code"] in line
    line = fails(cli.run(*add, str(cli.write_json("broken.json", '{"category": "cyber')), stdin=pw))
    assert "not valid JSON" in line


def _check_case_json(shown: dict[str, Any]) -> None:
    for key in (
        "reference",
        "category",
        "summary",
        "description",
        "status",
        "people",
        "escalations",
        "evidence",
        "history",
    ):
        assert key in shown, key
    assert shown["escalations"], "a cyberbullying case suggests at least one route"
    for route in shown["escalations"]:
        assert {"route", "due", "done_at", "reference"} <= set(route)
    for version in shown["history"]:
        assert {"author", "at"} <= set(version)


def test_staff_report_with_evidence(school: SchoolRun) -> None:
    cli = school.cli
    reference = last_line(
        cli.as_user(
            "Sam Staff", "case", "add", "--json", str(cli.write_json("report.json", STAFF_REPORT))
        )
    )
    assert REFERENCE.match(reference), reference

    shown = json.loads(ok(cli.as_user("Dana DSL", "case", "show", reference, "--json")))
    _check_case_json(shown)
    assert shown["reference"] == reference
    for key in ("category", "summary", "description", "platform", "url"):
        assert shown[key] == STAFF_REPORT[key], key
    assert [(p["name"], p["kind"], p["role"]) for p in shown["people"]] == [
        ("Amy Pupil", "pupil", "victim"),
        ("Ben Pupil", "pupil", "alleged-perpetrator"),
    ]
    assert shown["people"][0]["date_of_birth"] == "2013-04-02"
    assert shown["status"] in ("new", "open")
    assert shown["evidence"] == []
    # The DSL opening it sealed it from its reporter: a version by the DSL, no fields set.
    assert [v["author"] for v in shown["history"]] == ["Sam Staff", "Dana DSL"]

    listed = json.loads(ok(cli.as_user("Dana DSL", "case", "list", "--json")))
    entry = next(c for c in listed if c["reference"] == reference)
    assert entry["summary"] == STAFF_REPORT["summary"]
    assert entry["category"] == STAFF_REPORT["category"]

    original = os.urandom(1024 * 1024 + 12345)  # more than one stream chunk
    screenshot = cli.root / "comments capture.bin"
    screenshot.write_bytes(original)
    evidence_id = last_line(
        cli.as_user(
            "Dana DSL",
            "evidence",
            "add",
            reference,
            str(screenshot),
            "--source-url",
            "https://www.tiktok.com/@example/video/1",
            "--platform",
            "TikTok",
        )
    )
    assert EVIDENCE_ID.match(evidence_id), evidence_id

    shown = json.loads(ok(cli.as_user("Dana DSL", "case", "show", reference, "--json")))
    _check_case_json(shown)
    [item] = shown["evidence"]
    assert item["id"] == evidence_id
    assert item["file_name"] == "comments capture.bin"
    assert item["size"] == len(original)
    assert item["sha256"] == hashlib.sha256(original).hexdigest()
    assert item["source_url"] == "https://www.tiktok.com/@example/video/1"
    assert item["platform"] == "TikTok"

    out = cli.root / "extracted.bin"
    printed = ok(
        cli.as_user("Dana DSL", "evidence", "extract", reference, evidence_id, "--out", str(out))
    )
    assert out.read_bytes() == original
    assert hashlib.sha256(original).hexdigest() in printed
    line = fails(
        cli.as_user("Dana DSL", "evidence", "extract", reference, evidence_id, "--out", str(out))
    )
    assert "already exists" in line
    assert out.read_bytes() == original

    report = json.loads(ok(cli.as_user("Dana DSL", "audit", "verify", "--json")))
    assert report["entries"] > 5


def test_concern_about_the_head_is_refused_to_the_head(school: SchoolRun) -> None:
    cli = school.cli
    reference = last_line(
        cli.as_user(
            "Dana DSL", "case", "add", "--json", str(cli.write_json("about-head.json", ABOUT_HEAD))
        )
    )
    assert REFERENCE.match(reference)
    result = cli.as_user("Hugh Head", "case", "show", reference, "--json")
    line = fails(result, exit_code=3)
    assert reference in line
    assert result.stdout == ""
    assert ABOUT_HEAD["summary"] not in line and "messages" not in line.lower()
    listed = json.loads(ok(cli.as_user("Hugh Head", "case", "list", "--json")))
    assert reference not in {c["reference"] for c in listed}
    assert all(c["summary"] != STAFF_REPORT["summary"] for c in listed)  # nor the staff report
    shown = json.loads(ok(cli.as_user("Dana DSL", "case", "show", reference, "--json")))
    assert shown["summary"] == ABOUT_HEAD["summary"]
    assert shown["subjects"] == ["Hugh Head"]


def test_wrong_passphrase_and_unknown_people(school: SchoolRun) -> None:
    cli = school.cli
    line = fails(cli.as_user("Sam Staff", "case", "list", passphrase="not my passphrase"))
    assert "passphrase" in line and "not my passphrase" not in line
    line = fails(
        cli.as_user("Nobody Here", "case", "show", "SL-1999-0001", passphrase="whatever it is")
    )
    assert "Nobody Here" in line


@subprocess_smoke
def test_commands_on_a_missing_vault_fail_plainly(tmp_path: Path) -> None:
    cli = Cli(tmp_path, tmp_path / "no-vault-here", in_process=False)
    line = fails(cli.as_user("Dana DSL", "case", "list"))
    assert "vault" in line.lower()


@pytest.mark.parametrize(
    "args",
    [("case", "show", "--as", "Dana DSL"), ("frobnicate",), ("user",)],
    ids=["missing-reference", "unknown-command", "missing-subcommand"],
)
@subprocess_smoke
def test_usage_errors_are_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    fails(Cli(tmp_path, tmp_path / "vault", in_process=False).run(*args))


def test_case_add_from_standard_input(school: SchoolRun) -> None:
    cli = school.cli
    case = json.dumps({**STAFF_REPORT, "summary": "Read from standard input"})
    attempts = [
        cli.run("case", "add", "--as", "Sam Staff", "--json", "-", stdin=lines)
        for lines in ([PASS["Sam Staff"], case], [case, PASS["Sam Staff"]])
    ]
    assert any(r.returncode == 0 and REFERENCE.match(last_line(r)) for r in attempts), [
        r.stderr for r in attempts
    ]


# -- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin_url = os.environ.get("SAFELOG_TEST_PG_URL")
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail("CI must set SAFELOG_TEST_PG_URL (see .ci/run)")
        pytest.skip("SAFELOG_TEST_PG_URL is not set")
    from sqlalchemy import create_engine, text

    name = "safelog_cli_" + uuid.uuid4().hex[:12]
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
@subprocess_smoke
@pytest.mark.slow
def test_journey_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    """init, user, case, evidence and audit commands, each a real subprocess."""
    cli = Cli(
        tmp_path, tmp_path / "client", {"SAFELOG_DATABASE_URL": postgres_url}, in_process=False
    )
    init = ok(
        cli.run(
            "init",
            "--school",
            "Ravens Wood School",
            "--name",
            "Dana DSL",
            stdin=[PASS["Dana DSL"], PASS["Dana DSL"]],
        )
    )
    assert len([line for line in init.splitlines() if RECOVERY_KEY.match(line.strip())]) == 2
    enrol(cli, "Dana DSL", "Sam Staff", "staff")
    reference = last_line(
        cli.as_user(
            "Sam Staff", "case", "add", "--json", str(cli.write_json("report.json", STAFF_REPORT))
        )
    )
    original = b"%PDF-1.4 pretend statement\n" + os.urandom(5000)
    (tmp_path / "statement.pdf").write_bytes(original)
    evidence_id = last_line(
        cli.as_user(
            "Sam Staff",
            "evidence",
            "add",
            reference,
            str(tmp_path / "statement.pdf"),
            "--platform",
            "Email",
        )
    )
    shown = json.loads(ok(cli.as_user("Dana DSL", "case", "show", reference, "--json")))
    _check_case_json(shown)
    assert shown["summary"] == STAFF_REPORT["summary"]
    assert shown["evidence"][0]["sha256"] == hashlib.sha256(original).hexdigest()
    out = tmp_path / "out.pdf"
    ok(cli.as_user("Dana DSL", "evidence", "extract", reference, evidence_id, "--out", str(out)))
    assert out.read_bytes() == original
    assert "intact" in ok(cli.as_user("Dana DSL", "audit", "verify"))
    # Everything went to PostgreSQL: no SQLite file appeared in the data directory.
    assert not (cli.data_dir / "safelog.db").exists()
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT reference FROM cases")).scalars().all() == [reference]
            assert conn.execute(text("SELECT count(*) FROM evidence_chunks")).scalar_one() == 1
    finally:
        engine.dispose()
