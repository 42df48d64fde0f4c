"""A backup holds everything and restores everything (issue 14, point 1, "Done when"): a
vault with evidence, on SQLite and on PostgreSQL, restores onto a fresh data directory where
every role signs in and every case, version and evidence item is there byte for byte; a
changed byte in each part of a backup is found; a backup taken while others write restores
consistent; a backup killed at random points leaves the earlier one valid and no whole-
looking file behind."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from support.school import PASSPHRASES, Clock, build_school

from safelog.backup import archive
from safelog.backup.check import check_backup
from safelog.backup.keyed import open_everything
from safelog.backup.make import make_backup
from safelog.backup.restore import restore
from safelog.errors import RollbackDetected, TamperDetected, UserFacingError
from safelog.evidence import corpus
from safelog.store.engine import sqlite_url
from safelog.vault.audit_view import verify_whole_log
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case, update_case
from safelog.vault.evidence import add_evidence
from safelog.vault.evidence_reading import list_case_evidence, read_evidence
from safelog.vault.vault import Vault

BIG = 3 * 1024 * 1024 + 12_345  # four chunks


def case(session: Any, summary: str) -> str:
    return add_case(
        session,
        CaseInput.from_json(
            {"category": "cyberbullying-pupil", "summary": summary, "description": "x"}
        ),
    )


def everything(session: Any) -> dict[str, Any]:
    """What this person reads: each case's fields, versions and evidence SHA-256 of bytes."""
    out: dict[str, Any] = {}
    for summary in list_cases(session):
        try:
            detail = show_case(session, summary.reference)
        except UserFacingError as refused:  # a reporter's sent report: refused alike after
            out[summary.reference] = type(refused).__name__
            continue
        items = {}
        for item in list_case_evidence(session, summary.reference):
            _, chunks = read_evidence(session, summary.reference, item.info.id)
            items[item.info.id] = hashlib.sha256(b"".join(chunks)).hexdigest()
        out[summary.reference] = (dict(detail.fields), len(detail.versions), items)
    return out


