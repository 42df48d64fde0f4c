"""Invitations: the one-time enrolment code, the keys derived from it, and the signed
invitation an administrator (or, for the founder, setting SafeLog up) inserts for a person.

The code is 16 random bytes. From it come an Ed25519 key that signs the invitee's
enrolment, an X25519 key that receives role keys left for them by a reset, and a MAC key
that binds the invitation to the school CA it was made under (vault/vault.py checks it at
enrolment, before the CA is pinned).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, func, insert, select, update

from safelog.crypto import recovery
from safelog.crypto.encoding import b64, canonical_json
from safelog.crypto.identity import ed25519_public_bytes, x25519_public_bytes
from safelog.domain.roles import Role
from safelog.errors import InvalidInput
from safelog.store.schema import PastIdentityRow, UserRow
from safelog.text import hidden_character
from safelog.vault.directory import INVITED
from safelog.vault.membership import invitation_fields

INVITATION_DAYS = 14


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


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"safelog/v1/invite/" + label).derive(secret)


def invite_signing_key(secret: bytes) -> Ed25519PrivateKey:
    """Signs the invitee's enrolment: the code proves the invitation is theirs."""
    return Ed25519PrivateKey.from_private_bytes(_derive(secret, b"ed25519"))


def invite_x25519(secret: bytes) -> X25519PrivateKey:
    """Receives role keys restored with a recovery key, until the invitee enrols."""
    return X25519PrivateKey.from_private_bytes(_derive(secret, b"x25519"))


def invitation_mac(secret: bytes, invitation: bytes, ca_der: bytes) -> bytes:
    return hmac.new(_derive(secret, b"mac"), invitation + ca_der, hashlib.sha256).digest()


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 200 or hidden_character(cleaned) is not None:
        raise InvalidInput("A name must be 1 to 200 printable characters.")
    return cleaned


def insert_invitation(
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
    """Insert (or, for a reset, replace) a signed invitation, signed by the school CA."""
    secret = recovery.new_secret()[:16]
    user_id = reset_user_id or str(uuid.uuid4())
    invitation = canonical_json(
        {
            "type": "invitation",
            "vault_id": vault_id,
            "user_id": user_id,
            "name": name,
            "roles": sorted(r.value for r in roles),
            "invite_ed25519": b64(ed25519_public_bytes(invite_signing_key(secret).public_key())),
            "invite_x25519": b64(x25519_public_bytes(invite_x25519(secret).public_key())),
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
        "invitation_mac": invitation_mac(secret, invitation, ca_der),
        "status": INVITED,
    }
    if reset_user_id is not None:
        current = conn.execute(select(UserRow.__table__).where(UserRow.id == reset_user_id)).one()
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
        select(func.count()).select_from(UserRow).where(func.lower(UserRow.name) == name.lower())
    ).scalar_one()
    if taken:
        raise InvalidInput(f"There is already a user called {name}.")
    conn.execute(insert(UserRow).values(id=user_id, name=name, created_at=now, **signed))
    return invited
