"""The school roll's storage: batches of records sealed for every enrolled member.

Each import or change of the roll is one batch: its records as JSON, encrypted under a
fresh key that is wrapped (HPKE) to the members' role key of the current epoch, signed by
the DSL or administrator who made it, and chained to the batch before. A reader trusts
nothing because it is in the database (DESIGN §3.5): it checks the chain, the signature
against the signer's logged key, that the signer kept the roll at the point of the
membership log the batch names, and that the audit log names no batch the table lacks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import Connection, func, insert, select

from safelog.audit.log import highest_item_named
from safelog.crypto import wrap as hpke
from safelog.crypto.aead import Cipher, DecryptionFailed, binding, new_key
from safelog.crypto.encoding import canonical_json, length_prefixed
from safelog.domain.roles import ROLL_KEEPERS, KeyRole
from safelog.errors import AccessDenied, KeyNotTrusted, TamperDetected
from safelog.store.schema import RollBatchRow
from safelog.vault.session import Session

GENESIS = b"\x00" * 32
ITEM_PREFIX = "roll:"  # what the audit entry of a batch names: "roll:<seq>"


@dataclass(frozen=True)
class RollBatch:
    seq: int
    kind: str  # "import", "add", "edit", "link"
    records: list[dict[str, Any]]
    signer_id: str
    at: datetime


def batch_hash(
    seq: int,
    prev: bytes,
    epoch: int,
    membership_seq: int,
    signer_id: str,
    at: datetime,
    wrapped_key: bytes,
    body_ct: bytes,
) -> bytes:
    return hashlib.sha256(
        length_prefixed(
            b"safelog/v1/roll",
            str(seq).encode(),
            prev,
            str(epoch).encode(),
            str(membership_seq).encode(),
            signer_id.encode(),
            at.astimezone(UTC).isoformat().encode(),
            hashlib.sha256(wrapped_key).digest(),
            hashlib.sha256(body_ct).digest(),
        )
    ).digest()


def _wrap_context(seq: int, epoch: int) -> str:
    return f"roll/{seq}/members:{epoch}"


def require_roll_keeper(session: Session) -> None:
    """Said before any work: only a DSL or an administrator changes the roll (and every
    reader checks that again of each batch)."""
    if not session.person.roles & ROLL_KEEPERS:
        raise AccessDenied("Only a DSL or an administrator can change the school roll.")


def append_batch(
    session: Session, conn: Connection, kind: str, records: list[dict[str, Any]]
) -> int:
    """Seal, sign and append one batch inside the caller's write; returns its number. Only
    a keeper of the roll may write, and the reader checks that again."""
    require_roll_keeper(session)
    session.reload_directory(conn)  # never seal to a key a removal has since replaced
    epoch = session.directory.current_epoch(KeyRole.MEMBERS)
    if epoch is not None and (KeyRole.MEMBERS, epoch.epoch) not in session.role_keys:
        # A new epoch since sign-in (a removal or a recovery key used meanwhile).
        session.load_role_keys(conn)
    if epoch is None or (KeyRole.MEMBERS, epoch.epoch) not in session.role_keys:
        raise KeyNotTrusted(
            "This account does not yet hold the key the school roll is sealed with. "
            "Sign out and in again; if it persists, ask another DSL to sign in first."
        )
    last = conn.execute(
        select(RollBatchRow.seq, RollBatchRow.batch_hash).order_by(RollBatchRow.seq.desc())
    ).first()
    seq = 1 if last is None else int(last.seq) + 1
    prev = GENESIS if last is None else bytes(last.batch_hash)
    at = session.clock()
    membership_seq = session.directory.head_seq
    key = new_key()
    wrapped = hpke.wrap(
        key, X25519PublicKey.from_public_bytes(epoch.public), _wrap_context(seq, epoch.epoch)
    )
    body = canonical_json({"kind": kind, "records": records})
    body_ct = Cipher(key).seal(body, binding("roll", seq, epoch.epoch))
    digest = batch_hash(
        seq, prev, epoch.epoch, membership_seq, session.user_id, at, wrapped, body_ct
    )
    conn.execute(
        insert(RollBatchRow).values(
            seq=seq,
            prev_hash=prev,
            batch_hash=digest,
            epoch=epoch.epoch,
            membership_seq=membership_seq,
            signer_id=session.user_id,
            wrapped_key=wrapped,
            body_ct=body_ct,
            signature=session.identity.sign(digest),
            created_at=at,
        )
    )
    return seq


def batch_rows(conn: Connection) -> list[Any]:
    return list(conn.execute(select(RollBatchRow.__table__).order_by(RollBatchRow.seq)).all())


def rows_fingerprint(rows: list[Any]) -> bytes:
    """A digest of the batch rows exactly as stored: equal only for the very same rows."""
    digest = hashlib.sha256()
    for row in rows:
        for value in row:
            raw = value if isinstance(value, bytes | memoryview) else str(value).encode()
            digest.update(len(raw).to_bytes(8, "big"))
            digest.update(raw)
    return digest.digest()


def load_batches(
    session: Session, conn: Connection | None = None, rows: list[Any] | None = None
) -> list[RollBatch]:
    """Every batch, checked and opened, oldest first. A batch that fails a check stops the
    roll with TamperDetected naming it: a roll with a forged or missing batch is not used.
    `rows`: the batch rows, when the caller has read them already."""
    session.ensure_open()
    if conn is None:
        with session.engine.connect() as own:
            return load_batches(session, own)
    if rows is None:
        rows = batch_rows(conn)
    _check_none_missing(conn, len(rows))
    batches: list[RollBatch] = []
    prev = GENESIS
    for expected, row in enumerate(rows, start=1):
        batches.append(_open(session, row, expected, prev))
        prev = bytes(row.batch_hash)
    return batches


def _open(session: Session, row: Any, expected: int, prev: bytes) -> RollBatch:
    where = f"Batch {expected} of the school roll"
    if int(row.seq) != expected or bytes(row.prev_hash) != prev:
        raise TamperDetected(
            f"{where} is missing or out of order: the roll was altered outside SafeLog, "
            "so it is not used. Tell your DSL."
        )
    created = row.created_at
    digest = batch_hash(
        expected,
        prev,
        int(row.epoch),
        int(row.membership_seq),
        str(row.signer_id),
        created,
        bytes(row.wrapped_key),
        bytes(row.body_ct),
    )
    if digest != bytes(row.batch_hash):
        raise TamperDetected(f"{where} has been altered outside SafeLog; the roll is not used.")
    signer = session.directory.people.get(str(row.signer_id))
    if signer is None or not signer.verifies_at(bytes(row.signature), digest, row.membership_seq):
        raise TamperDetected(
            f"The signature on {where.lower()} does not check out; the roll is not used."
        )
    if int(row.membership_seq) > session.directory.head_seq or not (
        signer.roles_at(int(row.membership_seq)) & ROLL_KEEPERS
    ):
        raise TamperDetected(
            f"{where} was written by {signer.name}, who did not keep the roll (DSL or "
            "administrator) at the time; the roll is not used."
        )
    private = session.role_keys.get((KeyRole.MEMBERS, int(row.epoch)))
    if private is None:
        raise AccessDenied(
            "This account does not hold the key to the school roll yet. A DSL or "
            "administrator hands it on when they next sign in."
        )
    try:
        key = hpke.unwrap(bytes(row.wrapped_key), private, _wrap_context(expected, row.epoch))
        body = json.loads(
            Cipher(key).open(bytes(row.body_ct), binding("roll", expected, row.epoch))
        )
    except (DecryptionFailed, ValueError):
        raise TamperDetected(f"{where} is damaged and cannot be opened.") from None
    return RollBatch(expected, str(body["kind"]), list(body["records"]), signer.id, created)


def _check_none_missing(conn: Connection, held: int) -> None:
    """The audit log names every batch: fewer batches than it names is a roll rolled back."""
    named = highest_item_named(conn, ITEM_PREFIX)
    if named > held:
        raise TamperDetected(
            f"The audit log records {named} changes to the school roll but only {held} are "
            "in the database: the roll was rolled back or cut outside SafeLog. It is not used."
        )


def batch_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(RollBatchRow)).scalar_one())
