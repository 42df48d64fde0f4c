"""The reader groups (audiences) of an unlocked session: opening the group keys this user
holds, making a group for exactly the readers a case is sent to, and checking a group's
signed record of who may read it (DESIGN §3.5).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlalchemy import Connection, insert, select

from safelog.crypto import slot_tags
from safelog.crypto import wrap as hpke
from safelog.crypto.aead import Cipher, DecryptionFailed, binding, new_key
from safelog.crypto.encoding import b64, canonical_json, unb64
from safelog.crypto.identity import x25519_public_bytes
from safelog.crypto.sealed_signature import SealedSignature, open_signature, seal_signature
from safelog.domain.access import AudiencePlan
from safelog.errors import AccessDenied, TamperDetected
from safelog.store.schema import AudienceKeyRow, AudienceRow
from safelog.vault import membership
from safelog.vault.session_keys import SessionKeys


def audience_context(audience_id: str, slot_tag: str) -> str:
    return f"audience/{audience_id}/{slot_tag}"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _maker_aad(audience_id: str, record: bytes) -> bytes:
    return binding("audience-maker", audience_id, _digest(record))


def _labels_aad(audience_id: str) -> bytes:
    return binding("audience-labels", audience_id)


@dataclass
class ReaderGroups(SessionKeys):
    """The reader-group part of a Session."""

    audience_ciphers: dict[str, Cipher] = field(default_factory=dict)
    audience_records: dict[str, frozenset[str]] = field(default_factory=dict)
    # Reader groups this user made -> whether their maker is sealed (reused only alike).
    _own_groups: dict[str, bool] = field(default_factory=dict, repr=False)
    # Reader group -> its maker, as its members found it (checked).
    _group_makers: dict[str, str] = field(default_factory=dict, repr=False)
    # Reader groups made in the transaction under way: forgotten again if it rolls back.
    _uncommitted_audiences: list[str] = field(default_factory=list)
    # (group maker, slot label) -> key for blinded slot tags: one X25519 each, kept.
    _tag_keys: dict[tuple[bytes, str], bytes] = field(default_factory=dict, repr=False)
    # Reader group -> (slot tag, label) this user opened it through.
    _my_slots: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

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
            if person is None:
                continue  # its groups fail their signature check where they are used
            # A group made before its maker's reset (a report made on a lost laptop) names
            # its slots by tags from the maker's key of then.
            for maker_key in person.every_x25519:
                for label, private in private_for.items():
                    cached = (maker_key, label)
                    key = self._tag_keys.get(cached)
                    if key is None:
                        key = self._tag_keys[cached] = slot_tags.tag_key(
                            private, maker_key, vault_id
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

    def forget_reader_groups(self) -> None:
        """Drop every group key and what was learnt of the groups (on locking)."""
        self.audience_ciphers.clear()
        self.audience_records.clear()
        self._own_groups.clear()
        self._group_makers.clear()
        self._tag_keys.clear()
        self._my_slots.clear()

    def keep_uncommitted_groups(self) -> None:
        """The transaction that made them committed: the groups made in it are kept."""
        self._uncommitted_audiences.clear()

    def forget_uncommitted_groups(self) -> None:
        """The transaction that made them rolled back: the groups made in it are gone."""
        for audience_id in self._uncommitted_audiences:
            self.audience_ciphers.pop(audience_id, None)
            self.audience_records.pop(audience_id, None)
            self._own_groups.pop(audience_id, None)
        self._uncommitted_audiences.clear()
