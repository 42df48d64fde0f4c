"""Receiving a child protection file from another school, and recording the receipt for a
file this school sent.

Receiving checks, in this order, and imports nothing unless all pass: that it is a
transfer file; that it was made for one of this school's transfer keys (else "a wrong
key"); that this file was not received before (else "a replay"); that it opens (a changed
or cut byte does not: AEAD); the sender's signature and the chain proving them their
school's DSL (vault/transfer_proof.py); and every document against its SHA-256. Then, in
one transaction: the pupil is matched on the roll (UPN, else name and date of birth) or
added to it, the file is kept as received (read-only: a transfer record is never changed)
with where it came from, and a receipt signed by the receiving DSL is written for the
sender. A receipt that cannot be written leaves nothing imported.

Confirming checks the receipt's MAC (only whoever opened the file can make it), the
receiving DSL's signature and chain, and that it is for the very file this school sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from safelog.audit.actions import AuditAction
from safelog.crypto.transfer_box import (
    NotATransfer,
    SealBroken,
    open_transfer,
    read_header,
    unpack_parts,
)
from safelog.domain.deadlines import LONDON
from safelog.domain.roll import Pupil, already_on_roll, pupil_from_entry, validate_pupil
from safelog.domain.transfers import (
    SendMode,
    TransferKind,
    phone_fingerprint,
    review_on,
    said_at,
)
from safelog.errors import InvalidInput, TamperDetected, UserFacingError
from safelog.store.files import write_private_file
from safelog.vault import roll_store
from safelog.vault.roll import ADD, load_roll_in, pupil_record
from safelog.vault.session import Session
from safelog.vault.transfer_file import (
    MAX_RECEIPT_BYTES,
    check_parts,
    check_receipt,
    make_receipt,
    read_receipt,
)
from safelog.vault.transfer_keys import private_keys
from safelog.vault.transfer_proof import school_proof
from safelog.vault.transfer_store import ITEM_PREFIX, append_row, load_rows, require_dsl

MAX_TRANSFER_BYTES = 2 * 1024**3
# What the receiving school keeps of the sender's pupil record to find or add the child.
_PUPIL_FIELDS = ("upn", "legal_forename", "preferred_forename", "surname", "date_of_birth")


class WrongKey(InvalidInput):
    """The file was made for another school's transfer key."""


class AlreadyReceived(InvalidInput):
    """The same file (or another copy of it) was received before."""


@dataclass(frozen=True)
class ReceivedTransfer:
    transfer_id: str
    from_school: str
    from_dsl: str
    ca_fingerprint: str  # the sending school's CA: compare by telephone
    pupil: Pupil
    pupil_added: bool
    cases: int
    originals: int
    receipt_path: Path
    receipt_sha256: str
    file_sha256: str

    @property
    def ca_phone(self) -> str:
        return phone_fingerprint(self.ca_fingerprint)


@dataclass(frozen=True)
class ConfirmedReceipt:
    transfer_id: str
    pupil: str
    school: str
    by: str
    received_at: str


def _read(path: Path, limit: int, what: str) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"There is no file {path}.")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror}.") from None
    if len(data) > limit:
        raise InvalidInput(f"{path} is far too large to be {what}.")
    return data


def _previous(records: list[Any], kind: TransferKind, transfer_id: str) -> Any | None:
    return next(
        (r for r in records if r.kind == kind and r.body.get("transfer_id") == transfer_id), None
    )


def _when_said(record: Any, session: Session) -> str:
    person = session.directory.people.get(record.signer_id)
    who = person.name if person else "a DSL"
    return f"{said_at(record.at)} by {who}"


