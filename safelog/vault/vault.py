"""A vault on disk: create it, invite and enrol people, and unlock it into a Session."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from safelog.crypto import recovery, sealing
from safelog.crypto import wrap as hpke
from safelog.crypto.aead import DecryptionFailed
from safelog.crypto.ca import certificate_der, create_ca, fingerprint, issue_user_certificate
from safelog.crypto.encoding import b64, canonical_json, unb64
from safelog.crypto.identity import Identity, ed25519_public_bytes, x25519_public_bytes
from safelog.crypto.kdf import KdfParams, kdf_params_for_new_secret
from safelog.crypto.stream import CHUNK_SIZE, TAG_LENGTH
from safelog.domain.access import Recipient
from safelog.domain.roles import KeyRole, RecoveryKey, Role
from safelog.errors import (
    AccessDenied,
    InvalidInput,
    KeyNotTrusted,
    NotFound,
    TamperDetected,
    TooManyAttempts,
    UserFacingError,
    VaultMissing,
    WrongPassphrase,
)
from safelog.store.chunks import ChunkStore, delete_orphans, open_chunk_store
from safelog.store.engine import open_engine
from safelog.store.schema import (
    FailedUnlockRow,
    PastIdentityRow,
    RoleGrantRow,
    UserRow,
    VaultRow,
)
from safelog.text import hidden_character
from safelog.vault import membership
from safelog.vault.directory import (
    ENROLLED,
    INVITED,
    REMOVED,
    Person,
    Remembered,
    load_directory,
)
from safelog.vault.membership import invitation_fields
from safelog.vault.missing import check_nothing_missing
from safelog.vault.paths import database_url, device_name
from safelog.vault.session import Clock, Session, role_grant_context, utc_now

FORMAT = 1
INVITATION_DAYS = 14
MIN_PASSPHRASE = 10
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300


@dataclass(frozen=True)
class Invited:
    user_id: str
    secret: bytes
    invitation: bytes
    signature: bytes

    def entry(self, kind: str) -> dict[str, Any]:
        return {
            "type": kind,
            "user_id": self.user_id,
            **invitation_fields(self.invitation, self.signature),
        }


def _ca_signer(ca_key: ec.EllipticCurvePrivateKey) -> Any:
    return lambda message: ca_key.sign(message, ec.ECDSA(hashes.SHA256()))


@dataclass(frozen=True)
class SetupResult:
    session: Session
    school_recovery_key: str
    governors_recovery_key: str


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"safelog/v1/invite/" + label).derive(secret)


def _invite_signing_key(secret: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_derive(secret, b"ed25519"))


def _invite_x25519(secret: bytes) -> X25519PrivateKey:
    """Receives role keys restored with a recovery key, until the invitee enrols."""
    return X25519PrivateKey.from_private_bytes(_derive(secret, b"x25519"))


def _invitation_mac(secret: bytes, invitation: bytes, ca_der: bytes) -> bytes:
    return hmac.new(_derive(secret, b"mac"), invitation + ca_der, hashlib.sha256).digest()


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
    raise InvalidInput("That recovery key does not belong to this vault.")


class _EscrowHolder:
    """A recovery key at work without a signed-in user: it hands the role keys it keeps
    to a person it admitted, each checked against the membership log first."""

    def __init__(self, vault: Vault, conn: Connection, kind: RecoveryKey, secret: bytes) -> None:
        self.vault, self.conn, self.kind = vault, conn, kind
        self.private = recovery.recovery_x25519(secret)
        self.signer = recovery.recovery_ed25519(secret)
        self.slot = f"recovery:{kind.value}"

    def hand_over(
        self, key_role: KeyRole, target: membership.Member, state: membership.MembershipState
    ) -> None:
        """Each epoch of the role's key kept for this recovery key. A role with no key yet
        gets one from its first member at their next sign-in."""
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

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
        self, key_role: KeyRole, epoch: int, private: X25519PrivateKey, slot: str, public: Any
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
                created_at=self.vault.clock(),
            )
        )


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(
            f"Choose a passphrase of at least {MIN_PASSPHRASE} characters; "
            "a few unrelated words work well."
        )


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 200 or hidden_character(cleaned) is not None:
        raise InvalidInput("A name must be 1 to 200 printable characters.")
    return cleaned


class Vault:
    """A vault in a data directory (SQLite there, or the PostgreSQL URL configured)."""

    def __init__(self, data_dir: Path, url: str | None = None, clock: Clock = utc_now) -> None:
        self.data_dir = data_dir
        self.url = url or database_url(data_dir)
        self.clock = clock
        self._engine: Engine | None = None
        self._chunks: ChunkStore | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_engine(self.url)
        return self._engine

    @property
    def chunks(self) -> ChunkStore:
        if self._chunks is None:
            self._chunks = open_chunk_store(self.engine, CHUNK_SIZE + TAG_LENGTH)
        return self._chunks

    def close(self) -> None:
        if self._chunks is not None:
            self._chunks.close()
            self._chunks = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def exists(self) -> bool:
        """Is there a vault here? Asking never creates a database file."""
        if self._engine is None and self.url.startswith("sqlite:///"):
            database = Path(self.url.split("///", 1)[1])
            if not database.exists() or database.stat().st_size == 0:
                return False
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(VaultRow)).scalar_one() > 0

    def _require_vault(self) -> None:
        if not self.exists():
            raise VaultMissing(
                f"There is no SafeLog vault in {self.data_dir} yet. Set one up with "
                "'safelog init' or the setup wizard."
            )

    def school_name(self) -> str:
        self._require_vault()
        with self.engine.connect() as conn:
            row = conn.execute(select(VaultRow.__table__)).one()
        return str(json.loads(row.record)["school"])

    def user_names(self) -> list[tuple[str, str]]:
        """(name, status) of everyone, for the sign-in list. Names are not secret here."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(UserRow.name, UserRow.status).order_by(UserRow.name)).all()
        return [(name, status) for name, status in rows]

    # -- creating -------------------------------------------------------------------------

    def create(
        self, school: str, name: str, passphrase: str, kdf: KdfParams | None = None
    ) -> SetupResult:
        school = clean_name(school)
        name = clean_name(name)
        check_new_passphrase(passphrase)
        if self.exists():
            raise UserFacingError(f"A vault already exists in {self.data_dir}.")
        now = self.clock()
        vault_id = str(uuid.uuid4())
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = create_ca(school, ca_key, now)
        ca_der = certificate_der(ca_cert)
        secrets = {
            RecoveryKey.SCHOOL: recovery.new_secret(),
            RecoveryKey.GOVERNORS: recovery.new_secret(),
        }
        record = canonical_json(
            {
                "type": "vault",
                "vault_id": vault_id,
                "school": school,
                "created_at": now.isoformat(),
                "recovery": {
                    kind.value: {
                        "x25519": b64(
                            x25519_public_bytes(recovery.recovery_x25519(secret).public_key())
                        ),
                        "ed25519": b64(
                            ed25519_public_bytes(recovery.recovery_ed25519(secret).public_key())
                        ),
                    }
                    for kind, secret in secrets.items()
                },
            }
        )
        with self.engine.begin() as conn:
            conn.execute(
                insert(VaultRow).values(
                    id=1,
                    vault_id=vault_id,
                    format=FORMAT,
                    ca_cert=ca_der,
                    record=record,
                    signature=ca_key.sign(record, ec.ECDSA(hashes.SHA256())),
                    created_at=now,
                )
            )
        founder_roles = frozenset({Role.ADMIN, Role.DSL})
        with self.engine.begin() as conn:
            founder = self._insert_invitation(
                conn, vault_id, ca_key, ca_der, name, founder_roles, "setup", now
            )
            # The membership log starts here, signed by the school CA: the founder is
            # admitted as administrator and DSL by setting SafeLog up.
            membership.append(
                conn,
                signer="ca",
                body={
                    "type": "genesis",
                    "vault_id": vault_id,
                    "vault_record": hashlib.sha256(record).hexdigest(),
                    "founder": invitation_fields(founder.invitation, founder.signature),
                    "founder_roles": sorted(r.value for r in founder_roles),
                },
                sign=_ca_signer(ca_key),
                at=now,
            )
        session = self._enrol(founder.user_id, founder.secret, passphrase, kdf, ca_key=ca_key)
        return SetupResult(
            session=session,
            school_recovery_key=recovery.format_key(secrets[RecoveryKey.SCHOOL]),
            governors_recovery_key=recovery.format_key(secrets[RecoveryKey.GOVERNORS]),
        )

    def _insert_invitation(
        self,
        conn: Connection,
        vault_id: str,
        ca_key: ec.EllipticCurvePrivateKey,
        ca_der: bytes,
        name: str,
        roles: frozenset[Role],
        issued_by: str,
        now: datetime,
        reset_user_id: str | None = None,
    ) -> Invited:
        """Insert (or, for a reset, replace) a signed invitation."""
        secret = recovery.new_secret()[:16]
        user_id = reset_user_id or str(uuid.uuid4())
        invitation = canonical_json(
            {
                "type": "invitation",
                "vault_id": vault_id,
                "user_id": user_id,
                "name": name,
                "roles": sorted(r.value for r in roles),
                "invite_ed25519": b64(
                    ed25519_public_bytes(_invite_signing_key(secret).public_key())
                ),
                "invite_x25519": b64(x25519_public_bytes(_invite_x25519(secret).public_key())),
                "issued_by": issued_by,
                "issued_at": now.isoformat(),
                "expires_at": (now + timedelta(days=INVITATION_DAYS)).isoformat(),
            }
        )
        invitation_sig = ca_key.sign(invitation, ec.ECDSA(hashes.SHA256()))
        invited = Invited(user_id, secret, invitation, invitation_sig)
        signed = {
            "invitation": invitation,
            "invitation_sig": invitation_sig,
            "invitation_mac": _invitation_mac(secret, invitation, ca_der),
            "status": INVITED,
        }
        if reset_user_id is not None:
            current = conn.execute(
                select(UserRow.__table__).where(UserRow.id == reset_user_id)
            ).one()
            if current.enrolment is not None and current.enrolment_sig is not None:
                conn.execute(
                    insert(PastIdentityRow).values(
                        user_id=reset_user_id,
                        invitation=current.invitation,
                        invitation_sig=current.invitation_sig,
                        enrolment=current.enrolment,
                        enrolment_sig=current.enrolment_sig,
                        retired_at=now,
                    )
                )
            conn.execute(
                update(UserRow)
                .where(UserRow.id == reset_user_id)
                .values(
                    **signed,
                    enrolment=None,
                    enrolment_sig=None,
                    sealed_keys=None,
                    certificate=None,
                    enrolled_at=None,
                )
            )
            return invited
        taken = conn.execute(
            select(func.count())
            .select_from(UserRow)
            .where(func.lower(UserRow.name) == name.lower())
        ).scalar_one()
        if taken:
            raise InvalidInput(f"There is already a user called {name}.")
        conn.execute(insert(UserRow).values(id=user_id, name=name, created_at=now, **signed))
        return invited

    def invite(self, session: Session, name: str, roles: frozenset[Role]) -> str:
        """A one-time enrolment code for a new person. Only admins may invite."""
        session.ensure_open()
        name = clean_name(name)
        ca_key = self._require_admin(session)
        if not roles:
            raise InvalidInput("Give the new person at least one role.")
        with session.write() as conn:
            invited = self._insert_invitation(
                conn,
                session.directory.vault_id,
                ca_key,
                session.directory.ca_der,
                name,
                roles | {Role.STAFF},
                session.user_id,
                self.clock(),
            )
            session.append_membership(conn, invited.entry("invite"))
            session.audit(
                conn,
                "user.invite",
                {"user_id": invited.user_id, "name": name, "roles": sorted(roles)},
            )
        return recovery.format_key(invited.secret, group=4)

    def _require_admin(self, session: Session) -> ec.EllipticCurvePrivateKey:
        if Role.ADMIN not in session.person.roles or session.ca_key is None:
            raise AccessDenied("Only an administrator can do that.")
        return session.ca_key

    def admit(self, session: Session, name: str, decline: bool = False) -> list[Role]:
        """Admit (or decline) an enrolled person to each role they wait for that this
        member may admit them to, handing over the role keys this member holds. Returns
        the roles admitted or declined."""
        from safelog.domain.admission import may_admit
        from safelog.domain.roles import ROLE_KEYS

        session.ensure_open()
        with session.write() as conn:
            session.reload_directory(conn)
            person = self._require_person(session, name)
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
                "user.decline" if decline else "user.admit",
                {"user_id": person.id, "name": person.name, "roles": [r.value for r in roles]},
            )
        session.refresh()
        return roles

    def admit_with_recovery(self, name: str, recovery_key: str) -> list[Role]:
        """The first chair (or anyone the key may admit), admitted with a recovery key by
        whoever holds it: the clerk to the governors need not be a SafeLog user. The key
        hands over the role keys it keeps, checked against the membership log."""
        from safelog.domain.admission import recovery_may_admit
        from safelog.domain.roles import ROLE_KEYS

        self._require_vault()
        secret = _parse_recovery(recovery_key)
        with self.engine.connect() as conn:
            vault = conn.execute(select(VaultRow.__table__)).one()
        stored = json.loads(vault.record)["recovery"]
        kind = _recovery_kind_of({k: unb64(v["x25519"]) for k, v in stored.items()}, secret)
        from safelog.vault.directory import vault_keys

        with self.engine.begin() as conn:
            keys, _ = vault_keys(conn, fingerprint(vault.ca_cert), str(vault.vault_id))
            state = membership.replay(membership.read_rows(conn), keys)
            target = next(
                (
                    m
                    for m in state.members.values()
                    if m.name.casefold() == clean_name(name).casefold()
                ),
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
                    at=self.clock(),
                )
            escrow = _EscrowHolder(self, conn, kind, secret)
            for role in roles:
                key_role = ROLE_KEYS.get(role)
                if key_role is not None:
                    escrow.hand_over(key_role, target, state)  # admissions move no epoch
        return roles

    def _require_person(self, session: Session, name: str) -> Person:
        person = session.directory.by_name(name)
        if person is None:
            raise NotFound(f"There is no user called {name}.")
        return person

    def remove_user(self, session: Session, name: str) -> None:
        """Take someone out of SafeLog. Each role key they held gets a new epoch the next
        time another member of that role signs in, so nothing filed after that reaches them."""
        session.ensure_open()
        self._require_admin(session)
        person = self._require_person(session, name)
        if person.id == session.user_id:
            raise InvalidInput("You cannot remove yourself; ask another administrator.")
        if person.status == REMOVED:
            raise InvalidInput(f"{person.name} has been removed already.")
        with session.write() as conn:
            session.append_membership(conn, {"type": "remove", "user_id": person.id})
            # The status column only feeds the sign-in list; the log decides.
            conn.execute(update(UserRow).where(UserRow.id == person.id).values(status=REMOVED))
            session.audit(conn, "user.remove", {"user_id": person.id, "name": person.name})
            rotated = session.rotate_after_removals_now(conn)
            if rotated:
                session.audit(conn, "keys.rotate", {"rotated": rotated})

    def reset_access(self, session: Session, name: str, recovery_key: str) -> str:
        """For someone who lost their passphrase: a new enrolment code, with the role keys
        the recovery key restores waiting for it. Every restored role gets a new epoch."""
        from safelog.domain.admission import NEEDS_NO_ADMISSION, recovery_may_admit

        session.ensure_open()
        ca_key = self._require_admin(session)
        person = self._require_person(session, name)
        if person.status == REMOVED:
            raise InvalidInput(f"{person.name} has been removed; invite them again instead.")
        secret = _parse_recovery(recovery_key)
        kind = _recovery_kind_of(session.directory.recovery_x25519, secret)
        private = recovery.recovery_x25519(secret)
        signer = recovery.recovery_ed25519(secret)
        with session.write() as conn:
            restored = self._restore_from_escrow(session, conn, kind, private)
            invited = self._insert_invitation(
                conn,
                session.directory.vault_id,
                ca_key,
                session.directory.ca_der,
                person.name,
                person.claimed_roles | person.roles,
                session.user_id,
                self.clock(),
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
            invite_public = _invite_x25519(code).public_key()
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
                            created_at=self.clock(),
                        )
                    )
            session.audit(
                conn,
                "user.reset-access",
                {"user_id": user_id, "recovery_key": kind.value, "rotated": rotated},
            )
        return recovery.format_key(code, group=4)

    def _restore_from_escrow(
        self, session: Session, conn: Connection, kind: RecoveryKey, private: X25519PrivateKey
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

    # -- enrolling -------------------------------------------------------------------------

    def enrol(self, code: str, passphrase: str, kdf: KdfParams | None = None) -> Session:
        self._require_vault()
        try:
            secret = recovery.parse_key(code, length=16)
        except recovery.RecoveryKeyInvalid as exc:
            raise InvalidInput(f"That enrolment code is not valid: {exc}.") from None
        invite_public = b64(ed25519_public_bytes(_invite_signing_key(secret).public_key()))
        with self.engine.connect() as conn:
            rows = conn.execute(select(UserRow.__table__)).all()
        for row in rows:
            invitation = json.loads(row.invitation)
            if invitation.get("invite_ed25519") != invite_public:
                continue
            if row.status != INVITED:
                raise InvalidInput("That enrolment code has already been used.")
            if datetime.fromisoformat(invitation["expires_at"]) < self.clock():
                raise InvalidInput("That enrolment code has expired; ask for a new invitation.")
            check_new_passphrase(passphrase)
            return self._enrol(row.id, secret, passphrase, kdf)
        raise InvalidInput("That enrolment code does not match any invitation.")

    def _enrol(
        self,
        user_id: str,
        secret: bytes,
        passphrase: str,
        kdf: KdfParams | None,
        ca_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> Session:
        now = self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(select(UserRow.__table__).where(UserRow.id == user_id)).one()
            vault = conn.execute(select(VaultRow.__table__)).one()
        # The code authenticates the invitation and the CA certificate it was made under,
        # so a database writer cannot slip in a CA of their own before we pin it.
        expected = _invitation_mac(secret, row.invitation, vault.ca_cert)
        if not hmac.compare_digest(expected, row.invitation_mac):
            raise TamperDetected(
                "The invitation in the database does not match your code: it may have been "
                "tampered with. Do not enrol; tell your DSL."
            )
        invitation = json.loads(row.invitation)
        self._check_invitation_in_log(user_id, row.invitation, vault)
        identity = Identity.generate()
        profile_key = recovery.new_secret()
        identity.extra = {
            "vault_id": invitation["vault_id"],
            "ca_fp": fingerprint(vault.ca_cert),
            "profile_key": b64(profile_key),
        }
        enrolment = canonical_json(
            {
                "type": "enrolment",
                "vault_id": invitation["vault_id"],
                "user_id": user_id,
                "invitation_sha256": hashlib.sha256(row.invitation).hexdigest(),
                "public": identity.public(),
                "enrolled_at": now.isoformat(),
            }
        )
        params = kdf or kdf_params_for_new_secret()
        certificate = None
        if ca_key is not None:
            from cryptography import x509

            ca_cert = x509.load_der_x509_certificate(vault.ca_cert)
            certificate = certificate_der(
                issue_user_certificate(
                    ca_cert,
                    ca_key,
                    row.name,
                    json.loads(vault.record)["school"],
                    identity.ecdsa.public_key(),
                    now,
                )
            )
        with self.engine.begin() as conn:
            enrolled = membership.append(
                conn,
                signer=f"invite:{user_id}",
                body={"type": "enrol", "user_id": user_id, "enrolment": b64(enrolment)},
                sign=_invite_signing_key(secret).sign,
                at=now,
            )
            # Pinned in the person's own sealed keys: the log's first entry and their own
            # enrolment in it. A log replaced or cut back before that (even one re-signed
            # with the school CA's key) is refused on any device they sign in on.
            identity.extra["log_pin"] = membership.pin(conn, enrolled)
            sealed = sealing.seal(passphrase, params, f"user-keys:{user_id}", identity.to_bytes())
            changed = conn.execute(
                update(UserRow)
                .where(UserRow.id == user_id, UserRow.status == INVITED)
                .values(
                    enrolment=enrolment,
                    enrolment_sig=_invite_signing_key(secret).sign(enrolment),
                    sealed_keys=sealed,
                    status=ENROLLED,
                    enrolled_at=now,
                    certificate=certificate,
                )
            ).rowcount
            if changed != 1:
                raise InvalidInput("That enrolment code has already been used.")
        session = self._open_session(user_id, identity, profile_key)
        with session.write() as conn:
            self._claim_invite_grants(session, conn, secret)
            for role in session.start_missing_epochs(conn):
                if role == KeyRole.ADMIN and ca_key is not None:
                    self._wrap_ca_key(session, conn, ca_key, 1)
            session.audit(
                conn, "user.enrol", {"roles": sorted(r.value for r in session.person.roles)}
            )
        session.refresh()
        return session

    def _check_invitation_in_log(self, user_id: str, invitation: bytes, vault: Any) -> None:
        """The invitation must be this person's current one in the membership log, not yet
        used: a kept code cannot enrol again, nor a planted invitation enrol at all."""
        from safelog.vault.directory import vault_keys

        with self.engine.connect() as conn:
            keys, _ = vault_keys(conn, fingerprint(vault.ca_cert), str(vault.vault_id))
            state = membership.replay(membership.read_rows(conn), keys)
        member = state.members.get(user_id)
        if member is None or member.invitation != invitation:
            raise TamperDetected(
                "Your invitation is not in SafeLog's signed membership log: it may have been "
                "planted or tampered with. Do not enrol; tell your DSL."
            )
        if member.enrolled or member.removed:
            raise InvalidInput("That enrolment code has already been used.")

    def _claim_invite_grants(self, session: Session, conn: Connection, secret: bytes) -> None:
        """Move role keys left for this invitation (by a reset) to the new personal key."""
        slot = f"invite:{session.user_id}"
        rows = conn.execute(
            select(RoleGrantRow.__table__).where(RoleGrantRow.recipient == slot)
        ).all()
        private = _invite_x25519(secret)
        for row in rows:
            role = KeyRole(row.role)
            epoch = session.directory.epochs.get((role, row.epoch))
            key_bytes = hpke.unwrap(
                row.wrapped, private, role_grant_context(row.role, row.epoch, slot)
            )
            key = X25519PrivateKey.from_private_bytes(key_bytes)
            if epoch is None or x25519_public_bytes(key.public_key()) != epoch.public:
                raise KeyNotTrusted(f"The {role.value} key left for you does not match its record.")
            session.grant_role_epoch(
                conn, role, row.epoch, key, [Recipient("user", session.user_id)]
            )
            session.role_keys[(role, row.epoch)] = key
        conn.execute(delete(RoleGrantRow).where(RoleGrantRow.recipient == slot))

    def _wrap_ca_key(
        self, session: Session, conn: Any, ca_key: ec.EllipticCurvePrivateKey, admin_epoch: int
    ) -> None:
        der = ca_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        recipient = f"role:admin:{admin_epoch}"
        public = session.role_keys[(KeyRole.ADMIN, admin_epoch)].public_key()
        conn.execute(
            insert(RoleGrantRow).values(
                role="ca",
                epoch=0,
                recipient=recipient,
                wrapped=hpke.wrap(der, public, role_grant_context("ca", 0, recipient)),
                created_at=self.clock(),
            )
        )
        session.ca_key = ca_key

    def _open_session(self, user_id: str, identity: Identity, profile_key: bytes) -> Session:
        with self.engine.connect() as conn:
            vault_id = identity.extra["vault_id"]
            directory = load_directory(
                conn,
                identity.extra["ca_fp"],
                vault_id,
                Remembered(self.data_dir, vault_id, user_id, profile_key),
                remember=True,
            )
            membership.check_pin(conn, identity.extra.get("log_pin"))
        person = directory.people.get(user_id)
        if person is None or person.x25519 != x25519_public_bytes(identity.x25519.public_key()):
            raise TamperDetected(
                "Your own entry in the user directory does not match your keys: the database "
                "may have been tampered with."
            )
        if person.certificate_damaged:
            raise TamperDetected(
                f"Your own entry in the user directory ({person.name}): your signing "
                "certificate is damaged or altered. Ask an administrator to check it."
            )
        return Session(
            engine=self.engine,
            data_dir=self.data_dir,
            person=person,
            identity=identity,
            directory=directory,
            profile_key=profile_key,
            device=device_name(),
            chunks=self.chunks,
            clock=self.clock,
        )

    # -- unlocking -------------------------------------------------------------------------

    def unlock(self, name: str, passphrase: str) -> Session:
        self._require_vault()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(UserRow.__table__).where(
                    func.lower(UserRow.name) == clean_name(name).lower()
                )
            ).one_or_none()
            if row is None:
                raise NotFound(f"There is no user called {name}.")
            if row.sealed_keys is None:
                raise AccessDenied(f"{row.name} has not enrolled yet: use the enrolment code.")
            failures = (
                conn.execute(
                    select(FailedUnlockRow.at)
                    .where(FailedUnlockRow.user_id == row.id)
                    .order_by(FailedUnlockRow.at)
                )
                .scalars()
                .all()
            )
        self._throttle(failures)
        try:
            kek = sealing.kek_for(passphrase, row.sealed_keys)
            secret = sealing.unseal_with_key(kek, row.sealed_keys, f"user-keys:{row.id}")
        except sealing.SealMalformed:
            raise TamperDetected(f"The sealed keys of {row.name} are damaged.") from None
        except sealing.SealBroken:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(FailedUnlockRow).values(
                        user_id=row.id, at=self.clock(), device=device_name()
                    )
                )
            raise WrongPassphrase(f"That passphrase is not right for {row.name}.") from None
        identity = Identity.from_bytes(secret)
        session = self._open_session(row.id, identity, unb64(identity.extra["profile_key"]))
        if session.person.status == REMOVED:
            session.lock()
            raise AccessDenied(f"{row.name} has been removed from SafeLog.")
        with self.engine.connect() as conn:
            session.load_role_keys(conn)
            session.check_audit_log(conn)
            named = check_nothing_missing(
                conn, session.audit_manifest_rows, session.audit_manifest_start
            )
            session.remember_verified_audit(named)
        self._after_unlock(session, len(failures))
        delete_orphans(self.chunks, self.engine, keep=named.evidence)
        with self.engine.connect() as conn:
            session.load_audiences(conn)
        return session

    def _throttle(self, failures: Sequence[datetime]) -> None:
        # The records are unsigned (nobody can sign before unlocking), so a database writer
        # can plant them: one dated in the future counts as now, and no number of them makes
        # anyone wait longer than the normal throttle's longest wait.
        now = self.clock()
        # A failure dated ahead of this computer's clock (beyond a minute of skew) cannot
        # have been written by a client here: it is ignored, or it would count as "now" for
        # ever and lock the person out.
        failures = [at for at in failures if at <= now + timedelta(minutes=1)]
        if len(failures) < FREE_ATTEMPTS:
            return
        wait = min(2 ** min(len(failures) - FREE_ATTEMPTS + 1, 16), MAX_WAIT_SECONDS)
        last = min(failures[-1], now)
        remaining = min(wait - (now - last).total_seconds(), MAX_WAIT_SECONDS)
        if remaining > 0:
            raise TooManyAttempts(
                f"Too many wrong passphrases. Wait {int(remaining) + 1} seconds before trying "
                "again.",
                remaining,
            )

    def _after_unlock(self, session: Session, failures: int) -> None:
        with session.write() as conn:
            if session.ca_key is not None:
                self._issue_pending_certificates(session, conn)
            rotated = session.rotate_after_removals(conn)
            started = session.start_missing_epochs(conn)
            if rotated or started:
                session.reload_directory(conn)
            granted = session.complete_pending_grants(conn)
            details: dict[str, Any] = {"failed_attempts_before": failures}
            if rotated:
                details["rotated"] = rotated
            if granted:
                details["granted"] = granted
            session.audit(conn, "session.sign-in", details)
            conn.execute(delete(FailedUnlockRow).where(FailedUnlockRow.user_id == session.user_id))

    def _issue_pending_certificates(self, session: Session, conn: Any) -> None:
        assert session.ca_key is not None
        for person in session.directory.people.values():
            if (
                person.status != ENROLLED
                or person.certificate is not None
                or person.certificate_damaged
                or not person.ecdsa
            ):
                continue
            public = serialization.load_der_public_key(person.ecdsa)
            if not isinstance(public, ec.EllipticCurvePublicKey):
                continue
            cert = issue_user_certificate(
                session.directory.ca_cert,
                session.ca_key,
                person.name,
                session.directory.school,
                public,
                self.clock(),
            )
            conn.execute(
                update(UserRow)
                .where(UserRow.id == person.id)
                .values(certificate=certificate_der(cert))
            )
            session.audit(conn, "user.certificate-issued", {"user_id": person.id})
