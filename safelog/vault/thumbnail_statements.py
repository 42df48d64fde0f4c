"""The signed statement of a thumbnail made after its item was recorded, and the check
every reader makes of it (vault/evidence_thumbnails.py makes them)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from safelog.crypto.aead import DecryptionFailed, binding
from safelog.crypto.encoding import canonical_json
from safelog.crypto.sealed_signature import open_signature
from safelog.errors import TamperDetected
from safelog.evidence.images import PREVIEW_THUMBNAIL, PREVIEW_UNREADABLE
from safelog.store.schema import EvidenceThumbnailRow
from safelog.vault.case_engine import OpenCase
from safelog.vault.directory import membership_point
from safelog.vault.evidence_statements import ItemSigned

MADE_STATUSES = (PREVIEW_THUMBNAIL, PREVIEW_UNREADABLE)


def thumbnail_author_aad(evidence_id: str, case_id: str) -> bytes:
    return binding("evidence-thumbnail-author", evidence_id, case_id)


def thumbnail_statement(
    evidence_id: str,
    case_id: str,
    key_no: int,
    status: str,
    thumbnail_ct: bytes | None,
    item_statement: bytes,
    author: str,
    at: datetime,
) -> bytes:
    return canonical_json(
        {
            "type": "evidence-thumbnail",
            "evidence_id": evidence_id,
            "case_id": case_id,
            "key_no": key_no,
            "status": status,
            "thumbnail": hashlib.sha256(thumbnail_ct).hexdigest() if thumbnail_ct else "",
            "item": hashlib.sha256(item_statement).hexdigest(),
            "author": author,
            "at": at.isoformat(),
        }
    )


@dataclass(frozen=True)
class MadeThumbnail:
    status: str  # thumbnail or unreadable
    thumbnail_ct: bytes | None


def verify_thumbnail_row(
    case: OpenCase, evidence_row: Any, signed: ItemSigned, row: Any
) -> MadeThumbnail:
    """A thumbnail row must be sealed with the case's key, signed by the item's author and
    name exactly this item and this thumbnail; anything else is tampering."""
    where = f"The thumbnail of evidence {evidence_row.id} of case {case.row.reference}"
    cipher = case.ciphers.get(row.key_no)
    try:
        if cipher is None or row.case_id != evidence_row.case_id:
            raise DecryptionFailed("no key")
        sealed = open_signature(
            cipher, bytes(row.statement), thumbnail_author_aad(row.evidence_id, row.case_id)
        )
        placed = json.loads(sealed.statement)
        status = placed["status"] if isinstance(placed, dict) else None
    except (DecryptionFailed, ValueError, KeyError):
        raise TamperDetected(f"{where} is damaged.") from None
    thumbnail_ct = bytes(row.thumbnail_ct) if row.thumbnail_ct is not None else None
    expected = thumbnail_statement(
        row.evidence_id,
        row.case_id,
        row.key_no,
        str(status),
        thumbnail_ct,
        signed.statement,
        sealed.author_id,
        row.made_at,
    )
    if (
        sealed.author_id != signed.author.id
        or status not in MADE_STATUSES
        or (status == PREVIEW_THUMBNAIL) != (thumbnail_ct is not None)
        or expected != sealed.statement
        or not signed.author.verifies_at(
            sealed.signature, sealed.statement, membership_point(signed.placed)
        )
    ):
        raise TamperDetected(f"{where} has been altered.")
    return MadeThumbnail(status, thumbnail_ct)


def thumbnail_rows(conn: Connection, case_id: str) -> dict[str, Any]:
    """The case's thumbnail rows, by evidence id."""
    return {
        row.evidence_id: row
        for row in conn.execute(
            select(EvidenceThumbnailRow.__table__).where(EvidenceThumbnailRow.case_id == case_id)
        ).all()
    }
