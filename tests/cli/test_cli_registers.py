"""Registers through the `safelog` command (issue 18): staff declarations (`declaration sign`
as each member, `declaration list --json` and `declaration print` by the DSL; staff refused
the register; an unknown declaration refused in plain words) and image consent (`consent
record` by the DSL, `consent show`/`list` by anyone, staff refused the record)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from support.cli import run_in_process
from support.school import PASSPHRASES, build_school

from safelog.store.engine import sqlite_url
from safelog.vault.vault import Vault


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data").mkdir(mode=0o700)
    vault = Vault(tmp_path / "data", sqlite_url(tmp_path / "data"))
    try:
        build_school(vault)
    finally:
        vault.close()
    return tmp_path


def run(root: Path, who: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
    env["SAFELOG_INSECURE_TEST_KDF"] = "1"
    return run_in_process(
        ["--data-dir", str(root / "data"), *args, "--as", who],
        stdin=PASSPHRASES[who] + "\n",
        env=env,
        cwd=root,
    )


def test_sign_list_and_print(root: Path) -> None:
    signed = run(root, "Sam Staff", "declaration", "sign", "acceptable-use")
    assert signed.returncode == 0, signed.stderr
    assert "Sam Staff signed: I confirm" in signed.stdout
    unknown = run(root, "Sam Staff", "declaration", "sign", "fire-drill")
    assert unknown.returncode == 1 and "There is no declaration 'fire-drill'" in unknown.stderr
    refused = run(root, "Sam Staff", "declaration", "list")
    assert refused.returncode == 3 and "for the DSL and the admin" in refused.stderr

    listed = run(root, "Dana DSL", "declaration", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    view = {d["declaration"]: d for d in json.loads(listed.stdout)["declarations"]}
    assert [s["name"] for s in view["acceptable-use"]["signed"]] == ["Sam Staff"]
    assert "Sam Staff" not in view["acceptable-use"]["not_signed"]
    assert "Sam Staff" in view["social-media"]["not_signed"]
    assert view["social-media"]["policy_refs"] == ["002 8.1"]

    out = root / "register.pdf"
    printed = run(root, "Dana DSL", "declaration", "print", "--out", str(out))
    assert printed.returncode == 0, printed.stderr
    assert out.read_bytes().startswith(b"%PDF") and "SHA-256" in printed.stdout


def test_consent_record_show_and_list(root: Path) -> None:
    from support.roll_files import SIMS_CSV

    roll = root / "roll.csv"
    roll.write_bytes(SIMS_CSV.replace("31/02/2011", "28/02/2011").encode())
    imported = run(root, "Dana DSL", "pupil", "import", str(roll))
    assert imported.returncode == 0, imported.stderr
    pupils = json.loads(run(root, "Sam Staff", "pupil", "list", "--json").stdout)
    jess = pupils[0]["id"]
    given = run(
        root, "Dana DSL", "consent", "record", jess, "--medium", "website-images",
        "--status", "given", "--by", "Mrs Smith",
    )  # fmt: skip
    assert given.returncode == 0, given.stderr
    assert "Consent given: Images on the school website" in given.stdout
    refused = run(
        root, "Sam Staff", "consent", "record", jess, "--medium", "press", "--status", "given",
        "--by", "Mr Smith",
    )  # fmt: skip
    assert refused.returncode == 3, refused.stderr
    shown = json.loads(run(root, "Sam Staff", "consent", "show", jess, "--json").stdout)
    assert shown["consent"]["website-images"] == "may post"
    assert shown["consent"]["press"] == "not asked"
    assert shown["events"][0]["by"] == "Mrs Smith"
    may = json.loads(
        run(root, "Sam Staff", "consent", "list", "--medium", "website-images", "--json").stdout
    )
    assert [p["pupil"] for p in may] == [jess]
    out = root / "consent.pdf"
    printed = run(root, "Dana DSL", "consent", "print", "--out", str(out))
    assert printed.returncode == 0, printed.stderr
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Record of consent" in text and "may post" in text and shown["name"] in text
    assert run(root, "Sam Staff", "consent", "print", "--out", str(root / "x.pdf")).returncode == 3


def test_a_blocked_content_request_from_asking_to_the_printed_form(root: Path) -> None:
    """003 7.5 and appendix a: a member of staff asks, the headteacher approves, the form is
    printed with both parts; the DSL cannot decide it; nobody else sees it."""
    asked = run(
        root, "Sam Staff", "approval", "request", "blocked-content", "--url",
        "https://www.youtube.com/watch?v=water", "--site-content", "The water cycle",
        "--reasons", "Year 4 science", "--risks", "Teacher's screen only", "--json",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    number = str(json.loads(asked.stdout)["number"])
    assert json.loads(asked.stdout)["status"] == "awaiting decision"
    waiting = json.loads(run(root, "Hugh Head", "approval", "list", "--waiting", "--json").stdout)
    assert [r["number"] for r in waiting["requests"]] == [int(number)]
    wrong = run(root, "Dana DSL", "approval", "decide", number, "--decision", "approved")
    assert wrong.returncode == 3 and "for the headteacher to decide" in wrong.stderr
    done = run(
        root, "Hugh Head", "approval", "decide", number, "--decision", "approved",
        "--reasons", "Educational; controls are enough",
    )  # fmt: skip
    assert done.returncode == 0 and "approved" in done.stdout, done.stderr
    assert json.loads(run(root, "Tess Teacher", "approval", "list", "--json").stdout) == {
        "requests": []
    }
    out = root / "blocked.pdf"
    printed = run(root, "Sam Staff", "approval", "print", number, "--out", str(out))
    assert printed.returncode == 0, printed.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    for words in (
        "Blocked content access request form",
        "Sam Staff",
        "Hugh Head",
        "Approved",
        "https://www.youtube.com/watch?v=water",
        "Identified risks and control",
    ):
        assert words in text


def test_monitoring_is_approved_by_the_chair_and_hidden_from_its_subject(root: Path) -> None:
    """002 7.4: the chair approves, after the discussion with HR, ICT and audit; the person
    it is about never lists it."""
    asked = run(
        root, "Dana DSL", "approval", "request", "monitoring", "--about", "Tess Teacher",
        "--scope", "E-mail account", "--grounds", "Messages reported by a parent",
        "--discussion", "HR, ICT, audit on 3 December", "--assessment", "Justified",
        "--json",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    number = str(json.loads(asked.stdout)["number"])
    head = run(root, "Hugh Head", "approval", "decide", number, "--decision", "approved")
    assert head.returncode == 3 and "chair of governors" in head.stderr
    chair = run(root, "Chris Chair", "approval", "decide", number, "--decision", "approved",
                "--reasons", "Grounds are clear")  # fmt: skip
    assert chair.returncode == 0, chair.stderr
    seen = json.loads(run(root, "Hugh Head", "approval", "list", "--json").stdout)["requests"]
    assert seen[0]["status"] == "approved" and seen[0]["about"] == "Tess Teacher"
    hidden = run(root, "Tess Teacher", "approval", "list", "--json")
    assert json.loads(hidden.stdout) == {"requests": []}
    missing = run(root, "Tess Teacher", "approval", "print", number, "--out", str(root / "x.pdf"))
    assert missing.returncode != 0 and not (root / "x.pdf").exists()
    staff = run(
        root,
        "Sam Staff",
        "approval",
        "request",
        "monitoring",
        "--about",
        "Tess Teacher",
        "--scope",
        "s",
        "--grounds",
        "g",
        "--discussion",
        "d",
        "--assessment",
        "a",
    )
    assert staff.returncode == 1 and "DSL or the headteacher" in staff.stderr


def test_case_vir_prints_the_violent_incident_report(root: Path) -> None:
    """002 appendix 2: `case vir` for a threat to a member of staff; refused for others."""
    case = {
        "category": "public-threats",
        "summary": "Threat on Facebook",
        "description": "A post threatening Sam after school.",
        "people": [{"name": "Pat Parent", "kind": "parent", "role": "alleged-perpetrator"}],
    }
    (root / "threat.json").write_text(json.dumps(case), "utf-8")
    added = run(root, "Sam Staff", "case", "add", "--json", str(root / "threat.json"))
    assert added.returncode == 0, added.stderr
    reference = added.stdout.splitlines()[-1]
    out = root / "vir.pdf"
    printed = run(root, "Dana DSL", "case", "vir", reference, "--out", str(out))
    assert printed.returncode == 0 and "SHA-256" in printed.stdout, printed.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "Violent Incident Report" in text and "Pat Parent" in text
    (root / "pupil.json").write_text(json.dumps({**case, "category": "cyberbullying-pupil"}))
    other = run(root, "Sam Staff", "case", "add", "--json", str(root / "pupil.json"))
    refused = run(root, "Dana DSL", "case", "vir", other.stdout.splitlines()[-1], "--out",
                  str(root / "no.pdf"))  # fmt: skip
    assert refused.returncode == 1 and "completed for" in refused.stderr
    assert not (root / "no.pdf").exists()
