"""The `safelog` command: the desktop app with no arguments, admin commands otherwise.

Passphrases are prompted for on a terminal and read one per line from standard input
otherwise; never from arguments or the environment. A command that prints one value prints
it alone on the last line. Errors are one line on standard error, without a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from safelog.errors import UserFacingError

EXIT_ERROR = 1
EXIT_DENIED = 3
EXIT_TAMPER = 4


class PassphraseReader:
    """Terminal prompts, or one line per passphrase from a pipe."""

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()

    def read(self, prompt: str) -> str:
        if self.interactive:
            return getpass.getpass(prompt)
        line = sys.stdin.readline()
        if not line:
            raise UserFacingError("Expected a passphrase on standard input, but it ended.")
        return line.rstrip("\r\n")

    def new(self, prompt: str) -> str:
        first = self.read(prompt)
        second = self.read("Type it again: ")
        if first != second:
            raise UserFacingError("The two passphrases are not the same.")
        return first


class _Parser(argparse.ArgumentParser):
    """Usage mistakes as one plain line on standard error, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"safelog: {message} (see '{self.prog} --help')\n")


def _vault(args: argparse.Namespace) -> Any:
    from safelog.vault.paths import resolve_data_dir
    from safelog.vault.vault import Vault

    return Vault(resolve_data_dir(args.data_dir))


def _unlock(args: argparse.Namespace, reader: PassphraseReader) -> Any:
    vault = _vault(args)
    return vault, vault.unlock(args.as_name, reader.read(f"Passphrase for {args.as_name}: "))


