"""`safelog evidence ...`: attaching a file to a case, listing a case's evidence and writing
an original out. The JSON printed is built in vault/views.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from safelog.cli.common import PassphraseReader, command, command_group, emit_json, say, unlock
from safelog.errors import UserFacingError


def cmd_evidence_add(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.evidence import add_evidence_detailed
    from safelog.vault.evidence_rules import intake_rules

    path = Path(args.file)
    if not path.exists():  # a folder, pipe or device is refused when opened, saying which
        raise UserFacingError(f"There is no file {args.file}.")
    _, session = unlock(args, reader)
    warning = intake_rules(session, args.reference).upload_warning
    if warning:  # a concern about staff: 002 7.2.4 before anything is read
        say(f"safelog: warning: {warning}", file=sys.stderr)
    added = add_evidence_detailed(
        session,
        args.reference,
        path,
        source_url=args.source_url or "",
        platform=args.platform or "",
        handle=args.handle or "",
        description=args.description or "",
        seen_at=args.seen_at or "",
    )
    for note in added.notes:
        say(f"safelog: note: {note}", file=sys.stderr)
    say(added.evidence_id)
    return 0


def cmd_evidence_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.evidence_custody import custody_by_item
    from safelog.vault.evidence_reading import list_case_evidence
    from safelog.vault.views import evidence_view

    _, session = unlock(args, reader)
    items = list_case_evidence(session, args.reference)
    if args.json:
        custody = custody_by_item(session, args.reference)
        emit_json(
            [
                evidence_view(i.info, i.sightings, custody.get(i.info.id, []), i.quarantined)
                for i in items
            ]
        )
        return 0
    for item in items:
        info = item.info
        flags = []
        if info.metadata.get("claimed_type"):
            flags.append(f"named as {info.metadata['claimed_type']}")
        if info.metadata.get("preview") in ("unreadable", "too-large"):
            flags.append("cannot be shown")
        if item.sightings:
            flags.append(f"seen {len(item.sightings) + 1} times")
        if item.quarantined:
            flags.append("quarantined: never shown, extracted or exported")
        say(
            f"{info.id}  {info.file_name}  {info.media_type}  {info.size} bytes  "
            f"sha256 {info.sha256}  added by {info.added_by} {info.added_at.isoformat()}"
            + (f"  [{'; '.join(flags)}]" if flags else "")
        )
    return 0


def cmd_evidence_extract(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.evidence_reading import extract_evidence

    _, session = unlock(args, reader)
    info = extract_evidence(session, args.reference, args.evidence_id, Path(args.out))
    say(f"Wrote {info.file_name} ({info.size} bytes, sha256 {info.sha256}) to {args.out}")
    return 0


def add_evidence_commands(sub: Any) -> None:
    evidence = command_group(sub, "evidence", "evidence files")
    p = command(evidence, "add", cmd_evidence_add, "attach a file; prints its evidence id", True)
    p.add_argument("reference")
    p.add_argument("file")
    p.add_argument("--source-url")
    p.add_argument("--platform")
    p.add_argument("--handle", help="the account that posted or sent it")
    p.add_argument("--description")
    p.add_argument(
        "--seen-at",
        metavar="WHEN",
        help="when it was seen: 2026-11-20 or 2026-11-20T15:30:00+00:00",
    )
    p = command(evidence, "list", cmd_evidence_list, "list a case's evidence", True)
    p.add_argument("reference")
    p.add_argument("--json", action="store_true")
    p = command(evidence, "extract", cmd_evidence_extract, "write an original out", True)
    p.add_argument("reference")
    p.add_argument("evidence_id")
    p.add_argument("--out", required=True)
