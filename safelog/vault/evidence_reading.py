"""Reading evidence back: the items of a case listed and verified (with their sightings and
thumbnails), and an item's plaintext streamed, checked against its SHA-256 on the way, or
saved to a file. The bindings an item's sealed parts are made with live here too.

Reading is audited ("evidence.view", "evidence.extract"). Thumbnails are shown in lists, so
reading one is not audited on its own: the listing that shows them is ("case.view" from
show_case, or one "case.evidence-list" from `list_case_evidence`, naming the items listed).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from safelog.audit.actions import AuditAction
from safelog.crypto.aead import DecryptionFailed, binding
from safelog.crypto.stream import StreamDamaged, decrypt_stream
from safelog.domain.categories import category_by_code
from safelog.domain.category import Category
from safelog.domain.image_block import QUARANTINE_WORDS, quarantined
from safelog.errors import AccessDenied, InvalidInput, NotFound, TamperDetected
from safelog.evidence.images import (
    MAX_PREVIEW_FILE,
    PREVIEW_PENDING,
    PREVIEW_TOO_LARGE,
    PREVIEW_UNREADABLE,
    THUMBNAIL_SIZE,
    ImageBomb,
    Preview,
    make_thumbnail,
)
from safelog.evidence.intake import PlainTextCheck
from safelog.store.files import O_BINARY
from safelog.store.schema import EvidenceRow
from safelog.vault.case_engine import OpenCase, open_case
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import CaseField, EvidenceSighting
from safelog.vault.case_writing import seal_from_reporter
from safelog.vault.evidence_statements import ItemSigned, verify_evidence_row
from safelog.vault.records import EvidenceInfo
from safelog.vault.rows_ahead import RowsAhead
from safelog.vault.session import Session
from safelog.vault.thumbnail_statements import thumbnail_rows, verify_thumbnail_row


class EvidenceQuarantined(AccessDenied):
    """An item its case's category no longer lets be seen (domain/image_block.py)."""


PARTIAL_SUFFIX = ".partial"  # an extract not yet whole


def case_category(fields: Mapping[str, Any]) -> Category:
    return category_by_code(str(fields.get(CaseField.CATEGORY) or ""))


def check_not_quarantined(category: Category, info: EvidenceInfo, reference: str) -> None:
    """Re-checked by every reader, whoever wrote the item: the category decides."""
    if quarantined(category, info.media_type):
        raise EvidenceQuarantined(
            f"Evidence {info.file_name} of case {reference}: {QUARANTINE_WORDS}"
        )


def key_aad(evidence_id: str, case_id: str, key_no: int) -> bytes:
    return binding("evidence-key", evidence_id, case_id, key_no)


def meta_aad(evidence_id: str, case_id: str) -> bytes:
    return binding("evidence-meta", evidence_id, case_id)


def thumbnail_aad(evidence_id: str, case_id: str) -> bytes:
    return binding("evidence-thumbnail", evidence_id, case_id)


@dataclass(frozen=True)
class EvidenceItem:
    info: EvidenceInfo
    sightings: list[EvidenceSighting] = field(default_factory=list)
    thumbnail: bytes | None = None
    quarantined: bool = False  # its case's category keeps it from view (domain/image_block.py)


@dataclass(frozen=True)
class ReadRow:
    """An evidence row verified and opened: its details, who signed it, and its thumbnail
    (sealed) whether made at import or afterwards (vault/evidence_thumbnails.py)."""

    row: Any
    info: EvidenceInfo
    signed: ItemSigned
    thumbnail_ct: bytes | None


def _rows(
    session: Session, conn: Connection, case: OpenCase, ahead: RowsAhead | None = None
) -> list[ReadRow]:
    rows: Sequence[Any]
    if ahead is not None and case.row.id in ahead.evidence:
        rows = ahead.evidence[case.row.id]
        made_later = {r.evidence_id: r for r in ahead.thumbnails.get(case.row.id, [])}
    else:
        rows = conn.execute(
            select(EvidenceRow.__table__)
            .where(EvidenceRow.case_id == case.row.id)
            .order_by(EvidenceRow.added_at, EvidenceRow.id)
        ).all()
        made_later = None  # read when an item needs it
    items = []
    for row in rows:
        signed = verify_evidence_row(session, conn, case, row)
        cipher = case.ciphers.get(row.key_no)
        try:
            if cipher is None:
                raise DecryptionFailed("no key")
            meta = json.loads(cipher.open(row.metadata_ct, meta_aad(row.id, row.case_id)))
        except DecryptionFailed:
            raise TamperDetected(
                f"The details of evidence {row.id} of case {case.row.reference} are damaged."
            ) from None
        thumbnail_ct = row.thumbnail_ct
        if meta.get("preview") == PREVIEW_PENDING:
            if made_later is None:
                made_later = thumbnail_rows(conn, case.row.id)
            if row.id in made_later:
                made = verify_thumbnail_row(session, conn, case, row, signed, made_later[row.id])
                meta = {**meta, "preview": made.status}
                thumbnail_ct = made.thumbnail_ct
        info = EvidenceInfo(
            id=row.id,
            file_name=meta["file_name"],
            media_type=meta["media_type"],
            size=meta["size"],
            sha256=meta["sha256"],
            added_by=meta["added_by"],
            added_at=row.added_at,
            metadata=meta,
        )
        items.append(ReadRow(row, info, signed, thumbnail_ct))
    return items


