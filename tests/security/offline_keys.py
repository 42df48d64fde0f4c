"""What someone holding the database and one secret can decrypt, worked out from the tables
alone: no Session, no directory, no access rules of the vault.

The secret is a user's passphrase (their sealed key bundle in `users` is opened with it) or a
printed recovery key. From there every `role_grants` row any key in hand opens is unwrapped,
repeatedly, then every `audience_keys` row, and the case's current data key in `case_keys` is
tried with every reader-group key obtained. Slot names in the tables are not trusted: every key
is tried on every row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, select

from safelog.crypto import recovery, sealing
from safelog.crypto import wrap as hpke
from safelog.crypto.aead import Cipher, DecryptionFailed
from safelog.crypto.identity import Identity
from safelog.store.schema import (
    AudienceKeyRow,
    CaseFieldRow,
    CaseKeyRow,
    CaseRow,
    CaseVersionRow,
    RoleGrantRow,
    UserRow,
)
from safelog.vault.case_engine import chain_aad, dek_aad, field_aad
from safelog.vault.reader_groups import audience_context
from safelog.vault.session_keys import role_grant_context

SCHOOL_KEY = "school recovery key"
GOVERNORS_KEY = "governors recovery key"


@dataclass
class Keyring:
    """Every private key and reader-group key one secret leads to."""

    private: list[X25519PrivateKey]
    audiences: dict[str, bytes] = field(default_factory=dict)


def user_identity(conn: Connection, name: str, passphrase: str) -> Identity:
    row = conn.execute(select(UserRow.__table__).where(UserRow.name == name)).one()
    secret, _ = sealing.unseal(passphrase, row.sealed_keys, f"user-keys:{row.id}")
    return Identity.from_bytes(secret)


def recovery_private_key(printed: str) -> X25519PrivateKey:
    return recovery.recovery_x25519(recovery.parse_key(printed))


def _try_unwrap(blob: bytes, keys: list[X25519PrivateKey], context: str) -> bytes | None:
    for key in keys:
        try:
            return hpke.unwrap(blob, key, context)
        except DecryptionFailed:
            continue
    return None


def open_keyring(conn: Connection, start: list[X25519PrivateKey]) -> Keyring:
    keys = list(start)
    grants = [r for r in conn.execute(select(RoleGrantRow.__table__)).all() if r.role != "ca"]
    opened: set[tuple[str, int, str]] = set()
    progress = True
    while progress:
        progress = False
        for row in grants:
            slot = (row.role, row.epoch, row.recipient)
            if slot in opened:
                continue
            secret = _try_unwrap(
                row.wrapped, keys, role_grant_context(row.role, row.epoch, row.recipient)
            )
            if secret is not None:
                keys.append(X25519PrivateKey.from_private_bytes(secret))
                opened.add(slot)
                progress = True
    ring = Keyring(keys)
    for row in conn.execute(select(AudienceKeyRow.__table__)).all():
        if row.audience_id in ring.audiences:
            continue
        key = _try_unwrap(row.wrapped, keys, audience_context(row.audience_id, row.recipient))
        if key is not None:
            ring.audiences[row.audience_id] = key
    return ring


def case_deks(conn: Connection, reference: str, ring: Keyring) -> dict[int, bytes]:
    """Every data key of the case this keyring opens ({} when it opens none)."""
    case = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
    wrapped = {
        r.key_no: r.wrapped
        for r in conn.execute(select(CaseKeyRow.__table__).where(CaseKeyRow.case_id == case.id))
    }
    current = None
    for audience_key in ring.audiences.values():
        try:
            current = Cipher(audience_key).open(
                wrapped[case.key_no], dek_aad(case.id, case.key_no, case.audience_id)
            )
            break
        except DecryptionFailed:
            continue
    if current is None:
        return {}
    deks = {case.key_no: current}
    for key_no in range(case.key_no - 1, 0, -1):
        deks[key_no] = Cipher(deks[key_no + 1]).open(wrapped[key_no], chain_aad(case.id, key_no))
    return deks


def read_field(conn: Connection, reference: str, name: str, deks: dict[int, bytes]) -> Any:
    """The latest value of a field, decrypted with the data keys alone."""
    case = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
    rows = conn.execute(
        select(CaseFieldRow.__table__)
        .where(CaseFieldRow.case_id == case.id, CaseFieldRow.field == name)
        .order_by(CaseFieldRow.version.desc())
    ).all()
    row = rows[0]
    key_no = conn.execute(
        select(CaseVersionRow.key_no).where(
            CaseVersionRow.case_id == case.id, CaseVersionRow.version == row.version
        )
    ).scalar_one()
    return json.loads(
        Cipher(deks[key_no]).open(row.value_ct, field_aad(case.id, row.version, name))
    )


def who_can_decrypt(
    conn: Connection,
    reference: str,
    passphrases: dict[str, str],
    recovery_keys: dict[str, str],
    expected_summary: str | None = None,
) -> set[str]:
    """Names (and recovery keys) whose secret opens the case's current data key. When a
    summary is given, each opener must also decrypt that exact summary from the fields."""
    secrets: dict[str, list[X25519PrivateKey]] = {
        name: [user_identity(conn, name, passphrase).x25519]
        for name, passphrase in passphrases.items()
    }
    secrets[SCHOOL_KEY] = [recovery_private_key(recovery_keys["school"])]
    secrets[GOVERNORS_KEY] = [recovery_private_key(recovery_keys["governors"])]
    readers = set()
    for holder, start in secrets.items():
        deks = case_deks(conn, reference, open_keyring(conn, start))
        if deks:
            if expected_summary is not None:
                assert read_field(conn, reference, "summary", deks) == expected_summary
            readers.add(holder)
    return readers
