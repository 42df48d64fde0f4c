"""A vault on disk: create it, enrol people and unlock it into a Session. Who is in it
(invite, admit, remove, reset) is vault/membership_changes.py, behind `Vault`'s methods."""

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
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from safelog.audit.actions import AuditAction
from safelog.crypto import recovery, sealing
from safelog.crypto import wrap as hpke
from safelog.crypto.ca import certificate_der, create_ca, fingerprint, issue_user_certificate
from safelog.crypto.encoding import b64, canonical_json, unb64
from safelog.crypto.identity import Identity, ed25519_public_bytes, x25519_public_bytes
from safelog.crypto.kdf import KdfParams, kdf_params_for_new_secret
from safelog.crypto.stream import CHUNK_SIZE, TAG_LENGTH
from safelog.domain.access import Recipient
from safelog.domain.passphrases import MIN_PASSPHRASE
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
from safelog.store.engine import snapshot
from safelog.store.schema import (
    FailedUnlockRow,
    RoleGrantRow,
    UserRow,
    VaultRow,
)
from safelog.vault import membership, membership_changes, pending_audit
from safelog.vault.directory import (
    ENROLLED,
    INVITED,
    REMOVED,
    Remembered,
    load_directory,
    vault_keys,
)
from safelog.vault.invitations import (
    clean_name,
    insert_invitation,
    invitation_mac,
    invite_signing_key,
    invite_x25519,
)
from safelog.vault.membership import invitation_fields
from safelog.vault.missing import check_nothing_missing
from safelog.vault.paths import database_url, device_name
from safelog.vault.school_rules import put_in_force
from safelog.vault.session import Session
from safelog.vault.session_keys import Clock, role_grant_context, utc_now
from safelog.vault.upgrade_notice import open_noting

FORMAT = 1
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300


def _ca_signer(ca_key: ec.EllipticCurvePrivateKey) -> Any:
    return lambda message: ca_key.sign(message, ec.ECDSA(hashes.SHA256()))


@dataclass(frozen=True)
class SetupResult:
    session: Session
    school_recovery_key: str
    governors_recovery_key: str


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(
            f"Choose a passphrase of at least {MIN_PASSPHRASE} characters; "
            "a few unrelated words work well."
        )


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
            self._engine = open_noting(self.url, self.data_dir, self.clock)
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
                f"SafeLog has not been set up in {self.data_dir} yet. Set it up with "
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
            raise UserFacingError(f"SafeLog is already set up in {self.data_dir}.")
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
            founder = insert_invitation(
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

    # -- people (safelog/vault/membership_changes.py) ------------------------------------

    def invite(self, session: Session, name: str, roles: frozenset[Role]) -> str:
        """A one-time enrolment code for a new person. Only admins may invite."""
        return membership_changes.invite(session, name, roles, self.clock)

    def admit(self, session: Session, name: str, decline: bool = False) -> list[Role]:
        """Admit (or decline) an enrolled person to the roles they wait for that this member
        may admit them to; returns those roles."""
        return membership_changes.admit(session, name, decline)

    def admit_with_recovery(self, name: str, recovery_key: str) -> list[Role]:
        """Admit someone with a recovery key (the first chair, with the governors' key)."""
        self._require_vault()
        return membership_changes.admit_with_recovery(self.engine, self.clock, name, recovery_key)

    def remove_user(self, session: Session, name: str) -> None:
        """Take someone out of SafeLog (admins only)."""
        membership_changes.remove_user(session, name)

    def reset_access(self, session: Session, name: str, recovery_key: str) -> str:
        """A new enrolment code for someone who lost their passphrase (admins only, with a
        recovery key)."""
        return membership_changes.reset_access(session, name, recovery_key, self.clock)

    # -- enrolling -------------------------------------------------------------------------

    def enrol(self, code: str, passphrase: str, kdf: KdfParams | None = None) -> Session:
        self._require_vault()
        try:
            secret = recovery.parse_key(code, length=16)
        except recovery.RecoveryKeyInvalid as exc:
            raise InvalidInput(f"That enrolment code is not valid: {exc}.") from None
        invite_public = b64(ed25519_public_bytes(invite_signing_key(secret).public_key()))
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
        expected = invitation_mac(secret, row.invitation, vault.ca_cert)
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
                sign=invite_signing_key(secret).sign,
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
                    enrolment_sig=invite_signing_key(secret).sign(enrolment),
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
                conn,
                AuditAction.USER_ENROL,
                {"roles": sorted(r.value for r in session.person.roles)},
            )
        session.refresh()
        return session

    def _check_invitation_in_log(self, user_id: str, invitation: bytes, vault: Any) -> None:
        """The invitation must be this person's current one in the membership log, not yet
        used: a kept code cannot enrol again, nor a planted invitation enrol at all."""
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
        private = invite_x25519(secret)
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
        # One moment of the database for the log and the cases it must account for: on a
        # shared server another PC may write while this one checks.
        seen = session.last_checkpoint()
        with snapshot(self.engine) as conn:
            session.load_role_keys(conn)
            session.check_audit_log(conn, seen)
            named = check_nothing_missing(
                conn, session.audit_manifest_rows, session.audit_manifest_start
            )
            session.remember_verified_audit(named)
        self._after_unlock(session, len(failures))
        # The school's own routes, checked, in force for this session (seeds if they fail).
        session.key_problems += put_in_force(session).problems
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
            session.audit(conn, AuditAction.SESSION_SIGN_IN, details)
            conn.execute(delete(FailedUnlockRow).where(FailedUnlockRow.user_id == session.user_id))
            noted = pending_audit.record(session, conn)  # a restore, a backup from the CLI
        pending_audit.forget(noted)

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
            session.audit(conn, AuditAction.USER_CERTIFICATE_ISSUED, {"user_id": person.id})
