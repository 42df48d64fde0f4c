"""A database writer swaps public keys for their own (DESIGN §3.1): the governors' role key,
a user's enrolment key, the school CA certificate. Nothing may be encrypted to a swapped key,
and the person acting is told plainly."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from offline_keys import case_deks, open_keyring, user_identity
from sqlalchemy import func, select, update
from support.school import PASSPHRASES, build_school

from safelog.audit import log as audit_log
from safelog.crypto.ca import certificate_der, create_ca
from safelog.crypto.encoding import b64, canonical_json
from safelog.crypto.identity import x25519_public_bytes
from safelog.errors import KeyNotTrusted, TamperDetected
from safelog.store.schema import (
    AudienceKeyRow,
    CaseRow,
    RoleGrantRow,
    UserRow,
    VaultRow,
)
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases

ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "Head messaging a pupil privately",
    "description": "A parent forwarded screenshots.",
    "subjects": ["Hugh Head"],
}


def counts(vault: Any) -> tuple[int, int, int]:
    with vault.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(CaseRow)).scalar_one(),
            conn.execute(select(func.count()).select_from(AudienceKeyRow)).scalar_one(),
            audit_log.read_head(conn).seq,
        )


def opened_with(vault: Any, attacker: X25519PrivateKey) -> dict[str, bytes]:
    """Every reader-group key the attacker's own private key opens from the tables."""
    with vault.engine.connect() as conn:
        return open_keyring(conn, [attacker]).audiences


def attacker_grants(vault: Any, attacker: X25519PrivateKey) -> int:
    """How many role-key grants the attacker's key opens."""
    with vault.engine.connect() as conn:
        ring = open_keyring(conn, [attacker])
        total = conn.execute(select(func.count()).select_from(RoleGrantRow)).scalar_one()
    assert total > 0
    return len(ring.private) - 1


def swap_in_log(vault: Any, how: str, match: Any, change: Any) -> X25519PrivateKey:
    """Edit one membership log entry (the only place public keys are read from) so that it
    names the attacker's key: keeping the old signature, re-signing with a key of their own,
    or claiming a recovery key signed it."""
    from safelog.store.schema import MembershipRow
    from safelog.vault import membership

    attacker = X25519PrivateKey.generate()
    with vault.engine.begin() as conn:
        rows = conn.execute(select(MembershipRow.__table__).order_by(MembershipRow.seq)).all()
        row = next(r for r in rows if match(json.loads(r.body)))
        body = json.loads(row.body)
        change(body, b64(x25519_public_bytes(attacker.public_key())))
        raw = canonical_json(body)
        values: dict[str, Any] = {"body": raw}
        if how != "old-signature":
            signer = "recovery:governors" if how == "claims-recovery-signer" else row.signer
            digest = membership.entry_hash(row.seq, row.prev_hash, signer, row.created_at, raw)
            values.update(
                signer=signer,
                entry_hash=digest,
                signature=Ed25519PrivateKey.generate().sign(membership.signing_message(digest)),
            )
        conn.execute(update(MembershipRow).where(MembershipRow.seq == row.seq).values(**values))
    return attacker


def swap_governors_key(vault: Any, how: str) -> X25519PrivateKey:
    def change(body: dict[str, Any], key: str) -> None:
        body["x25519"] = key

    return swap_in_log(
        vault,
        how,
        lambda b: b.get("type") == "epoch" and b.get("role") == "governors",
        change,
    )


SWAPS = ["old-signature", "foreign-signature", "claims-recovery-signer"]


@pytest.mark.parametrize("how", SWAPS)
def test_swapped_governors_key_is_refused_before_anything_is_written(school: Any, how: str) -> None:
    vault = school.vault
    before = counts(vault)
    attacker = swap_governors_key(vault, how)
    for name in ("Sam Staff", "Chris Chair", "Hugh Head", "Dana DSL"):
        with pytest.raises(TamperDetected) as caught:
            school.unlock(name)
        message = str(caught.value)
        assert "membership log" in message
        assert ABOUT_HEAD["summary"] not in message
    assert counts(vault) == before  # no case, no reader group, no audit entry
    assert opened_with(vault, attacker) == {}
    assert attacker_grants(vault, attacker) == 0


