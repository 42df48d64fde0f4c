"""`safelog init` and `safelog user ...`: setting up a vault and the people who use it."""

from __future__ import annotations

import argparse
from typing import Any

from safelog.cli.common import (
    PassphraseReader,
    command,
    command_group,
    emit_json,
    open_vault,
    say,
    unlock,
    warn,
)
from safelog.errors import UserFacingError
from safelog.text import visible


def cmd_init(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.paths import (
        check_database_url,
        database_url,
        resolve_data_dir,
        save_database_url,
    )
    from safelog.vault.vault import Vault

    data_dir = resolve_data_dir(args.data_dir)
    url = args.database_url or database_url(data_dir)
    if not url.startswith("sqlite"):
        check_database_url(url)  # before a passphrase is asked for; nothing saved yet
    vault = Vault(data_dir, url)
    passphrase = reader.new(visible(f"Choose a passphrase for {args.name}: "))
    result = vault.create(args.school, args.name, passphrase)
    if args.database_url:
        save_database_url(data_dir, args.database_url)  # only once the vault is there
    say(f"Set up SafeLog for {args.school} in {data_dir}.")
    say(f"{args.name} is the administrator and DSL.")
    say()
    say("Print these two recovery keys now; they are not shown again.")
    say("School recovery key (keep in the school safe):")
    say(f"  {result.school_recovery_key}")
    say("Governors' recovery key (give to the clerk or the trust, never to the head):")
    say(f"  {result.governors_recovery_key}")
    vault.close()
    return 0


def cmd_user_invite(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.roles import parse_role

    try:
        roles = frozenset(parse_role(r) for part in args.role for r in part.split(","))
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None
    vault, session = unlock(args, reader)
    code = vault.invite(session, args.name, roles)
    say(f"Give this one-time enrolment code to {args.name} in person:")
    say(code)
    return 0


def cmd_user_enrol(args: argparse.Namespace, reader: PassphraseReader) -> int:
    vault = open_vault(args)
    passphrase = reader.new("Choose your passphrase: ")
    session = vault.enrol(args.code, passphrase)
    say(f"Welcome, {session.person.name}. You can now sign in.")
    return 0


def cmd_user_remove(args: argparse.Namespace, reader: PassphraseReader) -> int:
    vault, session = unlock(args, reader)
    vault.remove_user(session, args.name)
    say(f"{args.name} can no longer sign in. Their role keys are replaced for new cases.")
    return 0


def cmd_user_reset(args: argparse.Namespace, reader: PassphraseReader) -> int:
    vault, session = unlock(args, reader)
    key = reader.read("Recovery key: ")
    code = vault.reset_access(session, args.name, key)
    say(f"Give this new one-time enrolment code to {args.name} in person:")
    say(code)
    return 0


def cmd_user_admit(args: argparse.Namespace, reader: PassphraseReader) -> int:
    if args.recovery_key:
        if args.as_name:
            raise UserFacingError("Use --as or --recovery-key, not both.")
        if args.decline:
            raise UserFacingError("A recovery key admits; to decline, a member uses --as.")
        vault = open_vault(args)
        roles = vault.admit_with_recovery(args.name, reader.read("Recovery key: "))
        say(f"{args.name} is admitted as {', '.join(r.value for r in roles)}.")
        return 0
    if not args.as_name:
        raise UserFacingError("Say who you are with --as NAME (or use --recovery-key).")
    vault, session = unlock(args, reader)
    roles = vault.admit(session, args.name, decline=args.decline)
    verb = "declined as" if args.decline else "admitted as"
    say(f"{args.name} is {verb} {', '.join(r.value for r in roles)}.")
    return 0


def cmd_user_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.people import people_rows

    _, session = unlock(args, reader)
    rows = people_rows(session.directory)
    if args.json:
        emit_json(rows)
    else:
        for row in rows:
            waiting = f" (waiting: {', '.join(row['waiting_for'])})" if row["waiting_for"] else ""
            say(f"{row['name']:<30} {row['state']:<9} {', '.join(row['roles'])}{waiting}")
    for problem in session.directory.problems:
        warn(problem)
    return 0


def add_user_commands(sub: Any) -> None:
    p = command(sub, "init", cmd_init, "create a vault; you become admin and DSL")
    p.add_argument("--school", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--database-url", help="a PostgreSQL URL for a shared vault")

    user = command_group(sub, "user", "people")
    p = command(user, "invite", cmd_user_invite, "print a one-time enrolment code", True)
    p.add_argument("--name", required=True)
    p.add_argument(
        "--role",
        required=True,
        action="append",
        help="staff, dsl, headteacher, chair or admin (repeat or comma-separate)",
    )
    p = command(user, "enrol", cmd_user_enrol, "enrol with your code and choose a passphrase")
    p.add_argument("--code", required=True)
    p = command(user, "remove", cmd_user_remove, "take someone out of SafeLog", True)
    p.add_argument("--name", required=True)
    p = command(
        user, "reset", cmd_user_reset, "new enrolment code with a recovery key (asked for)", True
    )
    p.add_argument("--name", required=True)
    p = command(user, "admit", cmd_user_admit, "admit an enrolled invitee to the roles you hold")
    p.add_argument("--as", dest="as_name", metavar="NAME", help="your name as a SafeLog user")
    p.add_argument("--name", required=True)
    p.add_argument("--decline", action="store_true", help="decline instead of admitting")
    p.add_argument(
        "--recovery-key",
        action="store_true",
        help="admit with a recovery key (asked for), e.g. the first chair of governors",
    )
    p = command(user, "list", cmd_user_list, "list users", True)
    p.add_argument("--json", action="store_true")
