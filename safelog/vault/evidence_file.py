"""An evidence file opened for import: only a regular file, opened without waiting on a
pipe, and able to say afterwards whether it changed while it was read.

A file another program is still writing (a screen recording, a download, a sync client)
would otherwise be stored as a mix of old and new bytes that never existed as one file,
with a SHA-256 of that mix recorded as the original's. Its size, modification time and
identity are noted when it is opened and compared once every byte has been read."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from safelog.errors import InvalidInput
from safelog.evidence.intake import safe_file_name
from safelog.store.files import O_BINARY

# A FIFO opened for reading waits for a writer; without waiting it opens, then is refused.
_NO_WAIT: int = getattr(os, "O_NONBLOCK", 0)

CHANGED_MESSAGE = (
    "the file changed while it was being read (is another program still writing it?). "
    "Nothing was added: wait until it is finished, then add it again."
)


class EvidenceFile(io.BufferedReader):
    """A regular file open for reading, with what it was like when opened."""

    def __init__(self, raw: io.FileIO, shown_name: str) -> None:
        super().__init__(raw)
        self.shown_name = shown_name
        opened = os.fstat(raw.fileno())
        self.size = opened.st_size
        self._seen = _identity(opened)

    def check_unchanged(self, bytes_read: int) -> None:
        """Refuse the import if the file is not, now, the file that was read whole."""
        now = os.fstat(self.fileno())
        if bytes_read != self.size or _identity(now) != self._seen:
            raise InvalidInput(f"{self.shown_name}: {CHANGED_MESSAGE}")


def _identity(status: os.stat_result) -> tuple[int, int, int, int]:
    return (status.st_size, status.st_mtime_ns, status.st_ino, status.st_dev)


def open_regular_file(path: Path) -> EvidenceFile:
    """Open `path` for an import, refusing what is not a regular file (a folder, a pipe, a
    device) with a clear message rather than reading it or waiting on it."""
    shown = safe_file_name(path.name)
    folder = InvalidInput(f"{shown} is a folder, not a file.")
    try:
        fd = os.open(path, os.O_RDONLY | O_BINARY | _NO_WAIT)
    except OSError as exc:
        if path.is_dir():  # Windows refuses to open one ("permission denied")
            raise folder from None
        raise InvalidInput(f"Cannot read {shown}: {exc.strerror}.") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):  # Linux and macOS open one for reading
            raise folder
        if not stat.S_ISREG(mode):
            raise InvalidInput(
                f"{shown} is not an ordinary file (a pipe or device): "
                "save what it holds as a file first."
            )
        if _NO_WAIT:
            os.set_blocking(fd, True)
        return EvidenceFile(io.FileIO(fd, "rb", closefd=True), shown)
    except BaseException:
        os.close(fd)
        raise
