"""Field encryption: AES-256-GCM with a random 96-bit nonce and bound associated data.

Ciphertext format: b"\x01" | 12-byte nonce | ciphertext | 16-byte tag. The associated data
names where the ciphertext belongs (case id, version, field), so it cannot be moved
between rows or columns without failing to open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safelog.crypto.encoding import length_prefixed

FORMAT_VERSION = b"\x01"
NONCE_LENGTH = 12
KEY_LENGTH = 32


class DecryptionFailed(Exception):
    """Ciphertext did not authenticate: damaged, altered, moved or the wrong key."""


def new_key() -> bytes:
    return os.urandom(KEY_LENGTH)


def binding(kind: str, *parts: str | int) -> bytes:
    """Associated data naming exactly where a ciphertext belongs."""
    return length_prefixed(b"safelog/v1", kind.encode(), *(str(p).encode("utf-8") for p in parts))


class Cipher:
    """AES-256-GCM under one key; create once per key and reuse (construction is not free)."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_LENGTH)
        return FORMAT_VERSION + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < 1 + NONCE_LENGTH + 16 or blob[:1] != FORMAT_VERSION:
            raise DecryptionFailed("malformed ciphertext")
        try:
            return self._aead.decrypt(blob[1 : 1 + NONCE_LENGTH], blob[1 + NONCE_LENGTH :], aad)
        except InvalidTag as exc:
            raise DecryptionFailed("ciphertext did not authenticate") from exc
