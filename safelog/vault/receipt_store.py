"""The reporter's receipt row (DESIGN §3.5): the case's first data key sealed with the
reporter's own receipt key, and the summary of their report they see (its status and how
many replies), sealed with that first key.

Written by the case engine when a report is filed and after each version; read by the
reporter's own views (vault/receipts.py). The receipt key is derived from the reporter's
private key, so the database does not say who reported what.
"""

from __future__ import annotations

import json
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, insert, select, update

from safelog.crypto.aead import Cipher, DecryptionFailed, binding
from safelog.crypto.encoding import canonical_json
from safelog.domain.outcomes import CaseStatus
from safelog.errors import TamperDetected
from safelog.store.schema import ReceiptRow
from safelog.vault.case_schema import CaseField, CaseFields, ReceiptSummary
from safelog.vault.session import Session


def receipt_cipher(session: Session) -> Cipher:
    """The reporter's own key for receipts, derived from their private key."""
    secret = session.identity.x25519.private_bytes_raw()
    key = HKDF(hashes.SHA256(), 32, salt=None, info=b"safelog/v1/receipts").derive(secret)
    return Cipher(key)


def slot_aad(case_id: str) -> bytes:
    return binding("receipt-key", case_id)


def summary_aad(case_id: str) -> bytes:
    return binding("receipt-summary", case_id)


def _summary(reference: str, fields: CaseFields, created: datetime, updated: datetime) -> bytes:
    summary: ReceiptSummary = {
        "reference": reference,
        "category": fields.get(CaseField.CATEGORY, ""),
        "summary": fields.get(CaseField.SUMMARY, ""),
        "status": fields.get(CaseField.STATUS, CaseStatus.NEW),
        "about_headteacher": bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
        "replies": len(fields.get(CaseField.REPLIES) or []),
        "created_at": created.isoformat(),
        "updated_at": updated.isoformat(),
    }
    return canonical_json(summary)


def write_receipt(
    session: Session,
    conn: Connection,
    case_id: str,
    reference: str,
    first_key: bytes,
    fields: CaseFields,
    now: datetime,
) -> None:
    """At filing: the first data key for the reporter, and the first summary."""
    conn.execute(
        insert(ReceiptRow).values(
            case_id=case_id,
            slot_ct=receipt_cipher(session).seal(first_key, slot_aad(case_id)),
            summary_ct=Cipher(first_key).seal(
                _summary(reference, fields, now, now), summary_aad(case_id)
            ),
        )
    )


def refresh_receipt(
    conn: Connection,
    case_id: str,
    reference: str,
    first: Cipher,
    fields: CaseFields,
    created: datetime,
    updated: datetime,
) -> None:
    """After each version: the status and replies the reporter sees."""
    conn.execute(
        update(ReceiptRow)
        .where(ReceiptRow.case_id == case_id)
        .values(
            summary_ct=first.seal(
                _summary(reference, fields, created, updated), summary_aad(case_id)
            )
        )
    )


def has_receipt(conn: Connection, case_id: str) -> bool:
    found = conn.execute(select(ReceiptRow.case_id).where(ReceiptRow.case_id == case_id))
    return found.first() is not None


def first_key_for_reporter(session: Session, conn: Connection, case_id: str) -> Cipher | None:
    slot = conn.execute(
        select(ReceiptRow.slot_ct).where(ReceiptRow.case_id == case_id)
    ).scalar_one_or_none()
    if slot is None:
        return None
    try:
        return Cipher(receipt_cipher(session).open(slot, slot_aad(case_id)))
    except DecryptionFailed:
        return None  # not this user's receipt


def receipt_status(conn: Connection, case_id: str, reference: str, first: Cipher) -> str:
    """The status the reporter's receipt gives their report."""
    receipt = conn.execute(
        select(ReceiptRow.summary_ct).where(ReceiptRow.case_id == case_id)
    ).scalar_one()
    try:
        summary: ReceiptSummary = json.loads(first.open(receipt, summary_aad(case_id)))
        status = summary["status"]
    except DecryptionFailed:
        raise TamperDetected(f"The status of your report {reference} is damaged.") from None
    return str(status)
