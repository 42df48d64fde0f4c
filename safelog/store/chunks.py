"""Where evidence chunks (ciphertext only) are kept.

With SQLite, each item's chunks live in one file in the `evidence/` folder beside the main
database: a 1 GiB import then writes each byte once, in large writes, where SQLite's
write-ahead log wrote it twice in 4 KiB pages (measured: 9% of the raw hash-and-encrypt
speed in the WAL, about 40% in a separate 64 KiB-page database, near the disk's speed as a
file). A large file's chunks are written around the page cache where the system allows
(store/file_writes.py). The main database stays in WAL mode, so cases can be read during a
long import. With PostgreSQL, chunks go to the `evidence_chunks` table of the same database.

Either way an import writes its chunks first and commits them, then records the evidence
row (with the signed chunk count) in the main database. A process killed in between leaves
only unreferenced ciphertext whose key was never stored; `delete_orphans` removes it once
it is old enough that no import still in progress (in another process) can own it. So
evidence is wholly there or not at all.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    cast,
    delete,
    func,
    insert,
    select,
)

from safelog.crypto.stream import ChunkSlots
from safelog.store.file_writes import start_writeback, writes_for
from safelog.store.files import O_BINARY
from safelog.store.private import private_folder
from safelog.store.schema import EvidenceChunkRow, EvidenceRow

FOLDER_NAME = "evidence"
# An import of the largest allowed file takes minutes; an hour leaves a wide margin.
ORPHAN_AGE_SECONDS = 3600


class ChunkWrites(ChunkSlots, Protocol):
    """Where the encryptor puts chunks (`next`), or a caller chunks already in memory."""

    def add(self, chunk: bytes) -> None:
        """The next chunk, already in memory."""


class ChunkStore(Protocol):
    def write(self, evidence_id: str, chunks: Iterable[bytes], *, durable: bool = True) -> int:
        """Store chunks 0..n-1 and commit; returns n. With `durable` False the caller
        commits a batch of items at once with `make_durable` before recording any of them."""

    def write_into(
        self, evidence_id: str, fill: Callable[[ChunkWrites], None], *, durable: bool = True
    ) -> int:
        """As `write`, for a large stream: `fill` puts each chunk where the store gives it
        room, so ciphertext is encrypted in place rather than allocated and copied."""

    def make_durable(self, evidence_ids: Sequence[str]) -> None: ...

    def read(self, evidence_id: str, index: int) -> bytes | None: ...

    def delete(self, evidence_id: str) -> None: ...

    def ids(self, older_than: float) -> set[str]:
        """Items whose chunks were written more than `older_than` seconds ago, by the
        store's own clock (the server's, for a shared database): each PC's clock may be
        wrong, and a sweep by one PC must never take what another has just written."""

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
    stored = store.ids(older_than)
    if not stored:
        return 0
    with engine.connect() as conn:
        live = set(conn.execute(select(EvidenceRow.id)).scalars())
    orphans = stored - live - set(keep)
    for evidence_id in orphans:
        store.delete(evidence_id)
    return len(orphans)


class DatabaseChunks:
    """Chunks in the main database's evidence_chunks table (PostgreSQL).

    Their age is the database server's: `written_at` is set by the server as each row goes
    in, and the sweep compares it with the server's time. With each PC's own clock, a PC
    set an hour or more behind wrote chunks that another PC's sign-in swept at once, before
    the evidence row that needs them was committed (or one set ahead swept them)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._server_seconds = _server_seconds(engine.dialect.name)

    def write(self, evidence_id: str, chunks: Iterable[bytes], *, durable: bool = True) -> int:
        return self.write_into(evidence_id, _adding(chunks), durable=durable)

    def write_into(
        self, evidence_id: str, fill: Callable[[ChunkWrites], None], *, durable: bool = True
    ) -> int:
        with self._engine.begin() as conn:
            rows = _ChunkRows(conn, evidence_id, self._server_seconds)
            fill(rows)
            rows.finish()
        return rows.count

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

    def ids(self, older_than: float) -> set[str]:
        with self._engine.connect() as conn:
            now = conn.execute(select(self._server_seconds)).scalar_one()
            return set(
                conn.execute(
                    select(EvidenceChunkRow.evidence_id)
                    .where(EvidenceChunkRow.written_at < now - older_than)
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
        return self._new_file(evidence_id, _adding(chunks), durable=durable, direct=False)

    def write_into(
        self, evidence_id: str, fill: Callable[[ChunkWrites], None], *, durable: bool = True
    ) -> int:
        return self._new_file(evidence_id, fill, durable=durable, direct=True)

    def _new_file(
        self, evidence_id: str, fill: Callable[[ChunkWrites], None], *, durable: bool, direct: bool
    ) -> int:
        final = self._path(evidence_id)
        partial = final.with_name(final.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_BINARY, 0o600)
        try:
            try:
                writes = writes_for(fd, self.chunk_length, direct=direct)
                try:
                    fill(writes)
                    writes.finish()
                finally:
                    writes.close()
                if not durable:
                    start_writeback(fd)  # the disk starts on the rest now, not at make_durable
                    return writes.count  # still `.partial`: make_durable syncs and names it
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(partial, final)
            _fsync_file(self.folder)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return writes.count

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
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None  # gone, or something else in its place: the reader says tampered
        return data or None

    def delete(self, evidence_id: str) -> None:
        path = self._path(evidence_id)
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".partial").unlink(missing_ok=True)

    def ids(self, older_than: float) -> set[str]:
        # This PC's clock both stamps the files and judges them: one PC writes this folder.
        written_before = time.time() - older_than
        found = set()
        for entry in self.folder.iterdir():
            name = entry.name.removesuffix(".partial")
            if _is_uuid(name) and entry.stat().st_mtime < written_before:
                found.add(name)
        return found

    def close(self) -> None:
        pass


def _adding(chunks: Iterable[bytes]) -> Callable[[ChunkWrites], None]:
    def fill(writes: ChunkWrites) -> None:
        for chunk in chunks:
            writes.add(chunk)

    return fill


class _ChunkRows:
    """Chunks as rows of one transaction, each inserted once the next is asked for."""

    def __init__(
        self, conn: Connection, evidence_id: str, server_seconds: ColumnElement[int]
    ) -> None:
        self._conn = conn
        self._evidence_id = evidence_id
        self._written_at = server_seconds
        self._room: bytearray | None = None
        self.count = 0

    def next(self, length: int) -> memoryview:
        self.finish()
        self._room = bytearray(length)
        return memoryview(self._room)

    def add(self, chunk: bytes) -> None:
        self.finish()
        self._insert(chunk)

    def finish(self) -> None:
        if self._room is not None:
            room, self._room = self._room, None
            self._insert(bytes(room))

    def _insert(self, chunk: bytes) -> None:
        self._conn.execute(
            insert(EvidenceChunkRow).values(
                evidence_id=self._evidence_id,
                idx=self.count,
                data_ct=chunk,
                written_at=self._written_at,
            )
        )
        self.count += 1


def _server_seconds(dialect: str) -> ColumnElement[int]:
    """The database server's time, in whole seconds since 1970, read as each statement runs
    (clock_timestamp, not the transaction's start: a large import's transaction is long)."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", func.clock_timestamp())), BigInteger)
    return cast(func.strftime("%s", "now"), BigInteger)  # SQLite in memory (tests)


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
