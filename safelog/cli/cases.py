"""`safelog case ...`: the categories, recording a case, changing it, the content report
form, showing one case and listing them. The JSON printed is built in vault/views.py."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from safelog.cli.common import (
    PassphraseReader,
    command,
    command_group,
    emit_json,
    read_json_file,
    say,
    unlock,
    warn,
)
from safelog.errors import UserFacingError


def cmd_case_categories(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.categories import CATEGORIES
    from safelog.vault.views import category_view

    if args.json:
        emit_json([category_view(c) for c in CATEGORIES])
    else:
        for c in CATEGORIES:
            say(f"{c.code:<28} {c.title}")
    return 0


def cmd_case_add(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case

    if args.json == "-":
        # From a pipe the passphrase is the first line and the case JSON the rest.
        _, session = unlock(args, reader)
        case = CaseInput.from_json(read_json_file(args.json))
    else:
        case = CaseInput.from_json(read_json_file(args.json))
        _, session = unlock(args, reader)
    say(add_case(session, case))
    return 0


def cmd_case_update(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.cases import update_case

    changes = read_json_file(args.json)
    _, session = unlock(args, reader)
    say(update_case(session, args.reference, changes))
    return 0


def cmd_case_content_report(args: argparse.Namespace, reader: PassphraseReader) -> int:
    """The Inappropriate Content Report Form: submit the first part (--json), complete the
    e-safety officer's part (--complete ID --action TEXT) or save it as a PDF to print."""
    from safelog.vault import content_form

    if args.complete is not None:
        if not (args.action or "").strip():
            raise UserFacingError("--complete needs --action TEXT: the action taken.")
        _, session = unlock(args, reader)
        say(
            content_form.complete_content_report(
                session, args.reference, args.complete, action_taken=args.action
            )
        )
        return 0
    if args.pdf is not None:
        if not args.id:
            raise UserFacingError("--pdf needs --id ID: which content report to print.")
        out = Path(args.pdf)
        if out.exists():
            raise UserFacingError(f"{args.pdf} already exists; choose another name.")
        _, session = unlock(args, reader)
        printed = content_form.print_content_report(session, args.reference, args.id, out)
        pages = f"{printed.pages} page{'s' if printed.pages != 1 else ''}"
        say(f"Content report form for {args.reference.strip().upper()}: {pages}.")
        say(f"SHA-256 {printed.sha256}")
        say(printed.path)
        return 0
    if args.json == "-":
        # From a pipe the passphrase is the first line and the JSON the rest.
        _, session = unlock(args, reader)
        data = read_json_file(args.json)
        content_form.check_first_part(data)
    else:
        data = read_json_file(args.json)
        content_form.check_first_part(data)  # before asking for a passphrase
        _, session = unlock(args, reader)
    say(content_form.submit_from_json(session, args.reference, data))
    return 0


def cmd_case_vir(args: argparse.Namespace, reader: PassphraseReader) -> int:
    """The Violent Incident Report (002 appendix 2) drawn from a case, as a PDF to print."""
    from safelog.vault.violent_incident import print_violent_incident_report

    out = Path(args.out)
    if out.exists():
        raise UserFacingError(f"{args.out} already exists; choose another name.")
    _, session = unlock(args, reader)
    digest = print_violent_incident_report(session, args.reference, out)
    say(f"{out} (SHA-256 {digest})")
    return 0


def escalation_line(route: dict[str, Any]) -> str:
    """One escalation route in `case show`'s text: where it stands, and a decision not to
    use it (the police, the ICO) with its reasons."""
    from safelog.domain.routes import not_needed_title

    need = "required" if route["required"] else "to consider"
    due = f", due {route['due']}" if route.get("due") else ""
    line = f"route {route['route']} ({need}{due}): "
    if route.get("not_needed"):
        return line + f"{not_needed_title(route['route'])}: {route['not_needed']}"
    if route.get("done_at"):
        told = f" ({route['told']})" if route.get("told") else ""
        return line + f"done {route['done_at']}{told}"
    return line + "not recorded"


def cmd_case_show(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.cases import show_case
    from safelog.vault.evidence_custody import custody_by_item
    from safelog.vault.views import case_view

    _, session = unlock(args, reader)
    detail = show_case(session, args.reference)
    data = case_view(detail, session, custody_by_item(session, detail.reference))
    if args.json:
        emit_json(data)
        return 0
    say(f"{data['reference']}  [{data['status']}]  {data['category']}")
    say(data["summary"])
    say()
    say(data["description"], multi_line=True)
    for person in data["people"]:
        say(f"  - {person['name']} ({person['kind']}, {person['role']})")
    for route in data["escalations"]:
        say("  " + escalation_line(route))
    for item in data["evidence"]:
        say(
            f"  evidence {item['id']}: {item['file_name']} {item['size']} bytes "
            f"sha256 {item['sha256']}"
        )
    for version in data["history"]:
        say(
            f"  v{version['version']} {version['at']} {version['author']}: "
            f"{', '.join(version['changed'])}"
        )
    return 0


def cmd_case_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.cases import list_cases
    from safelog.vault.views import case_list_item

    _, session = unlock(args, reader)
    cases = list_cases(session)
    if args.json:
        emit_json([case_list_item(c) for c in cases])
    else:
        for c in cases:
            say(f"{c.reference}  {c.status:<12} {c.category:<26} {c.summary}")
    for problem in session.list_problems:
        warn(problem)
    return 0


def add_case_commands(sub: Any) -> None:
    case = command_group(sub, "case", "cases")
    p = command(case, "categories", cmd_case_categories, "the category codes")
    p.add_argument("--json", action="store_true")
    p = command(case, "add", cmd_case_add, "record a case from JSON; prints its reference", True)
    p.add_argument("--json", required=True, metavar="FILE", help="the case as JSON ('-' = stdin)")
    p = command(case, "update", cmd_case_update, "add a version with changed fields", True)
    p.add_argument("reference")
    p.add_argument("--json", required=True, metavar="FILE")
    p = command(
        case,
        "content-report",
        cmd_case_content_report,
        "the Inappropriate Content Report Form: submit, complete or save as PDF",
        True,
    )
    p.add_argument("reference")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--json", metavar="FILE", help="submit the first part ('-' = stdin)")
    what.add_argument("--complete", metavar="ID", help="complete the e-safety officer's part")
    what.add_argument("--pdf", metavar="OUT", help="save the form as a PDF to print")
    p.add_argument("--action", metavar="TEXT", help="with --complete: the action taken")
    p.add_argument("--id", metavar="ID", help="with --pdf: which report")
    p = command(case, "vir", cmd_case_vir, "the Violent Incident Report of a case, as a PDF", True)
    p.add_argument("reference")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p = command(case, "show", cmd_case_show, "show a case", True)
    p.add_argument("reference")
    p.add_argument("--json", action="store_true")
    p = command(case, "list", cmd_case_list, "list the cases you can read", True)
    p.add_argument("--json", action="store_true")
