"""Shared by the case-file tests: a school with one rich case exported in several ways, and
the tools to look inside the PDFs the way a reader would (pdftotext, pdftoppm, openssl).

The school is built once per test module on SQLite (the export works on decrypted objects,
so the store makes no difference to it; tests that touch access rules use the `school`
fixture, which also runs on PostgreSQL)."""

from __future__ import annotations

import binascii
import contextlib
import datetime as dt
import http.server
import re
import shutil
import socket
import struct
import subprocess
import threading
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from support.school import PASSPHRASES, Clock, build_school

ARABIC = "ليلى حسن"
CHINESE = "王小明"
POLISH = "Zofia Wiśniewska"
WELSH = "Siôn Llŷr"
LATIN = "Ben Pupil"
PASSWORD = "case file password 42"
HEADER_BLUE = (40, 60, 120)

CASE = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a Year 8 pupil's video <b>not bold</b> & co",
    "description": (
        f"{POLISH} showed me comments calling her names under her dance video.\n"
        f"{LATIN} and {WELSH} were named by other pupils. {ARABIC} saw it too, as did "
        f"{CHINESE}.\nAn office file was first shared on Friday."
    ),
    "occurred_at": "2026-11-20T15:30:00+00:00",
    "platform": "TikTok",
    "url": "https://www.tiktok.com/@example/video/1?lang=en&x=<script>",
    "people": [
        {"name": POLISH, "kind": "pupil", "role": "victim", "date_of_birth": "2013-04-02"},
        {"name": LATIN, "kind": "pupil", "role": "alleged-perpetrator",
         "date_of_birth": "2013-01-09"},
        {"name": WELSH, "kind": "pupil", "role": "witness"},
        {"name": ARABIC, "kind": "pupil", "role": "witness"},
        {"name": CHINESE, "kind": "pupil", "role": "other", "notes": f"{LATIN}'s cousin"},
        {"name": "Mrs Wiśniewska", "kind": "parent", "role": "reporter"},
    ],
}  # fmt: skip
ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "Messages from the head to a pupil",
    "description": "A parent reports private messages sent by the headteacher to a pupil.",
    "subjects": ["Hugh Head"],
}


def screenshot(path: Path, seed: int, size: tuple[int, int] = (960, 540)) -> Path:
    """A screenshot-like PNG: a coloured title bar, avatars and lines of 'text'."""
    import random

    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (245, 245, 247))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height // 18), fill=HEADER_BLUE)
    y = height // 12
    while y < height - 30:
        x = 20 + rng.randint(0, 40)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.ellipse((x, y, x + 20, y + 20), fill=colour)
        x += 30
        while x < width - 80:
            length = rng.randint(10, 60)
            draw.rectangle((x, y + 6, x + length, y + 13), fill=(30, 30, 30))
            x += length + 6 + rng.randint(0, 4)
        y += 28
    image.save(path)
    return path


def bomb_png(path: Path, width: int = 40_000, height: int = 40_000) -> Path:
    """A tiny PNG whose header claims a huge image (a decompression bomb's calling card)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
    return path


# -- looking inside PDFs ---------------------------------------------------------------------


def pdftotext(path: Path, password: str | None = None, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    if password is not None:
        args += ["-upw", password]
    done = subprocess.run([*args, str(path), "-"], capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode("utf-8")


def pages_text(path: Path, password: str | None = None) -> list[str]:
    return pdftotext(path, password).split("\f")[:-1]


def readable(text: str) -> str:
    """What a person reads: compatibility forms folded (Arabic presentation forms become the
    letters typed), bidi marks that poppler adds removed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    return re.sub(r"[ \t\u00a0]+", " ", text)


def flat(text: str) -> str:
    """`readable`, with line breaks as spaces: phrases that wrap still match."""
    return re.sub(r"\s+", " ", readable(text))


def pdftoppm(path: Path, out_dir: Path, dpi: int = 50, password: str | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    args = ["pdftoppm", "-png", "-r", str(dpi)]
    if password is not None:
        args += ["-upw", password]
    subprocess.run([*args, str(path), str(out_dir / "page")], check=True, timeout=120)
    return sorted(out_dir.glob("page-*.png"))


@dataclass(frozen=True)
class SignatureParts:
    byte_range: tuple[int, int, int, int]
    signed: bytes
    cms: bytes


def signature_parts(data: bytes) -> SignatureParts:
    """The signed bytes and the CMS object of the (last) signature, straight from the file."""
    found = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data))
    assert found, "no /ByteRange in the file"
    a, b, c, d = (int(x) for x in found[-1].groups())
    hexed = data[a + b : c].strip()
    assert hexed[:1] == b"<" and hexed[-1:] == b">", "the gap is not the /Contents string"
    der = binascii.unhexlify(hexed[1:-1])
    assert der[0] == 0x30
    if der[1] & 0x80:
        n = der[1] & 0x7F
        total = 2 + n + int.from_bytes(der[2 : 2 + n], "big")
    else:
        total = 2 + der[1]
    return SignatureParts((a, b, c, d), data[a : a + b] + data[c : c + d], der[:total])


