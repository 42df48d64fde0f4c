"""Reading an evidence file in once, in bounded memory: reads of exactly the size asked
for, the size limit enforced as it streams, encrypting as the chunks are stored, hashing
and thumbnailing on worker threads where there are cores for them (vault/evidence.py).
"""

from __future__ import annotations

import hashlib
import queue
import threading
from typing import BinaryIO, Protocol, cast

from safelog.cores import usable_cores
from safelog.crypto.stream import ChunkSlots, StreamEncryptor
from safelog.evidence.images import Preview, make_thumbnail
from safelog.evidence.intake import FileTooLarge, too_large_message


class _Reads(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Filled:
    """Bytes already read, then the rest of a stream. Every read returns exactly the size
    asked for, fewer only at the end: pipes and sockets return short reads, and a broken
    stream may return more than asked; encrypted chunks must all be full-size but the last.

    A read that one piece satisfies returns that piece as it came, and what was read ahead
    is handed out by position: every byte of a large file is copied once, not once per
    layer (evidence.py stacks two), nor again for every chunk of a large image."""

    def __init__(self, first: bytes, rest: _Reads) -> None:
        self._pending = first
        self._at = 0  # how much of _pending has been handed out
        self._rest = rest
        self._ended = False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            raise ValueError("evidence is read in bounded pieces")
        parts = []
        if self._at < len(self._pending):
            parts.append(self._pending[self._at : self._at + size])
            self._at += len(parts[0])
            if self._at == len(self._pending):
                self._pending, self._at = b"", 0  # not kept: it may be a 64 MiB image
        have = len(parts[0]) if parts else 0
        while have < size and not self._ended:
            piece = self._rest.read(size - have)
            if not piece:
                self._ended = True
                break
            if have + len(piece) > size:
                piece, self._pending, self._at = piece[: size - have], bytes(piece), size - have
            parts.append(piece)
            have += len(piece)
        if len(parts) == 1 and type(parts[0]) is bytes:
            return parts[0]  # no copy: the common case, one read from the file
        return b"".join(parts)


class Limited:
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


class Thumbnailer:
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


def encrypt_in_background(
    encryptor: StreamEncryptor, stream: _Reads, limit: int, slots: ChunkSlots
) -> None:
    """Read and encrypt the file into the store's `slots`, in order, as the store writes
    them: at most a few chunks are in memory at once.

    With two cores or more, SHA-256 (the larger half of the crypto) runs on a thread of its
    own beside the reading, encrypting and writing. Everything else stays in the caller's
    thread: measured on this 2-core machine (2026-12-04, 1 GiB), a separate encrypting thread
    as well cost 15% more CPU (handing chunks between threads and their memory between
    allocators) and lost to that when other programs used the second core. On one core (an
    old office PC, or a process pinned to one) threads cannot run side by side and only add
    switching, so the hash is computed in the caller's thread too. Either way the disk writes
    beside the CPU (store/file_writes.py)."""
    if usable_cores() < 2:
        encryptor.encrypt_file_into(cast(BinaryIO, stream), slots, limit)
        return
    hasher = _BackgroundSha256()
    encryptor.sha256 = hasher  # type: ignore[assignment]
    try:
        encryptor.encrypt_file_into(cast(BinaryIO, stream), slots, limit)
    finally:
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
