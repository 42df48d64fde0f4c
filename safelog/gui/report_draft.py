"""A report half-written when SafeLog locks, kept for its writer's next sign-in.

Locking must neither ask "Discard this report?" (the question would keep case content on
screen until someone answered) nor throw the report away. So on lock the form's fields are
gathered into a draft that is sealed at once to the writer's own X25519 public key (HPKE,
`safelog.crypto.wrap`, context naming the writer) and held in memory only: nothing is written
to disk. While SafeLog is locked only the sealed bytes remain; the writer's next unlocked
session opens them and the form comes back as it was left. Anyone else signing in on the PC
drops the draft unread. Screenshots and files held for the report are not kept in the draft
(they may be large): the restored form says so.

No Qt here: the form turns its widgets into the plain dict this module seals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safelog.crypto.aead import DecryptionFailed
from safelog.crypto.wrap import unwrap, wrap

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    from safelog.vault.session import Session


def _context(user_id: str) -> str:
    return f"report-draft/{user_id}"


@dataclass(frozen=True)
class SealedDraft:
    """Who wrote it (an id, not content) and the sealed fields."""

    user_id: str
    blob: bytes
    had_attachments: bool = False


def seal_draft(
    fields: dict[str, Any], user_id: str, public_key: X25519PublicKey, *, had_attachments: bool
) -> SealedDraft:
    data = json.dumps(fields, ensure_ascii=False).encode("utf-8")
    return SealedDraft(user_id, wrap(data, public_key, _context(user_id)), had_attachments)


def open_draft(draft: SealedDraft, session: Session) -> dict[str, Any] | None:
    """The fields, if this session's person wrote the draft and it opens; else None."""
    if session.locked or draft.user_id != session.user_id:
        return None
    try:
        data = unwrap(draft.blob, session.identity.x25519, _context(draft.user_id))
    except DecryptionFailed:
        return None
    fields = json.loads(data.decode("utf-8"))
    return fields if isinstance(fields, dict) else None
