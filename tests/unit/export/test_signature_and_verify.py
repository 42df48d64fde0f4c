"""The signature on a case file, checked three ways: pyHanko's validator, `openssl cms`
(independently of pyHanko), and SafeLog's own `verify_case_file`. One changed byte, or bytes
added after the end, must fail with a clear message; so must another school's CA and an
attachment that does not match its printed hash."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from export_support import (
    PASSWORD,
    Exported,
    build_exported,
    closed_port_url,
    make_tsa,
    openssl_verify,
    pdftotext,
    pyhanko_status,
    readable,
    screenshot,
    signature_parts,
    tsa_server,
)

from safelog.export.options import ExportOptions
from safelog.export.verify import verify_case_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    return build_exported(tmp_path_factory.mktemp("signed"))


def _other_ca_pem(tmp: Path) -> Path:
    from cryptography.hazmat.primitives.asymmetric import ec

    from safelog.crypto.ca import certificate_pem, create_ca

    key = ec.generate_private_key(ec.SECP256R1())
    cert = create_ca("Ravens Wood School", key, dt.datetime.now(dt.UTC))  # same name, other key
    path = tmp / "other-ca.pem"
    path.write_bytes(certificate_pem(cert))
    return path


# -- pyHanko and openssl ------------------------------------------------------------------------


def test_pyhanko_finds_a_valid_pades_signature_over_the_whole_file(exported: Exported) -> None:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    sig, status = pyhanko_status(exported.files["full"], exported.ca_pem.read_bytes())
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.signing_cert.subject.native["common_name"] == "Dana DSL"
    purposes = [p.dotted for p in status.signing_cert.extended_key_usage_value]
    assert "1.3.6.1.4.1.311.10.3.12" in purposes  # Adobe's Document Signing
    # The school CA is in the chain carried by the signature.
    subjects = [c.chosen.subject.native["common_name"] for c in sig.signed_data["certificates"]]
    assert "Ravens Wood School SafeLog CA" in subjects
    assert status.timestamp_validity is None  # B-B: no timestamp server was configured


def test_openssl_verifies_the_signature_independently(exported: Exported, tmp_path: Path) -> None:
    done = openssl_verify(exported.files["full"], exported.ca_pem, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Verification successful" in done.stderr
    refused = openssl_verify(exported.files["full"], _other_ca_pem(tmp_path), tmp_path)
    assert refused.returncode != 0


def test_the_signature_is_visible_in_the_box_on_the_cover(exported: Exported) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(exported.files["full"].read_bytes()))
    [sig] = reader.embedded_signatures
    widget = sig.sig_field
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert x2 - x1 > 200 and y2 - y1 > 60, "a visible, not a zero-size, signature"
    assert widget["/P"].get_object() == reader.root["/Pages"]["/Kids"][0].get_object()
    assert "/AP" in widget
    cover = readable(pdftotext(exported.files["full"]).split("\f")[0])
    assert "Digitally signed by Dana DSL" in cover


# -- SafeLog's own check -------------------------------------------------------------------------


def test_verify_passes_with_the_school_ca(exported: Exported) -> None:
    report = verify_case_file(exported.files["full"], exported.ca_pem.read_bytes())
    assert report.ok, report.lines
    text = "\n".join(report.lines)
    assert "The signature is intact" in text
    assert "covers the whole file" in text
    assert "issued by the school CA you gave" in text
    assert "All 5 attached originals match the SHA-256 fingerprints" in text
    assert report.signer == "Dana DSL (Ravens Wood School)"
    assert report.ca_trusted_independently


def test_verify_without_a_ca_says_the_ca_was_not_independently_trusted(
    exported: Exported,
) -> None:
    report = verify_case_file(exported.files["full"])
    assert report.ok
    assert not report.ca_trusted_independently
    assert any("NOT independently trusted" in line for line in report.lines)


def test_another_schools_ca_is_refused(exported: Exported, tmp_path: Path) -> None:
    report = verify_case_file(exported.files["full"], _other_ca_pem(tmp_path).read_bytes())
    assert not report.ok
    assert "NOT issued by the school CA you gave" in report.summary


def _positions(data: bytes) -> dict[str, int]:
    _, b, c, d = signature_parts(data).byte_range
    page_stream = data.index(b"stream", data.index(b"/Type /Page")) + 40
    return {
        "a page's content stream": page_stream,
        "the middle of the first signed range": b // 2,
        "an attached original": data.index(b"/EmbeddedFile") + 200,
        "the signature dictionary's /ByteRange": data.rindex(b"/ByteRange") + 12,
        "the second signed range": c + d // 2,
        "the last bytes (%%EOF)": len(data) - 3,
    }


@pytest.mark.parametrize(
    "where",
    [
        "a page's content stream",
        "the middle of the first signed range",
        "an attached original",
        "the signature dictionary's /ByteRange",
        "the second signed range",
        "the last bytes (%%EOF)",
    ],
)
def test_one_changed_byte_fails_every_check(exported: Exported, tmp_path: Path, where: str) -> None:
    data = exported.files["full"].read_bytes()
    position = _positions(data)[where]
    a, b, c, _ = signature_parts(data).byte_range
    assert position < a + b or position >= c, "inside the signed bytes"
    tampered = bytearray(data)
    tampered[position] ^= 0x20
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(tampered))
    report = verify_case_file(path, exported.ca_pem.read_bytes())
    assert not report.ok
    assert report.problems
    assert (
        "changed since it was signed" in report.summary
        or "damaged, or was altered" in report.summary
        or "does not cover the whole file" in report.summary
    ), report.summary
    openssl = openssl_verify(path, exported.ca_pem, tmp_path)
    assert openssl.returncode != 0, f"openssl accepted a file changed in {where}"


def test_bytes_appended_after_the_end_fail(exported: Exported, tmp_path: Path) -> None:
    path = tmp_path / "appended.pdf"
    path.write_bytes(exported.files["full"].read_bytes() + b"\n% one more line\n")
    report = verify_case_file(path, exported.ca_pem.read_bytes())
    assert not report.ok
    assert "added to the file after it was signed" in report.summary


def test_a_later_revision_added_with_a_pdf_tool_fails(exported: Exported, tmp_path: Path) -> None:
    """A well-formed incremental update (as an editor would add) after the signature."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    buffer = io.BytesIO(exported.files["full"].read_bytes())
    writer = IncrementalPdfFileWriter(buffer)
    writer.root["/SafeLogTest"] = generic.pdf_string("edited")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "revised.pdf"
    path.write_bytes(out.getvalue())
    report = verify_case_file(path, exported.ca_pem.read_bytes())
    assert not report.ok
    assert "added to the file after it was signed" in report.summary
    _, status = pyhanko_status(path, exported.ca_pem.read_bytes())
    assert status.coverage.name != "ENTIRE_FILE"


