"""Large evidence written around the page cache (store/file_writes.py): the file holds the
same bytes as the buffered way, whatever the batch and block boundaries; a failing disk or
source leaves nothing behind and no thread running; a file system that refuses direct
writes gets buffered ones."""

from __future__ import annotations

import errno
import os
import threading
import uuid
from pathlib import Path

import pytest

from safelog.store import file_writes
from safelog.store.chunks import ChunkFolder, ChunkWrites
from safelog.store.file_writes import ALIGN, BufferedWrites, DirectWrites

LENGTH = 4096 + 16  # as the real 1 MiB + 16: chunks never end on a block boundary


def _chunks(count: int, tail: int) -> list[bytes]:
    return [os.urandom(LENGTH) for _ in range(count)] + ([os.urandom(tail)] if tail else [])


def _filling(chunks: list[bytes]):  # type: ignore[no-untyped-def]
    def fill(writes: ChunkWrites) -> None:
        for chunk in chunks:
            writes.next(len(chunk))[:] = chunk

    return fill


@pytest.fixture
def direct_folder(tmp_path: Path) -> Path:
    """A folder on a file system that takes O_DIRECT (the test's is ext4 here)."""
    probe = tmp_path / "probe"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        if not file_writes._set_direct(fd, True):
            pytest.skip("this file system or system has no direct writes")
    finally:
        os.close(fd)
        probe.unlink()
    return tmp_path / "evidence"


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of three blocks, so a few chunks cross many batch and block boundaries."""
    monkeypatch.setattr(file_writes, "BATCH", 3 * ALIGN)


@pytest.fixture
def chosen(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = file_writes.writes_for

    def writes_for(fd: int, chunk_length: int, *, direct: bool) -> DirectWrites | BufferedWrites:
        writes = real(fd, chunk_length, direct=direct)
        seen.append(type(writes).__name__)
        return writes

    monkeypatch.setattr("safelog.store.chunks.writes_for", writes_for)
    return seen


@pytest.mark.parametrize(("count", "tail"), [(0, 16), (1, 0), (7, 0), (7, 100), (40, 4095)])
def test_direct_writes_store_the_same_bytes_as_buffered_ones(
    direct_folder: Path, small_batches: None, chosen: list[str], count: int, tail: int
) -> None:
    folder = ChunkFolder(direct_folder, LENGTH)
    written = _chunks(count, tail)
    direct, buffered = str(uuid.uuid4()), str(uuid.uuid4())
    assert folder.write_into(direct, _filling(written)) == len(written)
    assert folder.write(buffered, iter(written)) == len(written)
    assert chosen == ["DirectWrites", "BufferedWrites"]
    assert (direct_folder / direct).read_bytes() == b"".join(written)
    assert (direct_folder / buffered).read_bytes() == b"".join(written)
    assert [folder.read(direct, i) for i in range(len(written))] == written
    assert sorted(p.name for p in direct_folder.iterdir()) == sorted([direct, buffered])


def test_a_disk_failing_midway_is_reported_and_leaves_nothing(
    direct_folder: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write
    calls = []

    def write(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(file_writes.os, "write", write)
    threads = threading.active_count()
    folder = ChunkFolder(direct_folder, LENGTH)
    with pytest.raises(OSError, match="No space left"):
        folder.write_into(str(uuid.uuid4()), _filling(_chunks(30, 10)))
    assert list(direct_folder.iterdir()) == []
    assert threading.active_count() == threads  # the writer thread has stopped


def test_a_source_failing_midway_leaves_nothing_and_no_thread(
    direct_folder: Path, small_batches: None
) -> None:
    def fill(writes: ChunkWrites) -> None:
        for chunk in _chunks(20, 0):
            writes.next(len(chunk))[:] = chunk
        raise OSError("the USB stick was pulled out")

    threads = threading.active_count()
    folder = ChunkFolder(direct_folder, LENGTH)
    with pytest.raises(OSError, match="USB stick"):
        folder.write_into(str(uuid.uuid4()), fill)
    assert list(direct_folder.iterdir()) == []
    assert threading.active_count() == threads


def test_a_chunk_after_a_short_one_is_refused(direct_folder: Path) -> None:
    folder = ChunkFolder(direct_folder, LENGTH)
    with pytest.raises(ValueError, match="after a short"):
        folder.write_into(str(uuid.uuid4()), _filling([os.urandom(LENGTH), os.urandom(10)] * 2))
    with pytest.raises(ValueError, match="longer than"):
        folder.write_into(str(uuid.uuid4()), _filling([os.urandom(LENGTH + 1)]))
    assert list(direct_folder.iterdir()) == []


def test_a_file_system_wanting_other_alignment_gets_buffered_writes(
    direct_folder: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Direct writes refused with EINVAL (a larger block size than ALIGN): the rest goes
    through the page cache, and the file is whole."""
    real_write = os.write
    refused = []

    def write(fd: int, data: bytes) -> int:
        if file_writes._is_direct(fd):
            refused.append(len(data))
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(file_writes.os, "write", write)
    folder = ChunkFolder(direct_folder, LENGTH)
    item = str(uuid.uuid4())
    written = _chunks(9, 333)
    assert folder.write_into(item, _filling(written)) == len(written)
    assert len(refused) == 1
    assert (direct_folder / item).read_bytes() == b"".join(written)


def test_without_direct_writes_the_same_bytes_are_written_buffered(
    tmp_path: Path, chosen: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_writes, "_O_DIRECT", 0)  # Windows, macOS, or tmpfs
    folder = ChunkFolder(tmp_path / "evidence", LENGTH)
    item = str(uuid.uuid4())
    written = _chunks(20, 5)
    assert folder.write_into(item, _filling(written), durable=False) == len(written)
    assert chosen == ["BufferedWrites"]
    folder.make_durable([item])
    assert (tmp_path / "evidence" / item).read_bytes() == b"".join(written)
