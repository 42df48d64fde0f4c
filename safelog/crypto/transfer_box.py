"""The sealed file format of a child protection file transfer (`.sltransfer`), and the
receiving school's transfer key as a PEM file.

A transfer file, version 1:

    magic   b"SLTRANSFER\\x01"
    header  4-byte big-endian length, then canonical JSON:
            {"format": "safelog-transfer/1", "id": transfer id, "to": SHA-256 (hex) of the
             recipient's raw X25519 public key}
    body    HPKE base mode, single shot (RFC 9180): DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
            AES-256-GCM, to the recipient's transfer key; info = b"safelog/v1/transfer/" +
            SHA-256(magic + header), so a changed header does not open either. The output
            is the encapsulated key followed by the AEAD ciphertext.

The plaintext is a list of named parts (`pack_parts`): a 4-byte count, then for each part a
2-byte name length, the UTF-8 name, an 8-byte data length and the data. What the parts mean
(a signed manifest naming each part's SHA-256) is the vault's business
(vault/transfer_file.py); this module only seals and opens bytes.

The transfer key file is the X25519 public key as a standard "PUBLIC KEY" PEM block, after
a few lines of words for people (the school's name, the fingerprint); the words are not
trusted: the fingerprint read over the telephone is what ties the key to the school.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from safelog.crypto.encoding import canonical_json
from safelog.crypto.identity import x25519_public_bytes

MAGIC = b"SLTRANSFER\x01"
FORMAT = "safelog-transfer/1"
_INFO = b"safelog/v1/transfer/"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_MAX_HEADER = 4096
_MAX_PARTS = 100_000
_PEM = re.compile(rb"-----BEGIN PUBLIC KEY-----\r?\n.+?-----END PUBLIC KEY-----", re.DOTALL)


class NotATransfer(ValueError):
    """The bytes are not a transfer file (or its header is damaged)."""


class SealBroken(ValueError):
    """The body did not open with this key: changed, cut short or for another key."""


def key_fingerprint(public: X25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: what a file's header names."""
    return hashlib.sha256(x25519_public_bytes(public)).hexdigest()


def seal_transfer(transfer_id: str, recipient: X25519PublicKey, plaintext: bytes) -> bytes:
    header = canonical_json({"format": FORMAT, "id": transfer_id, "to": key_fingerprint(recipient)})
    framed = MAGIC + len(header).to_bytes(4, "big") + header
    info = _INFO + hashlib.sha256(framed).digest()
    return framed + _SUITE.encrypt(plaintext, recipient, info=info)


def read_header(data: bytes) -> tuple[dict[str, Any], int]:
    """The header of a transfer file and where its body starts; NotATransfer otherwise."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise NotATransfer("not a SafeLog transfer file")
    length = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "big")
    start = len(MAGIC) + 4
    if length > _MAX_HEADER or len(data) < start + length:
        raise NotATransfer("the header is damaged")
    try:
        header = json.loads(data[start : start + length])
    except ValueError:
        raise NotATransfer("the header is damaged") from None
    if (
        not isinstance(header, dict)
        or header.get("format") != FORMAT
        or not isinstance(header.get("id"), str)
        or not isinstance(header.get("to"), str)
    ):
        raise NotATransfer("the header is damaged or from a newer SafeLog")
    return header, start + length


def open_transfer(data: bytes, private: X25519PrivateKey) -> bytes:
    _, body_at = read_header(data)
    info = _INFO + hashlib.sha256(data[:body_at]).digest()
    try:
        return _SUITE.decrypt(data[body_at:], private, info=info)
    except Exception as exc:  # InvalidTag or ValueError for any bad input
        raise SealBroken("the file did not open") from exc


def pack_parts(parts: list[tuple[str, bytes]]) -> bytes:
    out = bytearray(len(parts).to_bytes(4, "big"))
    for name, data in parts:
        raw = name.encode("utf-8")
        out += len(raw).to_bytes(2, "big") + raw + len(data).to_bytes(8, "big") + data
    return bytes(out)


def unpack_parts(data: bytes) -> dict[str, bytes]:
    """The named parts, in a dict; ValueError for anything malformed (a name twice, a
    length past the end, bytes left over)."""
    view = memoryview(data)
    if len(view) < 4:
        raise ValueError("too short")
    count = int.from_bytes(view[:4], "big")
    if count > _MAX_PARTS:
        raise ValueError("too many parts")
    at = 4
    parts: dict[str, bytes] = {}
    for _ in range(count):
        if at + 2 > len(view):
            raise ValueError("cut short")
        size = int.from_bytes(view[at : at + 2], "big")
        name = bytes(view[at + 2 : at + 2 + size]).decode("utf-8")
        at += 2 + size
        if at + 8 > len(view):
            raise ValueError("cut short")
        length = int.from_bytes(view[at : at + 8], "big")
        at += 8
        if at + length > len(view) or name in parts:
            raise ValueError("malformed part")
        parts[name] = bytes(view[at : at + length])
        at += length
    if at != len(view):
        raise ValueError("bytes after the last part")
    return parts


def public_key_pem(public: X25519PublicKey, words: str) -> bytes:
    """The key file: lines for people, then the PEM block."""
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return words.encode("utf-8") + b"\n\n" + pem


def load_public_key_pem(data: bytes) -> tuple[X25519PublicKey, str]:
    """The key in a key file and the words before it; ValueError when there is none."""
    found = _PEM.search(data)
    if found is None:
        raise ValueError("no public key")
    key = serialization.load_pem_public_key(found.group(0))
    if not isinstance(key, X25519PublicKey):
        raise ValueError("not a transfer key")
    return key, data[: found.start()].decode("utf-8", "replace").strip()