def receive_transfer(session: Session, path: Path, receipt_out: Path) -> ReceivedTransfer:
    require_dsl(session)
    receipt_out = Path(receipt_out)
    if receipt_out.exists():
        raise InvalidInput(f"{receipt_out} already exists; choose another name for the receipt.")
    if not receipt_out.parent.is_dir():
        raise InvalidInput(f"There is no folder {receipt_out.parent} to save the receipt in.")
    data = _read(path, MAX_TRANSFER_BYTES, "a transfer file")
    name = Path(path).name
    try:
        header, _ = read_header(data)
    except NotATransfer:
        raise InvalidInput(
            f"{name} is not a SafeLog transfer file (or its first bytes were changed). A file "
            "sent with a passphrase is a PDF: open it in a PDF reader."
        ) from None
    with session.engine.connect() as conn:
        keys = private_keys(session, conn)
        records = load_rows(session, conn)
    key = keys.get(header["to"])
    if key is None:
        mine = ", ".join(phone_fingerprint(k) for k in keys) or "none made yet"
        raise WrongKey(
            f"{name} was encrypted to another school's transfer key (fingerprint "
            f"{phone_fingerprint(header['to'])}), not to this school's ({mine}). Nothing was "
            "imported: ask the sender to check your key's fingerprint with you by telephone "
            "and send the file again."
        )
    _refuse_replay(session, records, header["id"], name)
    try:
        parts = unpack_parts(open_transfer(data, key))
    except (SealBroken, ValueError):
        raise TamperDetected(
            f"{name} was changed after it was made (or is incomplete): it does not open with "
            "this school's key. Nothing was imported; ask the sender for a new copy."
        ) from None
    opened = check_parts(parts)
    manifest = opened.manifest
    if manifest.get("id") != header["id"] or manifest.get("to") != header["to"]:
        raise TamperDetected(f"{name}: its signed contents do not match its label.")
    if opened.sender.vault_id == session.directory.vault_id:
        raise InvalidInput(f"{name} was sent by this school; there is nothing to receive.")
    file_sha = hashlib.sha256(data).hexdigest()
    now = session.clock()
    with session.write() as conn:
        _refuse_replay(session, load_rows(session, conn), header["id"], name)
        pupil, added = _pupil_on_roll(session, conn, manifest.get("pupil") or {})
        receipt = {
            "transfer": header["id"],
            "file_sha256": file_sha,
            "manifest_sha256": hashlib.sha256(opened.manifest_bytes).hexdigest(),
            "received_at": now.isoformat(),
            "school": session.directory.school,
            "by": session.person.name,
            "to": header["to"],
            "pupil": "added to the roll" if added else "matched on the roll",
        }
        receipt_bytes = make_receipt(
            receipt,
            str(manifest.get("receipt_secret", "")),
            session.user_id,
            session.identity.sign,
            school_proof(session, conn),
        )
        receipt_sha = hashlib.sha256(receipt_bytes).hexdigest()
        sender = opened.sender
        kept_until = review_on(pupil.date_of_birth)
        seq = append_row(
            session,
            conn,
            {
                "kind": TransferKind.RECEIVED.value,
                "mode": SendMode.KEY.value,
                "transfer_id": header["id"],
                "pupil_id": pupil.id,
                "pupil": pupil.display_name,
                "pupil_added": added,
                "from_school": sender.school,
                "from_vault": sender.vault_id,
                "from_dsl": sender.name,
                "ca_fingerprint": sender.ca_fingerprint,
                "sha256": file_sha,
                "size": len(data),
                "sent_at": manifest.get("made_at"),
                "cases": [c.get("reference") for c in _cases(opened.parts)],
                "originals": list(manifest.get("evidence") or []),
                "left_out": list(manifest.get("left_out") or []),
                "receipt_sha256": receipt_sha,
                "review_on": kept_until.isoformat() if kept_until else None,
            },
            sorted(parts.items()),
        )
        session.audit(
            conn,
            AuditAction.TRANSFER_RECEIVE,
            {
                "transfer": header["id"],
                "pupil": pupil.id,
                "from": sender.school,
                "ca_fingerprint": sender.ca_fingerprint,
                "sha256": file_sha,
                "receipt_sha256": receipt_sha,
            },
            item=f"{ITEM_PREFIX}{seq}",
        )
        try:
            write_private_file(receipt_out, receipt_bytes, 0o644, make_folder=False)
        except OSError as exc:
            raise InvalidInput(
                f"Cannot write the receipt {receipt_out}: {exc.strerror}. Nothing was imported."
            ) from None
    return ReceivedTransfer(
        header["id"],
        sender.school,
        sender.name,
        sender.ca_fingerprint,
        pupil,
        added,
        len(_cases(opened.parts)),
        len(manifest.get("evidence") or []),
        receipt_out,
        receipt_sha,
        file_sha,
    )


