"""`backup verify --as NAME`: open every case and evidence item that person may read in a
backup, with their own passphrase and the keys they pinned at enrolment, in memory only.

This is a sign-in to the backup's copy of the database, held in memory: what reading
records there (views, audit entries) is dropped with it, and it never saves this device's
checkpoint of the live vault's logs. Nor does it compare the backup with that checkpoint:
a backup is older than the live vault by design. Decrypted evidence is only hashed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select

from safelog.backup import archive
from safelog.backup.check import BackupReport, OpenBackup, damaged
from safelog.backup.make import CHUNK_LENGTH
from safelog.crypto import sealing
from safelog.crypto.encoding import unb64
from safelog.crypto.identity import Identity, x25519_public_bytes
from safelog.errors import AccessDenied, KeyNotTrusted, NotFound, TamperDetected, WrongPassphrase
from safelog.store.engine import snapshot
from safelog.store.schema import UserRow
from safelog.vault import membership
from safelog.vault.cases import list_cases, show_case
from safelog.vault.directory import REMOVED, load_directory
from safelog.vault.evidence_reading import EvidenceQuarantined, read_evidence
from safelog.vault.invitations import clean_name
from safelog.vault.missing import check_nothing_missing
from safelog.vault.paths import device_name
from safelog.vault.session import Session
from safelog.vault.session_keys import Clock


class ArchiveChunks:
    """Evidence chunks read where they lie in the backup file (a ChunkStore, read-only)."""

    def __init__(self, contents: archive.Contents) -> None:
        self._contents = contents
        self._handle: BinaryIO = contents.path.open("rb")

    def read(self, evidence_id: str, index: int) -> bytes | None:
        member = self._contents.members.get(archive.EVIDENCE_PREFIX + evidence_id)
        start = index * CHUNK_LENGTH
        if member is None or start >= member.size:
            return None
        self._handle.seek(member.offset + start)
        return self._handle.read(min(CHUNK_LENGTH, member.size - start))

    def write(self, evidence_id: str, chunks: object, *, durable: bool = True) -> int:
        raise AccessDenied("A backup is read, never written to.")

    def write_into(self, evidence_id: str, fill: object, *, durable: bool = True) -> int:
        raise AccessDenied("A backup is read, never written to.")

    def make_durable(self, evidence_ids: object) -> None:
        raise AccessDenied("A backup is read, never written to.")

    def delete(self, evidence_id: str) -> None:
        raise AccessDenied("A backup is read, never written to.")

    def ids(self, older_than: float) -> set[str]:
        return set(self._contents.evidence_ids)

    def close(self) -> None:
        self._handle.close()


def open_everything(
    opened: OpenBackup, report: BackupReport, name: str, passphrase: str, clock: Clock
) -> None:
    """Open, as `name`, every case and evidence item they may read; counts go in `report`.
    Raises WrongPassphrase, KeyNotTrusted or BackupDamaged (TamperDetected) in words."""
    chunks = ArchiveChunks(opened.contents)
    # The session's own folder for the check (owner-only, removed after): it keeps no
    # checkpoints, and anything else a session writes there is sealed with the person's
    # profile key. No case content or evidence is written to disk.
    with tempfile.TemporaryDirectory(prefix="safelog-verify-") as profiles:
        session = _sign_in(opened, chunks, Path(profiles), name, passphrase, clock)
        try:
            _read_all(opened.contents.path, session, report)
        finally:
            session.lock()
            chunks.close()
    report.opened_as = session.person.name


def _sign_in(
    opened: OpenBackup,
    chunks: ArchiveChunks,
    profiles: Path,
    name: str,
    passphrase: str,
    clock: Clock,
) -> Session:
    engine = opened.engine
    with engine.connect() as conn:
        row = conn.execute(
            select(UserRow.__table__).where(func.lower(UserRow.name) == clean_name(name).lower())
        ).one_or_none()
    if row is None:
        raise NotFound(f"There is no user called {name} in this backup.")
    if row.sealed_keys is None:
        raise AccessDenied(f"{row.name} had not enrolled when this backup was made.")
    try:
        kek = sealing.kek_for(passphrase, row.sealed_keys)
        identity = Identity.from_bytes(
            sealing.unseal_with_key(kek, row.sealed_keys, f"user-keys:{row.id}")
        )
    except sealing.SealMalformed:
        raise damaged(opened.contents.path, f"the sealed keys of {row.name} are damaged") from None
    except sealing.SealBroken:
        raise WrongPassphrase(
            f"That passphrase is not right for {row.name} in this backup (it is the passphrase "
            "they had when the backup was made)."
        ) from None
    vault_id = identity.extra["vault_id"]
    with engine.connect() as conn:
        directory = load_directory(conn, identity.extra["ca_fp"], vault_id)
        membership.check_pin(conn, identity.extra.get("log_pin"))
    person = directory.people.get(row.id)
    if person is None or person.x25519 != x25519_public_bytes(identity.x25519.public_key()):
        raise KeyNotTrusted(f"{row.name}'s entry in this backup does not match their keys.")
    if person.status == REMOVED:
        raise AccessDenied(f"{row.name} had been removed from SafeLog when this backup was made.")
    session = Session(
        engine=engine,
        data_dir=profiles,
        person=person,
        identity=identity,
        directory=directory,
        profile_key=unb64(identity.extra["profile_key"]),
        device=device_name(),
        chunks=chunks,
        clock=clock,
        keep_checkpoints=False,
    )
    with snapshot(engine) as conn:
        session.load_role_keys(conn)
        session.check_audit_log(conn, None)
        check_nothing_missing(conn, session.audit_manifest_rows, session.audit_manifest_start)
    with engine.connect() as conn:
        session.load_audiences(conn)
    return session


def _read_all(path: Path, session: Session, report: BackupReport) -> None:
    cases = list_cases(session)
    report.problems += session.list_problems + session.key_problems
    for summary in cases:
        try:
            detail = show_case(session, summary.reference)
            for item in detail.evidence:
                try:
                    _, stream = read_evidence(session, summary.reference, item.id)
                except EvidenceQuarantined:  # never opened, not even to check (002 7.2.4)
                    continue
                for _plain in stream:  # checked chunk by chunk and against its SHA-256
                    pass
                report.opened_evidence += 1
        except TamperDetected as exc:
            raise damaged(path, f"case {summary.reference}: {str(exc).rstrip('.')}") from None
        report.opened_cases += 1
