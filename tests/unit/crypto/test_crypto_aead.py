"""Field encryption (b"\\x01" | 12-byte nonce | AES-256-GCM ciphertext and tag) and the
associated data built by `binding`: a pinned ciphertext opens only where it belongs.

vectors/aead.json is the source of truth; running this file as a script rewrites it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safelog.crypto.aead import Cipher, DecryptionFailed, binding, new_key

VECTORS = Path(__file__).parent / "vectors" / "aead.json"
CASE_ID = "0b6f5a8e-2f4c-4c1e-9a53-7d1e8f0a1b2c"


def generate() -> dict[str, Any]:
    key = bytes(range(32, 64))
    parts: list[str | int] = [CASE_ID, 3, "summary"]
    aad = binding("case-field", *parts)
    plaintext = "Comments under a video, reported by a pupil — «verbatim»".encode()
    return {
        "key": key.hex(),
        "kind": "case-field",
        "parts": parts,
        "aad": aad.hex(),
        "plaintext": plaintext.hex(),
        "blob": Cipher(key).seal(plaintext, aad).hex(),
        "empty_blob": Cipher(key).seal(b"", aad).hex(),
    }


# Run as a script, the module regenerates the vectors; under pytest it reads the committed ones.
V = generate() if __name__ == "__main__" else json.loads(VECTORS.read_text("utf-8"))
KEY = bytes.fromhex(V["key"])
BLOB = bytes.fromhex(V["blob"])
AAD = binding(V["kind"], *V["parts"])


def test_binding_is_pinned() -> None:
    assert AAD.hex() == V["aad"]
    assert AAD.startswith(len(b"safelog/v1").to_bytes(4, "big") + b"safelog/v1")


def test_pinned_ciphertext_opens() -> None:
    assert Cipher(KEY).open(BLOB, AAD).hex() == V["plaintext"]
    assert Cipher(KEY).open(bytes.fromhex(V["empty_blob"]), AAD) == b""


def test_format_byte_and_length() -> None:
    assert BLOB[:1] == b"\x01"
    assert len(BLOB) == 1 + 12 + len(bytes.fromhex(V["plaintext"])) + 16
    assert len(bytes.fromhex(V["empty_blob"])) == 1 + 12 + 16


@pytest.mark.parametrize(
    "kind_and_parts",
    [
        ("case-field", CASE_ID, 4, "summary"),  # another version
        ("case-field", CASE_ID, 3, "description"),  # another column
        ("case-field", CASE_ID.replace("0b", "0c"), 3, "summary"),  # another case
        ("case-summary", CASE_ID, 3, "summary"),  # another kind of ciphertext
        ("case-field", CASE_ID, "3", "summary", ""),  # an extra (empty) part
        ("case-field", CASE_ID + "3", "summary"),  # the same characters, other boundaries
    ],
    ids=["version", "field", "case", "kind", "extra-part", "boundaries"],
)
def test_moved_ciphertext_does_not_open(kind_and_parts: tuple[Any, ...]) -> None:
    other = binding(*kind_and_parts)
    assert other != AAD
    with pytest.raises(DecryptionFailed):
        Cipher(KEY).open(BLOB, other)


def test_int_and_str_parts_bind_the_same() -> None:
    # Parts are text in the AAD: version 3 and "3" are the same place.
    assert binding("case-field", CASE_ID, "3", "summary") == AAD


def test_binding_is_unambiguous() -> None:
    assert binding("k", "ab", "c") != binding("k", "a", "bc")
    assert binding("ka", "b") != binding("k", "ab")
    assert binding("k") != binding("k", "")


def test_wrong_key_does_not_open() -> None:
    with pytest.raises(DecryptionFailed):
        Cipher(bytes(32)).open(BLOB, AAD)


@pytest.mark.parametrize("index", [1, 12, 13, -1], ids=["nonce", "nonce-end", "body", "tag"])
def test_flipped_bit_does_not_open(index: int) -> None:
    damaged = bytearray(BLOB)
    damaged[index] ^= 0x80
    with pytest.raises(DecryptionFailed):
        Cipher(KEY).open(bytes(damaged), AAD)


@pytest.mark.parametrize(
    "blob",
    [b"", b"\x01", BLOB[:28], b"\x02" + BLOB[1:], b"\x00" + BLOB[1:]],
    ids=["empty", "format-only", "too-short", "format-2", "format-0"],
)
def test_malformed_or_unknown_format(blob: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        Cipher(KEY).open(blob, AAD)


def test_seal_round_trip_with_fresh_nonces() -> None:
    key = new_key()
    assert len(key) == 32 and key != new_key()
    cipher = Cipher(key)
    first, second = cipher.seal(b"text", AAD), cipher.seal(b"text", AAD)
    assert first != second and first[1:13] != second[1:13]
    assert cipher.open(first, AAD) == cipher.open(second, AAD) == b"text"


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(V, indent=2) + "\n", "utf-8")
