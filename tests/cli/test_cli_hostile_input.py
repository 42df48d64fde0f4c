"""Hostile input through the `safelog` command (issue 10, point 7), each step through
`safelog.cli.main` (a real `python -m safelog` subprocess where marked `subprocess_smoke`):

- text planted in a vault by a modified client (terminal escapes, direction overrides, a
  line break that forges a row) is written out visibly by `case show`, `case list`,
  `user list` and `evidence list`, and JSON output keeps the exact value while escaping it;
- error lines that quote what was typed cannot drive the terminal either;
- `--json` files that are nested 100,000 deep, hold lone surrogates, are not UTF-8 or are
  huge give one plain line and a non-zero exit, never a traceback or a "crash" line.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.cli import subprocess_smoke
from support.school import PASSPHRASES, build_school
from test_cli_journeys import Cli, fails, ok

from safelog.domain.roles import Role
from safelog.evidence import corpus
from safelog.vault import membership_changes
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import import_stream

# What a terminal acts on: C0 controls but tab and LF, DEL, C1 controls, direction overrides.
ACTIVE = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
TITLE_AND_CLEAR = "\x1b]0;SafeLog: nothing to see\x07\x1b[2J\x1b[H"
SUMMARY = "Pupil messaged " + TITLE_AND_CLEAR + "\x9b31mALERT"
FORGED_ROW = "Quiet week\nSL-2026-9999  closed       other                      All fine"
DESCRIPTION = "Line one\n" + TITLE_AND_CLEAR + "\x08\x08\x08\x7fLine two \u202eesrever"
PERSON = "Amy \u202eLIPUP\u202c Smith"
EVE = "Eve \u202eLSD\u202c \x1b[31mAdmin"


def inert(text: str) -> str:
    found = sorted({f"U+{ord(c):04X}" for c in text if c in ACTIVE})
    assert not found, f"printed as is: {found}"
    return text


@dataclass
class Planted:
    cli: Cli
    references: list[str]  # the hostile case first


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Planted]:
    """A school whose database holds what a modified client wrote, without the checks that
    refuse it when typed: CaseInput built directly, and a name invited without clean_name."""
    from safelog.vault.vault import Vault

    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    vault = Vault(data_dir)  # the real clock: the commands below use it too
    try:
        build_school(vault)
        dana = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
        hostile = CaseInput(
            category="online-abuse-disclosure",
            summary=SUMMARY,
            description=DESCRIPTION,
            platform="Insta\x1b[8mgram",
            people=[{"name": PERSON, "kind": "pupil", "role": "victim"}],
        )
        forged = CaseInput(
            category="cyberbullying-pupil", summary=FORGED_ROW, description="Nothing."
        )
        references = [add_case(dana, hostile), add_case(dana, forged)]
        with monkeypatch.context() as patch:
            patch.setattr(membership_changes, "clean_name", lambda name: name)
            vault.invite(dana, EVE, frozenset({Role.STAFF}))
        import_stream(
            dana,
            references[0],
            io.BytesIO(corpus.text()),
            original_name="chat\x1b[2J\u202etxt.exe",
        )
        dana.lock()
    finally:
        vault.close()
    yield Planted(Cli(tmp_path, data_dir), references)


def as_dana(cli: Cli, *args: str) -> Any:
    return cli.as_user("Dana DSL", *args, passphrase=PASSPHRASES["Dana DSL"])


def test_case_show_writes_planted_escapes_out_visibly(planted: Planted) -> None:
    reference = planted.references[0]
    out = inert(ok(as_dana(planted.cli, "case", "show", reference)))
    assert "Pupil messaged \u241b]0;SafeLog: nothing to see\u2407\u241b[2J" in out
    assert "<U+009B>31mALERT" in out
    assert "Line one\n" in out  # the description keeps its line breaks
    assert "Line two <U+202E>esrever" in out
    assert "Amy <U+202E>LIPUP<U+202C> Smith" in out
    assert "chat_[2J_txt.exe" in out  # the evidence name, cleaned when it was imported


def test_json_output_keeps_the_value_exactly_but_escaped(planted: Planted) -> None:
    reference = planted.references[0]
    shown = inert(ok(as_dana(planted.cli, "case", "show", reference, "--json")))
    data = json.loads(shown)
    assert data["summary"] == SUMMARY
    assert data["description"] == DESCRIPTION
    assert data["platform"] == "Insta\x1b[8mgram"
    assert data["people"][0]["name"] == PERSON
    listed = json.loads(inert(ok(as_dana(planted.cli, "case", "list", "--json"))))
    assert {c["summary"] for c in listed} == {SUMMARY, FORGED_ROW}
    users = json.loads(inert(ok(as_dana(planted.cli, "user", "list", "--json"))))
    assert EVE in [u["name"] for u in users]


def test_a_planted_line_break_cannot_forge_a_row_of_the_case_list(planted: Planted) -> None:
    rows = inert(ok(as_dana(planted.cli, "case", "list"))).splitlines()
    assert len(rows) == len(planted.references)
    assert not any(row.startswith("SL-2026-9999") for row in rows)
    assert any("Quiet week\u240aSL-2026-9999" in row for row in rows)


def test_user_and_evidence_lists_write_planted_names_out_visibly(planted: Planted) -> None:
    users = inert(ok(as_dana(planted.cli, "user", "list")))
    assert "Eve <U+202E>LSD<U+202C> \u241b[31mAdmin" in users
    listed = inert(ok(as_dana(planted.cli, "evidence", "list", planted.references[0])))
    assert "chat_[2J_txt.exe" in listed


def test_error_lines_that_quote_what_was_typed_are_inert(planted: Planted) -> None:
    line = inert(fails(as_dana(planted.cli, "case", "show", "SL-\x1b[2J\u202e1")))
    assert line == "safelog: There is no case SL-\u241b[2J<U+202E>1."
    missing = planted.cli.root / "no such \x1b[31mfolder" / "case.json"
    line = inert(fails(as_dana(planted.cli, "case", "add", "--json", str(missing))))
    assert "Cannot read" in line and "\u241b[31m" in line
    usage = planted.cli.run("case", "list", "--as", "Dana DSL", "--colour", "\x1b[5m\u202e")
    assert usage.returncode == 2
    inert(usage.stderr)
    assert len(usage.stderr.splitlines()) == 1


# -- JSON a script or an attacker hands to --json --------------------------------------------

CASE = {
    "category": "online-abuse-disclosure",
    "summary": "A pupil was sent messages",
    "description": "What the pupil told me.",
}


def deep_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


HOSTILE_JSON: dict[str, tuple[str | bytes, str]] = {
    "100,000 nested arrays": (deep_arrays(100_000), "nested more than 32 levels deep"),
    "100,000 nested objects": (deep_objects(100_000), "nested more than 32 levels deep"),
    "40 levels inside people": (
        json.dumps({**CASE, "people": json.loads(deep_arrays(40))}),
        "nested more than 32 levels deep",
    ),
    "lone surrogate in a value": (
        json.dumps({**CASE, "summary": "half \ud800 a character"}),
        "lone surrogate",
    ),
    "lone surrogate in a key": (json.dumps({**CASE, "\udc00": "x"}), "lone surrogate"),
    "lone surrogate in a category": (json.dumps({**CASE, "category": "\ud83d"}), "lone surrogate"),
    "not UTF-8": (b'{"summary": "caf\xe9"}', "not UTF-8"),
    "17 MiB": (
        json.dumps({**CASE, "description": "x" * (17 * 1024 * 1024)}),
        "larger than 16 MiB",
    ),
}


@pytest.fixture(scope="module")
def school_cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    root = tmp_path_factory.mktemp("cli-hostile")
    cli = Cli(root, root / "vault")
    ok(
        cli.run(
            "init",
            "--school",
            "Ravens Wood School",
            "--name",
            "Dana DSL",
            stdin=[PASSPHRASES["Dana DSL"]] * 2,
        )
    )
    return cli


@pytest.mark.parametrize("label", HOSTILE_JSON, ids=HOSTILE_JSON)
def test_hostile_json_files_give_one_plain_line(school_cli: Cli, label: str) -> None:
    content, expected = HOSTILE_JSON[label]
    path = school_cli.root / "hostile.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8", errors="surrogatepass")
    line = inert(fails(as_dana(school_cli, "case", "add", "--json", str(path)), exit_code=1))
    assert expected in line, line
    assert "unexpected" not in line


def test_hostile_json_on_every_command_that_reads_it(school_cli: Cli) -> None:
    reference = ok(
        as_dana(school_cli, "case", "add", "--json", str(school_cli.write_json("ok.json", CASE)))
    ).split()[-1]
    deep = school_cli.root / "deep.json"
    deep.write_text(deep_arrays(100_000), "utf-8")
    surrogate = school_cli.root / "surrogate.json"
    surrogate.write_text('{"summary": "x\\ud800"}', "utf-8")
    for path in (deep, surrogate):
        for args in (
            ("case", "update", reference, "--json", str(path)),
            ("case", "content-report", reference, "--json", str(path)),
        ):
            line = inert(fails(as_dana(school_cli, *args), exit_code=1))
            assert "nested more than" in line or "lone surrogate" in line, line
    # From standard input, after the passphrase line.
    piped = school_cli.run(
        "case",
        "add",
        "--as",
        "Dana DSL",
        "--json",
        "-",
        stdin=[PASSPHRASES["Dana DSL"], deep_arrays(100_000)],
    )
    assert "nested more than 32 levels deep" in inert(fails(piped, exit_code=1))
    rows = json.loads(ok(as_dana(school_cli, "case", "list", "--json")))
    assert [r["reference"] for r in rows] == [reference]  # nothing else went in


def test_a_case_with_an_escape_in_it_is_refused_plainly(school_cli: Cli) -> None:
    path = school_cli.write_json("escape.json", {**CASE, "summary": "Hi " + TITLE_AND_CLEAR})
    line = inert(fails(as_dana(school_cli, "case", "add", "--json", str(path)), exit_code=1))
    assert line == (
        "safelog: 'summary' contains a control character (U+001B, escape); remove it and try again."
    )


# -- init with a database that cannot be used ------------------------------------------------

UNUSABLE_URLS = {
    "closed port": (
        "postgresql://127.0.0.1:1/safelog",
        "safelog: Cannot reach the database at postgresql://127.0.0.1:1/safelog "
        "(Connection refused); nothing was saved.",
    ),
    "password not repeated": (
        "postgresql://bob:s3cret@127.0.0.1:1/safelog",
        "safelog: Cannot reach the database at postgresql://bob:***@127.0.0.1:1/safelog",
    ),
    "not PostgreSQL": ("mysql://bob@db.example/safelog", "is not a PostgreSQL server's URL"),
    "not a URL": ("db.example safelog", "The database URL is not one SafeLog can use"),
}


def nothing_saved(cli: Cli) -> None:
    assert not cli.data_dir.exists() or sorted(cli.data_dir.iterdir()) == []
    assert not list((cli.root / "home").rglob("faults.log"))  # refused, not crashed


@pytest.mark.parametrize("label", UNUSABLE_URLS, ids=UNUSABLE_URLS)
def test_init_with_an_unusable_database_url_saves_nothing(tmp_path: Path, label: str) -> None:
    url, expected = UNUSABLE_URLS[label]
    cli = Cli(tmp_path, tmp_path / "vault")
    init = ("init", "--school", "Ravens Wood School", "--name", "Dana DSL")
    # No passphrase on standard input: the URL is checked before one is asked for.
    line = fails(cli.run(*init, "--database-url", url), exit_code=1)
    assert expected in line, line
    assert "s3cret" not in line
    nothing_saved(cli)
    # The same folder still takes a vault afterwards: nothing half-made is in the way.
    ok(cli.run(*init, stdin=[PASSPHRASES["Dana DSL"]] * 2))
    assert (cli.data_dir / "safelog.db").exists()
    assert not (cli.data_dir / "config.json").exists()


@subprocess_smoke
def test_init_with_an_unreachable_url_from_the_environment_saves_nothing(tmp_path: Path) -> None:
    cli = Cli(
        tmp_path,
        tmp_path / "vault",
        {"SAFELOG_DATABASE_URL": "postgresql://127.0.0.1:1/safelog"},
        in_process=False,
    )
    line = fails(
        cli.run("init", "--school", "Ravens Wood School", "--name", "Dana DSL"), exit_code=1
    )
    assert "Cannot reach the database at postgresql://127.0.0.1:1/safelog" in line
    nothing_saved(cli)
