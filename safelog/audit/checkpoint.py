"""Checkpoints kept outside the database: how far this user, on this device, has seen the
audit log and the membership log.

At unlock the client checks that both logs still extend the checkpoint it last saw, so a
database rolled back to an older copy, forked or rewritten is detected. Each checkpoint is
kept twice: in the user's sealed profile in the data directory, and in the user's state
directory outside it (DESIGN §3.5), so restoring an old copy of the whole data directory,
profiles included, is noticed too. The newer of the two counts.
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
    membership_seq: int = 0
    membership_hash: bytes = b""


class ProfileDamaged(Exception):
    pass


def profile_path(data_dir: Path, vault_id: str, user_id: str) -> Path:
    return data_dir / "profiles" / f"{vault_id}-{user_id}.profile"


def outside_path(vault_id: str, user_id: str) -> Path:
    """The copy outside the data directory: the user's state directory."""
    import platformdirs

    folder = platformdirs.user_state_path("SafeLog", appauthor=False) / "checkpoints"
    return folder / f"{vault_id}-{user_id}.checkpoint"


def paths(data_dir: Path, vault_id: str, user_id: str) -> tuple[Path, Path]:
    return profile_path(data_dir, vault_id, user_id), outside_path(vault_id, user_id)


def load(path: Path, profile_key: bytes, user_id: str) -> Checkpoint | None:
    if not path.exists():
        return None
    try:
        raw = Cipher(profile_key).open(path.read_bytes(), binding("profile", user_id))
        data = json.loads(raw)
        return Checkpoint(
            int(data["seq"]),
            bytes.fromhex(data["hash"]),
            int(data.get("membership_seq", 0)),
            bytes.fromhex(data.get("membership_hash", "")),
        )
    except (DecryptionFailed, ValueError, KeyError) as exc:
        raise ProfileDamaged("this device's record of the audit log is damaged") from exc


def load_latest(
    data_dir: Path, vault_id: str, user_id: str, profile_key: bytes
) -> Checkpoint | None:
    """The newer of the two copies (by how far each has seen the logs)."""
    found = [
        c
        for c in (load(p, profile_key, user_id) for p in paths(data_dir, vault_id, user_id))
        if c is not None
    ]
    if not found:
        return None
    return max(found, key=lambda c: (c.seq, c.membership_seq))


def save(path: Path, profile_key: bytes, user_id: str, checkpoint: Checkpoint) -> None:
    body = canonical_json(
        {
            "seq": checkpoint.seq,
            "hash": checkpoint.entry_hash.hex(),
            "membership_seq": checkpoint.membership_seq,
            "membership_hash": checkpoint.membership_hash.hex(),
        }
    )
    write_private_file(path, Cipher(profile_key).seal(body, binding("profile", user_id)))


def save_both(
    data_dir: Path, vault_id: str, user_id: str, profile_key: bytes, checkpoint: Checkpoint
) -> None:
    for path in paths(data_dir, vault_id, user_id):
        save(path, profile_key, user_id, checkpoint)
