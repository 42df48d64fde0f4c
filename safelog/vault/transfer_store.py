"""The storage of child protection file transfers: rows sealed for the DSL role.

Each row (the school's transfer key, a file sent, a file received, a receipt) is a small
JSON body and, for files, the parts they hold, each encrypted under a fresh key wrapped
(HPKE) to the DSL role key of the current epoch; signed by the DSL who made it and chained
to the row before. A reader trusts nothing because it is in the database (DESIGN §3.5): it
checks the chain, the signature against the signer's logged key, that the signer was a DSL
at the point of the membership log the row names, and that the audit log names no row the
table lacks. The parts are opened only when asked for, and checked against the SHA-256 the
signed row hash holds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import Connection, insert, select

from safelog.audit.log import highest_item_named
from safelog.crypto import wrap as hpke
from safelog.crypto.aead import Cipher, DecryptionFailed, binding, new_key
from safelog.crypto.encoding import canonical_json, length_prefixed
from safelog.crypto.transfer_box import pack_parts, unpack_parts
from safelog.domain.roles import KeyRole, Role
from safelog.errors import AccessDenied, KeyNotTrusted, TamperDetected
from safelog.store.schema import TransferRow
from safelog.vault.session import Session

GENESIS = b"\x00" * 32
ITEM_PREFIX = "transfer:"  # what the audit entry of a row names: "transfer:<seq>"

# Every column but the parts themselves: what a listing reads.
_HEAD_COLUMNS = tuple(c for c in TransferRow.__table__.c if c.name != "parts_ct")


@dataclass(frozen=True)
class TransferRecord:
    seq: int
    body: dict[str, Any]
    signer_id: str
    at: datetime

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))


def row_hash(
    seq: int,
    prev: bytes,
    epoch: int,
    membership_seq: int,
    signer_id: str,
    at: datetime,
    wrapped_key: bytes,
    body_ct: bytes,
    parts_hash: bytes,
) -> bytes:
    return hashlib.sha256(
        length_prefixed(
            b"safelog/v1/transfer-row",
            str(seq).encode(),
            prev,
            str(epoch).encode(),
            str(membership_seq).encode(),
            signer_id.encode(),
            at.astimezone(UTC).isoformat().encode(),
            hashlib.sha256(wrapped_key).digest(),
            hashlib.sha256(body_ct).digest(),
            parts_hash,
        )
    ).digest()


def _wrap_context(seq: int, epoch: int) -> str:
    return f"transfer/{seq}/dsl:{epoch}"


def require_dsl(session: Session) -> None:
    """Said before any work: transfers are the DSL's (and every reader checks each row)."""
    session.ensure_open()
    if Role.DSL not in session.person.roles:
        raise AccessDenied(
            "Child protection file transfers are for the DSL: only a DSL can make, send or "
            "receive them."
        )


def append_row(
    session: Session,
    conn: Connection,
    body: dict[str, Any],
    parts: list[tuple[str, bytes]] | None = None,
) -> int:
    """Seal, sign and append one row inside the caller's write; returns its number."""
    require_dsl(session)
    session.reload_directory(conn)  # never seal to a key a removal has since replaced
    epoch = session.directory.current_epoch(KeyRole.DSL)
    if epoch is not None and (KeyRole.DSL, epoch.epoch) not in session.role_keys:
        session.load_role_keys(conn)
    if epoch is None or (KeyRole.DSL, epoch.epoch) not in session.role_keys:
        raise KeyNotTrusted(
            "This account does not yet hold the DSL role key that transfers are sealed with. "
            "Sign out and in again; if it persists, ask another DSL to sign in first."
        )
    last = conn.execute(
        select(TransferRow.seq, TransferRow.row_hash).order_by(TransferRow.seq.desc())
    ).first()
    seq = 1 if last is None else int(last.seq) + 1
    prev = GENESIS if last is None else bytes(last.row_hash)
    at = session.clock()
    membership_seq = session.directory.head_seq
    key = new_key()
    wrapped = hpke.wrap(
        key, X25519PublicKey.from_public_bytes(epoch.public), _wrap_context(seq, epoch.epoch)
    )
    cipher = Cipher(key)
    body_ct = cipher.seal(canonical_json(body), binding("transfer", seq, epoch.epoch, "body"))
    parts_ct = cipher.seal(pack_parts(parts or []), binding("transfer", seq, epoch.epoch, "parts"))
    parts_hash = hashlib.sha256(parts_ct).digest()
    digest = row_hash(
        seq, prev, epoch.epoch, membership_seq, session.user_id, at, wrapped, body_ct, parts_hash
    )
    conn.execute(
        insert(TransferRow).values(
            seq=seq,
            prev_hash=prev,
            row_hash=digest,
            epoch=epoch.epoch,
            membership_seq=membership_seq,
            signer_id=session.user_id,
            wrapped_key=wrapped,
            body_ct=body_ct,
            parts_hash=parts_hash,
            parts_ct=parts_ct,
            signature=session.identity.sign(digest),
            created_at=at,
        )
    )
    return seq


