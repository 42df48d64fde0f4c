"""Where evidence chunks (ciphertext only) are kept.

With SQLite, each item's chunks live in one file in the `evidence/` folder beside the main
database: a 1 GiB import then writes each byte once, in large writes, where SQLite's
write-ahead log wrote it twice in 4 KiB pages (measured: 9% of the raw hash-and-encrypt
speed in the WAL, about 40% in a separate 64 KiB-page database, near the disk's speed as a
file). The main database stays in WAL mode, so cases can be read during a long import.
With PostgreSQL, chunks go to the `evidence_chunks` table of the same database.

Either way an import writes its chunks first and commits them, then records the evidence
row (with the signed chunk count) in the main database. A process killed in between leaves
only unreferenced ciphertext whose key was never stored; `delete_orphans` removes it once
it is old enough that no import still in progress (in another process) can own it. So
evidence is wholly there or not at all.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, delete, insert, select

from safelog.store.private import private_folder
from safelog.store.schema import EvidenceChunkRow, EvidenceRow

FOLDER_NAME = "evidence"
# An import of the largest allowed file takes minutes; an hour leaves a wide margin.
ORPHAN_AGE_SECONDS = 3600


class ChunkStore(Protocol):
    def write(self, evidence_id: str, chunks: Iterable[bytes], *, durable: bool = True) -> int:
        """Store chunks 0..n-1 and commit; returns n. With `durable` False the caller
        commits a batch of items at once with `make_durable` before recording any of them."""

    def make_durable(self, evidence_ids: Sequence[str]) -> None: ...

    def read(self, evidence_id: str, index: int) -> bytes | None: ...

    def delete(self, evidence_id: str) -> None: ...

    def ids(self, written_before: float) -> set[str]: ...

    def close(self) -> None: ...


def delete_orphans(
    store: ChunkStore,
    engine: Engine,
    older_than: float = ORPHAN_AGE_SECONDS,
    keep: Iterable[str] = (),
) -> int:
    """Remove chunks no evidence row refers to (left by an interrupted import). Chunks of an
    item the audit log names (`keep`) are never removed, even if its row has gone: that is
    tampering to report, not clutter to sweep."""
    stored = store.ids(time.time() - older_than)
    if not stored:
        return 0
    with engine.connect() as conn:
        live = set(conn.execute(select(EvidenceRow.id)).scalars())
    orphans = stored - live - set(keep)
    for evidence_id in orphans:
        store.delete(evidence_id)
    return len(orphans)


class DatabaseChunks:
    """Chunks in the main database's evidence_chunks table (PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def write(self, evidence_id: str, chunks: Iterable[bytes], *, durable: bool = True) -> int:
        count = 0
        now = int(time.time())
        with self._engine.begin() as conn:
            for index, chunk in enumerate(chunks):
                conn.execute(
                    insert(EvidenceChunkRow).values(
                        evidence_id=evidence_id, idx=index, data_ct=chunk, written_at=now
                    )
                )
                count += 1
        return count

    def make_durable(self, evidence_ids: Sequence[str]) -> None:
        pass  # each item's chunks were committed in their own transaction

    def read(self, evidence_id: str, index: int) -> bytes | None:
        with self._engine.connect() as conn:
            return conn.execute(
                select(EvidenceChunkRow.data_ct).where(
                    EvidenceChunkRow.evidence_id == evidence_id, EvidenceChunkRow.idx == index
                )
            ).scalar_one_or_none()

    def delete(self, evidence_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                delete(EvidenceChunkRow).where(EvidenceChunkRow.evidence_id == evidence_id)
            )

    def ids(self, written_before: float) -> set[str]:
        with self._engine.connect() as conn:
            return set(
                conn.execute(
                    select(EvidenceChunkRow.evidence_id)
                    .where(EvidenceChunkRow.written_at < written_before)
                    .distinct()
                ).scalars()
            )

    def close(self) -> None:
        pass


