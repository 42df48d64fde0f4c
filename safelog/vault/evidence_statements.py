"""The signed statement of an evidence item: made and signed (its author sealed with the
case key) when the item is added, and checked whenever it is read, against the verified
versions of its case and the author's authority at the point it names (vault/authority.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from safelog.crypto.aead import Cipher, DecryptionFailed, binding
from safelog.crypto.encoding import canonical_json
from safelog.crypto.sealed_signature import open_signature, seal_signature
from safelog.errors import TamperDetected
from safelog.vault.authority import check_evidence_author
from safelog.vault.case_engine import OpenCase
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import EvidenceStatement
from safelog.vault.directory import Person, membership_point
from safelog.vault.session import Session


def evidence_statement(
    evidence_id: str,
    case_id: str,
    key_no: int,
    size: int,
    chunks: int,
    meta_ct: bytes,
    wrapped: bytes,
    thumbnail_ct: bytes | None,
    author: str,
    at: datetime,
    membership: int | None,
    case_version: int | None,
) -> bytes:
    """The signed statement of an evidence item (canonical JSON)."""
    statement: EvidenceStatement = {
        "type": "evidence",
        "id": evidence_id,
        "case_id": case_id,
        "key_no": key_no,
        "size": size,
        "chunks": chunks,
        "meta": hashlib.sha256(meta_ct).hexdigest(),
        "key": hashlib.sha256(wrapped).hexdigest(),
        "thumbnail": hashlib.sha256(thumbnail_ct).hexdigest() if thumbnail_ct else "",
        "author": author,
        "at": at.isoformat(),
    }
    # Where in the membership log and in the case the item was added: readers check the
    # author's authority there (vault/authority.py).
    if membership is not None:
        statement["membership"] = membership
    if case_version is not None:
        statement["case_version"] = case_version
    return canonical_json(statement)


def evidence_author_aad(evidence_id: str, case_id: str) -> bytes:
    return binding("evidence-author", evidence_id, case_id)


def signed_evidence(
    session: Session, cipher: Cipher, evidence_id: str, statement: bytes
) -> dict[str, Any]:
    """The author columns of a new evidence row: who added it is sealed with the case key
    together with the signed statement (case_schema.version_author_sealed)."""
    signature = session.identity.sign(statement)
    case_id = json.loads(statement)["case_id"]
    sealed = seal_signature(
        cipher, evidence_author_aad(evidence_id, case_id), session.user_id, signature, statement
    )
    return {"added_by": None, "statement": sealed, "signature": b""}


@dataclass(frozen=True)
class ItemSigned:
    """Who added a verified evidence item, and the statement they signed."""

    author: Person
    statement: bytes
    placed: Mapping[str, Any]


def verify_evidence_row(session: Session, conn: Connection, case: OpenCase, row: Any) -> ItemSigned:
    """An evidence row must be exactly what its author signed, and its author must have
    been allowed to add it at the point of the case and membership log it names."""
    reference = case.row.reference
    where = f"evidence {row.id} of case {reference}"
    added_by, statement, signature = row.added_by, bytes(row.statement), bytes(row.signature)
    if added_by is None:
        cipher = case.ciphers.get(row.key_no)
        try:
            if cipher is None:
                raise DecryptionFailed("no key")
            sealed = open_signature(cipher, statement, evidence_author_aad(row.id, row.case_id))
        except DecryptionFailed:
            raise TamperDetected(f"The record of who added {where} is damaged.") from None
        added_by, statement, signature = sealed.author_id, sealed.statement, sealed.signature
    author = session.known_person(conn, added_by)
    try:
        placed = json.loads(statement)
    except ValueError:
        raise TamperDetected(f"The record of {where} has been altered.") from None
    expected = evidence_statement(
        row.id,
        row.case_id,
        row.key_no,
        row.size,
        row.chunk_count,
        row.metadata_ct,
        row.file_key_wrapped,
        row.thumbnail_ct,
        added_by,
        row.added_at,
        placed.get("membership") if isinstance(placed, dict) else None,
        placed.get("case_version") if isinstance(placed, dict) else None,
    )
    named = isinstance(placed, dict) and "membership" in placed
    if (
        author is None
        or expected != statement
        or not (
            author.verifies_at(signature, statement, membership_point(placed))
            if named
            else author.verifies(signature, statement)  # older items name no point
        )
    ):
        raise TamperDetected(f"The record of {where} has been altered.")
    verified = case.verified or read_case(session, conn, case)
    check_evidence_author(
        session,
        author,
        placed,
        verified.version_log,
        f"Evidence {row.id} of case {reference}",
        verified.audit_items,
        verified.first_manager_version,
    )
    return ItemSigned(author, statement, placed)