def list_evidence(
    session: Session, conn: Connection, case: OpenCase, ahead: RowsAhead | None = None
) -> list[EvidenceInfo]:
    """`ahead`: the case's rows, when read ahead with other cases' (vault/rows_ahead.py)."""
    return [read.info for read in _rows(session, conn, case, ahead)]


def pending_items(session: Session, conn: Connection, case: OpenCase) -> list[ReadRow]:
    """The case's items whose thumbnail is still to be made."""
    return [
        read
        for read in _rows(session, conn, case)
        if read.info.metadata.get("preview") == PREVIEW_PENDING
    ]


def _open_thumbnail(case: OpenCase, read: ReadRow) -> bytes | None:
    if read.thumbnail_ct is None:
        return None
    cipher = case.ciphers.get(read.row.key_no)
    try:
        if cipher is None:
            raise DecryptionFailed("no key")
        thumbnail = cipher.open(read.thumbnail_ct, thumbnail_aad(read.row.id, read.row.case_id))
    except DecryptionFailed:
        raise TamperDetected(
            f"The thumbnail of evidence {read.row.id} of case {case.row.reference} is damaged."
        ) from None
    if not is_thumbnail_png(thumbnail):
        # Signed by its author, yet no SafeLog makes it: refused before QImage or Pillow
        # decodes it (a few stored kilobytes can declare billions of pixels).
        raise TamperDetected(
            f"The thumbnail of evidence {read.row.id} of case {case.row.reference} "
            "is not one SafeLog makes, so it is not shown."
        )
    return thumbnail


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_THUMBNAIL_BYTES = 1024 * 1024  # a stored 320 x 320 RGBA PNG is at most about 410 KB


def is_thumbnail_png(data: bytes) -> bool:
    """A PNG no larger than THUMBNAIL_SIZE each way, judged from its header alone."""
    if len(data) > MAX_THUMBNAIL_BYTES or len(data) < 33:  # signature + the IHDR chunk
        return False
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return False
    width, height = struct.unpack(">II", data[16:24])
    return 0 < width <= THUMBNAIL_SIZE and 0 < height <= THUMBNAIL_SIZE


def _shown_thumbnail(session: Session, case: OpenCase, read: ReadRow) -> bytes | None:
    if read.thumbnail_ct is not None:
        return _open_thumbnail(case, read)
    if read.info.metadata.get("preview") != PREVIEW_PENDING:
        return None
    # Not made yet, or its author can no longer add to the case (a report the DSL opened
    # first): made here from the verified original, in memory, and never stored.
    return thumbnail_from_original(session, case, read).thumbnail


def thumbnail_from_original(session: Session, case: OpenCase, read: ReadRow) -> Preview:
    """A pending item's thumbnail, made in memory from its verified original, of which no
    more than the preview cap is read (the size given is its author's word)."""
    data = _at_most(plaintext_of(session, case, read.row, read.info), MAX_PREVIEW_FILE)
    if data is None:
        return Preview(PREVIEW_TOO_LARGE)
    try:
        return make_thumbnail(data, read.info.media_type)
    except ImageBomb:  # its header was checked at import; decoding it is still refused
        return Preview(PREVIEW_UNREADABLE)


def _at_most(chunks: Iterator[bytes], limit: int) -> bytes | None:
    """The whole plaintext, or None as soon as it is longer than `limit`."""
    parts: list[bytes] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


def sightings_of(fields: Mapping[str, Any], evidence_id: str) -> list[EvidenceSighting]:
    """The later sightings of an item (the same file added again), oldest first."""
    return [
        s
        for s in fields.get(CaseField.EVIDENCE_SIGHTINGS) or []
        if s.get("evidence_id") == evidence_id
    ]


def list_case_evidence(
    session: Session, reference: str, *, thumbnails: bool = False
) -> list[EvidenceItem]:
    """Every item on a case with its sightings (and thumbnails when asked), verified.
    Audited once, as "case.evidence-list", naming the items listed."""
    session.ensure_open()
    with session.write() as conn:
        case = open_case(session, conn, reference)
        seal_from_reporter(session, conn, case)
        fields = read_case(session, conn, case).fields
        category = case_category(fields)
        blocked = category.blocks_image_import  # no pictures, even small ones
        items = [
            EvidenceItem(
                read.info,
                sightings_of(fields, read.info.id),
                _shown_thumbnail(session, case, read)
                if thumbnails and not blocked and not quarantined(category, read.info.media_type)
                else None,
                quarantined(category, read.info.media_type),
            )
            for read in _rows(session, conn, case)
        ]
        session.audit(
            conn,
            AuditAction.EVIDENCE_LIST,
            {
                "reference": case.row.reference,
                "evidence_ids": [item.info.id for item in items],
                "thumbnails": thumbnails,
            },
            case=case.audit_ref(),
        )
    return items


