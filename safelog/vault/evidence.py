"""Adding evidence to a case: a file imported as an encrypted stream of chunks, the same
file seen again, or a report of images that are never stored.

Each file has its own key, wrapped by the case key. Chunks are stored and committed
first (store/chunks.py), then the evidence row and its audit entry in one transaction, so a
file is wholly there or not at all whatever happens to the process.

Intake (safelog/evidence/): the type is sniffed from the content; the size limit (a signed
school setting, `evidence_limit_bytes`) is enforced while the file streams in; images are
decoded in memory only, to refuse decompression bombs and to make a thumbnail, which is
stored sealed with the case key and covered by the item's signed statement. An image that
cannot be decoded is kept byte for byte and marked "could not be shown".

Who may add, and what (indecent images of children are never stored): see
vault/evidence_rules.py; `record_image_report` records a description instead.

The same file twice on a case (same SHA-256) is stored once: the second import returns the
existing item and records the new sighting (who, when, where it was seen) as a signed case
version (field `evidence_sightings`).

Reading back: vault/evidence_reading.py; the chain of custody: vault/evidence_custody.py.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import insert

from safelog.audit.actions import AuditAction
from safelog.crypto.aead import new_key
from safelog.crypto.encoding import canonical_json
from safelog.crypto.stream import StreamEncryptor
from safelog.domain.image_block import TEXT_NOTE_LIMIT, TEXT_NOTE_TOO_LARGE
from safelog.errors import InvalidInput
from safelog.evidence.images import (
    MAX_PREVIEW_FILE,
    PREVIEW_NONE,
    PREVIEW_TOO_LARGE,
    ImageBomb,
    Preview,
    check_image,
)
from safelog.evidence.intake import (
    EMPTY_MESSAGE,
    NOT_TEXT,
    SNIFF_BYTES,
    FileTooLarge,
    IntakeRefused,
    SniffedType,
    check_size,
    describe_type,
    is_plain_text_note,
    kept_out_with_images,
    safe_file_name,
    sniff,
    too_large_message,
    type_mismatch,
)
from safelog.store.notify import announce_case_change
from safelog.store.schema import EvidenceRow
from safelog.text import optional_text
from safelog.vault.case_engine import lock_case, open_case
from safelog.vault.case_input import MAX_TEXT
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import (
    CaseField,
    CaseFields,
    EvidenceDetails,
    EvidenceMeta,
    EvidenceSighting,
    ImageReport,
)
from safelog.vault.case_writing import commit_version, seal_from_reporter
from safelog.vault.evidence_reading import key_aad, list_evidence, meta_aad, thumbnail_aad
from safelog.vault.evidence_rules import (
    check_contributor,
    check_not_blocked,
    clean_metadata,
    evidence_limit,
    one_line,
    text_only,
    time_given,
)
from safelog.vault.evidence_statements import evidence_statement, signed_evidence
from safelog.vault.evidence_streams import Filled, Limited, Thumbnailer, encrypted_in_background
from safelog.vault.session import Session

MAX_ORIGINAL_NAME = 4096  # characters of the original name kept (file systems allow ~255)


@dataclass(frozen=True)
class EvidenceAdded:
    """What an import did. `duplicate`: the same file (same SHA-256) was already on the
    case; `evidence_id` is then that item's, and only the new sighting was recorded."""

    evidence_id: str
    duplicate: bool
    media_type: str
    claimed_type: str  # what the name claimed, when it disagrees with the content; or ""
    preview: str  # thumbnail, unreadable, too-large or none (see safelog/evidence/images.py)
    notes: tuple[str, ...] = ()  # plain-words notes for the person who added it


def add_evidence(
    session: Session,
    reference: str,
    path: Path,
    *,
    source_url: str = "",
    platform: str = "",
    handle: str = "",
    description: str = "",
    seen_at: str = "",
    limit: int | None = None,
) -> str:
    """Import a file as evidence on a case; returns the evidence id (the existing item's
    when the same file is already there)."""
    return add_evidence_detailed(
        session,
        reference,
        path,
        source_url=source_url,
        platform=platform,
        handle=handle,
        description=description,
        seen_at=seen_at,
        limit=limit,
    ).evidence_id


