"""The `safelog` command: the desktop app with no arguments, admin commands otherwise.

Passphrases are prompted for on a terminal and read one per line from standard input
otherwise; never from arguments or the environment. A command that prints one value prints
it alone on the last line. Errors are one line on standard error, without a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from safelog.errors import UserFacingError
from safelog.text import escape_for_json, visible

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
        self.exit(2, visible(f"safelog: {message} (see '{self.prog} --help')") + "\n")


def _vault(args: argparse.Namespace) -> Any:
    from safelog.vault.paths import resolve_data_dir
    from safelog.vault.vault import Vault

    return Vault(resolve_data_dir(args.data_dir))


def _unlock(args: argparse.Namespace, reader: PassphraseReader) -> Any:
    vault = _vault(args)
    prompt = visible(f"Passphrase for {args.as_name}: ")
    return vault, vault.unlock(args.as_name, reader.read(prompt))


def _emit_json(value: Any) -> None:
    """JSON as it is stored, with what could drive a terminal written as \\u escapes."""
    print(escape_for_json(json.dumps(value, indent=2, ensure_ascii=False, default=str)))


def _say(text: object = "", *, file: TextIO | None = None, multi_line: bool = False) -> None:
    """Print a line that may hold user text (a name, a summary, a path): nothing in it can
    drive the terminal or forge another line (safelog/text.py)."""
    print(visible(str(text), multi_line=multi_line), file=file)


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
    _say(f"Set up SafeLog for {args.school} in {data_dir}.")
    _say(f"{args.name} is the administrator and DSL.")
    _say()
    _say("Print these two recovery keys now; they are not shown again.")
    _say("School recovery key (keep in the school safe):")
    _say(f"  {result.school_recovery_key}")
    _say("Governors' recovery key (give to the clerk or the trust, never to the head):")
    _say(f"  {result.governors_recovery_key}")
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
    _say(f"Give this one-time enrolment code to {args.name} in person:")
    _say(code)
    return 0


def cmd_user_enrol(args: argparse.Namespace, reader: PassphraseReader) -> int:
    vault = _vault(args)
    passphrase = reader.new("Choose your passphrase: ")
    session = vault.enrol(args.code, passphrase)
    _say(f"Welcome, {session.person.name}. You can now sign in.")
    return 0


def cmd_user_remove(args: argparse.Namespace, reader: PassphraseReader) -> int:
    vault, session = _unlock(args, reader)
    vault.remove_user(session, args.name)
    _say(f"{args.name} can no longer sign in. Their role keys are replaced for new cases.")
    return 0


def cmd_user_reset(args: argparse.Namespace, reader: PassphraseReader) -> int:
    vault, session = _unlock(args, reader)
    key = reader.read("Recovery key: ")
    code = vault.reset_access(session, args.name, key)
    _say(f"Give this new one-time enrolment code to {args.name} in person:")
    _say(code)
    return 0


def cmd_user_admit(args: argparse.Namespace, reader: PassphraseReader) -> int:
    if args.recovery_key:
        if args.as_name:
            raise UserFacingError("Use --as or --recovery-key, not both.")
        if args.decline:
            raise UserFacingError("A recovery key admits; to decline, a member uses --as.")
        vault = _vault(args)
        roles = vault.admit_with_recovery(args.name, reader.read("Recovery key: "))
        _say(f"{args.name} is admitted as {', '.join(r.value for r in roles)}.")
        return 0
    if not args.as_name:
        raise UserFacingError("Say who you are with --as NAME (or use --recovery-key).")
    vault, session = _unlock(args, reader)
    roles = vault.admit(session, args.name, decline=args.decline)
    verb = "declined as" if args.decline else "admitted as"
    _say(f"{args.name} is {verb} {', '.join(r.value for r in roles)}.")
    return 0


def cmd_user_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.people import people_rows

    _, session = _unlock(args, reader)
    rows = people_rows(session.directory)
    if args.json:
        _emit_json(rows)
    else:
        for row in rows:
            waiting = f" (waiting: {', '.join(row['waiting_for'])})" if row["waiting_for"] else ""
            _say(f"{row['name']:<30} {row['state']:<9} {', '.join(row['roles'])}{waiting}")
    for problem in session.directory.problems:
        _say(f"warning: {problem}", file=sys.stderr)
    return 0


def cmd_case_categories(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.domain.categories import CATEGORIES

    if args.json:
        _emit_json([{"code": c.code, "title": c.title} for c in CATEGORIES])
    else:
        for c in CATEGORIES:
            _say(f"{c.code:<28} {c.title}")
    return 0


# Far more than a case may hold (case_input.MAX_CASE_TEXT characters); a bigger file is not
# read into memory at all.
MAX_JSON_BYTES = 16 * 1024 * 1024
# A case is three levels deep; 100,000 nested arrays would exhaust Python's recursion.
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def _read_json_file(path: str) -> Any:
    """JSON given with --json FILE ('-' for standard input), or one plain line of refusal:
    unreadable, too large, not JSON, nested too deeply, or holding a lone surrogate."""
    try:
        if path == "-":
            text = sys.stdin.read(MAX_JSON_BYTES + 1)
            too_large = len(text.encode("utf-8", "surrogatepass")) > MAX_JSON_BYTES
        else:
            with Path(path).open("rb") as handle:
                raw = handle.read(MAX_JSON_BYTES + 1)
            too_large = len(raw) > MAX_JSON_BYTES
            text = raw.decode("utf-8")
    except OSError as exc:
        raise UserFacingError(f"Cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise UserFacingError(f"{path} is not valid JSON: it is not UTF-8 text.") from None
    if too_large:
        raise UserFacingError(
            f"{path} is larger than {MAX_JSON_BYTES // (1024 * 1024)} MiB, far more than a "
            "case can hold."
        )
    try:
        value = json.loads(text)
    except RecursionError:
        value = None
        problem: str | None = f"it is nested more than {MAX_JSON_DEPTH} levels deep"
    except json.JSONDecodeError as exc:
        raise UserFacingError(f"{path} is not valid JSON: {exc}.") from None
    else:
        problem = _json_problem(value)
    if problem:
        raise UserFacingError(f"{path} cannot be used: {problem}.")
    return value


def _json_problem(value: Any) -> str | None:
    """Nesting deeper than a case ever needs, or a lone surrogate ("\\ud800" is valid JSON
    but not text: it cannot be stored or printed). Walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"it is nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and _SURROGATE.search(item):
            return (
                "it holds a broken character (a lone surrogate such as \\ud800), which is "
                "not valid text"
            )
    return None


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
    _say(add_case(session, case))
    return 0


