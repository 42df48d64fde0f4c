"""`safelog rules ...`: the school's own rules (domain/school_rules.py). `export` writes the
rules in force as a document to edit; `import` makes the edited document a new version,
signed by the DSL importing it (vault/school_rules.py). `history` lists the versions."""

from __future__ import annotations

import argparse
import json
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
from safelog.errors import UserFacingError


def cmd_rules_export(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.school_rules import export_document

    out = Path(args.out)
    if out.exists():
        raise UserFacingError(f"{args.out} already exists; choose another name.")
    if args.as_name:
        unlock(args, reader)  # puts the school's checked rules in force
    else:
        say(
            "safelog: note: the seed policies' rules; add --as NAME for your school's own",
            file=sys.stderr,
        )
    out.write_text(json.dumps(export_document(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    say(str(out))
    return 0


def cmd_rules_import(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.school_rules import import_rules

    document = read_json_file(args.file)
    _, session = unlock(args, reader)
    version = import_rules(session, document)
    changed = ", ".join(version.changed) or "none (the seed policies' rules)"
    say(f"The school's rules are now version {version.number}; categories changed: {changed}.")
    return 0


def cmd_rules_history(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.school_rules import read_rules

    _, session = unlock(args, reader)
    found = read_rules(session)
    for problem in found.problems:
        say(f"safelog: warning: {problem}", file=sys.stderr)
    if args.json:
        emit_json(
            [
                {
                    "version": v.number,
                    "by": v.by,
                    "at": v.at.isoformat(),
                    "changed": list(v.changed),
                }
                for v in found.history
            ]
        )
        return 0
    if not found.history:
        say("The seed policies' rules are in force: no school rules have been set.")
    for v in found.history:
        say(f"{v.number:>3}  {v.at.isoformat()}  {v.by}  {', '.join(v.changed) or '-'}")
    return 0


def add_rules_commands(sub: Any) -> None:
    rules = command_group(sub, "rules", "the school's own escalation rules")
    p = command(rules, "export", cmd_rules_export, "write the rules in force to a JSON file")
    p.add_argument("--out", required=True, metavar="FILE.json")
    p.add_argument("--as", dest="as_name", metavar="NAME", help="read your school's rules as NAME")
    p = command(
        rules, "import", cmd_rules_import, "make a rules file the school's rules (DSL)", True
    )
    p.add_argument("file", metavar="FILE.json")
    p = command(rules, "history", cmd_rules_history, "who changed the rules, and when", True)
    p.add_argument("--json", action="store_true")