def _emit_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def cmd_init(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.paths import resolve_data_dir, save_database_url
    from safelog.vault.vault import Vault

    data_dir = resolve_data_dir(args.data_dir)
    if args.database_url:
        save_database_url(data_dir, args.database_url)
    vault = Vault(data_dir)
    passphrase = reader.new(f"Choose a passphrase for {args.name}: ")
    result = vault.create(args.school, args.name, passphrase)
    print(f"Created the SafeLog vault for {args.school} in {data_dir}.")
    print(f"{args.name} is the administrator and DSL.\n")
    print("Print these two recovery keys now; they are not shown again.")
    print("School recovery key (keep in the school safe):")
    print(f"  {result.school_recovery_key}")
    print("Governors' recovery key (give to the clerk or the trust, never to the head):")
    print(f"  {result.governors_recovery_key}")
    vault.close()
    return 0


def cmd_user_invite(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.roles import parse_role

    try:
        roles = frozenset(parse_role(r) for part in args.role for r in part.split(","))
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None
    vault, session = _unlock(args, reader)
    code = vault.invite(session, args.name, roles)
    print(f"Give this one-time enrolment code to {args.name} in person:")
    print(code)
    return 0


def cmd_user_enrol(args: argparse.Namespace, reader: PassphraseReader) -> int:
    vault = _vault(args)
    passphrase = reader.new("Choose your passphrase: ")
    session = vault.enrol(args.code, passphrase)
    print(f"Welcome, {session.person.name}. You can now sign in.")
    return 0


def cmd_user_remove(args: argparse.Namespace, reader: PassphraseReader) -> int:
    vault, session = _unlock(args, reader)
    vault.remove_user(session, args.name)
    print(f"{args.name} can no longer sign in. Their role keys are replaced for new cases.")
    return 0


def cmd_user_reset(args: argparse.Namespace, reader: PassphraseReader) -> int:
    vault, session = _unlock(args, reader)
    key = reader.read("Recovery key: ")
    code = vault.reset_access(session, args.name, key)
    print(f"Give this new one-time enrolment code to {args.name} in person:")
    print(code)
    return 0


def cmd_user_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    _, session = _unlock(args, reader)
    people = sorted(session.directory.people.values(), key=lambda p: p.name.casefold())
    rows = [
        {
            "name": p.name,
            "roles": sorted(r.value for r in p.roles),
            "status": p.status,
            "certificate": p.certificate is not None,
        }
        for p in people
    ]
    if args.json:
        _emit_json(rows)
    else:
        for row in rows:
            print(f"{row['name']:<30} {row['status']:<9} {', '.join(row['roles'])}")
    for problem in session.directory.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


def cmd_case_categories(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.categories import CATEGORIES

    if args.json:
        _emit_json([{"code": c.code, "title": c.title} for c in CATEGORIES])
    else:
        for c in CATEGORIES:
            print(f"{c.code:<28} {c.title}")
    return 0


def _read_json_file(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text("utf-8")
        return json.loads(text)
    except OSError as exc:
        raise UserFacingError(f"Cannot read {path}: {exc.strerror}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserFacingError(f"{path} is not valid JSON: {exc}.") from None


def cmd_case_add(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case

    if args.json == "-":
        # From a pipe the passphrase is the first line and the case JSON the rest.
        _, session = _unlock(args, reader)
        case = CaseInput.from_json(_read_json_file(args.json))
    else:
        case = CaseInput.from_json(_read_json_file(args.json))
        _, session = _unlock(args, reader)
    print(add_case(session, case))
    return 0


def cmd_case_update(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.cases import update_case

    changes = _read_json_file(args.json)
    _, session = _unlock(args, reader)
    print(update_case(session, args.reference, changes))
    return 0


def case_json(detail: Any, session: Any) -> dict[str, Any]:
    from safelog.vault.escalations import escalations_for

    people_by_id = session.directory.people
    fields = detail.fields
    return {
        "reference": detail.reference,
        "category": fields.get("category"),
        "summary": fields.get("summary"),
        "description": fields.get("description"),
        "occurred_at": fields.get("occurred_at") or None,
        "platform": fields.get("platform"),
        "url": fields.get("url"),
        "status": fields.get("status"),
        "outcome": fields.get("outcome"),
        "about_headteacher": bool(fields.get("about_headteacher")),
        "reporter": _name(people_by_id, fields.get("reporter")),
        "subjects": [_name(people_by_id, s) for s in fields.get("subjects", [])],
        "people": fields.get("people", []),
        "escalations": escalations_for(detail),
        "evidence": [
            {
                "id": e.id,
                "file_name": e.file_name,
                "media_type": e.media_type,
                "size": e.size,
                "sha256": e.sha256,
                "added_by": e.added_by,
                "added_at": e.added_at.isoformat(),
                "source_url": e.metadata.get("source_url") or None,
                "platform": e.metadata.get("platform") or None,
            }
            for e in detail.evidence
        ],
        "history": [
            {
                "version": v.number,
                "author": v.author,
                "at": v.at.isoformat(),
                "changed": list(v.changed),
                "rekeyed": v.rekeyed,
            }
            for v in detail.versions
        ],
        "readers": detail.audience,
    }


def _name(people: dict[str, Any], user_id: str | None) -> str | None:
    person = people.get(user_id or "")
    return person.name if person else None


def cmd_case_show(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.cases import show_case

    _, session = _unlock(args, reader)
    data = case_json(show_case(session, args.reference), session)
    if args.json:
        _emit_json(data)
        return 0
    print(f"{data['reference']}  [{data['status']}]  {data['category']}")
    print(data["summary"])
    print()
    print(data["description"])
    for person in data["people"]:
        print(f"  - {person['name']} ({person['kind']}, {person['role']})")
    for item in data["evidence"]:
        print(
            f"  evidence {item['id']}: {item['file_name']} {item['size']} bytes "
            f"sha256 {item['sha256']}"
        )
    for version in data["history"]:
        print(
            f"  v{version['version']} {version['at']} {version['author']}: "
            f"{', '.join(version['changed'])}"
        )
    return 0


def cmd_case_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.cases import list_cases

    _, session = _unlock(args, reader)
    cases = list_cases(session)
    if args.json:
        _emit_json(
            [
                {
                    "reference": c.reference,
                    "category": c.category,
                    "summary": c.summary,
                    "status": c.status,
                    "created_at": c.created_at.isoformat(),
                    "updated_at": c.updated_at.isoformat(),
                    "about_headteacher": c.about_headteacher,
                }
                for c in cases
            ]
        )
    else:
        for c in cases:
            print(f"{c.reference}  {c.status:<12} {c.category:<26} {c.summary}")
    return 0


def cmd_evidence_add(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.evidence import add_evidence

    path = Path(args.file)
    if not path.is_file():
        raise UserFacingError(f"There is no file {args.file}.")
    _, session = _unlock(args, reader)
    print(
        add_evidence(
            session,
            args.reference,
            path,
            source_url=args.source_url or "",
            platform=args.platform or "",
            handle=args.handle or "",
            description=args.description or "",
        )
    )
    return 0


def cmd_evidence_extract(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.evidence import extract_evidence

    _, session = _unlock(args, reader)
    info = extract_evidence(session, args.reference, args.evidence_id, Path(args.out))
    print(f"Wrote {info.file_name} ({info.size} bytes, sha256 {info.sha256}) to {args.out}")
    return 0


def cmd_audit_verify(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.audit_view import verify_whole_log

    _, session = _unlock(args, reader)
    report = verify_whole_log(session)
    if args.json:
        _emit_json(report)
    else:
        print(
            f"The audit log is intact: {report['entries']} entries, every one signed and "
            f"chained. Head {report['head']}."
        )
    return 0


def _gui(args: argparse.Namespace) -> int:
    from safelog.gui.app import run

    return run(args.data_dir)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="safelog", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="where the vault lives (or SAFELOG_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def command(
        parent: Any, name: str, handler: Callable[..., int], help_text: str, need_as: bool = False
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        p.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        if need_as:
            p.add_argument(
                "--as",
                dest="as_name",
                required=True,
                metavar="NAME",
                help="your name as a SafeLog user",
            )
        p.set_defaults(handler=handler)
        return p

    p = command(sub, "init", cmd_init, "create a vault; you become admin and DSL")
    p.add_argument("--school", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--database-url", help="a PostgreSQL URL for a shared vault")

    user = sub.add_parser("user", help="people").add_subparsers(
        dest="subcommand", required=True, parser_class=_Parser
    )
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
    p = command(user, "list", cmd_user_list, "list users", True)
    p.add_argument("--json", action="store_true")

    case = sub.add_parser("case", help="cases").add_subparsers(
        dest="subcommand", required=True, parser_class=_Parser
    )
    p = command(case, "categories", cmd_case_categories, "the category codes")
    p.add_argument("--json", action="store_true")
    p = command(case, "add", cmd_case_add, "record a case from JSON; prints its reference", True)
    p.add_argument("--json", required=True, metavar="FILE", help="the case as JSON ('-' = stdin)")
    p = command(case, "update", cmd_case_update, "add a version with changed fields", True)
    p.add_argument("reference")
    p.add_argument("--json", required=True, metavar="FILE")
    p = command(case, "show", cmd_case_show, "show a case", True)
    p.add_argument("reference")
    p.add_argument("--json", action="store_true")
    p = command(case, "list", cmd_case_list, "list the cases you can read", True)
    p.add_argument("--json", action="store_true")

    evidence = sub.add_parser("evidence", help="evidence files").add_subparsers(
        dest="subcommand", required=True, parser_class=_Parser
    )
    p = command(evidence, "add", cmd_evidence_add, "attach a file; prints its evidence id", True)
    p.add_argument("reference")
    p.add_argument("file")
    p.add_argument("--source-url")
    p.add_argument("--platform")
    p.add_argument("--handle")
    p.add_argument("--description")
    p = command(evidence, "extract", cmd_evidence_extract, "write an original out", True)
    p.add_argument("reference")
    p.add_argument("evidence_id")
    p.add_argument("--out", required=True)

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(
        dest="subcommand", required=True, parser_class=_Parser
    )
    p = command(audit, "verify", cmd_audit_verify, "check every entry's chain and signature", True)
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _gui(args)
    try:
        return int(args.handler(args, PassphraseReader()))
    except UserFacingError as exc:
        from safelog.errors import AccessDenied, TamperDetected

        print(f"safelog: {exc}", file=sys.stderr)
        if isinstance(exc, AccessDenied):
            return EXIT_DENIED
        if isinstance(exc, TamperDetected):
            return EXIT_TAMPER
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("safelog: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`); not an error of ours.
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug: say so in one line, details to the local log only
        from safelog.diagnostics import log_exception

        where = log_exception(exc)
        print(
            f"safelog: an unexpected error stopped this command (details in {where}).",
            file=sys.stderr,
        )
        return EXIT_ERROR