def test_not_a_pdf_and_an_unsigned_pdf_fail_plainly(exported: Exported, tmp_path: Path) -> None:
    text = tmp_path / "notes.pdf"
    text.write_text("hello")
    assert verify_case_file(text).summary == "This is not a PDF file."
    from reportlab.pdfgen.canvas import Canvas

    plain = tmp_path / "plain.pdf"
    canvas = Canvas(str(plain))
    canvas.drawString(100, 700, "Not signed")
    canvas.save()
    report = verify_case_file(plain)
    assert not report.ok and "no digital signature" in report.summary


def test_a_password_protected_file_is_checked_with_its_password(
    exported: Exported, tmp_path: Path
) -> None:
    locked = exported.files["password"]
    needs = verify_case_file(locked, exported.ca_pem.read_bytes())
    assert not needs.ok and needs.needs_password and needs.cannot_check
    wrong = verify_case_file(locked, exported.ca_pem.read_bytes(), password="nope")
    assert not wrong.ok and wrong.wrong_password
    report = verify_case_file(locked, exported.ca_pem.read_bytes(), password=PASSWORD)
    assert report.ok, report.lines
    _, status = pyhanko_status(locked, exported.ca_pem.read_bytes(), password=PASSWORD)
    assert status.bottom_line
    assert openssl_verify(locked, exported.ca_pem, tmp_path).returncode == 0


# -- attachments --------------------------------------------------------------------------------


