"""An unlocked session: one person's private keys, the verified directory, the role and
reader-group keys they can open, and the audit trail of what they do.

Locking drops every key reference held here; Python cannot promise to wipe memory, so the
session keeps key material in as few objects as it can and forgets them together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, update

from safelog.store.schema import AuditHeadRow
from safelog.vault.audit_trail import AuditTrail
from safelog.vault.reader_groups import ReaderGroups
from safelog.vault.role_keys import RoleKeys


@dataclass
class Session(ReaderGroups, AuditTrail, RoleKeys):
    """Its keys and directory (vault/session_keys.py), reader groups (vault/reader_groups.py),
    audit trail (vault/audit_trail.py) and the keeping of role keys (vault/role_keys.py)."""

    _write_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def lock(self) -> None:
        if not self.locked:
            self.keep_on_device()
        self.role_keys.clear()
        self.forget_reader_groups()
        self.ca_key = None
        self.profile_key = b""
        self.identity = None  # type: ignore[assignment]
        self.forget_audit_state()
        self.memo.clear()
        self.locked = True

    def refresh(self) -> None:
        """Re-read the directory and the keys this user holds (after enrolment or grants)."""
        from safelog.vault.directory import load_directory

        with self.engine.connect() as conn:
            self.directory = load_directory(
                conn,
                self.identity.extra["ca_fp"],
                self.identity.extra["vault_id"],
                self.remembered(),
                remember=True,
            )
            self.person = self.directory.people.get(self.user_id, self.person)
            self.role_keys.clear()
            self.load_role_keys(conn)
            self.load_audiences(conn)

    def write(self) -> _WriteTransaction:
        """A transaction for a use case; the checkpoint is saved once it has committed."""
        self.ensure_open()
        return _WriteTransaction(self)


class _WriteTransaction:
    """One write at a time per session: the pending checkpoint and the reader groups made
    on the way belong to the transaction under way, and the app runs saves on two worker
    threads. (The database serialises writers anyway, so this costs no concurrency.)"""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._context = session.engine.begin()

    def __enter__(self) -> Connection:
        self._session._write_lock.acquire()
        try:
            conn = self._context.__enter__()
            # Take the audit log's head row first: writers then queue in one order, and the
            # membership point each reads after this is the one its audit entry names.
            conn.execute(
                update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=AuditHeadRow.seq)
            )
            return conn
        except BaseException:
            self._session._write_lock.release()
            raise

    def __exit__(self, *exc: Any) -> None:
        session = self._session
        try:
            try:
                self._context.__exit__(*exc)
            except BaseException:
                self._forget_uncommitted()
                raise
            if exc[0] is None:
                session.keep_uncommitted_groups()
                session.save_checkpoint()
            else:
                self._forget_uncommitted()
        finally:
            session._write_lock.release()

    def _forget_uncommitted(self) -> None:
        self._session.forget_uncommitted_groups()
        self._session.drop_pending_checkpoint()
