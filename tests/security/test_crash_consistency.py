"""Writes that belong together are one transaction, whatever happens to the process
(DESIGN §3.5): a client killed with SIGKILL part-way through adding evidence or a case leaves
the item wholly there or not there at all, no orphan rows, an audit log that verifies, and a
vault everyone can still open, read and write.

Two kinds of kill:
- from outside, at a moment chosen by watching the process work (the SQLite write-ahead log
  or the PostgreSQL database growing, or cases being reported as filed);
- from inside, at exact points of a use case (after some chunks were written; after the
  audit entry was appended but before the commit; after the commit but before the device's
  checkpoint was saved; half way through saving the checkpoint).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, create_engine, inspect, text
from sqlalchemy.pool import NullPool
from support.school import PASSPHRASES

from safelog.vault.audit_view import verify_whole_log
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case
from safelog.vault.evidence import add_evidence
from safelog.vault.evidence_reading import read_evidence
from safelog.vault.vault import Vault

MIB = 1024 * 1024
BIG_FILE_MIB = 300
KILL_AFTER_GROWTH = 24 * MIB  # well into the import, far from its end

CASE = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a video",
    "description": "Pupils posted unkind comments under a video.",
}


# --------------------------------------------------------------------------------------
# Helpers.
# --------------------------------------------------------------------------------------


def _env(db_url: str) -> dict[str, str]:
    return dict(
        os.environ, SAFELOG_INSECURE_TEST_KDF="1", SAFELOG_DATABASE_URL=db_url, PYTHONUNBUFFERED="1"
    )


def _engine(db_url: str) -> Engine:
    return create_engine(
        db_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool
    )


def _scalar(db_url: str, sql: str) -> Any:
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def _write_big_file(path: Path, mib: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(MIB)
    with path.open("wb") as handle:
        for index in range(mib):
            # Every chunk different, so a chunk swapped for another could not go unnoticed.
            piece = index.to_bytes(8, "big") + block[8:]
            digest.update(piece)
            handle.write(piece)
    return digest.hexdigest()


def _import_progress(db_url: str, data_dir: Path) -> Callable[[], int]:
    """Bytes an import has written so far and not yet committed: with SQLite, the growth of
    its write-ahead log and of the evidence folder beside it (where chunks may be kept as
    files); with PostgreSQL, the growth of the database."""
    if db_url.startswith("sqlite"):

        def written() -> int:
            total = 0
            for path in [data_dir / "safelog.db-wal", *(data_dir / "evidence").glob("*")]:
                try:
                    total += path.stat().st_size
                except FileNotFoundError:
                    continue
            return total
    else:
        engine = _engine(db_url)
        size = text("SELECT pg_database_size(current_database())")

        def written() -> int:
            with engine.connect() as conn:
                return int(conn.execute(size).scalar_one())

    base = written()
    return lambda: written() - base


def _kill_when(
    process: subprocess.Popen[Any], ready: Callable[[], bool], timeout: float = 180
) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(
                "the process ended before it could be killed part-way "
                f"(exit {process.returncode}): {err or out}"
            )
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the process never reached the point to kill it at")
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def check_rows(db_url: str) -> dict[str, Any]:
    """What the database itself holds, straight from the tables."""
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:

            def rows(sql: str) -> list[Any]:
                return list(conn.execute(text(sql)).all())

            out: dict[str, Any] = {
                # Whether each item's chunks are all there is checked by reading it to the
                # end (everyone_reads): they may be in a table or in files.
                "incomplete_evidence": rows(
                    "SELECT id, chunk_count, size, length(statement), length(signature), "
                    "length(file_key_wrapped), length(metadata_ct) FROM evidence"
                ),
                "incomplete_cases": rows(
                    "SELECT c.reference, c.head_version, (SELECT count(*) FROM case_versions v "
                    "WHERE v.case_id = c.id) AS versions, (SELECT count(*) FROM case_keys k "
                    "WHERE k.case_id = c.id) AS case_keys, length(c.summary_ct) AS summary "
                    "FROM cases c"
                ),
                "orphan_fields": rows(
                    "SELECT case_id, version, field FROM case_fields f WHERE NOT EXISTS "
                    "(SELECT 1 FROM case_versions v WHERE v.case_id = f.case_id "
                    "AND v.version = f.version)"
                ),
                "audit": rows(
                    "SELECT (SELECT count(*) FROM audit), (SELECT max(seq) FROM audit),"
                    " (SELECT seq FROM audit_head WHERE id = 1)"
                )[0],
            }
            if engine.dialect.name == "sqlite":
                out["integrity"] = rows("PRAGMA integrity_check")
                out["foreign_keys"] = rows("PRAGMA foreign_key_check")
    finally:
        engine.dispose()
    out["incomplete_evidence"] = [
        # (the signature is empty when it is sealed with the statement, under a first key)
        r
        for r in out["incomplete_evidence"]
        if not (r[1] > 0 and r[2] > 0 and r[3] and r[5] and r[6])
    ]
    out["incomplete_cases"] = [
        r
        for r in out["incomplete_cases"]
        if not (r[1] >= 1 and r[1] == r[2] and r[3] >= 1 and r[4])
    ]
    return out


def assert_rows_consistent(db_url: str) -> None:
    found = check_rows(db_url)
    assert found["incomplete_evidence"] == [], "evidence rows half written"
    assert found["incomplete_cases"] == [], "cases half written"
    assert found["orphan_fields"] == [], "case fields left without their version"
    count, last, head = found["audit"]
    assert count == last == head, f"audit rows {count}, last seq {last}, head {head}"
    if "integrity" in found:
        assert found["integrity"] == [("ok",)]
        assert found["foreign_keys"] == []


def leftover_chunks(db_url: str, data_dir: Path) -> set[str]:
    """Ids of stored evidence ciphertext (rows, or files beside a SQLite database) that no
    evidence row refers to."""
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            live = set(conn.execute(text("SELECT id FROM evidence")).scalars())
            stored = set(
                conn.execute(text("SELECT DISTINCT evidence_id FROM evidence_chunks")).scalars()
            )
    finally:
        engine.dispose()
    folder = data_dir / "evidence"
    if folder.is_dir():
        stored |= {p.name.removesuffix(".partial") for p in folder.iterdir()}
    return stored - live


def _age_leftovers(db_url: str, data_dir: Path, ids: set[str]) -> None:
    """Make the ciphertext an interrupted import left behind look two hours old. Clean-up
    waits that long so it never takes the chunks of an import still running elsewhere."""
    then = time.time() - 2 * 3600
    folder = data_dir / "evidence"
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name.removesuffix(".partial") in ids:
                os.utime(path, (then, then))
    engine = _engine(db_url)
    try:
        with engine.begin() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("evidence_chunks")}
            if "written_at" in columns:
                conn.execute(
                    text(
                        "UPDATE evidence_chunks SET written_at = written_at - 7200 "
                        "WHERE evidence_id IN :ids"
                    ).bindparams(bindparam("ids", expanding=True)),
                    {"ids": sorted(ids)},
                )
    finally:
        engine.dispose()


def after_crash(
    vault: Vault, db_url: str, data_dir: Path, originals: dict[str, str]
) -> dict[str, Any]:
    """The checks every crash must pass; returns what the DSL sees (see everyone_reads).

    Tables are consistent; every item readable to the end with the right SHA-256; the audit
    log verifies for everyone; ciphertext an interrupted import left (no row refers to it,
    its key was never stored) is removed by the sign-ins once it is old enough."""
    assert_rows_consistent(db_url)
    leftovers = leftover_chunks(db_url, data_dir)
    if leftovers:
        _age_leftovers(db_url, data_dir, leftovers)
    seen = everyone_reads(vault, originals)
    assert leftover_chunks(db_url, data_dir) == set(), (
        "ciphertext of an interrupted import was never cleaned up"
    )
    return seen


def everyone_reads(vault: Vault, originals: dict[str, str] | None = None) -> dict[str, Any]:
    """Every user signs in, lists and opens every case they can, reads every evidence item
    to the end (checking its SHA-256) and verifies the whole audit log. Returns what the DSL
    sees: reference -> [(file name, size, sha256)]."""
    seen: dict[str, Any] = {}
    for name, passphrase in PASSPHRASES.items():
        session = vault.unlock(name, passphrase)
        for summary in list_cases(session):
            detail = show_case(session, summary.reference)
            items = []
            for info in detail.evidence:
                _, stream = read_evidence(session, summary.reference, info.id)
                digest = hashlib.sha256()
                for piece in stream:
                    digest.update(piece)
                assert digest.hexdigest() == info.sha256
                if originals and info.file_name in originals:
                    assert info.sha256 == originals[info.file_name]
                items.append((info.file_name, info.size, info.sha256))
            if name == "Dana DSL":
                seen[summary.reference] = sorted(items)
        assert verify_whole_log(session)["intact"]
        session.lock()
    return seen


def still_writable(vault: Vault, reference: str, tmp_path: Path) -> None:
    """After the crash the next writer is not blocked and its work is kept."""
    dana = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
    note = tmp_path / "after-crash.txt"
    note.write_text("written after the crash\n", "utf-8")
    evidence_id = add_evidence(dana, reference, note)
    assert evidence_id in [e.id for e in show_case(dana, reference).evidence]
    new_reference = add_case(dana, CaseInput.from_json(CASE))
    assert new_reference in [c.reference for c in list_cases(dana)]
    assert verify_whole_log(dana)["intact"]


# A child process that uses the vault API, optionally killing itself at an exact point.
CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    def die():
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    data_dir, url, what, where, argument = sys.argv[1:6]
    passphrase = sys.stdin.readline().rstrip("\\n")
    from safelog.vault.vault import Vault
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case
    from safelog.vault.evidence import add_evidence
    import safelog.audit.log as audit_log
    import safelog.crypto.stream as stream
    import safelog.store.files as files
    import safelog.vault.session as session_module

    if where == "after-chunks":
        original_chunk = stream.StreamEncryptor.take_chunk
        def take_chunk(self, index, plaintext, last):
            if index == int(argument):
                die()
            return original_chunk(self, index, plaintext, last)
        stream.StreamEncryptor.take_chunk = take_chunk
    armed = []
    if where == "after-audit-append":
        original_append = audit_log.append_many
        def append_many(conn, entries):
            head = original_append(conn, entries)
            if armed:
                die()
            return head
        audit_log.append_many = append_many
        session_module.audit_log = audit_log
    if where == "before-checkpoint":
        original_save = session_module.Session.save_checkpoint
        def save_checkpoint(self):
            if armed:
                die()
            return original_save(self)
        session_module.Session.save_checkpoint = save_checkpoint
    if where == "during-checkpoint":
        original_replace = files.os.replace
        class OsProxy:
            def __getattr__(self, name):
                return getattr(os, name)
            def replace(self, src, dst):
                if armed:
                    die()
                return original_replace(src, dst)
        files.os = OsProxy()

    vault = Vault(Path(data_dir), url)
    session = vault.unlock("Dana DSL", passphrase)
    armed.append(True)
    if what == "evidence":
        print(add_evidence(session, sys.argv[6], Path(sys.argv[7])), flush=True)
    elif what == "case":
        print(add_case(session, CaseInput.from_json({
            "category": "cyberbullying-pupil", "summary": "Filed by the child",
            "description": "Filed by the child process."})), flush=True)
    elif what == "cases-forever":
        while True:
            print(add_case(session, CaseInput.from_json({
                "category": "cyberbullying-pupil", "summary": "One of many",
                "description": "Filed in a loop."})), flush=True)
""")


