"""`safelog export`, `verify`, `ca export` and `audit verify`: the signed case file, checking
one, the school certificate authority that signs them, and checking the audit log."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from safelog.cli.common import (
    PassphraseReader,
    command,
    command_group,
    emit_json,
    open_vault,
    say,
    unlock,
)
from safelog.errors import UserFacingError


def cmd_export(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.export.options import ExportOptions
    from safelog.vault.export import export_case

    out = Path(args.out)
    if out.exists():
        raise UserFacingError(f"{args.out} already exists; choose another name.")
    _, session = unlock(args, reader)
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
        say(f"Note: {message}")
    say(
        f"Signed case file for {args.reference.strip().upper()} by {result.signer}: "
        f"{result.pages} pages, {result.attachments} original(s) attached, "
        f"{'with' if result.timestamped else 'without'} a trusted timestamp."
    )
    say(f"SHA-256 {result.sha256}")
    say(result.path)
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
        say(line)
    if report.cannot_check:
        raise UserFacingError(report.summary)
    if not report.ok:
        raise TamperDetected(f"{path.name} failed the check: {report.summary}")
    say(f"{path.name}: {report.summary}")
    return 0


def cmd_ca_export(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.crypto.ca import fingerprint
    from safelog.export.signing import ca_certificate_pem, ca_pem_from_der, write_atomically
    from safelog.vault.export import school_ca_der

    out = Path(args.out)
    if out.exists():
        raise UserFacingError(f"{args.out} already exists; choose another name.")
    if args.as_name:
        _, session = unlock(args, reader)  # the copy this user pinned when they enrolled
        der = session.directory.ca_der
        pem = ca_certificate_pem(session)
    else:
        der = school_ca_der(open_vault(args))
        pem = ca_pem_from_der(der)
    write_atomically(out, pem, mode=0o644)  # a public certificate, made to be shared
    say(f"The school CA certificate, SHA-256 fingerprint {fingerprint(der)}, is in:")
    say(out)
    return 0


def cmd_audit_verify(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.audit_view import verify_whole_log

    _, session = unlock(args, reader)
    report = verify_whole_log(session)
    if args.json:
        emit_json(report)
    else:
        say(
            f"The audit log is intact: {report['entries']} entries, every one signed and "
            f"chained. Head {report['head']}."
        )
    return 0


def add_signed_file_commands(sub: Any) -> None:
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
    ca = command_group(sub, "ca", "the school's certificate authority")
    p = command(ca, "export", cmd_ca_export, "write the school CA certificate (PEM)")
    p.add_argument("--out", required=True, metavar="CA.pem")
    p.add_argument(
        "--as",
        dest="as_name",
        metavar="NAME",
        help="check it against the copy you pinned when you enrolled (asks your passphrase)",
    )

    audit = command_group(sub, "audit", "the audit log")
    p = command(audit, "verify", cmd_audit_verify, "check every entry's chain and signature", True)
    p.add_argument("--json", action="store_true")
