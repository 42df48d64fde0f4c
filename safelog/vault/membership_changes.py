"""Changing who is in a vault: invite, admit (by a member of the role, or with a recovery
key), remove and reset access (DESIGN §3.1, §3.5). Each change is an entry of the signed
membership log (vault/membership.py); role keys are handed over only by someone who holds
them. `Vault` exposes these as its methods; the CLI and the app call them there.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlalchemy import Connection, Engine, delete, insert, select, update

from safelog.audit.actions import AuditAction
from safelog.crypto import recovery
from safelog.crypto import wrap as hpke
from safelog.crypto.aead import DecryptionFailed
from safelog.crypto.ca import fingerprint
from safelog.crypto.encoding import unb64
from safelog.crypto.identity import x25519_public_bytes
from safelog.domain.admission import NEEDS_NO_ADMISSION, may_admit, recovery_may_admit
from safelog.domain.roles import ROLE_KEYS, KeyRole, RecoveryKey, Role, conflicting_roles
from safelog.errors import AccessDenied, InvalidInput, KeyNotTrusted, NotFound, TamperDetected
from safelog.store.schema import RoleGrantRow, UserRow, VaultRow
from safelog.vault import membership
from safelog.vault.directory import ENROLLED, REMOVED, Person, vault_keys
from safelog.vault.invitations import clean_name, insert_invitation, invite_x25519
from safelog.vault.session import Session
from safelog.vault.session_keys import Clock, role_grant_context


def _parse_recovery(recovery_key: str) -> bytes:
    try:
        return recovery.parse_key(recovery_key)
    except recovery.RecoveryKeyInvalid as exc:
        raise InvalidInput(f"That recovery key is not valid: {exc}.") from None


def _recovery_kind_of(stored: dict[str, bytes], secret: bytes) -> RecoveryKey:
    """Which of the vault's recovery keys (public X25519 by kind) this secret is."""
    public = x25519_public_bytes(recovery.recovery_x25519(secret).public_key())
    for kind, key in stored.items():
        if hmac.compare_digest(key, public):
            return RecoveryKey(kind)
    raise InvalidInput("That recovery key does not belong to this school's SafeLog.")


class _EscrowHolder:
    """A recovery key at work without a signed-in user: it hands the role keys it keeps
    to a person it admitted, each checked against the membership log first."""

    def __init__(self, clock: Clock, conn: Connection, kind: RecoveryKey, secret: bytes) -> None:
        self.clock, self.conn, self.kind = clock, conn, kind
        self.private = recovery.recovery_x25519(secret)
        self.signer = recovery.recovery_ed25519(secret)
        self.slot = f"recovery:{kind.value}"

    def hand_over(
        self, key_role: KeyRole, target: membership.Member, state: membership.MembershipState
    ) -> None:
        """Each epoch of the role's key kept for this recovery key. A role with no key yet
        gets one from its first member at their next sign-in."""
        if target.public is None:
            return  # not enrolled yet: a reset leaves the keys for the enrolment code
        epochs = {e.epoch: e for e in state.epochs.get(key_role, [])}
        recipient = X25519PublicKey.from_public_bytes(unb64(target.public["x25519"]))
        user_slot = f"user:{target.user_id}"
        held = {
            row.epoch
            for row in self.conn.execute(
                select(RoleGrantRow.epoch).where(
                    RoleGrantRow.role == key_role.value, RoleGrantRow.recipient == user_slot
                )
            ).all()
        }
        rows = self.conn.execute(
            select(RoleGrantRow.__table__).where(
                RoleGrantRow.role == key_role.value, RoleGrantRow.recipient == self.slot
            )
        ).all()
        for row in rows:
            epoch = epochs.get(row.epoch)
            if epoch is None or row.epoch in held:
                continue
            try:
                secret = hpke.unwrap(
                    row.wrapped, self.private, role_grant_context(row.role, row.epoch, self.slot)
                )
            except DecryptionFailed:
                raise TamperDetected(
                    f"The {key_role.value} key kept for the {self.kind.value} recovery key is "
                    "damaged."
                ) from None
            key = X25519PrivateKey.from_private_bytes(secret)
            if x25519_public_bytes(key.public_key()) != epoch.public:
                raise KeyNotTrusted(
                    f"The {key_role.value} key kept for the recovery key does not match the "
                    "membership log."
                )
            self._grant(key_role, row.epoch, key, user_slot, recipient)

    def _grant(
        self,
        key_role: KeyRole,
        epoch: int,
        private: X25519PrivateKey,
        slot: str,
        public: X25519PublicKey,
    ) -> None:
        self.conn.execute(
            insert(RoleGrantRow).values(
                role=key_role.value,
                epoch=epoch,
                recipient=slot,
                wrapped=hpke.wrap(
                    private.private_bytes_raw(),
                    public,
                    role_grant_context(key_role.value, epoch, slot),
                ),
                created_at=self.clock(),
            )
        )


