"""The public directory: people, their roles and public keys, and role keys per epoch.

Nothing here is trusted because it sits in the database. Every entry must chain back to
the school CA certificate whose fingerprint the reading user pinned in their own sealed
key bundle at enrolment:

    CA cert (pinned) --signs--> vault record (recovery public keys)
    CA cert          --signs--> invitation (name, roles, invite public key) + code MAC
    invite key       --signs--> enrolment (the person's own public keys)
    member's Ed25519 --signs--> role epoch record (role public key)   [or a recovery key]

Entries that fail are kept out of the directory and named, so nothing is wrapped to them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from sqlalchemy import Connection, select

from safelog.crypto.ca import fingerprint, is_issued_by
from safelog.crypto.encoding import unb64
from safelog.crypto.identity import verify_ecdsa, verify_ed25519
from safelog.domain.roles import KeyRole, Role, key_roles_of
from safelog.errors import KeyNotTrusted, TamperDetected
from safelog.store.schema import PastIdentityRow, RoleEpochRow, UserRow, VaultRow

ENROLLED = "active"
INVITED = "invited"
REMOVED = "removed"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    roles: frozenset[Role]
    status: str
    x25519: bytes | None = None
    ed25519: bytes | None = None
    ecdsa: bytes | None = None
    certificate: bytes | None = None
    # Signing keys of earlier enrolments (before a reset): still valid for what they signed.
    past_ed25519: tuple[bytes, ...] = ()
    certificate_damaged: bool = False

    def verifies(self, signature: bytes, message: bytes) -> bool:
        """Did this person sign this, with their current or an earlier key?"""
        keys = ((self.ed25519,) if self.ed25519 else ()) + self.past_ed25519
        return any(verify_ed25519(key, signature, message) for key in keys)

    @property
    def key_roles(self) -> frozenset[KeyRole]:
        return key_roles_of(self.roles)


@dataclass(frozen=True)
class Epoch:
    role: KeyRole
    epoch: int
    public: bytes
    created_by: str


@dataclass
class Directory:
    vault_id: str
    school: str
    ca_cert: x509.Certificate
    ca_der: bytes
    recovery_x25519: dict[str, bytes]
    recovery_ed25519: dict[str, bytes]
    people: dict[str, Person] = field(default_factory=dict)
    epochs: dict[tuple[KeyRole, int], Epoch] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    failed_users: list[str] = field(default_factory=list)
    # Highest epoch number stored per role, verified or not: a failed newest epoch must not
    # quietly fall back to an older key (which a since-removed member may still hold).
    newest_epoch: dict[KeyRole, int] = field(default_factory=dict)

    def by_name(self, name: str) -> Person | None:
        wanted = name.strip().casefold()
        return next((p for p in self.people.values() if p.name.casefold() == wanted), None)

    def current_epoch(self, role: KeyRole) -> Epoch | None:
        """The role's newest key, None if the role has none yet; KeyNotTrusted if the newest
        one stored fails its check."""
        newest = self.newest_epoch.get(role)
        if newest is None:
            return None
        epoch = self.epochs.get((role, newest))
        if epoch is None:
            raise KeyNotTrusted(
                f"The {role.value} role key (epoch {newest}) in the database failed its "
                "signature check; it may have been swapped. Nothing was encrypted to it."
            )
        return epoch

    def established_roles(self) -> frozenset[KeyRole]:
        """Roles with a key stored, whether or not it verifies (so a swapped key is refused
        rather than treated as missing)."""
        return frozenset(self.newest_epoch)

    def active_members(self) -> dict[str, frozenset[Role]]:
        return {p.id: p.roles for p in self.people.values() if p.status == ENROLLED}

    def require_person(self, user_id: str) -> Person:
        person = self.people.get(user_id)
        if person is None:
            raise KeyNotTrusted(
                "A user record in the database failed its signature check; "
                "it may have been tampered with, so SafeLog will not use it."
            )
        return person


def load_directory(conn: Connection, pinned_ca_fp: str, vault_id: str) -> Directory:
    vault = conn.execute(select(VaultRow.__table__)).one_or_none()
    if vault is None:
        raise TamperDetected("The database has no vault record.")
    if fingerprint(vault.ca_cert) != pinned_ca_fp:
        raise KeyNotTrusted(
            "The school certificate in the database is not the one you enrolled with. "
            "The database may have been swapped or tampered with."
        )
    ca_cert = x509.load_der_x509_certificate(vault.ca_cert)
    ca_public = _ca_public_der(ca_cert)
    if not verify_ecdsa(ca_public, vault.signature, vault.record):
        raise TamperDetected("The vault record failed its signature check.")
    record = json.loads(vault.record)
    if record.get("vault_id") != vault_id or vault.vault_id != vault_id:
        raise KeyNotTrusted("This database belongs to a different vault.")
    directory = Directory(
        vault_id=vault_id,
        school=str(record["school"]),
        ca_cert=ca_cert,
        ca_der=vault.ca_cert,
        recovery_x25519={k: unb64(v["x25519"]) for k, v in record["recovery"].items()},
        recovery_ed25519={k: unb64(v["ed25519"]) for k, v in record["recovery"].items()},
    )
    history: dict[str, list[Any]] = {}
    for past in conn.execute(select(PastIdentityRow.__table__)).all():
        history.setdefault(past.user_id, []).append(past)
    for row in conn.execute(select(UserRow.__table__)).all():
        person = verify_person(row, ca_public, ca_cert, vault_id, history.get(row.id, ()))
        if person is None:
            directory.problems.append(f"the record of user '{row.name}' failed its check")
            directory.failed_users.append(row.name)
        elif person.certificate_damaged:
            directory.problems.append(
                f"the signing certificate of '{row.name}' is damaged or altered; an "
                "administrator must check it before a new one is issued"
            )
        else:
            directory.people[person.id] = person
    for epoch_row in conn.execute(select(RoleEpochRow.__table__)).all():
        try:
            role = KeyRole(epoch_row.role)
        except ValueError:
            directory.problems.append(f"an unknown role key '{epoch_row.role}' is stored")
            continue
        directory.newest_epoch[role] = max(directory.newest_epoch.get(role, 0), epoch_row.epoch)
        epoch = _verify_epoch(epoch_row, directory)
        if epoch is None:
            directory.problems.append(
                f"the {epoch_row.role} role key (epoch {epoch_row.epoch}) failed its check"
            )
        else:
            directory.epochs[(epoch.role, epoch.epoch)] = epoch
    return directory


def _ca_public_der(ca_cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return ca_cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def verify_person(
    row: Any,
    ca_public: bytes,
    ca_cert: x509.Certificate,
    vault_id: str,
    history: Sequence[Any] = (),
) -> Person | None:
    if not verify_ecdsa(ca_public, row.invitation_sig, row.invitation):
        return None
    invitation: dict[str, Any] = json.loads(row.invitation)
    if (
        invitation.get("vault_id") != vault_id
        or invitation.get("user_id") != row.id
        or invitation.get("name") != row.name
    ):
        return None
    roles = frozenset(Role(r) for r in invitation["roles"])
    status = row.status
    if row.removal is not None:
        if row.removal_sig is None or not verify_ecdsa(ca_public, row.removal_sig, row.removal):
            return None
        removal: dict[str, Any] = json.loads(row.removal)  # signed by the CA: well formed
        if removal.get("user_id") != row.id or removal.get("vault_id") != vault_id:
            return None
        status = REMOVED
    past = tuple(k for k in (_past_key(p, ca_public, row.id, vault_id) for p in history) if k)
    if row.enrolment is None:
        # Fail safe: a removed status without its record is still removed.
        return Person(
            row.id, row.name, roles, REMOVED if status == REMOVED else INVITED, past_ed25519=past
        )
    public = _enrolled_public(row, invitation, vault_id, row.id)
    if public is None:
        return None
    certificate = row.certificate
    certificate_damaged = False
    if certificate is not None and not _certificate_matches(certificate, ca_cert, public):
        # Kept apart from "no certificate yet", so it is reported and never quietly reissued.
        certificate, certificate_damaged = None, True
    return Person(
        id=row.id,
        name=row.name,
        roles=roles,
        status=status if status in (ENROLLED, REMOVED) else INVITED,
        x25519=unb64(public["x25519"]),
        ed25519=unb64(public["ed25519"]),
        ecdsa=unb64(public["ecdsa"]),
        certificate=certificate,
        past_ed25519=past,
        certificate_damaged=certificate_damaged,
    )


def _certificate_matches(der: bytes, ca_cert: x509.Certificate, public: dict[str, Any]) -> bool:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return False
    return is_issued_by(cert, ca_cert) and _cert_public_der(cert) == unb64(public["ecdsa"])


def _enrolled_public(row: Any, invitation: dict[str, Any], vault_id: str, user_id: str) -> Any:
    """The public keys of an enrolment, if it is signed by the invitation's key."""
    if row.enrolment_sig is None or not verify_ed25519(
        unb64(invitation["invite_ed25519"]), row.enrolment_sig, row.enrolment
    ):
        return None
    enrolment: dict[str, Any] = json.loads(row.enrolment)
    if enrolment.get("user_id") != user_id or enrolment.get("vault_id") != vault_id:
        return None
    return enrolment["public"]


