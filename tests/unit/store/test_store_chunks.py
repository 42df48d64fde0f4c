"""Evidence chunk files (store/chunks.py): chunk i at i * length, byte for byte as given
(the format existing vaults hold), made durable and renamed only when whole; anything cut
short leaves nothing behind."""

from __future__ import annotations

import os
import stat
import sys
import uuid
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from safelog.store import chunks as chunks_module
from safelog.store import file_writes
from safelog.store.chunks import ChunkFolder
from safelog.store.file_writes import FLUSH_EVERY

LENGTH = 4096 + 16


def _chunks(count: int, tail: int) -> list[bytes]:
    return [os.urandom(LENGTH) for _ in range(count)] + ([os.urandom(tail)] if tail else [])


def test_chunks_are_stored_byte_for_byte_at_fixed_offsets(tmp_path: Path) -> None:
    folder = ChunkFolder(tmp_path / "evidence", LENGTH)
    item = str(uuid.uuid4())
    written = _chunks(3 * FLUSH_EVERY + 5, 100)  # past several background flushes
    assert folder.write(item, iter(written)) == len(written)
    path = tmp_path / "evidence" / item
    assert path.read_bytes() == b"".join(written)  # the stored format is unchanged
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [folder.read(item, i) for i in range(len(written))] == written
    assert folder.read(item, len(written)) is None
    assert sorted(p.name for p in path.parent.iterdir()) == [item]  # no .partial left


def test_flushing_starts_the_disk_on_each_new_range_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not file_writes._FADVISE:  # the Linux path only
        pytest.skip("posix_fadvise is Linux's")
    ranges: list[tuple[int, int]] = []
    real = os.posix_fadvise

    def fadvise(fd: int, offset: int, length: int, advice: int) -> None:
        ranges.append((offset, length))
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", fadvise)
    folder = ChunkFolder(tmp_path / "evidence", LENGTH)
    item = str(uuid.uuid4())
    written = _chunks(4 * FLUSH_EVERY, 0)
    folder.write(item, iter(written))
    assert ranges, "the disk was only started by the final fsync"
    # Contiguous, in order, never past what was written: nothing skipped, nothing twice.
    assert ranges[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in pairwise(ranges))
    assert ranges[-1][0] + ranges[-1][1] <= len(written) * LENGTH
    assert (tmp_path / "evidence" / item).read_bytes() == b"".join(written)


def test_a_chunk_after_a_short_one_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    folder = ChunkFolder(tmp_path / "evidence", LENGTH)
    item = str(uuid.uuid4())
    with pytest.raises(ValueError, match="short"):
        folder.write(item, iter([os.urandom(LENGTH), os.urandom(10), os.urandom(LENGTH)]))
    assert list((tmp_path / "evidence").iterdir()) == []
    assert folder.read(item, 0) is None


def test_a_source_failing_midway_leaves_nothing(tmp_path: Path) -> None:
    folder = ChunkFolder(tmp_path / "evidence", LENGTH)
    item = str(uuid.uuid4())

    def failing() -> Iterator[bytes]:
        yield from _chunks(2 * FLUSH_EVERY, 0)
        raise OSError("the USB stick was pulled out")

    with pytest.raises(OSError, match="USB"):
        folder.write(item, failing())
    assert list((tmp_path / "evidence").iterdir()) == []


def test_an_id_that_is_not_an_evidence_id_names_no_file(tmp_path: Path) -> None:
    folder = ChunkFolder(tmp_path / "evidence", LENGTH)
    for bad in ("../safelog.db", "x", str(uuid.uuid4()).upper()):
        with pytest.raises(ValueError):
            folder.write(bad, iter([b"x"]))
    assert list((tmp_path / "evidence").iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_existing_partial_is_never_overwritten(tmp_path: Path) -> None:
    """Another import (another process) may own it."""
    folder = ChunkFolder(tmp_path / "evidence", LENGTH)
    item = str(uuid.uuid4())
    partial = tmp_path / "evidence" / f"{item}.partial"
    partial.write_bytes(b"another import's chunks")
    with pytest.raises(FileExistsError):
        folder.write(item, iter([b"x"]))
    assert partial.read_bytes() == b"another import's chunks"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_a_batch_is_named_only_once_made_durable_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files written for a batch stay `.partial` (never read, swept as orphans if the
    program stops) until make_durable flushes each to disk and names it."""
    folder = ChunkFolder(tmp_path / "evidence", LENGTH)
    items = [str(uuid.uuid4()) for _ in range(3)]
    written = {item: _chunks(1, 50) for item in items}
    for item in items:
        assert folder.write(item, iter(written[item]), durable=False) == 2
    assert all(folder.read(item, 0) is None for item in items)
    assert folder.ids(older_than=float("-inf")) == set(items)  # orphans until named
    synced: list[str] = []
    real_fsync = os.fsync
    monkeypatch.setattr(
        chunks_module.os,
        "fsync",
        lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real_fsync(fd)),
    )
    folder.make_durable(items[:2])
    assert sorted(Path(p).name for p in synced if p.endswith(".partial")) == sorted(
        f"{i}.partial" for i in items[:2]
    )
    assert [folder.read(item, 1) for item in items[:2]] == [written[i][1] for i in items[:2]]
    assert folder.read(items[2], 0) is None
    folder.delete(items[2])
    assert sorted(p.name for p in (tmp_path / "evidence").iterdir()) == sorted(items[:2])
