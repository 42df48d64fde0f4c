"""`safelog declaration ...`: staff declarations of having read the school's policies (002
8.1, 9.1, appendix 2). Every member signs their own (`sign`); the DSL and admin list who has
and has not signed (`list`) and print the register (`print`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from safelog.cli.common import PassphraseReader, command, command_group, emit_json, say, unlock
from safelog.errors import InvalidInput


def cmd_declaration_sign(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.declarations import declaration_by_code
    from safelog.vault.declarations import sign_declaration

    try:
        declaration = declaration_by_code(args.declaration)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    _, session = unlock(args, reader)
    signed = sign_declaration(session, declaration.code)
    say(f"{signed.name} signed: {declaration.text}")
    return 0


def cmd_declaration_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.declarations import DECLARATIONS
    from safelog.vault.declarations import declaration_register

    _, session = unlock(args, reader)
    register = declaration_register(session)
    view: list[dict[str, Any]] = [
        {
            "declaration": d.code,
            "title": d.title,
            "text": d.text,
            "policy_refs": list(d.policy_refs),
            "signed": [
                {"name": s.name, "at": s.at.isoformat(), "audit_entry": s.seq}
                for s in register.signatures
                if s.declaration == d.code and s.text_sha256 == d.text_sha256
            ],
            "not_signed": register.not_signed.get(d.code, []),
        }
        for d in DECLARATIONS
    ]
    if args.json:
        emit_json({"declarations": view, "adults_to_sign_on_paper": register.adults})
        return 0
    for item in view:
        say(f"{item['title']} ({', '.join(item['policy_refs'])})")
        for s in item["signed"]:
            say(f"  signed  {s['name']}  {s['at']}")
        for name in item["not_signed"]:
            say(f"  not yet {name}")
    return 0


def cmd_declaration_print(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.declarations import print_register

    out = Path(args.out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    _, session = unlock(args, reader)
    digest = print_register(session, out)
    say(f"{out} (SHA-256 {digest})")
    return 0


def add_declaration_commands(sub: Any) -> None:
    group = command_group(sub, "declaration", "staff declarations of having read the policies")
    p = command(group, "sign", cmd_declaration_sign, "sign a declaration as yourself", True)
    p.add_argument("declaration", help="acceptable-use or social-media")
    p = command(
        group, "list", cmd_declaration_list, "who has and has not signed (DSL, admin)", True
    )
    p.add_argument("--json", action="store_true")
    p = command(group, "print", cmd_declaration_print, "the register as a PDF (DSL, admin)", True)
    p.add_argument("--out", required=True, metavar="FILE.pdf")
