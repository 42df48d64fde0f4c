"""Checking a backup without any key: its structure and every SHA-256 (archive.py), then
the signatures over its ciphertext as a vault checks them at sign-in: the school record
signed by the school CA, the membership log replayed with its signatures, the audit log's
chain and the signature of every entry not sealed to a case's readers, signed settings and
case versions, and that nothing the audit log names is missing. Without a key the CA is the
one the backup itself holds; `--as NAME` (keyed.py) checks against the keys that person
pinned at enrolment, and opens what they may read."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from safelog.audit import log as audit_log
from safelog.backup import archive
from safelog.backup.make import CHUNK_LENGTH, memory_engine
from safelog.crypto.ca import fingerprint
from safelog.crypto.stream import TAG_LENGTH
from safelog.errors import TamperDetected
from safelog.store.engine import upgrade_schema
from safelog.store.schema import CaseVersionRow, EvidenceRow, SettingRow, VaultRow
from safelog.vault.directory import Directory, load_directory
from safelog.vault.missing import check_nothing_missing


@dataclass
class BackupReport:
    path: Path
    created_at: str
    school: str
    source: str
    cases: int
    versions: int
    evidence: int
    audit_entries: int
    size: int
    sha256: str
    problems: list[str] = field(default_factory=list)
    opened_as: str | None = None
    opened_cases: int = 0
    opened_evidence: int = 0


class OpenBackup:
    """A checked backup's database, in memory only, and where each evidence item lies."""

    def __init__(self, contents: archive.Contents) -> None:
        self.contents = contents
        self.memory = sqlite3.connect(":memory:", check_same_thread=False)
        self.memory.deserialize(archive.read_member(contents, archive.DATABASE))
        self.engine: Engine = memory_engine(self.memory)
        try:
            upgrade_schema(self.engine)  # a backup made by an older SafeLog, in memory
        except Exception:
            self.close()
            raise archive.BackupDamaged(
                f"{contents.path}: its database cannot be read as a SafeLog database."
            ) from None

    def close(self) -> None:
        self.engine.dispose()
        self.memory.close()


def damaged(path: Path, what: str) -> archive.BackupDamaged:
    return archive.BackupDamaged(f"{path} failed its check: {what}.")


def check_backup(path: Path) -> tuple[BackupReport, OpenBackup]:
    """Everything that can be checked without a key; raises BackupDamaged (in words) at the
    first fault. The caller closes the OpenBackup."""
    return check_contents(archive.scan(path))


def check_contents(contents: archive.Contents) -> tuple[BackupReport, OpenBackup]:
    """`check_backup` for a backup already scanned (its hashes checked)."""
    path = contents.path
    opened = OpenBackup(contents)
    try:
        with opened.engine.connect() as conn:
            report = _check_database(path, contents, conn)
    except BaseException:
        opened.close()
        raise
    return report, opened


def _check_database(path: Path, contents: archive.Contents, conn: Connection) -> BackupReport:
    manifest = contents.manifest
    vault = conn.execute(select(VaultRow.__table__)).one_or_none()
    if vault is None or vault.vault_id != manifest.get("vault_id"):
        raise damaged(path, "its database is not the vault its manifest names")
    try:
        directory = load_directory(conn, fingerprint(vault.ca_cert), vault.vault_id)
    except TamperDetected as exc:
        raise damaged(path, str(exc).rstrip(".")) from None
    verify = _signature_checker(directory)
    rows = audit_log.rows_after(conn, 0)
    try:
        end = audit_log.verify_chain(
            rows, start=audit_log.Head(0, audit_log.GENESIS), verify_signature=verify
        )
    except audit_log.ChainBroken as exc:
        raise damaged(path, f"in its audit log, {exc}") from None
    head = audit_log.read_head(conn)
    if head != end:
        raise damaged(path, "the audit log's head does not match its last entry")
    try:
        check_nothing_missing(conn, rows)
    except TamperDetected as exc:
        raise damaged(path, str(exc).rstrip(".")) from None
    versions = _check_versions(path, conn, directory)
    evidence = _check_evidence(path, contents, conn)
    problems = list(directory.problems) + _setting_problems(conn, directory)
    return BackupReport(
        path=path,
        created_at=str(manifest.get("created_at", "")),
        school=directory.school,
        source=str(manifest.get("source", "")),
        cases=int(manifest.get("cases", 0)),  # type: ignore[call-overload]
        versions=versions,
        evidence=evidence,
        audit_entries=end.seq,
        size=path.stat().st_size,
        sha256=contents.sha256,
        problems=problems,
    )


def _signature_checker(directory: Directory) -> Callable[[str, bytes, bytes], bool]:
    def verify(actor_id: str, signature: bytes, message: bytes) -> bool:
        person = directory.people.get(actor_id)
        if person is None:
            raise audit_log.UnknownActor(actor_id)
        return person.verifies(signature, message)

    return verify


def _check_versions(path: Path, conn: Connection, directory: Directory) -> int:
    """Versions whose author is in the clear carry a signature anyone can check; the others
    (a case's first key) seal their author with the case key, for its readers to check."""
    count = 0
    for row in conn.execute(select(CaseVersionRow.__table__)):
        count += 1
        if row.author_id is None:
            continue
        author = directory.people.get(row.author_id)
        if author is None or not author.verifies(row.signature, row.statement):
            raise damaged(path, f"the signature on a version of a case ({row.case_id}) is wrong")
    return count


def _check_evidence(path: Path, contents: archive.Contents, conn: Connection) -> int:
    rows = conn.execute(select(EvidenceRow.id, EvidenceRow.chunk_count)).all()
    held = set(contents.evidence_ids)
    named = {row.id for row in rows}
    if held != named:
        extra = sorted(named - held) or sorted(held - named)
        raise damaged(path, f"evidence item {extra[0]} is not in both its database and its files")
    for row in rows:
        size = contents.members[archive.EVIDENCE_PREFIX + row.id].size
        count = row.chunk_count
        if not (
            count >= 1 and (count - 1) * CHUNK_LENGTH + TAG_LENGTH <= size <= count * CHUNK_LENGTH
        ):
            raise damaged(path, f"evidence item {row.id} does not hold the chunks it should")
    return len(rows)


def _setting_problems(conn: Connection, directory: Directory) -> list[str]:
    problems = []
    for row in conn.execute(select(SettingRow.__table__)):
        signer = directory.people.get(row.signer_id)
        record = (
            json.loads(row.record) if signer and signer.verifies(row.signature, row.record) else {}
        )
        if record.get("key") != row.key:
            problems.append(f"the setting '{row.key}' failed its signature check")
    return problems


def describe(report: BackupReport) -> list[str]:
    """The report in plain lines, for the command line and the app."""
    lines = [
        f"{report.path}: a whole SafeLog backup of {report.school}, made {report.created_at}.",
        f"Fingerprint (SHA-256 of its manifest, which names every part's SHA-256): {report.sha256}",
        f"{report.cases} cases ({report.versions} versions), {report.evidence} evidence items, "
        f"{report.audit_entries} audit entries; every SHA-256 and signature that can be checked "
        "without a key checks out.",
    ]
    if report.opened_as:
        lines.append(
            f"Opened as {report.opened_as}: {report.opened_cases} cases and "
            f"{report.opened_evidence} evidence items read and checked."
        )
    lines += [f"warning: {p}" for p in report.problems]
    return lines


def about_of(contents: archive.Contents) -> dict[str, Any]:
    return dict(contents.manifest)