def invite(session: Session, name: str, roles: frozenset[Role], clock: Clock) -> str:
    """A one-time enrolment code for a new person. Only admins may invite."""
    session.ensure_open()
    name = clean_name(name)
    ca_key = _require_admin(session)
    if not roles:
        raise InvalidInput("Give the new person at least one role.")
    conflict = conflicting_roles(roles)
    if conflict:
        raise InvalidInput(conflict[:1].upper() + conflict[1:] + ".")
    if any(
        p.name.casefold() == name.casefold() and p.status == REMOVED
        for p in session.directory.people.values()
    ):
        # A name stands for one person for good (actions, the audit log and case files name
        # people), so a leaver who comes back is told apart rather than named over.
        raise InvalidInput(
            f"{name} was removed from SafeLog, and a name is kept for one person. To invite "
            "them again, add something that tells the two apart, such as a middle initial."
        )
    with session.write() as conn:
        invited = insert_invitation(
            conn,
            session.directory.vault_id,
            ca_key,
            session.directory.ca_der,
            name,
            roles | {Role.STAFF},
            session.user_id,
            clock(),
        )
        session.append_membership(conn, invited.entry("invite"))
        session.audit(
            conn,
            AuditAction.USER_INVITE,
            {"user_id": invited.user_id, "name": name, "roles": sorted(roles)},
        )
    return recovery.format_key(invited.secret, group=4)


def _require_admin(session: Session) -> ec.EllipticCurvePrivateKey:
    if Role.ADMIN not in session.person.roles or session.ca_key is None:
        raise AccessDenied("Only an administrator can do that.")
    return session.ca_key


def admit(session: Session, name: str, decline: bool = False) -> list[Role]:
    """Admit (or decline) an enrolled person to each role they wait for that this
    member may admit them to, handing over the role keys this member holds. Returns
    the roles admitted or declined."""
    session.ensure_open()
    with session.write() as conn:
        session.reload_directory(conn)
        person = _require_person(session, name)
        if person.id == session.user_id:
            raise InvalidInput("No one can admit themselves; ask another member of the role.")
        waiting = sorted(person.pending)
        roles = [r for r in waiting if may_admit(session.person.roles, r)]
        if not roles:
            if not waiting:
                raise InvalidInput(f"{person.name} is not waiting to be admitted to any role.")
            raise AccessDenied(
                f"{person.name} is waiting to be admitted as "
                f"{', '.join(r.value for r in waiting)}; you cannot admit anyone to that."
            )
        member = session.directory.membership.members[person.id]
        for role in roles:
            session.append_membership(
                conn,
                {
                    "type": "decline" if decline else "admit",
                    "user_id": person.id,
                    "role": role.value,
                    "invitation": member.invitation_sha,
                },
            )
        if not decline:
            session.reload_directory(conn)
            wanted = {ROLE_KEYS[r] for r in roles if r in ROLE_KEYS}
            session.grant_held_keys(conn, person.id, wanted)
        session.audit(
            conn,
            AuditAction.USER_DECLINE if decline else AuditAction.USER_ADMIT,
            {"user_id": person.id, "name": person.name, "roles": [r.value for r in roles]},
        )
    session.refresh()
    return roles


def admit_with_recovery(engine: Engine, clock: Clock, name: str, recovery_key: str) -> list[Role]:
    """The first chair (or anyone the key may admit), admitted with a recovery key by
    whoever holds it: the clerk to the governors need not be a SafeLog user. The key
    hands over the role keys it keeps, checked against the membership log."""
    secret = _parse_recovery(recovery_key)
    with engine.connect() as conn:
        vault = conn.execute(select(VaultRow.__table__)).one()
    stored = json.loads(vault.record)["recovery"]
    kind = _recovery_kind_of({k: unb64(v["x25519"]) for k, v in stored.items()}, secret)
    with engine.begin() as conn:
        keys, _ = vault_keys(conn, fingerprint(vault.ca_cert), str(vault.vault_id))
        state = membership.replay(membership.read_rows(conn), keys)
        target = next(
            (m for m in state.members.values() if m.name.casefold() == clean_name(name).casefold()),
            None,
        )
        if target is None:
            raise NotFound(f"There is no user called {name}.")
        roles = sorted(r for r in target.pending if recovery_may_admit(kind, r))
        if not roles:
            raise InvalidInput(
                f"{target.name} is not waiting for the {kind.value} recovery key to admit "
                "them to any role."
            )
        signer = recovery.recovery_ed25519(secret)
        for role in roles:
            membership.append(
                conn,
                signer=f"recovery:{kind.value}",
                body={
                    "type": "admit",
                    "user_id": target.user_id,
                    "role": role.value,
                    "invitation": target.invitation_sha,
                },
                sign=signer.sign,
                at=clock(),
            )
        escrow = _EscrowHolder(clock, conn, kind, secret)
        for role in roles:
            key_role = ROLE_KEYS.get(role)
            if key_role is not None:
                escrow.hand_over(key_role, target, state)  # admissions move no epoch
    return roles


def _require_person(session: Session, name: str) -> Person:
    person = session.directory.by_name(name)
    if person is None:
        raise NotFound(f"There is no user called {name}.")
    return person


