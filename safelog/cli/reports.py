"""`safelog report ...`: the termly safeguarding report for governors (`governors`), the
inspection pack of referrals (`inspection`), both as a signed PDF and, with --csv, a CSV;
and `checkpoint`, the hash an audit log entry has now, to compare with what a governors'
report printed. For the DSL, the headteacher and the chair of governors."""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path
from typing import Any

from safelog.cli.common import PassphraseReader, command, command_group, say, unlock
from safelog.errors import InvalidInput

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str, flag: str) -> date:
    """A YYYY-MM-DD date given with `flag`, or one plain line saying what is wrong."""
    value = text.strip()
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{flag} '{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-09-01.")


def _period(args: argparse.Namespace) -> tuple[date, date]:
    start, end = parse_day(args.start, "--from"), parse_day(args.end, "--to")
    if start > end:
        raise InvalidInput(
            f"--from {start.isoformat()} is after --to {end.isoformat()}; give the earlier "
            "date first."
        )
    return start, end


def _make(args: argparse.Namespace, reader: PassphraseReader, kind: str) -> int:
    from safelog.vault.reports import GOVERNORS, make_report

    start, end = _period(args)  # before the passphrase is asked for
    out = Path(args.out)
    csv_out = Path(args.csv) if args.csv else None
    for path in (out, csv_out):  # before the passphrase is asked for, too
        if path is not None and path.exists():
            raise InvalidInput(f"{path} already exists; choose another name.")
        if path is not None and not path.parent.is_dir():
            raise InvalidInput(f"There is no folder {path.parent} to save the report in.")
    _, session = unlock(args, reader)
    result = make_report(session, kind, start, end, out, csv_out)
    for message in result.messages:
        say(f"Note: {message}")
    for problem in result.problems:
        say(f"Not included (failed its checks): {problem}")
    if kind == GOVERNORS and result.figures is not None:
        f = result.figures
        say(
            f"{result.copy.label}: {f.concerns} concern(s), {f.escalations_made} escalation(s), "
            f"{f.deadlines_met} within deadline, {f.made_late} late; {f.outstanding} not made "
            "by their deadline."
        )
        say(f"Audit log checkpoint: {result.checkpoint[0]} entries, head {result.checkpoint[1]}")
    else:
        say(f"{result.copy.label}: {len(result.rows)} referral(s).")
    say(f"Signed by {result.signer}: {result.pages} pages, SHA-256 {result.sha256}")
    if result.csv_path is not None:
        say(f"CSV SHA-256 {result.csv_sha256}: {result.csv_path}")
    say(result.path)
    return 0


def cmd_report_governors(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.reports import GOVERNORS

    return _make(args, reader, GOVERNORS)


def cmd_report_inspection(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.reports import INSPECTION

    return _make(args, reader, INSPECTION)


def cmd_report_checkpoint(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.reports import entry_hash_at

    if args.entry < 1:
        raise InvalidInput("--entry is an entry's number, from 1.")
    _, session = unlock(args, reader)
    say(f"Audit log entry {args.entry}, after checking the whole log:")
    say(entry_hash_at(session, args.entry))
    return 0


def _dates(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="start", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--csv", metavar="FILE.csv", help="the same figures as a CSV")


def add_report_commands(sub: Any) -> None:
    group = command_group(sub, "report", "reports for governors and inspectors")
    p = command(
        group,
        "governors",
        cmd_report_governors,
        "the termly safeguarding report for governors (figures, no names)",
        True,
    )
    _dates(p)
    p = command(
        group,
        "inspection",
        cmd_report_inspection,
        "the referrals to social care, the LADO, the police and Prevent in a date range",
        True,
    )
    _dates(p)
    p = command(
        group,
        "checkpoint",
        cmd_report_checkpoint,
        "the hash an audit log entry has now (compare with a governors' report)",
        True,
    )
    p.add_argument("--entry", type=int, required=True, metavar="N")
