"""Subject access requests on the command line (issue 15, point 2): a request recorded with
its due date, extended once with a reason, an item withheld for serious harm, and the
disclosure exported as a signed PDF whose text layer (pdftotext) names the subject and the
requester and no other pupil and no member of staff (but the DSL's digital signature);
the redaction log is kept in the vault, never in the file; every export audited with its
SHA-256; a member of staff or the headteacher refused.

Ravens Wood is built once (the API for the people, the CLI for the roll, the cases and the
evidence); every test works on a copy.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.cli import CliSchool, ok
from support.roll_files import SIMS_CSV
from support.school import PASSPHRASES, build_school

from safelog.audit.actions import AuditAction
from safelog.store.engine import sqlite_url
from safelog.store.schema import TransferRow
from safelog.vault.vault import Vault

JESS_UPN = "B201201001010"
CHAT = b"Transcript: Jordan Price wrote 'nobody likes you' at 19:41\n" * 10
NOTES = b"Notes of the meeting with Jess and her mum.\n" * 10
OTHER_PUPILS = (
    "Jordan Price",
    "Liam O'Brien",
    "Oliver Smith-Jones",
    "Olly Smith-Jones",
    "Aisha Khan",
    "Zoë Nowak",
    "Aarav Patel",
)
STAFF = ("Sam Staff", "Tess Teacher", "Hugh Head", "Chris Chair", "Dana DSL")


Env = CliSchool


def fails(result: subprocess.CompletedProcess[str], exit_code: int) -> str:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith("safelog: ")
    return line


def _last(out: str) -> str:
    return out.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cli-sar")
    (base / "data").mkdir(mode=0o700)
    env = Env(base, base / "data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAFELOG_INSECURE_TEST_KDF", "1")
        for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
            mp.setenv(var, str(base / "home" / sub))
        mp.setenv("XDG_CONFIG_HOME", str(base / "home" / "config"))
        vault = Vault(base / "data", sqlite_url(base / "data"))
        try:
            build_school(vault)
        finally:
            vault.close()
    (base / "roll.csv").write_text(SIMS_CSV.replace("31/02/2011", "28/02/2011"), "utf-8")
    ok(env.as_user("Dana DSL", "pupil", "import", "roll.csv"))
    cases = {
        "jess": {
            "category": "cyberbullying-pupil",
            "summary": "Abusive messages in the Year 8 group chat",
            "description": (
                "Jess showed Sam Staff messages from Jordan Price sent on Monday evening. "
                "Liam O'Brien and OLIVER SMITH-JONES were in the chat; Karen Smith, her mum, "
                "was told by Tess Teacher."
            ),
            "people": [
                {"pupil": JESS_UPN, "role": "victim"},
                {"name": "Jordan Price", "kind": "pupil", "role": "alleged-perpetrator"},
                {"pupil": "P201201001020", "role": "witness"},
                {"name": "Karen Smith", "kind": "parent", "role": "other"},
                {"name": "Sam Staff", "kind": "staff", "role": "reporter"},
            ],
        },
        "harm": {
            "category": "cyberbullying-pupil",
            "summary": "Second incident, details held back",
            "description": "Something Jess must not be told yet.",
            "people": [{"pupil": JESS_UPN, "role": "victim"}],
        },
        "liam": {
            "category": "cyberbullying-pupil",
            "summary": "Liam's own case, nothing to do with the subject",
            "description": "Aisha Khan posted about Liam O'Brien.",
            "people": [{"pupil": "P201201001020", "role": "victim"}],
        },
    }
    for name, case in cases.items():
        (base / f"{name}.json").write_text(json.dumps(case), "utf-8")
        (base / f"{name}.ref").write_text(
            _last(ok(env.as_user("Dana DSL", "case", "add", "--json", f"{name}.json")))
        )
    jess = (base / "jess.ref").read_text()
    (base / "jordan_chat.txt").write_bytes(CHAT)
    (base / "meeting-notes.txt").write_bytes(NOTES)
    for name in ("jordan_chat.txt", "meeting-notes.txt"):
        (base / f"{name}.id").write_text(
            _last(ok(env.as_user("Dana DSL", "evidence", "add", jess, name)))
        )
    (base / "outcome.json").write_text(
        json.dumps({"outcome": "Jordan Price apologised; Hugh Head met both families."})
    )
    ok(env.as_user("Dana DSL", "case", "update", jess, "--json", "outcome.json"))
    return base


@pytest.fixture
def env(built: Path, tmp_path: Path) -> Env:
    root = tmp_path / "school"
    shutil.copytree(built, root)
    return Env(root, root / "data")


def _record(env: Env) -> str:
    out = ok(
        env.as_user(
            "Dana DSL",
            "sar",
            "record",
            "--subject",
            JESS_UPN,
            "--requester",
            "Karen Smith",
            "--relationship",
            "parent",
            "--received",
            "2026-01-31",
        )
    )
    assert "Karen Smith (Parent or carer (with parental responsibility)) asked" in out, out
    assert "Received 31 January 2026; the answer is due by 28 February 2026." in out
    return _last(out)


def _pdftotext(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def _requests(env: Env) -> list[dict[str, Any]]:
    return json.loads(ok(env.as_user("Dana DSL", "sar", "list", "--json")))


def test_a_disclosure_names_the_subject_and_the_requester_and_no_one_else(env: Env) -> None:
    request = _record(env)
    assert request == "SAR-1"
    (listed,) = _requests(env)
    assert listed["subject"] == "Jess (Jessica) Smith" and listed["due"] == "2026-02-28"
    assert listed["overdue"] is True and listed["status"].startswith("OVERDUE by")
    harm = (env.root / "harm.ref").read_text()
    ok(env.as_user("Dana DSL", "sar", "withhold", request, harm, "--reason", "Police advise"))
    notes_id = (env.root / "meeting-notes.txt.id").read_text()
    chat_id = (env.root / "jordan_chat.txt.id").read_text()

    out = ok(
        env.as_user(
            "Dana DSL",
            "sar",
            "export",
            "--subject",
            JESS_UPN,
            "--out",
            "jess-sar.pdf",
            "--include",
            notes_id,
        )
    )
    pdf = env.root / "jess-sar.pdf"
    assert _last(out) == "jess-sar.pdf"
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert f"SHA-256 {digest}" in out
    assert "1 record(s), 2 evidence item(s) listed, 1 attached" in out

    text = _pdftotext(pdf)
    assert "Jess (Jessica) Smith" in text and "Karen Smith" in text
    for name in OTHER_PUPILS:
        assert name.casefold() not in text.casefold(), name
    for name in STAFF:
        # The DSL who signed is named only by their digital signature's stamp.
        assert text.count(name) == (1 if name == "Dana DSL" else 0), name
    assert "Digitally signed by Dana DSL" in text
    # The same label for the same person, in the people table and inside free text.
    assert "messages from Pupil A sent on Monday" in text
    assert "Pupil B and Pupil C were in the chat" in text
    assert "Pupil A apologised" in text
    assert "shown Staff member" not in text and "Jess showed Staff member A" in text
    # The original named after Jordan is listed under another name; only the notes attached.
    assert "jordan" not in text.casefold() and "Evidence 1.txt" in text
    assert "meeting-notes.txt" in text and "Listed only, not included" in text
    assert hashlib.sha256(CHAT).hexdigest()[:8] in text
    # The case withheld for serious harm is not there at all; Liam's own case neither.
    assert harm not in text and "held back" not in text
    assert "Liam's own case" not in text
    # Nothing of the redaction log is in the file.
    raw = pdf.read_bytes()
    for word in (b"Police advise", b"third party data", b"serious harm: ", b"Jordan"):
        assert word not in raw

    # Only the original the DSL included is attached (with the signed manifest).
    attached = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True, text=True)
    assert attached.stdout.splitlines()[1:] == ["1: safelog-manifest.json", "2: meeting-notes.txt"]
    verified = ok(env.run("verify", "jess-sar.pdf"))
    assert "signed, complete and unaltered" in verified

    (after,) = _requests(env)
    (made,) = after["disclosures"]
    assert made["sha256"] == digest and made["included"] == [notes_id]
    assert after["status"] == "disclosure made" and after["overdue"] is False
    assert made["log_entries"] >= 5

    # The log is in the vault, sealed: its rows hold no name in the clear.
    vault = Vault(env.data_dir, sqlite_url(env.data_dir))
    try:
        with vault.engine.connect() as conn:
            rows = conn.execute(select(TransferRow.body_ct)).scalars().all()
        for body in rows:
            assert b"Jordan" not in bytes(body) and b"third party" not in bytes(body)
        dana = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
        from safelog.vault.subject_access import find_request

        log = find_request(dana, request).disclosures[0].log
        dana.lock()
    finally:
        vault.close()
    pupils = {e["item"]: e for e in log if e["what"] == "names replaced by a label"}
    assert pupils["Pupil A"]["names"] == ["Jordan Price"]
    assert all(e["reason"] == "third party data" for e in pupils.values())
    assert {
        "item": harm,
        "what": "left out entirely",
        "reason": "serious harm",
        "detail": "Police advise",
    } in log
    assert any(e["item"] == chat_id and "listed, not attached" in e["what"] for e in log)
    assert any("shown as Evidence 1.txt" in e["what"] for e in log)

    # Every export is audited with its SHA-256; a second export is allowed and logged again.
    ok(env.as_user("Dana DSL", "sar", "export", "--subject", "Jess Smith", "--out", "again.pdf"))
    audit = json.loads(ok(env.as_user("Dana DSL", "audit", "verify", "--json")))
    assert audit  # the chain verifies with the new entries
    (again,) = _requests(env)
    assert len(again["disclosures"]) == 2
    assert again["disclosures"][1]["included"] == []
    assert AuditAction.SAR_EXPORT.value == "sar.export"


def test_extension_once_with_a_reason_and_bad_input_in_plain_words(env: Env) -> None:
    out = ok(
        env.as_user(
            "Dana DSL",
            "sar",
            "record",
            "--subject",
            "Jordan Price",
            "--requester",
            "Mr Price",
            "--relationship",
            "parent",
        )
    )
    request = _last(out)
    (listed,) = _requests(env)
    assert listed["subject_pupil"] is None and listed["subject"] == "Jordan Price"
    line = fails(
        env.as_user("Dana DSL", "sar", "extend", request, "--months", "2", "--reason", " "), 1
    )
    assert "Say why the request needs longer" in line
    out = ok(
        env.as_user(
            "Dana DSL",
            "sar",
            "extend",
            request,
            "--months",
            "2",
            "--reason",
            "Complex: many records",
        )
    )
    (listed,) = _requests(env)
    assert listed["extension"] == {"months": 2, "reason": "Complex: many records"}
    line = fails(
        env.as_user("Dana DSL", "sar", "extend", request, "--months", "1", "--reason", "again"), 1
    )
    assert "already been extended" in line
    line = fails(
        env.as_user("Dana DSL", "sar", "export", "--subject", "Nobody Known", "--out", "x.pdf"), 1
    )
    assert "No subject access request about Nobody Known" in line
    assert not (env.root / "x.pdf").exists()
    line = fails(
        env.as_user(
            "Dana DSL",
            "sar",
            "record",
            "--subject",
            JESS_UPN,
            "--requester",
            "X",
            "--relationship",
            "parent",
            "--received",
            "31-01-2026",
        ),
        1,
    )
    assert "YYYY-MM-DD" in line
    # Jordan is in the cases, not on the roll: his disclosure shows his case, Jess labelled.
    ok(env.as_user("Dana DSL", "sar", "export", "--subject", "Jordan Price", "--out", "j.pdf"))
    text = _pdftotext(env.root / "j.pdf")
    assert "Jordan Price" in text and "Mr Price" in text
    assert "Jess" not in text and "Smith" not in text


def test_only_the_dsl_reads_or_records_requests(env: Env) -> None:
    request = _record(env)
    for name in ("Sam Staff", "Hugh Head", "Chris Chair"):
        line = fails(env.as_user(name, "sar", "list"), 3)
        assert "only a DSL" in line
        line = fails(
            env.as_user(name, "sar", "export", "--subject", JESS_UPN, "--out", f"{name}.pdf"), 3
        )
        assert not (env.root / f"{name}.pdf").exists()
        fails(env.as_user(name, "sar", "extend", request, "--months", "1", "--reason", "x"), 3)
