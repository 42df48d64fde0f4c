"""Checking and reading the whole audit log as one user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from safelog.audit import log as audit_log
from safelog.audit.actions import AuditAction
from safelog.crypto.aead import DecryptionFailed
from safelog.errors import TamperDetected
from safelog.store.engine import snapshot
from safelog.vault.case_engine import open_case
from safelog.vault.case_reading import checked_audit_rows, read_case
from safelog.vault.session import Session


def verify_whole_log(session: Session) -> dict[str, Any]:
    """Verify every entry from the first: chain, hashes, signatures by directory members,
    and that the log still extends this device's checkpoint."""
    session.ensure_open()
    seen = session.last_checkpoint()
    with snapshot(session.engine) as conn:  # the log's rows and head from one moment
        session.reload_directory(conn)  # entries by people who enrolled since sign-in
        start = audit_log.Head(0, audit_log.GENESIS)
        try:
            end = audit_log.verify_chain(
                audit_log.rows_after(conn, 0),
                start=start,
                verify_signature=session.verify_actor_signature,
            )
        except audit_log.ChainBroken as exc:
            raise TamperDetected(f"The audit log is damaged: {exc}.") from None
        head = audit_log.read_head(conn)
        if (head.seq, head.entry_hash) != (end.seq, end.entry_hash):
            raise TamperDetected("The audit log's head does not match its last entry.")
        session.check_audit_log(conn, seen)
    with session.write() as conn:
        session.audit(conn, AuditAction.AUDIT_VERIFY, {"entries": end.seq})
    return {"entries": end.seq, "head": end.entry_hash.hex(), "intact": True}


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]
    entry_hash: str


def case_audit(session: Session, reference: str) -> list[AuditEntry]:
    """Every audit entry about one case, decrypted with the case's keys (chain verified)."""
    session.ensure_open()
    with session.engine.connect() as conn:
        case = open_case(session, conn, reference)
        # The case's history is checked as on opening it: a case refused there is refused
        # here too, so its audit entries are never a way round the checks.
        read_case(session, conn, case)
        rows = checked_audit_rows(session, conn, case)
    entries = []
    for row, cipher in rows:
        try:
            body = session.open_audit_body(row.key_ref, row.created_at, row.body_ct, cipher)
        except DecryptionFailed:
            raise TamperDetected(f"Audit entry {row.seq} of case {reference} is damaged.") from None
        if body is None:
            continue
        entries.append(
            AuditEntry(
                row.seq,
                row.created_at,
                str(body.get("actor", "")),
                str(body.get("action", "")),
                dict(body.get("details", {})),
                row.entry_hash.hex(),
            )
        )
    return entries
