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
from safelog.vault.authority import check_evidence_author
from safelog.vault.case_engine import OpenCase
from safelog.vault.case_reading import read_case
from safelog.vault.evidence_statements import ItemSigned
from safelog.vault.session import Session

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
    membership: int,
    case_version: int,
) -> bytes:
    """Where in the membership log and the case it was made: readers check the author's
    authority there (vault/authority.py), as for the item itself."""
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
            "membership": membership,
            "case_version": case_version,
        }
    )


def thumbnail_item(evidence_id: str) -> str:
    """What the audit entry recording a thumbnail names."""
    return f"t:{evidence_id}"


@dataclass(frozen=True)
class MadeThumbnail:
    status: str  # thumbnail or unreadable
    thumbnail_ct: bytes | None


def verify_thumbnail_row(
    session: Session,
    conn: Connection,
    case: OpenCase,
    evidence_row: Any,
    signed: ItemSigned,
    row: Any,
) -> MadeThumbnail:
    """A thumbnail row must be sealed with the case's key, signed by the item's author at
    the point it names, name exactly this item and this thumbnail, be recorded in the audit
    log there, and its author must still have been allowed to add to the case at that point
    (a reporter whose report the DSL has opened, a key retired by a reset or a removed
    member adds nothing); anything else is tampering."""
    where = f"The thumbnail of evidence {evidence_row.id} of case {case.row.reference}"
    cipher = case.ciphers.get(row.key_no)
    try:
        if cipher is None or row.case_id != evidence_row.case_id:
            raise DecryptionFailed("no key")
        sealed = open_signature(
            cipher, bytes(row.statement), thumbnail_author_aad(row.evidence_id, row.case_id)
        )
        placed = json.loads(sealed.statement)
        status = placed["status"]
        membership, case_version = int(placed["membership"]), int(placed["case_version"])
    except (DecryptionFailed, ValueError, KeyError, TypeError):
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
        membership,
        case_version,
    )
    if (
        sealed.author_id != signed.author.id
        or status not in MADE_STATUSES
        or (status == PREVIEW_THUMBNAIL) != (thumbnail_ct is not None)
        or expected != sealed.statement
        or not signed.author.verifies_at(sealed.signature, sealed.statement, membership)
    ):
        raise TamperDetected(f"{where} has been altered.")
    verified = case.verified or read_case(session, conn, case)
    check_evidence_author(
        session,
        signed.author,
        placed,
        verified.version_log,
        where,
        verified.audit_items,
        verified.first_manager_version,
        thumbnail_item(row.evidence_id),
    )
    return MadeThumbnail(status, thumbnail_ct)


def thumbnail_rows(conn: Connection, case_id: str) -> dict[str, Any]:
    """The case's thumbnail rows, by evidence id."""
    return {
        row.evidence_id: row
        for row in conn.execute(
            select(EvidenceThumbnailRow.__table__).where(EvidenceThumbnailRow.case_id == case_id)
        ).all()
    }
