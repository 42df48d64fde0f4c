"""The school roll through the `safelog` command (issue 13): `pupil import` (all of it, or
with a bad row nothing, the rows named), re-imports with a leaver and a pupil rejoining,
`pupil list` with `--search`, `pupil add` by hand, a member of staff refused and usage
mistakes. The school is built once through the API (SQLite) and copied for each test;
every step is `safelog.cli.main` with the passphrase piped on standard input.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.cli import CliSchool, ok
from support.roll_files import SIMS_CSV, SIMS_CSV_NEXT_TERM
from support.school import build_school

from safelog.store.engine import sqlite_url
from safelog.vault.vault import Vault

PUPIL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SIMS_GOOD = SIMS_CSV.replace("31/02/2011", "28/02/2011")
PUPIL_KEYS = {"id", "upn", "name", "preferred_name", "date_of_birth", "year", "form", "left_on"}


class Env(CliSchool):
    def file(self, name: str, text: str) -> str:
        path = self.root / name
        path.write_text(text, "utf-8")
        return str(path)

    def listed(self, *search: str, who: str = "Dana DSL") -> list[dict[str, Any]]:
        args = ("--search", *search) if search else ()
        return json.loads(ok(self.as_user(who, "pupil", "list", *args, "--json")))


@pytest.fixture(scope="module")
def school_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A school built once; each test works on its own copy (vault and home folder)."""
    root = tmp_path_factory.mktemp("cli-pupils")
    data_dir = root / "data"
    data_dir.mkdir(mode=0o700)
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
            mp.setenv(var, str(root / "home" / sub))
        mp.setenv("XDG_CONFIG_HOME", str(root / "home" / "config"))
        vault = Vault(data_dir, sqlite_url(data_dir))
        try:
            build_school(vault)
        finally:
            vault.close()
    return root


@pytest.fixture
def env(school_copy: Path, tmp_path: Path) -> Env:
    root = tmp_path / "school"
    shutil.copytree(school_copy, root)
    return Env(root, root / "data")


def fails(result: subprocess.CompletedProcess[str], exit_code: int = 1) -> str:
    """The one plain line on standard error of a refused command."""
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("safelog: ") and "unexpected error" not in lines[0]
    return lines[0]


def test_a_roll_with_a_bad_row_is_refused_with_its_line_and_nothing_is_imported(
    env: Env,
) -> None:
    sims = env.file("sims.csv", SIMS_CSV)
    refused = env.as_user("Dana DSL", "pupil", "import", sims)
    line = fails(refused)
    assert "nothing was imported" in line and "1 row " in line
    assert refused.stdout.splitlines() == ["line 5: date of birth '31/02/2011' is not a real date"]
    assert env.listed() == []

    as_json = env.as_user("Dana DSL", "pupil", "import", sims, "--json")
    fails(as_json)
    shown = json.loads(as_json.stdout)
    assert shown["imported"] is False
    assert shown["rejected"] == [
        {"line": 5, "reason": "date of birth '31/02/2011' is not a real date"}
    ]
    assert shown["ignored_headings"] == []
    assert env.listed() == []