def swap_enrolment_key(vault: Any, name: str) -> X25519PrivateKey:
    """Swap the copy of someone's enrolment kept in the users table (not read any more)."""
    attacker = X25519PrivateKey.generate()
    with vault.engine.begin() as conn:
        row = conn.execute(select(UserRow.__table__).where(UserRow.name == name)).one()
        enrolment = json.loads(row.enrolment)
        enrolment["public"]["x25519"] = b64(x25519_public_bytes(attacker.public_key()))
        conn.execute(
            update(UserRow).where(UserRow.id == row.id).values(enrolment=canonical_json(enrolment))
        )
    return attacker


def test_swapped_user_key_in_the_users_table_is_never_used(vault: Any) -> None:
    """Small primary: the head is also a DSL, so a concern about the head is wrapped to the
    other DSL (Dana) one by one. An attacker swaps Dana's enrolment key in the users table:
    public keys come from the signed membership log, so the swap changes nothing."""
    school = build_school(vault, head_is_dsl=True)
    attacker = swap_enrolment_key(vault, "Dana DSL")
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    assert opened_with(vault, attacker) == {}
    assert attacker_grants(vault, attacker) == 0
    with vault.engine.connect() as conn:
        dana = open_keyring(conn, [user_identity(conn, "Dana DSL", PASSPHRASES["Dana DSL"]).x25519])
        assert case_deks(conn, reference, dana)  # Dana's real key gets the concern
        hugh = open_keyring(
            conn, [user_identity(conn, "Hugh Head", PASSPHRASES["Hugh Head"]).x25519]
        )
        assert case_deks(conn, reference, hugh) == {}
    assert reference in [c.reference for c in list_cases(school.unlock("Dana DSL"))]


@pytest.mark.parametrize("how", SWAPS[:2])
def test_swapped_user_key_in_the_log_stops_everyone(vault: Any, how: str) -> None:
    """A new DSL's role key is handed over on admission; an enrolment key swapped in the
    membership log stops every sign-in, so the attacker's key receives nothing."""
    from safelog.domain.roles import Role

    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, "Dee Deputy", frozenset({Role.DSL}))
    dana.lock()
    vault.enrol(code, "dee deputy safeguarding").lock()

    def change(body: dict[str, Any], key: str) -> None:
        enrolment = json.loads(base64.b64decode(body["enrolment"]))
        enrolment["public"]["x25519"] = key
        body["enrolment"] = b64(canonical_json(enrolment))

    dee = school_user_id(vault, "Dee Deputy")
    attacker = swap_in_log(
        vault, how, lambda b: b.get("type") == "enrol" and b.get("user_id") == dee, change
    )
    with pytest.raises(TamperDetected, match="membership log"):
        school.unlock("Dana DSL")
    assert attacker_grants(vault, attacker) == 0
    assert opened_with(vault, attacker) == {}


def school_user_id(vault: Any, name: str) -> str:
    with vault.engine.connect() as conn:
        return str(conn.execute(select(UserRow.id).where(UserRow.name == name)).scalar_one())


def fresh_ca(school_name: str, clock: Any) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, certificate_der(create_ca(school_name, key, clock()))


def test_swapped_school_certificate_stops_unlock(school: Any, clock: Any, subtests: Any) -> None:
    vault = school.vault
    with vault.engine.connect() as conn:
        original = conn.execute(select(VaultRow.__table__)).one()
    before = counts(vault)
    for resign_record in (False, True):
        label = "certificate and a record re-signed by it" if resign_record else "certificate"
        with subtests.test(msg=f"swapped {label}"):
            key, der = fresh_ca("Ravens Wood School", clock)
            values: dict[str, Any] = {"ca_cert": der, "signature": original.signature}
            if resign_record:  # a self-consistent database, signed by the attacker's CA
                values["signature"] = key.sign(original.record, ec.ECDSA(hashes.SHA256()))
            with vault.engine.begin() as conn:
                conn.execute(update(VaultRow).values(**values))
            for name in ("Dana DSL", "Sam Staff", "Chris Chair"):
                with pytest.raises(KeyNotTrusted) as caught:
                    school.unlock(name)
                assert "school certificate" in str(caught.value)
            assert counts(vault) == before
    with vault.engine.begin() as conn:
        conn.execute(
            update(VaultRow).values(ca_cert=original.ca_cert, signature=original.signature)
        )
    school.unlock("Sam Staff").lock()  # the swap was the only cause