def _past_key(past: Any, ca_public: bytes, user_id: str, vault_id: str) -> bytes | None:
    if not verify_ecdsa(ca_public, past.invitation_sig, past.invitation):
        return None
    invitation: dict[str, Any] = json.loads(past.invitation)
    if invitation.get("user_id") != user_id or invitation.get("vault_id") != vault_id:
        return None
    public = _enrolled_public(past, invitation, vault_id, user_id)
    return unb64(public["ed25519"]) if public else None


def _cert_public_der(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _verify_epoch(row: Any, directory: Directory) -> Epoch | None:
    try:
        record: dict[str, Any] = json.loads(row.record)
        role = KeyRole(record["role"])
    except (ValueError, KeyError):
        return None
    if (
        record.get("vault_id") != directory.vault_id
        or role.value != row.role
        or record.get("epoch") != row.epoch
    ):
        return None
    signer = str(record.get("created_by", ""))
    if signer.startswith("recovery:"):
        public = directory.recovery_ed25519.get(signer.split(":", 1)[1])
        if public is None or not verify_ed25519(public, row.signature, row.record):
            return None
    else:
        person = directory.people.get(signer)
        if person is None or role not in person.key_roles:
            return None
        if not person.verifies(row.signature, row.record):
            return None
    return Epoch(role, row.epoch, unb64(record["x25519"]), signer)
