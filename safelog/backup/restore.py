"""Setting a vault up from a backup on a new PC (or a new server).

Nothing is restored until the whole backup has been read and checked (every SHA-256 and
every signature that can be checked without a key). Into a data directory, the evidence
files are written as `.partial` while the backup is read once, then renamed, and the
database comes last: a restore cut short leaves no vault, only files a new attempt replaces.
Into PostgreSQL, every row and chunk goes in one transaction. An existing vault is never
overwritten. The restore becomes a signed audit entry at the next sign-in.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import func, insert, inspect, select

from safelog.audit.actions import AuditAction
from safelog.backup import archive
from safelog.backup.check import BackupReport, check_contents
from safelog.backup.make import CHUNK_LENGTH, SKIPPED_TABLES
from safelog.errors import UserFacingError
from safelog.store.chunks import FOLDER_NAME
from safelog.store.engine import DB_FILE_NAME, open_engine
from safelog.store.files import fsync_folder, write_private_file
from safelog.store.private import private_folder
from safelog.store.schema import Base, EvidenceChunkRow, VaultRow
from safelog.vault import pending_audit
from safelog.vault.paths import CONFIG_FILE, device_name, save_database_url
from safelog.vault.session_keys import Clock

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


@dataclass(frozen=True)
class Restored:
    data_dir: Path
    report: BackupReport
    database_url: str | None


def refuse_existing(data_dir: Path, database_url: str | None) -> None:
    database = data_dir / DB_FILE_NAME
    if (database.exists() and database.stat().st_size > 0) or (data_dir / CONFIG_FILE).exists():
        raise UserFacingError(
            f"There is already a SafeLog vault in {data_dir}; a restore never overwrites one. "
            "Choose an empty folder."
        )
    if database_url is None:
        return
    engine = open_engine(database_url)
    try:
        with engine.connect() as conn:
            has = (
                inspect(conn).has_table(VaultRow.__tablename__)
                and conn.execute(select(func.count()).select_from(VaultRow)).scalar_one()
            )
    finally:
        engine.dispose()
    if has:
        raise UserFacingError(
            "That database already holds a SafeLog vault; a restore never overwrites one. "
            "Use an empty database."
        )


def restore(path: Path, data_dir: Path, clock: Clock, database_url: str | None = None) -> Restored:
    refuse_existing(data_dir, database_url)
    private_folder(data_dir)
    if database_url is None:
        report = _into_folder(path, data_dir)
    else:
        report = _into_server(path, data_dir, database_url)
    at = clock().isoformat()
    pending_audit.add_note(
        data_dir,
        AuditAction.BACKUP_RESTORED.value,
        {
            "backup_file": path.name,
            "backup_made": report.created_at,
            "backup_manifest_sha256": report.sha256,
            "restored_at": at,
            "device": device_name(),
        },
        at,
    )
    return Restored(data_dir, report, database_url)


def _into_folder(path: Path, data_dir: Path) -> BackupReport:
    folder = data_dir / FOLDER_NAME
    private_folder(folder)
    partials: dict[str, tuple[Path, BinaryIO]] = {}
    # Each evidence file is flushed to the disk while the next is read: the reading and
    # hashing go on beside the disk's work instead of waiting for it at the end.
    syncing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="restore-fsync")
    synced: list[Future[None]] = []

    def durable(handle: BinaryIO) -> None:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()

    def sink(name: str) -> BinaryIO | None:
        if partials:  # the member before this one is whole now
            _, previous = list(partials.values())[-1]
            if not previous.closed and previous not in done:
                done.add(previous)
                synced.append(syncing.submit(durable, previous))
        if not name.startswith(archive.EVIDENCE_PREFIX):
            return None
        partial = folder / (name.removeprefix(archive.EVIDENCE_PREFIX) + ".partial")
        partial.unlink(missing_ok=True)  # left by an earlier restore cut short
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        handle = _RestoredFile(fd)
        partials[name] = (partial, handle)
        return handle

    done: set[BinaryIO] = set()
    try:
        contents = archive.scan(path, sink)
        for future in synced:
            future.result()
        for _partial, handle in partials.values():
            if handle not in done:
                durable(handle)
        report, opened = check_contents(contents)
        try:
            image = archive.read_member(contents, archive.DATABASE)
        finally:
            opened.close()
        for partial, _ in partials.values():
            os.replace(partial, partial.with_name(partial.name.removesuffix(".partial")))
        fsync_folder(folder)
    except BaseException:
        syncing.shutdown(wait=True)
        for partial, handle in partials.values():
            handle.close()
            partial.unlink(missing_ok=True)
        raise
    finally:
        syncing.shutdown(wait=True)
    write_private_file(data_dir / DB_FILE_NAME, image)  # the database last: now a vault
    return report


class _RestoredFile(io.FileIO):
    """An evidence file being restored. The disk is started on it as it is written, so its
    fsync once it is whole (on a helper thread, while the next is read) waits for little,
    and so does the last one's, which nothing overlaps."""

    def __init__(self, fd: int) -> None:
        super().__init__(fd, "wb")
        self._size = 0
        self._started = 0  # bytes handed to the disk so far

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data).cast("B")
        length = len(view)
        while view:  # an unbuffered write may take less than it was given
            view = view[super().write(view) or 0 :]
        self._size += length
        if self._size - self._started >= archive.WRITEBACK_EVERY:
            archive.start_writeback(self.fileno(), self._started, self._size - self._started)
            self._started = self._size
        return length


def _into_server(path: Path, data_dir: Path, url: str) -> BackupReport:
    report, opened = check_contents(archive.scan(path))
    target = open_engine(url)
    try:
        with opened.engine.connect() as source, target.begin() as conn:
            for table in Base.metadata.sorted_tables:
                if table.name in SKIPPED_TABLES:
                    continue
                rows = [dict(r._mapping) for r in source.execute(select(table))]
                if rows:
                    conn.execute(insert(table), rows)
            with path.open("rb") as handle:
                for evidence_id in opened.contents.evidence_ids:
                    member = opened.contents.members[archive.EVIDENCE_PREFIX + evidence_id]
                    handle.seek(member.offset)
                    for index in range(-(-member.size // CHUNK_LENGTH)):
                        data = handle.read(min(CHUNK_LENGTH, member.size - index * CHUNK_LENGTH))
                        conn.execute(
                            insert(EvidenceChunkRow).values(
                                evidence_id=evidence_id, idx=index, data_ct=data, written_at=0
                            )
                        )
    finally:
        opened.close()
        target.dispose()
    save_database_url(data_dir, url)
    return report
