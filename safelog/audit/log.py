"""Append-only audit log: each entry signed by its actor and chained to the one before.

    entry_hash = SHA-256(canonical JSON of {seq, prev, actor, at, case, key_ref,
                                            body = SHA-256(body ciphertext)})
    signature  = Ed25519(actor, b"safelog/v1/audit" + entry_hash)

Bodies are encrypted (by the caller) so that entries about a case are readable only by
those who can read the case. The chain and the signatures cover the ciphertext, so
anyone can verify the log without reading it.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, String, insert, select, type_coerce, update

from safelog.crypto.aead import binding
from safelog.crypto.encoding import canonical_json
from safelog.crypto.sealed_signature import SEALED_ACTOR
from safelog.store.schema import AuditHeadRow, AuditRow

GENESIS = b"\x00" * 32
_SIGNING_PREFIX = b"safelog/v1/audit"


class ChainBroken(Exception):
    def __init__(self, message: str, seq: int) -> None:
        super().__init__(message)
        self.seq = seq


class UnknownActor(Exception):
    """The entry's author has no verified record (it failed its check, or was removed from
    the database)."""


@dataclass(frozen=True)
class Head:
    seq: int
    entry_hash: bytes


def entry_hash(
    seq: int,
    prev: bytes,
    actor: str,
    at: datetime,
    case_id: str | None,
    key_ref: str,
    body_ct: bytes,
    item_ref: str | None = None,
) -> bytes:
    header: dict[str, Any] = {
        "seq": seq,
        "prev": prev.hex(),
        "actor": actor,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "case": case_id,
        "key_ref": key_ref,
        "body": hashlib.sha256(body_ct).hexdigest(),
    }
    if item_ref is not None:
        header["item"] = item_ref  # entries before item refs hash as they always did
    return hashlib.sha256(canonical_json(header)).digest()


def row_hash(row: Any) -> bytes:
    """The hash an entry row should have, from its stored columns."""
    return entry_hash(
        row.seq,
        row.prev_hash,
        row.actor_id,
        row.created_at,
        row.case_id,
        row.key_ref,
        row.body_ct,
        row.item_ref,
    )


def signing_message(digest: bytes) -> bytes:
    return _SIGNING_PREFIX + digest


def sealed_signature_aad(key_ref: str, message: bytes) -> bytes:
    """Where an entry's sealed actor and signature belong: that entry and no other."""
    return binding("audit-author", key_ref, message.hex())


def read_head(conn: Connection) -> Head:
    row = conn.execute(select(AuditHeadRow.__table__).where(AuditHeadRow.id == 1)).one_or_none()
    if row is None:
        return Head(0, GENESIS)
    return Head(row.seq, row.entry_hash)


@dataclass(frozen=True)
class NewEntry:
    """One entry to append: everything but its place in the log."""

    actor: str
    at: datetime
    case_id: str | None
    key_ref: str
    body_ct: bytes
    sign: Callable[[bytes], bytes]
    item_ref: str | None = None


def append(
    conn: Connection,
    *,
    actor: str,
    at: datetime,
    case_id: str | None,
    key_ref: str,
    body_ct: bytes,
    sign: Callable[[bytes], bytes],
    item_ref: str | None = None,
) -> Head:
    """Append within the caller's transaction (see append_many)."""
    return append_many(conn, [NewEntry(actor, at, case_id, key_ref, body_ct, sign, item_ref)])


def append_many(conn: Connection, entries: Sequence[NewEntry]) -> Head:
    """Append entries in order within the caller's transaction, chained one to the next.
    Updating the head row first takes a row lock on PostgreSQL (and SQLite holds its write
    lock), so appends are serialised; the head moves once, for all of them."""
    locked = conn.execute(
        update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=AuditHeadRow.seq)
    )
    if locked.rowcount == 0:
        conn.execute(insert(AuditHeadRow).values(id=1, seq=0, entry_hash=GENESIS))
    head = read_head(conn)
    if not entries:
        return head
    rows = []
    for entry in entries:
        seq = head.seq + 1
        digest = entry_hash(
            seq,
            head.entry_hash,
            entry.actor,
            entry.at,
            entry.case_id,
            entry.key_ref,
            entry.body_ct,
            entry.item_ref,
        )
        rows.append(
            {
                "seq": seq,
                "prev_hash": head.entry_hash,
                "entry_hash": digest,
                "actor_id": entry.actor,
                "created_at": entry.at,
                "case_id": entry.case_id,
                "key_ref": entry.key_ref,
                "body_ct": entry.body_ct,
                "item_ref": entry.item_ref,
                "signature": entry.sign(signing_message(digest)),
            }
        )
        head = Head(seq, digest)
    conn.execute(insert(AuditRow), rows)
    conn.execute(
        update(AuditHeadRow)
        .where(AuditHeadRow.id == 1)
        .values(seq=head.seq, entry_hash=head.entry_hash)
    )
    return head


