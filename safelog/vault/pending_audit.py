"""What happened to a vault while nobody was signed in to sign it: a restore from a backup,
a backup made from the command line (both need no passphrase). Each is noted in the data
directory and becomes a signed audit entry at the next sign-in, like a failed unlock. The
notes hold no record content: file names, times, sizes and SHA-256."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from safelog.store.files import write_private_file

FOLDER = "pending-audit"
ALLOWED = ("backup.made", "backup.restored")


@dataclass(frozen=True)
class Note:
    path: Path
    action: str
    details: dict[str, Any]


def add_note(data_dir: Path, action: str, details: dict[str, Any], at: str) -> None:
    if action not in ALLOWED:
        raise ValueError(action)
    name = f"{at.replace(':', '')}-{secrets.token_hex(4)}.json"
    body = json.dumps({"action": action, "at": at, "details": details}).encode()
    write_private_file(data_dir / FOLDER / name, body)


def notes(data_dir: Path) -> list[Note]:
    """The notes waiting, oldest first. One that is not readable is left out (and kept)."""
    folder = data_dir / FOLDER
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
            action = str(data["action"])
            details = {**dict(data["details"]), "noted_at": str(data["at"])}
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if action in ALLOWED:
            found.append(Note(path, action, details))
    return found


def record(session: Any, conn: Connection) -> list[Note]:
    """Audit each waiting note in `conn` (a sign-in's write); `forget` them once committed."""
    waiting = notes(session.data_dir)
    for note in waiting:
        session.audit(conn, note.action, note.details)
    return waiting


def forget(done: list[Note]) -> None:
    for note in done:
        note.path.unlink(missing_ok=True)


def backup_details(made: Any, by: str) -> dict[str, Any]:
    """What the audit log says of a backup: never record content."""
    return {"file": made.path.name, "size": made.size, "manifest_sha256": made.sha256, "by": by}


def audit_backup(session: Any, data_dir: Path, made: Any) -> None:
    """A backup made in the app, audited at once by whoever is signed in; with nobody signed
    in (a backup at sign-out), noted for the next sign-in."""
    details = backup_details(made, "the app")
    if session is None or session.locked:
        add_note(data_dir, "backup.made", details, made.created_at.isoformat())
        return
    with session.write() as conn:
        session.audit(conn, "backup.made", details)