def test_the_fixed_roll_is_imported_then_a_re_import_marks_a_leaver(env: Env) -> None:
    out = ok(env.as_user("Dana DSL", "pupil", "import", env.file("sims.csv", SIMS_GOOD)))
    assert out.splitlines() == ["The roll is imported: 6 added, 0 updated, 0 unchanged, 0 left."]
    pupils = env.listed()
    assert [p["name"] for p in pupils] == [
        "Aisha Khan",
        "Zoë Nowak",
        "Liam O'Brien",
        "Aarav Patel",
        "Jess (Jessica) Smith",
        "Olly (Oliver) Smith-Jones",
    ]
    jess = pupils[4]
    assert set(jess) == PUPIL_KEYS
    assert PUPIL_ID.match(jess["id"])
    assert jess | {"id": ""} == {
        "id": "",
        "upn": "B201201001010",
        "name": "Jess (Jessica) Smith",
        "preferred_name": "Jess",
        "date_of_birth": "2012-03-14",
        "year": "8",
        "form": "8B",
        "left_on": None,
    }
    aarav = pupils[3]
    assert (aarav["upn"], aarav["preferred_name"]) == (None, None)

    next_term = env.file("next-term.csv", SIMS_CSV_NEXT_TERM)
    result = env.as_user("Dana DSL", "pupil", "import", next_term, "--json")
    counts = json.loads(ok(result))["counts"]
    assert counts == {
        "added": 1,
        "updated": 1,
        "unchanged": 4,
        "left": 1,
        "rejoined": 0,
        "rejected": 0,
    }
    by_name = {p["name"]: p for p in env.listed(who="Sam Staff")}  # every member reads it
    assert len(by_name) == 7  # nobody is deleted
    assert ISO_DATE.match(by_name["Liam O'Brien"]["left_on"])
    assert by_name["Jess (Jessica) Smith"]["form"] == "8C"
    assert by_name["Yusuf Ahmed"]["left_on"] is None

    # The first roll again: Liam rejoins, Yusuf leaves, Jess is back in 8B.
    out = ok(env.as_user("Dana DSL", "pupil", "import", env.file("again.csv", SIMS_GOOD)))
    assert out.splitlines() == [
        "The roll is imported: 0 added, 1 updated, 4 unchanged, 1 left, 1 rejoined."
    ]
    by_name = {p["name"]: p for p in env.listed()}
    assert by_name["Liam O'Brien"]["left_on"] is None
    assert by_name["Yusuf Ahmed"]["left_on"] is not None


def test_pupil_list_searches_by_name_and_prints_plain_lines(env: Env) -> None:
    ok(env.as_user("Dana DSL", "pupil", "import", env.file("sims.csv", SIMS_GOOD)))
    assert [p["name"] for p in env.listed("smith")] == [
        "Jess (Jessica) Smith",
        "Olly (Oliver) Smith-Jones",
    ]
    assert [p["name"] for p in env.listed("jess")] == ["Jess (Jessica) Smith"]
    assert env.listed("nobody-by-this-name") == []
    lines = ok(env.as_user("Dana DSL", "pupil", "list", "--search", "aisha")).splitlines()
    assert len(lines) == 1
    assert "Q201201001040" in lines[0] and lines[0].endswith("Aisha Khan")


def test_a_pupil_is_added_by_hand_and_its_id_printed(env: Env) -> None:
    ruby = {
        "upn": "",
        "legal_forename": "Ruby",
        "preferred_forename": "Rubes",
        "surname": "Green",
        "date_of_birth": "01/06/2012",
        "year": "Year 8",
        "form": "8A",
        "gender": "Female",
    }
    path = env.file("ruby.json", json.dumps(ruby))
    pupil_id = ok(env.as_user("Dana DSL", "pupil", "add", "--json", path)).splitlines()[-1]
    assert PUPIL_ID.match(pupil_id)
    [shown] = env.listed("ruby")
    assert shown == {
        "id": pupil_id,
        "upn": None,
        "name": "Rubes (Ruby) Green",
        "preferred_name": "Rubes",
        "date_of_birth": "2012-06-01",
        "year": "8",
        "form": "8A",
        "left_on": None,
    }
    assert "already on the roll" in fails(env.as_user("Dana DSL", "pupil", "add", "--json", path))

    # From a pipe: the passphrase first, then the pupil's JSON.
    piped = json.dumps({"legal_forename": "Sol", "surname": "Adeyemi"})
    added = env.as_user("Dana DSL", "pupil", "add", "--json", "-", more=piped)
    assert PUPIL_ID.match(ok(added).splitlines()[-1])

    line = fails(
        env.as_user(
            "Dana DSL", "pupil", "add", "--json", env.file("bad.json", '{"surname": "Green"}')
        )
    )
    assert "a forename is needed" in line
    line = fails(env.as_user("Dana DSL", "pupil", "add", "--json", env.file("list.json", "[1, 2]")))
    assert "should hold one pupil as a JSON object" in line
    unknown = env.file("unknown.json", '{"surname": "Green", "legal_forename": "A", "pet": "cat"}')
    assert "'pet'" in fails(env.as_user("Dana DSL", "pupil", "add", "--json", unknown))
    assert len(env.listed()) == 2


