"""Sending a pupil's child protection file to their new school, and the list of transfers.

A file goes either to the receiving school's SafeLog transfer key (`send_transfer`: one
`.sltransfer` file, crypto/transfer_box.py, whose contents are vault/transfer_file.py) or,
for a school without SafeLog, as one signed PDF protected with a one-time passphrase
(`send_with_passphrase`: the chronology with the records and every original attached;
any PDF reader opens it with the passphrase). Either way the school keeps its own copy,
sealed for the DSL role, for as long as child protection records are kept, and the file
shows "sent, awaiting receipt" with its 5-school-day deadline (domain/transfers.py) until
the receiving school's receipt is recorded (vault/transfer_receive.py). Every file written
is audited with its SHA-256; nothing is written anywhere but where the DSL chose.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from safelog.audit.actions import AuditAction
from safelog.crypto.encoding import b64
from safelog.crypto.transfer_box import pack_parts, seal_transfer
from safelog.domain.passphrases import MIN_PASSPHRASE
from safelog.domain.transfers import (
    SendMode,
    TransferKind,
    review_on,
    status_words,
    transfer_due,
)
from safelog.errors import InvalidInput, NotFound
from safelog.store.files import write_atomically
from safelog.vault.session import Session
from safelog.vault.transfer_file import signed_parts
from safelog.vault.transfer_keys import RecipientKey, private_keys
from safelog.vault.transfer_payload import (
    CHRONOLOGY_PART,
    RECORDS_PART,
    TransferContent,
    chronology_pdf,
    gather,
)
from safelog.vault.transfer_proof import school_proof
from safelog.vault.transfer_store import (
    ITEM_PREFIX,
    TransferRecord,
    append_row,
    load_parts,
    load_rows,
    require_dsl,
)


@dataclass(frozen=True)
class SentTransfer:
    transfer_id: str
    path: Path
    sha256: str
    size: int
    pupil: str  # the pupil's name as on the roll
    cases: int
    originals: int
    due: datetime
    left_out: tuple[str, ...]
    messages: tuple[str, ...]


@dataclass(frozen=True)
class TransferSummary:
    """One transfer as the list shows it."""

    transfer_id: str
    kind: TransferKind  # SENT or RECEIVED
    mode: SendMode
    pupil: str
    pupil_id: str
    school: str  # the other school
    at: datetime  # sent or received
    by: str  # the DSL who sent or received it
    sha256: str  # of the file as sent or received
    cases: tuple[str, ...]
    originals: tuple[dict[str, Any], ...]
    due: datetime | None = None  # a file sent: the 5-school-day deadline
    receipt_at: datetime | None = None
    receipt_by: str = ""  # who signed the receipt (and their school)
    review_on: date | None = None
    ca_fingerprint: str = ""  # a file received: the sending school's CA
    left_out: tuple[str, ...] = ()
    seq: int = 0

    @property
    def status(self) -> str:
        return status_words(self.kind, self.mode, self.receipt_at)

    @property
    def awaiting_receipt(self) -> bool:
        return self.kind == TransferKind.SENT and self.receipt_at is None


def _check_out(out: Path) -> Path:
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    if not out.parent.is_dir():
        raise InvalidInput(f"There is no folder {out.parent} to save the file in.")
    return out


def _manifest(
    session: Session, content: TransferContent, transfer_id: str, to: str, secret: str
) -> dict[str, Any]:
    from safelog.vault.roll import pupil_record

    return {
        "id": transfer_id,
        "made_at": session.clock().isoformat(),
        "to": to,
        "from": {
            "school": session.directory.school,
            "vault_id": session.directory.vault_id,
            "user_id": session.user_id,
            "name": session.person.name,
        },
        "pupil": pupil_record(content.pupil),
        "evidence": [o.listing() for o in content.originals],
        "left_out": list(content.left_out),
        "receipt_secret": secret,
    }


def _documents(content: TransferContent, chronology: bytes) -> list[tuple[str, bytes]]:
    return [
        (CHRONOLOGY_PART, chronology),
        (RECORDS_PART, content.records),
        *((o.part, o.data) for o in content.originals),
    ]


def send_transfer(
    session: Session, id_or_upn: str, to_key: RecipientKey, out: Path
) -> SentTransfer:
    """One file for the school whose key this is, written to `out` (must not exist)."""
    require_dsl(session)
    out = _check_out(out)
    with session.engine.connect() as conn:
        if to_key.fingerprint in private_keys(session, conn):
            raise InvalidInput(
                "That is this school's own transfer key: ask the receiving school's DSL for theirs."
            )
    content = gather(session, id_or_upn)
    chronology = chronology_pdf(session, content)
    transfer_id = str(uuid.uuid4())
    secret = b64(os.urandom(32))
    manifest = _manifest(session, content, transfer_id, to_key.fingerprint, secret)
    with session.engine.connect() as conn:
        proof = school_proof(session, conn)
    parts = signed_parts(
        manifest,
        _documents(content, chronology.data),
        session.user_id,
        session.identity.sign,
        proof,
    )
    sealed = seal_transfer(transfer_id, to_key.public, pack_parts(parts))
    return _record_sent(
        session,
        content,
        out,
        sealed,
        parts,
        {
            "transfer_id": transfer_id,
            "mode": SendMode.KEY.value,
            "to": to_key.fingerprint,
            "to_school": to_key.school,
            "receipt_secret": secret,
        },
        tuple(chronology.messages),
    )


def send_with_passphrase(
    session: Session, id_or_upn: str, passphrase: str, out: Path
) -> SentTransfer:
    """One signed PDF, protected with `passphrase` (AES-256), holding the chronology, the
    records and every original: for a school without SafeLog."""
    require_dsl(session)
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(
            f"Choose a passphrase of at least {MIN_PASSPHRASE} characters for the file; give "
            "it to the receiving school by telephone, never with the file."
        )
    out = _check_out(out)
    content = gather(session, id_or_upn)
    protected = chronology_pdf(session, content, password=passphrase)
    kept = chronology_pdf(session, content)  # the school's own copy opens without it
    transfer_id = str(uuid.uuid4())
    manifest = _manifest(session, content, transfer_id, "", "")
    with session.engine.connect() as conn:
        proof = school_proof(session, conn)
    parts = signed_parts(
        manifest, _documents(content, kept.data), session.user_id, session.identity.sign, proof
    )
    return _record_sent(
        session,
        content,
        out,
        protected.data,
        parts,
        {"transfer_id": transfer_id, "mode": SendMode.PASSPHRASE.value, "to": "", "to_school": ""},
        tuple(protected.messages),
    )


def _record_sent(
    session: Session,
    content: TransferContent,
    out: Path,
    data: bytes,
    parts: list[tuple[str, bytes]],
    body: dict[str, Any],
    messages: tuple[str, ...],
) -> SentTransfer:
    sent_at = session.clock()
    due = transfer_due(sent_at, content.pupil.left_on)
    kept_until = review_on(content.pupil.date_of_birth)
    digest = write_atomically(out, data)
    try:
        with session.write() as conn:
            seq = append_row(
                session,
                conn,
                {
                    **body,
                    "kind": TransferKind.SENT.value,
                    "pupil_id": content.pupil.id,
                    "pupil": content.pupil.display_name,
                    "sha256": digest,
                    "size": len(data),
                    "due": due.isoformat(),
                    "review_on": kept_until.isoformat() if kept_until else None,
                    "cases": [c.reference for c in content.page.cases],
                    "originals": [o.listing() for o in content.originals],
                    "left_out": list(content.left_out),
                },
                parts,
            )
            session.audit(
                conn,
                AuditAction.TRANSFER_SEND,
                {
                    "transfer": body["transfer_id"],
                    "pupil": content.pupil.id,
                    "mode": body["mode"],
                    "to": body["to"],
                    "sha256": digest,
                    "size": len(data),
                    "cases": len(content.page.cases),
                    "originals": len(content.originals),
                },
                item=f"{ITEM_PREFIX}{seq}",
            )
    except BaseException:
        # A file sent must be on the record: one that could not be recorded is not left.
        out.unlink(missing_ok=True)
        raise
    return SentTransfer(
        body["transfer_id"],
        out,
        digest,
        len(data),
        content.pupil.display_name,
        len(content.page.cases),
        len(content.originals),
        due,
        content.left_out,
        messages,
    )


# -- the list -----------------------------------------------------------------------------


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def summaries(session: Session, records: list[TransferRecord]) -> list[TransferSummary]:
    people = session.directory.people
    receipts = {r.body.get("transfer_id"): r for r in records if r.kind == TransferKind.RECEIPT}
    out: list[TransferSummary] = []
    for r in records:
        if r.kind not in (TransferKind.SENT, TransferKind.RECEIVED):
            continue
        b = r.body
        signer = people.get(r.signer_id)
        receipt = receipts.get(b.get("transfer_id"))
        sent = r.kind == TransferKind.SENT
        by_school = receipt.body.get("school", "") if receipt else ""
        out.append(
            TransferSummary(
                transfer_id=str(b["transfer_id"]),
                kind=TransferKind(r.kind),
                mode=SendMode(b.get("mode", SendMode.KEY.value)),
                pupil=str(b.get("pupil", "")),
                pupil_id=str(b.get("pupil_id", "")),
                school=str((b.get("to_school") if sent else b.get("from_school")) or by_school),
                at=r.at,
                by=signer.name if signer else "a DSL",
                sha256=str(b.get("sha256", "")),
                cases=tuple(b.get("cases", [])),
                originals=tuple(b.get("originals", [])),
                due=_when(b.get("due")) if sent else None,
                receipt_at=receipt.at if receipt else None,
                receipt_by=(
                    f"{receipt.body.get('by', '')}, {by_school}".strip(", ") if receipt else ""
                ),
                review_on=date.fromisoformat(b["review_on"]) if b.get("review_on") else None,
                ca_fingerprint=str(b.get("ca_fingerprint", "")),
                left_out=tuple(b.get("left_out", [])),
                seq=r.seq,
            )
        )
    out.sort(key=lambda s: s.at, reverse=True)
    return out


def list_transfers(session: Session) -> list[TransferSummary]:
    """Every file this school sent or received, newest first (DSL only)."""
    require_dsl(session)
    with session.engine.connect() as conn:
        return summaries(session, load_rows(session, conn))


def awaiting_receipt(session: Session) -> list[TransferSummary]:
    """Files sent whose receipt is not recorded yet, the earliest deadline first: what the
    inbox shows. Empty for anyone who is not a DSL."""
    from safelog.domain.roles import Role

    if session.locked or Role.DSL not in session.person.roles:
        return []
    waiting = [s for s in list_transfers(session) if s.awaiting_receipt]
    waiting.sort(key=lambda s: s.due or s.at)
    return waiting


def save_document(session: Session, transfer_id: str, part: str, out: Path) -> str:
    """Write one document of a transfer (the chronology, the records or an original) to
    `out`, byte for byte as sent or received; audited with its SHA-256."""
    require_dsl(session)
    out = _check_out(out)
    with session.engine.connect() as conn:
        records = load_rows(session, conn)
        record = next(
            (
                r
                for r in records
                if r.kind in (TransferKind.SENT, TransferKind.RECEIVED)
                and r.body.get("transfer_id") == transfer_id
            ),
            None,
        )
        if record is None:
            raise NotFound(f"There is no transfer {transfer_id}.")
        parts = load_parts(session, conn, record.seq)
    if part not in parts or part in ("manifest.json", "signature.json"):
        raise NotFound(f"Transfer {transfer_id} holds no document {part}.")
    data = parts[part]
    digest = write_atomically(out, data)
    try:
        with session.write() as conn:
            session.audit(
                conn,
                AuditAction.TRANSFER_SAVE,
                {"transfer": transfer_id, "part": part, "sha256": digest, "size": len(data)},
            )
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return digest
