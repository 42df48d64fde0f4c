"""Evidence files: imported as an encrypted stream of chunks, read back the same way.

Each file has its own key, wrapped by the case key. Chunks are stored and committed
first (store/chunks.py), then the evidence row and its audit entry in one transaction, so a
file is wholly there or not at all whatever happens to the process.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, insert, select

from safelog.crypto.aead import DecryptionFailed, binding, new_key
from safelog.crypto.encoding import canonical_json
from safelog.crypto.stream import CHUNK_SIZE, StreamDamaged, StreamEncryptor, decrypt_stream
from safelog.errors import InvalidInput, NotFound, TamperDetected
from safelog.evidence.intake import (
    DEFAULT_LIMIT,
    SNIFF_BYTES,
    IntakeRefused,
    check_size,
    safe_file_name,
    sniff,
)
from safelog.store.schema import EvidenceRow
from safelog.vault.cases import OpenCase, open_case
from safelog.vault.records import EvidenceInfo
from safelog.vault.session import Session


def _key_aad(evidence_id: str, case_id: str, key_no: int) -> bytes:
    return binding("evidence-key", evidence_id, case_id, key_no)


def _meta_aad(evidence_id: str, case_id: str) -> bytes:
    return binding("evidence-meta", evidence_id, case_id)


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
    limit: int = DEFAULT_LIMIT,
) -> str:
    """Import a file as evidence on a case; returns the evidence id."""
    session.ensure_open()
    try:
        size = path.stat().st_size
        handle_file = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path.name}: {exc.strerror}.") from None
    with handle_file:
        try:
            check_size(size, limit)
        except IntakeRefused as exc:
            raise InvalidInput(str(exc)) from None
        head = handle_file.read(SNIFF_BYTES)
        handle_file.seek(0)
        return import_stream(
            session,
            reference,
            handle_file,
            original_name=path.name,
            head=head,
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
    head: bytes,
    limit: int,
    metadata: dict[str, str],
) -> str:
    sniffed = sniff(head)
    with session.engine.connect() as conn:
        open_case(session, conn, reference)  # refuse before reading a byte if not allowed
    evidence_id = str(uuid.uuid4())
    file_key = new_key()
    encryptor = StreamEncryptor(file_key, evidence_id)
    try:
        session.chunks.write(evidence_id, _encrypted_in_background(encryptor, stream, limit))
    except ValueError as exc:
        session.chunks.delete(evidence_id)
        raise InvalidInput(f"{safe_file_name(original_name)}: {exc}.") from None
    except BaseException:
        session.chunks.delete(evidence_id)
        raise
    try:
        return _record_evidence(
            session,
            reference,
            evidence_id,
            file_key,
            encryptor,
            sniffed.media_type,
            original_name,
            metadata,
        )
    except BaseException:
        session.chunks.delete(evidence_id)
        raise


_DONE = object()


def _encrypted_in_background(
    encryptor: StreamEncryptor, stream: BinaryIO, limit: int
) -> Iterator[bytes]:
    """Read, hash and encrypt on a worker thread while the caller stores chunks, so disk
    writes overlap the crypto. At most a few chunks are in flight: memory stays bounded."""
    pending: queue.Queue[object] = queue.Queue(maxsize=4)
    stop = threading.Event()
    hasher = _BackgroundSha256()
    encryptor.sha256 = hasher  # type: ignore[assignment]

    def produce() -> None:
        try:
            for chunk in encryptor.encrypt_file(stream, limit):
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


def _record_evidence(
    session: Session,
    reference: str,
    evidence_id: str,
    file_key: bytes,
    encryptor: StreamEncryptor,
    media_type: str,
    original_name: str,
    metadata: dict[str, str],
) -> str:
    if encryptor.size == 0:
        raise InvalidInput("The file is empty (0 bytes); there is nothing to keep.")
    now = session.clock()
    sha256 = encryptor.sha256.hexdigest()
    with session.write() as conn:
        case = open_case(session, conn, reference)
        case_id = case.row.id
        meta = {
            **metadata,
            "file_name": safe_file_name(original_name),
            "original_name": original_name,
            "media_type": media_type,
            "size": encryptor.size,
            "sha256": sha256,
            "captured_at_utc": now.isoformat(),
            "captured_at_local": now.astimezone().isoformat(),
            "added_by": session.person.name,
            "device": session.device,
        }
        meta_ct = case.current.seal(canonical_json(meta), _meta_aad(evidence_id, case_id))
        wrapped = case.current.seal(file_key, _key_aad(evidence_id, case_id, case.row.key_no))
        statement = _statement(
            evidence_id,
            case_id,
            case.row.key_no,
            encryptor.size,
            encryptor.chunks,
            meta_ct,
            wrapped,
            session.user_id,
            now,
        )
        duplicates = [e.id for e in list_evidence(session, conn, case) if e.sha256 == sha256]
        conn.execute(
            insert(EvidenceRow).values(
                id=evidence_id,
                case_id=case_id,
                key_no=case.row.key_no,
                file_key_wrapped=wrapped,
                metadata_ct=meta_ct,
                size=encryptor.size,
                chunk_count=encryptor.chunks,
                added_by=session.user_id,
                added_at=now,
                statement=statement,
                signature=session.identity.sign(statement),
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
                "same_as": duplicates,
            },
            case=case.audit_ref(),
        )
    return evidence_id


def _statement(
    evidence_id: str,
    case_id: str,
    key_no: int,
    size: int,
    chunks: int,
    meta_ct: bytes,
    wrapped: bytes,
    author: str,
    at: datetime,
) -> bytes:
    return canonical_json(
        {
            "type": "evidence",
            "id": evidence_id,
            "case_id": case_id,
            "key_no": key_no,
            "size": size,
            "chunks": chunks,
            "meta": hashlib.sha256(meta_ct).hexdigest(),
            "key": hashlib.sha256(wrapped).hexdigest(),
            "author": author,
            "at": at.isoformat(),
        }
    )


def _verified_row(session: Session, row: Any, reference: str) -> None:
    where = f"evidence {row.id} of case {reference}"
    author = session.directory.people.get(row.added_by)
    expected = _statement(
        row.id,
        row.case_id,
        row.key_no,
        row.size,
        row.chunk_count,
        row.metadata_ct,
        row.file_key_wrapped,
        row.added_by,
        row.added_at,
    )
    if (
        author is None
        or expected != row.statement
        or not author.verifies(row.signature, row.statement)
    ):
        raise TamperDetected(f"The record of {where} has been altered.")


def list_evidence(session: Session, conn: Connection, case: OpenCase) -> list[EvidenceInfo]:
    rows = conn.execute(
        select(EvidenceRow.__table__)
        .where(EvidenceRow.case_id == case.row.id)
        .order_by(EvidenceRow.added_at)
    ).all()
    items = []
    for row in rows:
        _verified_row(session, row, case.row.reference)
        cipher = case.ciphers.get(row.key_no)
        try:
            if cipher is None:
                raise DecryptionFailed("no key")
            meta = json.loads(cipher.open(row.metadata_ct, _meta_aad(row.id, row.case_id)))
        except DecryptionFailed:
            raise TamperDetected(
                f"The details of evidence {row.id} of case {case.row.reference} are damaged."
            ) from None
        items.append(
            EvidenceInfo(
                id=row.id,
                file_name=meta["file_name"],
                media_type=meta["media_type"],
                size=meta["size"],
                sha256=meta["sha256"],
                added_by=meta["added_by"],
                added_at=row.added_at,
                metadata=meta,
            )
        )
    return items


def read_evidence(
    session: Session, reference: str, evidence_id: str, action: str = "evidence.view"
) -> tuple[EvidenceInfo, Iterator[bytes]]:
    """The item's details and its plaintext as a stream of chunks, verified on the way:
    the stream raises TamperDetected at the first damaged chunk and checks the SHA-256
    at the end. Reading is audited before any byte is returned."""
    session.ensure_open()
    with session.write() as conn:
        case = open_case(session, conn, reference)
        info = next((e for e in list_evidence(session, conn, case) if e.id == evidence_id), None)
        if info is None:
            raise NotFound(f"Case {case.row.reference} has no evidence {evidence_id}.")
        row = conn.execute(select(EvidenceRow.__table__).where(EvidenceRow.id == evidence_id)).one()
        try:
            file_key = case.ciphers[row.key_no].open(
                row.file_key_wrapped, _key_aad(row.id, row.case_id, row.key_no)
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


__all__ = ["CHUNK_SIZE", "add_evidence", "extract_evidence", "list_evidence", "read_evidence"]
