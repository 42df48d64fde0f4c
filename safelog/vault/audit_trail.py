"""The audit trail of an unlocked session: appending signed (and sealed) entries, opening
them for a reader, and checking at sign-in that the log extends what this device saw before
(the rollback checkpoint, and the sealed record of what it verified).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import Connection, func, select

from safelog.audit import checkpoint as checkpoints
from safelog.audit import log as audit_log
from safelog.audit import verified as verified_audit
from safelog.crypto import wrap as hpke
from safelog.crypto.aead import Cipher, binding, new_key
from safelog.crypto.encoding import b64, canonical_json, unb64
from safelog.crypto.sealed_signature import SEALED_ACTOR, seal_signature
from safelog.domain.roles import KeyRole
from safelog.errors import KeyNotTrusted, RollbackDetected, TamperDetected
from safelog.store.schema import AuditRow, MembershipRow
from safelog.vault import membership
from safelog.vault.session_keys import SessionKeys

# How many entries beyond this device's sealed record of the verified audit log (see
# audit/verified.py) a sign-in checks before it renews the record.
RENEW_VERIFIED_AFTER = 64


@dataclass(frozen=True)
class AuditEntry:
    """An entry for `AuditTrail.audit_many`: what `AuditTrail.audit` takes."""

    action: str
    details: dict[str, Any] | None = None
    case: tuple[str, int, Cipher] | None = None
    item: str | None = None
    sent_to: str | None = None


@dataclass
class AuditTrail(SessionKeys):
    """The audit part of a Session."""

    # The audit rows read at sign-in, kept only until what they name is checked, and the
    # manifest of the entries before them that this device verified at an earlier sign-in.
    audit_manifest_rows: list[Any] = field(default_factory=list, repr=False)
    audit_manifest_start: audit_log.Manifest | None = field(default=None, repr=False)
    # (head verified at sign-in, digest of entries 1..head, how far the sealed record went)
    _audit_verified: tuple[audit_log.Head, audit_log.ContentDigest, int] | None = None
    _pending_checkpoint: checkpoints.Checkpoint | None = None
    # False for a session on a copy (a backup being checked): what it sees of its own copy's
    # log must never become this device's record of the live vault's log.
    keep_checkpoints: bool = True

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
        self.audit_many(conn, [AuditEntry(action, details, case, item, sent_to)])

    def audit_many(self, conn: Connection, entries: list[AuditEntry]) -> None:
        """Append entries in order, as `audit` does each, moving the log's head once (a
        pupil's page records a view of each of its cases)."""
        membership_seq = membership.read_head(conn).seq
        new = [self._new_entry(entry, membership_seq) for entry in entries]
        head = audit_log.append_many(conn, new)
        seen = membership.read_head(conn)
        self._pending_checkpoint = checkpoints.Checkpoint(
            head.seq, head.entry_hash, seen.seq, seen.entry_hash
        )

    def _new_entry(self, entry: AuditEntry, membership_seq: int) -> audit_log.NewEntry:
        at = self.clock()
        body = canonical_json(
            {
                "action": entry.action,
                "actor": self.person.name,
                "device": self.device,
                "details": entry.details or {},
            }
        )
        actor = self.user_id
        sign: Callable[[bytes], bytes] = self.identity.sign
        if entry.case is not None:
            case_id, key_no, cipher = entry.case
            key_ref = f"case:{case_id}:{key_no}"
            body_ct = cipher.seal(body, binding("audit-body", key_ref, at.isoformat()))
            # Who did what to a case is for its readers only (crypto/sealed_signature.py).
            actor, sign = SEALED_ACTOR, self._sealed_signer(cipher, key_ref)
        else:
            case_id = None
            key_ref = "sealed"
            body_ct = self._seal_for_oversight(body, at)
        return audit_log.NewEntry(
            actor,
            at,
            case_id,
            key_ref,
            body_ct,
            sign,
            audit_log.item_ref(entry.item or "", membership_seq, entry.sent_to),
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

    def last_checkpoint(self) -> checkpoints.Checkpoint | None:
        """What this device last saw of the logs for this user. Read it before the snapshot
        of the database it is compared with: another SafeLog on this computer (the app and
        a command, say) may save a newer one meanwhile, for entries that snapshot cannot
        see, which is no rollback."""
        try:
            return checkpoints.load_latest(
                self.data_dir, self.directory.vault_id, self.user_id, self.profile_key
            )
        except checkpoints.ProfileDamaged as exc:
            raise TamperDetected(str(exc).capitalize() + ".") from None

    def check_audit_log(
        self, conn: Connection, seen: checkpoints.Checkpoint | None
    ) -> audit_log.Head:
        """Verify the log extends `seen`, the checkpoint this device last saw for this user
        (`last_checkpoint`, read before `conn`'s snapshot began)."""
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
        if pending is None or self.locked or not self.keep_checkpoints:
            return
        checkpoints.save_both(
            self.data_dir, self.directory.vault_id, self.user_id, self.profile_key, pending
        )
        self._pending_checkpoint = None

    def forget_audit_state(self) -> None:
        """Drop what sign-in read of the log (on locking)."""
        self.audit_manifest_rows = []
        self.audit_manifest_start = None
        self._audit_verified = None

    def drop_pending_checkpoint(self) -> None:
        """The transaction that appended rolled back: its checkpoint is not to be saved."""
        self._pending_checkpoint = None
