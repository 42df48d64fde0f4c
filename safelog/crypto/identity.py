"""A person's key set: X25519 (receive keys), Ed25519 (sign records), ECDSA P-256 (sign PDFs).

Serialised as canonical JSON of raw/DER key bytes, then sealed under the passphrase.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from safelog.crypto.encoding import b64, canonical_json, unb64

_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw
_NO_ENC = serialization.NoEncryption()


def x25519_public_bytes(key: X25519PublicKey) -> bytes:
    return key.public_bytes(_RAW, _RAW_PUB)


def x25519_private_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(_RAW, _RAW_PRIV, _NO_ENC)


def ed25519_public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(_RAW, _RAW_PUB)


def ecdsa_public_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@functools.lru_cache(maxsize=1024)
def _ed25519_public(public_raw: bytes) -> Ed25519PublicKey:
    # Verifying a long audit log checks thousands of signatures by a handful of people.
    return Ed25519PublicKey.from_public_bytes(public_raw)


def verify_ed25519(public_raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        _ed25519_public(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_ecdsa(public_der: bytes, signature: bytes, message: bytes) -> bool:
    try:
        key = serialization.load_der_public_key(public_der)
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return False
        key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class Identity:
    """Private keys of one person (or of the school CA), held only while unlocked."""

    x25519: X25519PrivateKey
    ed25519: Ed25519PrivateKey
    ecdsa: ec.EllipticCurvePrivateKey
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def generate(cls) -> Identity:
        return cls(
            X25519PrivateKey.generate(),
            Ed25519PrivateKey.generate(),
            ec.generate_private_key(ec.SECP256R1()),
        )

    def public(self) -> dict[str, str]:
        return {
            "x25519": b64(x25519_public_bytes(self.x25519.public_key())),
            "ed25519": b64(ed25519_public_bytes(self.ed25519.public_key())),
            "ecdsa": b64(ecdsa_public_der(self.ecdsa.public_key())),
        }

    def sign(self, message: bytes) -> bytes:
        return self.ed25519.sign(message)

    def sign_ecdsa(self, message: bytes) -> bytes:
        return self.ecdsa.sign(message, ec.ECDSA(hashes.SHA256()))

    def to_bytes(self) -> bytes:
        return canonical_json(
            {
                "x25519": b64(x25519_private_bytes(self.x25519)),
                "ed25519": b64(self.ed25519.private_bytes(_RAW, _RAW_PRIV, _NO_ENC)),
                "ecdsa": b64(
                    self.ecdsa.private_bytes(
                        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, _NO_ENC
                    )
                ),
                "extra": self.extra,
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Identity:
        raw = json.loads(data)
        ecdsa_key = serialization.load_der_private_key(unb64(raw["ecdsa"]), password=None)
        if not isinstance(ecdsa_key, ec.EllipticCurvePrivateKey):
            raise ValueError("signing key is not ECDSA")
        return cls(
            X25519PrivateKey.from_private_bytes(unb64(raw["x25519"])),
            Ed25519PrivateKey.from_private_bytes(unb64(raw["ed25519"])),
            ecdsa_key,
            dict(raw.get("extra", {})),
        )
