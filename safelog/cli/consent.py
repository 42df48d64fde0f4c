"""`safelog consent ...`: consent to post pupils' images and videos (003 4.1-4.8, 4.15), on
the school roll. The DSL or admin records each event (given, refused, withdrawn in writing,
a post removed); every member reads what stands before posting."""

from __future__ import annotations

import argparse
from typing import Any

from safelog.cli.common import PassphraseReader, command, command_group, emit_json, say, unlock
from safelog.domain.image_consent import MEDIA, STATUSES


def _event_view(event: Any) -> dict[str, Any]:
    return {
        "medium": event.medium,
        "status": event.status,
        "on": event.on.isoformat(),
        "by": event.by,
        "year": event.year,
        "note": event.note,
    }


def cmd_consent_record(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.image_consent import record_consent

    _, session = unlock(args, reader)
    values = {"medium": args.medium, "status": args.status, "on": args.on, "by": args.by}
    values["note"] = args.note
    event = record_consent(session, args.pupil, values)
    say(f"{STATUSES[event.status]}: {MEDIA[event.medium]}, {event.on.isoformat()}.")
    return 0


def cmd_consent_show(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.image_consent import consent_of

    _, session = unlock(args, reader)
    found = consent_of(session, args.pupil)
    if args.json:
        emit_json(
            {
                "pupil": found.pupil.id,
                "name": found.pupil.display_name,
                "consent": found.summary,
                "events": [_event_view(e) for e in found.events],
            }
        )
        return 0
    say(found.pupil.display_name)
    for medium, label in MEDIA.items():
        say(f"  {label}: {found.summary[medium]}")
    return 0


def cmd_consent_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.image_consent import consent_register

    _, session = unlock(args, reader)
    register = consent_register(session)
    if args.medium:
        register = [c for c in register if c.summary[args.medium] == "may post"]
    if args.json:
        emit_json(
            [
                {"pupil": c.pupil.id, "name": c.pupil.display_name, "consent": c.summary}
                for c in register
            ]
        )
        return 0
    for c in register:
        allowed = [m for m, state in c.summary.items() if state == "may post"]
        say(f"{c.pupil.display_name}: {', '.join(allowed) if allowed else 'no consent to post'}")
    return 0


def cmd_consent_print(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from pathlib import Path

    from safelog.vault.image_consent import print_consent

    _, session = unlock(args, reader)
    out = Path(args.out)
    say(f"{out} (SHA-256 {print_consent(session, out)})")
    return 0


def add_consent_commands(sub: Any) -> None:
    group = command_group(sub, "consent", "consent to post pupils' images and videos")
    p = command(
        group, "record", cmd_consent_record, "record consent, a refusal or withdrawal", True
    )
    p.add_argument("pupil", help="the pupil's id or UPN")
    p.add_argument("--medium", required=True, choices=tuple(MEDIA))
    p.add_argument("--status", required=True, choices=tuple(STATUSES))
    p.add_argument("--on", default="", help="the date on the form or letter (default today)")
    p.add_argument("--by", default="", help="who gave, refused or withdrew it")
    p.add_argument("--note", default="")
    p = command(group, "show", cmd_consent_show, "what stands for one pupil", True)
    p.add_argument("pupil")
    p.add_argument("--json", action="store_true")
    p = command(group, "list", cmd_consent_list, "every pupil (or those who may appear)", True)
    p.add_argument("--medium", choices=tuple(MEDIA), help="only pupils who may appear there")
    p.add_argument("--json", action="store_true")
    p = command(group, "print", cmd_consent_print, "the record of consent as a PDF", True)
    p.add_argument("--out", required=True, metavar="FILE.pdf")
