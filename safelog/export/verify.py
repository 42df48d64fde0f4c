"""Checking a case file: `safelog verify FILE.pdf [--ca CA.pem]` and the app's Verify button.

Four things, each reported in plain words:
1. the signature is intact and mathematically valid;
2. it covers the whole file: not one byte was added after the signed revision;
3. the signer's certificate was issued by the school CA (the one given with --ca; without
   it, the CA certificate carried inside the signature, which is said clearly not to have
   been independently trusted);
4. every attached original has the SHA-256 the file records for it (from the signed JSON
   manifest, which is what the evidence index prints).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

MANIFEST_FORMAT = "safelog-case-file/1"
MANIFEST_KEY = "0000-safelog-manifest.json"


@dataclass
class VerificationReport:
    ok: bool = False
    lines: list[str] = field(default_factory=list)  # what was found, in order
    problems: list[str] = field(default_factory=list)  # the failures among them
    signer: str | None = None
    signed_at: datetime | None = None
    timestamped_at: datetime | None = None
    ca_trusted_independently: bool = False
    needs_password: bool = False
    wrong_password: bool = False
    # The check could not be made (unreadable file, password, --ca file): not evidence of
    # tampering, so `safelog verify` exits 1 rather than 4.
    cannot_check: bool = False

    def good(self, line: str) -> None:
        self.lines.append(line)

    def bad(self, line: str) -> None:
        self.lines.append(line)
        self.problems.append(line)

    @property
    def summary(self) -> str:
        if self.ok:
            return "The case file is signed, complete and unaltered."
        return self.problems[0] if self.problems else "The case file could not be checked."


def is_encrypted(path: Path) -> bool:
    """Does the file need a password to be opened? (False for anything unreadable.)"""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        with open(path, "rb") as handle:
            return bool(PdfFileReader(io.BytesIO(handle.read()), strict=False).encrypted)
    except Exception:  # unreadable files are reported by verify_case_file
        return False


# A certificate is a few KiB; more than this is not one (and /dev/zero never ends).
MAX_CA_FILE = 1024 * 1024
EXPORT_HINT = "give the school CA certificate ('safelog ca export' writes it)"


def read_ca_certificate(path: Path) -> bytes:
    """The certificate authority's certificate in a file given to trust (--ca, or chosen in
    the app), PEM or DER, as DER. Anything else is InvalidInput in plain words, before the
    case file is read: no file, a folder, a device or pipe, too large, not a certificate, a
    private key, or a certificate that is not a CA's."""
    from safelog.errors import InvalidInput

    try:
        if path.is_dir():
            raise InvalidInput(f"{path} is a folder, not a certificate file: {EXPORT_HINT}.")
        if not path.exists():
            raise InvalidInput(f"There is no file {path}: {EXPORT_HINT}.")
        if not path.is_file():
            raise InvalidInput(
                f"{path} is not an ordinary file (a device or a pipe), so it is not a "
                f"certificate: {EXPORT_HINT}."
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_CA_FILE + 1)
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror}.") from None
    if len(data) > MAX_CA_FILE:
        raise InvalidInput(f"{path} is far too large to be a certificate: {EXPORT_HINT}.")
    return ca_certificate_der(data, str(path))


