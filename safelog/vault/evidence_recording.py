"""Recording files already read, checked and stored as chunks (vault/evidence.py
`prepare_import`): one write transaction for all of them, so a drop of fifty screenshots
reads and verifies the case once, writes one audit checkpoint and is in the list at once
(issue 17). Each file becomes a signed evidence row with its audit entry, or, when the
same file (SHA-256) is already on the case or earlier in the batch, a sighting of it; the
sightings of a batch go in one signed case version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from safelog.audit.actions import AuditAction
from safelog.crypto.encoding import canonical_json
from safelog.crypto.stream import StreamEncryptor
from safelog.errors import InvalidInput
from safelog.evidence.images import PREVIEW_NONE, ImageBomb, Preview
from safelog.evidence.intake import SniffedType, describe_type, safe_file_name
from safelog.store.notify import announce_case_change
from safelog.store.schema import EvidenceRow
from safelog.vault.audit_trail import AuditEntry
from safelog.vault.case_engine import OpenCase, VerifiedCase, lock_case, open_case
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import (
    CaseField,
    CaseFields,
    EvidenceDetails,
    EvidenceMeta,
    EvidenceSighting,
)
from safelog.vault.case_writing import commit_version, seal_from_reporter
from safelog.vault.evidence_reading import key_aad, list_evidence, meta_aad, thumbnail_aad
from safelog.vault.evidence_rules import check_contributor, check_not_blocked
from safelog.vault.evidence_statements import evidence_statement, signed_evidence
from safelog.vault.evidence_streams import Thumbnailer
from safelog.vault.records import EvidenceInfo
from safelog.vault.session import Session


@dataclass(frozen=True)
class EvidenceAdded:
    """What an import did. `duplicate`: the same file (same SHA-256) was already on the
    case; `evidence_id` is then that item's, and only the new sighting was recorded."""

    evidence_id: str
    duplicate: bool
    media_type: str
    claimed_type: str  # what the name claimed, when it disagrees with the content; or ""
    preview: str  # thumbnail, unreadable, too-large or none (see safelog/evidence/images.py)
    notes: tuple[str, ...] = ()  # plain-words notes for the person who added it


@dataclass
class PreparedImport:
    """A file read, checked, encrypted and its chunks stored: ready to be recorded."""

    evidence_id: str
    file_key: bytes
    encryptor: StreamEncryptor
    sniffed: SniffedType
    claimed: str | None
    kept_out: str | None  # why the case's category would refuse it, re-checked at recording
    preview: Callable[[], Preview]  # called inside the recording transaction
    original_name: str
    display_name: str
    details: EvidenceDetails
    thumbnailer: Thumbnailer | None = None

    def discard(self, session: Session) -> None:
        self.finish()
        session.chunks.delete(self.evidence_id)

    def finish(self) -> None:
        if self.thumbnailer is not None:
            self.thumbnailer.join()


def record_imports(
    session: Session, reference: str, prepared: list[PreparedImport]
) -> list[EvidenceAdded | InvalidInput]:
    """Record prepared files on a case in one transaction: each becomes a signed evidence
    row with its audit entry, or (the same SHA-256 as an item already there) a sighting of
    that item. One the case's category now refuses gets its InvalidInput in its place.
    Raises, recording none, when this person may no longer add to the case."""
    try:
        outcomes = _record_all(session, reference, prepared)
    except BaseException:
        for item in prepared:
            item.discard(session)
        raise
    for item, outcome in zip(prepared, outcomes, strict=True):
        item.finish()
        if isinstance(outcome, InvalidInput) or outcome.duplicate:
            session.chunks.delete(item.evidence_id)  # refused, or stored under the old id
    return outcomes


def _notes(sniffed: SniffedType, claimed: str | None, preview: Preview) -> tuple[str, ...]:
    notes = []
    if claimed:
        notes.append(
            f"The file's name says {describe_type(claimed)}, but its content is "
            f"{describe_type(sniffed.media_type)}; it was recorded as {sniffed.label}."
        )
    if preview.note:
        notes.append(preview.note)
    return tuple(notes)


def open_to_contribute(
    session: Session, conn: Connection, reference: str
) -> tuple[OpenCase, VerifiedCase]:
    """The case locked for writing and verified, once this person is known to be allowed
    to add to it (vault/evidence_rules.py `check_contributor`)."""
    lock_case(conn, reference)
    session.sync_membership(conn)
    case = open_case(session, conn, reference)
    seal_from_reporter(session, conn, case)
    verified = read_case(session, conn, case)
    check_contributor(session, case.row.reference, verified.fields)
    return case, verified


def _record_all(
    session: Session, reference: str, prepared: list[PreparedImport]
) -> list[EvidenceAdded | InvalidInput]:
    outcomes: list[EvidenceAdded | InvalidInput] = []
    with session.write() as conn:
        case, verified = open_to_contribute(session, conn, reference)
        fields = verified.fields
        by_sha256: dict[str, EvidenceInfo | EvidenceAdded] = {
            e.sha256: e for e in list_evidence(session, conn, case)
        }
        now = session.clock()
        sightings: list[EvidenceSighting] = []
        rows: list[dict[str, Any]] = []
        entries: list[AuditEntry] = []
        for item in prepared:
            try:
                check_not_blocked(fields, item.kept_out)
                sha256 = item.encryptor.sha256.hexdigest()
                existing = by_sha256.get(sha256)
                if existing is not None:
                    seen_id = (
                        existing.id if isinstance(existing, EvidenceInfo) else existing.evidence_id
                    )
                    sightings.append(_sighting(session, item, seen_id, sha256, now))
                    outcomes.append(_duplicate(case.row.reference, existing))
                    continue
                preview = item.preview()
            except InvalidInput as exc:
                outcomes.append(exc)
                continue
            except ImageBomb as exc:
                outcomes.append(InvalidInput(f"{item.display_name}: {exc}"))
                continue
            # One microsecond apart, so that the list shows a batch in the order it was given.
            at = now + timedelta(microseconds=len(outcomes))
            added, row, entry = _new_item(session, case, item, preview, sha256, at)
            rows.append(row)
            entries.append(entry)
            by_sha256[sha256] = added  # a later copy in this batch is its sighting
            outcomes.append(added)
        if rows:
            conn.execute(insert(EvidenceRow), rows)  # one statement for the whole batch
        if sightings:
            entries += _record_sightings(session, conn, case, verified, sightings)
        if entries:
            session.audit_many(conn, entries)  # the log's head moves once
        if any(isinstance(o, EvidenceAdded) and not o.duplicate for o in outcomes):
            announce_case_change(conn)  # other PCs on a shared server look again at once
    return outcomes


