"""Blinded names for the key slots of a reader group (DESIGN §3.5, least metadata).

A slot used to be named in the clear ("role:governors:1", "user:<id>"), so a copy of the
database told who could read each case, and with it which cases were about the headteacher.
Now a slot is named by a tag that only its maker and its recipient can compute: an HMAC of
the recipient's label under a key both derive from X25519 between the maker's key and the
recipient's (either side of the exchange gives the same secret). Someone with the database
alone sees random tags.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"safelog/v1/slot-tag/"


def tag_key(own: X25519PrivateKey, peer_public: bytes, vault_id: str) -> bytes:
    """The key for tags between `own` and the holder of `peer_public` (the same from both
    sides). Worth caching: one X25519 each."""
    shared = own.exchange(X25519PublicKey.from_public_bytes(peer_public))
    return HKDF(hashes.SHA256(), 32, salt=None, info=_INFO + vault_id.encode()).derive(shared)


def slot_tag(key: bytes, label: str) -> str:
    """The tag naming the slot for `label` ("role:dsl:3", "user:<id>") under a tag key."""
    return hmac.digest(key, label.encode("utf-8"), hashlib.sha256).hex()


# Every reader group has a multiple of this many slots, made up with decoys: otherwise the
# number of slots would tell a reader which groups they are left out of (a group of two they
# cannot open, in a school with one DSL, is the DSL and the governors: a concern about the
# headteacher).
SLOT_MULTIPLE = 4


def padded_count(real: int) -> int:
    return max(SLOT_MULTIPLE, -(-real // SLOT_MULTIPLE) * SLOT_MULTIPLE)


def decoy_slot(wrapped_size: int) -> tuple[str, bytes]:
    """A slot no key opens, shaped like a real one (a random tag and random bytes)."""
    return os.urandom(32).hex(), os.urandom(wrapped_size)
