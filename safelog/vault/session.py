"""An unlocked session: one person's private keys, the verified directory, the role and
reader-group keys they can open, and the audit trail of what they do.

Locking drops every key reference held here; Python cannot promise to wipe memory, so the
session keeps key material in as few objects as it can and forgets them together.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlalchemy import Connection, Engine, func, insert, select, update

from safelog.audit import checkpoint as checkpoints
from safelog.audit import log as audit_log
from safelog.audit import verified as verified_audit
from safelog.crypto import slot_tags
from safelog.crypto import wrap as hpke
from safelog.crypto.aead import Cipher, DecryptionFailed, binding, new_key
from safelog.crypto.encoding import b64, canonical_json, unb64
from safelog.crypto.identity import Identity, x25519_public_bytes
from safelog.crypto.sealed_signature import (
    SEALED_ACTOR,
    SealedSignature,
    open_signature,
    seal_signature,
)
from safelog.domain.access import AudiencePlan, Recipient
from safelog.domain.admission import may_start_epoch
from safelog.domain.roles import ESCROW, KeyRole
from safelog.errors import AccessDenied, KeyNotTrusted, RollbackDetected, TamperDetected
from safelog.store.chunks import ChunkStore
from safelog.store.schema import (
    AudienceKeyRow,
    AudienceRow,
    AuditHeadRow,
    AuditRow,
    MembershipRow,
    RoleGrantRow,
)
from safelog.vault import membership
from safelog.vault.directory import ENROLLED, REMOVED, Directory, Person, Remembered

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


# How many entries beyond this device's sealed record of the verified audit log (see
# audit/verified.py) a sign-in checks before it renews the record.
RENEW_VERIFIED_AFTER = 64


def role_grant_context(role: str, epoch: int, recipient: str) -> str:
    return f"role/{role}/{epoch}/{recipient}"


def audience_context(audience_id: str, slot_tag: str) -> str:
    return f"audience/{audience_id}/{slot_tag}"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _maker_aad(audience_id: str, record: bytes) -> bytes:
    return binding("audience-maker", audience_id, _digest(record))


def _labels_aad(audience_id: str) -> bytes:
    return binding("audience-labels", audience_id)


@dataclass
class Session:
    engine: Engine
    data_dir: Path
    person: Person
    identity: Identity
    directory: Directory
    profile_key: bytes
    device: str
    chunks: ChunkStore
    clock: Clock = utc_now
    role_keys: dict[tuple[KeyRole, int], X25519PrivateKey] = field(default_factory=dict)
    audience_ciphers: dict[str, Cipher] = field(default_factory=dict)
    audience_records: dict[str, frozenset[str]] = field(default_factory=dict)
    # Reader groups this user made -> whether their maker is sealed (reused only alike).
    _own_groups: dict[str, bool] = field(default_factory=dict, repr=False)
    # Reader group -> its maker, as its members found it (checked).
    _group_makers: dict[str, str] = field(default_factory=dict, repr=False)
    ca_key: ec.EllipticCurvePrivateKey | None = None
    locked: bool = False
    # Cases left out of the last list because they failed their checks (in words).
    list_problems: list[str] = field(default_factory=list)
    # The audit rows read at sign-in, kept only until what they name is checked, and the
    # manifest of the entries before them that this device verified at an earlier sign-in.
    audit_manifest_rows: list[Any] = field(default_factory=list, repr=False)
    audit_manifest_start: audit_log.Manifest | None = field(default=None, repr=False)
    # (head verified at sign-in, digest of entries 1..head, how far the sealed record went)
    _audit_verified: tuple[audit_log.Head, audit_log.ContentDigest, int] | None = None
    _pending_checkpoint: checkpoints.Checkpoint | None = None
    # Reader groups made in the transaction under way: forgotten again if it rolls back.
    _uncommitted_audiences: list[str] = field(default_factory=list)
    _write_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # (group maker, slot label) -> key for blinded slot tags: one X25519 each, kept.
    _tag_keys: dict[tuple[str, str], bytes] = field(default_factory=dict, repr=False)
    # Reader group -> (slot tag, label) this user opened it through.
    _my_slots: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    # Key slots that did not open (changed outside SafeLog), in words, shown with the list.
    key_problems: list[str] = field(default_factory=list)

    # -- identity ---------------------------------------------------------------------

    @property
    def user_id(self) -> str:
        return self.person.id

    def ensure_open(self) -> None:
        if self.locked:
            raise AccessDenied("SafeLog is locked. Sign in again.")

    def lock(self) -> None:
        self.role_keys.clear()
        self.audience_ciphers.clear()
        self.audience_records.clear()
        self._own_groups.clear()
        self._group_makers.clear()
        self._tag_keys.clear()
        self._my_slots.clear()
        self.ca_key = None
        self.profile_key = b""
        self.identity = None  # type: ignore[assignment]
        self.audit_manifest_rows = []
        self.audit_manifest_start = None
        self._audit_verified = None
        self.locked = True

    def refresh(self) -> None:
        """Re-read the directory and the keys this user holds (after enrolment or grants)."""
        from safelog.vault.directory import load_directory

        with self.engine.connect() as conn:
            self.directory = load_directory(
                conn,
                self.identity.extra["ca_fp"],
                self.identity.extra["vault_id"],
                self._remembered(),
                remember=True,
            )
            self.person = self.directory.people.get(self.user_id, self.person)
            self.role_keys.clear()
            self.load_role_keys(conn)
            self.load_audiences(conn)

    def known_person(self, conn: Connection, user_id: str) -> Person | None:
        """The verified record of a user. Someone who enrolled after this session signed in
        is not in its directory yet: read it again once, on this connection, before treating
        the id as unknown (which callers report as tampering)."""
        person = self.directory.people.get(user_id)
        if person is None:
            self.reload_directory(conn)
            person = self.directory.people.get(user_id)
        return person

    def reload_directory(self, conn: Connection) -> None:
        """Replay the membership log again (only what is new since this device last kept
        its replay). Often called inside a write that may still roll back, so what is
        replayed here is not kept."""
        from safelog.vault.directory import load_directory

        self.directory = load_directory(
            conn, self.identity.extra["ca_fp"], self.identity.extra["vault_id"], self._remembered()
        )
        self.person = self.directory.people.get(self.user_id, self.person)

    def _remembered(self) -> Remembered | None:
        """Where this device keeps its replay of the membership log, sealed for this user."""
        if self.locked or not self.profile_key:
            return None
        return Remembered(self.data_dir, self.directory.vault_id, self.user_id, self.profile_key)

    def sync_membership(self, conn: Connection) -> None:
        """Replay the membership log again if it grew since this session read it, so what
        is written next names the log as it stands."""
        if membership.read_head(conn).seq != self.directory.head_seq:
            self.reload_directory(conn)

    def append_membership(
        self,
        conn: Connection,
        body: dict[str, Any],
        signed_by: tuple[str, Callable[[bytes], bytes]] | None = None,
    ) -> None:
        """Append an entry signed by this member (or by a recovery key in their hands)."""
        signer, sign = signed_by or (f"user:{self.user_id}", self.identity.sign)
        membership.append(conn, signer=signer, body=body, sign=sign, at=self.clock())

    def my_recipients(self) -> list[str]:
        mine = [f"user:{self.user_id}"]
        mine += [f"role:{role.value}:{epoch}" for role, epoch in self.role_keys]
        return mine

    # -- keys -----------------------------------------------------------------------------

    def load_role_keys(self, conn: Connection) -> None:
        rows = conn.execute(
            select(RoleGrantRow.__table__).where(RoleGrantRow.recipient == f"user:{self.user_id}")
        ).all()
        for row in rows:
            if row.role == "ca":
                continue
            role = KeyRole(row.role)
            epoch = self.directory.epochs.get((role, row.epoch))
            if epoch is None:
                raise KeyNotTrusted(
                    f"The {role.value} role key (epoch {row.epoch}) in the database failed its "
                    "signature check; it may have been swapped. Ask your DSL to contact support."
                )
            try:
                secret = hpke.unwrap(
                    row.wrapped,
                    self.identity.x25519,
                    role_grant_context(row.role, row.epoch, row.recipient),
                )
            except DecryptionFailed:
                raise TamperDetected(
                    f"Your copy of the {role.value} role key (epoch {row.epoch}) is damaged."
                ) from None
            private = X25519PrivateKey.from_private_bytes(secret)
            if x25519_public_bytes(private.public_key()) != epoch.public:
                raise KeyNotTrusted(
                    f"Your copy of the {role.value} role key does not match its signed public key."
                )
            self.role_keys[(role, row.epoch)] = private
        self._load_ca_key(conn)

    def _load_ca_key(self, conn: Connection) -> None:
        for (role, epoch), private in self.role_keys.items():
            if role != KeyRole.ADMIN:
                continue
            recipient = f"role:admin:{epoch}"
            row = conn.execute(
                select(RoleGrantRow.__table__).where(
                    RoleGrantRow.role == "ca", RoleGrantRow.recipient == recipient
                )
            ).one_or_none()
            if row is None:
                continue
            try:
                der = hpke.unwrap(row.wrapped, private, role_grant_context("ca", 0, recipient))
            except DecryptionFailed:
                raise TamperDetected(
                    "The school CA key held for administrators is damaged."
                ) from None
            from cryptography.hazmat.primitives import serialization

            key = serialization.load_der_private_key(der, password=None)
            if isinstance(key, ec.EllipticCurvePrivateKey):
                self.ca_key = key

    def recipient_public_key(self, recipient: Recipient) -> tuple[str, X25519PublicKey]:
        """The verified public key for a recipient, and its slot name. Never trusts a key
        that does not chain to this user's pins."""
        if recipient.kind == "role":
            role = KeyRole(recipient.name)
            epoch = self.directory.current_epoch(role)
            if epoch is None:
                raise KeyNotTrusted(
                    f"The {role.value} role key could not be verified; nothing was encrypted to "
                    "it. The database may have been tampered with."
                )
            return f"role:{role.value}:{epoch.epoch}", X25519PublicKey.from_public_bytes(
                epoch.public
            )
        if recipient.kind == "user":
            person = self.directory.require_person(recipient.name)
            if person.x25519 is None or person.status != ENROLLED:
                raise AccessDenied(f"{person.name} has not enrolled yet.")
            return f"user:{person.id}", X25519PublicKey.from_public_bytes(person.x25519)
        public = self.directory.recovery_x25519.get(recipient.name)
        if public is None:
            raise KeyNotTrusted(f"The {recipient.name} recovery key could not be verified.")
        return f"recovery:{recipient.name}", X25519PublicKey.from_public_bytes(public)

    # -- reader groups (audiences) -------------------------------------------------------

    def load_audiences(self, conn: Connection) -> None:
        """Open the key of every reader group this user belongs to (one HPKE each).

        Slots are named by blinded tags (crypto/slot_tags.py): this user's tags are worked
        out once per group maker, then looked up in one query."""
        tags = self._my_slot_tags(conn)
        if not tags:
            return
        rows = conn.execute(
            select(
                AudienceKeyRow.audience_id, AudienceKeyRow.recipient, AudienceKeyRow.wrapped
            ).where(AudienceKeyRow.recipient.in_(list(tags)))
        ).all()
        for audience_id, tag, wrapped in rows:
            if audience_id in self.audience_ciphers:
                continue
            label, private = tags[tag]
            try:
                key = hpke.unwrap(wrapped, private, audience_context(audience_id, tag))
            except DecryptionFailed:
                # Someone wrote or copied this slot outside SafeLog. Refusing the whole
                # sign-in for one planted row would let anyone lock the DSL out: leave that
                # group closed and say so.
                problem = (
                    "A reader-group key slot for you does not open: it was changed or copied "
                    "outside SafeLog, so the cases of that reader group are not listed. "
                    "Nothing was changed; tell your DSL."
                )
                if problem not in self.key_problems:
                    self.key_problems.append(problem)
                continue
            self.audience_ciphers[audience_id] = Cipher(key)
            self._my_slots[audience_id] = (tag, label)

    def _my_slot_tags(self, conn: Connection) -> dict[str, tuple[str, X25519PrivateKey]]:
        """Every tag a slot for this user (their own key or a role key they hold) can have,
        with its label and the private key that opens it: one per group maker and key."""
        private_for = {f"user:{self.user_id}": self.identity.x25519}
        private_for.update({f"role:{r.value}:{e}": k for (r, e), k in self.role_keys.items()})
        named = set(conn.execute(select(AudienceRow.signer_id).distinct()).scalars().all())
        makers: Iterable[str | None] = named
        if None in named:
            # A report's group does not say who made it (its reporter): a slot for this user
            # in it can have been made by anyone, so the tags for every person are worked
            # out (a few hundred at most, each once per sign-in).
            if membership.read_head(conn).seq != self.directory.head_seq:
                self.reload_directory(conn)  # someone who enrolled since may have reported
            makers = named | set(self.directory.people)
        elif any(m not in self.directory.people for m in named):
            self.reload_directory(conn)  # someone who enrolled after this sign-in made one
        vault_id = self.directory.vault_id
        tags: dict[str, tuple[str, X25519PrivateKey]] = {}
        for maker in makers:
            person = self.directory.people.get(maker) if maker is not None else None
            if maker is None or person is None or person.x25519 is None:
                continue  # its groups fail their signature check where they are used
            for label, private in private_for.items():
                cached = (maker, label)
                key = self._tag_keys.get(cached)
                if key is None:
                    key = self._tag_keys[cached] = slot_tags.tag_key(
                        private, person.x25519, vault_id
                    )
                tags[slot_tags.slot_tag(key, label)] = (label, private)
        return tags

    def audience_for(
        self, conn: Connection, plan: AudiencePlan, *, hide_maker: bool = False
    ) -> str:
        """The id of a reader group for exactly these recipients, made by this user,
        reusing one when it exists. With `hide_maker` (a case's first group: its maker is
        who reported it) the record does not say who made it: the maker and signature are
        sealed with the group's own key, for its members to check."""
        slots: dict[str, X25519PublicKey] = {}
        for recipient in sorted(plan.recipients, key=str):
            slot, public = self.recipient_public_key(recipient)
            slots[slot] = public
        wanted = frozenset(slots)
        for audience_id, recipients in self.audience_records.items():
            if (
                recipients == wanted
                and audience_id in self.audience_ciphers
                and self._own_groups.get(audience_id) == hide_maker
            ):
                return audience_id
        existing = self._find_own_audience(conn, wanted, hide_maker)
        if existing is not None:
            return existing
        audience_id = str(uuid.uuid4())
        key = new_key()
        vault_id = self.directory.vault_id
        # Slots are named by blinded tags, and who they are for is sealed with the group's
        # own key: only its members can tell who else reads it (DESIGN §3.5, least metadata).
        tag_of = {
            label: slot_tags.slot_tag(
                slot_tags.tag_key(self.identity.x25519, x25519_public_bytes(public), vault_id),
                label,
            )
            for label, public in slots.items()
        }
        stored_slots = [
            (tag_of[label], hpke.wrap(key, public, audience_context(audience_id, tag_of[label])))
            for label, public in slots.items()
        ]
        size = len(stored_slots[0][1])
        decoys = [
            slot_tags.decoy_slot(size)
            for _ in range(slot_tags.padded_count(len(slots)) - len(slots))
        ]
        stored_slots += decoys
        record = canonical_json(
            {
                "type": "audience",
                "vault_id": vault_id,
                "id": audience_id,
                "slots": sorted(tag for tag, _ in stored_slots),
                "labels": b64(
                    Cipher(key).seal(
                        canonical_json(
                            {
                                "labels": {tag: label for label, tag in tag_of.items()},
                                # Members check the decoys are untouched too.
                                "decoys": {tag: _digest(wrapped) for tag, wrapped in decoys},
                            }
                        ),
                        _labels_aad(audience_id),
                    )
                ),
                **({} if hide_maker else {"created_by": self.user_id}),
            }
        )
        signature = self.identity.sign(record)
        if hide_maker:
            aad = _maker_aad(audience_id, record)
            signature = seal_signature(Cipher(key), aad, self.user_id, signature)
        conn.execute(
            insert(AudienceRow).values(
                id=audience_id,
                record=record,
                signature=signature,
                signer_id=None if hide_maker else self.user_id,
                created_at=self.clock(),
            )
        )
        conn.execute(
            insert(AudienceKeyRow),
            [
                {"audience_id": audience_id, "recipient": tag, "wrapped": wrapped}
                for tag, wrapped in stored_slots
            ],
        )
        self.audience_ciphers[audience_id] = Cipher(key)
        self.audience_records[audience_id] = wanted
        self._own_groups[audience_id] = hide_maker
        self._group_makers[audience_id] = self.user_id
        self._uncommitted_audiences.append(audience_id)
        return audience_id

    def _find_own_audience(
        self, conn: Connection, wanted: frozenset[str], hide_maker: bool
    ) -> str | None:
        maker = (
            AudienceRow.signer_id.is_(None) if hide_maker else AudienceRow.signer_id == self.user_id
        )
        rows = conn.execute(
            select(AudienceRow.__table__).where(
                maker, AudienceRow.id.in_(list(self.audience_ciphers))
            )
        ).all()
        for row in rows:
            try:
                recipients = frozenset(self._checked_labels(conn, row))
            except TamperDetected:
                continue  # never reuse a group that fails its check
            if self._group_makers.get(row.id) != self.user_id:
                continue
            self.audience_records[row.id] = recipients
            self._own_groups[row.id] = hide_maker
            if recipients == wanted:
                return row.id
        return None

    def group_maker(self, conn: Connection, audience_id: str) -> str | None:
        """Who made a reader group, checked; None when the record does not say and this
        user is not one of its members (a report's group: only its readers learn who sent
        it)."""
        found = self._group_makers.get(audience_id)
        if found is None:
            self._check_audience_record(conn, self._audience_row(conn, audience_id))
            found = self._group_makers.get(audience_id)
        return found

    def audience_recipients(self, conn: Connection, audience_id: str) -> list[str] | None:
        """Who a reader group is wrapped to ("role:dsl:3", "user:<id>"), from its signed
        record, whose slots must match the stored ones exactly; None when this user is not
        one of them (only members can tell who the others are)."""
        row = self._audience_row(conn, audience_id)
        if audience_id not in self.audience_ciphers:
            self.load_audiences(conn)
        if audience_id not in self.audience_ciphers:
            self._check_audience_record(conn, row)
            return None
        return self._checked_labels(conn, row)

    def audience_slot_count(self, conn: Connection, audience_id: str) -> int:
        """How many key slots a reader group has, decoys included (what a non-member can
        check of it)."""
        row = self._audience_row(conn, audience_id)
        return len(self._check_audience_record(conn, row)["slots"])

    def _audience_row(self, conn: Connection, audience_id: str) -> Any:
        row = conn.execute(
            select(AudienceRow.__table__).where(AudienceRow.id == audience_id)
        ).one_or_none()
        if row is None:
            raise TamperDetected("The record of who may read this case failed its check.")
        return row

    def _check_audience_record(self, conn: Connection, row: Any) -> dict[str, Any]:
        """The group's signed record, after checking its signature and that the stored slots
        are exactly the ones it names. Whoever is not a member of a group whose maker is
        sealed can check only the slots."""
        maker = self._record_maker(row)
        if maker is not None:
            signer = self.directory.people.get(maker.author_id)
            if signer is None or not signer.verifies(maker.signature, row.record):
                raise TamperDetected("The record of who may read this case failed its check.")
            self._group_makers[row.id] = signer.id
        try:
            record = dict(json.loads(row.record))
        except (ValueError, TypeError):  # not signed in the clear: only its slots are checked
            raise TamperDetected("The record of who may read this case is damaged.") from None
        stored = sorted(
            conn.execute(
                select(AudienceKeyRow.recipient).where(AudienceKeyRow.audience_id == row.id)
            ).scalars()
        )
        if (
            record.get("id") != row.id
            or record.get("created_by") != row.signer_id
            or stored != sorted(record.get("slots", []))
        ):
            raise TamperDetected(
                "Someone added or removed a key slot for this case outside SafeLog."
            )
        return record

    def _record_maker(self, row: Any) -> SealedSignature | None:
        """The maker and signature of a group's record: in the clear, or sealed with the
        group's key (None for someone who is not a member; a member who cannot open it has
        found tampering)."""
        if row.signer_id is not None:
            return SealedSignature(row.signer_id, row.signature, b"")
        cipher = self.audience_ciphers.get(row.id)
        if cipher is None:
            return None
        try:
            return open_signature(cipher, row.signature, _maker_aad(row.id, row.record))
        except DecryptionFailed:
            raise TamperDetected("The record of who may read this case failed its check.") from None

    def _checked_labels(self, conn: Connection, row: Any) -> list[str]:
        record = self._check_audience_record(conn, row)
        try:
            sealed = json.loads(
                self.audience_ciphers[row.id].open(unb64(record["labels"]), _labels_aad(row.id))
            )
            labels, decoys = dict(sealed["labels"]), dict(sealed["decoys"])
        except (DecryptionFailed, KeyError, ValueError, TypeError):
            raise TamperDetected("The record of who may read this case is damaged.") from None
        if set(labels) | set(decoys) != set(record["slots"]) or set(labels) & set(decoys):
            raise TamperDetected("The record of who may read this case does not add up.")
        stored = dict(
            conn.execute(
                select(AudienceKeyRow.recipient, AudienceKeyRow.wrapped).where(
                    AudienceKeyRow.audience_id == row.id,
                    AudienceKeyRow.recipient.in_(list(decoys)),
                )
            ).all()
        )
        if any(_digest(stored.get(tag, b"")) != digest for tag, digest in decoys.items()):
            raise TamperDetected(
                "A key slot of the reader group of this case was changed outside SafeLog."
            )
        mine = self._my_slots.get(row.id)
        if mine is not None and labels.get(mine[0]) != mine[1]:
            # The slot this user opened is named as someone else's: whoever made the group
            # wrapped its key to them while telling the other readers it went elsewhere.
            raise TamperDetected(
                "The record of who may read this case names your key slot as someone else's: "
                "the case was given to you under a false name. It is not accepted; tell your "
                "DSL."
            )
        return sorted(labels.values())

    def describe_recipient(self, slot: str) -> str:
        """A reader slot in plain words: 'DSL role key (epoch 1)', a person's name, ..."""
        kind, _, rest = slot.partition(":")
        if kind == "user":
            person = self.directory.people.get(rest)
            return person.name if person else "an unknown user"
        if kind == "role":
            role, _, epoch = rest.partition(":")
            return f"{role} role key (epoch {epoch})"
        return f"{rest} recovery key"

    def audience_cipher(self, audience_id: str, what: str) -> Cipher:
        cipher = self.audience_ciphers.get(audience_id)
        if cipher is None:
            raise AccessDenied(f"You do not have access to {what}.")
        return cipher

    # -- audit ----------------------------------------------------------------------------

    def audit(
        self,
        conn: Connection,
        action: str,
        details: dict[str, Any] | None = None,
        *,
        case: tuple[str, int, Cipher] | None = None,
        item: str | None = None,
        sent_to: str | None = None,
    ) -> None:
        """Append a signed entry. Entries about a case are encrypted with the case key;
        others are sealed for the DSL and admin role keys. The actor and signature of an
        entry about a case are sealed with the case key too. `sent_to`: the reader group a
        case's first version was sent to, named in the entry."""
        at = self.clock()
        body = canonical_json(
            {
                "action": action,
                "actor": self.person.name,
                "device": self.device,
                "details": details or {},
            }
        )
        actor = self.user_id
        sign: Callable[[bytes], bytes] = self.identity.sign
        if case is not None:
            case_id, key_no, cipher = case
            key_ref = f"case:{case_id}:{key_no}"
            body_ct = cipher.seal(body, binding("audit-body", key_ref, at.isoformat()))
            # Who did what to a case is for its readers only (crypto/sealed_signature.py).
            actor, sign = SEALED_ACTOR, self._sealed_signer(cipher, key_ref)
        else:
            case_id = None
            key_ref = "sealed"
            body_ct = self._seal_for_oversight(body, at)
        head = audit_log.append(
            conn,
            actor=actor,
            at=at,
            case_id=case_id,
            key_ref=key_ref,
            body_ct=body_ct,
            sign=sign,
            item_ref=audit_log.item_ref(item or "", membership.read_head(conn).seq, sent_to),
        )
        seen = membership.read_head(conn)
        self._pending_checkpoint = checkpoints.Checkpoint(
            head.seq, head.entry_hash, seen.seq, seen.entry_hash
        )

    def _sealed_signer(self, cipher: Cipher, key_ref: str) -> Callable[[bytes], bytes]:
        def sign(message: bytes) -> bytes:
            return seal_signature(
                cipher,
                audit_log.sealed_signature_aad(key_ref, message),
                self.user_id,
                self.identity.sign(message),
            )

        return sign

    def _seal_for_oversight(self, body: bytes, at: datetime) -> bytes:
        entry_key = new_key()
        wraps: dict[str, str] = {}
        for role in (KeyRole.DSL, KeyRole.ADMIN):
            try:
                epoch = self.directory.current_epoch(role)
            except KeyNotTrusted:
                continue  # never seal to a key that fails its check; writes to cases refuse
            if epoch is None:
                continue
            slot = f"role:{role.value}:{epoch.epoch}"
            wraps[slot] = b64(
                hpke.wrap(
                    entry_key,
                    X25519PublicKey.from_public_bytes(epoch.public),
                    f"audit/{slot}/{at.isoformat()}",
                )
            )
        ct = Cipher(entry_key).seal(body, binding("audit-body", "sealed", at.isoformat()))
        return canonical_json({"wraps": wraps, "ct": b64(ct)})

    def open_audit_body(
        self, key_ref: str, at: datetime, body_ct: bytes, case_cipher: Cipher | None
    ) -> dict[str, Any] | None:
        """The body of an entry, or None when this user may not read it."""
        if key_ref.startswith("case:"):
            if case_cipher is None:
                return None
            raw = case_cipher.open(body_ct, binding("audit-body", key_ref, at.isoformat()))
            return dict(json.loads(raw))
        envelope = json.loads(body_ct)
        for slot, wrapped in envelope["wraps"].items():
            _, role, epoch = slot.split(":")
            private = self.role_keys.get((KeyRole(role), int(epoch)))
            if private is None:
                continue
            entry_key = hpke.unwrap(unb64(wrapped), private, f"audit/{slot}/{at.isoformat()}")
            raw = Cipher(entry_key).open(
                unb64(envelope["ct"]), binding("audit-body", "sealed", at.isoformat())
            )
            return dict(json.loads(raw))
        return None

    def verify_actor_signature(self, actor_id: str, signature: bytes, message: bytes) -> bool:
        person = self.directory.people.get(actor_id)
        if person is None:
            raise audit_log.UnknownActor(actor_id)
        return bool(person and person.verifies(signature, message))

    def check_audit_log(self, conn: Connection) -> audit_log.Head:
        """Verify the log extends the checkpoint this device last saw for this user."""
        try:
            seen = checkpoints.load_latest(
                self.data_dir, self.directory.vault_id, self.user_id, self.profile_key
            )
        except checkpoints.ProfileDamaged as exc:
            raise TamperDetected(str(exc).capitalize() + ".") from None
        head = audit_log.read_head(conn)
        start = audit_log.Head(0, audit_log.GENESIS)
        if seen is not None and seen.membership_seq:
            # The membership log was replayed (and its chain checked) when the directory was
            # loaded: it must still hold the entry this device saw last, unchanged.
            replayed = self.directory.membership
            entry = conn.execute(
                select(MembershipRow.entry_hash).where(MembershipRow.seq == seen.membership_seq)
            ).scalar_one_or_none()
            if replayed.head.seq < seen.membership_seq or entry != seen.membership_hash:
                raise RollbackDetected(
                    "The membership log is older than the one this computer last saw, or was "
                    "rewritten: the database may have been restored from an old copy or "
                    "tampered with. Nothing was changed."
                )
        if seen is not None:
            if head.seq < seen.seq:
                raise RollbackDetected(
                    "The database is older than the one this computer last saw: its audit log "
                    f"has {head.seq} entries, but {seen.seq} were seen here before. It may have "
                    "been restored from an old copy or tampered with. Nothing was changed."
                )
            row = conn.execute(
                select(AuditRow.__table__).where(AuditRow.seq == seen.seq)
            ).one_or_none()
            if row is None or row.entry_hash != seen.entry_hash:
                raise RollbackDetected(
                    f"The audit log no longer contains entry {seen.seq} as this computer saw it: "
                    "the database has been rewritten or replaced. Nothing was changed."
                )
            start = audit_log.Head(seen.seq, seen.entry_hash)
        # What this device verified at its last sign-in, if the database still holds exactly
        # those rows: only the entries after it are read as entries and checked (DESIGN §7).
        trusted, digest = self._verified_before(conn, head) if seen is not None else (None, None)
        if trusted is None or digest is None:
            verified_to, digest = audit_log.Head(0, audit_log.GENESIS), audit_log.ContentDigest()
        else:
            verified_to = audit_log.Head(trusted.seq, trusted.entry_hash)
        self.audit_manifest_start = trusted.manifest if trusted is not None else None
        # Only up to the head read above: on a shared server another PC may append while this
        # one checks, and its entries belong to the next check, not to this one's head.
        rows = audit_log.rows_after(conn, verified_to.seq, until=head.seq, stored_time=True)
        # Entries up to the checkpoint had their signatures checked when this device first
        # saw them; re-hashing those after what it verified still catches any rewritten since
        # (and the digest, any before).
        seen_here = 0
        while seen_here < len(rows) and rows[seen_here].seq <= start.seq:
            seen_here += 1
        earlier, later = rows[:seen_here], rows[seen_here:]
        if start.seq > verified_to.seq:
            try:
                before = audit_log.verify_chain(earlier, start=verified_to, verify_signature=None)
            except audit_log.ChainBroken as exc:
                raise TamperDetected(f"The audit log is damaged: {exc}.") from None
            if before != start:
                raise RollbackDetected(
                    f"The audit log no longer leads to entry {start.seq} as this computer saw "
                    "it: the database has been rewritten or replaced. Nothing was changed."
                )
        else:
            # The checkpoint lies within what was verified before: entry seen.seq is the one
            # seen (checked above), and the digest says nothing before it changed.
            start = verified_to
        try:
            end = audit_log.verify_chain(
                later,
                start=start,
                verify_signature=self.verify_actor_signature,
            )
        except audit_log.ChainBroken as exc:
            raise TamperDetected(f"The audit log is damaged: {exc}.") from None
        if end.seq != head.seq or end.entry_hash != head.entry_hash:
            raise TamperDetected("The audit log's head does not match its last entry.")
        self._no_entries_past_head(conn, head)
        digest.update(map(audit_log.content_of, rows))
        self.audit_manifest_rows = rows
        self._audit_verified = (end, digest, verified_to.seq)
        return end

    @staticmethod
    def _no_entries_past_head(conn: Connection, head: audit_log.Head) -> None:
        """Entries beyond the head are another PC's appends made since the head was read
        (an append moves the head in the same transaction), or rows slipped in by hand."""
        last = conn.execute(select(func.max(AuditRow.seq))).scalar()
        if last is not None and last > head.seq and audit_log.read_head(conn).seq < last:
            raise TamperDetected(
                "The audit log has entries its head does not account for: rows were added to "
                "the database outside SafeLog."
            )

    def _verified_before(
        self, conn: Connection, head: audit_log.Head
    ) -> tuple[verified_audit.VerifiedAudit | None, audit_log.ContentDigest | None]:
        """The sealed record of what this device verified, with the digest of the rows it
        covers as they are now, if they are still those rows; (None, None) otherwise."""
        found = verified_audit.load(
            self.data_dir, self.directory.vault_id, self.user_id, self.profile_key
        )
        if found is None or found.seq > head.seq:
            return None, None
        digest = verified_audit.unchanged(conn, found)
        return (found, digest) if digest is not None else (None, None)

    def remember_verified_audit(self, named: audit_log.Manifest) -> None:
        """Seal what sign-in verified (the log up to its head, and what it names, found in
        the database), so the next sign-in on this device checks only what is new."""
        verified, self._audit_verified = self._audit_verified, None
        self.audit_manifest_rows = []
        self.audit_manifest_start = None
        if verified is None or self.locked:
            return
        end, digest, kept = verified
        # Sealing 10,000 cases' manifest again for a few new entries costs more than checking
        # those entries again at the next sign-in: the record is renewed every so often.
        if end.seq == 0 or (kept and end.seq - kept < RENEW_VERIFIED_AFTER):
            return
        verified_audit.save(
            self.data_dir,
            self.directory.vault_id,
            self.user_id,
            self.profile_key,
            verified_audit.VerifiedAudit(end.seq, end.entry_hash, digest.digest(), named),
        )

    def save_checkpoint(self) -> None:
        pending = self._pending_checkpoint
        if pending is None or self.locked:
            return
        checkpoints.save_both(
            self.data_dir, self.directory.vault_id, self.user_id, self.profile_key, pending
        )
        self._pending_checkpoint = None

    def write(self) -> _WriteTransaction:
        """A transaction for a use case; the checkpoint is saved once it has committed."""
        self.ensure_open()
        return _WriteTransaction(self)

    # -- keeping role keys with their members ----------------------------------------

    def grant_role_epoch(
        self,
        conn: Connection,
        role: KeyRole,
        epoch: int,
        private: X25519PrivateKey,
        recipients: Iterable[Recipient],
    ) -> None:
        secret = private.private_bytes_raw()
        for recipient in recipients:
            slot, public = self.recipient_public_key(recipient)
            conn.execute(
                insert(RoleGrantRow).values(
                    role=role.value,
                    epoch=epoch,
                    recipient=slot,
                    wrapped=hpke.wrap(secret, public, role_grant_context(role.value, epoch, slot)),
                    created_at=self.clock(),
                )
            )

    def create_role_epoch(
        self,
        conn: Connection,
        role: KeyRole,
        epoch: int,
        members: Iterable[str],
        signed_by: tuple[str, Callable[[bytes], bytes]] | None = None,
    ) -> X25519PrivateKey:
        """A new key pair for a role, signed by this member (or by a recovery key), granted
        to the given members and escrowed to the recovery keys that restore it."""
        private = X25519PrivateKey.generate()
        self.append_membership(
            conn,
            {
                "type": "epoch",
                "role": role.value,
                "epoch": epoch,
                "x25519": b64(x25519_public_bytes(private.public_key())),
            },
            signed_by=signed_by,
        )
        self.reload_directory(conn)
        if self.directory.current_epoch(role) is None or (
            self.directory.current_epoch(role).epoch != epoch  # type: ignore[union-attr]
        ):
            raise KeyNotTrusted(f"The new {role.value} key was not accepted by the membership log.")
        recipients = [Recipient("user", m) for m in members]
        recipients += [
            Recipient("recovery", r.value) for r, roles in ESCROW.items() if role in roles
        ]
        self.grant_role_epoch(conn, role, epoch, private, recipients)
        return private

    def rotate_after_removals_now(self, conn: Connection) -> list[str]:
        """Rotate at once (used by the remover), re-reading the directory on this connection
        so the removal just written counts."""
        self.reload_directory(conn)
        rotated = self.rotate_after_removals(conn)
        if rotated:
            self.reload_directory(conn)
        return rotated

    def start_missing_epochs(self, conn: Connection) -> list[KeyRole]:
        """Make the first key of each role this member holds that has none yet: the first
        member admitted to a role makes its key (never the one who admitted them)."""
        started = []
        for role in sorted(self.person.key_roles):
            if not may_start_epoch(self.person.roles, role):
                continue  # the members' key is started by the roll's keepers
            if self.directory.current_epoch(role) is None:
                self.role_keys[(role, 1)] = self.create_role_epoch(conn, role, 1, [self.user_id])
                started.append(role)
        return started

    def grant_held_keys(self, conn: Connection, user_id: str, roles: Iterable[KeyRole]) -> None:
        """Hand a newly admitted member every epoch of these role keys that this member
        holds (so they also read what was filed before they joined)."""
        granted = {
            (row.role, row.epoch)
            for row in conn.execute(
                select(RoleGrantRow.role, RoleGrantRow.epoch).where(
                    RoleGrantRow.recipient == f"user:{user_id}"
                )
            ).all()
        }
        wanted = set(roles)
        for (role, epoch), private in sorted(self.role_keys.items()):
            if role in wanted and (role.value, epoch) not in granted:
                self.grant_role_epoch(conn, role, epoch, private, [Recipient("user", user_id)])

    def rotate_after_removals(self, conn: Connection) -> list[str]:
        """Start a new epoch for each role key this user holds whose current epoch was given
        to someone since removed, so they cannot read anything filed from now on."""
        rotated: list[str] = []
        granted_to = {
            (row.role, row.epoch, row.recipient)
            for row in conn.execute(select(RoleGrantRow.__table__)).all()
        }
        for role in sorted({r for r, _ in self.role_keys}):
            try:
                current = self.directory.current_epoch(role)
            except KeyNotTrusted:
                continue
            if current is None or (role, current.epoch) not in self.role_keys:
                continue
            if not may_start_epoch(self.person.roles, role):
                continue  # a keeper of the roll rotates the members' key at their sign-in
            removed = [
                p
                for p in self.directory.people.values()
                if p.status == REMOVED and (role.value, current.epoch, f"user:{p.id}") in granted_to
            ]
            if not removed:
                continue
            members = [
                p.id
                for p in self.directory.people.values()
                if p.status == ENROLLED and role in p.key_roles
            ]
            new_epoch = current.epoch + 1
            self.role_keys[(role, new_epoch)] = self.create_role_epoch(
                conn, role, new_epoch, members
            )
            rotated.append(f"{role.value} key epoch {new_epoch}")
        return rotated

    def complete_pending_grants(self, conn: Connection) -> list[str]:
        """Give enrolled members the role keys they are due, from keys this user holds."""
        done: list[str] = []
        granted = {
            (row.role, row.epoch, row.recipient)
            for row in conn.execute(select(RoleGrantRow.__table__)).all()
        }
        for (role, epoch), private in self.role_keys.items():
            for person in self.directory.people.values():
                if person.status != ENROLLED or role not in person.key_roles:
                    continue
                if (role.value, epoch, f"user:{person.id}") in granted:
                    continue
                self.grant_role_epoch(conn, role, epoch, private, [Recipient("user", person.id)])
                done.append(f"{person.name}: {role.value} key")
        return done


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
                session._uncommitted_audiences.clear()
                session.save_checkpoint()
            else:
                self._forget_uncommitted()
        finally:
            session._write_lock.release()

    def _forget_uncommitted(self) -> None:
        session = self._session
        for audience_id in session._uncommitted_audiences:
            session.audience_ciphers.pop(audience_id, None)
            session.audience_records.pop(audience_id, None)
            session._own_groups.pop(audience_id, None)
        session._uncommitted_audiences.clear()
        session._pending_checkpoint = None
