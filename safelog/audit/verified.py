"""What this device has already verified of the audit log (DESIGN §7: sign-in checks only
what is new, as checkpoints already let it skip the signatures it checked before).

After sign-in has verified the log and compared what it names with the database, it keeps,
sealed with the user's profile key like the checkpoints (audit/checkpoint.py):

    seq, entry_hash   the last entry verified
    digest            a ContentDigest of entries 1..seq exactly as they were stored
    manifest          what those entries name (DESIGN §3.5 "nothing quietly missing")

At the next sign-in, entries 1..seq are read back as stored and digested again. Only when
the digests are equal (the rows are the very rows verified: nothing changed, added or taken
away) does the device carry the manifest on from there and verify just the entries after
`seq`. A file that is missing, damaged, edited, sealed for another user, vault or version
of SafeLog, or whose digest differs from the rows now in the database is ignored: the log
is then verified as it would be with no such file, and a tampered entry is reported exactly
as before. A database writer cannot make a digest match rows they changed (SHA-256), and
cannot seal a file of their own (AES-GCM under a key only the user's passphrase opens).

The checkpoints, not this file, detect a database rolled back or forked: it is kept only in
the data directory, and using it always needs a checkpoint as well.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from safelog import __version__
from safelog.audit.log import ContentDigest, Manifest, content_rows
from safelog.crypto.aead import Cipher, DecryptionFailed, binding
from safelog.store.files import write_private_file

FORMAT = 1


@dataclass(frozen=True)
class VerifiedAudit:
    seq: int
    entry_hash: bytes
    digest: bytes
    manifest: Manifest


def path(data_dir: Path, vault_id: str, user_id: str) -> Path:
    return data_dir / "profiles" / f"{vault_id}-{user_id}.verified"


def _aad(vault_id: str, user_id: str) -> bytes:
    # Bound to this version of SafeLog too: another may read the log by other rules.
    return binding("verified-audit", __version__, vault_id, user_id)


def load(data_dir: Path, vault_id: str, user_id: str, profile_key: bytes) -> VerifiedAudit | None:
    """The sealed record, or None when there is none or it cannot be used as it is."""
    try:
        blob = path(data_dir, vault_id, user_id).read_bytes()
    except OSError:
        return None
    try:
        data = json.loads(Cipher(profile_key).open(blob, _aad(vault_id, user_id)))
        if data["format"] != FORMAT:
            return None
        manifest = data["manifest"]
        found = VerifiedAudit(
            seq=int(data["seq"]),
            entry_hash=bytes.fromhex(data["hash"]),
            digest=bytes.fromhex(data["digest"]),
            manifest=Manifest(
                dict(manifest["versions"]), dict(manifest["evidence"]), int(manifest["highest"])
            ),
        )
    except (DecryptionFailed, ValueError, KeyError, TypeError):
        return None
    return found if found.seq > 0 and len(found.digest) == 32 else None


def unchanged(conn: Connection, verified: VerifiedAudit) -> ContentDigest | None:
    """The digest of entries 1..verified.seq as the database holds them now, to carry on
    with the entries after them, if they are exactly the rows that were verified; None if
    anything in them changed, was added or was taken away."""
    digest = ContentDigest()
    count = digest.update(content_rows(conn, until=verified.seq))
    if count != verified.seq or digest.digest() != verified.digest:
        return None
    return digest


def save(
    data_dir: Path, vault_id: str, user_id: str, profile_key: bytes, verified: VerifiedAudit
) -> None:
    body = json.dumps(
        {
            "format": FORMAT,
            "seq": verified.seq,
            "hash": verified.entry_hash.hex(),
            "digest": verified.digest.hex(),
            "manifest": {
                "versions": verified.manifest.versions,
                "evidence": verified.manifest.evidence,
                "highest": verified.manifest.highest,
            },
        },
        separators=(",", ":"),
    ).encode("utf-8")
    sealed = Cipher(profile_key).seal(body, _aad(vault_id, user_id))
    write_private_file(path(data_dir, vault_id, user_id), sealed)