def cmd_case_update(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.cases import update_case

    changes = _read_json_file(args.json)
    _, session = _unlock(args, reader)
    _say(update_case(session, args.reference, changes))
    return 0


def cmd_case_content_report(args: argparse.Namespace, reader: PassphraseReader) -> int:
    """The Inappropriate Content Report Form: submit the first part (--json), complete the
    e-safety officer's part (--complete ID --action TEXT) or save it as a PDF to print."""
    from safelog.vault import content_form

    if args.complete is not None:
        if not (args.action or "").strip():
            raise UserFacingError("--complete needs --action TEXT: the action taken.")
        _, session = _unlock(args, reader)
        _say(
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
        _, session = _unlock(args, reader)
        printed = content_form.print_content_report(session, args.reference, args.id, out)
        pages = f"{printed.pages} page{'s' if printed.pages != 1 else ''}"
        _say(f"Content report form for {args.reference.strip().upper()}: {pages}.")
        _say(f"SHA-256 {printed.sha256}")
        _say(printed.path)
        return 0
    if args.json == "-":
        # From a pipe the passphrase is the first line and the JSON the rest.
        _, session = _unlock(args, reader)
        data = _read_json_file(args.json)
        content_form.check_first_part(data)
    else:
        data = _read_json_file(args.json)
        content_form.check_first_part(data)  # before asking for a passphrase
        _, session = _unlock(args, reader)
    _say(content_form.submit_from_json(session, args.reference, data))
    return 0


def content_reports_json(detail: Any) -> list[dict[str, Any]]:
    """The case's content reports as `case show --json` prints them."""
    from safelog.vault.content_form import content_reports

    return [
        {
            **report.entry,
            "submitted_version": report.submitted.version if report.submitted else None,
            "completed_version": report.completed.version if report.completed else None,
        }
        for report in content_reports(detail)
    ]


def evidence_json(
    info: Any, sightings: Sequence[Mapping[str, Any]], custody: list[Any] | None
) -> dict[str, Any]:
    """One evidence item as `case show --json` and `evidence list --json` print it."""
    meta = info.metadata
    item = {
        "id": info.id,
        "file_name": info.file_name,
        "original_name": meta.get("original_name", info.file_name),
        "media_type": info.media_type,
        "claimed_type": meta.get("claimed_type") or None,
        "size": info.size,
        "sha256": info.sha256,
        "added_by": info.added_by,
        "added_at": info.added_at.isoformat(),
        "captured_at_utc": meta.get("captured_at_utc"),
        "captured_at_local": meta.get("captured_at_local"),
        "device": meta.get("device"),
        "source_url": meta.get("source_url") or None,
        "platform": meta.get("platform") or None,
        "handle": meta.get("handle") or None,
        "seen_at": meta.get("seen_at") or None,
        "description": meta.get("description") or None,
        "preview": meta.get("preview", "none"),
        "width": meta.get("width") or None,
        "height": meta.get("height") or None,
        "sightings": [
            {
                "recorded_by": s.get("recorded_by"),
                "recorded_at": s.get("recorded_at"),
                "device": s.get("device"),
                "file_name": s.get("file_name"),
                "original_name": s.get("original_name"),
                "source_url": s.get("source_url") or None,
                "platform": s.get("platform") or None,
                "handle": s.get("handle") or None,
                "seen_at": s.get("seen_at") or None,
                "description": s.get("description") or None,
            }
            for s in sightings
        ],
    }
    if custody is not None:
        item["custody"] = [
            {"action": e.action, "actor": e.actor, "at": e.at.isoformat()} for e in custody
        ]
    return item


def case_json(
    detail: Any, session: Any, custody: dict[str, list[Any]] | None = None
) -> dict[str, Any]:
    from safelog.vault.escalations import escalations_for
    from safelog.vault.evidence_reading import sightings_of

    custody = custody or {}

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
            evidence_json(e, sightings_of(fields, e.id), custody.get(e.id, []))
            for e in detail.evidence
        ],
        "image_reports": fields.get("image_reports", []),
        "content_reports": content_reports_json(detail),
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
    from safelog.vault.evidence_custody import custody_by_item

    _, session = _unlock(args, reader)
    detail = show_case(session, args.reference)
    data = case_json(detail, session, custody_by_item(session, detail.reference))
    if args.json:
        _emit_json(data)
        return 0
    _say(f"{data['reference']}  [{data['status']}]  {data['category']}")
    _say(data["summary"])
    _say()
    _say(data["description"], multi_line=True)
    for person in data["people"]:
        _say(f"  - {person['name']} ({person['kind']}, {person['role']})")
    for item in data["evidence"]:
        _say(
            f"  evidence {item['id']}: {item['file_name']} {item['size']} bytes "
            f"sha256 {item['sha256']}"
        )
    for version in data["history"]:
        _say(
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
                    "review_on": c.review_on.isoformat() if c.review_on else None,
                }
                for c in cases
            ]
        )
    else:
        for c in cases:
            _say(f"{c.reference}  {c.status:<12} {c.category:<26} {c.summary}")
    for problem in session.list_problems:
        _say(f"warning: {problem}", file=sys.stderr)
    return 0


