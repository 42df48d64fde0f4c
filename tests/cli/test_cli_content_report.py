"""`safelog case content-report`: the Inappropriate Content Report Form (policy 003, appendix
b) from the command line, each through `safelog.cli.main` with passphrases piped on
standard input. Submit (--json), complete (--complete ID --action TEXT), print (--pdf)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from dataclasses import dataclass

import pytest
from test_cli_export import PASS, Cli, fails, last_line, ok

ARABIC = "ليلى حسن"
REPORT = {
    "category": "inappropriate-content",
    "summary": "Gambling site open on a classroom PC",
    "description": "Found a gambling site open on the PC in room 12 after period 3.",
    "occurred_at": "2026-11-19T11:40:00+00:00",
    "content_report": {
        "accessed_by": ARABIC,
        "urls": ["https://casino.example.com/slots"],
        "nature": "An online casino.",
    },
}
ABOUT_HEAD = {
    "category": "inappropriate-content",
    "summary": "Adult site on the head's laptop",
    "description": "The headteacher's laptop showed an adult site in assembly.",
    "subjects": ["Hugh Head"],
    "content_report": {"urls": ["adult.example.com"], "nature": "Adult content"},
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class School:
    cli: Cli
    reference: str
    head_reference: str


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> School:
    root = tmp_path_factory.mktemp("cli-content-report")
    cli = Cli(root)
    ok(
        cli.run(
            "init",
            "--school",
            "Ravens Wood School",
            "--name",
            "Dana DSL",
            stdin=[PASS["Dana DSL"], PASS["Dana DSL"]],
        )
    )
    for name, role in (("Hugh Head", "headteacher"), ("Sam Staff", "staff")):
        code = last_line(cli.as_user("Dana DSL", "user", "invite", "--name", name, "--role", role))
        ok(cli.run("user", "enrol", "--code", code, stdin=[PASS[name], PASS[name]]))
    ok(cli.as_user("Dana DSL", "user", "list"))
    # A member of staff fills in the first part with their report, from a pipe.
    reference = last_line(
        cli.as_user("Sam Staff", "case", "add", "--json", "-", extra=[json.dumps(REPORT)])
    )
    (root / "head.json").write_text(json.dumps(ABOUT_HEAD), "utf-8")
    head_reference = last_line(cli.as_user("Sam Staff", "case", "add", "--json", "head.json"))
    return School(cli, reference, head_reference)


def reports(school: School, reference: str) -> list[dict]:
    shown = ok(school.cli.as_user("Dana DSL", "case", "show", reference, "--json"))
    return json.loads(shown)["content_reports"]


def form(school: School, who: str, *args: str) -> subprocess.CompletedProcess[str]:
    return school.cli.as_user(who, "case", "content-report", school.reference, *args)


def test_submit_complete_and_print(school: School) -> None:
    cli = school.cli
    [first] = reports(school, school.reference)
    assert first["accessed_by"] == ARABIC
    assert first["submitted_version"] == 1 and first["completed_version"] is None
    assert "officer" not in first

    # The DSL adds a second report from a file; the id is printed alone on the last line.
    (cli.root / "more.json").write_text(
        json.dumps({"urls": "bet.example.org\nhttps://poker.example.net/x", "nature": "Poker"}),
        "utf-8",
    )
    second = last_line(form(school, "Dana DSL", "--json", "more.json"))
    assert UUID.fullmatch(second)

    # Staff cannot complete the officer's part (exit 3); the DSL can, once.
    refused = form(school, "Sam Staff", "--complete", first["id"], "--action", "Closed it")
    assert "e-safety officer" in fails(refused, 3)
    version = last_line(
        form(school, "Dana DSL", "--complete", first["id"], "--action", "Site blocked by IT")
    )
    again = form(school, "Dana DSL", "--complete", first["id"], "--action", "Again")
    assert "already completed by Dana DSL" in fails(again, 1)

    shown = {r["id"]: r for r in reports(school, school.reference)}
    assert shown[first["id"]]["officer"]["action_taken"] == "Site blocked by IT"
    assert shown[first["id"]]["completed_version"] == int(version)
    assert shown[second]["urls"] == ["bet.example.org", "https://poker.example.net/x"]

    # Saved as a PDF to print: a summary, its SHA-256, the file name on the last line.
    result = form(school, "Dana DSL", "--pdf", "form.pdf", "--id", first["id"])
    lines = ok(result).splitlines()
    assert lines[-1] == "form.pdf"
    assert lines[-3] == f"Content report form for {school.reference}: 1 page."
    path = cli.root / "form.pdf"
    assert lines[-2] == f"SHA-256 {hashlib.sha256(path.read_bytes()).hexdigest()}"
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Inappropriate content report form" in text and "OFFICIAL-SENSITIVE" in text
    assert "Site blocked by IT" in text and "Sam Staff" in text
    exists = form(school, "Dana DSL", "--pdf", "form.pdf", "--id", first["id"])
    assert "already exists" in fails(exists, 1)


def test_mistakes_are_one_plain_line(school: School) -> None:
    cli = school.cli
    (cli.root / "bad.json").write_text(
        json.dumps({"urls": ["javascript:alert(1)"], "nature": "x"}), "utf-8"
    )
    # Checked before the passphrase is asked for: nothing is read from standard input.
    bad = cli.run(
        "case", "content-report", school.reference, "--json", "bad.json", "--as", "Dana DSL"
    )
    assert "not a web address" in fails(bad, 1)
    no_action = form(school, "Dana DSL", "--complete", "x")
    assert "--action" in fails(no_action, 1)
    no_id = form(school, "Dana DSL", "--pdf", "a.pdf")
    assert "--id" in fails(no_id, 1)
    neither = cli.as_user("Dana DSL", "case", "content-report", school.reference)
    assert neither.returncode == 2 and "Traceback" not in neither.stderr
    missing = form(school, "Dana DSL", "--pdf", "b.pdf", "--id", "nope")
    assert "no content report nope" in fails(missing, 1)
    assert not (cli.root / "b.pdf").exists()


def test_the_headteacher_is_refused_a_report_about_themselves(school: School) -> None:
    shown = ok(school.cli.as_user("Dana DSL", "case", "show", school.head_reference, "--json"))
    [report] = json.loads(shown)["content_reports"]
    for args in (
        ("--complete", report["id"], "--action", "Nothing to see"),
        ("--pdf", "head.pdf", "--id", report["id"]),
    ):
        result = school.cli.as_user(
            "Hugh Head", "case", "content-report", school.head_reference, *args
        )
        fails(result, 3)
    assert not (school.cli.root / "head.pdf").exists()
