"""The backup file is handed to the disk as it is written (Linux), so the fsync at the end
waits for little: every byte once, in order, and the backup still reads back whole."""

from __future__ import annotations

import hashlib
import os
import uuid
from itertools import pairwise
from pathlib import Path

import pytest

from safelog.backup import archive


def test_writeback_starts_on_each_new_range_and_the_backup_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (archive._FADVISE or archive._SYNC_FILE_RANGE):  # the Linux path only
        pytest.skip("no way to start writeback early on this system")
    ranges: list[tuple[int, int]] = []
    monkeypatch.setattr(archive, "WRITEBACK_EVERY", 64 * 1024)
    if archive._SYNC_FILE_RANGE:
        real_sync = os.sync_file_range  # type: ignore[attr-defined,unused-ignore]
        monkeypatch.setattr(
            os,
            "sync_file_range",
            lambda fd, offset, length, flags: (
                ranges.append((offset, length)),
                real_sync(fd, offset, length, flags),
            ),
        )
    else:
        real = os.posix_fadvise
        monkeypatch.setattr(
            os,
            "posix_fadvise",
            lambda fd, offset, length, advice: (
                ranges.append((offset, length)),
                real(fd, offset, length, advice),
            ),
        )
    item = os.urandom(1024 * 1024 + 5)
    name = archive.EVIDENCE_PREFIX + str(uuid.uuid4())
    out = tmp_path / "school.safelog-backup"
    with archive.BackupWriter(out, 0) as writer:
        writer.add_bytes(archive.DATABASE, b"SQLite format 3\0" + os.urandom(3000))
        blocks = [item[i : i + 100_000] for i in range(0, len(item), 100_000)]
        writer.add_stream(name, len(item), blocks)
        writer.finish({})
    assert len(ranges) >= 10
    assert ranges[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in pairwise(ranges))  # none skipped or twice
    assert ranges[-1][0] + ranges[-1][1] <= out.stat().st_size
    contents = archive.scan(out)
    assert archive.read_member(contents, name) == item
    part = next(p for p in contents.manifest["parts"] if p["name"] == name)  # type: ignore[attr-defined]
    assert part["sha256"] == hashlib.sha256(item).hexdigest()
