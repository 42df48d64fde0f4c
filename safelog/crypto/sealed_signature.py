"""Who signed something, sealed with the key of what they signed (DESIGN §3.5, least
metadata).

An Ed25519 signature in the clear names its signer to anyone holding the public directory:
they try every person's key. So what is written under a case's first key (a report, and
anything added before someone who manages cases opens it) keeps its author, its signature
and (for versions and evidence) its signed statement inside one AES-GCM ciphertext under
that key. Only the case's readers (and the reporter, who holds the first key) can open it,
and they check the signature as before; a copy of the database shows neither who wrote it
nor who sent the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from safelog.crypto.aead import Cipher, DecryptionFailed
from safelog.crypto.encoding import b64, canonical_json, unb64

# The audit actor column of an entry whose actor is sealed (a user id is a UUID).
SEALED_ACTOR = "sealed"


@dataclass(frozen=True)
class SealedSignature:
    author_id: str
    signature: bytes
    statement: bytes  # b"" where the signed bytes are stored in the clear beside it


def seal_signature(
    cipher: Cipher, aad: bytes, author_id: str, signature: bytes, statement: bytes = b""
) -> bytes:
    body = {"author": author_id, "signature": b64(signature)}
    if statement:
        body["statement"] = b64(statement)
    return cipher.seal(canonical_json(body), aad)


def open_signature(cipher: Cipher, blob: bytes, aad: bytes) -> SealedSignature:
    """The sealed author, signature and statement; DecryptionFailed when the blob is damaged,
    moved from elsewhere, or not of this shape."""
    try:
        body = json.loads(cipher.open(blob, aad))
        author, signature = body["author"], unb64(body["signature"])
        statement = unb64(body["statement"]) if "statement" in body else b""
    except DecryptionFailed:
        raise
    except (ValueError, KeyError, TypeError):
        raise DecryptionFailed("not a sealed signature") from None
    if not isinstance(author, str):
        raise DecryptionFailed("not a sealed signature")
    return SealedSignature(author, signature, statement)
