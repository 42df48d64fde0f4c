"""The reporter's receipt (DESIGN §3.5): a reporter keeps what they sent, its status and
the replies the DSL sends them, never the rest of the case.

A report is sealed with the case's first data key, which the reporter made. The first time
someone who manages cases opens it, the case moves to a new data key and a reader group the
reporter never held (vault/cases.py), so nothing written after that is readable with what
the reporter keeps. What stays readable with the first key: the versions the reporter wrote,
the replies (sealed with the first key on purpose) and the receipt's summary of the status.

The reporter finds their receipts by trying their own receipt key on each (AES-GCM, a few
microseconds each): the database does not say who reported what.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, insert, select, update

from safelog.crypto.aead import Cipher, DecryptionFailed, binding
from safelog.crypto.encoding import canonical_json
from safelog.errors import AccessDenied, NotFound, TamperDetected
from safelog.store.schema import CaseFieldRow, CaseRow, CaseVersionRow, ReceiptRow
from safelog.vault.authority import MANAGERS
from safelog.vault.records import CaseSummary
from safelog.vault.session import Session

REPLIES = "replies"


def receipt_cipher(session: Session) -> Cipher:
    """The reporter's own key for receipts, derived from their private key."""
    secret = session.identity.x25519.private_bytes_raw()
    key = HKDF(hashes.SHA256(), 32, salt=None, info=b"safelog/v1/receipts").derive(secret)
    return Cipher(key)


def _slot_aad(case_id: str) -> bytes:
    return binding("receipt-key", case_id)


def _summary_aad(case_id: str) -> bytes:
    return binding("receipt-summary", case_id)


def _summary(reference: str, fields: dict[str, Any], created: datetime, updated: datetime) -> bytes:
    return canonical_json(
        {
            "reference": reference,
            "category": fields.get("category", ""),
            "summary": fields.get("summary", ""),
            "status": fields.get("status", "new"),
            "about_headteacher": bool(fields.get("about_headteacher")),
            "replies": len(fields.get(REPLIES) or []),
            "created_at": created.isoformat(),
            "updated_at": updated.isoformat(),
        }
    )


def write_receipt(
    session: Session,
    conn: Connection,
    case_id: str,
    reference: str,
    first_key: bytes,
    fields: dict[str, Any],
    now: datetime,
) -> None:
    """At filing: the first data key for the reporter, and the first summary."""
    conn.execute(
        insert(ReceiptRow).values(
            case_id=case_id,
            slot_ct=receipt_cipher(session).seal(first_key, _slot_aad(case_id)),
            summary_ct=Cipher(first_key).seal(
                _summary(reference, fields, now, now), _summary_aad(case_id)
            ),
        )
    )