def add_evidence_detailed(
    session: Session,
    reference: str,
    path: Path,
    *,
    source_url: str = "",
    platform: str = "",
    handle: str = "",
    description: str = "",
    seen_at: str = "",
    limit: int | None = None,
) -> EvidenceAdded:
    """As add_evidence, saying whether it was a duplicate, what type was found and whether
    a preview could be made. `limit` defaults to the school's setting."""
    session.ensure_open()
    limit = evidence_limit(session) if limit is None else limit
    try:
        size = path.stat().st_size
        handle_file = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"Cannot read {safe_file_name(path.name)}: {exc.strerror}.") from None
    with handle_file:
        try:
            check_size(size, limit)  # early and cheap; the stream is checked again as it is read
        except IntakeRefused as exc:
            raise InvalidInput(f"{safe_file_name(path.name)}: {exc}") from None
        return import_stream_detailed(
            session,
            reference,
            handle_file,
            original_name=path.name,
            limit=limit,
            metadata={
                "source_url": source_url,
                "platform": platform,
                "handle": handle,
                "description": description,
                "seen_at": seen_at,
            },
        )


def import_stream(
    session: Session,
    reference: str,
    stream: BinaryIO,
    *,
    original_name: str,
    head: bytes | None = None,
    limit: int | None = None,
    metadata: dict[str, str] | None = None,
) -> str:
    """Import from a stream (pasted data, a dropped file); returns the evidence id."""
    return import_stream_detailed(
        session,
        reference,
        stream,
        original_name=original_name,
        head=head,
        limit=limit,
        metadata=metadata,
    ).evidence_id


def import_stream_detailed(
    session: Session,
    reference: str,
    stream: BinaryIO,
    *,
    original_name: str,
    head: bytes | None = None,
    limit: int | None = None,
    metadata: dict[str, str] | None = None,
) -> EvidenceAdded:
    """Import from a stream read once, from its current position, in bounded memory.

    `head`, when given, is the stream's first bytes already read by the caller for
    sniffing, and the stream is then still at its start (as add_evidence does). Never
    reads more than `limit` + one chunk. Refusals raise InvalidInput (ImageImportBlocked for
    the indecent-images rule) or AccessDenied, and leave nothing behind."""
    session.ensure_open()
    limit = evidence_limit(session) if limit is None else limit
    display_name = safe_file_name(original_name)
    original_name = original_name[:MAX_ORIGINAL_NAME]
    details = clean_metadata(metadata or {}, session.clock())
    source = Filled(b"", stream)
    if head is None:
        head = source.read(SNIFF_BYTES)
        source = Filled(head, source)
    if not head:
        raise InvalidInput(f"{display_name}: {EMPTY_MESSAGE}")
    sniffed = sniff(head)
    claimed = type_mismatch(original_name, sniffed)
    kept_out = kept_out_with_images(sniffed, claimed)
    # Refuse before reading another byte if this person may not add it here.
    with session.engine.connect() as conn:
        case = open_case(session, conn, reference)
        fields = read_case(session, conn, case).fields
    check_contributor(session, case.row.reference, fields)
    check_not_blocked(fields, kept_out)
    whole_checked = text_only(fields)
    if whole_checked:
        # Plain text notes only: the whole note is read and checked before anything is
        # stored, so a note that is not one leaves no trace, not even encrypted.
        data = source.read(TEXT_NOTE_LIMIT + 1)
        if len(data) > TEXT_NOTE_LIMIT:
            raise InvalidInput(f"{display_name}: {TEXT_NOTE_TOO_LARGE}")
        check_not_blocked(fields, None if is_plain_text_note(data) else NOT_TEXT)
        source = Filled(data, io.BytesIO())

    thumbnailer: Thumbnailer | None = None
    preview = Preview(PREVIEW_NONE)
    if sniffed.previewable:
        data = source.read(min(limit, MAX_PREVIEW_FILE) + 1)  # the whole file, if it fits
        if len(data) > limit:
            raise InvalidInput(f"{display_name}: {too_large_message(limit)}")
        if len(data) > MAX_PREVIEW_FILE:
            preview = Preview(PREVIEW_TOO_LARGE)
            source = Filled(data, source)
        else:
            try:
                check_image(data, sniffed.media_type)  # the header only: bombs stop here
            except ImageBomb as exc:
                raise InvalidInput(f"{display_name}: {exc}") from None
            thumbnailer = Thumbnailer(data, sniffed.media_type)
            source = Filled(data, io.BytesIO())

    def finished_preview() -> Preview:
        # Called inside the recording transaction, once the case has been read: the
        # thumbnail is made meanwhile, while the file is encrypted, written and checked.
        return thumbnailer.result() if thumbnailer is not None else preview

    evidence_id = str(uuid.uuid4())
    file_key = new_key()
    encryptor = StreamEncryptor(file_key, evidence_id)
    try:
        session.chunks.write(
            evidence_id, encrypted_in_background(encryptor, Limited(source, limit), limit)
        )
        added = _record_evidence(
            session,
            reference,
            evidence_id,
            file_key,
            encryptor,
            sniffed,
            claimed,
            # Unless the whole note was checked, a move into an image category meanwhile
            # refuses it: only its first bytes were looked at.
            kept_out or (None if whole_checked else NOT_TEXT),
            finished_preview,
            original_name,
            details,
        )
    except (IntakeRefused, ImageBomb) as exc:
        session.chunks.delete(evidence_id)
        message = too_large_message(limit) if isinstance(exc, FileTooLarge) else str(exc)
        raise InvalidInput(f"{display_name}: {message}") from None
    except BaseException:
        session.chunks.delete(evidence_id)
        raise
    finally:
        if thumbnailer is not None:
            thumbnailer.join()
    if added.duplicate:
        session.chunks.delete(evidence_id)  # the bytes are already there, under the old id
    return added


