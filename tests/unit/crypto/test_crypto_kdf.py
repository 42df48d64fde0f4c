"""Argon2id key derivation: pinned known answers (the cheap test profile and the real floor of
DESIGN §3.1, 64 MiB / t=3 / p=4) and the refusal of parameters below the floor.

The committed vectors/kdf.json is the source of truth; `python test_crypto_kdf.py` rewrites it
and must only be run when the format is changed on purpose.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from safelog.crypto import kdf
from safelog.crypto.encoding import b64
from safelog.crypto.kdf import KdfParams, derive_kek

VECTORS = Path(__file__).parent / "vectors" / "kdf.json"
PASSPHRASE = "correct horse battery staple"


def generate() -> dict[str, Any]:
    cases = []
    for label, memory, iterations, lanes, insecure, salt in (
        ("insecure-test-profile", 64, 1, 1, True, bytes(range(16))),
        ("floor-64MiB-t3-p4", 64 * 1024, 3, 4, False, bytes(range(16, 32))),
    ):
        params = KdfParams(memory, iterations, lanes, salt, insecure)
        cases.append(
            {
                "label": label,
                "passphrase": PASSPHRASE,
                "params": params.to_dict(),
                "kek": derive_kek(PASSPHRASE, params).hex(),
            }
        )
    composed = unicodedata.normalize("NFC", "Café Noël ñandú")
    cheap = KdfParams(64, 1, 1, bytes(16), True)
    return {
        "derive": cases,
        "nfc": {
            "passphrase_nfc": composed,
            "passphrase_nfd": unicodedata.normalize("NFD", composed),
            "params": cheap.to_dict(),
            "kek": derive_kek(composed, cheap).hex(),
        },
    }


# Run as a script, the module regenerates the vectors; under pytest it reads the committed ones.
V = generate() if __name__ == "__main__" else json.loads(VECTORS.read_text("utf-8"))


@pytest.mark.parametrize("case", V["derive"], ids=lambda c: c["label"])
def test_known_answer(case: dict[str, Any]) -> None:
    params = KdfParams.from_dict(case["params"])
    assert derive_kek(case["passphrase"], params).hex() == case["kek"]
    # A different passphrase or salt gives another key.
    assert derive_kek(case["passphrase"] + "!", params).hex() != case["kek"]
    other_salt = KdfParams(
        params.memory_kib,
        params.iterations,
        params.lanes,
        bytes(b ^ 1 for b in params.salt),
        params.insecure,
    )
    assert derive_kek(case["passphrase"], other_salt).hex() != case["kek"]


def test_floor_vector_really_is_at_the_floor() -> None:
    floor = next(c for c in V["derive"] if c["label"] == "floor-64MiB-t3-p4")["params"]
    assert (floor["m"], floor["t"], floor["p"], floor["insecure"]) == (65536, 3, 4, False)
    assert (kdf.MIN_MEMORY_KIB, kdf.MIN_ITERATIONS, kdf.LANES) == (65536, 3, 4)


def test_passphrase_is_nfc_normalised() -> None:
    nfc = V["nfc"]
    assert nfc["passphrase_nfc"] != nfc["passphrase_nfd"]
    params = KdfParams.from_dict(nfc["params"])
    assert derive_kek(nfc["passphrase_nfc"], params).hex() == nfc["kek"]
    assert derive_kek(nfc["passphrase_nfd"], params).hex() == nfc["kek"]


def _params(**changes: Any) -> dict[str, Any]:
    data = {
        "alg": "argon2id",
        "m": 64 * 1024,
        "t": 3,
        "p": 4,
        "salt": b64(bytes(16)),
        "insecure": False,
    }
    data.update(changes)
    return data


def test_params_dict_round_trip() -> None:
    params = KdfParams(128 * 1024, 4, 4, bytes(range(16)))
    assert KdfParams.from_dict(params.to_dict()) == params
    assert params.to_dict()["alg"] == "argon2id"
    assert KdfParams.from_dict(_params()).insecure is False


@pytest.mark.parametrize(
    "changes",
    [
        {"m": 64 * 1024 - 1},
        {"m": 64},
        {"t": 2},
        {"t": 1, "m": 1024 * 1024},
        {"m": 64, "t": 1, "p": 1},
        {"m": 64, "t": 1, "p": 1, "insecure": 0},
    ],
    ids=[
        "m-one-below",
        "m-64KiB",
        "t2",
        "t1-even-with-1GiB",
        "test-profile-unmarked",
        "insecure-falsy",
    ],
)
def test_from_dict_refuses_below_floor(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="below the minimum"):
        KdfParams.from_dict(_params(**changes))


def test_from_dict_refuses_fewer_lanes_than_floor() -> None:
    with pytest.raises(ValueError):
        KdfParams.from_dict(_params(p=1))


def test_from_dict_accepts_cheap_params_only_when_marked_insecure() -> None:
    params = KdfParams.from_dict(_params(m=64, t=1, p=1, insecure=True))
    assert params.insecure and params.memory_kib == 64


@pytest.mark.parametrize("alg", ["argon2i", "argon2d", "scrypt", None])
def test_from_dict_refuses_other_algorithms(alg: str | None) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        KdfParams.from_dict(_params(alg=alg))


def test_new_secret_params_follow_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFELOG_INSECURE_TEST_KDF", "1")
    first, second = kdf.kdf_params_for_new_secret(), kdf.kdf_params_for_new_secret()
    assert first.insecure and first.memory_kib < kdf.MIN_MEMORY_KIB
    assert len(first.salt) == 16 and first.salt != second.salt
    assert kdf.insecure_test_params().to_dict()["insecure"] is True


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        # A machine so fast that every step stays cheap stops at the work ceiling.
        (0.0, (256 * 1024, 10)),
        (
            5.0,
            (kdf.MIN_MEMORY_KIB, kdf.MIN_ITERATIONS),
        ),  # a slow machine never goes below the floor
    ],
)
def test_calibration_stays_within_floor_and_ceiling(
    monkeypatch: pytest.MonkeyPatch, elapsed: float, expected: tuple[int, int]
) -> None:
    monkeypatch.setattr(kdf, "_time_derivation", lambda params: elapsed)
    params = kdf.calibrate()
    assert (params.memory_kib, params.iterations) == expected
    assert params.lanes == 4 and not params.insecure and len(params.salt) == 16
    assert params.work_kib <= kdf.MAX_WORK_KIB
    KdfParams.from_dict(params.to_dict())


def test_work_ceiling_is_sixteen_times_the_floor() -> None:
    assert kdf.MAX_WORK_KIB == 16 * 64 * 1024 * 3
    for memory, iterations in ((1024 * 1024, 3), (512 * 1024, 6), (256 * 1024, 12)):
        params = KdfParams.from_dict(_params(m=memory, t=iterations))
        assert params.work_kib == kdf.MAX_WORK_KIB


@pytest.mark.parametrize(
    "changes",
    [
        {"m": 1024 * 1024, "t": 64},
        {"m": 1024 * 1024, "t": 4},
        {"m": 512 * 1024, "t": 7},
        {"m": 256 * 1024, "t": 13},
        {"m": 64 * 1024, "t": 64},
        {"m": 1024 * 1024, "t": 64, "p": 1, "insecure": True},
    ],
    ids=["1GiB-t64", "1GiB-t4", "512MiB-t7", "256MiB-t13", "64MiB-t64", "insecure-1GiB-t64"],
)
def test_from_dict_refuses_more_work_than_safelog_ever_sets(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="more work"):
        KdfParams.from_dict(_params(**changes))


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(V, indent=2) + "\n", "utf-8")
