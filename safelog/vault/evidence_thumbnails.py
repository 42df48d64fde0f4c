"""Thumbnails made after their items were recorded (issue 17).

Decoding a full-HD screenshot takes longer than everything else an import does, so a
batch of files (vault/filing.py `import_sources`) records each image with its preview
"pending" and its header's size, and the thumbnails are made afterwards, in the worker,
from the stored ciphertext (plaintext in memory only). Each goes in `evidence_thumbnails`:

- the PNG sealed with the case key (the same binding as a thumbnail made at import);
- a statement, signed by the item's own author and sealed with the case key, naming the
  item, the hash of the item's signed statement, the status and the thumbnail's hash.

Every reader re-checks it (vault/thumbnail_statements.py `verify_thumbnail_row`): the
seal, the signer being the item's author, the statement matching the row byte for byte and
naming that very item. A thumbnail row that fails is tampering. A missing one (the program
stopped before the thumbnails were made, the reporter's report was opened by the DSL first,
or someone deleted it) leaves the item "pending": a reader makes its thumbnail in memory
from the verified original (evidence_reading.py), and its author's next
`make_pending_thumbnails` stores it if they still may add to the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert

from safelog.audit.actions import AuditAction
from safelog.crypto.aead import Cipher
from safelog.crypto.sealed_signature import seal_signature
from safelog.evidence.images import (
    PREVIEW_THUMBNAIL,
    PREVIEW_UNREADABLE,
    Preview,
)
from safelog.store.notify import announce_case_change
from safelog.store.schema import EvidenceThumbnailRow
from safelog.vault.audit_trail import AuditEntry
from safelog.vault.case_engine import open_case
from safelog.vault.evidence_reading import pending_items, thumbnail_aad, thumbnail_from_original
from safelog.vault.evidence_recording import open_to_contribute
from safelog.vault.session import Session
from safelog.vault.thumbnail_statements import (
    thumbnail_author_aad,
    thumbnail_item,
    thumbnail_rows,
    thumbnail_statement,
)


def make_pending_thumbnails(
    session: Session, reference: str, evidence_ids: Iterable[str] | None = None
) -> dict[str, str]:
    """Make the thumbnails still to be made of the items this person added to a case
    (those named, or all of them), each decoded in memory from the verified original.
    Returns the preview status of each one made. Safe to call again: an item that has one
    is skipped. Unaudited, like the thumbnails made at import: nothing leaves the vault."""
    session.ensure_open()
    wanted = set(evidence_ids) if evidence_ids is not None else None
    with session.engine.connect() as conn:
        case = open_case(session, conn, reference)
        pending = [
            p
            for p in pending_items(session, conn, case)
            if p.signed.author.id == session.user_id and (wanted is None or p.info.id in wanted)
        ]
    made: list[tuple[Any, Preview]] = []
    for item in pending:
        made.append((item, thumbnail_from_original(session, case, item)))
    if made:
        _record(session, reference, made)
    return {item.info.id: preview.status for item, preview in made}


def _record(session: Session, reference: str, made: list[tuple[Any, Preview]]) -> None:
    with session.write() as conn:
        # As for adding the item: only while this person may still add to the case, and
        # at a point of the case and membership log its readers check (thumbnail_statements).
        case, _verified = open_to_contribute(session, conn, reference)
        already = thumbnail_rows(conn, case.row.id)
        now = session.clock()
        membership, case_version = session.directory.head_seq, int(case.row.head_version)
        entries: list[AuditEntry] = []
        for item, preview in made:
            if item.info.id in already:
                continue  # made meanwhile by another window of this person's
            row = item.row
            cipher: Cipher = case.ciphers[row.key_no]
            thumbnail_ct = (
                cipher.seal(preview.thumbnail, thumbnail_aad(row.id, row.case_id))
                if preview.status == PREVIEW_THUMBNAIL and preview.thumbnail
                else None
            )
            status = PREVIEW_THUMBNAIL if thumbnail_ct is not None else PREVIEW_UNREADABLE
            statement = thumbnail_statement(
                row.id,
                row.case_id,
                row.key_no,
                status,
                thumbnail_ct,
                item.signed.statement,
                session.user_id,
                now,
                membership,
                case_version,
            )
            sealed = seal_signature(
                cipher,
                thumbnail_author_aad(row.id, row.case_id),
                session.user_id,
                session.identity.sign(statement),
                statement,
            )
            conn.execute(
                insert(EvidenceThumbnailRow).values(
                    evidence_id=row.id,
                    case_id=row.case_id,
                    key_no=row.key_no,
                    thumbnail_ct=thumbnail_ct,
                    made_at=now,
                    statement=sealed,
                )
            )
            entries.append(
                AuditEntry(
                    AuditAction.EVIDENCE_THUMBNAIL,
                    {"reference": case.row.reference, "evidence_id": row.id, "preview": status},
                    case.audit_ref(),
                    thumbnail_item(row.id),
                )
            )
        if entries:
            session.audit_many(conn, entries)
            announce_case_change(conn)  # other PCs on a shared server show them at once