def _sighting(
    session: Session, item: PreparedImport, evidence_id: str, sha256: str, now: datetime
) -> EvidenceSighting:
    return {
        "evidence_id": evidence_id,
        "sha256": sha256,
        **item.details,
        "file_name": safe_file_name(item.original_name),
        "original_name": item.original_name,
        "recorded_by": session.person.name,
        "recorded_at": now.isoformat(),
        "device": session.device,
    }


def _duplicate(reference: str, existing: EvidenceInfo | EvidenceAdded) -> EvidenceAdded:
    if isinstance(existing, EvidenceAdded):  # the same file twice in one batch
        return EvidenceAdded(
            existing.evidence_id,
            True,
            existing.media_type,
            existing.claimed_type,
            existing.preview,
            (_duplicate_words(existing.evidence_id, reference),),
        )
    return EvidenceAdded(
        existing.id,
        True,
        existing.media_type,
        str(existing.metadata.get("claimed_type") or ""),
        str(existing.metadata.get("preview") or PREVIEW_NONE),
        (_duplicate_words(existing.id, reference),),
    )


def _duplicate_words(evidence_id: str, reference: str) -> str:
    return (
        f"This file is already evidence {evidence_id} on case {reference} (the same "
        "SHA-256): it was not stored again, and this sighting was recorded on the existing item."
    )


def _record_sightings(
    session: Session,
    conn: Connection,
    case: OpenCase,
    verified: VerifiedCase,
    new: list[EvidenceSighting],
) -> list[AuditEntry]:
    """Every sighting of the batch in one signed version; the audit entry of each."""
    fields = verified.fields
    changed: CaseFields = {
        CaseField.EVIDENCE_SIGHTINGS: [*(fields.get(CaseField.EVIDENCE_SIGHTINGS) or []), *new]
    }
    version = commit_version(
        session, conn, case, {**fields, **changed}, verified.last_statement, changed
    )
    return [
        AuditEntry(
            AuditAction.EVIDENCE_SIGHTING,
            {
                "reference": case.row.reference,
                "evidence_id": sighting["evidence_id"],
                "sha256": sighting["sha256"],
                "version": version,
            },
            case.audit_ref(),
            f"v{version}",
        )
        for sighting in new
    ]


def _new_item(
    session: Session,
    case: OpenCase,
    item: PreparedImport,
    preview: Preview,
    sha256: str,
    now: datetime,
) -> tuple[EvidenceAdded, dict[str, Any], AuditEntry]:
    """What a new item adds: the outcome, its signed row and its audit entry."""
    evidence_id, case_id, encryptor = item.evidence_id, case.row.id, item.encryptor
    meta: EvidenceMeta = {
        **item.details,
        "file_name": safe_file_name(item.original_name),
        "original_name": item.original_name,
        "media_type": item.sniffed.media_type,
        "claimed_type": item.claimed or "",
        "preview": preview.status,
        "width": preview.width,
        "height": preview.height,
        "size": encryptor.size,
        "sha256": sha256,
        "captured_at_utc": now.isoformat(),
        "captured_at_local": now.astimezone().isoformat(),
        "added_by": session.person.name,
        "device": session.device,
    }
    meta_ct = case.current.seal(canonical_json(meta), meta_aad(evidence_id, case_id))
    wrapped = case.current.seal(item.file_key, key_aad(evidence_id, case_id, case.row.key_no))
    thumbnail_ct = (
        case.current.seal(preview.thumbnail, thumbnail_aad(evidence_id, case_id))
        if preview.thumbnail
        else None
    )
    statement = evidence_statement(
        evidence_id,
        case_id,
        case.row.key_no,
        encryptor.size,
        encryptor.chunks,
        meta_ct,
        wrapped,
        thumbnail_ct,
        session.user_id,
        now,
        session.directory.head_seq,
        int(case.row.head_version),
    )
    row = {
        "id": evidence_id,
        "case_id": case_id,
        "key_no": case.row.key_no,
        "file_key_wrapped": wrapped,
        "metadata_ct": meta_ct,
        "thumbnail_ct": thumbnail_ct,
        "size": encryptor.size,
        "chunk_count": encryptor.chunks,
        "added_at": now,
        **signed_evidence(session, case.current, evidence_id, statement),
    }
    entry = AuditEntry(
        AuditAction.EVIDENCE_ADD,
        {
            "reference": case.row.reference,
            "evidence_id": evidence_id,
            "sha256": sha256,
            "size": encryptor.size,
            "media_type": item.sniffed.media_type,
        },
        case.audit_ref(),
        f"e:{evidence_id}",
    )
    added = EvidenceAdded(
        evidence_id,
        False,
        item.sniffed.media_type,
        item.claimed or "",
        preview.status,
        _notes(item.sniffed, item.claimed, preview),
    )
    return added, row, entry
