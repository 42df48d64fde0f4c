"""`safelog transfer ...`: child protection file transfer between schools (DSL only).

    transfer key --as NAME [--out school-key.pem]     the school's transfer key and its
                                                      fingerprint, read out by telephone
    transfer send PUPIL --as NAME --to-key FILE.pem --out FILE.sltransfer
    transfer send PUPIL --as NAME --passphrase --out FILE.pdf   (asks twice; no SafeLog needed)
    transfer receive FILE --as NAME --receipt-out RECEIPT
    transfer confirm RECEIPT --as NAME
    transfer list --as NAME [--json]

The use cases are vault/transfers.py, vault/transfer_receive.py and vault/transfer_keys.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from safelog.cli.common import PassphraseReader, command, command_group, emit_json, say, unlock
from safelog.errors import UserFacingError


def _new_file(name: str) -> Path:
    path = Path(name)
    if path.exists():
        raise UserFacingError(f"{name} already exists; choose another name.")
    return path


def cmd_transfer_key(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.transfers import said_at
    from safelog.vault.transfer_keys import export_school_key, school_key

    out = _new_file(args.out) if args.out else None
    _, session = unlock(args, reader)
    if out is None:
        key = school_key(session)
    else:
        key, digest = export_school_key(session, out)
    say(f"The transfer key of {key.school}, made by {key.made_by} on {said_at(key.made_at)}.")
    say("Read its fingerprint to the sending school's DSL by telephone; they check it before")
    say("they send a file:")
    if out is None:
        say(key.phone)
        return 0
    say(f"Fingerprint: {key.phone}")
    say(f"SHA-256 of the key file {digest}")
    say(out)
    return 0


def cmd_transfer_send(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.transfers import said_at
    from safelog.vault.transfer_keys import read_recipient_key
    from safelog.vault.transfers import send_transfer, send_with_passphrase

    if bool(args.to_key) == bool(args.passphrase):
        raise UserFacingError(
            "Give either --to-key FILE.pem (the receiving school's SafeLog transfer key) or "
            "--passphrase (a school without SafeLog), not both or neither."
        )
    out = _new_file(args.out)
    key = read_recipient_key(Path(args.to_key)) if args.to_key else None
    _, session = unlock(args, reader)
    if key is not None:
        sent = send_transfer(session, args.pupil, key, out)
        school = f" ({key.school}, as the key file says)" if key.school else ""
        say(f"Encrypted to the transfer key with fingerprint {key.phone}{school}.")
        say("If you have not yet, check that fingerprint with their DSL by telephone.")
    else:
        passphrase = reader.new("Choose a passphrase for the file: ")
        sent = send_with_passphrase(session, args.pupil, passphrase, out)
        say("A signed PDF protected with the passphrase: any PDF reader opens it. Give the")
        say("passphrase to the receiving school's DSL by telephone, never with the file.")
    for message in sent.messages:
        say(f"Note: {message}")
    for left in sent.left_out:
        say(f"Note: {left}")
    say(
        f"The child protection file of {sent.pupil}: {sent.cases} case(s), "
        f"{sent.originals} original(s), signed by {session.person.name}."
    )
    say(f"Sent, awaiting receipt; due by {said_at(sent.due)} (5 school days).")
    say(f"SHA-256 {sent.sha256}")
    say(sent.path)
    return 0


def cmd_transfer_receive(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.transfer_receive import receive_transfer

    receipt = _new_file(args.receipt_out)
    _, session = unlock(args, reader)
    got = receive_transfer(session, Path(args.file), receipt)
    say(f"Received the child protection file of {got.pupil.display_name} from {got.from_school}")
    say(f"(signed by {got.from_dsl}, their DSL). Signatures and every SHA-256 check out.")
    say(f"{got.from_school}'s certificate fingerprint: {got.ca_phone}")
    say("Compare it with their DSL by telephone if you have not received from them before.")
    on_roll = "added to the roll" if got.pupil_added else "matched on the roll"
    say(f"{got.pupil.display_name} was {on_roll} (id {got.pupil.id}).")
    say(f"{got.cases} case(s) and {got.originals} original(s) kept as received.")
    say(f"Receipt for the sender: SHA-256 {got.receipt_sha256}; send it to their DSL.")
    say(got.receipt_path)
    return 0


def cmd_transfer_confirm(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.transfer_receive import confirm_receipt

    path = Path(args.receipt)
    if not path.is_file():
        raise UserFacingError(f"There is no file {args.receipt}.")
    _, session = unlock(args, reader)
    done = confirm_receipt(session, path)
    say(
        f"Receipt recorded: {done.school} ({done.by}) received the file of {done.pupil} on "
        f"{done.received_at}."
    )
    return 0


def _summary_json(s: Any) -> dict[str, Any]:
    return {
        "id": s.transfer_id,
        "direction": s.kind.value,
        "mode": s.mode.value,
        "status": s.status,
        "pupil": s.pupil,
        "pupil_id": s.pupil_id,
        "school": s.school,
        "at": s.at.isoformat(),
        "by": s.by,
        "sha256": s.sha256,
        "cases": list(s.cases),
        "originals": list(s.originals),
        "due": s.due.isoformat() if s.due else None,
        "receipt_at": s.receipt_at.isoformat() if s.receipt_at else None,
        "receipt_by": s.receipt_by or None,
        "review_on": s.review_on.isoformat() if s.review_on else None,
        "ca_fingerprint": s.ca_fingerprint or None,
        "left_out": list(s.left_out),
    }


def cmd_transfer_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.transfers import said_at
    from safelog.vault.transfers import list_transfers

    _, session = unlock(args, reader)
    found = list_transfers(session)
    if args.json:
        emit_json([_summary_json(s) for s in found])
        return 0
    if not found:
        say("No child protection files have been sent or received.")
    for s in found:
        other = f"to {s.school or 'a school'}" if s.due else f"from {s.school}"
        line = f"{said_at(s.at)}  {s.pupil}  {other}  {s.status}"
        if s.awaiting_receipt and s.due:
            line += f", due by {said_at(s.due)}"
        say(line)
    return 0


def add_transfer_commands(sub: Any) -> None:
    transfer = command_group(sub, "transfer", "child protection file transfer (DSL)")
    p = command(
        transfer, "key", cmd_transfer_key, "the school's transfer key and its fingerprint", True
    )
    p.add_argument("--out", metavar="FILE.pem", help="save the key for the sending school")
    p = command(
        transfer, "send", cmd_transfer_send, "send a pupil's file to their new school", True
    )
    p.add_argument("pupil", metavar="PUPIL", help="the pupil's id or UPN")
    p.add_argument("--to-key", metavar="FILE.pem", help="the receiving school's transfer key")
    p.add_argument(
        "--passphrase",
        action="store_true",
        help="a PDF protected with a passphrase (asked twice), for a school without SafeLog",
    )
    p.add_argument("--out", required=True, metavar="FILE.sltransfer")
    p = command(transfer, "receive", cmd_transfer_receive, "receive a file from a school", True)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--receipt-out", required=True, metavar="RECEIPT")
    p = command(
        transfer, "confirm", cmd_transfer_confirm, "record the receipt for a file sent", True
    )
    p.add_argument("receipt", metavar="RECEIPT")
    p = command(transfer, "list", cmd_transfer_list, "files sent and received", True)
    p.add_argument("--json", action="store_true")
