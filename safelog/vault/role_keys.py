"""Keeping role keys with their members: starting a role's key epoch, granting it to the
members who hold the role (and escrowing it to the recovery keys), handing a newly admitted
member the epochs they are due, and rotating after a removal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, insert, select

from safelog.crypto import wrap as hpke
from safelog.crypto.encoding import b64
from safelog.crypto.identity import x25519_public_bytes
from safelog.domain.access import Recipient
from safelog.domain.admission import may_start_epoch
from safelog.domain.roles import ESCROW, KeyRole
from safelog.errors import KeyNotTrusted
from safelog.store.schema import RoleGrantRow
from safelog.vault.directory import ENROLLED, REMOVED
from safelog.vault.session_keys import SessionKeys, role_grant_context


class RoleKeys(SessionKeys):
    """The part of a Session that keeps role keys with their members."""

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
