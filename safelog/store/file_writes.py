"""Writing a new evidence file's ciphertext to disk while the next chunks are encrypted.

Two ways, the same bytes on disk:
- `DirectWrites` (Linux): the file is open with O_DIRECT and a thread of its own writes
  batches of a few MiB from page-aligned buffers, which the encryptor fills in place
  (AESGCM.encrypt_into). Measured pinned to one core (2026-12-04, 1 GiB): buffered writes
  cost 1.0 s of system time (copying into the page cache, then writing it back) and held up
  the encrypting thread whenever the kernel throttled dirty pages; direct writes cost
  0.3 s, and the disk works while the CPU encrypts.
- `BufferedWrites` elsewhere, where the file system refuses O_DIRECT (tmpfs may), and for
  files already in memory (a screenshot): ordinary writes, with the disk started on each new
  range in the background (`BackgroundFlush`).
Either way the caller fsyncs the file before naming it. Only ciphertext passes here.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import queue
import sys
import threading

_LINUX = sys.platform.startswith("linux")
_FADVISE = _LINUX and hasattr(os, "posix_fadvise")
_O_DIRECT: int = getattr(os, "O_DIRECT", 0) if _LINUX else 0

# Direct writes: offsets, lengths and buffer addresses must be multiples of the block size.
ALIGN = 4096
# Written at a time by the writer thread; three buffers let the encryptor fill one while one
# is written and one waits, 15 MiB in all.
BATCH = 4 * 1024 * 1024
BUFFERS = 3
# Buffered writes: start the disk on this many chunks at a time while later chunks are still
# encrypted; what is left for the final fsync is at most about this much (32: 45-75 ms of
# waiting at the end of a 1 GiB import, 8: 25-40 ms, measured 2026-12-04).
FLUSH_EVERY = 8


def start_writeback(fd: int, start: int = 0, length: int = 0) -> None:
    """On Linux, start the disk on a range written so far (0 length: to the end), without
    waiting for it. Elsewhere nothing: the fsync that names the file does it."""
    if _FADVISE:
        with contextlib.suppress(OSError):  # the final fsync reports any real failure
            os.posix_fadvise(fd, start, length, os.POSIX_FADV_DONTNEED)


def writes_for(fd: int, chunk_length: int, *, direct: bool) -> DirectWrites | BufferedWrites:
    """Direct writes where asked for and the file system takes them, else buffered."""
    if direct and _set_direct(fd, True):
        return DirectWrites(fd, chunk_length)
    return BufferedWrites(fd, chunk_length)


class _Chunks:
    """Counts chunks and keeps them fixed-size: chunk i must sit at i * chunk_length, so
    only the last may be short."""

    def __init__(self, chunk_length: int) -> None:
        self.chunk_length = chunk_length
        self.count = 0
        self._short_seen = False

    def _check(self, length: int) -> None:
        if self._short_seen:
            raise ValueError("a chunk came after a short, final chunk")
        if length > self.chunk_length:
            raise ValueError("a chunk is longer than the chunk length")
        self._short_seen = length != self.chunk_length
        self.count += 1


class BufferedWrites(_Chunks):
    def __init__(self, fd: int, chunk_length: int) -> None:
        super().__init__(chunk_length)
        self._fd = fd
        self._room = bytearray(chunk_length)
        self._pending = 0  # bytes of _room handed out by next() and not yet written
        self._written = 0
        self._flush = BackgroundFlush(fd)

    def next(self, length: int) -> memoryview:
        self._write_pending()
        self._check(length)
        self._pending = length
        return memoryview(self._room)[:length]

    def add(self, chunk: bytes) -> None:
        self._write_pending()
        self._check(len(chunk))
        self._write(chunk)

    def _write_pending(self) -> None:
        if self._pending:
            with memoryview(self._room) as room:
                self._write(room[: self._pending])
            self._pending = 0

    def _write(self, data: bytes | memoryview) -> None:
        _write_all(self._fd, data)
        self._written += len(data)
        if self.count % FLUSH_EVERY == 0:
            self._flush.start(self._written)

    def finish(self) -> None:
        self._write_pending()
        self._flush.wait()

    def close(self) -> None:
        self._flush.wait()


class DirectWrites(_Chunks):
    """Chunks laid end to end in page-aligned buffers; each full batch (its whole blocks) is
    handed to the writer thread and the few bytes past the last whole block start the next
    buffer. The tail is written through the page cache at the end."""

    def __init__(self, fd: int, chunk_length: int) -> None:
        super().__init__(chunk_length)
        self._fd = fd
        size = -(-(BATCH + chunk_length) // ALIGN) * ALIGN
        self._free: queue.Queue[mmap.mmap] = queue.Queue()
        for _ in range(BUFFERS):
            self._free.put(mmap.mmap(-1, size))  # anonymous maps are page-aligned
        self._todo: queue.Queue[tuple[mmap.mmap, int] | None] = queue.Queue()
        self._buffer = self._free.get()
        self._fill = 0
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = threading.Thread(
            target=self._write_batches, name="evidence-write", daemon=True
        )
        self._thread.start()

    def next(self, length: int) -> memoryview:
        self._check(length)
        if self._fill >= BATCH:
            self._hand_over()
        start = self._fill
        self._fill += length
        return memoryview(self._buffer)[start : self._fill]

    def add(self, chunk: bytes) -> None:
        self.next(len(chunk))[:] = chunk

    def _hand_over(self) -> None:
        keep = self._fill % ALIGN
        whole = self._fill - keep
        following = self._free.get()  # waits while the disk is behind: memory stays bounded
        self._raise_if_failed()
        following[:keep] = self._buffer[whole : self._fill]
        self._todo.put((self._buffer, whole))
        self._buffer, self._fill = following, keep

    def _write_batches(self) -> None:
        while (job := self._todo.get()) is not None:
            buffer, length = job
            if self._error is None:
                try:
                    with memoryview(buffer) as view:
                        _write_all(self._fd, view[:length])
                except BaseException as exc:  # raised in the caller's thread
                    self._error = exc
            self._free.put(buffer)

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        keep = self._fill % ALIGN
        whole = self._fill - keep
        if whole:
            self._todo.put((self._buffer, whole))
        self.close()
        self._raise_if_failed()
        if keep:  # not a whole block: through the page cache
            _set_direct(self._fd, False)
            with memoryview(self._buffer) as view:
                _write_all(self._fd, view[whole : self._fill])

    def close(self) -> None:
        """Stop the writer thread (after what it was given); safe to call twice."""
        if self._thread is not None:
            self._todo.put(None)
            self._thread.join()
            self._thread = None


class BackgroundFlush:
    """Start the disk on what is written so far, on a helper thread, so the disk works while
    the CPU encrypts and the final fsync has little left to do.

    On Linux, posix_fadvise(DONTNEED) starts writing the new range back without waiting
    for it or asking the disk to empty its own cache (fdatasync did both). The pages it
    starts stay cached (they are under writeback, so the kernel keeps them); only the final
    fsync waits. Elsewhere, fdatasync."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._started = 0  # bytes handed to the disk so far
        self._thread: threading.Thread | None = None

    def start(self, written: int) -> None:
        if self._thread is not None and self._thread.is_alive():
            return  # the previous flush is still running; the next one will catch up
        self._thread = threading.Thread(
            target=self._flush,
            args=(self._started, written - self._started),
            name="evidence-flush",
            daemon=True,
        )
        self._started = written
        self._thread.start()

    def _flush(self, start: int, length: int) -> None:
        if _FADVISE:
            start_writeback(self._fd, start, length)
        else:
            with contextlib.suppress(OSError):  # the final fsync reports any real failure
                getattr(os, "fdatasync", os.fsync)(self._fd)

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _set_direct(fd: int, on: bool) -> bool:
    """Turn O_DIRECT on or off for an open file; False where the file system refuses it."""
    if not _O_DIRECT:
        return False
    import fcntl  # not on Windows

    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | _O_DIRECT if on else flags & ~_O_DIRECT)
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            return False
        raise
    return True


def _is_direct(fd: int) -> bool:
    if not _O_DIRECT:
        return False
    import fcntl

    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & _O_DIRECT)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    """Write at the file's position (every write of a new file is in order)."""
    done = 0
    with memoryview(data) as view:
        while done < len(view):
            try:
                done += os.write(fd, view[done:])
            except OSError as exc:
                # A file system wanting a larger alignment than ALIGN: the rest of the file
                # goes through the page cache.
                if exc.errno != errno.EINVAL or not _is_direct(fd):
                    raise
                _set_direct(fd, False)