def read_thumbnail(session: Session, reference: str, evidence_id: str) -> bytes | None:
    """The item's thumbnail (PNG bytes, in memory) or None when it has none. Not audited
    by itself: it is shown inside a listing or case view, which is."""
    session.ensure_open()
    with session.engine.connect() as conn:
        case = open_case(session, conn, reference)
        read = next((r for r in _rows(session, conn, case) if r.row.id == evidence_id), None)
        if read is None:
            raise NotFound(f"Case {case.row.reference} has no evidence {evidence_id}.")
        if case_category(read_case(session, conn, case).fields).blocks_image_import:
            return None  # a case about indecent images shows no picture of anything
        return _shown_thumbnail(session, case, read)


def read_evidence(
    session: Session, reference: str, evidence_id: str, action: str = AuditAction.EVIDENCE_VIEW
) -> tuple[EvidenceInfo, Iterator[bytes]]:
    """The item's details and its plaintext as a stream of chunks, verified on the way:
    the stream raises TamperDetected at the first damaged chunk and checks the SHA-256
    at the end. Reading is audited before any byte is returned."""
    session.ensure_open()
    with session.write() as conn:
        case = open_case(session, conn, reference)
        seal_from_reporter(session, conn, case)
        read = next((r for r in _rows(session, conn, case) if r.row.id == evidence_id), None)
        if read is None:
            raise NotFound(f"Case {case.row.reference} has no evidence {evidence_id}.")
        info, row = read.info, read.row
        category = case_category(read_case(session, conn, case).fields)
        check_not_quarantined(category, info, case.row.reference)
        file_key = _file_key(case, row)
        session.audit(
            conn,
            action,
            {"reference": case.row.reference, "evidence_id": evidence_id},
            case=case.audit_ref(),
        )
    if category.blocks_image_import:
        # Plain text notes only: the whole content is checked before its first byte is
        # given out (a client that recorded a picture as a text note is not believed).
        check = PlainTextCheck()
        for plain in _stream(session, info, file_key, row.chunk_count, reference):
            if not check.feed(plain):
                break
        if not check.ok or not check.feed(b"", final=True):
            raise EvidenceQuarantined(
                f"Evidence {info.file_name} of case {reference} is recorded as a text note "
                "but its content is not one: it was not written by SafeLog's rules and is "
                f"not shown. {QUARANTINE_WORDS}"
            )
    return info, _stream(session, info, file_key, row.chunk_count, reference)


def _file_key(case: OpenCase, row: Any) -> bytes:
    try:
        return case.ciphers[row.key_no].open(
            row.file_key_wrapped, key_aad(row.id, row.case_id, row.key_no)
        )
    except (DecryptionFailed, KeyError):
        raise TamperDetected(f"The key of evidence {row.id} is damaged.") from None


def plaintext_of(session: Session, case: OpenCase, row: Any, info: EvidenceInfo) -> Iterator[bytes]:
    """A verified row's plaintext, checked on the way, for making its thumbnail: never
    written anywhere. Unaudited: the caller shows nothing of it but the thumbnail."""
    return _stream(session, info, _file_key(case, row), row.chunk_count, case.row.reference)


def _stream(
    session: Session,
    info: EvidenceInfo,
    file_key: bytes,
    chunk_count: int,
    reference: str,
) -> Iterator[bytes]:
    digest = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        # One chunk at a time keeps memory bounded on every store.
        for index in range(chunk_count):
            blob = session.chunks.read(info.id, index)
            if blob is None:
                return
            yield blob

    try:
        for plain in decrypt_stream(file_key, info.id, chunks(), chunk_count):
            digest.update(plain)
            yield plain
    except StreamDamaged as exc:
        raise TamperDetected(f"Evidence {info.file_name} of case {reference}: {exc}.") from None
    if digest.hexdigest() != info.sha256:
        raise TamperDetected(
            f"Evidence {info.file_name} of case {reference} does not match its recorded SHA-256."
        )


def extract_evidence(session: Session, reference: str, evidence_id: str, out: Path) -> EvidenceInfo:
    """Write the original to a place the user chose; nothing is left there on failure.

    It is written as `<name>.partial` and given its name only once whole and on the disk:
    an extract cut short (the program killed, the stick pulled out) never leaves a file
    under the chosen name that could be taken for the whole original."""
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    info, stream = read_evidence(
        session, reference, evidence_id, action=AuditAction.EVIDENCE_EXTRACT
    )
    partial = out.with_name(out.name + PARTIAL_SUFFIX)
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_BINARY, 0o600)
    except FileExistsError:
        raise InvalidInput(
            f"{partial} already exists (an extract cut short?); delete it or choose another name."
        ) from None
    except OSError as exc:
        raise InvalidInput(f"Cannot write {out}: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in stream:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if out.exists():  # made meanwhile by someone else: never replaced
            raise InvalidInput(f"{out} already exists; choose another name.")
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return info
