"""Secrets sealed under a passphrase: an authenticated header, then AES-256-GCM.

Format (all integers big-endian):
    b"SLSEAL1" | u16 header length | header (canonical JSON: kdf params, purpose) |
    12-byte nonce | ciphertext with 16-byte tag
The associated data is everything before the nonce, so the KDF parameters and the
purpose cannot be changed without the seal failing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safelog.crypto.encoding import canonical_json
from safelog.crypto.kdf import KdfParams, derive_kek

MAGIC = b"SLSEAL1"
NONCE_LENGTH = 12


class SealBroken(Exception):
    """Wrong passphrase, or the sealed bytes were altered. The two cannot be told apart."""


class SealMalformed(Exception):
    """The sealed blob does not even parse: damaged storage."""


@dataclass(frozen=True)
class SealedHeader:
    params: KdfParams
    purpose: str


def parse_header(blob: bytes) -> tuple[SealedHeader, bytes, bytes]:
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 2:
        raise SealMalformed("not a sealed SafeLog secret")
    header_length = int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 2], "big")
    header_end = len(MAGIC) + 2 + header_length
    if len(blob) < header_end + NONCE_LENGTH + 16:
        raise SealMalformed("sealed secret is truncated")
    try:
        header = json.loads(blob[len(MAGIC) + 2 : header_end].decode("utf-8"))
        parsed = SealedHeader(KdfParams.from_dict(header["kdf"]), str(header["purpose"]))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise SealMalformed("sealed secret header is damaged") from exc
    return parsed, blob[:header_end], blob[header_end:]


def seal_with_key(kek: bytes, params: KdfParams, purpose: str, secret: bytes) -> bytes:
    header = canonical_json({"kdf": params.to_dict(), "purpose": purpose})
    aad = MAGIC + len(header).to_bytes(2, "big") + header
    nonce = os.urandom(NONCE_LENGTH)
    return aad + nonce + AESGCM(kek).encrypt(nonce, secret, aad)


def seal(passphrase: str, params: KdfParams, purpose: str, secret: bytes) -> bytes:
    return seal_with_key(derive_kek(passphrase, params), params, purpose, secret)


def unseal_with_key(kek: bytes, blob: bytes, purpose: str) -> bytes:
    header, aad, rest = parse_header(blob)
    if header.purpose != purpose:
        raise SealBroken("sealed secret belongs to something else")
    try:
        return AESGCM(kek).decrypt(rest[:NONCE_LENGTH], rest[NONCE_LENGTH:], aad)
    except InvalidTag as exc:
        raise SealBroken("seal did not open") from exc


def kek_for(passphrase: str, blob: bytes) -> bytes:
    """Derive the key a sealed blob was made with, from its (authenticated) header."""
    header, _, _ = parse_header(blob)
    try:
        return derive_kek(passphrase, header.params)
    except (ValueError, OverflowError) as exc:
        # Parameters Argon2id cannot use: the header was damaged (the tag would fail anyway).
        raise SealMalformed("sealed secret header has unusable parameters") from exc


def unseal(passphrase: str, blob: bytes, purpose: str) -> tuple[bytes, bytes]:
    """Return (secret, kek). The KEK is returned so a session can reseal without re-deriving."""
    kek = kek_for(passphrase, blob)
    return unseal_with_key(kek, blob, purpose), kek
