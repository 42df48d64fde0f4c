"""Writing files the way a password manager does: owner-only unless asked otherwise, never
through a symbolic link, fsync of the file and of its folder, atomic replace. The one writer
for every file that matters (checkpoints, drafts, exported case files)."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from safelog.errors import InvalidInput
from safelog.store.private import private_folder

O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows: no newline translation; 0 elsewhere
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | O_BINARY


def write_private_file(
    path: Path, data: bytes, mode: int = 0o600, *, make_folder: bool = True
) -> None:
    """Write `data` to `path` whole or not at all. Raises OSError; nothing is left behind.
    `make_folder` makes a missing folder (owner-only); off for a place the person chose."""
    if make_folder:
        private_folder(path.parent)
    # A name of its own per write: two writers of the same file never share a partial file.
    partial = path.with_name(f"{path.name}.{secrets.token_hex(6)}.partial")
    fd = os.open(partial, _FLAGS, mode)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)  # the umask must not widen or narrow what was asked for
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` survive a power cut (where the system allows it)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> str:
    """Write where the person chose (owner-only unless `mode` says otherwise), whole or not
    at all, with a plain message when it cannot be. Returns the SHA-256 of what was written."""
    try:
        write_private_file(path, data, mode, make_folder=False)
    except OSError as exc:
        raise InvalidInput(f"Cannot write {path}: {exc.strerror}.") from None
    return hashlib.sha256(data).hexdigest()
