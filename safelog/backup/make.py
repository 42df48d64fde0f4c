"""Making a backup while SafeLog is in use, with no passphrase: everything copied is
ciphertext already.

SQLite: the database is copied with SQLite's online backup API (one consistent moment,
while other PCs and processes keep writing), then the evidence files its rows name. An
evidence file is complete before its row is committed and never changes after, so the
copy is consistent. PostgreSQL: every table is read in one REPEATABLE READ snapshot into
the same SQLite form, and each item's chunks are streamed from the server into the backup.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select
from sqlalchemy.pool import StaticPool

from safelog import __version__
from safelog.backup import archive
from safelog.crypto.stream import CHUNK_SIZE, TAG_LENGTH
from safelog.errors import UserFacingError
from safelog.store.chunks import FOLDER_NAME
from safelog.store.engine import SCHEMA_HEAD, open_engine, snapshot, upgrade_schema
from safelog.store.schema import Base, EvidenceChunkRow, EvidenceRow

CHUNK_LENGTH = CHUNK_SIZE + TAG_LENGTH
SKIPPED_TABLES = {EvidenceChunkRow.__tablename__}  # evidence travels as its own members


@dataclass(frozen=True)
class BackupMade:
    path: Path
    size: int
    sha256: str
    cases: int
    evidence: int
    created_at: datetime


def memory_engine(connection: sqlite3.Connection) -> Engine:
    """An engine over one in-memory SQLite connection (a backup's database, never on disk)."""
    engine = create_engine("sqlite://", creator=lambda: connection, poolclass=StaticPool)

    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


def database_image(memory: sqlite3.Connection) -> bytes:
    """The in-memory database as the bytes of a SQLite file, marked as an ordinary (not
    write-ahead-log) file so it opens anywhere, read-only or in memory."""
    image = bytearray(memory.serialize())
    image[18:20] = b"\x01\x01"  # file format read/write versions: 1 = rollback journal
    return bytes(image)


def make_backup(url: str, out: Path, clock: Any) -> BackupMade:
    """Write a backup of the vault at `url` to `out` (which must not exist yet)."""
    out = out.expanduser().absolute()
    if out.exists():
        raise UserFacingError(f"{out} already exists; choose another name.")
    if not out.parent.is_dir():
        raise UserFacingError(f"There is no folder {out.parent} to write the backup in.")
    now = clock()
    engine = open_engine(url)
    try:
        with archive.BackupWriter(out, int(now.timestamp())) as writer:
            if engine.dialect.name == "sqlite":
                made = _from_sqlite(engine, writer)
            else:
                made = _from_server(engine, writer)
            cases, evidence, about = made
            sha256 = writer.finish(
                {
                    **about,
                    "created_at": now.isoformat(),
                    "schema": SCHEMA_HEAD,
                    "source": engine.dialect.name,
                    "chunk_length": CHUNK_LENGTH,
                    "safelog_version": __version__,
                    "cases": cases,
                    "evidence_items": evidence,
                }
            )
            return BackupMade(out, writer.size, sha256, cases, evidence, now)
    finally:
        engine.dispose()


def _about(memory: sqlite3.Connection) -> tuple[int, int, dict[str, Any]]:
    row = memory.execute("SELECT vault_id, record FROM vault").fetchone()
    if row is None:
        raise UserFacingError("There is no SafeLog vault here to back up.")
    import json

    cases = memory.execute("SELECT count(*) FROM cases").fetchone()[0]
    items = memory.execute("SELECT count(*) FROM evidence").fetchone()[0]
    return cases, items, {"vault_id": row[0], "school": json.loads(row[1])["school"]}


def _from_sqlite(engine: Engine, writer: archive.BackupWriter) -> tuple[int, int, dict[str, Any]]:
    database = Path(str(engine.url.database))
    source = sqlite3.connect(database)
    memory = sqlite3.connect(":memory:")
    try:
        source.execute("PRAGMA busy_timeout=10000")
        source.backup(memory)  # in one step: one consistent moment of the database
        cases, items, about = _about(memory)
        writer.add_bytes(archive.DATABASE, database_image(memory))
        folder = database.with_name(FOLDER_NAME)
        for (evidence_id,) in memory.execute("SELECT id FROM evidence ORDER BY id"):
            path = folder / evidence_id
            try:
                handle = path.open("rb")
            except FileNotFoundError:
                raise UserFacingError(
                    f"Evidence item {evidence_id} is missing from {folder}: the data directory "
                    "is damaged. No backup was made; run 'safelog audit verify'."
                ) from None
            with handle:
                size = path.stat().st_size
                writer.add_stream(
                    archive.EVIDENCE_PREFIX + evidence_id, size, archive.copy_blocks(handle, size)
                )
    finally:
        memory.close()
        source.close()
    return cases, items, about


def _from_server(engine: Engine, writer: archive.BackupWriter) -> tuple[int, int, dict[str, Any]]:
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    target = memory_engine(memory)
    try:
        upgrade_schema(target)
        with snapshot(engine) as conn, target.connect() as copy:
            for table in Base.metadata.sorted_tables:
                if table.name in SKIPPED_TABLES:
                    continue
                rows = [dict(r._mapping) for r in conn.execute(select(table))]
                if rows:
                    copy.execute(insert(table), rows)
            sizes: dict[str, int] = dict(
                conn.execute(
                    select(
                        EvidenceChunkRow.evidence_id,
                        func.sum(func.length(EvidenceChunkRow.data_ct)),
                    )
                    .where(EvidenceChunkRow.evidence_id.in_(select(EvidenceRow.id)))
                    .group_by(EvidenceChunkRow.evidence_id)
                ).all()
            )
            ids = list(conn.execute(select(EvidenceRow.id).order_by(EvidenceRow.id)).scalars())
            # Inside the same snapshot as the rows above: an item's chunks as they were then.
            copy.commit()
            cases, items, about = _about(memory)
            writer.add_bytes(archive.DATABASE, database_image(memory))
            for evidence_id in ids:
                writer.add_stream(
                    archive.EVIDENCE_PREFIX + evidence_id,
                    int(sizes.get(evidence_id) or 0),
                    _server_chunks(conn, evidence_id),
                )
    finally:
        target.dispose()
        memory.close()
    return cases, items, about


def _server_chunks(conn: Connection, evidence_id: str) -> Iterator[bytes]:
    result = conn.execution_options(stream_results=True, yield_per=16).execute(
        select(EvidenceChunkRow.data_ct)
        .where(EvidenceChunkRow.evidence_id == evidence_id)
        .order_by(EvidenceChunkRow.idx)
    )
    for (data,) in result:
        yield bytes(data)
