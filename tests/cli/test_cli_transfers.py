"""Child protection file transfer between two schools' vaults on the command line (issue
15, point 1): the receiving school's key and its fingerprint, a file sent and received with
the pupil matched or added on the roll, the receipt recorded and the deadline until then;
a changed byte, a wrong key, a replayed file and a replayed or forged receipt refused in
plain words; the passphrase variant opened with no SafeLog key at all.

Two schools are built once (Ravens Wood through the API and the CLI, Oak Hill through the
API), each in its own data folder and home; every test works on copies of both.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.cli import CliSchool, ok
from support.roll_files import SIMS_CSV
from support.school import PASSPHRASES, build_school

from safelog.domain.deadlines import LONDON
from safelog.domain.transfers import said_at
from safelog.store.engine import sqlite_url
from safelog.store.schema import AuditRow
from safelog.vault.vault import Vault

OAK_DSL = "Olive Oak"
OAK_PASS = "olive oak hill school"
PASSES = {**PASSPHRASES, OAK_DSL: OAK_PASS}
JESS_UPN = "B201201001010"
PHONE = re.compile(r"^(?:[0-9A-F]{4} ){7}[0-9A-F]{4}$")
EVIDENCE = b"Screenshot transcript: 'nobody likes you' sent 19:41\n" * 20


class Env(CliSchool):
    passphrases = PASSES


def fails(result: subprocess.CompletedProcess[str], exit_code: int) -> str:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("safelog: ") and "unexpected error" not in lines[0]
    return lines[0]


def _home_env(mp: pytest.MonkeyPatch, root: Path) -> None:
    for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        mp.setenv(var, str(root / "home" / sub))
    mp.setenv("XDG_CONFIG_HOME", str(root / "home" / "config"))


@pytest.fixture(scope="module")
def schools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ravens Wood (a roll, a case about Jess with one original) and Oak Hill (a DSL, no
    roll): built once, copied for each test."""
    base = tmp_path_factory.mktemp("cli-transfers")
    for name in ("ravens", "oak"):
        (base / name / "data").mkdir(parents=True, mode=0o700)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAFELOG_INSECURE_TEST_KDF", "1")
        _home_env(mp, base / "ravens")
        vault = Vault(base / "ravens" / "data", sqlite_url(base / "ravens" / "data"))
        try:
            build_school(vault)
        finally:
            vault.close()
        _home_env(mp, base / "oak")
        vault = Vault(base / "oak" / "data", sqlite_url(base / "oak" / "data"))
        try:
            vault.create("Oak Hill Academy", OAK_DSL, OAK_PASS).session.lock()
            vault.unlock(OAK_DSL, OAK_PASS).lock()  # the DSL role key is made at sign-in
        finally:
            vault.close()
    ravens = Env(base / "ravens", base / "ravens" / "data")
    roll = ravens.root / "roll.csv"
    roll.write_text(SIMS_CSV.replace("31/02/2011", "28/02/2011"), "utf-8")
    ok(ravens.as_user("Dana DSL", "pupil", "import", str(roll)))
    case = {
        "category": "cyberbullying-pupil",
        "summary": "Abusive messages in the Year 8 group chat",
        "description": "Jess showed me messages about her sent on Monday evening.",
        "people": [
            {"pupil": JESS_UPN, "role": "victim"},
            {"name": "Jordan Price", "kind": "pupil", "role": "alleged-perpetrator"},
        ],
    }
    (ravens.root / "case.json").write_text(json.dumps(case), "utf-8")
    reference = ok(ravens.as_user("Dana DSL", "case", "add", "--json", "case.json"))
    reference = reference.strip().splitlines()[-1]
    (ravens.root / "chat.txt").write_bytes(EVIDENCE)
    ok(ravens.as_user("Dana DSL", "evidence", "add", reference, "chat.txt"))
    return base


@pytest.fixture
def two(schools: Path, tmp_path: Path) -> tuple[Env, Env]:
    root = tmp_path / "schools"
    shutil.copytree(schools, root)
    return Env(root / "ravens", root / "ravens" / "data"), Env(root / "oak", root / "oak" / "data")