def remove_user(session: Session, name: str) -> None:
    """Take someone out of SafeLog. Each role key they held gets a new epoch the next
    time another member of that role signs in, so nothing filed after that reaches them."""
    session.ensure_open()
    _require_admin(session)
    person = _require_person(session, name)
    if person.id == session.user_id:
        raise InvalidInput("You cannot remove yourself; ask another administrator.")
    if person.status == REMOVED:
        raise InvalidInput(f"{person.name} has been removed already.")
    with session.write() as conn:
        session.append_membership(conn, {"type": "remove", "user_id": person.id})
        # The status column only feeds the sign-in list; the log decides.
        conn.execute(update(UserRow).where(UserRow.id == person.id).values(status=REMOVED))
        session.audit(conn, AuditAction.USER_REMOVE, {"user_id": person.id, "name": person.name})
        rotated = session.rotate_after_removals_now(conn)
        if rotated:
            session.audit(conn, AuditAction.KEYS_ROTATE, {"rotated": rotated})


def reset_access(session: Session, name: str, recovery_key: str, clock: Clock) -> str:
    """For someone who lost their passphrase: a new enrolment code, with the role keys
    the recovery key restores waiting for it. Every restored role gets a new epoch."""
    session.ensure_open()
    ca_key = _require_admin(session)
    person = _require_person(session, name)
    if person.status == REMOVED:
        raise InvalidInput(f"{person.name} has been removed; invite them again instead.")
    secret = _parse_recovery(recovery_key)
    kind = _recovery_kind_of(session.directory.recovery_x25519, secret)
    private = recovery.recovery_x25519(secret)
    signer = recovery.recovery_ed25519(secret)
    with session.write() as conn:
        restored = _restore_from_escrow(session, conn, kind, private)
        invited = insert_invitation(
            conn,
            session.directory.vault_id,
            ca_key,
            session.directory.ca_der,
            person.name,
            person.claimed_roles | person.roles,
            session.user_id,
            clock(),
            reset_user_id=person.id,
        )
        user_id, code = invited.user_id, invited.secret
        session.append_membership(conn, invited.entry("reset"))
        # The recovery key re-admits the person to the roles whose keys it keeps; any
        # other role waits for a member of that role to admit them again.
        invitation_sha = hashlib.sha256(invited.invitation).hexdigest()
        for held in sorted(person.roles - NEEDS_NO_ADMISSION):
            if recovery_may_admit(kind, held):
                session.append_membership(
                    conn,
                    {
                        "type": "admit",
                        "user_id": user_id,
                        "role": held.value,
                        "invitation": invitation_sha,
                    },
                    signed_by=(f"recovery:{kind.value}", signer.sign),
                )
        conn.execute(delete(RoleGrantRow).where(RoleGrantRow.recipient == f"user:{user_id}"))
        session.reload_directory(conn)
        invite_public = invite_x25519(code).public_key()
        rotated = []
        for role in sorted(person.key_roles & set(r for r, _ in restored)):
            current = max(e for r, e in restored if r == role)
            members = [
                p.id
                for p in session.directory.people.values()
                if p.status == ENROLLED and role in p.key_roles and p.id != user_id
            ]
            new_private = session.create_role_epoch(
                conn,
                role,
                current + 1,
                members,
                signed_by=(f"recovery:{kind.value}", signer.sign),
            )
            restored[(role, current + 1)] = new_private
            rotated.append(f"{role.value} key epoch {current + 1}")
            for (r, epoch), key in restored.items():
                if r != role:
                    continue
                slot = f"invite:{user_id}"
                conn.execute(
                    insert(RoleGrantRow).values(
                        role=r.value,
                        epoch=epoch,
                        recipient=slot,
                        wrapped=hpke.wrap(
                            key.private_bytes_raw(),
                            invite_public,
                            role_grant_context(r.value, epoch, slot),
                        ),
                        created_at=clock(),
                    )
                )
        session.audit(
            conn,
            AuditAction.USER_RESET_ACCESS,
            {"user_id": user_id, "recovery_key": kind.value, "rotated": rotated},
        )
    return recovery.format_key(code, group=4)


def _restore_from_escrow(
    session: Session, conn: Connection, kind: RecoveryKey, private: X25519PrivateKey
) -> dict[tuple[KeyRole, int], X25519PrivateKey]:
    restored: dict[tuple[KeyRole, int], X25519PrivateKey] = {}
    rows = conn.execute(
        select(RoleGrantRow.__table__).where(RoleGrantRow.recipient == f"recovery:{kind.value}")
    ).all()
    for row in rows:
        role = KeyRole(row.role)
        epoch = session.directory.epochs.get((role, row.epoch))
        if epoch is None:
            raise KeyNotTrusted(f"The {role.value} role key failed its signature check.")
        try:
            secret = hpke.unwrap(
                row.wrapped, private, role_grant_context(row.role, row.epoch, row.recipient)
            )
        except DecryptionFailed:
            raise TamperDetected(
                f"The {role.value} key kept for the {kind.value} recovery key is damaged."
            ) from None
        key = X25519PrivateKey.from_private_bytes(secret)
        if x25519_public_bytes(key.public_key()) != epoch.public:
            raise KeyNotTrusted(f"The restored {role.value} key does not match its record.")
        restored[(role, row.epoch)] = key
    return restored
