"""A reporter keeps what they sent, its status and the replies sent to them; nothing else of
the case opens with their keys (DESIGN §3.5), even read straight from the tables."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from offline_keys import case_deks, open_keyring, user_identity
from sqlalchemy import select
from support.school import PASSPHRASES

from safelog.crypto.aead import Cipher, DecryptionFailed, binding
from safelog.errors import AccessDenied
from safelog.store.schema import CaseFieldRow, CaseKeyRow, CaseRow, ReceiptRow
from safelog.vault import workspace
from safelog.vault.audit_view import case_audit
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case
from safelog.vault.receipts import show_receipt

REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a video",
    "description": "A Year 8 pupil is being mocked in comments.",
}
LATER = "MASH reference 4411; strategy meeting with the parents"


def build_case(school: Any) -> str:
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    sam.lock()
    dana = school.unlock("Dana DSL")
    workspace.acknowledge(dana, reference)
    workspace.add_chronology(dana, reference, LATER)
    workspace.reply_to_reporter(dana, reference, "Thank you. We are dealing with it.")
    workspace.set_status(dana, reference, "open")
    dana.lock()
    return reference


def test_the_reporter_sees_what_they_sent_its_status_and_replies(school: Any) -> None:
    reference = build_case(school)
    sam = school.unlock("Sam Staff")
    [listed] = [c for c in list_cases(sam) if c.reference == reference]
    assert listed.status == "open" and listed.summary == REPORT["summary"]
    receipt = show_receipt(sam, reference)
    assert receipt.sent["description"] == REPORT["description"]
    assert receipt.status == "open"
    assert [r.text for r in receipt.replies] == ["Thank you. We are dealing with it."]
    assert receipt.replies[0].by == "Dana DSL"
    # The case itself, its history and its audit trail are not theirs to read.
    with pytest.raises(AccessDenied):
        show_case(sam, reference)
    with pytest.raises(AccessDenied):
        case_audit(sam, reference)
    # Another member of staff has no receipt for it.
    with pytest.raises(AccessDenied, match="not one of your reports"):
        show_receipt(school.unlock("Tess Teacher"), reference)
    assert reference not in [c.reference for c in list_cases(school.unlock("Tess Teacher"))]


def test_nothing_written_after_the_report_opens_with_the_reporters_keys(school: Any) -> None:
    """Straight from the tables: Sam's private key opens no reader group of the case; his
    receipt key opens the first data key only, and that opens his report and the replies,
    never the chronology the DSL wrote."""
    reference = build_case(school)
    with school.vault.engine.connect() as conn:
        identity = user_identity(conn, "Sam Staff", PASSPHRASES["Sam Staff"])
        ring = open_keyring(conn, [identity.x25519])
        assert case_deks(conn, reference, ring) == {}
        case = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
        assert case.key_no >= 2  # moved on when the DSL first opened it
        receipt_key = HKDF(hashes.SHA256(), 32, salt=None, info=b"safelog/v1/receipts").derive(
            identity.x25519.private_bytes_raw()
        )
        slot = conn.execute(
            select(ReceiptRow.slot_ct).where(ReceiptRow.case_id == case.id)
        ).scalar_one()
        first = Cipher(Cipher(receipt_key).open(slot, binding("receipt-key", case.id)))
        # The first key does not open the current one (only the other way round).
        current = conn.execute(
            select(CaseKeyRow.wrapped).where(
                CaseKeyRow.case_id == case.id, CaseKeyRow.key_no == case.key_no
            )
        ).scalar_one()
        with pytest.raises(DecryptionFailed):
            first.open(current, binding("case-key-chain", case.id, case.key_no))
        readable = {}
        for row in conn.execute(
            select(CaseFieldRow.__table__).where(CaseFieldRow.case_id == case.id)
        ):
            try:
                value = first.open(row.value_ct, binding("field", case.id, row.version, row.field))
            except DecryptionFailed:
                continue
            readable[row.field] = json.loads(value)
    assert "chronology" not in readable and "acknowledged" not in readable
    assert readable["description"] == REPORT["description"]
    assert [r["text"] for r in readable["replies"]] == ["Thank you. We are dealing with it."]
    assert LATER not in json.dumps(readable)


def test_the_reporter_adds_evidence_only_until_the_dsl_opens_it(school: Any, tmp_path: Any) -> None:
    from safelog.errors import ReportBeingHandled
    from safelog.vault.evidence import add_evidence

    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    first = tmp_path / "first.txt"
    first.write_bytes(b"sent with the report\n")
    add_evidence(sam, reference, first)
    show_case(school.unlock("Dana DSL"), reference)
    second = tmp_path / "second.txt"
    second.write_bytes(b"sent later\n")
    with pytest.raises(ReportBeingHandled, match="being handled"):
        add_evidence(school.unlock("Sam Staff"), reference, second)
    detail = show_case(school.unlock("Dana DSL"), reference)
    assert [e.sha256 for e in detail.evidence] == [
        hashlib.sha256(b"sent with the report\n").hexdigest()
    ]


def test_a_reply_needs_someone_who_manages_cases(school: Any) -> None:
    reference = add_case(school.unlock("Sam Staff"), CaseInput.from_json(REPORT))
    with pytest.raises(AccessDenied):
        workspace.reply_to_reporter(school.unlock("Tess Teacher"), reference, "Hello")
