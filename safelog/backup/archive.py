"""The backup file: a tar archive (readable with standard tools) of ciphertext only.

Members, in this order: `database.sqlite` (the whole database as one SQLite file),
`evidence/<id>` for each evidence item (its encrypted chunks, as the data directory keeps
them), `manifest.json` (what the backup is, and the size and SHA-256 of every member before
it and of the tar framing between them), then `manifest.sha256` (the SHA-256 of the
manifest). A file without the last two members is not a backup, so one cut short is never
mistaken for a whole one; and it is written under a `.partial` name, fsynced, then renamed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sys
import tarfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from safelog.cores import usable_cores
from safelog.errors import InvalidInput, TamperDetected
from safelog.store.files import O_BINARY, fsync_folder

FORMAT = "safelog-backup"
VERSION = 1
DATABASE = "database.sqlite"
MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
EVIDENCE_PREFIX = "evidence/"
PARTIAL_SUFFIX = ".partial"
BLOCK = 512
COPY_BUFFER = 1024 * 1024
_EVIDENCE_NAME = re.compile(
    r"^evidence/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


# SHA-256 releases the GIL on large buffers: a part's hash runs beside its write (or read)
# on a PC with more than one core (issue 14's budget).
_HASHERS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backup-hash")
WRITEBACK_EVERY = 32 * 1024 * 1024
_SYNC_FILE_RANGE = hasattr(os, "sync_file_range")
_FADVISE = sys.platform.startswith("linux") and hasattr(os, "posix_fadvise")


class _Digest:
    """A member's SHA-256, computed beside its write (or read) on a thread where there is a
    second core, in the caller's thread on one core (a thread there only adds switching)."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self._beside = usable_cores() >= 2
        self._pending: Future[None] | None = None

    def start(self, block: bytes | memoryview) -> None:
        if self._beside:
            self._pending = _HASHERS.submit(self.sha256.update, block)
        else:
            self.sha256.update(block)

    def wait(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None


class BackupDamaged(TamperDetected):
    """A backup that is not whole or not as it was written."""


def _header(name: str, size: int, mtime: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o600
    # GNU headers take sizes beyond 8 GiB (a long screen recording) without extra blocks.
    return info.tobuf(format=tarfile.GNU_FORMAT, encoding="utf-8", errors="strict")


def _padding(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


@dataclass
class Part:
    name: str
    size: int
    sha256: str


class BackupWriter:
    """Writes a backup to `<final>.<random>.partial` beside `final`; `finish` makes it whole
    and renames it into place. `abandon` (or any exception inside `with`) removes it."""

    def __init__(self, final: Path, mtime: int) -> None:
        self.final = final
        self.mtime = mtime
        self.parts: list[Part] = []
        self._framing = hashlib.sha256()
        self._written_back = 0
        self.partial = final.with_name(f"{final.name}.{secrets.token_hex(6)}{PARTIAL_SUFFIX}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_BINARY
        try:
            fd = os.open(self.partial, flags, 0o600)
        except OSError as exc:
            raise InvalidInput(
                f"Cannot write a backup in {final.parent}: {exc.strerror}."
            ) from None
        self._out: BinaryIO = os.fdopen(fd, "wb", buffering=0)
        self.size = 0

    def __enter__(self) -> BackupWriter:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is not None:
            self.abandon()

    def _frame(self, data: bytes) -> None:
        self._framing.update(data)
        self._write(data)

    def _write(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:  # an unbuffered write may take less than it was given
            view = view[self._out.write(view) or 0 :]
        self.size += len(data)

    def _start_writeback(self) -> None:
        """Ask the kernel to start writing what is done to the disk (Linux), so that the
        fsync at the end waits for little: the disk works while the next parts are read and
        hashed. Python's os module has no sync_file_range (so this never called it: measured
        2026-12-04, the final fsync waited for the whole 1 GiB); on Linux,
        posix_fadvise(DONTNEED) starts the same writeback without waiting for it (the pages
        stay cached while under writeback: it drops nothing the restore check reads)."""
        if self.size - self._written_back < WRITEBACK_EVERY:
            return
        start_writeback(self._out.fileno(), self._written_back, self.size - self._written_back)
        self._written_back = self.size

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, len(data), [data])

    def add_stream(self, name: str, size: int, blocks: Iterable[bytes | memoryview]) -> None:
        """A member of `size` bytes, written from `blocks` as they come (bounded memory)."""
        self._frame(_header(name, size, self.mtime))
        digest = _Digest()
        written = 0
        for block in blocks:
            digest.start(block)
            self._write(block)
            written += len(block)
            self._start_writeback()
            digest.wait()  # before the caller reuses the block's buffer
        if written != size:
            raise InvalidInput(f"{name} changed while it was being backed up; try again.")
        self._frame(_padding(size))
        self.parts.append(Part(name, size, digest.sha256.hexdigest()))

    def finish(self, about: dict[str, object]) -> str:
        """Write the manifest and its hash, fsync, rename into place; returns the manifest's
        SHA-256, the backup's fingerprint: the manifest names the size and SHA-256 of every
        part and of the framing between them, so it stands for every byte of the file
        (hashing the whole file again would cost a second pass over every byte)."""
        manifest = json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                **about,
                "parts": [part.__dict__ for part in self.parts],
                "framing_sha256": self._framing.hexdigest(),
            },
            indent=1,
            sort_keys=True,
        ).encode()
        self._frame(_header(MANIFEST, len(manifest), self.mtime))
        self._write(manifest)
        self._frame(_padding(len(manifest)))
        manifest_hash = hashlib.sha256(manifest).hexdigest()
        tail = (manifest_hash + "\n").encode()
        self._write(_header(MANIFEST_HASH, len(tail), self.mtime))
        self._write(tail)
        self._write(_padding(len(tail)))
        self._write(b"\0" * (2 * BLOCK))  # the end of a tar archive
        os.fsync(self._out.fileno())
        self._out.close()
        if self.final.exists():
            self.abandon()
            raise InvalidInput(f"{self.final} already exists; choose another name.")
        os.replace(self.partial, self.final)
        fsync_folder(self.final.parent)
        return manifest_hash

    def abandon(self) -> None:
        if not self._out.closed:
            self._out.close()
        self.partial.unlink(missing_ok=True)


def start_writeback(fd: int, start: int, length: int) -> None:
    """Ask the kernel to start writing a range of a file to the disk, without waiting for it
    (Linux; elsewhere the final fsync does it all)."""
    if _SYNC_FILE_RANGE:
        os.sync_file_range(  # type: ignore[attr-defined,unused-ignore]
            fd,
            start,
            length,
            os.SYNC_FILE_RANGE_WRITE,  # type: ignore[attr-defined,unused-ignore]
        )
    elif _FADVISE:
        os.posix_fadvise(fd, start, length, os.POSIX_FADV_DONTNEED)


def copy_blocks(handle: BinaryIO, size: int) -> Iterator[memoryview]:
    """`size` bytes of `handle` in large blocks, one buffer reused."""
    buffer = bytearray(min(COPY_BUFFER, max(size, 1)))
    view = memoryview(buffer)
    left = size
    while left > 0:
        got = handle.readinto(view[: min(left, len(buffer))])  # type: ignore[attr-defined]
        if not got:
            return
        left -= got
        yield view[:got]


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    name: str
    offset: int  # where its data starts in the file
    size: int


@dataclass
class Contents:
    """A backup's members and manifest, every hash checked."""

    path: Path
    manifest: dict[str, object]
    members: dict[str, Member] = field(default_factory=dict)
    sha256: str = ""  # of the manifest: the backup's fingerprint (BackupWriter.finish)

    @property
    def evidence_ids(self) -> list[str]:
        return [
            n.removeprefix(EVIDENCE_PREFIX) for n in self.members if n.startswith(EVIDENCE_PREFIX)
        ]


def _damaged(path: Path, what: str) -> BackupDamaged:
    return BackupDamaged(f"{path} is not a whole, unaltered SafeLog backup: {what}.")


def _read_exact(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    return data if len(data) == size else b""


def _parse_header(path: Path, block: bytes) -> tarfile.TarInfo:
    try:
        info = tarfile.TarInfo.frombuf(block, "utf-8", "strict")
    except tarfile.HeaderError:
        raise _damaged(path, "a member's header is damaged") from None
    if not info.isreg():
        raise _damaged(path, f"it holds something other than files ({info.name})")
    return info


Sink = Callable[[str], "BinaryIO | None"]


def scan(path: Path, sink: Sink | None = None) -> Contents:
    """Read the whole backup once: its structure, each member's SHA-256 against the manifest,
    the framing between them and the manifest's own hash. `sink` may name members whose bytes
    are also written to a file as they are read (a restore, in one pass): it is called with
    each member's name and returns a file to write it to, or None."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror}.") from None
    with handle:
        return _scan(path, handle, sink or (lambda _name: None))


def _scan(path: Path, handle: BinaryIO, sink: Sink) -> Contents:
    found: dict[str, Member] = {}
    hashes: dict[str, str] = {}
    framing = hashlib.sha256()
    offset = 0
    manifest_bytes = b""
    while True:
        block = _read_exact(handle, BLOCK)
        if not block:
            raise _damaged(path, "it ends before its manifest (it was cut short)")
        if block == b"\0" * BLOCK:
            raise _damaged(path, "it ends before its manifest (it was cut short)")
        info = _parse_header(path, block)
        name = info.name
        if name in found or not (
            name in (DATABASE, MANIFEST, MANIFEST_HASH) or _EVIDENCE_NAME.match(name)
        ):
            raise _damaged(path, f"it holds an unexpected member ({name!r})")
        if name == MANIFEST_HASH:
            if MANIFEST not in found:
                raise _damaged(path, "its manifest is missing")
            tail = _read_exact(handle, info.size + (-info.size % BLOCK))
            text = tail[: info.size].decode("ascii", "replace").strip()
            if (
                tail[info.size :] != _padding(info.size)
                or text != hashlib.sha256(manifest_bytes).hexdigest()
            ):
                raise _damaged(path, "its manifest was altered")
            if handle.read(2 * BLOCK + 1) != b"\0" * (2 * BLOCK):
                raise _damaged(path, "something was added after its end")
            break
        framing_before = framing.copy()
        framing.update(block)
        offset += BLOCK
        found[name] = Member(name, offset, info.size)
        digest = _Digest()
        out = sink(name)
        keep = name == MANIFEST
        chunks = []
        for piece in copy_blocks(handle, info.size):
            digest.start(piece)
            if out is not None:
                out.write(piece)
            if keep:
                chunks.append(bytes(piece))
            digest.wait()
        pad = _read_exact(handle, -info.size % BLOCK) if info.size % BLOCK else b""
        if handle.tell() != offset + info.size + len(pad) or pad != _padding(info.size):
            raise _damaged(path, f"{name} is cut short or padded wrongly")
        offset += info.size + len(pad)
        if name == MANIFEST:
            manifest_bytes = b"".join(chunks)
            framing = framing_before  # the manifest's own framing is after what it covers
        else:
            framing.update(pad)
            hashes[name] = digest.sha256.hexdigest()
    manifest = _check_manifest(path, manifest_bytes, found, hashes, framing.hexdigest())
    members = {n: m for n, m in found.items() if n != MANIFEST}
    return Contents(path, manifest, members, hashlib.sha256(manifest_bytes).hexdigest())


def _check_manifest(
    path: Path, raw: bytes, found: dict[str, Member], hashes: dict[str, str], framing: str
) -> dict[str, object]:
    try:
        manifest = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _damaged(path, "its manifest is not readable") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged(path, "it is not a SafeLog backup")
    if manifest.get("version") != VERSION:
        raise InvalidInput(
            f"{path} was made by a different version of SafeLog (backup format "
            f"{manifest.get('version')}); use that version to restore it."
        )
    parts = manifest.get("parts")
    if not isinstance(parts, list):
        raise _damaged(path, "its manifest lists no parts")
    listed = {}
    for part in parts:
        if not isinstance(part, dict) or not isinstance(part.get("name"), str):
            raise _damaged(path, "its manifest is not readable")
        listed[part["name"]] = part
    if set(listed) != set(hashes):
        missing = sorted(set(listed) - set(hashes)) or sorted(set(hashes) - set(listed))
        raise _damaged(path, f"its parts are not the ones its manifest lists ({missing[0]})")
    if DATABASE not in listed:
        raise _damaged(path, "it holds no database")
    for name, part in listed.items():
        if part.get("size") != found[name].size or part.get("sha256") != hashes[name]:
            what = (
                "the database"
                if name == DATABASE
                else f"evidence item {name.removeprefix(EVIDENCE_PREFIX)}"
            )
            raise _damaged(path, f"{what} does not match its SHA-256 in the manifest")
    if manifest.get("framing_sha256") != framing:
        raise _damaged(path, "the archive's framing between its parts was altered")
    return manifest


def read_member(contents: Contents, name: str) -> bytes:
    member = contents.members[name]
    with contents.path.open("rb") as handle:
        handle.seek(member.offset)
        data = handle.read(member.size)
    parts = {p["name"]: p for p in contents.manifest["parts"]}  # type: ignore[attr-defined]
    if len(data) != member.size or hashlib.sha256(data).hexdigest() != parts[name]["sha256"]:
        raise _damaged(contents.path, f"{name} changed after it was checked")
    return data
