"""What an attacker tries with a child protection file transfer (issue 15, point 1).

Anyone may encrypt a file to a school's transfer key (it is public), so sealing proves
nothing: the receiving SafeLog must refuse a file signed by someone who was not the sending
school's DSL, documents swapped or a manifest changed and sealed again, and a proof of
DSL-ship whose membership log was altered. A database writer who deletes the record of a
received file (to slip it in again) is noticed. A case about someone holding the DSL role
never goes into a transfer (the school's copy is sealed for the DSL role)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete
from support.roll_files import SIMS_CSV
from support.school import build_school

from safelog.crypto.encoding import b64, canonical_json, unb64
from safelog.crypto.transfer_box import open_transfer, pack_parts, seal_transfer, unpack_parts
from safelog.errors import TamperDetected
from safelog.store.engine import sqlite_url
from safelog.store.schema import TransferRow
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.roll import import_roll
from safelog.vault.transfer_file import MANIFEST_PART, SIGNATURE_PART, signed_parts
from safelog.vault.transfer_keys import export_school_key, private_keys, read_recipient_key
from safelog.vault.transfer_proof import school_proof
from safelog.vault.transfer_receive import receive_transfer
from safelog.vault.transfers import send_transfer
from safelog.vault.vault import Vault

# The sending school runs on SQLite and on PostgreSQL (db_url); the receiving one on SQLite.

JESS = "B201201001010"
OAK_DSL, OAK_PASS = "Olive Oak", "olive oak hill school"


@pytest.fixture
def oak(tmp_path: Path, clock: Any) -> Iterator[Vault]:
    folder = tmp_path / "oak"
    folder.mkdir(mode=0o700)
    vault = Vault(folder, sqlite_url(folder), clock=clock)
    vault.create("Oak Hill Academy", OAK_DSL, OAK_PASS).session.lock()
    vault.unlock(OAK_DSL, OAK_PASS).lock()
    yield vault
    vault.close()


def jess_case(school: Any, subjects: list[str] | None = None) -> str:
    dana = school.unlock("Dana DSL")
    import_roll(dana, SIMS_CSV.replace("31/02/2011", "28/02/2011").encode())
    reference = add_case(
        dana,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Abusive messages",
                "description": "Jess showed me the messages.",
                "subjects": subjects or [],
                "people": [{"pupil": JESS, "role": "victim"}],
            }
        ),
    )
    dana.lock()
    return reference


def honest_file(school: Any, oak: Vault, tmp_path: Path) -> Path:
    olive = oak.unlock(OAK_DSL, OAK_PASS)
    export_school_key(olive, tmp_path / "oak.pem")
    olive.lock()
    dana = school.unlock("Dana DSL")
    out = tmp_path / f"{uuid.uuid4()}.sltransfer"
    send_transfer(dana, JESS, read_recipient_key(tmp_path / "oak.pem"), out)
    dana.lock()
    return out


def opened(oak: Vault, path: Path) -> dict[str, bytes]:
    olive = oak.unlock(OAK_DSL, OAK_PASS)
    with olive.engine.connect() as conn:
        (key,) = private_keys(olive, conn).values()
    olive.lock()
    return unpack_parts(open_transfer(path.read_bytes(), key))


def resealed(oak: Vault, parts: dict[str, bytes], tmp_path: Path, tamper: str) -> Path:
    """The parts sealed again to Oak Hill's public key, as anyone can."""
    manifest = json.loads(parts[MANIFEST_PART])
    olive = oak.unlock(OAK_DSL, OAK_PASS)
    with olive.engine.connect() as conn:
        (key,) = private_keys(olive, conn).values()
    olive.lock()
    out = tmp_path / f"{tamper}.sltransfer"
    out.write_bytes(
        seal_transfer(manifest["id"], key.public_key(), pack_parts(list(parts.items())))
    )
    return out


def refused(oak: Vault, path: Path, tmp_path: Path) -> str:
    olive = oak.unlock(OAK_DSL, OAK_PASS)
    try:
        with pytest.raises(TamperDetected) as caught:
            receive_transfer(olive, path, tmp_path / f"{path.stem}-receipt.json")
        assert not (tmp_path / f"{path.stem}-receipt.json").exists()
        with olive.engine.connect() as conn:
            assert conn.execute(TransferRow.__table__.select()).all()[1:] == []  # only the key
    finally:
        olive.lock()
    return str(caught.value)


