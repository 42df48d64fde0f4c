"""Evidence files: imported as an encrypted stream of chunks, read back the same way.

Each file has its own key, wrapped by the case key. Chunks are stored and committed
first (store/chunks.py), then the evidence row and its audit entry in one transaction, so a
file is wholly there or not at all whatever happens to the process.

Intake (safelog/evidence/): the type is sniffed from the content; the size limit (a signed
school setting, `evidence_limit_bytes`) is enforced while the file streams in; images are
decoded in memory only, to refuse decompression bombs and to make a thumbnail, which is
stored sealed with the case key and covered by the item's signed statement. An image that
cannot be decoded is kept byte for byte and marked "could not be shown".

Who may add: a DSL, the headteacher or the chair, on a case they can read; the person who
made a report, while it is still new or acknowledged (after that they tell the DSL, as
for any other change). Categories that may involve indecent images of children refuse
pictures and video (UKCIS: never view, copy, print, share, store or save), and archives
(zip, 7z, rar, tar, compressed files), which may hold them, all judged by content
(`intake.kept_out_with_images`); a description of what was reported, who was told and the
police reference is recorded instead (`record_image_report`).

The same file twice on a case (same SHA-256) is stored once: the second import returns the
existing item and records the new sighting (who, when, where it was seen) as a signed case
version (field `evidence_sightings`).

Audit: "evidence.add", "evidence.sighting", "evidence.view", "evidence.extract" (and
"evidence.export" from the PDF export) name the item; `evidence_custody` lists them per
item. Thumbnails are shown in lists, so reading one is not audited on its own: the listing
that shows them is ("case.view" from show_case, or one "case.evidence-list" from
`list_case_evidence`, naming the items listed).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

from sqlalchemy import Connection, insert, select

from safelog.crypto.aead import DecryptionFailed, binding, new_key
from safelog.crypto.encoding import canonical_json
from safelog.crypto.stream import CHUNK_SIZE, StreamDamaged, StreamEncryptor, decrypt_stream
from safelog.domain.categories import category_by_code
from safelog.domain.outcomes import CaseStatus
from safelog.errors import (
    AccessDenied,
    InvalidInput,
    NotFound,
    ReportBeingHandled,
    TamperDetected,
)
from safelog.evidence.images import (
    MAX_PREVIEW_FILE,
    PREVIEW_NONE,
    PREVIEW_TOO_LARGE,
    ImageBomb,
    Preview,
    check_image,
    make_thumbnail,
)
from safelog.evidence.intake import (
    ARCHIVE,
    EMPTY_MESSAGE,
    IMAGERY,
    SNIFF_BYTES,
    FileTooLarge,
    ImageImportBlocked,
    IntakeRefused,
    SniffedType,
    check_size,
    describe_type,
    kept_out_with_images,
    safe_file_name,
    sniff,
    too_large_message,
    type_mismatch,
)
from safelog.store.schema import EvidenceRow
from safelog.text import check_typed, optional_text
from safelog.vault.audit_view import AuditEntry, case_audit
from safelog.vault.authority import MANAGERS, REPORTER_MAY_ADD
from safelog.vault.case_engine import (
    OpenCase,
    commit_version,
    evidence_statement,
    lock_case,
    open_case,
    read_case,
    seal_from_reporter,
    signed_evidence,
    verify_evidence_row,
)
from safelog.vault.case_input import MAX_TEXT
from safelog.vault.case_schema import (
    CaseField,
    CaseFields,
    EvidenceDetails,
    EvidenceMeta,
    EvidenceSighting,
    ImageReport,
)
from safelog.vault.records import EvidenceInfo
from safelog.vault.session import Session
from safelog.vault.settings import load_settings

MAX_ORIGINAL_NAME = 4096  # characters of the original name kept (file systems allow ~255)
# A time "seen" may be up to a day ahead of this computer's clock (time zones typed wrong,
# another device's clock); beyond that it is refused as in the future.
_SEEN_AT_SLACK = timedelta(days=1)


def key_aad(evidence_id: str, case_id: str, key_no: int) -> bytes:
    return binding("evidence-key", evidence_id, case_id, key_no)


def meta_aad(evidence_id: str, case_id: str) -> bytes:
    return binding("evidence-meta", evidence_id, case_id)


def thumbnail_aad(evidence_id: str, case_id: str) -> bytes:
    return binding("evidence-thumbnail", evidence_id, case_id)


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


@dataclass(frozen=True)
class EvidenceItem:
    info: EvidenceInfo
    sightings: list[EvidenceSighting] = field(default_factory=list)
    thumbnail: bytes | None = None


@dataclass(frozen=True)
class IntakeRules:
    """What this user may add to a case, for the GUI to show before anything is captured."""

    may_add: bool
    reason: str  # why not, when may_add is False
    images_blocked: bool
    guidance: str  # the category's guidance (UKCIS wording when images are blocked)


# --------------------------------------------------------------------------------------
# Who may add, and what.
# --------------------------------------------------------------------------------------


def _contributor_problem(session: Session, reference: str, fields: CaseFields) -> str:
    if MANAGERS & session.person.roles:
        return ""
    status = fields.get(CaseField.STATUS, CaseStatus.NEW)
    if fields.get(CaseField.REPORTER) == session.user_id:
        if status in REPORTER_MAY_ADD:
            return ""
        return (
            f"Report {reference} is now being handled (it is {status}), so you cannot add to "
            "it; tell your DSL about anything new, or make a new report."
        )
    return (
        f"Only the DSL, the headteacher, the chair or the person who made report {reference} "
        "can add to it."
    )


def _check_contributor(session: Session, reference: str, fields: CaseFields) -> None:
    problem = _contributor_problem(session, reference, fields)
    if problem:
        raise AccessDenied(problem)


_KEPT_OUT_WORDS = {
    IMAGERY: "pictures or video",
    ARCHIVE: "archives (zip, 7z, rar, tar or compressed files), which may hold pictures",
}


def _check_not_blocked(fields: CaseFields, kept_out: str | None) -> None:
    """`kept_out`: what intake.kept_out_with_images found the file to be."""
    category = category_by_code(fields[CaseField.CATEGORY])
    if kept_out and category.blocks_image_import:
        raise ImageImportBlocked(
            f"SafeLog does not store {_KEPT_OUT_WORDS[kept_out]} for a concern of this kind "
            f"({category.title}); nothing was kept. {category.guidance}",
            category.guidance,
        )


def intake_rules(session: Session, reference: str) -> IntakeRules:
    """May this user add evidence to the case, and are images blocked (with the guidance
    to show)? For the app to ask before anything is captured; not audited, since it shows
    nothing of the case but that."""
    session.ensure_open()
    try:
        with session.engine.connect() as conn:
            case = open_case(session, conn, reference)
            fields = read_case(session, conn, case).fields
    except ReportBeingHandled as handled:
        return IntakeRules(may_add=False, reason=str(handled), images_blocked=False, guidance="")
    category = category_by_code(fields[CaseField.CATEGORY])
    problem = _contributor_problem(session, case.row.reference, fields)
    return IntakeRules(
        may_add=not problem,
        reason=problem,
        images_blocked=category.blocks_image_import,
        guidance=category.guidance,
    )


# --------------------------------------------------------------------------------------
# What is recorded with an item.
# --------------------------------------------------------------------------------------

_META_KEYS = frozenset(EvidenceDetails.__annotations__)


def _one_line(value: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if "\n" in value or "\r" in value:
        raise InvalidInput(f"The {what} must be a single line.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    return check_typed(value, f"The {what}")


def _time_given(value: str, what: str, now: datetime) -> str:
    """A date (2026-11-20) or a date and time with a time zone; not in the future."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if day > (now + _SEEN_AT_SLACK).date():
                raise InvalidInput(f"The {what} ({value}) is in the future.")
            return day.isoformat()
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"The {what} must be a date like 2026-11-20 or a date and time with a time zone "
            "like 2026-11-20T15:30:00+00:00."
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"The {what} needs a time zone, like +00:00.")
    if parsed > now + _SEEN_AT_SLACK:
        raise InvalidInput(f"The {what} ({value}) is in the future.")
    return parsed.isoformat()


