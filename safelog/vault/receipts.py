"""The reporter's receipt (DESIGN §3.5): a reporter keeps what they sent, its status and
the replies the DSL sends them, never the rest of the case.

A report is sealed with the case's first data key, which the reporter made. The first time
someone who manages cases opens it, the case moves to a new data key and a reader group the
reporter never held (vault/case_writing.py), so nothing written after that is readable with what
the reporter keeps. What stays readable with the first key: the versions the reporter wrote,
the replies (sealed with the first key on purpose) and the receipt's summary of the status.

The reporter finds their receipts by trying their own receipt key on each (AES-GCM, a few
microseconds each): the database does not say who reported what. The receipt row itself is
vault/receipt_store.py; the versions are read and checked by the case engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from safelog.audit.actions import AuditAction
from safelog.crypto.aead import Cipher, DecryptionFailed
from safelog.errors import TamperDetected
from safelog.store.schema import CaseRow, ReceiptRow
from safelog.vault.case_engine import open_as_reporter
from safelog.vault.case_reading import read_as_reporter
from safelog.vault.case_schema import CaseFields, ReceiptSummary
from safelog.vault.receipt_store import receipt_cipher, receipt_status, slot_aad, summary_aad
from safelog.vault.records import CaseSummary, Reply
from safelog.vault.session import Session

__all__ = ["ReceiptDetail", "Reply", "my_receipts", "show_receipt"]


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
            first = Cipher(mine.open(slot, slot_aad(case_id)))
        except DecryptionFailed:
            continue
        try:
            data: ReceiptSummary = json.loads(first.open(summary_ct, summary_aad(case_id)))
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


@dataclass
class ReceiptDetail:
    """A report as its reporter sees it."""

    id: str
    reference: str
    sent: CaseFields
    sent_at: datetime
    status: str
    replies: list[Reply] = field(default_factory=list)


def show_receipt(session: Session, reference: str) -> ReceiptDetail:
    """What the reporter sent, its status and the replies sent to them, each checked: the
    versions readable with the first key are verified (signature, chain, author), replies
    must come from someone who manages cases. The view is audited."""
    session.ensure_open()
    with session.write() as conn:
        case = open_as_reporter(session, conn, reference)
        row, first = case.row, case.ciphers[1]
        view = read_as_reporter(session, conn, case)
        status = receipt_status(conn, row.id, row.reference, first)
        detail = ReceiptDetail(row.id, row.reference, view.sent, view.sent_at, status, view.replies)
        session.audit(
            conn,
            AuditAction.CASE_RECEIPT_VIEW,
            {"reference": row.reference},
            case=(row.id, 1, first),
        )
    return detail
