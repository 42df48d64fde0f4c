"""Passphrase to key-encryption key with Argon2id, with parameters calibrated per machine.

The parameters travel in a header that is authenticated as associated data by the seal
(see sealing.py), so a database writer cannot lower them without breaking the seal.
"""

from __future__ import annotations

import os
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from safelog.crypto.encoding import b64, unb64

KEY_LENGTH = 32
SALT_LENGTH = 16

# The floor of DESIGN.md §3.1: at least 64 MiB, t=3, p=4.
MIN_MEMORY_KIB = 64 * 1024
MIN_ITERATIONS = 3
LANES = 4
MAX_MEMORY_KIB = 1024 * 1024
MAX_ITERATIONS = 64
MAX_LANES = 64
# The most work a header may ask for, memory (KiB) times passes: 16 times the floor's, so
# 1 GiB x 3, 512 MiB x 6 or 256 MiB x 12. Argon2id's time grows with this product; where the
# floor takes 0.2 s (the machine this was measured on) the ceiling takes about 3 s, and
# calibrate() (aiming at 0.5 s) never goes above it. A header asking for more (1 GiB x 64
# would take a minute there, and far longer on an old office PC) was not written by SafeLog:
# it is refused as damage before any derivation is tried, so it cannot make unlock hang.
MAX_WORK_KIB = 16 * MIN_MEMORY_KIB * MIN_ITERATIONS


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    lanes: int
    salt: bytes
    insecure: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "alg": "argon2id",
            "m": self.memory_kib,
            "t": self.iterations,
            "p": self.lanes,
            "salt": b64(self.salt),
            "insecure": self.insecure,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KdfParams:
        if data.get("alg") != "argon2id":
            raise ValueError("unsupported key derivation")
        params = cls(
            memory_kib=int(data["m"]),
            iterations=int(data["t"]),
            lanes=int(data["p"]),
            salt=unb64(data["salt"]),
            insecure=bool(data.get("insecure", False)),
        )
        # Whatever the profile, refuse values that would exhaust memory or hang unlock.
        if not (
            1 <= params.lanes <= MAX_LANES
            and 8 * params.lanes <= params.memory_kib <= MAX_MEMORY_KIB
            and 1 <= params.iterations <= MAX_ITERATIONS
            and len(params.salt) >= 8
        ):
            raise ValueError("key derivation parameters out of range")
        if params.work_kib > MAX_WORK_KIB:
            raise ValueError("key derivation parameters ask for more work than SafeLog ever sets")
        if not params.insecure and (
            params.memory_kib < MIN_MEMORY_KIB
            or params.iterations < MIN_ITERATIONS
            or params.lanes < LANES
        ):
            raise ValueError("key derivation parameters below the minimum")
        return params

    @property
    def work_kib(self) -> int:
        """Memory times passes: what a derivation's time is proportional to."""
        return self.memory_kib * self.iterations

    def with_new_salt(self) -> KdfParams:
        return KdfParams(
            self.memory_kib, self.iterations, self.lanes, os.urandom(SALT_LENGTH), self.insecure
        )


def normalise_passphrase(passphrase: str) -> bytes:
    # NFC so that the same characters typed on different keyboards give the same key.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_kek(passphrase: str, params: KdfParams) -> bytes:
    kdf = Argon2id(
        salt=params.salt,
        length=KEY_LENGTH,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(normalise_passphrase(passphrase))


def default_params() -> KdfParams:
    return KdfParams(MIN_MEMORY_KIB, MIN_ITERATIONS, LANES, os.urandom(SALT_LENGTH))


def insecure_test_params() -> KdfParams:
    """Cheap parameters for automated tests only. Never use for a real vault."""
    return KdfParams(
        memory_kib=64, iterations=1, lanes=1, salt=os.urandom(SALT_LENGTH), insecure=True
    )


def calibrate(target_seconds: float = 0.5) -> KdfParams:
    """Raise cost above the floor until one derivation takes about target_seconds here."""
    params = default_params()
    elapsed = _time_derivation(params)
    while elapsed < target_seconds * 0.6:
        if params.memory_kib < 256 * 1024:
            bigger = KdfParams(params.memory_kib * 2, params.iterations, LANES, params.salt)
        elif params.iterations < 10:
            bigger = KdfParams(params.memory_kib, params.iterations + 1, LANES, params.salt)
        elif params.memory_kib < MAX_MEMORY_KIB:
            bigger = KdfParams(params.memory_kib * 2, params.iterations, LANES, params.salt)
        else:
            break
        if bigger.work_kib > MAX_WORK_KIB:
            break
        scale = bigger.work_kib / params.work_kib
        if elapsed * scale > target_seconds * 1.4:
            break
        params = bigger
        elapsed = _time_derivation(params)
    return params.with_new_salt()


def _time_derivation(params: KdfParams) -> float:
    start = time.perf_counter()
    derive_kek("calibration", params)
    return time.perf_counter() - start


def kdf_params_for_new_secret() -> KdfParams:
    """Calibrated parameters, or the test profile when SAFELOG_INSECURE_TEST_KDF=1.

    The test profile is marked insecure inside the authenticated header, so a vault made
    with it says so for ever.
    """
    if os.environ.get("SAFELOG_INSECURE_TEST_KDF") == "1":
        return insecure_test_params()
    return calibrate()
