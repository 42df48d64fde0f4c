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

import errno
import io
import os
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from safelog.audit.actions import AuditAction
from safelog.crypto.aead import new_key
from safelog.crypto.stream import StreamEncryptor
from safelog.domain.image_block import TEXT_NOTE_LIMIT, TEXT_NOTE_TOO_LARGE
from safelog.errors import InvalidInput, UserFacingError
from safelog.evidence.images import (
    MAX_PREVIEW_FILE,
    PREVIEW_NONE,
    PREVIEW_PENDING,
    PREVIEW_TOO_LARGE,
    PREVIEW_UNREADABLE,
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
    check_size,
    is_plain_text_note,
    kept_out_with_images,
    safe_file_name,
    sniff,
    too_large_message,
    type_mismatch,
)
from safelog.text import optional_text
from safelog.vault.case_engine import open_case
from safelog.vault.case_input import MAX_TEXT
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import (
    CaseField,
    CaseFields,
    ImageReport,
)
from safelog.vault.case_writing import commit_version
from safelog.vault.evidence_file import EvidenceFile, open_regular_file
from safelog.vault.evidence_recording import (
    EvidenceAdded,
    PreparedImport,
    open_to_contribute,
    record_imports,
)
from safelog.vault.evidence_rules import (
    check_contributor,
    check_not_blocked,
    clean_metadata,
    evidence_limit,
    one_line,
    text_only,
    time_given,
)
from safelog.vault.evidence_streams import Filled, Limited, Thumbnailer, encrypt_in_background
from safelog.vault.session import Session

_DISK_FULL = frozenset(
    code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code is not None
)
DISK_FULL_MESSAGE = (
    "the disk SafeLog keeps its records on is full. Nothing was added; free some space "
    "(or ask whoever looks after the computer), then add it again."
)
MAX_ORIGINAL_NAME = 4096  # characters of the original name kept (file systems allow ~255)


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
    with open_evidence_file(path, limit) as handle_file:
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


def open_evidence_file(path: Path, limit: int) -> EvidenceFile:
    """The file opened for reading, once it is known to be a regular file within the limit
    (early and cheap; the stream is checked again as it is read, and for changes after)."""
    handle_file = open_regular_file(path)
    try:
        check_size(handle_file.size, limit)
    except IntakeRefused as exc:
        handle_file.close()
        raise InvalidInput(f"{handle_file.shown_name}: {exc}") from None
    return handle_file


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
    the indecent-images rule) or AccessDenied, and leave nothing behind. An image's
    thumbnail is made meanwhile and signed with the item."""
    session.ensure_open()
    limit = evidence_limit(session) if limit is None else limit
    fields = fields_open_to_me(session, reference)
    prepared = prepare_import(
        session,
        fields,
        stream,
        original_name=original_name,
        head=head,
        limit=limit,
        metadata=metadata,
        in_batch=False,
    )
    outcome = record_imports(session, reference, [prepared])[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def fields_open_to_me(session: Session, reference: str) -> CaseFields:
    """The case's verified fields, once this person is known to be allowed to add to it:
    refused before a byte of any file is read."""
    with session.engine.connect() as conn:
        case = open_case(session, conn, reference)
        fields = read_case(session, conn, case).fields
    check_contributor(session, case.row.reference, fields)
    return fields


def prepare_import(
    session: Session,
    fields: CaseFields,
    stream: BinaryIO,
    *,
    original_name: str,
    head: bytes | None,
    limit: int,
    metadata: dict[str, str] | None,
    in_batch: bool,
) -> PreparedImport:
    """Read, check and store one file's chunks. `in_batch`: one of many files added together
    (vault/filing.py `import_sources`), whose chunks the caller makes durable at once, and
    an image is recorded with its preview "pending" (vault/evidence_thumbnails.py makes it
    afterwards); otherwise its thumbnail is made on a thread meanwhile. Refusals raise
    InvalidInput and leave nothing behind."""
    # A name that is not UTF-8 (bytes a file system allowed) keeps what it can be read as.
    original_name = os.fsencode(original_name).decode("utf-8", "replace")
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
    check_not_blocked(fields, kept_out)
    whole_checked = text_only(fields)
    whole: bytes | None = None  # the whole file, when it is already in memory
    if whole_checked:
        # Plain text notes only: the whole note is read and checked before anything is
        # stored, so a note that is not one leaves no trace, not even encrypted.
        data = source.read(TEXT_NOTE_LIMIT + 1)
        if len(data) > TEXT_NOTE_LIMIT:
            raise InvalidInput(f"{display_name}: {TEXT_NOTE_TOO_LARGE}")
        check_not_blocked(fields, None if is_plain_text_note(data) else NOT_TEXT)
        source = Filled(data, io.BytesIO())
        whole = data

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
                size = check_image(data, sniffed.media_type)  # the header only: bombs stop here
            except ImageBomb as exc:
                raise InvalidInput(f"{display_name}: {exc}") from None
            if size is None:
                preview = Preview(PREVIEW_UNREADABLE)
            elif in_batch:
                preview = Preview(PREVIEW_PENDING, None, *size)
            else:
                thumbnailer = Thumbnailer(data, sniffed.media_type)
            source = Filled(data, io.BytesIO())
            whole = data

    def finished_preview() -> Preview:
        # Called inside the recording transaction, once the case has been read: the
        # thumbnail is made meanwhile, while the file is encrypted, written and checked.
        return thumbnailer.result() if thumbnailer is not None else preview

    evidence_id = str(uuid.uuid4())
    file_key = new_key()
    encryptor = StreamEncryptor(file_key, evidence_id)
    prepared = PreparedImport(
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
        display_name,
        details,
        thumbnailer,
    )
    try:
        # A file already in memory (a screenshot) is encrypted here: a thread to overlap
        # reading with the crypto would cost more than it saves.
        durable = not in_batch  # a batch is flushed to disk at once (import_sources)
        if whole is not None:
            session.chunks.write(
                evidence_id, encryptor.encrypt_file(io.BytesIO(whole), limit), durable=durable
            )
        else:
            reader = Limited(source, limit)
            session.chunks.write_into(
                evidence_id,
                lambda slots: encrypt_in_background(encryptor, reader, limit, slots),
                durable=durable,
            )
        if encryptor.size == 0:
            raise InvalidInput(f"{display_name}: {EMPTY_MESSAGE}")
        if isinstance(stream, EvidenceFile):
            stream.check_unchanged(encryptor.size)
    except (IntakeRefused, ImageBomb) as exc:
        prepared.discard(session)
        message = too_large_message(limit) if isinstance(exc, FileTooLarge) else str(exc)
        raise InvalidInput(f"{display_name}: {message}") from None
    except OSError as exc:
        prepared.discard(session)
        if exc.errno in _DISK_FULL:
            raise UserFacingError(f"{display_name}: {DISK_FULL_MESSAGE}") from None
        raise
    except BaseException:
        prepared.discard(session)
        raise
    return prepared


def _contribute(
    session: Session,
    reference: str,
    compute: Callable[[CaseFields], CaseFields],
    action: str,
) -> int:
    """Append a version as a contributor (see the module docstring for who may)."""
    session.ensure_open()
    with session.write() as conn:
        case, verified = open_to_contribute(session, conn, reference)
        fields = verified.fields
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
