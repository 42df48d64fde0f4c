"""`safelog export`, `safelog verify` and `safelog ca export` (DESIGN §6), each through
`safelog.cli.main` with passphrases (and case-file passwords) piped on standard input (a real
`python -m safelog` subprocess in the test marked `subprocess_smoke`).

Exit status: 0 for a good file, 4 for a changed or invalid one, 3 for a refused export, 1 for
other errors; every failure is one plain line on standard error, never a traceback."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from support.cli import run_in_process, run_subprocess, subprocess_smoke

PASS = {
    "Dana DSL": "dana correct horse",
    "Hugh Head": "hugh battery staple",
    "Sam Staff": "sam staffroom tea",
}
PASSWORD = "panel copy 2026"
CASE = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a Year 8 pupil's video",
    "description": "Zofia Wiśniewska showed me comments by Ben Pupil; Siôn Llŷr saw them.",
    "people": [
        {"name": "Zofia Wiśniewska", "kind": "pupil", "role": "victim"},
        {"name": "Ben Pupil", "kind": "pupil", "role": "alleged-perpetrator"},
        {"name": "Siôn Llŷr", "kind": "pupil", "role": "witness"},
    ],
}
ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "Messages from the head to a pupil",
    "description": "A parent reports private messages sent by the headteacher to a pupil.",
    "subjects": ["Hugh Head"],
}


@dataclass
class Cli:
    root: Path
    in_process: bool = True

    @property
    def data_dir(self) -> Path:
        return self.root / "vault"

    def run(self, *args: str, stdin: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
        home = self.root / "home"
        env.update(
            HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"),
            XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
            SAFELOG_INSECURE_TEST_KDF="1", QT_QPA_PLATFORM="offscreen",
        )  # fmt: skip
        run = run_in_process if self.in_process else run_subprocess
        return run(
            ["--data-dir", str(self.data_dir), *args],
            stdin="".join(line + "\n" for line in stdin), env=env, cwd=self.root,
        )  # fmt: skip

    def as_user(
        self, name: str, *args: str, extra: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[str]:
        return self.run(*args, "--as", name, stdin=[PASS[name], *extra])


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return ok(result).rstrip("\n").splitlines()[-1]


def fails(result: subprocess.CompletedProcess[str], exit_code: int) -> str:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("safelog: ")
    assert "unexpected error" not in lines[0]
    return lines[0]


@dataclass
class School:
    cli: Cli
    reference: str
    head_reference: str


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> School:
    root = tmp_path_factory.mktemp("cli-export")
    cli = Cli(root)
    ok(cli.run("init", "--school", "Ravens Wood School", "--name", "Dana DSL",
               stdin=[PASS["Dana DSL"], PASS["Dana DSL"]]))  # fmt: skip
    for name, role in (("Hugh Head", "headteacher"), ("Sam Staff", "staff")):
        code = last_line(cli.as_user("Dana DSL", "user", "invite", "--name", name, "--role", role))
        ok(cli.run("user", "enrol", "--code", code, stdin=[PASS[name], PASS[name]]))
    ok(cli.as_user("Dana DSL", "user", "list"))  # the administrator's sign-in issues certificates
    (root / "case.json").write_text(json.dumps(CASE), "utf-8")
    (root / "head.json").write_text(json.dumps(ABOUT_HEAD), "utf-8")
    reference = last_line(cli.as_user("Dana DSL", "case", "add", "--json", "case.json"))
    head_reference = last_line(cli.as_user("Dana DSL", "case", "add", "--json", "head.json"))
    from PIL import Image

    Image.new("RGB", (320, 200), (40, 60, 120)).save(root / "shot.png")
    ok(cli.as_user("Dana DSL", "evidence", "add", reference, "shot.png",
                   "--source-url", "https://example.org/post/1"))  # fmt: skip
    return School(cli, reference, head_reference)


def _export(school: School, name: str, *options: str, extra: Sequence[str] = ()) -> Path:
    out = school.cli.root / name
    result = school.cli.as_user(
        "Dana DSL", "export", school.reference, "--out", name, *options, extra=extra
    )
    assert last_line(result) == name
    return out


def _pdftotext(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=False
    )


def test_export_writes_a_signed_file_and_says_so(school: School) -> None:
    result = school.cli.as_user("Dana DSL", "export", school.reference, "--out", "case.pdf")
    out = ok(result).splitlines()
    assert out[-1] == "case.pdf"
    assert re.fullmatch(r"SHA-256 [0-9a-f]{64}", out[-2])
    assert f"Signed case file for {school.reference} by Dana DSL" in out[-3]
    assert "1 original(s) attached, without a trusted timestamp" in out[-3]
    path = school.cli.root / "case.pdf"
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == out[-2].split()[1]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    text = _pdftotext(path).stdout
    assert school.reference in text and "OFFICIAL-SENSITIVE" in text
    assert "Zofia Wiśniewska" in text and "Siôn Llŷr" in text
    again = school.cli.as_user("Dana DSL", "export", school.reference, "--out", "case.pdf")
    assert "already exists" in fails(again, 1)


@subprocess_smoke
@pytest.mark.slow
def test_verify_says_in_plain_words_what_it_found(school: School) -> None:
    school = replace(school, cli=replace(school.cli, in_process=False))
    path = _export(school, "verify-me.pdf")
    ca = school.cli.run("ca", "export", "--out", "CA.pem")
    lines = ok(ca).splitlines()
    assert re.search(r"SHA-256 fingerprint [0-9a-f]{64}", lines[0])
    assert lines[-1] == "CA.pem"
    assert (school.cli.root / "CA.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
    checked = school.cli.run("verify", str(path), "--ca", "CA.pem")
    out = ok(checked)
    assert "The signature is intact" in out
    assert "The signature covers the whole file: nothing was added after signing." in out
    assert "issued by the school CA you gave" in out
    assert "The attached original matches the SHA-256 fingerprint printed" in out
    assert last_line(checked) == "verify-me.pdf: The case file is signed, complete and unaltered."
    alone = ok(school.cli.run("verify", str(path)))
    assert "NOT independently trusted" in alone


def test_ca_export_signed_in_gives_the_pinned_copy(school: School) -> None:
    ok(school.cli.run("ca", "export", "--out", "row.pem"))
    ok(school.cli.as_user("Hugh Head", "ca", "export", "--out", "pinned.pem"))
    root = school.cli.root
    assert (root / "row.pem").read_bytes() == (root / "pinned.pem").read_bytes()
    assert "already exists" in fails(school.cli.run("ca", "export", "--out", "row.pem"), 1)


def test_a_changed_byte_or_an_appended_line_exits_4(school: School) -> None:
    path = _export(school, "original.pdf")
    ok(school.cli.run("ca", "export", "--out", "CA-tamper.pem"))
    data = path.read_bytes()
    changed = bytearray(data)
    changed[len(data) // 3] ^= 0x01
    (school.cli.root / "changed.pdf").write_bytes(bytes(changed))
    (school.cli.root / "appended.pdf").write_bytes(data + b"\n%appended\n")
    line = fails(school.cli.run("verify", "changed.pdf", "--ca", "CA-tamper.pem"), 4)
    assert "changed.pdf failed the check:" in line
    assert "changed since it was signed" in line or "damaged" in line
    result = school.cli.run("verify", "appended.pdf", "--ca", "CA-tamper.pem")
    line = fails(result, 4)
    assert "added to the file after it was signed" in line
    assert "The signature is intact" in result.stdout  # the plain-words lines still print


def test_the_headteacher_cannot_export_a_concern_about_themselves(school: School) -> None:
    result = school.cli.as_user(
        "Hugh Head", "export", school.head_reference, "--out", "about-me.pdf"
    )
    line = fails(result, 3)
    assert "do not have access" in line
    assert not (school.cli.root / "about-me.pdf").exists()
    assert not list(school.cli.root.glob("about-me.pdf*"))


def test_password_is_asked_twice_and_protects_the_file(school: School) -> None:
    mismatch = school.cli.as_user(
        "Dana DSL", "export", school.reference, "--out", "nope.pdf", "--password",
        extra=[PASSWORD, PASSWORD + "x"],
    )  # fmt: skip
    assert "not the same" in fails(mismatch, 1)
    assert not (school.cli.root / "nope.pdf").exists()
    path = _export(school, "locked.pdf", "--password", extra=[PASSWORD, PASSWORD])
    refused = _pdftotext(path)
    assert refused.returncode != 0 and school.reference not in refused.stdout
    opened = _pdftotext(path, "-upw", PASSWORD)
    assert opened.returncode == 0 and school.reference in opened.stdout
    checked = school.cli.run("verify", str(path), stdin=[PASSWORD])
    assert "signed, complete and unaltered" in last_line(checked)
    wrong = school.cli.run("verify", str(path), stdin=["not the password"])
    assert "does not open this case file" in fails(wrong, 1)


def test_pseudonymise_no_images_and_no_originals(school: School) -> None:
    path = _export(school, "disclosure.pdf", "--pseudonymise", "--no-images", "--no-originals")
    text = _pdftotext(path).stdout
    assert "Ben Pupil" not in text and "Siôn Llŷr" not in text
    assert "Pupil A" in text and "Pupil B" in text and "Zofia Wiśniewska" in text
    assert "Evidence images" not in text
    assert "originals were not attached" in " ".join(text.split())
    out = ok(school.cli.run("verify", str(path)))
    assert "The file has no attached originals." in out


def test_verify_refuses_plainly(school: School) -> None:
    assert "There is no file" in fails(school.cli.run("verify", "missing.pdf"), 1)
    (school.cli.root / "fake.pdf").write_text("not a pdf")
    assert "This is not a PDF file." in fails(school.cli.run("verify", "fake.pdf"), 4)


def _not_a_ca_certificate() -> bytes:
    """A well-formed certificate that is not a certificate authority's (no CA constraint)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Dana DSL")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM)