def _identity(tmp_path: Path) -> tuple[object, bytes]:
    """A CA and a user certificate made as the vault makes them, for signing directly."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from safelog.crypto.ca import certificate_der, certificate_pem, create_ca
    from safelog.crypto.ca import issue_user_certificate as issue
    from safelog.export.signing import SigningIdentity

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = create_ca("Test School", ca_key, now)
    user_key = ec.generate_private_key(ec.SECP256R1())
    cert = issue(ca, ca_key, "Tess Teacher", "Test School", user_key.public_key(), now)
    identity = SigningIdentity(
        user_key, certificate_der(cert), certificate_der(ca), "Tess Teacher", "Test School"
    )
    return identity, certificate_pem(ca)


def _case_data(evidence: list[object]) -> object:
    from safelog.export.casefile import CaseFileData

    return CaseFileData(
        school="Test School",
        reference="SL-2026-0042",
        exported_by="Tess Teacher",
        exported_by_roles="Headteacher",
        exported_at=dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC),
        fields={"category": "cyberbullying-pupil", "summary": "Test", "description": "Test"},
        evidence=evidence,  # type: ignore[arg-type]
    )


def _entry(number: int, name: str, data: bytes) -> object:
    import hashlib

    from safelog.export.casefile import EvidenceEntry

    return EvidenceEntry(
        number=number, id=f"id-{number}", file_name=name, media_type="image/png",
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), added_by="Tess Teacher",
        added_at=dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC), metadata={}, data=data,
        attach=True, show_image=True,
    )  # fmt: skip


def test_an_attachment_that_does_not_match_its_printed_hash_fails(tmp_path: Path) -> None:
    from safelog.export.casefile import render_case_file
    from safelog.export.signing import sign_case_file

    identity, ca_pem = _identity(tmp_path)
    png = screenshot(tmp_path / "shot.png", 1, size=(320, 200)).read_bytes()
    rendered = render_case_file(
        _case_data([_entry(1, "shot.png", png)]),  # type: ignore[arg-type]
        ExportOptions(),
    )
    good = tmp_path / "good.pdf"
    good.write_bytes(sign_case_file(rendered, identity, reference="SL-2026-0042"))  # type: ignore[arg-type]
    assert verify_case_file(good, ca_pem).ok
    rendered.manifest["attachments"][0]["sha256"] = "0" * 64  # signed, but a wrong record
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(sign_case_file(rendered, identity, reference="SL-2026-0042"))  # type: ignore[arg-type]
    report = verify_case_file(bad, ca_pem)
    assert not report.ok
    assert "01-shot.png does NOT match the SHA-256 printed for it" in report.summary
    assert any("The signature is intact" in line for line in report.lines)


# -- timestamps ---------------------------------------------------------------------------------


def test_with_a_timestamp_server_the_signature_is_pades_b_t(
    exported: Exported, tmp_path: Path
) -> None:
    _, stamper = make_tsa(tmp_path)
    with tsa_server(stamper) as url:
        result = exported.export("timestamped", ExportOptions(tsa_url=url))
    assert result.timestamped and not result.messages
    _, status = pyhanko_status(exported.files["timestamped"], exported.ca_pem.read_bytes())
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid
    report = verify_case_file(exported.files["timestamped"], exported.ca_pem.read_bytes())
    assert report.ok, report.lines
    assert report.timestamped_at is not None
    assert any("RFC 3161 timestamp" in line for line in report.lines)
    last_page = readable(pdftotext(exported.files["timestamped"]).split("\f")[-2])
    assert "independent timestamp server (RFC 3161)" in " ".join(last_page.split())


def test_an_unreachable_timestamp_server_is_said_plainly(
    exported: Exported, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = closed_port_url()
    monkeypatch.setenv("SAFELOG_TSA_URL", url)  # the environment is used when not given
    result = exported.export("no-timestamp", ExportOptions())
    assert not result.timestamped
    [message] = result.messages
    assert f"The timestamp server {url} could not be reached" in message
    assert "signed without a trusted timestamp" in message
    report = verify_case_file(exported.files["no-timestamp"], exported.ca_pem.read_bytes())
    assert report.ok
    assert report.timestamped_at is None