def _oak_key(oak: Env) -> tuple[Path, str]:
    out = ok(oak.as_user(OAK_DSL, "transfer", "key", "--out", "oak-key.pem"))
    lines = out.splitlines()
    assert lines[-1] == "oak-key.pem"
    phone = next(line.removeprefix("Fingerprint: ") for line in lines if "Fingerprint: " in line)
    assert PHONE.match(phone), phone
    return oak.root / "oak-key.pem", phone


def _send(ravens: Env, key: Path, out: str = "jess.sltransfer") -> Path:
    sent = ok(
        ravens.as_user("Dana DSL", "transfer", "send", JESS_UPN, "--to-key", str(key), "--out", out)
    )
    assert sent.splitlines()[-1] == out
    return ravens.root / out


def _listed(env: Env, who: str) -> list[dict[str, Any]]:
    return json.loads(ok(env.as_user(who, "transfer", "list", "--json")))


def test_a_file_goes_from_one_school_to_another_and_the_receipt_comes_back(
    two: tuple[Env, Env],
) -> None:
    ravens, oak = two
    key, phone = _oak_key(oak)
    # The same key again: the fingerprint does not change, and the key file says it.
    again = ok(oak.as_user(OAK_DSL, "transfer", "key")).splitlines()
    assert again[-1] == phone
    assert "Oak Hill Academy" in key.read_text()

    sent_out = ok(
        ravens.as_user(
            "Dana DSL",
            "transfer",
            "send",
            JESS_UPN,
            "--to-key",
            str(key),
            "--out",
            "jess.sltransfer",
        )
    )
    assert f"fingerprint {phone} (Oak Hill Academy, as the key file says)" in sent_out
    assert "Jess (Jessica) Smith: 1 case(s), 1 original(s)" in sent_out
    assert "Sent, awaiting receipt; due by" in sent_out
    sent_file = ravens.root / "jess.sltransfer"
    digest = hashlib.sha256(sent_file.read_bytes()).hexdigest()
    assert f"SHA-256 {digest}" in sent_out
    # Nothing of the child is readable in the file.
    raw = sent_file.read_bytes()
    for word in (b"Jess", b"Smith", b"group chat", b"nobody likes you", JESS_UPN.encode()):
        assert word not in raw

    (listed,) = _listed(ravens, "Dana DSL")
    assert listed["status"] == "sent, awaiting receipt"
    assert listed["direction"] == "sent" and listed["sha256"] == digest
    # Five school days on (domain/transfers.py; the days are counted in its unit tests).
    due = datetime.fromisoformat(listed["due"]).astimezone(LONDON)
    sent_on = datetime.fromisoformat(listed["at"]).astimezone(LONDON).date()
    assert (due.hour, due.minute) == (18, 0) and due.weekday() < 5
    assert 7 <= (due.date() - sent_on).days <= 11
    assert f"due by {said_at(due)}" in sent_out
    assert listed["review_on"] == "2037-03-14"  # born 14 March 2012, + 25 years

    received = ok(
        oak.as_user(OAK_DSL, "transfer", "receive", str(sent_file), "--receipt-out", "receipt.json")
    )
    lines = received.splitlines()
    assert lines[-1] == "receipt.json"
    assert "from Ravens Wood School" in lines[0]
    assert "Jess (Jessica) Smith was added to the roll" in received
    assert "1 case(s) and 1 original(s) kept as received." in received
    ca = next(line for line in lines if "certificate fingerprint" in line)
    assert PHONE.match(ca.rsplit(": ", 1)[1])

    roll = json.loads(ok(oak.as_user(OAK_DSL, "pupil", "list", "--json")))
    assert [(p["upn"], p["name"], p["date_of_birth"]) for p in roll] == [
        (JESS_UPN, "Jess (Jessica) Smith", "2012-03-14")
    ]
    (kept,) = _listed(oak, OAK_DSL)
    assert kept["direction"] == "received" and kept["school"] == "Ravens Wood School"
    assert kept["sha256"] == digest and len(kept["originals"]) == 1
    assert kept["originals"][0]["sha256"] == hashlib.sha256(EVIDENCE).hexdigest()

    receipt = oak.root / "receipt.json"
    confirmed = ok(ravens.as_user("Dana DSL", "transfer", "confirm", str(receipt)))
    assert "Receipt recorded: Oak Hill Academy (Olive Oak) received the file of Jess" in confirmed
    (listed,) = _listed(ravens, "Dana DSL")
    assert listed["status"] == "sent, receipt recorded"
    assert listed["receipt_by"] == "Olive Oak, Oak Hill Academy"
    # A receipt recorded twice is refused.
    line = fails(ravens.as_user("Dana DSL", "transfer", "confirm", str(receipt)), 1)
    assert "already recorded" in line


