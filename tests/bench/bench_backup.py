"""Backup and restore against `cp` (issue 14): a vault with `size` bytes of evidence is
backed up to one file and restored onto a fresh data directory; the baseline is `cp -r` of
the same data directory followed by `sync` of the copy, measured in the same run,
interleaved, best of N each. The sync is part of the baseline because a backup is only a
backup once it is on the disk (SafeLog fsyncs before it renames the file into place, and a
USB drive must be synced before it is unplugged); `cp` alone is also reported."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BUDGET_RATIO = 1.5
FILE_SIZE = 64 * 1024 * 1024  # evidence added as files of this size (a long recording)


def _fill(vault: Any, session: Any, work: Path, size: int) -> int:
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case
    from safelog.vault.evidence import add_evidence

    reference = add_case(
        session,
        CaseInput.from_json(
            {"category": "cyberbullying-pupil", "summary": "Recordings", "description": "x"}
        ),
    )
    left, n = size, 0
    while left > 0:
        part = min(FILE_SIZE, left)
        source = work / f"clip-{n}.bin"
        with source.open("wb") as handle:
            written = 0
            while written < part:
                block = os.urandom(min(4 * 1024 * 1024, part - written))
                handle.write(block)
                written += len(block)
        add_evidence(session, reference, source)
        source.unlink()
        left -= part
        n += 1
    return n


def _best(runs: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(runs))


def measure_backup(
    root: Path, new_vault: Callable[[Path, str], tuple[Any, Any]], size: int, runs: int
) -> dict[str, Any]:
    from safelog.backup.make import make_backup
    from safelog.backup.restore import restore
    from safelog.vault.session_keys import utc_now

    work = root / "backup-bench"
    work.mkdir()
    vault, session = new_vault(work, "backup")
    try:
        items = _fill(vault, session, work, size)
        session.lock()
        data_dir, url = vault.data_dir, vault.url
    finally:
        vault.close()
    total = sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())
    out = work / "school.safelog-backup"

    def cp() -> float:
        target = work / "cp-copy"
        shutil.rmtree(target, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run(["cp", "-r", str(data_dir), str(target)], check=True)
        copied = time.perf_counter() - started
        subprocess.run(["sync", "-f", str(target)], check=True)
        took = time.perf_counter() - started
        shutil.rmtree(target, ignore_errors=True)
        cp_only.append(copied)
        return took

    def backup() -> float:
        out.unlink(missing_ok=True)
        started = time.perf_counter()
        make_backup(url, out, utc_now)
        return time.perf_counter() - started

    def restored() -> float:
        target = work / "restored"
        shutil.rmtree(target, ignore_errors=True)
        started = time.perf_counter()
        restore(out, target, utc_now)
        took = time.perf_counter() - started
        shutil.rmtree(target, ignore_errors=True)
        return took

    cp_only: list[float] = []
    cp_times, backup_times, restore_times = [], [], []
    for _ in range(runs):  # interleaved: a change in load hits all three alike
        cp_times.append(cp())
        backup_times.append(backup())
        restore_times.append(restored())
    shutil.rmtree(work, ignore_errors=True)
    return {
        "evidence_items": items,
        "data_dir_bytes": total,
        "cp_s": min(cp_times),  # cp -r, then sync of the copy
        "cp_without_sync_s": min(cp_only),
        "backup_s": min(backup_times),
        "restore_s": min(restore_times),
        "runs": runs,
    }