def test_a_member_of_staff_reads_the_roll_but_cannot_change_it(env: Env) -> None:
    sims = env.file("sims.csv", SIMS_GOOD)
    line = fails(env.as_user("Sam Staff", "pupil", "import", sims), exit_code=3)
    assert "Only a DSL or an administrator" in line
    ghost = env.file("ghost.json", '{"legal_forename": "Gary", "surname": "Ghost"}')
    fails(env.as_user("Sam Staff", "pupil", "add", "--json", ghost), exit_code=3)
    assert env.listed(who="Sam Staff") == []
    ok(env.as_user("Dana DSL", "pupil", "import", sims))
    assert len(env.listed(who="Sam Staff")) == 6


def test_usage_mistakes_and_a_missing_file_are_one_plain_line(env: Env) -> None:
    line = fails(env.as_user("Dana DSL", "pupil", "list", "--colour", "red"), exit_code=2)
    assert "unrecognized arguments: --colour red" in line
    line = fails(env.run("pupil", "remove", "--as", "Dana DSL"), exit_code=2)
    assert "invalid choice: 'remove'" in line
    fails(env.run("pupil", "import", "roll.csv"), exit_code=2)  # no --as
    line = fails(env.run("pupil", "import", "missing.csv", "--as", "Dana DSL"))
    assert line == "safelog: There is no file missing.csv."


def _case_about(env: Env, who: str, summary: str, upn: str, when: str, role: str) -> str:
    case = {
        "category": "cyberbullying-pupil",
        "summary": summary,
        "description": f"{summary}, as {who} was told.",
        "occurred_at": when,
        "people": [{"pupil": upn, "role": role}],
    }
    out = ok(
        env.as_user(who, "case", "add", "--json", env.file(f"{summary}.json", json.dumps(case)))
    )
    return out.strip().splitlines()[-1]


def test_a_pupils_cases_chronology_and_signed_export(env: Env) -> None:
    ok(env.as_user("Dana DSL", "pupil", "import", env.file("sims.csv", SIMS_GOOD)))
    jess = "B201201001010"
    later = _case_about(
        env, "Tess Teacher", "Left out of a chat", jess, "2026-11-18T12:00:00+00:00", "victim"
    )
    first = _case_about(
        env, "Sam Staff", "Unkind messages", jess, "2026-11-02T09:00:00+00:00", "victim"
    )
    unknown = {"category": "cyberbullying-pupil", "summary": "x", "description": "y",
               "people": [{"pupil": "A123456789012", "role": "victim"}]}  # fmt: skip
    refused = env.as_user(
        "Sam Staff", "case", "add", "--json", env.file("u.json", json.dumps(unknown))
    )
    assert "No pupil with the id or UPN 'A123456789012'" in fails(refused)

    shown = json.loads(ok(env.as_user("Dana DSL", "pupil", "show", jess, "--json")))
    assert set(shown) == {"pupil", "cases", "review_on", "problems"}
    assert shown["pupil"]["name"] == "Jess (Jessica) Smith"
    assert [c["reference"] for c in shown["cases"]] == sorted([first, later])
    assert {tuple(c["roles"]) for c in shown["cases"]} == {("victim",)}
    assert shown["review_on"] == "2037-03-14"

    chronology = json.loads(ok(env.as_user("Dana DSL", "pupil", "chronology", jess, "--json")))
    assert set(chronology) == {"pupil", "entries"}
    entries = chronology["entries"]
    assert all(set(e) == {"at", "case", "kind", "text", "by"} for e in entries)
    assert [(e["case"], e["kind"]) for e in entries] == [(first, "report"), (later, "report")]
    assert entries[0]["at"] < entries[1]["at"] and entries[0]["by"] == "Sam Staff"
    only_later = json.loads(
        ok(env.as_user("Dana DSL", "pupil", "chronology", jess, "--from", "2026-11-10", "--json"))
    )
    assert [e["case"] for e in only_later["entries"]] == [later]
    assert "is not a kind" in fails(
        env.as_user("Dana DSL", "pupil", "chronology", jess, "--kind", "gossip")
    )

    # A member of staff picks pupils but sees no chronology at all.
    assert "chronology is for the DSL" in fails(
        env.as_user("Sam Staff", "pupil", "chronology", jess), exit_code=3
    )

    pdf = env.root / "jess.pdf"
    out = ok(env.as_user("Dana DSL", "pupil", "export", jess, "--out", str(pdf), "--pseudonymise"))
    assert "Signed chronology by Dana DSL" in out and pdf.is_file()
    assert pdf.read_bytes().startswith(b"%PDF")
    verified = env.run("verify", str(pdf))
    assert verified.returncode == 0, verified.stdout + verified.stderr


