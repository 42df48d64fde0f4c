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
from safelog.vault.directory import ENROLLED, INVITED, REMOVED, Person, load_directory
from safelog.vault.paths import database_url, device_name
from safelog.vault.session import Clock, Session, role_grant_context, utc_now

FORMAT = 1
INVITATION_DAYS = 14
MIN_PASSPHRASE = 10
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300


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
        with self.engine.begin() as conn:
            user_id, code_secret = self._insert_invitation(
                conn,
                vault_id,
                ca_key,
                ca_der,
                name,
                frozenset({Role.ADMIN, Role.DSL}),
                "setup",
                now,
            )
        session = self._enrol(user_id, code_secret, passphrase, kdf, ca_key=ca_key)
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
    ) -> tuple[str, bytes]:
        """Insert (or, for a reset, replace) a signed invitation; returns (user id, code)."""
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
        signed = {
            "invitation": invitation,
            "invitation_sig": ca_key.sign(invitation, ec.ECDSA(hashes.SHA256())),
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
            return user_id, secret
        taken = conn.execute(
            select(func.count())
            .select_from(UserRow)
            .where(func.lower(UserRow.name) == name.lower())
        ).scalar_one()
        if taken:
            raise InvalidInput(f"There is already a user called {name}.")
        conn.execute(insert(UserRow).values(id=user_id, name=name, created_at=now, **signed))
        return user_id, secret

    def invite(self, session: Session, name: str, roles: frozenset[Role]) -> str:
        """A one-time enrolment code for a new person. Only admins may invite."""
        session.ensure_open()
        name = clean_name(name)
        ca_key = self._require_admin(session)
        if not roles:
            raise InvalidInput("Give the new person at least one role.")
        with session.write() as conn:
            user_id, secret = self._insert_invitation(
                conn,
                session.directory.vault_id,
                ca_key,
                session.directory.ca_der,
                name,
                roles | {Role.STAFF},
                session.user_id,
                self.clock(),
            )
            session.audit(
                conn, "user.invite", {"user_id": user_id, "name": name, "roles": sorted(roles)}
            )
        return recovery.format_key(secret, group=4)

    def _require_admin(self, session: Session) -> ec.EllipticCurvePrivateKey:
        if Role.ADMIN not in session.person.roles or session.ca_key is None:
            raise AccessDenied("Only an administrator can do that.")
        return session.ca_key

    def _require_person(self, session: Session, name: str) -> Person:
        person = session.directory.by_name(name)
        if person is None:
            raise NotFound(f"There is no user called {name}.")
        return person

    def remove_user(self, session: Session, name: str) -> None:
        """Take someone out of SafeLog. Each role key they held gets a new epoch the next
        time another member of that role signs in, so nothing filed after that reaches them."""
        session.ensure_open()
        ca_key = self._require_admin(session)
        person = self._require_person(session, name)
        if person.id == session.user_id:
            raise InvalidInput("You cannot remove yourself; ask another administrator.")
        record = canonical_json(
            {
                "type": "removal",
                "vault_id": session.directory.vault_id,
                "user_id": person.id,
                "by": session.user_id,
                "at": self.clock().isoformat(),
            }
        )
        with session.write() as conn:
            conn.execute(
                update(UserRow)
                .where(UserRow.id == person.id)
                .values(
                    status=REMOVED,
                    removal=record,
                    removal_sig=ca_key.sign(record, ec.ECDSA(hashes.SHA256())),
                )
            )
            session.audit(conn, "user.remove", {"user_id": person.id, "name": person.name})
            rotated = session.rotate_after_removals_now(conn)
            if rotated:
                session.audit(conn, "keys.rotate", {"rotated": rotated})

    def reset_access(self, session: Session, name: str, recovery_key: str) -> str:
        """For someone who lost their passphrase: a new enrolment code, with the role keys
        the recovery key restores waiting for it. Every restored role gets a new epoch."""
        session.ensure_open()
        ca_key = self._require_admin(session)
        person = self._require_person(session, name)
        try:
            secret = recovery.parse_key(recovery_key)
        except recovery.RecoveryKeyInvalid as exc:
            raise InvalidInput(f"That recovery key is not valid: {exc}.") from None
        kind = self._recovery_kind(session, secret)
        private = recovery.recovery_x25519(secret)
        signer = recovery.recovery_ed25519(secret)
        with session.write() as conn:
            restored = self._restore_from_escrow(session, conn, kind, private)
            user_id, code = self._insert_invitation(
                conn,
                session.directory.vault_id,
                ca_key,
                session.directory.ca_der,
                person.name,
                person.roles,
                session.user_id,
                self.clock(),
                reset_user_id=person.id,
            )
            conn.execute(delete(RoleGrantRow).where(RoleGrantRow.recipient == f"user:{user_id}"))
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

    def _recovery_kind(self, session: Session, secret: bytes) -> RecoveryKey:
        public = x25519_public_bytes(recovery.recovery_x25519(secret).public_key())
        for kind, stored in session.directory.recovery_x25519.items():
            if hmac.compare_digest(stored, public):
                return RecoveryKey(kind)
        raise InvalidInput("That recovery key does not belong to this vault.")

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
        sealed = sealing.seal(passphrase, params, f"user-keys:{user_id}", identity.to_bytes())
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
            for role in sorted(session.person.key_roles):
                if session.directory.current_epoch(role) is None:
                    session.role_keys[(role, 1)] = session.create_role_epoch(
                        conn, role, 1, [user_id]
                    )
                    if role == KeyRole.ADMIN and ca_key is not None:
                        self._wrap_ca_key(session, conn, ca_key, 1)
            session.audit(
                conn, "user.enrol", {"roles": sorted(r.value for r in session.person.roles)}
            )
        session.refresh()
        return session

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
            directory = load_directory(conn, identity.extra["ca_fp"], identity.extra["vault_id"])
        person = directory.people.get(user_id)
        if person is None or person.x25519 != x25519_public_bytes(identity.x25519.public_key()):
            raise TamperDetected(
                "Your own entry in the user directory does not match your keys: the database "
                "may have been tampered with."
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
            if row.status == REMOVED or row.removal is not None:
                raise AccessDenied(f"{row.name} has been removed from SafeLog.")
            if row.status != ENROLLED or row.sealed_keys is None:
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
        with self.engine.connect() as conn:
            session.load_role_keys(conn)
            session.check_audit_log(conn)
        self._after_unlock(session, len(failures))
        delete_orphans(self.chunks, self.engine)
        with self.engine.connect() as conn:
            session.load_audiences(conn)
        return session

    def _throttle(self, failures: Sequence[datetime]) -> None:
        if len(failures) < FREE_ATTEMPTS:
            return
        wait = min(2 ** (len(failures) - FREE_ATTEMPTS + 1), MAX_WAIT_SECONDS)
        remaining = wait - (self.clock() - failures[-1]).total_seconds()
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
            if rotated:
                session.directory = load_directory(
                    conn, session.identity.extra["ca_fp"], session.identity.extra["vault_id"]
                )
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
