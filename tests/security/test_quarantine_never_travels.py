"""Issue 18 point 1 (002 7.2.4: "an offence to save, send, or alter an image"): what a case
moved into an image category holds is quarantined in every way out of the vault, not only
in the case file: a pupil's child protection file transfer names it with its hash and does
not send it (rather than failing the whole transfer)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.roll_files import SIMS_CSV

from safelog.crypto.transfer_box import open_transfer, unpack_parts
from safelog.evidence import corpus
from safelog.store.engine import sqlite_url
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, update_case
from safelog.vault.evidence import import_stream
from safelog.vault.roll import import_roll
from safelog.vault.transfer_file import MANIFEST_PART
from safelog.vault.transfer_keys import export_school_key, private_keys, read_recipient_key
from safelog.vault.transfers import send_transfer
from safelog.vault.vault import Vault

JESS = "B201201001010"
OAK_DSL, OAK_PASS = "Olive Oak", "olive oak hill school"


@pytest.fixture
def oak(tmp_path: Path, clock: Any) -> Iterator[Vault]:
    folder = tmp_path / "oak"
    folder.mkdir(mode=0o700)
    vault = Vault(folder, sqlite_url(folder), clock=clock)
    vault.create("Oak Hill Academy", OAK_DSL, OAK_PASS).session.lock()
    yield vault
    vault.close()


def test_a_quarantined_picture_is_named_in_a_transfer_and_never_sent(
    school: Any, oak: Vault, tmp_path: Path
) -> None:
    dana = school.unlock("Dana DSL")
    import_roll(dana, SIMS_CSV.replace("31/02/2011", "28/02/2011").encode())
    reference = add_case(
        dana,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Messages in a group chat",
                "description": "Jess showed me the messages.",
                "people": [{"pupil": JESS, "role": "victim"}],
            }
        ),
    )
    picture = corpus.png()
    note = b"Jess said the picture was passed round at lunch.\n"
    import_stream(dana, reference, io.BytesIO(picture), original_name="screenshot.png")
    import_stream(dana, reference, io.BytesIO(note), original_name="what-she-said.txt")
    update_case(dana, reference, {"category": "nudes-sharing", "device_locked_away": "Head's safe"})
    olive = oak.unlock(OAK_DSL, OAK_PASS)
    export_school_key(olive, tmp_path / "oak.pem")
    with olive.engine.connect() as conn:
        (key,) = private_keys(olive, conn).values()
    olive.lock()
    out = tmp_path / "jess.sltransfer"
    send_transfer(dana, JESS, read_recipient_key(tmp_path / "oak.pem"), out)

    parts = unpack_parts(open_transfer(out.read_bytes(), key))
    manifest = json.loads(parts[MANIFEST_PART])
    sent = [part for name, part in parts.items() if name.startswith("evidence/")]
    assert sent == [note]  # the text note travels, the picture does not
    assert all(picture not in part for part in parts.values())
    (left,) = manifest["left_out"]
    assert "screenshot.png" in left and "quarantined" in left
    assert hashlib.sha256(picture).hexdigest() in left


def test_backup_verify_passes_over_quarantined_items_without_opening_them(
    school: Any, tmp_path: Path, clock: Any
) -> None:
    """A backup check used to stop at a quarantined item (the reader refuses it); now it
    opens everything else and leaves the quarantined item closed."""
    from support.school import PASSPHRASES

    from safelog.backup.check import check_backup
    from safelog.backup.keyed import open_everything
    from safelog.backup.make import make_backup

    dana = school.unlock("Dana DSL")
    reference = add_case(
        dana,
        CaseInput.from_json(
            {"category": "cyberbullying-pupil", "summary": "Group chat", "description": "x"}
        ),
    )
    import_stream(dana, reference, io.BytesIO(corpus.png()), original_name="chat.png")
    import_stream(dana, reference, io.BytesIO(corpus.text()), original_name="note.txt")
    update_case(dana, reference, {"category": "nudes-sharing", "device_locked_away": "Safe"})
    out = tmp_path / "school.safelog-backup"
    make_backup(school.vault.url, out, clock)
    report, opened = check_backup(out)
    try:
        open_everything(opened, report, "Dana DSL", PASSPHRASES["Dana DSL"], clock)
    finally:
        opened.close()
    assert (report.opened_cases, report.opened_evidence) == (1, 1)  # the note, not the picture