def _child(
    data_dir: Path, db_url: str, what: str, where: str = "-", argument: str = "-", *extra: str
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), db_url, what, where, argument, *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(db_url),
    )
    assert process.stdin is not None
    process.stdin.write(PASSPHRASES["Dana DSL"] + "\n")
    process.stdin.close()
    process.stdin = None  # so that communicate() does not flush it
    return process


@pytest.fixture
def filed(school: Any, tmp_path: Path) -> tuple[Any, str, dict[str, str]]:
    """The school with one case holding one small evidence file, then closed so that only
    the process under test has the database open."""
    dana = school.unlock("Dana DSL")
    reference = add_case(dana, CaseInput.from_json(CASE))
    first = tmp_path / "first.txt"
    first.write_text("The first screenshot transcript.\n" * 100, "utf-8")
    add_evidence(dana, reference, first)
    originals = {"first.txt": hashlib.sha256(first.read_bytes()).hexdigest()}
    school.vault.close()
    return school, reference, originals


# --------------------------------------------------------------------------------------
# Killed from outside.
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_during_cli_evidence_add(
    filed: Any, db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    school, reference, originals = filed
    before = everyone_reads(school.vault, originals)
    school.vault.close()
    big = tmp_path / "screen-recording.bin"
    originals[big.name] = _write_big_file(big, BIG_FILE_MIB)

    growth = _import_progress(db_url, data_dir)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "safelog",
            "--data-dir",
            str(data_dir),
            "evidence",
            "add",
            reference,
            str(big),
            "--as",
            "Dana DSL",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(db_url),
    )
    assert process.stdin is not None
    process.stdin.write(PASSPHRASES["Dana DSL"] + "\n")
    process.stdin.close()
    process.stdin = None  # so that communicate() does not flush it
    _kill_when(process, lambda: growth() > KILL_AFTER_GROWTH)

    after = after_crash(school.vault, db_url, data_dir, originals)
    # Either wholly there (and byte for byte the original), or not at all.
    big_items = [item for item in after[reference] if item[0] == big.name]
    assert big_items in ([], [(big.name, BIG_FILE_MIB * MIB, originals[big.name])])
    assert {ref: [i for i in items if i[0] != big.name] for ref, items in after.items()} == before
    still_writable(school.vault, reference, tmp_path)
    school.vault.close()
    assert_rows_consistent(db_url)
    assert leftover_chunks(db_url, data_dir) == set()
    big.unlink()  # 300 MiB; pytest keeps the last few temporary directories