def openssl_verify(pdf: Path, ca_pem: Path, work: Path) -> subprocess.CompletedProcess[str]:
    """`openssl cms -verify` over the signature's bytes; a file whose signature cannot even
    be taken out (its /ByteRange damaged) fails the same way."""
    try:
        parts = signature_parts(pdf.read_bytes())
    except (AssertionError, ValueError, IndexError) as exc:
        return subprocess.CompletedProcess(["openssl"], 1, "", f"no signature to check: {exc}")
    (work / "sig.der").write_bytes(parts.cms)
    (work / "signed.bin").write_bytes(parts.signed)
    return subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(work / "sig.der"),
         "-content", str(work / "signed.bin"), "-CAfile", str(ca_pem), "-purpose", "any",
         "-out", str(work / "content.out")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def pyhanko_status(pdf: Path, ca_pem: bytes, password: str | None = None) -> Any:
    """pyHanko's own validation, independent of safelog.export.verify."""
    import io

    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf.read_bytes()))
    if password is not None:
        reader.decrypt(password)
    [sig] = reader.embedded_signatures
    ca = x509.Certificate.load(pem.unarmor(ca_pem)[2])
    return sig, validate_pdf_signature(sig, ValidationContext(trust_roots=[ca]))


def needs_tools() -> None:
    for tool in ("pdftotext", "pdftoppm", "openssl"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed for these tests (poppler-utils, openssl)")


# -- a school with an exported case ------------------------------------------------------------


@dataclass
class Exported:
    root: Path
    vault: Any
    school: Any
    reference: str
    head_reference: str
    ca_pem: Path
    evidence: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    files: dict[str, Path] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)

    def unlock(self, name: str = "Dana DSL") -> Any:
        return self.vault.unlock(name, PASSPHRASES[name])

    def export(self, name: str, options: Any = None, who: str = "Dana DSL", **kwargs: Any) -> Any:
        from safelog.vault.export import export_case

        session = self.unlock(who)
        try:
            out = self.root / f"{name}.pdf"
            result = export_case(session, self.reference, out, options, overwrite=True, **kwargs)
        finally:
            session.lock()
        self.files[name] = out
        self.results[name] = result
        return result


def build_exported(root: Path) -> Exported:
    from safelog.export.options import ExportOptions
    from safelog.export.signing import ca_pem_from_der
    from safelog.store.engine import sqlite_url
    from safelog.vault import workspace
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case
    from safelog.vault.evidence import add_evidence
    from safelog.vault.vault import Vault

    needs_tools()
    data = root / "data"
    data.mkdir(mode=0o700)
    clock = Clock()
    vault = Vault(data, sqlite_url(data), clock=clock)
    school = build_school(vault)
    dsl = school.unlock("Dana DSL")
    reference = add_case(dsl, CaseInput.from_json(CASE))
    head_reference = add_case(dsl, CaseInput.from_json(ABOUT_HEAD))
    clock.advance(minutes=20)
    workspace.add_chronology(
        dsl, reference, f"Spoke to {POLISH} with her form tutor. She named {LATIN}.",
        datetime(2026, 11, 20, 16, 0, tzinfo=UTC),
    )  # fmt: skip
    workspace.add_chronology(dsl, reference, f"{LATIN}'s parents telephoned; {WELSH} gave a note.")
    workspace.add_action(dsl, reference, "Ask TikTok to remove the video", "Dana DSL")
    workspace.record_escalation(
        dsl, reference, "platform-report", told="TikTok trust & safety", how="in-app report",
        reference_number="TT-55812", response="Video removed within 24 hours",
    )  # fmt: skip
    workspace.record_decision(
        dsl, reference, f"{LATIN} to meet the head of year with his parents",
        "Three separate comments; the first incident recorded for him",
    )  # fmt: skip
    workspace.set_outcome(dsl, reference, "resolved-in-school", "Apology letter; 6 weeks' watch")
    files = root / "files"
    files.mkdir()
    exported = Exported(root, vault, school, reference, head_reference, root / "CA.pem")
    for index in range(2):
        path = screenshot(files / f"screenshot-{index + 1}.png", index)
        add_evidence(
            dsl, reference, path, source_url="https://www.tiktok.com/@example/video/1",
            platform="TikTok", description=f"Screenshot {index + 1}, comments by {LATIN}",
        )  # fmt: skip
    broken = files / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    add_evidence(dsl, reference, broken, description="a damaged image")
    tall = screenshot(files / "scrolled-chat.png", 7, size=(480, 3000))
    add_evidence(dsl, reference, tall, description="a scrolled conversation")
    notes = files / "notes.txt"
    notes.write_text(f"Notes from {WELSH}\n", "utf-8")
    add_evidence(dsl, reference, notes)
    for path in sorted(files.iterdir()):
        import hashlib

        exported.evidence[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    exported.ca_pem.write_bytes(ca_pem_from_der(dsl.directory.ca_der))
    dsl.lock()
    exported.export("full", ExportOptions())
    exported.export("pseudonymised", ExportOptions(pseudonymise=True))
    exported.export("password", ExportOptions(password=PASSWORD))
    exported.export("bare", ExportOptions(include_images=False, embed_originals=False))
    return exported


def make_tsa(work: Path) -> tuple[Any, Any]:
    """A timestamp authority for tests (pyHanko's DummyTimeStamper): its certificate and
    a stamper signing with it."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's is RSA-only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Timestamp Authority")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    tsa_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    stamper = DummyTimeStamper(
        tsa_cert=tsa_cert, tsa_key=asn1_keys.PrivateKeyInfo.load(der_key),
        certs_to_embed=[tsa_cert],
    )  # fmt: skip
    return tsa_cert, stamper


@contextlib.contextmanager
def tsa_server(stamper: Any) -> Iterator[str]:
    """An RFC 3161 server on the loopback interface, answering with `stamper`."""
    import asyncio

    from asn1crypto import tsp

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            response = asyncio.run(
                stamper.async_request_tsa_response(tsp.TimeStampReq.load(body))
            ).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/tsa"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def closed_port_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"
