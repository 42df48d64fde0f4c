"""One person's unlocked keys: their identity, the verified directory of members, and the
role keys (and the school CA key for administrators) they hold, checked against the signed
membership log. The base of an unlocked session (vault/session.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlalchemy import Connection, Engine, select

from safelog.crypto import wrap as hpke
from safelog.crypto.aead import DecryptionFailed
from safelog.crypto.identity import Identity, x25519_public_bytes
from safelog.domain.access import Recipient
from safelog.domain.roles import KeyRole
from safelog.errors import AccessDenied, KeyNotTrusted, TamperDetected
from safelog.store.chunks import ChunkStore
from safelog.store.schema import RoleGrantRow
from safelog.vault import membership
from safelog.vault.directory import ENROLLED, Directory, Person, Remembered

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def role_grant_context(role: str, epoch: int, recipient: str) -> str:
    return f"role/{role}/{epoch}/{recipient}"


@runtime_checkable
class KeptOnDevice(Protocol):
    """Something in a session's memo that it seals into the data directory (what it
    verified) on locking: it only saves work, so it is not written in the middle of a view."""

    def keep(self, session: SessionKeys) -> None: ...


@dataclass
class SessionKeys:
    """The base of a Session: who is signed in, and the keys they hold."""

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
    ca_key: ec.EllipticCurvePrivateKey | None = None
    locked: bool = False
    # Cases left out of the last list because they failed their checks (in words).
    list_problems: list[str] = field(default_factory=list)
    # Key slots that did not open (changed outside SafeLog), in words, shown with the list.
    key_problems: list[str] = field(default_factory=list)
    # What this session already read and checked, each kept with a fingerprint of the rows
    # it came from and used again only while they are unchanged (the list of cases, the
    # roll, what this device verified of each case); forgotten on locking.
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- identity ---------------------------------------------------------------------

    @property
    def user_id(self) -> str:
        return self.person.id

    def keep_on_device(self) -> None:
        for value in list(self.memo.values()):
            if isinstance(value, KeptOnDevice):
                value.keep(self)

    def ensure_open(self) -> None:
        if self.locked:
            raise AccessDenied("SafeLog is locked. Sign in again.")

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
            conn, self.identity.extra["ca_fp"], self.identity.extra["vault_id"], self.remembered()
        )
        self.person = self.directory.people.get(self.user_id, self.person)

    def remembered(self) -> Remembered | None:
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