def verify_chain(
    rows: Iterable[Any],
    *,
    start: Head,
    verify_signature: Callable[[str, bytes, bytes], bool] | None,
) -> Head:
    """Check entries after `start` link up, hash right and (unless verify_signature is None:
    entries this device already verified once) are signed by their actor."""
    current = start
    for row in rows:
        if row.seq != current.seq + 1:
            raise ChainBroken(f"audit entry {current.seq + 1} is missing", current.seq + 1)
        if row.prev_hash != current.entry_hash:
            raise ChainBroken(
                f"audit entry {row.seq - 1} or audit entry {row.seq} was altered "
                "(they no longer link up)",
                row.seq,
            )
        digest = row_hash(row)
        if digest != row.entry_hash:
            raise ChainBroken(f"audit entry {row.seq} has been altered", row.seq)
        if verify_signature is None or _sealed_for_readers(row):
            current = Head(row.seq, digest)
            continue
        try:
            signed = verify_signature(row.actor_id, row.signature, signing_message(digest))
        except UnknownActor:
            raise ChainBroken(
                f"audit entry {row.seq} was written by a user whose record is missing or "
                "failed its check (see the user list)",
                row.seq,
            ) from None
        if not signed:
            raise ChainBroken(f"audit entry {row.seq} has an invalid signature", row.seq)
        current = Head(row.seq, digest)
    return current


def _sealed_for_readers(row: Any) -> bool:
    """An entry about a case has its actor and signature sealed with the case key it names
    (crypto/sealed_signature.py): the chain covers it, the case's readers check who signed
    it (vault/audit_view.py). Only such entries may leave their actor out."""
    if row.actor_id != SEALED_ACTOR:
        return False
    if row.case_id is None or not row.key_ref.startswith(f"case:{row.case_id}:"):
        raise ChainBroken(f"audit entry {row.seq} does not say who wrote it", row.seq)
    return True


def item_ref(item: str, membership_seq: int, sent_to: str | None = None) -> str:
    """What an entry names: the case version ("v3") or evidence item ("e:<id>") it records,
    if any, and the point of the membership log its writer wrote under ("@12"). A case's
    first version also names the reader group it was sent to ("v1>group"): once later
    entries are chained after it, that can no longer be changed, so a report moved elsewhere
    is noticed even though who sent it is sealed (vault/out_of_reach.py)."""
    named = f"{item}>{sent_to}" if sent_to else item
    return f"{named}@{membership_seq}"


def parse_item_ref(ref: str | None) -> tuple[str, int | None]:
    if ref is None:
        return "", None
    item, at, seq = ref.rpartition("@")
    if not at or not seq.isdigit():
        return ref.partition(">")[0], None
    return item.partition(">")[0], int(seq)


def highest_item_named(conn: Connection, prefix: str) -> int:
    """The highest row number the log names as "<prefix><n>" in entries about no case: a
    table chained row by row holds at least that many rows, or it was cut back."""
    refs = conn.execute(
        select(AuditRow.item_ref).where(
            AuditRow.case_id.is_(None), AuditRow.item_ref.like(f"{prefix}%")
        )
    ).all()
    named = 0
    for (ref,) in refs:
        number = parse_item_ref(ref)[0].removeprefix(prefix)
        if number.isdigit():
            named = max(named, int(number))
    return named


def first_sent_to(conn: Connection, case_id: str) -> str | None:
    """The reader group the log says a case's first version was sent to, if it says."""
    refs = conn.execute(
        select(AuditRow.item_ref)
        .where(AuditRow.case_id == case_id, AuditRow.item_ref.like("v1>%"))
        .order_by(AuditRow.seq)
        .limit(1)
    ).scalars()
    for ref in refs:
        named = str(ref).rpartition("@")[0] or str(ref)
        return named.partition(">")[2] or None
    return None


class MembershipOutOfOrder(Exception):
    def __init__(self, seq: int) -> None:
        super().__init__(f"audit entry {seq}")
        self.seq = seq


@dataclass
class Manifest:
    """What the log says must exist: each case's latest version, and every evidence item
    (DESIGN §3.5 "nothing quietly missing")."""

    versions: dict[str, int]  # case id -> highest version the log records
    evidence: dict[str, str]  # evidence id -> case id
    # The latest point of the membership log an entry named: no later entry may name an
    # earlier one (so a manifest can be carried on from where it was left).
    highest: int = 0


def manifest(conn: Connection) -> Manifest:
    rows = conn.execute(
        select(AuditRow.seq, AuditRow.case_id, AuditRow.item_ref)
        .where(AuditRow.item_ref.is_not(None))
        .order_by(AuditRow.seq)
    ).all()
    return manifest_of((row.seq, row.case_id, row.item_ref) for row in rows)


