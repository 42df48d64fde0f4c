"""Key wrapping with HPKE (X25519 / HKDF-SHA256 / AES-256-GCM, base mode, context in info):
a pinned ciphertext made for a fixed private key opens only with the right context.

vectors/wrap.json is the source of truth; running this file as a script rewrites it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from safelog.crypto.aead import DecryptionFailed
from safelog.crypto.identity import x25519_public_bytes
from safelog.crypto.wrap import unwrap, wrap

VECTORS = Path(__file__).parent / "vectors" / "wrap.json"


def generate() -> dict[str, Any]:
    private = X25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
    secret = bytes(range(200, 232))
    context = "case-dek:0b6f5a8e-2f4c-4c1e-9a53-7d1e8f0a1b2c:1:role:dsl:1"
    return {
        "private_key": bytes(range(64, 96)).hex(),
        "public_key": x25519_public_bytes(private.public_key()).hex(),
        "context": context,
        "secret": secret.hex(),
        "blob": wrap(secret, private.public_key(), context).hex(),
    }


# Run as a script, the module regenerates the vectors; under pytest it reads the committed ones.
V = generate() if __name__ == "__main__" else json.loads(VECTORS.read_text("utf-8"))
PRIVATE = X25519PrivateKey.from_private_bytes(bytes.fromhex(V["private_key"]))
BLOB = bytes.fromhex(V["blob"])


def test_fixed_key_has_pinned_public_key() -> None:
    assert x25519_public_bytes(PRIVATE.public_key()).hex() == V["public_key"]


def test_pinned_ciphertext_unwraps() -> None:
    assert unwrap(BLOB, PRIVATE, V["context"]).hex() == V["secret"]


def test_layout_is_encapsulated_key_then_aead() -> None:
    # DHKEM(X25519) encapsulated key (32 bytes), then ciphertext and 16-byte tag.
    assert len(BLOB) == 32 + len(bytes.fromhex(V["secret"])) + 16


@pytest.mark.parametrize(
    "context",
    [
        "case-dek:0b6f5a8e-2f4c-4c1e-9a53-7d1e8f0a1b2c:1:role:leadership:1",
        "case-dek:0b6f5a8e-2f4c-4c1e-9a53-7d1e8f0a1b2c:2:role:dsl:1",
        "",
        "case-dek:0b6f5a8e-2f4c-4c1e-9a53-7d1e8f0a1b2c:1:role:dsl:1 ",
    ],
)
def test_other_context_does_not_unwrap(context: str) -> None:
    with pytest.raises(DecryptionFailed):
        unwrap(BLOB, PRIVATE, context)


def test_other_private_key_does_not_unwrap() -> None:
    with pytest.raises(DecryptionFailed):
        unwrap(BLOB, X25519PrivateKey.generate(), V["context"])


@pytest.mark.parametrize(
    "blob",
    [
        BLOB[:-1],
        BLOB[:32],
        b"",
        bytes([BLOB[0] ^ 1]) + BLOB[1:],
        BLOB[:40] + bytes([BLOB[40] ^ 1]) + BLOB[41:],
    ],
    ids=["short-tag", "enc-only", "empty", "enc-flipped", "body-flipped"],
)
def test_damaged_blob_does_not_unwrap(blob: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        unwrap(blob, PRIVATE, V["context"])


def test_wrap_round_trip_is_randomised() -> None:
    first = wrap(b"k" * 32, PRIVATE.public_key(), "ctx")
    second = wrap(b"k" * 32, PRIVATE.public_key(), "ctx")
    assert first != second
    assert unwrap(first, PRIVATE, "ctx") == unwrap(second, PRIVATE, "ctx") == b"k" * 32


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(V, indent=2) + "\n", "utf-8")