def refresh_receipt(
    conn: Connection,
    case_id: str,
    reference: str,
    first: Cipher,
    fields: dict[str, Any],
    created: datetime,
    updated: datetime,
) -> None:
    """After each version: the status and replies the reporter sees."""
    conn.execute(
        update(ReceiptRow)
        .where(ReceiptRow.case_id == case_id)
        .values(
            summary_ct=first.seal(
                _summary(reference, fields, created, updated), _summary_aad(case_id)
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
        return Cipher(receipt_cipher(session).open(slot, _slot_aad(case_id)))
    except DecryptionFailed:
        return None  # not this user's receipt


def my_receipts(session: Session, conn: Connection, skip: set[str]) -> list[CaseSummary]:
    """The reports this user sent that they cannot otherwise read, from their receipts."""
    mine = receipt_cipher(session)
    rows = conn.execute(
        select(
            ReceiptRow.case_id, ReceiptRow.slot_ct, ReceiptRow.summary_ct, CaseRow.reference
        ).join(CaseRow, CaseRow.id == ReceiptRow.case_id)
    ).all()
    out = []
    for case_id, slot, summary_ct, reference in rows:
        if case_id in skip:
            continue
        try:
            first = Cipher(mine.open(slot, _slot_aad(case_id)))
        except DecryptionFailed:
            continue
        try:
            data = json.loads(first.open(summary_ct, _summary_aad(case_id)))
        except DecryptionFailed:
            raise TamperDetected(f"The status of your report {reference} is damaged.") from None
        if data.get("reference") != reference:
            raise TamperDetected(f"The status of your report {reference} belongs to another case.")
        out.append(
            CaseSummary(
                id=case_id,
                reference=reference,
                category=data["category"],
                summary=data["summary"],
                status=data["status"],
                created_at=datetime.fromisoformat(data["created_at"]),
                updated_at=datetime.fromisoformat(data["updated_at"]),
                about_headteacher=bool(data.get("about_headteacher")),
                reporter_id=session.user_id,
            )
        )
    return out


@dataclass(frozen=True)
class Reply:
    text: str
    by: str
    at: datetime


@dataclass
class ReceiptDetail:
    """A report as its reporter sees it."""

    id: str
    reference: str
    sent: dict[str, Any]
    sent_at: datetime
    status: str
    replies: list[Reply] = field(default_factory=list)


def show_receipt(session: Session, reference: str) -> ReceiptDetail:
    """What the reporter sent, its status and the replies sent to them, each checked: the
    versions readable with the first key are verified (signature, chain, author), replies
    must come from someone who manages cases. The view is audited."""
    session.ensure_open()
    with session.write() as conn:
        case = conn.execute(
            select(CaseRow.__table__).where(CaseRow.reference == reference.strip().upper())
        ).one_or_none()
        if case is None:
            raise NotFound(f"There is no case {reference}.")
        first = first_key_for_reporter(session, conn, case.id)
        if first is None:
            raise AccessDenied(f"{case.reference} is not one of your reports.")
        detail = _read_receipt(session, conn, case, first)
        session.audit(
            conn, "case.receipt-view", {"reference": case.reference}, case=(case.id, 1, first)
        )
    return detail


def _read_receipt(session: Session, conn: Connection, case: Any, first: Cipher) -> ReceiptDetail:
    versions = conn.execute(
        select(CaseVersionRow.__table__)
        .where(CaseVersionRow.case_id == case.id)
        .order_by(CaseVersionRow.version)
    ).all()
    if len(versions) != case.head_version or not versions:
        raise TamperDetected(f"Case {case.reference} has versions missing.")
    prev = b""
    sent: dict[str, Any] = {}
    replies: list[Reply] = []
    sent_at = case.created_at
    for expected, v in enumerate(versions, start=1):
        where = f"case {case.reference}, version {v.version}"
        author = session.known_person(conn, v.author_id)
        if v.version != expected or author is None or not author.verifies(v.signature, v.statement):
            raise TamperDetected(f"The signature on {where} does not check out.")
        statement = json.loads(v.statement)
        if statement["prev"] != (hashlib.sha256(prev).hexdigest() if prev else ""):
            raise TamperDetected(f"The history of case {case.reference} has been altered.")
        prev = v.statement
        if v.key_no != 1:
            continue  # sealed for the case's readers, not for the reporter
        fields = _open_fields(conn, case, v, statement, first, where)
        if v.version == 1:
            if author.id != session.user_id:
                raise TamperDetected(f"{where} was not sent by you.")
            sent, sent_at = fields, datetime.fromisoformat(statement["at"])
        elif REPLIES in fields:
            seq = int(statement.get("membership", 0))
            if not MANAGERS & author.roles_at(seq):
                raise TamperDetected(
                    f"A reply on {case.reference} was written by {author.name}, who does not "
                    "manage cases: it is not accepted."
                )
            replies = [
                Reply(str(r["text"]), str(r["by"]), datetime.fromisoformat(r["at"]))
                for r in fields[REPLIES]
            ]
    receipt = conn.execute(
        select(ReceiptRow.summary_ct).where(ReceiptRow.case_id == case.id)
    ).scalar_one()
    try:
        status = json.loads(first.open(receipt, _summary_aad(case.id)))["status"]
    except DecryptionFailed:
        raise TamperDetected(f"The status of your report {case.reference} is damaged.") from None
    return ReceiptDetail(case.id, case.reference, sent, sent_at, str(status), replies)


def _open_fields(
    conn: Connection, case: Any, v: Any, statement: dict[str, Any], first: Cipher, where: str
) -> dict[str, Any]:
    rows = conn.execute(
        select(CaseFieldRow.field, CaseFieldRow.value_ct).where(
            CaseFieldRow.case_id == case.id, CaseFieldRow.version == v.version
        )
    ).all()
    if {name for name, _ in rows} != set(statement["fields"]):
        raise TamperDetected(f"Fields of {where} are missing or were added.")
    out = {}
    for name, ct in rows:
        if hashlib.sha256(ct).hexdigest() != statement["fields"][name]:
            raise TamperDetected(f"The field '{name}' of {where} has been altered.")
        try:
            out[name] = json.loads(first.open(ct, binding("field", case.id, v.version, name)))
        except DecryptionFailed:
            raise TamperDetected(f"The field '{name}' of {where} is damaged.") from None
    return out
