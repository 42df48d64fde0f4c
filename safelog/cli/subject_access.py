"""`safelog sar ...`: subject access requests (DSL only).

    sar record --as NAME --subject PUPIL_OR_PERSON --requester NAME --relationship REL
               [--received DATE] [--note TEXT]            prints the request's number
    sar list --as NAME [--json]
    sar extend REQUEST --as NAME --months 1|2 --reason TEXT
    sar withhold REQUEST ITEM --as NAME --reason TEXT   a case or evidence item, serious harm
    sar export --as NAME --subject PUPIL_OR_PERSON --out FILE.pdf [--include EVIDENCE_ID]...

The use cases are vault/subject_access.py and vault/sar_export.py.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from safelog.cli.common import PassphraseReader, command, command_group, emit_json, say, unlock
from safelog.errors import UserFacingError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserFacingError(f"'{text}' is not a date: write it as YYYY-MM-DD.") from None


def cmd_sar_record(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.retention import plain_date
    from safelog.vault.subject_access import record_request, today

    received = _date(args.received) if args.received else None
    _, session = unlock(args, reader)
    request = record_request(
        session,
        requester=args.requester,
        relationship=args.relationship,
        subject=args.subject,
        received_on=received or today(session),
        note=args.note or "",
    )
    say(
        f"Recorded {request.id}: {request.requester} ({request.relationship.label}) asked for "
        f"what the school holds about {request.subject_name}."
    )
    on, due = plain_date(request.received_on), plain_date(request.due)
    say(f"Received {on}; the answer is due by {due}.")
    say(request.id)
    return 0


def _request_json(r: Any, today: date) -> dict[str, Any]:
    return {
        "id": r.id,
        "requester": r.requester,
        "relationship": r.relationship.value,
        "subject": r.subject_name,
        "subject_pupil": r.subject_pupil or None,
        "received_on": r.received_on.isoformat(),
        "due": r.due.isoformat(),
        "status": r.status(today),
        "overdue": not r.answered and today > r.due,
        "extension": (
            {"months": r.extension.months, "reason": r.extension.reason} if r.extension else None
        ),
        "withheld": [{"item": item, "reason": reason} for item, reason in r.withheld],
        "recorded_by": r.recorded_by,
        "recorded_at": r.recorded_at.isoformat(),
        "disclosures": [
            {
                "at": d.at.isoformat(),
                "by": d.by,
                "sha256": d.sha256,
                "size": d.size,
                "pages": d.pages,
                "included": list(d.included),
                "log_entries": len(d.log),
            }
            for d in r.disclosures
        ],
    }


def cmd_sar_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.retention import plain_date
    from safelog.vault.subject_access import list_requests, today

    _, session = unlock(args, reader)
    found = list_requests(session)
    now = today(session)
    if args.json:
        emit_json([_request_json(r, now) for r in found])
        return 0
    if not found:
        say("No subject access requests are recorded.")
    for r in found:
        say(
            f"{r.id}  {r.subject_name}  asked by {r.requester}  received "
            f"{plain_date(r.received_on)}  due {plain_date(r.due)}  {r.status(now)}"
        )
    return 0


def cmd_sar_extend(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.retention import plain_date
    from safelog.vault.subject_access import extend_request

    _, session = unlock(args, reader)
    request = extend_request(session, args.request, args.months, args.reason)
    say(f"{request.id} extended; the answer is now due by {plain_date(request.due)}.")
    say("Tell the requester, with the reason, within the first month.")
    return 0


def cmd_sar_withhold(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.sar_export import withhold

    _, session = unlock(args, reader)
    request = withhold(session, args.request, args.item, args.reason)
    say(
        f"{args.item.strip()} will be left out of {request.id}'s disclosure (serious harm); "
        "the reason is kept in the redaction log."
    )
    return 0


def cmd_sar_export(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.sar_export import export_disclosure

    out = Path(args.out)
    if out.exists():
        raise UserFacingError(f"{args.out} already exists; choose another name.")
    _, session = unlock(args, reader)
    made = export_disclosure(session, out, subject=args.subject, include=args.include or ())
    say(
        f"Disclosure for {made.request}: {made.cases} record(s), {made.listed} evidence item(s) "
        f"listed, {made.included} attached; {made.pages} page(s), signed by "
        f"{session.person.name}."
    )
    say(f"The redaction log ({len(made.log)} entries) is kept in SafeLog, not in the file.")
    say("Read it before you send it: a first name or nickname on its own is not recognised.")
    for message in made.messages:
        say(f"Note: {message}")
    say(f"SHA-256 {made.sha256}")
    say(made.path)
    return 0


def add_sar_commands(sub: Any) -> None:
    sar = command_group(sub, "sar", "subject access requests (DSL)")
    p = command(sar, "record", cmd_sar_record, "record a subject access request", True)
    p.add_argument(
        "--subject",
        required=True,
        metavar="PUPIL_OR_PERSON",
        help="a pupil's id, UPN or name on the roll, or a person's name in cases",
    )
    p.add_argument("--requester", required=True, metavar="NAME", help="who asked")
    p.add_argument(
        "--relationship",
        required=True,
        choices=("pupil", "parent", "staff", "representative", "other"),
    )
    p.add_argument("--received", metavar="YYYY-MM-DD", help="when it was received (today)")
    p.add_argument("--note", metavar="TEXT")
    p = command(sar, "list", cmd_sar_list, "requests, their due dates and answers", True)
    p.add_argument("--json", action="store_true")
    p = command(sar, "extend", cmd_sar_extend, "extend a request by 1 or 2 months, once", True)
    p.add_argument("request", metavar="REQUEST", help="its number, such as SAR-1")
    p.add_argument("--months", required=True, type=int, choices=(1, 2))
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = command(sar, "withhold", cmd_sar_withhold, "withhold an item for serious harm", True)
    p.add_argument("request", metavar="REQUEST", help="its number, such as SAR-1")
    p.add_argument("item", metavar="ITEM", help="a case reference or an evidence id")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = command(sar, "export", cmd_sar_export, "the disclosure as a signed PDF", True)
    p.add_argument("--subject", required=True, metavar="PUPIL_OR_PERSON")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument(
        "--include",
        action="append",
        metavar="EVIDENCE_ID",
        help="attach this evidence original (repeat for each)",
    )