def _refuse_replay(session: Session, records: list[Any], transfer_id: str, name: str) -> None:
    before = _previous(records, TransferKind.RECEIVED, transfer_id)
    if before is not None:
        raise AlreadyReceived(
            f"{name} was already received on {_when_said(before, session)}; it was not "
            "imported again. (The same file received twice is refused, so a copy cannot be "
            "slipped in as new.)"
        )


def _cases(parts: dict[str, bytes]) -> list[dict[str, Any]]:
    import json

    try:
        records = json.loads(parts.get("records.json", b"{}"))
        cases = records.get("cases", [])
        return [c for c in cases if isinstance(c, dict)]
    except (ValueError, AttributeError):
        return []


def _pupil_on_roll(session: Session, conn: Any, sent: dict[str, Any]) -> tuple[Pupil, bool]:
    """The pupil as this school's roll has them (UPN, else name and date of birth), or
    added to it from what the sending school's roll said."""
    values = {k: sent[k] for k in _PUPIL_FIELDS if isinstance(sent.get(k), str) and sent[k]}
    today = session.clock().astimezone(LONDON).date()
    try:
        entry = validate_pupil(values, today)
    except UserFacingError as exc:
        raise InvalidInput(f"The pupil in the file cannot be put on the roll: {exc}.") from None
    roll = load_roll_in(session, conn)
    same = already_on_roll(list(roll.pupils.values()), entry)
    if same is not None:
        return same, False
    pupil = pupil_from_entry(entry, str(uuid.uuid4()), today)
    seq = roll_store.append_batch(session, conn, ADD, [pupil_record(pupil)])
    session.audit(
        conn,
        AuditAction.ROLL_ADD,
        {"pupil": pupil.id, "via": "child protection file transfer"},
        item=f"{roll_store.ITEM_PREFIX}{seq}",
    )
    return pupil, True


def confirm_receipt(session: Session, path: Path) -> ConfirmedReceipt:
    """Record the receiving school's receipt for a file this school sent."""
    require_dsl(session)
    data = _read(path, MAX_RECEIPT_BYTES, "a receipt")
    document = read_receipt(data)
    receipt = document["receipt"]
    transfer_id = receipt["transfer"]
    with session.write() as conn:
        records = load_rows(session, conn)
        sent = _previous(records, TransferKind.SENT, transfer_id)
        if sent is None:
            raise InvalidInput(
                f"{Path(path).name} is a receipt for a file this school did not send; "
                "nothing was recorded."
            )
        before = _previous(records, TransferKind.RECEIPT, transfer_id)
        if before is not None:
            raise AlreadyReceived(
                f"The receipt for this file was already recorded on "
                f"{_when_said(before, session)}; nothing changed."
            )
        if not sent.body.get("receipt_secret"):
            raise InvalidInput(
                "That file was sent with a passphrase, so no SafeLog receipt can be made for it."
            )
        checked = check_receipt(document, str(sent.body["receipt_secret"]))
        if receipt.get("file_sha256") != sent.body.get("sha256") or receipt.get("to") != (
            sent.body.get("to")
        ):
            raise TamperDetected(
                "The receipt is for a different copy of the file than the one this school "
                "sent; it was not recorded."
            )
        seq = append_row(
            session,
            conn,
            {
                "kind": TransferKind.RECEIPT.value,
                "transfer_id": transfer_id,
                "school": checked.receiver.school,
                "by": checked.receiver.name,
                "ca_fingerprint": checked.receiver.ca_fingerprint,
                "received_at": receipt.get("received_at"),
                "pupil": receipt.get("pupil"),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
            [("receipt.json", data)],
        )
        session.audit(
            conn,
            AuditAction.TRANSFER_CONFIRM,
            {
                "transfer": transfer_id,
                "school": checked.receiver.school,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
            item=f"{ITEM_PREFIX}{seq}",
        )
    received_at = str(receipt.get("received_at", ""))
    with contextlib.suppress(ValueError):
        received_at = said_at(datetime.fromisoformat(received_at))
    return ConfirmedReceipt(
        transfer_id,
        str(sent.body.get("pupil", "")),
        checked.receiver.school,
        checked.receiver.name,
        received_at,
    )