ADULT_KEYS = {"id", "name", "forename", "surname", "kind", "job", "note", "added_on", "left_on"}


def test_adults_who_are_not_users_are_kept_and_picked_as_the_person_a_concern_is_about(
    env: Env,
) -> None:
    """Issue 13 point 1: staff who are not SafeLog users are on the register; a concern
    names one of them from it, with the kind the register gives."""
    coach = {"forename": "Pat", "surname": "Jones", "kind": "volunteer", "job": "Football coach"}
    coach_file = env.file("coach.json", json.dumps(coach))
    assert "Only a DSL or an administrator" in fails(
        env.as_user("Sam Staff", "adult", "add", "--json", coach_file), exit_code=3
    )
    adult_id = ok(env.as_user("Dana DSL", "adult", "add", "--json", coach_file)).strip()
    assert PUPIL_ID.match(adult_id)
    again = fails(env.as_user("Dana DSL", "adult", "add", "--json", coach_file))
    assert "already on the register" in again
    bad = env.file("bad.json", json.dumps({"forename": "Al", "kind": "wizard"}))
    line = fails(env.as_user("Dana DSL", "adult", "add", "--json", bad))
    assert "a surname is needed" in line and "the kind must be one of" in line

    # Every member reads the register, to pick from it.
    listed = json.loads(
        ok(env.as_user("Sam Staff", "adult", "list", "--search", "coach", "--json"))
    )
    assert [a["id"] for a in listed] == [adult_id]
    assert set(listed[0]) == ADULT_KEYS and listed[0]["kind"] == "volunteer"
    assert (
        json.loads(ok(env.as_user("Sam Staff", "adult", "list", "--search", "nurse", "--json")))
        == []
    )

    case = {
        "category": "cyberbullying-pupil",
        "summary": "Coach messaging a pupil",
        "description": "A pupil showed me messages from the coach.",
        "people": [{"adult": adult_id, "role": "alleged-perpetrator"}],
    }
    reference = (
        ok(env.as_user("Sam Staff", "case", "add", "--json", env.file("c.json", json.dumps(case))))
        .strip()
        .splitlines()[-1]
    )
    shown = json.loads(ok(env.as_user("Dana DSL", "case", "show", reference, "--json")))
    people = shown["people"]
    assert people == [
        {"name": "Pat Jones", "kind": "volunteer", "role": "alleged-perpetrator", "adult": adult_id}
    ]
    unknown = {**case, "people": [{"adult": "no-such-id", "role": "witness"}]}
    assert "No adult with the id 'no-such-id'" in fails(
        env.as_user("Sam Staff", "case", "add", "--json", env.file("u.json", json.dumps(unknown)))
    )
    out = ok(env.as_user("Dana DSL", "adult", "left", adult_id))
    assert "Pat Jones is marked as left" in out
    listed = json.loads(ok(env.as_user("Dana DSL", "adult", "list", "--json")))
    assert ISO_DATE.match(listed[0]["left_on"])


def test_listing_the_categories_loads_no_database_or_crypto() -> None:
    """`safelog case categories` prints a table: the JSON views must not pull in the vault's
    heavy modules when imported (2.5 s instead of 0.2 s on this machine when they did)."""
    import sys

    code = (
        "import sys, safelog.vault.views, safelog.cli;"
        "print(sorted(m for m in ('sqlalchemy', 'cryptography.hazmat.primitives.hpke',"
        " 'safelog.vault.session') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