def load_rows(session: Session, conn: Connection) -> list[TransferRecord]:
    """Every row, checked and opened (bodies only), oldest first. A row that fails a check
    stops the list with TamperDetected naming it."""
    require_dsl(session)
    rows = list(conn.execute(select(*_HEAD_COLUMNS).order_by(TransferRow.seq)).all())
    _check_none_missing(conn, len(rows))
    out: list[TransferRecord] = []
    prev = GENESIS
    for expected, row in enumerate(rows, start=1):
        cipher = _checked_cipher(session, row, expected, prev)
        try:
            body = json.loads(
                cipher.open(bytes(row.body_ct), binding("transfer", expected, row.epoch, "body"))
            )
        except (DecryptionFailed, ValueError):
            raise TamperDetected(f"Transfer record {expected} is damaged.") from None
        out.append(TransferRecord(expected, body, str(row.signer_id), row.created_at))
        prev = bytes(row.row_hash)
    return out


def load_parts(session: Session, conn: Connection, seq: int) -> dict[str, bytes]:
    """The parts of one row, checked again from its own signed hash."""
    require_dsl(session)
    row = conn.execute(select(TransferRow.__table__).where(TransferRow.seq == seq)).one_or_none()
    if row is None:
        raise TamperDetected(f"Transfer record {seq} is missing from the database.")
    prev = GENESIS
    if seq > 1:
        before = conn.execute(
            select(TransferRow.row_hash).where(TransferRow.seq == seq - 1)
        ).scalar_one_or_none()
        if before is None:
            raise TamperDetected(f"Transfer record {seq - 1} is missing from the database.")
        prev = bytes(before)
    cipher = _checked_cipher(session, row, seq, prev)
    if hashlib.sha256(bytes(row.parts_ct)).digest() != bytes(row.parts_hash):
        raise TamperDetected(f"The documents of transfer record {seq} were altered.")
    try:
        return unpack_parts(
            cipher.open(bytes(row.parts_ct), binding("transfer", seq, row.epoch, "parts"))
        )
    except (DecryptionFailed, ValueError):
        raise TamperDetected(f"The documents of transfer record {seq} are damaged.") from None


def _checked_cipher(session: Session, row: Any, expected: int, prev: bytes) -> Cipher:
    where = f"Transfer record {expected}"
    if int(row.seq) != expected or bytes(row.prev_hash) != prev:
        raise TamperDetected(
            f"{where} is missing or out of order: the transfers were altered outside "
            "SafeLog. Tell your DSL."
        )
    digest = row_hash(
        expected,
        prev,
        int(row.epoch),
        int(row.membership_seq),
        str(row.signer_id),
        row.created_at,
        bytes(row.wrapped_key),
        bytes(row.body_ct),
        bytes(row.parts_hash),
    )
    if digest != bytes(row.row_hash):
        raise TamperDetected(f"{where} has been altered outside SafeLog.")
    signer = session.directory.people.get(str(row.signer_id))
    if signer is None or not signer.verifies_at(
        bytes(row.signature), digest, int(row.membership_seq)
    ):
        raise TamperDetected(f"The signature on {where.lower()} does not check out.")
    if int(row.membership_seq) > session.directory.head_seq or Role.DSL not in signer.roles_at(
        int(row.membership_seq)
    ):
        raise TamperDetected(
            f"{where} was written by {signer.name}, who was not a DSL at the time; it is not used."
        )
    private = session.role_keys.get((KeyRole.DSL, int(row.epoch)))
    if private is None:
        raise AccessDenied(
            "This account does not hold the DSL key the transfers are sealed with yet. "
            "Another DSL hands it on when they next sign in."
        )
    try:
        key = hpke.unwrap(bytes(row.wrapped_key), private, _wrap_context(expected, row.epoch))
    except DecryptionFailed:
        raise TamperDetected(f"{where} is damaged and cannot be opened.") from None
    return Cipher(key)


def _check_none_missing(conn: Connection, held: int) -> None:
    """The audit log names every row: fewer rows than it names is a table cut back."""
    named = highest_item_named(conn, ITEM_PREFIX)
    if named > held:
        raise TamperDetected(
            f"The audit log records {named} transfer records but only {held} are in the "
            "database: they were rolled back or cut outside SafeLog."
        )