def _private_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_verify_with_a_ca_that_is_not_one_gives_one_plain_line(school: School) -> None:
    """--ca given a folder, a device, a pipe, garbage, a DER/PEM mix-up, a key, a certificate
    that is not a CA's or something huge: one line naming the problem, exit 1, before the
    case file is checked; never a traceback, a hang or a verdict about the case file."""
    root = school.cli.root
    path = _export(school, "verify-ca.pdf")
    ok(school.cli.run("ca", "export", "--out", "good-ca.pem"))
    pem = (root / "good-ca.pem").read_bytes()
    body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    der = base64.b64decode(body)
    (root / "good-ca.der").write_bytes(der)
    (root / "a-folder.pem").mkdir()
    os.mkfifo(root / "a-pipe.pem")
    files = {
        "garbage.pem": b"this is not a certificate\n",
        "empty.pem": b"",
        "random.der": os.urandom(700),
        "truncated.pem": pem[: len(pem) // 2],
        "der-in-pem.pem": b"-----BEGIN CERTIFICATE-----\n" + der + b"\n-----END CERTIFICATE-----\n",
        "truncated.der": der[:200],
        "utf16.pem": pem.decode("ascii").encode("utf-16"),
        "key.pem": _private_key(),
        "not-a-ca.pem": _not_a_ca_certificate(),
        "huge.pem": b"-----BEGIN CERTIFICATE-----\n" + b"A" * (2 * 1024 * 1024),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    expected = {
        "missing.pem": "There is no file missing.pem",
        "a-folder.pem": "a-folder.pem is a folder, not a certificate file",
        "a-pipe.pem": "a-pipe.pem is not an ordinary file (a device or a pipe)",
        "/dev/zero": "/dev/zero is not an ordinary file",
        "garbage.pem": "garbage.pem is not a certificate (PEM or DER)",
        "empty.pem": "empty.pem is not a certificate (PEM or DER)",
        "random.der": "random.der is not a certificate (PEM or DER)",
        "truncated.pem": "truncated.pem has a PEM block that is not a readable certificate",
        "der-in-pem.pem": "der-in-pem.pem has a PEM block that is not a readable certificate",
        "truncated.der": "truncated.der is not a certificate (PEM or DER)",
        "utf16.pem": "utf16.pem is not a certificate (PEM or DER)",
        "key.pem": "key.pem is a private key, not a certificate (keep it secret)",
        "not-a-ca.pem": "not-a-ca.pem is a certificate, but not a certificate authority's",
        "huge.pem": "huge.pem is far too large to be a certificate",
    }
    for ca, words in expected.items():
        result = school.cli.run("verify", str(path), "--ca", ca)
        line = fails(result, 1)
        assert line.startswith(f"safelog: {words}"), (ca, line)
        assert "safelog ca export" in line
        assert result.stdout == "", (ca, result.stdout)  # nothing said about the case file
    # Both encodings of the real CA certificate work.
    for ca in ("good-ca.pem", "good-ca.der"):
        checked = school.cli.run("verify", str(path), "--ca", ca)
        assert (
            last_line(checked) == "verify-ca.pdf: The case file is signed, complete and unaltered."
        )