def cmd_evidence_add(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.evidence import add_evidence_detailed

    path = Path(args.file)
    if not path.is_file():
        raise UserFacingError(f"There is no file {args.file}.")
    _, session = _unlock(args, reader)
    added = add_evidence_detailed(
        session,
        args.reference,
        path,
        source_url=args.source_url or "",
        platform=args.platform or "",
        handle=args.handle or "",
        description=args.description or "",
        seen_at=args.seen_at or "",
    )
    for note in added.notes:
        _say(f"safelog: note: {note}", file=sys.stderr)
    _say(added.evidence_id)
    return 0


def cmd_evidence_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.evidence_custody import custody_by_item
    from safelog.vault.evidence_reading import list_case_evidence

    _, session = _unlock(args, reader)
    items = list_case_evidence(session, args.reference)
    if args.json:
        custody = custody_by_item(session, args.reference)
        _emit_json([evidence_json(i.info, i.sightings, custody.get(i.info.id, [])) for i in items])
        return 0
    for item in items:
        info = item.info
        flags = []
        if info.metadata.get("claimed_type"):
            flags.append(f"named as {info.metadata['claimed_type']}")
        if info.metadata.get("preview") in ("unreadable", "too-large"):
            flags.append("cannot be shown")
        if item.sightings:
            flags.append(f"seen {len(item.sightings) + 1} times")
        _say(
            f"{info.id}  {info.file_name}  {info.media_type}  {info.size} bytes  "
            f"sha256 {info.sha256}  added by {info.added_by} {info.added_at.isoformat()}"
            + (f"  [{'; '.join(flags)}]" if flags else "")
        )
    return 0


def cmd_evidence_extract(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.evidence_reading import extract_evidence

    _, session = _unlock(args, reader)
    info = extract_evidence(session, args.reference, args.evidence_id, Path(args.out))
    _say(f"Wrote {info.file_name} ({info.size} bytes, sha256 {info.sha256}) to {args.out}")
    return 0


def cmd_audit_verify(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.audit_view import verify_whole_log

    _, session = _unlock(args, reader)
    report = verify_whole_log(session)
    if args.json:
        _emit_json(report)
    else:
        _say(
            f"The audit log is intact: {report['entries']} entries, every one signed and "
            f"chained. Head {report['head']}."
        )
    return 0


def cmd_export(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.export.options import ExportOptions
    from safelog.vault.export import export_case

    out = Path(args.out)
    if out.exists():
        raise UserFacingError(f"{args.out} already exists; choose another name.")
    _, session = _unlock(args, reader)
    password = reader.new("Choose a password for the case file: ") if args.password else None
    options = ExportOptions(
        include_images=not args.no_images,
        embed_originals=not args.no_originals,
        pseudonymise=args.pseudonymise,
        password=password,
        tsa_url=args.tsa_url,
    )
    result = export_case(session, args.reference, out, options)
    for message in result.messages:
        _say(f"Note: {message}")
    _say(
        f"Signed case file for {args.reference.strip().upper()} by {result.signer}: "
        f"{result.pages} pages, {result.attachments} original(s) attached, "
        f"{'with' if result.timestamped else 'without'} a trusted timestamp."
    )
    _say(f"SHA-256 {result.sha256}")
    _say(result.path)
    return 0


def cmd_verify(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.errors import TamperDetected
    from safelog.export.verify import is_encrypted, read_ca_certificate, verify_case_file

    path = Path(args.file)
    if not path.is_file():
        raise UserFacingError(f"There is no file {args.file}.")
    # Checked before the case file is read or a password asked for.
    ca_pem = read_ca_certificate(Path(args.ca)) if args.ca else None
    password = reader.read(f"Password for {path.name}: ") if is_encrypted(path) else None
    report = verify_case_file(path, ca_pem, password)
    for line in report.lines:
        _say(line)
    if report.cannot_check:
        raise UserFacingError(report.summary)
    if not report.ok:
        raise TamperDetected(f"{path.name} failed the check: {report.summary}")
    _say(f"{path.name}: {report.summary}")
    return 0


def cmd_ca_export(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.crypto.ca import fingerprint
    from safelog.export.signing import ca_certificate_pem, ca_pem_from_der, write_atomically
    from safelog.vault.export import school_ca_der

    out = Path(args.out)
    if out.exists():
        raise UserFacingError(f"{args.out} already exists; choose another name.")
    if args.as_name:
        _, session = _unlock(args, reader)  # the copy this user pinned when they enrolled
        der = session.directory.ca_der
        pem = ca_certificate_pem(session)
    else:
        der = school_ca_der(_vault(args))
        pem = ca_pem_from_der(der)
    write_atomically(out, pem, mode=0o644)  # a public certificate, made to be shared
    _say(f"The school CA certificate, SHA-256 fingerprint {fingerprint(der)}, is in:")
    _say(out)
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
    p.add_argument("--handle", help="the account that posted or sent it")
    p.add_argument("--description")
    p.add_argument(
        "--seen-at",
        metavar="WHEN",
        help="when it was seen: 2026-11-20 or 2026-11-20T15:30:00+00:00",
    )
    p = command(evidence, "list", cmd_evidence_list, "list a case's evidence", True)
    p.add_argument("reference")
    p.add_argument("--json", action="store_true")
    p = command(evidence, "extract", cmd_evidence_extract, "write an original out", True)
    p.add_argument("reference")
    p.add_argument("evidence_id")
    p.add_argument("--out", required=True)

    p = command(sub, "export", cmd_export, "write a signed PDF case file", True)
    p.add_argument("reference")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--no-images", action="store_true", help="do not draw the evidence images")
    p.add_argument("--no-originals", action="store_true", help="do not attach the originals")
    p.add_argument(
        "--pseudonymise", action="store_true", help="other pupils become Pupil A, Pupil B, ..."
    )
    p.add_argument(
        "--password", action="store_true", help="protect the file with a password (asked for)"
    )
    p.add_argument(
        "--tsa-url", metavar="URL", help="RFC 3161 timestamp server (default: SAFELOG_TSA_URL)"
    )
    p = command(sub, "verify", cmd_verify, "check a signed case file")
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--ca", metavar="CA.pem", help="the school CA certificate to trust")
    ca = sub.add_parser("ca", help="the school's certificate authority").add_subparsers(
        dest="subcommand", required=True, parser_class=_Parser
    )
    p = command(ca, "export", cmd_ca_export, "write the school CA certificate (PEM)")
    p.add_argument("--out", required=True, metavar="CA.pem")
    p.add_argument(
        "--as",
        dest="as_name",
        metavar="NAME",
        help="check it against the copy you pinned when you enrolled (asks your passphrase)",
    )

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

        _say(f"safelog: {exc}", file=sys.stderr)
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