def test_sigkill_while_filing_cases(filed: Any, db_url: str, data_dir: Path) -> None:
    """A client filing cases one after another is killed at a random moment, twice. Every
    case it reported is there and whole; at most one more (committed, not yet reported)."""
    school, _, originals = filed
    rng = random.Random()
    for _ in range(2):
        before = set(everyone_reads(school.vault, originals))
        school.vault.close()
        process = _child(data_dir, db_url, "cases-forever")
        assert process.stdout is not None
        reported = []
        while len(reported) < 3:
            line = process.stdout.readline().strip()
            if not line:
                process.wait(timeout=30)
                pytest.fail(f"the filing process stopped: {process.stderr.read()}")
            reported.append(line)
        time.sleep(rng.uniform(0, 0.05))
        process.send_signal(signal.SIGKILL)
        rest, _ = process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        reported += rest.split()

        after = set(after_crash(school.vault, db_url, data_dir, originals))
        added = after - before
        assert set(reported) <= added
        assert len(added) - len(reported) in (0, 1)
        school.vault.close()


# --------------------------------------------------------------------------------------
# Killed from inside, at exact points.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunks_written", [0, 2])
def test_killed_after_some_chunks(
    filed: Any, db_url: str, data_dir: Path, tmp_path: Path, chunks_written: int
) -> None:
    school, reference, originals = filed
    before = everyone_reads(school.vault, originals)
    school.vault.close()
    big = tmp_path / "recording.bin"
    _write_big_file(big, 5)
    process = _child(
        data_dir, db_url, "evidence", "after-chunks", str(chunks_written), reference, str(big)
    )
    _, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, err

    assert after_crash(school.vault, db_url, data_dir, originals) == before
    still_writable(school.vault, reference, tmp_path)


