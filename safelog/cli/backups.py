"""`safelog backup --out FILE`, `safelog backup verify FILE [--as NAME]` and
`safelog restore FILE --data-dir DIR` (safelog/backup/). Making and checking a backup needs
no passphrase: it is ciphertext. `--as` opens what that person may read in it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from safelog.cli.common import CliParser, PassphraseReader, command, say
from safelog.text import visible


def cmd_backup(args: argparse.Namespace, _reader: PassphraseReader) -> int:
    from safelog.backup.make import make_backup
    from safelog.errors import InvalidInput
    from safelog.vault import pending_audit
    from safelog.vault.paths import database_url, resolve_data_dir
    from safelog.vault.session_keys import utc_now

    if not args.out:
        raise InvalidInput("Say where to write the backup: safelog backup --out FILE.")
    data_dir = resolve_data_dir(args.data_dir)
    made = make_backup(database_url(data_dir), Path(args.out), utc_now)
    details = pending_audit.backup_details(made, "command line")
    pending_audit.add_note(data_dir, "backup.made", details, made.created_at.isoformat())
    say(
        f"Backed up {made.cases} cases and {made.evidence} evidence items "
        f"({made.size:,} bytes); fingerprint (SHA-256 of its manifest) {made.sha256}."
    )
    say(made.path)
    return 0


def cmd_backup_verify(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.backup.check import check_backup, describe
    from safelog.backup.keyed import open_everything
    from safelog.vault.session_keys import utc_now

    report, opened = check_backup(Path(args.file))
    try:
        if args.as_name:
            passphrase = reader.read(visible(f"Passphrase for {args.as_name}: "))
            open_everything(opened, report, args.as_name, passphrase, utc_now)
    finally:
        opened.close()
    for line in describe(report):
        say(line)
    return 0


def cmd_restore(args: argparse.Namespace, _reader: PassphraseReader) -> int:
    from safelog.backup.restore import restore
    from safelog.errors import InvalidInput
    from safelog.vault.paths import check_database_url, resolve_data_dir
    from safelog.vault.session_keys import utc_now

    if not args.data_dir:
        raise InvalidInput("Say where to set the vault up: safelog restore FILE --data-dir DIR.")
    if args.database_url:
        check_database_url(args.database_url)
    done = restore(Path(args.file), resolve_data_dir(args.data_dir), utc_now, args.database_url)
    report = done.report
    say(
        f"Restored {report.school}: {report.cases} cases, {report.evidence} evidence items, "
        f"as they were at {report.created_at}. People sign in with their usual passphrases."
    )
    say(done.data_dir)
    return 0


def add_backup_commands(sub: Any) -> None:
    p = command(sub, "backup", cmd_backup, "make a backup (no passphrase) or check one")
    p.add_argument("--out", metavar="FILE", help="where to write the backup (must not exist)")
    verbs = p.add_subparsers(dest="backup_command", parser_class=CliParser)
    v = command(verbs, "verify", cmd_backup_verify, "check a backup: every hash and signature")
    v.add_argument("file", metavar="FILE")
    v.add_argument(
        "--as",
        dest="as_name",
        metavar="NAME",
        help="also open every case and evidence item this person may read",
    )
    r = command(sub, "restore", cmd_restore, "set a vault up from a backup (never overwrites)")
    r.add_argument("file", metavar="FILE")
    r.add_argument(
        "--database-url",
        metavar="URL",
        help="restore into this empty PostgreSQL database (the owner role's URL)",
    )
