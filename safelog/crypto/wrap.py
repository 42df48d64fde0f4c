"""Key wrapping to an X25519 public key with HPKE (RFC 9180).

Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, base mode. The context
(what is wrapped, for whom) goes into `info`, so a wrapped key cannot be replayed into
another slot.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from safelog.crypto.aead import DecryptionFailed

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_INFO_PREFIX = b"safelog/v1/wrap/"


def wrap(secret: bytes, recipient: X25519PublicKey, context: str) -> bytes:
    return _SUITE.encrypt(secret, recipient, info=_INFO_PREFIX + context.encode("utf-8"))


def unwrap(blob: bytes, private_key: X25519PrivateKey, context: str) -> bytes:
    try:
        return _SUITE.decrypt(blob, private_key, info=_INFO_PREFIX + context.encode("utf-8"))
    except Exception as exc:  # cryptography raises InvalidTag or ValueError for bad input
        raise DecryptionFailed("wrapped key did not open") from exc
