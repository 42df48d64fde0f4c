"""Checking and reading the whole audit log as one user."""

from __future__ import annotations

from typing import Any

from safelog.audit import log as audit_log
from safelog.errors import TamperDetected
from safelog.vault.session import Session


def verify_whole_log(session: Session) -> dict[str, Any]:
    """Verify every entry from the first: chain, hashes, signatures by directory members,
    and that the log still extends this device's checkpoint."""
    session.ensure_open()
    with session.engine.connect() as conn:
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
        session.check_audit_log(conn)
    with session.write() as conn:
        session.audit(conn, "audit.verify", {"entries": end.seq})
    return {"entries": end.seq, "head": end.entry_hash.hex(), "intact": True}