class ChunkFolder:
    """Evidence ciphertext as one file per item in `<data dir>/evidence/`, for SQLite vaults.

    Chunks are fixed-size, so chunk i sits at offset i * chunk_length. A file is written as
    `<id>.partial`, flushed to disk and renamed before its evidence row is committed, so a
    committed row never points at data a power cut could still take away.
    """

    def __init__(self, folder: Path, chunk_length: int) -> None:
        self.folder = folder
        self.chunk_length = chunk_length
        private_folder(folder)

    def _path(self, evidence_id: str) -> Path:
        # Evidence ids are UUIDs made by SafeLog; anything else never names a file.
        if not _is_uuid(evidence_id):
            raise ValueError("not an evidence id")
        return self.folder / evidence_id

    def write(self, evidence_id: str, chunks: Iterable[bytes], *, durable: bool = True) -> int:
        final = self._path(evidence_id)
        partial = final.with_name(final.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        count = 0
        short_seen = False  # only the last chunk may be short: chunk i must sit at i * length
        flusher = _BackgroundFlush(fd)
        try:
            with os.fdopen(fd, "wb", buffering=0) as handle:
                for chunk in chunks:
                    if short_seen:
                        raise ValueError("a chunk came after a short, final chunk")
                    short_seen = len(chunk) != self.chunk_length
                    handle.write(chunk)
                    count += 1
                    if count % FLUSH_EVERY == 0:
                        flusher.start(count * self.chunk_length)
                flusher.wait()
                if not durable:
                    if _FADVISE:  # the disk starts on the rest now, not at make_durable
                        with contextlib.suppress(OSError):
                            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
                    return count  # still `.partial`: make_durable syncs and names it
                os.fsync(handle.fileno())
            os.replace(partial, final)
            _fsync_file(self.folder)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return count

    def make_durable(self, evidence_ids: Sequence[str]) -> None:
        """Flush a batch of items written with `durable=False` to disk together (one
        journal commit can carry them all, where one fsync each waited for one each), then
        give each its final name, and flush the folder once."""
        partials = [self._path(i).with_name(i + ".partial") for i in evidence_ids]
        if not partials:
            return
        with ThreadPoolExecutor(min(8, len(partials)), thread_name_prefix="evidence-sync") as pool:
            list(pool.map(_fsync_file, partials))
        for partial in partials:
            os.replace(partial, partial.with_name(partial.name.removesuffix(".partial")))
        _fsync_file(self.folder)

    def read(self, evidence_id: str, index: int) -> bytes | None:
        try:
            with self._path(evidence_id).open("rb") as handle:
                handle.seek(index * self.chunk_length)
                data = handle.read(self.chunk_length)
        except FileNotFoundError:
            return None
        return data or None

    def delete(self, evidence_id: str) -> None:
        path = self._path(evidence_id)
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".partial").unlink(missing_ok=True)

    def ids(self, written_before: float) -> set[str]:
        found = set()
        for entry in self.folder.iterdir():
            name = entry.name.removesuffix(".partial")
            if _is_uuid(name) and entry.stat().st_mtime < written_before:
                found.add(name)
        return found

    def close(self) -> None:
        pass


# Chunks: start the disk on this much at a time while later chunks are still encrypted;
# what is left for the final fsync is at most about this much (32: 45-75 ms of waiting
# at the end of a 1 GiB import, 8: 25-40 ms, measured 2026-12-04).
FLUSH_EVERY = 8
_FADVISE = sys.platform.startswith("linux") and hasattr(os, "posix_fadvise")


class _BackgroundFlush:
    """Start the disk on what is written so far, on a helper thread, so the disk works while
    the CPU encrypts and the final fsync has little left to do.

    On Linux, posix_fadvise(DONTNEED) starts writing the new range back without waiting
    for it or asking the disk to empty its own cache (fdatasync did both). The pages it
    starts stay cached (they are under writeback, so the kernel keeps them); only the final
    fsync waits. Elsewhere, fdatasync as before."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._started = 0  # bytes handed to the disk so far
        self._thread: threading.Thread | None = None

    def start(self, written: int) -> None:
        if self._thread is not None and self._thread.is_alive():
            return  # the previous flush is still running; the next one will catch up
        self._thread = threading.Thread(
            target=self._flush, args=(self._started, written), name="evidence-flush", daemon=True
        )
        self._started = written
        self._thread.start()

    def _flush(self, start: int, end: int) -> None:
        with contextlib.suppress(OSError):  # the final fsync reports any real failure
            if _FADVISE:
                os.posix_fadvise(self._fd, start, end - start, os.POSIX_FADV_DONTNEED)
            else:
                getattr(os, "fdatasync", os.fsync)(self._fd)

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _fsync_file(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_chunk_store(engine: Engine, chunk_length: int) -> ChunkStore:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:":
        return ChunkFolder(Path(database).with_name(FOLDER_NAME), chunk_length)
    return DatabaseChunks(engine)