def ca_certificate_der(data: bytes, name: str) -> bytes:
    """A CA certificate as PEM or DER bytes, checked and returned as DER (see above)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from safelog.errors import InvalidInput

    armoured = b"-----BEGIN" in data
    try:
        cert = (
            x509.load_pem_x509_certificate(data)
            if armoured
            else x509.load_der_x509_certificate(data)
        )
    except ValueError:
        if b"PRIVATE KEY-----" in data:
            raise InvalidInput(
                f"{name} is a private key, not a certificate (keep it secret): {EXPORT_HINT}."
            ) from None
        if armoured:
            raise InvalidInput(
                f"{name} has a PEM block that is not a readable certificate: {EXPORT_HINT}."
            ) from None
        raise InvalidInput(f"{name} is not a certificate (PEM or DER): {EXPORT_HINT}.") from None
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = bool(constraints.ca)
    except (x509.ExtensionNotFound, ValueError):
        is_ca = False
    if not is_ca:
        raise InvalidInput(
            f"{name} is a certificate, but not a certificate authority's: {EXPORT_HINT}."
        )
    return cert.public_bytes(Encoding.DER)


def _load_ca(ca_pem: bytes) -> Any:
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    der = pem.unarmor(ca_pem)[2] if pem.detect(ca_pem) else ca_pem
    return asn1_x509.Certificate.load(der)


def _common_name(cert: Any) -> str:
    native = cert.subject.native
    name = native.get("common_name") or cert.subject.human_friendly
    org = native.get("organization_name")
    return f"{name} ({org})" if org and org not in str(name) else str(name)


def _uk(value: datetime | None) -> str:
    from safelog.export.text import uk_datetime

    return uk_datetime(value) + " (UK time)" if value else "an unknown time"


def _embedded_ca(sig: Any) -> Any | None:
    """The CA certificate in the signature's own chain that issued the signer's."""
    signer = sig.signer_cert
    for cert in sig.signed_data["certificates"]:
        chosen = cert.chosen
        if getattr(chosen, "subject", None) is None:
            continue
        if chosen.subject == signer.issuer and chosen.self_issued and chosen.ca:
            return chosen
    return None


def _attachments(reader: Any) -> dict[str, bytes]:
    """Every embedded file, by its key in the document's attachment list."""
    root = reader.root
    if "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]:
        return {}
    out: dict[str, bytes] = {}

    def deref(value: Any) -> Any:
        return value.get_object() if hasattr(value, "get_object") else value

    def walk(node: Any) -> None:
        node = deref(node)
        if "/Names" in node:
            names = deref(node["/Names"])
            for index in range(0, len(names) - 1, 2):
                key = str(deref(names[index]))
                files = deref(deref(names[index + 1])["/EF"])
                stream = deref(files["/UF"] if "/UF" in files else files["/F"])
                out[key] = stream.data
        if "/Kids" in node:
            for kid in deref(node["/Kids"]):
                walk(kid)

    walk(root["/Names"]["/EmbeddedFiles"])
    return out


def verify_case_file(
    path: Path, ca_pem: bytes | None = None, password: str | None = None
) -> VerificationReport:
    report = VerificationReport()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        report.cannot_check = True
        report.bad(f"The file {path} cannot be read: {exc.strerror}.")
        return report
    if not data.startswith(b"%PDF-"):
        report.bad("This is not a PDF file.")
        return report
    try:
        _verify(data, ca_pem, password, report)
    except Exception as exc:  # a damaged file must be reported, never crash the check
        report.bad(
            "The file is damaged, or was altered so that it can no longer be read as a signed "
            f"case file (technical detail: {type(exc).__name__})."
        )
    report.ok = not report.problems
    return report