def test_a_file_signed_by_a_member_of_staff_is_refused(
    school: Any, oak: Vault, tmp_path: Path
) -> None:
    jess_case(school)
    parts = opened(oak, honest_file(school, oak, tmp_path))
    manifest = json.loads(parts.pop(MANIFEST_PART))
    parts.pop(SIGNATURE_PART)
    sam = school.unlock("Sam Staff")
    manifest["from"] = {**manifest["from"], "user_id": sam.user_id, "name": "Sam Staff"}
    with sam.engine.connect() as conn:
        proof = school_proof(sam, conn)
    forged = dict(
        signed_parts(manifest, list(parts.items()), sam.user_id, sam.identity.sign, proof)
    )
    sam.lock()
    message = refused(oak, resealed(oak, forged, tmp_path, "by-staff"), tmp_path)
    assert "Sam Staff was not a DSL of that school when signing" in message


def test_documents_swapped_or_a_manifest_changed_after_signing_are_refused(
    school: Any, oak: Vault, tmp_path: Path
) -> None:
    jess_case(school)
    parts = opened(oak, honest_file(school, oak, tmp_path))
    swapped = dict(parts)
    records = json.loads(swapped["records.json"])
    records["cases"][0]["summary"] = "Nothing happened"
    swapped["records.json"] = canonical_json(records)
    message = refused(oak, resealed(oak, swapped, tmp_path, "swapped"), tmp_path)
    assert "records.json does not match its SHA-256 in the manifest" in message

    changed = dict(parts)
    manifest = json.loads(changed[MANIFEST_PART])
    manifest["pupil"]["date_of_birth"] = "2011-03-14"
    changed[MANIFEST_PART] = canonical_json(manifest)
    message = refused(oak, resealed(oak, changed, tmp_path, "changed"), tmp_path)
    assert "The signature on the transfer file does not check out" in message

    extra = dict(parts)
    extra["evidence/9999"] = b"slipped in"
    message = refused(oak, resealed(oak, extra, tmp_path, "extra"), tmp_path)
    assert "not hold exactly the documents its manifest lists" in message


def test_an_altered_membership_log_in_the_proof_is_refused(
    school: Any, oak: Vault, tmp_path: Path
) -> None:
    jess_case(school)
    parts = opened(oak, honest_file(school, oak, tmp_path))
    signature = json.loads(parts[SIGNATURE_PART])
    entries = signature["proof"]["membership"]
    # Rewrite an invitation in the log (say, to make someone else a DSL): its hash breaks.
    body = json.loads(unb64(entries[1]["body"]))
    body["extra"] = "made a DSL"
    entries[1]["body"] = b64(canonical_json(body))
    parts[SIGNATURE_PART] = canonical_json(signature)
    message = refused(oak, resealed(oak, parts, tmp_path, "log"), tmp_path)
    assert "proof of who signed it that does not check out" in message
    # And a log cut short, before the sender's admission as DSL... or even enrolment.
    signature["proof"]["membership"] = entries[:1]
    parts[SIGNATURE_PART] = canonical_json(signature)
    assert "does not check out" in refused(oak, resealed(oak, parts, tmp_path, "cut"), tmp_path)


def test_deleting_the_record_of_a_received_file_to_replay_it_is_noticed(
    school: Any, oak: Vault, tmp_path: Path
) -> None:
    jess_case(school)
    sent = honest_file(school, oak, tmp_path)
    olive = oak.unlock(OAK_DSL, OAK_PASS)
    receive_transfer(olive, sent, tmp_path / "receipt.json")
    with oak.engine.begin() as conn:
        conn.execute(delete(TransferRow).where(TransferRow.seq > 1))
    with pytest.raises(TamperDetected, match="rolled back or cut outside SafeLog"):
        receive_transfer(olive, sent, tmp_path / "again.json")
    olive.lock()


def test_a_case_about_a_dsl_is_never_in_a_transfer(vault: Any, oak: Vault, tmp_path: Path) -> None:
    """A small primary: the head is also a DSL. A concern about them is sealed away from the
    DSL role; the school's copy of a transfer is sealed for that role, so it stays out."""
    school = build_school(vault, head_is_dsl=True)
    about_head = jess_case(school, subjects=["Hugh Head"])
    sent = honest_file(school, oak, tmp_path)
    parts = opened(oak, sent)
    records = json.loads(parts["records.json"])
    assert records["cases"] == []
    assert about_head.encode() not in parts["chronology.pdf"]
    (left,) = json.loads(parts[MANIFEST_PART])["left_out"]
    assert left.startswith(f"{about_head} is about a member of staff who holds the DSL role")
