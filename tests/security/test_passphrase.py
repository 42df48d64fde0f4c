"""Passphrases (DESIGN §3.1, §3.4): wrong ones are refused plainly and throttled, failures end
up in the signed audit log, the KDF cost in a sealed blob cannot be lowered, and damage to a
sealed blob is reported, never a crash."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select, update
from support.school import PASSPHRASES

from safelog.audit import log as audit_log
from safelog.crypto import sealing
from safelog.crypto.encoding import canonical_json
from safelog.crypto.kdf import MIN_ITERATIONS, MIN_MEMORY_KIB, default_params
from safelog.domain.roles import Role
from safelog.errors import (
    TamperDetected,
    TooManyAttempts,
    WrongPassphrase,
)
from safelog.store.schema import AuditRow, FailedUnlockRow, UserRow
from safelog.vault.audit_view import verify_whole_log
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case

SUMMARY = "Pupil disclosed contact from an adult online"
DESCRIPTION = "Details given in confidence at break time."
WRONG = "not the right passphrase"


def sealed_keys(vault: Any, name: str) -> bytes:
    with vault.engine.connect() as conn:
        return conn.execute(select(UserRow.sealed_keys).where(UserRow.name == name)).scalar_one()


def put_sealed_keys(vault: Any, name: str, blob: bytes) -> None:
    with vault.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.name == name).values(sealed_keys=blob))


def split(blob: bytes) -> tuple[dict[str, Any], bytes]:
    """(header as JSON, nonce + ciphertext) of a sealed blob."""
    start = len(sealing.MAGIC)
    length = int.from_bytes(blob[start : start + 2], "big")
    return json.loads(blob[start + 2 : start + 2 + length]), blob[start + 2 + length :]


def join(header: dict[str, Any], rest: bytes) -> bytes:
    raw = canonical_json(header)
    return sealing.MAGIC + len(raw).to_bytes(2, "big") + raw + rest


def failed_rows(vault: Any, user_id: str) -> int:
    with vault.engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(FailedUnlockRow)
            .where(FailedUnlockRow.user_id == user_id)
        ).scalar_one()


def test_wrong_passphrase_names_the_user_and_nothing_recorded(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    add_case(
        sam,
        CaseInput.from_json(
            {"category": "online-abuse-disclosure", "summary": SUMMARY, "description": DESCRIPTION}
        ),
    )
    sam.lock()
    with pytest.raises(WrongPassphrase) as caught:
        school.vault.unlock("Sam Staff", WRONG)
    message = str(caught.value)
    assert "Sam Staff" in message
    assert SUMMARY not in message and DESCRIPTION not in message and WRONG not in message
    assert failed_rows(school.vault, school.ids["Sam Staff"]) == 1
    # Other people's passphrases are not someone else's either.
    with pytest.raises(WrongPassphrase):
        school.vault.unlock("Sam Staff", PASSPHRASES["Tess Teacher"])


def test_fourth_try_is_throttled_until_the_wait_has_passed(school: Any, clock: Any) -> None:
    vault = school.vault
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            vault.unlock("Tess Teacher", WRONG)
    with pytest.raises(TooManyAttempts) as caught:
        vault.unlock("Tess Teacher", WRONG)
    wait = caught.value.wait_seconds
    assert 0 < wait <= 2
    assert f"Wait {int(wait) + 1} seconds" in str(caught.value)
    # The right passphrase does not get round the wait (no oracle while throttled)...
    with pytest.raises(TooManyAttempts):
        vault.unlock("Tess Teacher", PASSPHRASES["Tess Teacher"])
    assert failed_rows(vault, school.ids["Tess Teacher"]) == 3  # throttled tries not counted
    # ...and once the wait has passed, another try is allowed; each failure doubles it.
    clock.advance(seconds=wait + 0.5)
    with pytest.raises(WrongPassphrase):
        vault.unlock("Tess Teacher", WRONG)
    with pytest.raises(TooManyAttempts) as again:
        vault.unlock("Tess Teacher", WRONG)
    assert 2 < again.value.wait_seconds <= 4
    clock.advance(seconds=again.value.wait_seconds + 0.5)
    session = vault.unlock("Tess Teacher", PASSPHRASES["Tess Teacher"])
    assert session.person.name == "Tess Teacher"
    # Throttling is per user: others were never slowed down.
    school.unlock("Sam Staff").lock()


def test_failures_become_a_signed_audit_entry_at_the_next_sign_in(school: Any, clock: Any) -> None:
    vault = school.vault
    sam_id = school.ids["Sam Staff"]
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            vault.unlock("Sam Staff", WRONG)
    assert failed_rows(vault, sam_id) == 3
    clock.advance(seconds=10)
    school.unlock("Sam Staff").lock()
    assert failed_rows(vault, sam_id) == 0
    dana = school.unlock("Dana DSL")
    with vault.engine.connect() as conn:
        rows = conn.execute(
            select(AuditRow.__table__)
            .where(AuditRow.actor_id == sam_id)
            .order_by(AuditRow.seq.desc())
        ).all()
    bodies = [
        (row, dana.open_audit_body(row.key_ref, row.created_at, row.body_ct, None)) for row in rows
    ]
    sign_ins = [(row, body) for row, body in bodies if body and body["action"] == "session.sign-in"]
    row, body = sign_ins[0]  # the latest sign-in
    assert body["details"]["failed_attempts_before"] == 3
    assert body["actor"] == "Sam Staff"
    assert dana.verify_actor_signature(
        sam_id, row.signature, audit_log.signing_message(row.entry_hash)
    )
    assert [b["details"]["failed_attempts_before"] for _, b in sign_ins[1:]] == [0] * (
        len(sign_ins) - 1
    )
    assert verify_whole_log(dana)["intact"] is True


@pytest.fixture
def lone(vault: Any) -> Any:
    """A vault with one person in it, Dana (admin + DSL): enough for the sealed blob tests."""
    vault.create("Ravens Wood School", "Dana DSL", PASSPHRASES["Dana DSL"]).session.lock()
    return vault


def test_test_profile_is_marked_insecure_in_the_authenticated_header(lone: Any) -> None:
    blob = sealed_keys(lone, "Dana DSL")
    header, _ = split(blob)
    assert header["kdf"]["insecure"] is True
    assert header["kdf"]["m"] < MIN_MEMORY_KIB
    parsed, _, _ = sealing.parse_header(blob)
    assert parsed.params.insecure is True
    # Dropping the label makes the cheap parameters invalid rather than silently accepted.
    header["kdf"]["insecure"] = False
    put_sealed_keys(lone, "Dana DSL", join(header, split(blob)[1]))
    with pytest.raises(TamperDetected, match="Dana DSL"):
        lone.unlock("Dana DSL", PASSPHRASES["Dana DSL"])


STRONG = "Kim Strong"
STRONG_PASSPHRASE = "kim strong passphrase"
LOWERED = {
    "memory": {"m": 8, "p": 1},
    "iterations": {"t": 1},
    "all": {"m": 8, "t": 1, "p": 1},
    "all, relabelled insecure": {"m": 8, "t": 1, "p": 1, "insecure": True},
}


def test_kdf_cost_cannot_be_lowered(lone: Any, clock: Any, subtests: Any) -> None:
    vault = lone
    dana = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
    code = vault.invite(dana, STRONG, frozenset({Role.STAFF}))
    dana.lock()
    # Sealed with the real (non-test) cost floor: 64 MiB, t=3, p=4.
    vault.enrol(code, STRONG_PASSPHRASE, kdf=default_params()).lock()
    original = sealed_keys(vault, STRONG)
    header, rest = split(original)
    assert header["kdf"]["insecure"] is False
    assert (header["kdf"]["m"], header["kdf"]["t"]) == (MIN_MEMORY_KIB, MIN_ITERATIONS)
    for label, lowered in LOWERED.items():
        with subtests.test(msg=f"lowered {label}"):
            edited = json.loads(json.dumps(header))
            edited["kdf"].update(lowered)
            put_sealed_keys(vault, STRONG, join(edited, rest))
            clock.advance(seconds=400)  # past any throttling from the previous variant
            with pytest.raises((TamperDetected, WrongPassphrase)) as caught:
                vault.unlock(STRONG, STRONG_PASSPHRASE)
            assert STRONG in str(caught.value)
    put_sealed_keys(vault, STRONG, original)
    clock.advance(seconds=400)
    vault.unlock(STRONG, STRONG_PASSPHRASE).lock()  # the edits were the only cause


def test_kdf_cost_of_the_test_profile_cannot_be_lowered_either(lone: Any) -> None:
    header, rest = split(sealed_keys(lone, "Dana DSL"))
    header["kdf"]["m"] = 8
    put_sealed_keys(lone, "Dana DSL", join(header, rest))
    with pytest.raises(WrongPassphrase):
        lone.unlock("Dana DSL", PASSPHRASES["Dana DSL"])


def flip(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


def header_end(blob: bytes) -> int:
    start = len(sealing.MAGIC)
    return start + 2 + int.from_bytes(blob[start : start + 2], "big")


DAMAGE = {
    "tag": lambda b: flip(b, len(b) - 1),
    "ciphertext": lambda b: flip(b, header_end(b) + 20),
    "nonce": lambda b: flip(b, header_end(b)),
    "magic": lambda b: flip(b, 0),
    "header length": lambda b: flip(b, len(sealing.MAGIC) + 1),
    "truncated": lambda b: b[: header_end(b) + 10],
    "purpose": lambda b: b.replace(b'"purpose":"user-keys:', b'"purpose":"user-kezs:'),
    "empty": lambda b: b"",
}


def test_damaged_sealed_blob_is_wrong_passphrase_or_damaged_never_a_crash(
    lone: Any, clock: Any, subtests: Any
) -> None:
    original = sealed_keys(lone, "Dana DSL")
    for label, damage in DAMAGE.items():
        with subtests.test(msg=label):
            damaged = damage(original)
            assert damaged != original
            put_sealed_keys(lone, "Dana DSL", damaged)
            clock.advance(seconds=400)
            with pytest.raises((WrongPassphrase, TamperDetected)) as caught:
                lone.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
            assert "Dana DSL" in str(caught.value)
    put_sealed_keys(lone, "Dana DSL", original)
    clock.advance(seconds=400)
    lone.unlock("Dana DSL", PASSPHRASES["Dana DSL"]).lock()


WILD = {
    "memory zero": {"m": 0},
    "iterations zero": {"t": 0},
    "lanes zero": {"p": 0},
    "memory negative": {"m": -5},
    "iterations overflow": {"t": 2**40},
    "memory not a number": {"m": "lots"},
    "other algorithm": {"alg": "pbkdf2"},
}


def relabel(vault: Any, edit: dict[str, Any]) -> None:
    """A database writer relabels the header as the insecure test profile and fills in
    values Argon2id cannot use."""
    header, rest = split(sealed_keys(vault, "Dana DSL"))
    header["kdf"].update({"insecure": True, **edit})
    put_sealed_keys(vault, "Dana DSL", join(header, rest))


def test_nonsense_kdf_parameters_are_reported_as_damage(lone: Any, subtests: Any) -> None:
    original = sealed_keys(lone, "Dana DSL")
    for label, edit in WILD.items():
        with subtests.test(msg=label):
            put_sealed_keys(lone, "Dana DSL", original)
            relabel(lone, edit)
            with pytest.raises(TamperDetected) as caught:
                lone.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
            assert "Dana DSL" in str(caught.value)


def test_absurd_kdf_memory_is_reported_as_damage(lone: Any) -> None:
    relabel(lone, {"m": 2**31 - 1})  # 2 TiB
    with pytest.raises(TamperDetected):
        lone.unlock("Dana DSL", PASSPHRASES["Dana DSL"])


# A database writer plants a header that asks for far more work than SafeLog ever sets: the
# seal would fail anyway, but trying would first hold the unlock (and a GiB of memory) for
# minutes on an office PC. It is refused as damage before Argon2id runs.
COSTLY = {
    "1 GiB, 64 passes": {"m": 1024 * 1024, "t": 64},
    "1 GiB, 4 passes": {"m": 1024 * 1024, "t": 4},
    "512 MiB, 7 passes": {"m": 512 * 1024, "t": 7},
    "64 MiB, 64 passes": {"m": 64 * 1024, "t": 64},
    "relabelled insecure, 1 GiB, 64 passes": {"m": 1024 * 1024, "t": 64, "insecure": True},
}


def test_a_planted_costly_kdf_header_is_damage_not_a_long_wait(
    lone: Any, clock: Any, subtests: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tried: list[tuple[int, int]] = []
    real_derive = sealing.derive_kek

    def derive(passphrase: str, params: Any) -> bytes:
        tried.append((params.memory_kib, params.iterations))
        assert params.memory_kib * params.iterations <= 16 * MIN_MEMORY_KIB * MIN_ITERATIONS, (
            "Argon2id was started with the planted cost"
        )
        return real_derive(passphrase, params)

    monkeypatch.setattr(sealing, "derive_kek", derive)
    original = sealed_keys(lone, "Dana DSL")
    for label, edit in COSTLY.items():
        with subtests.test(msg=label):
            header, rest = split(original)
            header["kdf"].update({"insecure": False, "p": 4, **edit})
            put_sealed_keys(lone, "Dana DSL", join(header, rest))
            clock.advance(seconds=400)
            started = time.monotonic()
            with pytest.raises(TamperDetected) as caught:
                lone.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
            assert time.monotonic() - started < 2
            assert str(caught.value) == "The sealed keys of Dana DSL are damaged."
    assert tried == []  # refused from the header alone
    put_sealed_keys(lone, "Dana DSL", original)
    clock.advance(seconds=400)
    lone.unlock("Dana DSL", PASSPHRASES["Dana DSL"]).lock()