def test_a_changed_byte_is_refused_and_nothing_is_imported(two: tuple[Env, Env]) -> None:
    ravens, oak = two
    key, _ = _oak_key(oak)
    sent = _send(ravens, key)
    data = bytearray(sent.read_bytes())
    for at in (len(data) // 2, len(data) - 1):
        changed = bytearray(data)
        changed[at] ^= 0x01
        path = oak.root / f"changed-{at}.sltransfer"
        path.write_bytes(bytes(changed))
        line = fails(
            oak.as_user(OAK_DSL, "transfer", "receive", str(path), "--receipt-out", f"r-{at}.json"),
            4,
        )
        assert "was changed after it was made" in line and "Nothing was imported" in line
        assert not (oak.root / f"r-{at}.json").exists()
    cut = oak.root / "cut.sltransfer"
    cut.write_bytes(bytes(data[:-100]))
    line = fails(
        oak.as_user(OAK_DSL, "transfer", "receive", str(cut), "--receipt-out", "r.json"), 4
    )
    assert "changed after it was made (or is incomplete)" in line
    assert _listed(oak, OAK_DSL) == []
    assert json.loads(ok(oak.as_user(OAK_DSL, "pupil", "list", "--json"))) == []


def test_a_file_for_another_schools_key_is_refused(two: tuple[Env, Env], tmp_path: Path) -> None:
    ravens, oak = two
    _oak_key(oak)
    # A key Oak Hill never made (another school's): the file cannot be for Oak Hill.
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from safelog.crypto.transfer_box import public_key_pem

    other = ravens.root / "other-key.pem"
    other.write_bytes(public_key_pem(X25519PrivateKey.generate().public_key(), "School: Elsewhere"))
    sent = _send(ravens, other)
    line = fails(
        oak.as_user(OAK_DSL, "transfer", "receive", str(sent), "--receipt-out", "r.json"), 1
    )
    assert "encrypted to another school's transfer key" in line and "Nothing was imported" in line
    assert _listed(oak, OAK_DSL) == []
    # Not a key at all, and this school's own key, are refused before anything is sent.
    (ravens.root / "not-a-key.pem").write_text("hello", "utf-8")
    line = fails(
        ravens.as_user(
            "Dana DSL",
            "transfer",
            "send",
            JESS_UPN,
            "--to-key",
            "not-a-key.pem",
            "--out",
            "x.sltransfer",
        ),
        1,
    )
    assert "is not a SafeLog transfer key" in line
    ok(ravens.as_user("Dana DSL", "transfer", "key", "--out", "own.pem"))
    line = fails(
        ravens.as_user(
            "Dana DSL", "transfer", "send", JESS_UPN, "--to-key", "own.pem", "--out", "y.sltransfer"
        ),
        1,
    )
    assert "this school's own transfer key" in line
    assert (
        not (ravens.root / "x.sltransfer").exists() and not (ravens.root / "y.sltransfer").exists()
    )


def test_a_replayed_file_is_refused_and_the_pupil_is_matched_not_added_twice(
    two: tuple[Env, Env],
) -> None:
    ravens, oak = two
    key, _ = _oak_key(oak)
    sent = _send(ravens, key)
    ok(oak.as_user(OAK_DSL, "transfer", "receive", str(sent), "--receipt-out", "r1.json"))
    copy = oak.root / "renamed-copy.sltransfer"
    shutil.copy(sent, copy)
    line = fails(
        oak.as_user(OAK_DSL, "transfer", "receive", str(copy), "--receipt-out", "r2.json"), 1
    )
    assert "was already received on" in line and "by Olive Oak" in line
    assert "not imported again" in line
    assert not (oak.root / "r2.json").exists()
    assert len(_listed(oak, OAK_DSL)) == 1
    # A second file about the same child: she is matched on the roll by her UPN.
    again = _send(ravens, key, "jess-again.sltransfer")
    out = ok(oak.as_user(OAK_DSL, "transfer", "receive", str(again), "--receipt-out", "r3.json"))
    assert "Jess (Jessica) Smith was matched on the roll" in out
    assert len(json.loads(ok(oak.as_user(OAK_DSL, "pupil", "list", "--json")))) == 1


def test_a_forged_or_misdirected_receipt_is_not_recorded(two: tuple[Env, Env]) -> None:
    ravens, oak = two
    key, _ = _oak_key(oak)
    sent = _send(ravens, key)
    ok(oak.as_user(OAK_DSL, "transfer", "receive", str(sent), "--receipt-out", "receipt.json"))
    document = json.loads((oak.root / "receipt.json").read_text("utf-8"))
    document["receipt"]["received_at"] = "2026-11-19T09:00:00+00:00"  # backdated
    forged = ravens.root / "forged.json"
    forged.write_text(json.dumps(document), "utf-8")
    line = fails(ravens.as_user("Dana DSL", "transfer", "confirm", str(forged)), 4)
    assert "The receipt does not check out" in line
    document = json.loads((oak.root / "receipt.json").read_text("utf-8"))
    document["receipt"]["transfer"] = "00000000-0000-0000-0000-000000000000"
    stray = ravens.root / "stray.json"
    stray.write_text(json.dumps(document), "utf-8")
    line = fails(ravens.as_user("Dana DSL", "transfer", "confirm", str(stray)), 1)
    assert "a file this school did not send" in line
    (ravens.root / "junk.json").write_text("{}", "utf-8")
    line = fails(ravens.as_user("Dana DSL", "transfer", "confirm", "junk.json"), 1)
    assert "not a SafeLog transfer receipt" in line
    (listed,) = _listed(ravens, "Dana DSL")
    assert listed["status"] == "sent, awaiting receipt"


def test_only_a_dsl_transfers(two: tuple[Env, Env]) -> None:
    ravens, _ = two
    for who in ("Hugh Head", "Sam Staff"):
        line = fails(ravens.as_user(who, "transfer", "key", "--out", f"{who}.pem"), 3)
        assert "only a DSL" in line
    line = fails(ravens.as_user("Hugh Head", "transfer", "list"), 3)
    assert "only a DSL" in line


def test_the_passphrase_file_opens_in_any_pdf_reader_without_safelog(
    two: tuple[Env, Env],
) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    ravens, _ = two
    passphrase = "one time passphrase 42"
    out = ok(
        ravens.as_user(
            "Dana DSL",
            "transfer",
            "send",
            JESS_UPN,
            "--passphrase",
            "--out",
            "jess.pdf",
            more=f"{passphrase}\n{passphrase}\n",
        )
    )
    assert out.splitlines()[-1] == "jess.pdf"
    assert "sent with a passphrase" not in out  # the status is in the list
    pdf = (ravens.root / "jess.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"Jess" not in pdf and b"group chat" not in pdf

    reader = PdfFileReader(io.BytesIO(pdf))
    assert reader.encrypted
    reader.decrypt(passphrase)
    # The attachments: the records (machine-readable) and the original, byte for byte.
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    files = {}
    for i in range(0, len(names), 2):
        spec = names[i + 1]
        files[str(spec["/UF"])] = spec["/EF"]["/F"].data
    assert files["chat.txt"] == EVIDENCE
    records = json.loads(files["records.json"])
    assert records["pupil"]["upn"] == JESS_UPN
    assert records["cases"][0]["summary"] == "Abusive messages in the Year 8 group chat"
    text = subprocess.run(
        ["pdftotext", "-upw", passphrase, str(ravens.root / "jess.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Safeguarding chronology" in text and "Jessica" in text
    # SafeLog's own check, for anyone who has SafeLog: signed, whole, every original's hash.
    checked = ravens.run("verify", "jess.pdf", stdin=passphrase + "\n")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # A wrong passphrase opens nothing.
    wrong = subprocess.run(
        ["pdftotext", "-upw", "not the passphrase", str(ravens.root / "jess.pdf"), "-"],
        capture_output=True,
        text=True,
    )
    assert wrong.returncode != 0
    (listed,) = _listed(ravens, "Dana DSL")
    assert listed["status"] == "sent with a passphrase, awaiting receipt"
    assert listed["mode"] == "passphrase"
    # Two different passphrases, or a short one, write nothing.
    line = fails(
        ravens.as_user(
            "Dana DSL",
            "transfer",
            "send",
            JESS_UPN,
            "--passphrase",
            "--out",
            "x.pdf",
            more="first passphrase\nsecond passphrase\n",
        ),
        1,
    )
    assert "not the same" in line
    line = fails(
        ravens.as_user(
            "Dana DSL",
            "transfer",
            "send",
            JESS_UPN,
            "--passphrase",
            "--out",
            "y.pdf",
            more="short\nshort\n",
        ),
        1,
    )
    assert "at least 10 characters" in line
    assert not (ravens.root / "x.pdf").exists() and not (ravens.root / "y.pdf").exists()


def test_every_file_written_is_audited_with_its_sha256(two: tuple[Env, Env]) -> None:
    from safelog.audit.actions import AuditAction

    ravens, oak = two
    key, _ = _oak_key(oak)
    sent = _send(ravens, key)
    ok(oak.as_user(OAK_DSL, "transfer", "receive", str(sent), "--receipt-out", "receipt.json"))
    ok(ravens.as_user("Dana DSL", "transfer", "confirm", str(oak.root / "receipt.json")))
    sha = hashlib.sha256

    def audited(env: Env, who: str) -> list[dict[str, Any]]:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SAFELOG_INSECURE_TEST_KDF", "1")
            _home_env(mp, env.root)
            vault = Vault(env.data_dir, sqlite_url(env.data_dir))
            try:
                session = vault.unlock(who, PASSES[who])
                with session.engine.connect() as conn:
                    rows = conn.execute(
                        select(AuditRow.__table__).where(AuditRow.case_id.is_(None))
                    ).all()
                bodies = [
                    session.open_audit_body(r.key_ref, r.created_at, r.body_ct, None) for r in rows
                ]
                session.lock()
                return [{"action": b["action"], **b["details"]} for b in bodies if b]
            finally:
                vault.close()

    oak_log = audited(oak, OAK_DSL)
    key_export = next(e for e in oak_log if e["action"] == AuditAction.TRANSFER_KEY_EXPORT)
    assert key_export["sha256"] == sha(key.read_bytes()).hexdigest()
    got = next(e for e in oak_log if e["action"] == AuditAction.TRANSFER_RECEIVE)
    assert got["sha256"] == sha(sent.read_bytes()).hexdigest()
    assert got["receipt_sha256"] == sha((oak.root / "receipt.json").read_bytes()).hexdigest()
    ravens_log = audited(ravens, "Dana DSL")
    send = next(e for e in ravens_log if e["action"] == AuditAction.TRANSFER_SEND)
    assert send["sha256"] == sha(sent.read_bytes()).hexdigest()
    confirm = next(e for e in ravens_log if e["action"] == AuditAction.TRANSFER_CONFIRM)
    assert confirm["sha256"] == sha((oak.root / "receipt.json").read_bytes()).hexdigest()
    ok(ravens.as_user("Dana DSL", "audit", "verify"))
    ok(oak.as_user(OAK_DSL, "audit", "verify"))