def manifest_of(
    rows: Iterable[tuple[int, str | None, str | None]], start: Manifest | None = None
) -> Manifest:
    """The manifest of (seq, case id, item ref) in log order, checking on the way that the
    membership points the entries name never go backwards along the log: a writer naming a
    point from before a change (a removed member backdating their authority) is out of
    order (MembershipOutOfOrder). With `start` (the manifest of the entries before these),
    it is carried on from there; `start` itself is left as it was."""
    if start is None:
        found = Manifest({}, {})
    else:
        found = Manifest(dict(start.versions), dict(start.evidence), start.highest)
    versions, evidence = found.versions, found.evidence
    highest = found.highest
    # Called on every sign-in over every entry (DESIGN §7): the common shapes, "v<n>@<m>"
    # and "@<m>", are parsed inline.
    for seq, case_id, ref in rows:
        if ref is None:
            continue
        item, at, point = ref.rpartition("@")
        if at and point.isdigit():
            membership_seq = int(point)
            if membership_seq < highest:
                raise MembershipOutOfOrder(seq)
            highest = membership_seq
        else:
            item = ref
        if not item or case_id is None:
            continue
        if ">" in item:
            item = item.partition(">")[0]
        if item[0] == "v" and item[1:].isdigit():
            number = int(item[1:])
            if number > versions.get(case_id, 0):
                versions[case_id] = number
        elif item.startswith("e:"):
            evidence[item[2:]] = case_id
    found.highest = highest
    return found


def case_items(conn: Connection, case_id: str) -> dict[str, tuple[int, int | None]]:
    """item -> (audit seq, membership point) for the entries about one case that name one."""
    rows = conn.execute(
        select(AuditRow.seq, AuditRow.item_ref)
        .where(AuditRow.case_id == case_id, AuditRow.item_ref.is_not(None))
        .order_by(AuditRow.seq)
    ).all()
    return items_of(rows)


def items_of(rows: Iterable[Any]) -> dict[str, tuple[int, int | None]]:
    """What entries (in log order, with `seq` and `item_ref`) name: the first entry naming
    an item is the one that counts."""
    out: dict[str, tuple[int, int | None]] = {}
    for row in rows:
        item, membership_seq = parse_item_ref(row.item_ref)
        if item and item not in out:
            out[item] = (row.seq, membership_seq)
    return out


def rows_after(
    conn: Connection, seq: int, until: int | None = None, *, stored_time: bool = False
) -> list[Any]:
    """Entries after `seq` (up to `until`), in order. With stored_time, each row also has
    `created_raw`: its time as the database returned it, for a ContentDigest."""
    columns: list[Any] = [AuditRow.__table__]
    if stored_time:
        columns.append(_STORED_TIME)
    statement = select(*columns).where(AuditRow.seq > seq)
    if until is not None:
        statement = statement.where(AuditRow.seq <= until)
    return list(conn.execute(statement.order_by(AuditRow.seq)).all())


# -- what this device has verified already ------------------------------------------------

# The time column as the driver returns it (text on SQLite), without parsing it into a
# datetime: reading 10,000 entries back at every sign-in is cheaper that way (DESIGN §7).
_STORED_TIME = type_coerce(AuditRow.created_at, String()).label("created_raw")
_CONTENT = (
    "seq",
    "prev_hash",
    "entry_hash",
    "actor_id",
    "created_raw",
    "case_id",
    "key_ref",
    "item_ref",
    "body_ct",
)
content_of = attrgetter(*_CONTENT)


def content_rows(conn: Connection, until: int) -> Iterator[tuple[Any, ...]]:
    """Entries 1..`until` as stored, as tuples of the columns in _CONTENT (every column the
    entry hash covers, and the time as stored), for a ContentDigest. Read in batches and
    handed on one by one: nothing holds all 10,000 rows at once."""
    table = AuditRow.__table__.c
    columns = [_STORED_TIME if name == "created_raw" else table[name] for name in _CONTENT]
    statement = select(*columns).where(AuditRow.seq <= until).order_by(AuditRow.seq)
    for batch in conn.execute(statement).partitions(500):
        yield from map(tuple, batch)


class ContentDigest:
    """SHA-256 over the stored content of entries, in order: every column the entry hash
    covers (and the stored hashes), byte for byte as the database returns them.

    Equal digests mean the rows are the very rows that were verified, so a device can skip
    re-hashing entries it verified before and still notice any that were changed, added or
    taken away since. Each row is encoded with marshal format 2, which writes every value
    with its type and length and no back-references, so the encoding is one-to-one. A
    different encoding (another Python, another driver) only makes a digest differ, and a
    digest that differs means "verify from scratch", never "trust"."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def update(self, records: Iterable[tuple[Any, ...]]) -> int:
        """Add entries, each as content_rows gives it (or content_of(row) of a full row);
        returns how many."""
        add, dumps = self._hash.update, marshal.dumps
        count = 0
        for record in records:
            count += 1
            try:
                add(dumps(record, 2))
            except ValueError:  # a value marshal does not write (a datetime from a driver)
                add(dumps(tuple(_plain(value) for value in record), 2))
        return count

    def digest(self) -> bytes:
        return self._hash.digest()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str, bytes)):
        return value
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return ("datetime", value.isoformat())
    return (type(value).__name__, repr(value))
