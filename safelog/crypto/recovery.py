"""Printable recovery keys: 32 random bytes + a 2-byte checksum in Crockford base32.

Printed as 11 groups of 5 characters. Reading forgives case, spaces, dashes and the
look-alikes O/0 and I/L/1, and a typo is caught by the checksum before any key is tried.
From the secret we derive an X25519 key (role keys are escrowed to it) and an Ed25519
key (to sign what is done with it), so escrow never needs the secret itself.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SECRET_LENGTH = 32
CHECKSUM_LENGTH = 2
GROUP = 5
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


class RecoveryKeyInvalid(ValueError):
    pass


def _checksum(secret: bytes) -> bytes:
    return hashlib.sha256(b"safelog recovery key" + secret).digest()[:CHECKSUM_LENGTH]


def _to_base32(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    bits = len(data) * 8
    chars = (bits + 4) // 5
    number <<= chars * 5 - bits
    return "".join(ALPHABET[(number >> (5 * (chars - 1 - i))) & 31] for i in range(chars))


def _from_base32(text: str, length: int) -> bytes:
    number = 0
    for char in text:
        index = ALPHABET.find(char)
        if index < 0:
            raise RecoveryKeyInvalid(f"'{char}' is not a character used in recovery keys")
        number = (number << 5) | index
    extra = len(text) * 5 - length * 8
    if extra < 0 or extra >= 5:
        expected = (length * 8 + 4) // 5
        raise RecoveryKeyInvalid(f"this key should have {expected} characters but has {len(text)}")
    if number & ((1 << extra) - 1):
        raise RecoveryKeyInvalid(
            "there is a typo in it; check each group of letters and numbers again"
        )
    return (number >> extra).to_bytes(length, "big")


def new_secret() -> bytes:
    return os.urandom(SECRET_LENGTH)


def format_key(secret: bytes, group: int = GROUP) -> str:
    """Secret plus checksum in groups; also used for one-time enrolment codes."""
    text = _to_base32(secret + _checksum(secret))
    return "-".join(text[i : i + group] for i in range(0, len(text), group))


def parse_key(text: str, length: int = SECRET_LENGTH) -> bytes:
    cleaned = "".join(c for c in text.upper() if c not in " -\t\r\n").translate(_LOOKALIKES)
    data = _from_base32(cleaned, length + CHECKSUM_LENGTH)
    secret, checksum = data[:length], data[length:]
    if _checksum(secret) != checksum:
        raise RecoveryKeyInvalid(
            "there is a typo in it; check each group of letters and numbers again"
        )
    return secret


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"safelog/v1/recovery/" + label).derive(secret)


def recovery_x25519(secret: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_derive(secret, b"x25519"))


def recovery_ed25519(secret: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_derive(secret, b"ed25519"))
