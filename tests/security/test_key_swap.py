"""A database writer swaps public keys for their own (DESIGN §3.1): the governors' role key,
a user's enrolment key, the school CA certificate. Nothing may be encrypted to a swapped key,
and the person acting is told plainly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import PASSPHRASES, build_school
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from offline_keys import case_deks, open_keyring, user_identity
from sqlalchemy import func, select, update

from safelog.audit import log as audit_log
from safelog.crypto.ca import certificate_der, create_ca
from safelog.crypto.encoding import b64, canonical_json
from safelog.crypto.identity import x25519_public_bytes
from safelog.domain.access import Recipient
from safelog.errors import KeyNotTrusted, TamperDetected
from safelog.store.schema import (
    AudienceKeyRow,
    CaseRow,
    RoleEpochRow,
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


def swap_governors_key(vault: Any, how: str) -> X25519PrivateKey:
    """Replace the governors' role public key in role_epochs with the attacker's own."""
    attacker = X25519PrivateKey.generate()
    with vault.engine.begin() as conn:
        row = conn.execute(
            select(RoleEpochRow.__table__).where(RoleEpochRow.role == "governors")
        ).one()
        record = json.loads(row.record)
        record["x25519"] = b64(x25519_public_bytes(attacker.public_key()))
        signature = row.signature
        if how == "foreign-signature":
            record = canonical_json(record)
            signature = Ed25519PrivateKey.generate().sign(record)
        elif how == "claims-recovery-signer":
            record["created_by"] = "recovery:governors"
            record = canonical_json(record)
            signature = Ed25519PrivateKey.generate().sign(record)
        else:
            record = canonical_json(record)
        assert record != row.record
        conn.execute(
            update(RoleEpochRow)
            .where(RoleEpochRow.role == row.role, RoleEpochRow.epoch == row.epoch)
            .values(record=record, signature=signature)
        )
    return attacker


SWAPS = ["old-signature", "foreign-signature", "claims-recovery-signer"]


@pytest.mark.parametrize("how", SWAPS[:2])
def test_swapped_governors_key_is_refused_before_anything_is_written(school: Any, how: str) -> None:
    vault = school.vault
    before = counts(vault)
    attacker = swap_governors_key(vault, how)
    sam = school.unlock("Sam Staff")
    after_sign_in = counts(vault)
    with pytest.raises(KeyNotTrusted) as caught:
        add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    message = str(caught.value)
    assert "governors" in message and "key" in message
    assert ABOUT_HEAD["summary"] not in message
    assert counts(vault) == after_sign_in  # no case, no reader group, no audit entry
    assert after_sign_in[:2] == before[:2]
    assert opened_with(vault, attacker) == {}


@pytest.mark.parametrize("how", SWAPS)
def test_swapped_governors_key_is_never_used(school: Any, how: str) -> None:
    """What holds today whatever the filing does: the attacker's key opens nothing, the
    directory names the failed key, and the chair (who holds the real key) is stopped."""
    vault = school.vault
    attacker = swap_governors_key(vault, how)
    sam = school.unlock("Sam Staff")
    assert any("governors role key" in p for p in sam.directory.problems)
    with pytest.raises(KeyNotTrusted, match="governors"):
        sam.recipient_public_key(Recipient("role", "governors"))
    with pytest.raises(KeyNotTrusted, match="governors"):
        add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    assert opened_with(vault, attacker) == {}
    assert attacker_grants(vault, attacker) == 0
    with pytest.raises(KeyNotTrusted) as caught:
        school.unlock("Chris Chair")
    assert "governors role key" in str(caught.value)
    # The headteacher gets nothing from the swap either.
    hugh = school.unlock("Hugh Head")
    assert list_cases(hugh) == []


def swap_enrolment_key(vault: Any, name: str) -> X25519PrivateKey:
    attacker = X25519PrivateKey.generate()
    with vault.engine.begin() as conn:
        row = conn.execute(select(UserRow.__table__).where(UserRow.name == name)).one()
        enrolment = json.loads(row.enrolment)
        enrolment["public"]["x25519"] = b64(x25519_public_bytes(attacker.public_key()))
        conn.execute(
            update(UserRow).where(UserRow.id == row.id).values(enrolment=canonical_json(enrolment))
        )
    return attacker


def test_swapped_user_key_is_refused_by_the_directory(vault: Any) -> None:
    """Small primary: the head is also a DSL, so a concern about the head is wrapped to the
    other DSL (Dana) one by one. An attacker swaps Dana's enrolment key for their own."""
    school = build_school(vault, head_is_dsl=True)
    dana_id = school.ids["Dana DSL"]
    school.unlock("Sam Staff").lock()  # Sam's device has seen every entry Dana signed
    attacker = swap_enrolment_key(vault, "Dana DSL")
    sam = school.unlock("Sam Staff")
    assert dana_id not in sam.directory.people
    assert "the record of user 'Dana DSL' failed its check" in sam.directory.problems
    with pytest.raises(KeyNotTrusted) as caught:
        sam.recipient_public_key(Recipient("user", dana_id))
    assert "failed its signature check" in str(caught.value)
    try:
        reference = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    except KeyNotTrusted:
        reference = None
    assert opened_with(vault, attacker) == {}
    assert attacker_grants(vault, attacker) == 0
    if reference is not None:
        with vault.engine.connect() as conn:
            chris = open_keyring(
                conn, [user_identity(conn, "Chris Chair", PASSPHRASES["Chris Chair"]).x25519]
            )
            assert case_deks(conn, reference, chris)  # the chair still gets the concern
            hugh = open_keyring(
                conn, [user_identity(conn, "Hugh Head", PASSPHRASES["Hugh Head"]).x25519]
            )
            assert case_deks(conn, reference, hugh) == {}
    # Dana herself is told her entry no longer matches her keys.
    with pytest.raises(TamperDetected) as refused:
        school.unlock("Dana DSL")
    assert "does not match your keys" in str(refused.value)


def test_swapped_user_key_gets_no_role_key_handed_over(vault: Any) -> None:
    """A new DSL's role key is handed over when an existing member signs in; a swapped
    enrolment key must not receive it."""
    from safelog.domain.roles import Role

    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, "Dee Deputy", frozenset({Role.DSL}))
    dana.lock()
    vault.enrol(code, "dee deputy safeguarding").lock()
    attacker = swap_enrolment_key(vault, "Dee Deputy")
    # Signing in would hand the dsl key to a verified Dee; here Dee's enrolment entry in the
    # audit log no longer verifies against her (swapped) record, so the sign-in stops.
    with pytest.raises(TamperDetected, match="audit"):
        school.unlock("Dana DSL")
    assert attacker_grants(vault, attacker) == 0
    assert opened_with(vault, attacker) == {}


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