@pytest.mark.parametrize("what", ["case", "evidence"])
def test_killed_after_the_audit_entry_before_commit(
    filed: Any, db_url: str, data_dir: Path, tmp_path: Path, what: str
) -> None:
    """The last statement of the transaction has run; the commit has not."""
    school, reference, originals = filed
    before = everyone_reads(school.vault, originals)
    school.vault.close()
    note = tmp_path / "note.txt"
    note.write_text("A note.\n", "utf-8")
    args = (reference, str(note)) if what == "evidence" else ()
    process = _child(data_dir, db_url, what, "after-audit-append", "-", *args)
    out, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, err
    assert out == ""

    assert after_crash(school.vault, db_url, data_dir, originals) == before
    still_writable(school.vault, reference, tmp_path)


@pytest.mark.parametrize("where", ["before-checkpoint", "during-checkpoint"])
@pytest.mark.parametrize("what", ["case", "evidence"])
def test_killed_after_commit_around_the_checkpoint(
    filed: Any, db_url: str, data_dir: Path, tmp_path: Path, what: str, where: str
) -> None:
    """Committed, but the device's checkpoint was not (fully) saved: the work is kept and the
    next sign-in on this device accepts the log, which extends what it saw before."""
    school, reference, originals = filed
    before = everyone_reads(school.vault, originals)
    school.vault.close()
    note = tmp_path / "note.txt"
    note.write_text("A note kept despite the crash.\n", "utf-8")
    originals[note.name] = hashlib.sha256(note.read_bytes()).hexdigest()
    args = (reference, str(note)) if what == "evidence" else ()
    process = _child(data_dir, db_url, what, where, "-", *args)
    out, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, err
    assert out == ""
    partial = list((data_dir / "profiles").glob("*.partial"))
    assert len(partial) == (1 if where == "during-checkpoint" else 0), partial

    after = after_crash(school.vault, db_url, data_dir, originals)
    if what == "evidence":
        assert len(after[reference]) == len(before[reference]) + 1
        assert (note.name, note.stat().st_size, originals[note.name]) in after[reference]
    else:
        assert len(after) == len(before) + 1
    still_writable(school.vault, reference, tmp_path)