def _notes(sniffed: SniffedType, claimed: str | None, preview: Preview) -> tuple[str, ...]:
    notes = []
    if claimed:
        notes.append(
            f"The file's name says {describe_type(claimed)}, but its content is "
            f"{describe_type(sniffed.media_type)}; it was recorded as {sniffed.label}."
        )
    if preview.note:
        notes.append(preview.note)
    return tuple(notes)


def _record_evidence(
    session: Session,
    reference: str,
    evidence_id: str,
    file_key: bytes,
    encryptor: StreamEncryptor,
    sniffed: SniffedType,
    claimed: str | None,
    kept_out: str | None,
    finished_preview: Callable[[], Preview],
    original_name: str,
    details: EvidenceDetails,
) -> EvidenceAdded:
    if encryptor.size == 0:
        raise InvalidInput(EMPTY_MESSAGE)
    sha256 = encryptor.sha256.hexdigest()
    with session.write() as conn:
        lock_case(conn, reference)
        session.sync_membership(conn)
        case = open_case(session, conn, reference)
        seal_from_reporter(session, conn, case)
        verified = read_case(session, conn, case)
        fields = verified.fields
        check_contributor(session, case.row.reference, fields)
        check_not_blocked(fields, kept_out)
        case_id = case.row.id
        existing = next((e for e in list_evidence(session, conn, case) if e.sha256 == sha256), None)
        now = session.clock()
        if existing is not None:
            sighting: EvidenceSighting = {
                "evidence_id": existing.id,
                "sha256": sha256,
                **details,
                "file_name": safe_file_name(original_name),
                "original_name": original_name,
                "recorded_by": session.person.name,
                "recorded_at": now.isoformat(),
                "device": session.device,
            }
            sightings = [*(fields.get(CaseField.EVIDENCE_SIGHTINGS) or []), sighting]
            changed: CaseFields = {CaseField.EVIDENCE_SIGHTINGS: sightings}
            version = commit_version(
                session, conn, case, {**fields, **changed}, verified.last_statement, changed
            )
            session.audit(
                conn,
                AuditAction.EVIDENCE_SIGHTING,
                {
                    "reference": case.row.reference,
                    "evidence_id": existing.id,
                    "sha256": sha256,
                    "version": version,
                },
                case=case.audit_ref(),
                item=f"v{version}",
            )
            return EvidenceAdded(
                existing.id,
                True,
                existing.media_type,
                str(existing.metadata.get("claimed_type") or ""),
                str(existing.metadata.get("preview") or PREVIEW_NONE),
                (
                    f"This file is already evidence {existing.id} on case "
                    f"{case.row.reference} (the same SHA-256): it was not stored again, and "
                    "this sighting was recorded on the existing item.",
                ),
            )
        preview = finished_preview()
        meta: EvidenceMeta = {
            **details,
            "file_name": safe_file_name(original_name),
            "original_name": original_name,
            "media_type": sniffed.media_type,
            "claimed_type": claimed or "",
            "preview": preview.status,
            "width": preview.width,
            "height": preview.height,
            "size": encryptor.size,
            "sha256": sha256,
            "captured_at_utc": now.isoformat(),
            "captured_at_local": now.astimezone().isoformat(),
            "added_by": session.person.name,
            "device": session.device,
        }
        meta_ct = case.current.seal(canonical_json(meta), meta_aad(evidence_id, case_id))
        wrapped = case.current.seal(file_key, key_aad(evidence_id, case_id, case.row.key_no))
        thumbnail_ct = (
            case.current.seal(preview.thumbnail, thumbnail_aad(evidence_id, case_id))
            if preview.thumbnail
            else None
        )
        statement = evidence_statement(
            evidence_id,
            case_id,
            case.row.key_no,
            encryptor.size,
            encryptor.chunks,
            meta_ct,
            wrapped,
            thumbnail_ct,
            session.user_id,
            now,
            session.directory.head_seq,
            int(case.row.head_version),
        )
        conn.execute(
            insert(EvidenceRow).values(
                id=evidence_id,
                case_id=case_id,
                key_no=case.row.key_no,
                file_key_wrapped=wrapped,
                metadata_ct=meta_ct,
                thumbnail_ct=thumbnail_ct,
                size=encryptor.size,
                chunk_count=encryptor.chunks,
                added_at=now,
                **signed_evidence(session, case.current, evidence_id, statement),
            )
        )
        announce_case_change(conn)  # other PCs on a shared server look again at once
        session.audit(
            conn,
            AuditAction.EVIDENCE_ADD,
            {
                "reference": case.row.reference,
                "evidence_id": evidence_id,
                "sha256": sha256,
                "size": encryptor.size,
                "media_type": sniffed.media_type,
            },
            case=case.audit_ref(),
            item=f"e:{evidence_id}",
        )
    return EvidenceAdded(
        evidence_id,
        False,
        sniffed.media_type,
        claimed or "",
        preview.status,
        _notes(sniffed, claimed, preview),
    )


