"""Half-written work kept for its writer: a report being written, or entries being typed into
a case, when SafeLog locks, quits or the PC loses power.

Each draft is one file in `<data folder>/drafts/`, named at random, holding only ciphertext:

    b"SLDRAFT1" || HMAC-SHA256(draft key, blob) || blob

`blob` is the draft (JSON, padded to a multiple of 1 KiB so its size says little) sealed with
HPKE to the writer's own X25519 public key, with a context naming the writer: only the writer's
private key, unlocked by their passphrase, opens it. The file names no one, so a copy of the
folder does not say who was writing a report.

The HMAC is what stops a planted draft. The writer's public key is public, so anyone could
seal a "draft" to it; on a staffroom PC that would put someone else's words into a teacher's
report form, ready to send in their name. The draft key is derived from the writer's private
key, so only the writer's own SafeLog makes drafts that open for them; anything else in the
folder is skipped. A form keeps `DraftKeys` (the public key and the draft key, never the
private key) so it can still seal after SafeLog has locked and dropped the private keys.

Drafts not opened for 30 days are deleted: a leaver's draft does not stay on the PC forever.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safelog.crypto.aead import DecryptionFailed
from safelog.crypto.wrap import unwrap, wrap
from safelog.store.files import write_private_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    from safelog.vault.session import Session

MAGIC = b"SLDRAFT1"
_TAG = 32
_PAD = 1024
_LARGEST = 4 * 1024 * 1024  # a draft is typed text; anything bigger was not written by SafeLog
KEEP_DAYS = 30
REPORT, CASE = "report", "case"
_SLOT = re.compile(r"^[0-9a-f]{24}$")


def _context(user_id: str) -> str:
    return f"draft/{user_id}"


def _draft_key(session: Session) -> bytes:
    private = session.identity.x25519.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    info = b"safelog/v1/draft-authenticity/" + session.user_id.encode("utf-8")
    return HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(private)


@dataclass(frozen=True)
class DraftKeys:
    """What a form holds so it can seal its draft after SafeLog locks."""

    user_id: str
    public_key: X25519PublicKey
    draft_key: bytes

    @classmethod
    def of(cls, session: Session) -> DraftKeys:
        return cls(session.user_id, session.identity.x25519.public_key(), _draft_key(session))

    def tag(self, blob: bytes) -> bytes:
        return hmac.new(self.draft_key, MAGIC + blob, hashlib.sha256).digest()


@dataclass(frozen=True)
class Draft:
    """One draft opened for its writer."""

    slot: str
    kind: str  # REPORT or CASE
    reference: str  # the case, for CASE drafts
    fields: dict[str, Any]
    had_attachments: bool


class DraftStore:
    """The drafts folder of one data folder. `now` gives seconds since the epoch."""

    def __init__(self, folder: Path, now: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.now = now

    def keep(
        self,
        keys: DraftKeys,
        kind: str,
        fields: dict[str, Any],
        *,
        reference: str = "",
        had_attachments: bool = False,
        slot: str | None = None,
    ) -> str:
        """Seal and write a draft (over `slot` if given); returns its slot."""
        data = json.dumps(
            {
                "kind": kind,
                "reference": reference,
                "had_attachments": had_attachments,
                "fields": fields,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        data += b" " * (-len(data) % _PAD)  # JSON allows trailing spaces
        blob = wrap(data, keys.public_key, _context(keys.user_id))
        slot = slot if slot and _SLOT.match(slot) else secrets.token_hex(12)
        self._write(self.folder / f"{slot}.draft", MAGIC + keys.tag(blob) + blob)
        return slot

    def mine(self, session: Session) -> list[Draft]:
        """Every draft this person wrote, oldest first. Others' drafts, damaged files and
        anything not made by this person's SafeLog are left alone, unread."""
        if session.locked or not self.folder.is_dir():
            return []
        self._drop_expired()
        keys = DraftKeys.of(session)
        found: list[tuple[float, Draft]] = []
        for path in self.folder.glob("*.draft"):
            draft = self._open(path, keys, session)
            if draft is not None:
                with contextlib.suppress(OSError):
                    found.append((path.stat().st_mtime, draft))
        return [draft for _, draft in sorted(found, key=lambda pair: pair[0])]

    def drop(self, slot: str | None) -> None:
        if slot and _SLOT.match(slot):
            (self.folder / f"{slot}.draft").unlink(missing_ok=True)

    # -- files ----------------------------------------------------------------------------

    def _open(self, path: Path, keys: DraftKeys, session: Session) -> Draft | None:
        slot = path.stem
        if not _SLOT.match(slot):
            return None
        try:
            if path.stat().st_size > _LARGEST:
                return None
            raw = path.read_bytes()
        except OSError:
            return None
        if not raw.startswith(MAGIC) or len(raw) <= len(MAGIC) + _TAG:
            return None
        tag, blob = raw[len(MAGIC) : len(MAGIC) + _TAG], raw[len(MAGIC) + _TAG :]
        if not hmac.compare_digest(tag, keys.tag(blob)):
            return None  # someone else's draft, or not made by SafeLog
        try:
            data = json.loads(unwrap(blob, session.identity.x25519, _context(session.user_id)))
        except (DecryptionFailed, ValueError):
            return None
        if not isinstance(data, dict) or data.get("kind") not in (REPORT, CASE):
            return None
        fields = data.get("fields")
        return Draft(
            slot=slot,
            kind=str(data["kind"]),
            reference=str(data.get("reference") or ""),
            fields=fields if isinstance(fields, dict) else {},
            had_attachments=bool(data.get("had_attachments")),
        )

    def _drop_expired(self) -> None:
        oldest = self.now() - KEEP_DAYS * 86400
        for path in self.folder.glob("*.draft"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < oldest:
                    path.unlink()

    def _write(self, path: Path, data: bytes) -> None:
        write_private_file(path, data)
        # The file's time is when it was last kept, by SafeLog's clock (see KEEP_DAYS).
        stamp = self.now()
        os.utime(path, (stamp, stamp))
