"""`safelog pupil ...`: the school roll. Import an MIS export (all of it or, when any row
cannot be read, none of it), add a pupil by hand, list or search the roll. Only a DSL or
an administrator changes the roll (vault/roll_store.py); every member reads it. The JSON
printed is built in vault/views.py."""

from __future__ import annotations

import argparse
import sys
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
)
from safelog.errors import InvalidInput, UserFacingError

# The counts an import prints, in this order; "rejoined" only when someone has.
_COUNTS = ("added", "updated", "unchanged", "left")


def _read_roll_file(name: str) -> bytes:
    """The CSV file's bytes, read before a passphrase is asked for; a file larger than any
    roll is refused when it is read (domain/roll_import.py), without reading all of it."""
    from safelog.domain.roll_import import MAX_ROLL_BYTES

    path = Path(name)
    if not path.is_file():
        raise UserFacingError(f"There is no file {name}.")
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_ROLL_BYTES + 1)
    except OSError as exc:
        raise UserFacingError(f"Cannot read {name}: {exc.strerror}.") from None


def _rows(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


def cmd_pupil_import(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.roll import import_roll
    from safelog.vault.views import roll_import_view

    data = _read_roll_file(args.file)
    _, session = unlock(args, reader)
    result = import_roll(session, data)
    if args.json:
        emit_json(roll_import_view(result))
    elif result.imported:
        counts = [f"{result.counts[name]} {name}" for name in _COUNTS]
        if result.counts.get("rejoined"):
            counts.append(f"{result.counts['rejoined']} rejoined")
        say(f"The roll is imported: {', '.join(counts)}.")
    else:
        for row in result.rejected:
            say(f"line {row.line}: {row.reason}")
    if result.ignored_headings:
        say(
            f"safelog: note: columns not used: {', '.join(result.ignored_headings)}",
            file=sys.stderr,
        )
    if not result.imported:
        raise InvalidInput(
            f"{_rows(len(result.rejected))} of {args.file} could not be read, so nothing was "
            "imported; correct them and import the whole file again."
        )
    return 0


def _pupil_json(name: str) -> dict[str, Any]:
    values = read_json_file(name)
    if not isinstance(values, dict):
        raise InvalidInput(
            f"{name} should hold one pupil as a JSON object, such as "
            '{"legal_forename": "Jessica", "surname": "Smith"}.'
        )
    return values


def cmd_pupil_add(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.roll import add_pupil

    if args.json == "-":
        # From a pipe the passphrase is the first line and the pupil's JSON the rest.
        _, session = unlock(args, reader)
        values = _pupil_json(args.json)
    else:
        values = _pupil_json(args.json)
        _, session = unlock(args, reader)
    say(add_pupil(session, values).id)
    return 0


def cmd_pupil_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.roll import load_roll
    from safelog.vault.views import pupil_view

    _, session = unlock(args, reader)
    roll = load_roll(session)
    if args.search is None:
        pupils = roll.sorted()
    else:
        pupils = roll.search(args.search, limit=max(1, len(roll.pupils)))
    if args.json:
        emit_json([pupil_view(p) for p in pupils])
        return 0
    for p in pupils:
        born = p.date_of_birth.isoformat() if p.date_of_birth else "-"
        left = f"  (left {p.left_on.isoformat()})" if p.left_on else ""
        say(
            f"{p.id}  {p.upn or '-':<13}  {p.year or '-':<3} {p.form or '-':<8} {born:<10}  "
            f"{p.display_name}{left}"
        )
    return 0


def cmd_pupil_show(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.pupils import pupil_page
    from safelog.vault.views import pupil_page_view

    _, session = unlock(args, reader)
    page = pupil_page(session, args.pupil)
    if args.json:
        emit_json(pupil_page_view(page))
        return 0
    p = page.pupil
    born = p.date_of_birth.isoformat() if p.date_of_birth else "not recorded"
    say(f"{p.display_name}  (id {p.id}, UPN {p.upn or '-'})")
    say(f"Born {born}; year {p.year or '-'}, form {p.form or '-'}")
    if p.left_on:
        say(f"Left the school on {p.left_on.isoformat()}")
    if page.review_on:
        say(f"Records kept until {page.review_on.isoformat()} (date of birth + 25 years)")
    if not page.cases:
        say("No case you may open names this pupil.")
    for c in page.cases:
        say(f"{c.reference}  {c.status:<10}  {', '.join(c.roles):<20}  {c.category}: {c.summary}")
    for problem in page.problems:
        say(f"safelog: warning: {problem}", file=sys.stderr)
    return 0


def cmd_pupil_chronology(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from datetime import date

    from safelog.domain.chronology import KINDS
    from safelog.vault.pupils import pupil_page
    from safelog.vault.views import pupil_chronology_view

    kinds = None
    if args.kind:
        kinds = {k.strip() for k in args.kind.split(",") if k.strip()}
        if unknown := kinds - set(KINDS):
            raise InvalidInput(
                f"--kind: {', '.join(sorted(unknown))} is not a kind; use {', '.join(KINDS)}."
            )
    try:
        start = date.fromisoformat(args.since) if args.since else None
        end = date.fromisoformat(args.until) if args.until else None
    except ValueError:
        raise InvalidInput("--from and --to take dates like 2026-11-20.") from None
    _, session = unlock(args, reader)
    page = pupil_page(session, args.pupil)
    entries = page.chronology(kinds, start, end)
    if args.json:
        emit_json(pupil_chronology_view(page.pupil, entries))
        return 0
    for e in entries:
        text = " / ".join(line for line in e.text.splitlines() if line.strip())
        say(f"{e.at.isoformat()}  {e.case}  {e.kind:<10}  {text}  ({e.by or '-'})")
    return 0


def cmd_pupil_export(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.pupil_export import export_pupil_chronology

    out = Path(args.out)
    if out.exists():
        raise UserFacingError(f"{args.out} already exists; choose another name.")
    _, session = unlock(args, reader)
    result = export_pupil_chronology(session, args.pupil, out, pseudonymise=args.pseudonymise)
    for message in result.messages:
        say(f"Note: {message}")
    say(
        f"Signed chronology by {result.signer}: {result.pages} pages, "
        f"{'with' if result.timestamped else 'without'} a trusted timestamp."
    )
    say(f"SHA-256 {result.sha256}")
    say(result.path)
    return 0


def add_pupil_commands(sub: Any) -> None:
    pupil = command_group(sub, "pupil", "the school roll")
    p = command(
        pupil,
        "import",
        cmd_pupil_import,
        "import the roll from an MIS export (CSV); all of it or nothing",
        True,
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--json", action="store_true")
    p = command(pupil, "add", cmd_pupil_add, "add one pupil by hand; prints the pupil id", True)
    p.add_argument("--json", required=True, metavar="FILE", help="the pupil as JSON ('-' = stdin)")
    p = command(
        pupil, "list", cmd_pupil_list, "list the roll, or the pupils matching --search", True
    )
    p.add_argument("--search", metavar="TEXT", help="part of a name, a form or a year")
    p.add_argument("--json", action="store_true")
    p = command(
        pupil, "show", cmd_pupil_show, "a pupil and the cases you may open about them", True
    )
    p.add_argument("pupil", metavar="ID_OR_UPN")
    p.add_argument("--json", action="store_true")
    p = command(
        pupil,
        "chronology",
        cmd_pupil_chronology,
        "one chronology across the cases you may open about a pupil, in date order",
        True,
    )
    p.add_argument("pupil", metavar="ID_OR_UPN")
    p.add_argument("--kind", metavar="KINDS", help="only these kinds, comma-separated")
    p.add_argument("--from", dest="since", metavar="DATE", help="from this day (YYYY-MM-DD)")
    p.add_argument("--to", dest="until", metavar="DATE", help="to this day, included")
    p.add_argument("--json", action="store_true")
    p = command(pupil, "export", cmd_pupil_export, "the pupil's chronology as a signed PDF", True)
    p.add_argument("pupil", metavar="ID_OR_UPN")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument(
        "--pseudonymise", action="store_true", help="replace other people's names by labels"
    )