def _contribute(
    session: Session,
    reference: str,
    compute: Callable[[CaseFields], CaseFields],
    action: str,
) -> int:
    """Append a version as a contributor (see the module docstring for who may)."""
    session.ensure_open()
    with session.write() as conn:
        lock_case(conn, reference)
        session.sync_membership(conn)
        case = open_case(session, conn, reference)
        seal_from_reporter(session, conn, case)
        verified = read_case(session, conn, case)
        fields = verified.fields
        check_contributor(session, case.row.reference, fields)
        changed = compute(fields)
        version = commit_version(
            session, conn, case, {**fields, **changed}, verified.last_statement, changed
        )
        session.audit(
            conn,
            action,
            {"reference": case.row.reference, "version": version, "changed": sorted(changed)},
            case=case.audit_ref(),
            item=f"v{version}",
        )
        return version


def record_image_report(
    session: Session,
    reference: str,
    description: str,
    informed: str,
    informed_at: datetime | None = None,
    police_reference: str = "",
) -> int:
    """Instead of images (indecent images of children are never stored): a description of
    what was reported, who was informed and when, and the police reference. A signed
    version (field `image_reports`); returns its number."""
    now = session.clock()
    text = optional_text(description, "description", limit=MAX_TEXT)
    if not text:
        raise InvalidInput("Describe what was reported (in words; never the images).")
    who = one_line(informed, "name of who was informed", 300)
    if not who:
        raise InvalidInput("Write who was informed (for example the DSL or the police).")
    if informed_at is not None and informed_at.tzinfo is None:
        raise InvalidInput("The time they were informed needs a time zone.")
    when = time_given(
        informed_at.isoformat() if informed_at else now.isoformat(), "time they were informed", now
    )
    entry: ImageReport = {
        "id": str(uuid.uuid4()),
        "description": text,
        "informed": who,
        "informed_at": when,
        "police_reference": one_line(police_reference, "police reference", 200),
        "recorded_by": session.person.name,
        "recorded_at": now.isoformat(),
    }
    return _contribute(
        session,
        reference,
        lambda fields: {
            CaseField.IMAGE_REPORTS: [*(fields.get(CaseField.IMAGE_REPORTS) or []), entry]
        },
        AuditAction.IMAGE_REPORT,
    )