def _clean_metadata(metadata: dict[str, str], now: datetime) -> EvidenceDetails:
    unknown = set(metadata) - _META_KEYS
    if unknown:
        raise InvalidInput(f"Unknown evidence details: {', '.join(sorted(unknown))}.")
    description = optional_text(metadata.get("description") or "", "description", limit=MAX_TEXT)
    return {
        "source_url": _one_line(metadata.get("source_url", ""), "source URL", 4000),
        "platform": _one_line(metadata.get("platform", ""), "platform", 200),
        "handle": _one_line(metadata.get("handle", ""), "account handle", 200),
        "description": description,
        "seen_at": _time_given(metadata.get("seen_at", ""), "time it was seen", now),
    }


def evidence_limit(session: Session) -> int:
    """The school's limit (signed setting `evidence_limit_bytes`, 2 GiB by default)."""
    return load_settings(session).evidence_limit_bytes


# --------------------------------------------------------------------------------------
# Import.
# --------------------------------------------------------------------------------------


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
    details = _clean_metadata(metadata or {}, session.clock())
    source = _Filled(b"", stream)
    if head is None:
        head = source.read(SNIFF_BYTES)
        source = _Filled(head, source)
    if not head:
        raise InvalidInput(f"{display_name}: {EMPTY_MESSAGE}")
    sniffed = sniff(head)
    claimed = type_mismatch(original_name, sniffed)
    kept_out = kept_out_with_images(sniffed, claimed)
    # Refuse before reading another byte if this person may not add it here.
    with session.engine.connect() as conn:
        case = open_case(session, conn, reference)
        fields = read_case(session, conn, case).fields
    _check_contributor(session, case.row.reference, fields)
    _check_not_blocked(fields, kept_out)

    thumbnailer: _Thumbnailer | None = None
    preview = Preview(PREVIEW_NONE)
    if sniffed.previewable:
        data = source.read(min(limit, MAX_PREVIEW_FILE) + 1)  # the whole file, if it fits
        if len(data) > limit:
            raise InvalidInput(f"{display_name}: {too_large_message(limit)}")
        if len(data) > MAX_PREVIEW_FILE:
            preview = Preview(PREVIEW_TOO_LARGE)
            source = _Filled(data, source)
        else:
            try:
                check_image(data, sniffed.media_type)  # the header only: bombs stop here
            except ImageBomb as exc:
                raise InvalidInput(f"{display_name}: {exc}") from None
            thumbnailer = _Thumbnailer(data, sniffed.media_type)
            source = _Filled(data, io.BytesIO())

    def finished_preview() -> Preview:
        # Called inside the recording transaction, once the case has been read: the
        # thumbnail is made meanwhile, while the file is encrypted, written and checked.
        return thumbnailer.result() if thumbnailer is not None else preview

    evidence_id = str(uuid.uuid4())
    file_key = new_key()
    encryptor = StreamEncryptor(file_key, evidence_id)
    try:
        session.chunks.write(
            evidence_id, _encrypted_in_background(encryptor, _Limited(source, limit), limit)
        )
        added = _record_evidence(
            session,
            reference,
            evidence_id,
            file_key,
            encryptor,
            sniffed,
            claimed,
            kept_out,
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


class _Reads(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Filled:
    """Bytes already read, then the rest of a stream. Every read returns exactly the size
    asked for, fewer only at the end: pipes and sockets return short reads, and a broken
    stream may return more than asked; encrypted chunks must all be full-size but the last."""

    def __init__(self, first: bytes, rest: _Reads) -> None:
        self._pending = first
        self._rest = rest
        self._ended = False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            raise ValueError("evidence is read in bounded pieces")
        parts = [self._pending[:size]]
        self._pending = self._pending[size:]
        have = len(parts[0])
        while have < size and not self._ended:
            piece = self._rest.read(size - have)
            if not piece:
                self._ended = True
                break
            if have + len(piece) > size:
                piece, self._pending = piece[: size - have], bytes(piece[size - have :])
            parts.append(piece)
            have += len(piece)
        return b"".join(parts)


class _Limited:
    """Raises FileTooLarge as soon as more than `limit` bytes have been read."""

    def __init__(self, inner: _Reads, limit: int) -> None:
        self._inner = inner
        self._limit = limit
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self.count += len(data)
        if self.count > self._limit:
            raise FileTooLarge(too_large_message(self._limit))
        return data


class _Thumbnailer:
    """Make the thumbnail on a worker thread while the file is encrypted and written
    (Pillow releases the GIL while it decodes and resizes)."""

    def __init__(self, data: bytes, media_type: str) -> None:
        self._data = data
        self._media_type = media_type
        self._preview: Preview | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="evidence-thumbnail", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._preview = make_thumbnail(self._data, self._media_type)
        except BaseException as exc:  # handed to result()
            self._error = exc

    def join(self) -> None:
        self._thread.join()

    def result(self) -> Preview:
        self.join()
        if self._error is not None:
            raise self._error
        assert self._preview is not None
        return self._preview


_DONE = object()


def _encrypted_in_background(
    encryptor: StreamEncryptor, stream: _Reads, limit: int
) -> Iterator[bytes]:
    """Read, hash and encrypt on a worker thread while the caller stores chunks, so disk
    writes overlap the crypto. At most a few chunks are in flight: memory stays bounded."""
    pending: queue.Queue[object] = queue.Queue(maxsize=4)
    stop = threading.Event()
    hasher = _BackgroundSha256()
    encryptor.sha256 = hasher  # type: ignore[assignment]

    def produce() -> None:
        try:
            for chunk in encryptor.encrypt_file(cast(BinaryIO, stream), limit):
                while not stop.is_set():
                    try:
                        pending.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            pending.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            pending.put(exc)

    worker = threading.Thread(target=produce, name="evidence-encrypt", daemon=True)
    worker.start()
    try:
        while True:
            item = pending.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
        hasher.finish()


class _BackgroundSha256:
    """SHA-256 whose updates run, in order, on a thread of their own: hashing, encrypting
    and writing then use both cores. hashlib releases the GIL on large buffers."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._jobs: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._run, name="evidence-hash", daemon=True)
        self._thread.start()
        self._finished = False

    def _run(self) -> None:
        while (data := self._jobs.get()) is not None:
            self._hash.update(data)

    def update(self, data: bytes) -> None:
        self._jobs.put(data)

    def finish(self) -> None:
        if not self._finished:
            self._finished = True
            self._jobs.put(None)
            self._thread.join()

    def hexdigest(self) -> str:
        self.finish()
        return self._hash.hexdigest()


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
        _check_contributor(session, case.row.reference, fields)
        _check_not_blocked(fields, kept_out)
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
                "evidence.sighting",
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
        session.audit(
            conn,
            "evidence.add",
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
        _check_contributor(session, case.row.reference, fields)
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
    who = _one_line(informed, "name of who was informed", 300)
    if not who:
        raise InvalidInput("Write who was informed (for example the DSL or the police).")
    if informed_at is not None and informed_at.tzinfo is None:
        raise InvalidInput("The time they were informed needs a time zone.")
    when = _time_given(
        informed_at.isoformat() if informed_at else now.isoformat(), "time they were informed", now
    )
    entry: ImageReport = {
        "id": str(uuid.uuid4()),
        "description": text,
        "informed": who,
        "informed_at": when,
        "police_reference": _one_line(police_reference, "police reference", 200),
        "recorded_by": session.person.name,
        "recorded_at": now.isoformat(),
    }
    return _contribute(
        session,
        reference,
        lambda fields: {
            CaseField.IMAGE_REPORTS: [*(fields.get(CaseField.IMAGE_REPORTS) or []), entry]
        },
        "case.image-report",
    )


# --------------------------------------------------------------------------------------
# Reading.
# --------------------------------------------------------------------------------------


def _rows(session: Session, conn: Connection, case: OpenCase) -> list[tuple[Any, EvidenceInfo]]:
    rows = conn.execute(
        select(EvidenceRow.__table__)
        .where(EvidenceRow.case_id == case.row.id)
        .order_by(EvidenceRow.added_at)
    ).all()
    items = []
    for row in rows:
        verify_evidence_row(session, conn, case, row)
        cipher = case.ciphers.get(row.key_no)
        try:
            if cipher is None:
                raise DecryptionFailed("no key")
            meta = json.loads(cipher.open(row.metadata_ct, meta_aad(row.id, row.case_id)))
        except DecryptionFailed:
            raise TamperDetected(
                f"The details of evidence {row.id} of case {case.row.reference} are damaged."
            ) from None
        items.append(
            (
                row,
                EvidenceInfo(
                    id=row.id,
                    file_name=meta["file_name"],
                    media_type=meta["media_type"],
                    size=meta["size"],
                    sha256=meta["sha256"],
                    added_by=meta["added_by"],
                    added_at=row.added_at,
                    metadata=meta,
                ),
            )
        )
    return items


def list_evidence(session: Session, conn: Connection, case: OpenCase) -> list[EvidenceInfo]:
    return [info for _, info in _rows(session, conn, case)]


def _open_thumbnail(case: OpenCase, row: Any) -> bytes | None:
    if row.thumbnail_ct is None:
        return None
    cipher = case.ciphers.get(row.key_no)
    try:
        if cipher is None:
            raise DecryptionFailed("no key")
        return cipher.open(row.thumbnail_ct, thumbnail_aad(row.id, row.case_id))
    except DecryptionFailed:
        raise TamperDetected(
            f"The thumbnail of evidence {row.id} of case {case.row.reference} is damaged."
        ) from None


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
        rows = _rows(session, conn, case)
        items = [
            EvidenceItem(
                info,
                sightings_of(fields, info.id),
                _open_thumbnail(case, row) if thumbnails else None,
            )
            for row, info in rows
        ]
        session.audit(
            conn,
            "case.evidence-list",
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
        row = conn.execute(
            select(EvidenceRow.__table__).where(
                EvidenceRow.id == evidence_id, EvidenceRow.case_id == case.row.id
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"Case {case.row.reference} has no evidence {evidence_id}.")
        verify_evidence_row(session, conn, case, row)
        return _open_thumbnail(case, row)


def read_evidence(
    session: Session, reference: str, evidence_id: str, action: str = "evidence.view"
) -> tuple[EvidenceInfo, Iterator[bytes]]:
    """The item's details and its plaintext as a stream of chunks, verified on the way:
    the stream raises TamperDetected at the first damaged chunk and checks the SHA-256
    at the end. Reading is audited before any byte is returned."""
    session.ensure_open()
    with session.write() as conn:
        case = open_case(session, conn, reference)
        seal_from_reporter(session, conn, case)
        info = next((e for e in list_evidence(session, conn, case) if e.id == evidence_id), None)
        if info is None:
            raise NotFound(f"Case {case.row.reference} has no evidence {evidence_id}.")
        row = conn.execute(select(EvidenceRow.__table__).where(EvidenceRow.id == evidence_id)).one()
        try:
            file_key = case.ciphers[row.key_no].open(
                row.file_key_wrapped, key_aad(row.id, row.case_id, row.key_no)
            )
        except DecryptionFailed:
            raise TamperDetected(f"The key of evidence {evidence_id} is damaged.") from None
        session.audit(
            conn,
            action,
            {"reference": case.row.reference, "evidence_id": evidence_id},
            case=case.audit_ref(),
        )
    return info, _stream(session, info, file_key, row.chunk_count, reference)


def _stream(
    session: Session, info: EvidenceInfo, file_key: bytes, chunk_count: int, reference: str
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
    """Write the original to a place the user chose; nothing is left there on failure."""
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    info, stream = read_evidence(session, reference, evidence_id, action="evidence.extract")
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise InvalidInput(f"Cannot write {out}: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in stream:
                handle.write(chunk)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return info


# --------------------------------------------------------------------------------------
# Chain of custody.
# --------------------------------------------------------------------------------------


def _names_item(entry: AuditEntry, evidence_id: str) -> bool:
    details = entry.details
    return details.get("evidence_id") == evidence_id or evidence_id in (
        details.get("evidence_ids") or []
    )


def custody_by_item(session: Session, reference: str) -> dict[str, list[AuditEntry]]:
    """For each item of a case, the audit entries that name it (add, sightings, views,
    extracts, exports, listings), oldest first; from the verified audit log."""
    out: dict[str, list[AuditEntry]] = {}
    for entry in case_audit(session, reference):
        ids = [entry.details.get("evidence_id"), *(entry.details.get("evidence_ids") or [])]
        for evidence_id in dict.fromkeys(i for i in ids if isinstance(i, str)):
            out.setdefault(evidence_id, []).append(entry)
    return out


def evidence_custody(session: Session, reference: str, evidence_id: str) -> list[AuditEntry]:
    """The chain of custody of one item: every audit entry about it, oldest first."""
    entries = [e for e in case_audit(session, reference) if _names_item(e, evidence_id)]
    if not entries:
        raise NotFound(f"Case {reference} has no evidence {evidence_id}.")
    return entries


__all__ = [
    "CHUNK_SIZE",
    "EvidenceAdded",
    "EvidenceItem",
    "ImageImportBlocked",
    "IntakeRules",
    "add_evidence",
    "add_evidence_detailed",
    "custody_by_item",
    "evidence_custody",
    "evidence_limit",
    "extract_evidence",
    "import_stream",
    "import_stream_detailed",
    "intake_rules",
    "list_case_evidence",
    "list_evidence",
    "read_evidence",
    "read_thumbnail",
    "record_image_report",
    "sightings_of",
]
