"""The backup file, and each evidence file a restore writes, is handed to the disk as it is
written (Linux), so the fsync at the end waits for little: every byte once, in order, and
what was written still reads back whole."""

from __future__ import annotations

import hashlib
import os
import uuid
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from support.school import Clock

from safelog.backup import archive
from safelog.backup.make import make_backup
from safelog.backup.restore import restore
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import add_evidence


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


def test_a_restore_starts_the_disk_on_each_evidence_file_as_it_goes(
    school: Any, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not school.vault.url.startswith("sqlite"):
        pytest.skip("evidence files are SQLite's; PostgreSQL keeps chunks as rows")
    dana = school.unlock("Dana DSL")
    reference = add_case(
        dana,
        CaseInput.from_json(
            {"category": "cyberbullying-pupil", "summary": "A recording", "description": "x"}
        ),
    )
    recording = tmp_path / "recording.bin"
    recording.write_bytes(os.urandom(3 * 1024 * 1024 + 777))
    evidence_id = add_evidence(dana, reference, recording)
    stored = (school.vault.data_dir / "evidence" / evidence_id).read_bytes()
    school.vault.close()
    out = tmp_path / "school.safelog-backup"
    make_backup(school.vault.url, out, clock)

    started: list[tuple[str, int, int]] = []
    real = archive.start_writeback

    def recording_writeback(fd: int, start: int, length: int) -> None:
        started.append((os.readlink(f"/proc/self/fd/{fd}"), start, length))
        real(fd, start, length)

    monkeypatch.setattr(archive, "WRITEBACK_EVERY", 256 * 1024)
    monkeypatch.setattr(archive, "start_writeback", recording_writeback)
    restore(out, tmp_path / "restored", clock)
    restored = tmp_path / "restored" / "evidence" / evidence_id
    assert restored.read_bytes() == stored  # byte for byte, as the vault kept it
    ranges = [(a, n) for name, a, n in started if name.endswith(f"{evidence_id}.partial")]
    assert ranges, "the disk was only started by the fsync at the end"
    assert ranges[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in pairwise(ranges))
    assert 3 * 1024 * 1024 <= ranges[-1][0] + ranges[-1][1] <= len(stored)
