"""`safelog adult ...`: the school's register of adults who are not SafeLog users (supply
staff, volunteers, governors, contractors), kept with the roll (domain/adults.py). A DSL or
an administrator adds them or marks them as left; every member reads the register, to pick
them as the person a concern is about (`{"adult": ID, "role": ...}` in case JSON)."""

from __future__ import annotations

import argparse
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
from safelog.errors import InvalidInput


def adult_view(adult: Any) -> dict[str, Any]:
    return {
        "id": adult.id,
        "name": adult.display_name,
        "forename": adult.forename,
        "surname": adult.surname,
        "kind": adult.kind,
        "job": adult.job,
        "note": adult.note,
        "added_on": adult.added_on.isoformat() if adult.added_on else None,
        "left_on": adult.left_on.isoformat() if adult.left_on else None,
    }


def _adult_json(name: str) -> dict[str, Any]:
    values = read_json_file(name)
    if not isinstance(values, dict):
        raise InvalidInput(
            f"{name} should hold one adult as a JSON object, such as "
            '{"forename": "Pat", "surname": "Jones", "kind": "volunteer", "job": "Coach"}.'
        )
    return values


def cmd_adult_add(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.roll import add_adult

    if args.json == "-":
        _, session = unlock(args, reader)
        values = _adult_json(args.json)
    else:
        values = _adult_json(args.json)
        _, session = unlock(args, reader)
    say(add_adult(session, values).id)
    return 0


def cmd_adult_left(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.roll import mark_adult_left

    _, session = unlock(args, reader)
    adult = mark_adult_left(session, args.adult)
    say(f"{adult.display_name} is marked as left on {adult.left_on}.")
    return 0


def cmd_adult_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.adults import sorted_adults
    from safelog.vault.roll import load_roll

    _, session = unlock(args, reader)
    roll = load_roll(session)
    if args.search is None:
        adults = sorted_adults(list(roll.adults.values()))
    else:
        adults = roll.search_adults(args.search, limit=max(1, len(roll.adults)))
    if args.json:
        emit_json([adult_view(a) for a in adults])
        return 0
    for a in adults:
        left = f"  (left {a.left_on.isoformat()})" if a.left_on else ""
        say(f"{a.id}  {a.display_name}  ({a.described}){left}")
    return 0


def add_adult_commands(sub: Any) -> None:
    adult = command_group(sub, "adult", "adults on the register who are not SafeLog users")
    p = command(
        adult,
        "add",
        cmd_adult_add,
        "add supply staff, a volunteer, a governor or a contractor; prints their id",
        True,
    )
    p.add_argument("--json", required=True, metavar="FILE", help="the adult as JSON ('-' = stdin)")
    p = command(adult, "left", cmd_adult_left, "mark an adult as no longer at the school", True)
    p.add_argument("adult", metavar="ID")
    p = command(
        adult, "list", cmd_adult_list, "list the register, or those matching --search", True
    )
    p.add_argument("--search", metavar="TEXT", help="part of a name, a kind or a job")
    p.add_argument("--json", action="store_true")