def _verify(
    data: bytes, ca_pem: bytes | None, password: str | None, report: VerificationReport
) -> None:
    from pyhanko.pdf_utils.crypt import AuthStatus
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data))
    if reader.encrypted:
        if password is None:
            report.needs_password = report.cannot_check = True
            report.bad("This case file is protected with a password; it is needed to check it.")
            return
        if reader.decrypt(password).status == AuthStatus.FAILED:
            report.wrong_password = report.cannot_check = True
            report.bad("That password does not open this case file.")
            return
    signatures = reader.embedded_signatures
    if not signatures:
        report.bad("The file has no digital signature: it is not a signed SafeLog case file.")
        return
    if len(signatures) > 1:
        report.bad(
            f"The file has {len(signatures)} signatures; a SafeLog case file has exactly one."
        )
    sig = signatures[0]

    if ca_pem is not None:
        try:
            ca = _load_ca(ca_pem)
        except Exception:
            report.cannot_check = True
            report.bad("The CA certificate given with --ca could not be read.")
            return
        report.ca_trusted_independently = True
    else:
        ca = _embedded_ca(sig)
        if ca is None:
            report.bad("The signature carries no CA certificate, and none was given with --ca.")
            return

    trust = ValidationContext(trust_roots=[ca], allow_fetching=False)
    # The timestamp is checked for integrity and validity; its authority is named, not
    # looked up in a list of trusted timestamp authorities (pyHanko's fallback to the
    # operating system's list is deprecated, and SafeLog ships no such list).
    status = validate_pdf_signature(
        sig, signer_validation_context=trust, ts_validation_context=trust, skip_diff=True
    )

    signer = status.signing_cert
    report.signer = _common_name(signer)
    report.signed_at = status.signer_reported_dt
    if status.intact:
        report.good("The signature is intact: the signed contents have not changed since.")
    else:
        report.bad(
            "The file has been changed since it was signed: its contents no longer match the "
            "signature. Do not rely on this copy."
        )
    if status.valid:
        report.good(f"The signature is valid, made by {report.signer}.")
    else:
        report.bad("The signature itself does not check out: it was not made by this signer.")

    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        report.good("The signature covers the whole file: nothing was added after signing.")
    elif coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        report.bad(
            "Something was added to the file after it was signed: what you see may differ "
            "from what was signed. Ask for a fresh copy."
        )
    else:
        report.bad("The signature does not cover the whole file: bytes were added or removed.")

    ca_name = _common_name(ca)
    fingerprint = ca.sha256.hex()
    if status.trusted:
        if report.ca_trusted_independently:
            report.good(
                f"The signer's certificate was issued by the school CA you gave: {ca_name}, "
                f"SHA-256 fingerprint {fingerprint}."
            )
        else:
            report.good(
                f"The signer's certificate was issued by {ca_name} (SHA-256 fingerprint "
                f"{fingerprint}), the CA certificate carried inside this file. That CA was NOT "
                "independently trusted: anyone can make a CA with any name. To be sure, get the "
                "school's CA certificate from the school and run: safelog verify FILE.pdf --ca "
                "CA.pem"
            )
    elif report.ca_trusted_independently:
        report.bad(
            f"The signer's certificate was NOT issued by the school CA you gave ({ca_name}): "
            "this file was not signed by someone from that school's SafeLog."
        )
    else:
        report.bad("The signer's certificate does not chain to a valid CA certificate.")

    report.good(f"Signed on {_uk(status.signer_reported_dt)}, by the signing computer's clock.")
    stamp = status.timestamp_validity
    if stamp is not None:
        report.timestamped_at = stamp.timestamp
        if stamp.intact and stamp.valid:
            report.good(
                f"An RFC 3161 timestamp from {_common_name(stamp.signing_cert)} shows it was "
                f"signed by {_uk(stamp.timestamp)}. (The timestamp is intact; whether to trust "
                "that timestamp authority is for you to judge.)"
            )
        else:
            report.bad("The signature's timestamp is damaged: it does not check out.")
    else:
        report.good("There is no independent timestamp (the signing time is the computer's).")

    _check_attachments(reader, report)


def _check_attachments(reader: Any, report: VerificationReport) -> None:
    files = _attachments(reader)
    raw = files.pop(MANIFEST_KEY, None)
    if raw is None:
        report.bad("The file has no SafeLog manifest of its attachments.")
        return
    try:
        manifest = json.loads(raw)
        expected = {item["key"]: item for item in manifest["attachments"]}
        if manifest.get("format") != MANIFEST_FORMAT:
            raise ValueError("format")
    except (ValueError, KeyError, TypeError):
        report.bad("The SafeLog manifest of the attachments cannot be read.")
        return
    wrong = 0
    for key, item in expected.items():
        content = files.get(key)
        if content is None:
            report.bad(f"The attached original {item.get('name', key)} is missing.")
            wrong += 1
        elif hashlib.sha256(content).hexdigest() != str(item.get("sha256", "")).lower():
            report.bad(
                f"The attached original {item.get('name', key)} does NOT match the SHA-256 "
                "printed for it in the evidence index."
            )
            wrong += 1
    for key in sorted(set(files) - set(expected)):
        report.bad(f"The file has an attachment SafeLog did not list: {key}.")
        wrong += 1
    if not expected:
        report.good("The file has no attached originals.")
    elif not wrong:
        count = len(expected)
        report.good(
            "The attached original matches the SHA-256 fingerprint printed in the evidence index."
            if count == 1
            else f"All {count} attached originals match the SHA-256 fingerprints printed in "
            "the evidence index."
        )
