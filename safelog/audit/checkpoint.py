"""Checkpoints kept outside the database, in each user's sealed profile on each device.

At unlock the client checks that the log still extends the checkpoint it last saw, so a
database rolled back to an older copy, forked or rewritten is detected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from safelog.crypto.aead import Cipher, DecryptionFailed, binding
from safelog.crypto.encoding import canonical_json
from safelog.store.files import write_private_file


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: bytes


class ProfileDamaged(Exception):
    pass


def profile_path(data_dir: Path, vault_id: str, user_id: str) -> Path:
    return data_dir / "profiles" / f"{vault_id}-{user_id}.profile"


def load(path: Path, profile_key: bytes, user_id: str) -> Checkpoint | None:
    if not path.exists():
        return None
    try:
        raw = Cipher(profile_key).open(path.read_bytes(), binding("profile", user_id))
        data = json.loads(raw)
        return Checkpoint(int(data["seq"]), bytes.fromhex(data["hash"]))
    except (DecryptionFailed, ValueError, KeyError) as exc:
        raise ProfileDamaged("this device's record of the audit log is damaged") from exc


def save(path: Path, profile_key: bytes, user_id: str, checkpoint: Checkpoint) -> None:
    body = canonical_json({"seq": checkpoint.seq, "hash": checkpoint.entry_hash.hex()})
    write_private_file(path, Cipher(profile_key).seal(body, binding("profile", user_id)))