@pytest.fixture
def with_evidence(school: Any, tmp_path: Path) -> dict[str, Any]:
    """The school with two cases, a picture, a text note and a large recording."""
    dana = school.unlock("Dana DSL")
    first = case(dana, "Comments under a video")
    second = case(school.unlock("Sam Staff"), "Messages in a group chat")
    files = {
        "picture.png": corpus.png(),
        "note.txt": corpus.text(),
        "recording.bin": os.urandom(BIG),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    add_evidence(dana, first, tmp_path / "picture.png")
    add_evidence(dana, first, tmp_path / "recording.bin")
    add_evidence(dana, second, tmp_path / "note.txt")
    update_case(dana, first, {"summary": "Comments under a video, and replies"})
    return {name: everything(school.unlock(name)) for name in PASSPHRASES}


def test_a_backup_restores_every_case_and_item_byte_for_byte_for_every_role(
    school: Any, with_evidence: dict[str, Any], tmp_path: Path, clock: Clock
) -> None:
    """On SQLite and on PostgreSQL (the `school` fixture runs on both)."""
    out = tmp_path / "school.safelog-backup"
    made = make_backup(school.vault.url, out, clock)
    assert made.evidence == 3
    report, opened = check_backup(out)
    try:
        open_everything(opened, report, "Dana DSL", PASSPHRASES["Dana DSL"], clock)
    finally:
        opened.close()
    assert (report.opened_cases, report.opened_evidence) == (2, 3)
    restored_dir = tmp_path / "new-pc"
    restore(out, restored_dir, clock)
    restored = Vault(restored_dir, sqlite_url(restored_dir), clock=clock)
    try:
        for name in PASSPHRASES:
            session = restored.unlock(name, PASSPHRASES[name])
            assert everything(session) == with_evidence[name], name
            session.lock()
        dana = restored.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
        assert verify_whole_log(dana)["intact"]
    finally:
        restored.close()


@pytest.mark.parametrize("member", ["database", "evidence", "manifest"])
def test_a_changed_byte_in_each_part_is_found(
    school: Any, with_evidence: dict[str, Any], tmp_path: Path, clock: Clock, member: str
) -> None:
    out = tmp_path / "school.safelog-backup"
    make_backup(school.vault.url, out, clock)
    contents = archive.scan(out)
    data = bytearray(out.read_bytes())
    if member == "manifest":  # inside its JSON: a hash of a part, as someone covering tracks
        where = data.rindex(b'"sha256": "') + len(b'"sha256": "') + 3
    else:
        name = archive.DATABASE
        if member == "evidence":
            name = next(n for n in contents.members if n.startswith(archive.EVIDENCE_PREFIX))
        part = contents.members[name]
        where = part.offset + part.size // 2
    data[where] ^= 0x01
    changed = tmp_path / "changed.safelog-backup"
    changed.write_bytes(bytes(data))
    with pytest.raises(TamperDetected, match="not a whole, unaltered SafeLog backup"):
        check_backup(changed)
    with pytest.raises(TamperDetected):
        restore(changed, tmp_path / "new-pc", clock)
    assert not (tmp_path / "new-pc" / "safelog.db").exists()


def new_pc(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Another computer: its own user folders (where each PC keeps what it last saw)."""
    for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


def test_a_backup_taken_while_others_write_restores_consistent(
    school: Any, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers add cases and evidence on their own connections (another PC, another
    process) while backups are made; each backup restores to a vault whose every case,
    version and item reads whole, with an intact audit log."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        other = Vault(school.vault.data_dir, school.vault.url, clock=Clock())
        try:
            session = other.unlock(name, PASSPHRASES[name])
            n = 0
            while not stop.is_set():
                n += 1
                reference = case(session, f"{name} report {n}")
                note = tmp_path / f"{name}-{n}.txt"
                note.write_text(f"What {name} saw, number {n}.\n" * 50, "utf-8")
                add_evidence(session, reference, note)
        except BaseException as exc:
            errors.append(exc)
        finally:
            other.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("Dana DSL", "Sam Staff")]
    for thread in threads:
        thread.start()
    backups = []
    try:
        time.sleep(0.5)
        for i in range(3):
            out = tmp_path / f"during-{i}.safelog-backup"
            make_backup(school.vault.url, out, clock)
            backups.append(out)
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    # On this PC, which has seen the newer records, an older copy is refused plainly.
    restore(backups[0], tmp_path / "older-here", clock)
    here = Vault(tmp_path / "older-here", sqlite_url(tmp_path / "older-here"), clock=clock)
    try:
        with pytest.raises(RollbackDetected, match="older than the one this computer last saw"):
            here.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
    finally:
        here.close()
    for i, out in enumerate(backups):
        new_pc(monkeypatch, tmp_path / f"pc-{i}")
        report, opened = check_backup(out)
        opened.close()
        restored_dir = tmp_path / f"restored-{i}"
        restore(out, restored_dir, clock)
        restored = Vault(restored_dir, sqlite_url(restored_dir), clock=clock)
        try:
            dana = restored.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
            seen = everything(dana)
            assert len(seen) == report.cases
            assert sum(len(items) for _, _, items in seen.values()) == report.evidence
            assert verify_whole_log(dana)["intact"]
        finally:
            restored.close()


@pytest.mark.slow
def test_a_backup_killed_at_random_points_leaves_the_earlier_one_valid(
    tmp_path: Path, clock: Clock
) -> None:
    """`safelog backup` in its own process, killed with SIGKILL part way (20 times at random
    moments): the backup made before is untouched, nothing whole-looking is left under the
    new name, and only `.partial` files remain beside it."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    vault = Vault(data_dir, sqlite_url(data_dir), clock=clock)
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    reference = case(dana, "A long recording")
    for i in range(4):
        (tmp_path / f"clip{i}.bin").write_bytes(os.urandom(8 * 1024 * 1024))
        add_evidence(dana, reference, tmp_path / f"clip{i}.bin")
    dana.lock()
    vault.close()
    folder = tmp_path / "usb"
    folder.mkdir()
    earlier = folder / "earlier.safelog-backup"
    make_backup(sqlite_url(data_dir), earlier, clock)
    earlier_bytes = hashlib.sha256(earlier.read_bytes()).hexdigest()
    env = {**os.environ, "SAFELOG_INSECURE_TEST_KDF": "1"}
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "safelog",
            "--data-dir",
            str(data_dir),
            "backup",
            "--out",
            str(tmp_path / "timing.safelog-backup"),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    full = time.monotonic() - started
    rng = random.Random(14)
    for attempt in range(20):
        out = folder / f"killed-{attempt}.safelog-backup"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "safelog",
                "--data-dir",
                str(data_dir),
                "backup",
                "--out",
                str(out),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, full * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if out.exists():  # it finished before the kill: then it must be whole
            _report, opened = check_backup(out)
            opened.close()
            out.unlink()
    assert hashlib.sha256(earlier.read_bytes()).hexdigest() == earlier_bytes
    _report, opened = check_backup(earlier)
    opened.close()
    for path in folder.iterdir():
        assert path == earlier or path.name.endswith(archive.PARTIAL_SUFFIX), path.name
