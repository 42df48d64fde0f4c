"""Signing a case file with pyHanko, writing it where the person chose, and the school CA.

The signature is PAdES baseline: B-B, or B-T when an RFC 3161 timestamp server is configured
(`SAFELOG_TSA_URL`, or the export's own setting) and answers. It is made with the exporting
user's ECDSA P-256 key and the certificate the school CA issued them (Adobe's "Document
Signing" key purpose), with the CA certificate in the chain, and it appears as a visible
signature in the box drawn on the cover. The originals and a JSON manifest of their SHA-256
fingerprints are attached in the same signed revision, so the signature covers them.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from safelog.errors import InvalidInput
from safelog.export import fonts
from safelog.store.files import write_private_file

if TYPE_CHECKING:
    from safelog.export.casefile_model import RenderedCaseFile

FIELD_NAME = "SafeLogSignature"
# fontTools says so when it subsets DejaVu Sans for the signature's appearance; not our news.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
TSA_ENV = "SAFELOG_TSA_URL"
TSA_TIMEOUT = 10  # seconds


@dataclass(frozen=True)
class SigningIdentity:
    key: ec.EllipticCurvePrivateKey
    certificate_der: bytes
    ca_der: bytes
    name: str
    school: str


def ca_certificate_pem(session: Any) -> bytes:
    """The school CA certificate (PEM), as pinned by this user: for Adobe Reader's trusted
    identities and `safelog verify --ca`."""
    from safelog.crypto.ca import certificate_pem

    session.ensure_open()
    return certificate_pem(session.directory.ca_cert)


def ca_pem_from_der(der: bytes) -> bytes:
    from cryptography import x509

    from safelog.crypto.ca import certificate_pem

    return certificate_pem(x509.load_der_x509_certificate(der))


def resolve_tsa_url(explicit: str | None) -> str | None:
    """The export's own setting wins; None means "use SAFELOG_TSA_URL"; "" means none."""
    url = os.environ.get(TSA_ENV, "") if explicit is None else explicit
    return url.strip() or None


def connect_timestamper(url: str) -> tuple[Any | None, str | None]:
    """A timestamp client that has just answered, or None and a plain message saying why
    the file will be signed without a trusted timestamp."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    try:
        timestamper = HTTPTimeStamper(url, timeout=TSA_TIMEOUT)
        # One real request (for a dummy digest) proves the server answers; pyHanko keeps the
        # answer to size the signature, so signing does not ask twice for it.
        asyncio.run(timestamper.async_dummy_response("sha256"))
    except Exception as exc:  # any failure means "not reachable"
        reason = _plain_reason(exc)
        return None, (
            f"The timestamp server {url} could not be reached ({reason}), so the case file was "
            "signed without a trusted timestamp: the time of signing rests on this computer's "
            "clock (PAdES B-B instead of B-T)."
        )
    return timestamper, None


def _plain_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}"[:160] if text else name


def _stamp_font(path: str) -> Any:
    """pyHanko's OpenType font engine for the signature's appearance, with glyph widths in
    the thousandths of an em PDF expects. pyHanko 0.38 writes a TrueType font's widths (and
    HarfBuzz's advances) in the font's own units, which for DejaVu Sans (2048 per em) prints
    the text letter-spaced to twice its width; scaling HarfBuzz to 1000 units per em and the
    widths with it puts both in PDF's units."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    class Accumulator(GlyphAccumulator):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._font_units = int(self.tt["head"].unitsPerEm)
            self.hb_font.scale = (1000, 1000)
            self.units_per_em = 1000

        def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
            cached = self._glyphs.get(glyph_id)
            if cached is not None:
                return cached
            cid, width = super()._get_cid_and_width(glyph_id)
            self._glyphs[glyph_id] = result = (cid, round(width * 1000 / self._font_units))
            return result

    class Factory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            with open(self.font_file, "rb") as handle:
                font = io.BytesIO(handle.read())
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return Accumulator(
                writer=writer, font_handle=font, font_size=self.font_size, obj_stream=obj_stream
            )

    return Factory(path, font_size=9)


def _embed(
    writer: Any, key: str, name: str, data: bytes, media_type: str, description: str, compress: bool
) -> None:
    from pyhanko.pdf_utils import embed

    stream = embed.EmbeddedFileObject.from_file_data(
        writer,
        data=data,
        compress=compress,
        mime_type=media_type if "/" in media_type else None,
        params=embed.EmbeddedFileParams(embed_size=True, embed_checksum=False),
    )
    embed.embed_file(
        writer,
        embed.FileSpec(
            file_spec_string=key, file_name=name, embedded_data=stream, description=description
        ),
    )


def _embed_all(writer: Any, rendered: RenderedCaseFile) -> None:
    from safelog.export.casefile_model import MANIFEST_KEY, MANIFEST_NAME

    manifest = json.dumps(rendered.manifest, ensure_ascii=False, indent=2, sort_keys=True)
    _embed(
        writer,
        MANIFEST_KEY,
        MANIFEST_NAME,
        manifest.encode("utf-8"),
        "application/json",
        "SafeLog manifest: the SHA-256 of every attached original",
        True,
    )
    # A PDF's list of attachments is a name tree: its keys must be in sorted order.
    for attachment in sorted(rendered.attachments, key=lambda a: a.key):
        _embed(
            writer,
            attachment.key,
            attachment.name,
            attachment.data,
            attachment.media_type,
            attachment.description,
            attachment.compress,
        )


def sign_case_file(
    rendered: RenderedCaseFile,
    identity: SigningIdentity,
    *,
    reference: str,
    password: str | None = None,
    timestamper: Any | None = None,
    reason: str | None = None,
) -> bytes:
    """Attach the originals and the manifest, then sign; returns the signed PDF (memory).
    `reason` is what Adobe's signature panel says the file is (a case file by default)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.pdf_utils.writer import copy_into_new_writer
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from safelog.export.text import uk_datetime

    if password:
        plain = copy_into_new_writer(PdfFileReader(io.BytesIO(rendered.pdf)))
        plain.encrypt(password, password, pdf_mac=False)
        _embed_all(plain, rendered)
        encrypted = io.BytesIO()
        plain.write(encrypted)
        writer = IncrementalPdfFileWriter(encrypted)
        writer.encrypt(password)
    else:
        writer = IncrementalPdfFileWriter(io.BytesIO(rendered.pdf))
        _embed_all(writer, rendered)

    ca = asn1_x509.Certificate.load(identity.ca_der)
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(identity.certificate_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            identity.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([ca]),
        embed_roots=True,
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or f"Safeguarding case file {reference}, exported from SafeLog",
        location=fonts.clean(identity.school).replace("\n", " "),
    )
    font = _stamp_font(str(fonts.font_path(fonts.SANS)))
    style = TextStampStyle(
        stamp_text="Digitally signed by %(who)s\n%(when)s\nCertificate: %(school)s SafeLog CA",
        text_box_style=TextBoxStyle(font=font, font_size=9, leading=12),
        border_width=1,
    )
    x1, y1, x2, y2 = rendered.signature_box
    pdf_signer = signers.PdfSigner(
        meta,
        signer,
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(
            FIELD_NAME,
            on_page=rendered.signature_page,
            box=(int(x1) + 1, int(y1) + 1, int(x2) - 1, int(y2) - 1),
        ),
    )
    out = pdf_signer.sign_pdf(
        writer,
        appearance_text_params={
            "who": fonts.clean(identity.name).replace("\n", " "),
            "when": uk_datetime(datetime.now(UTC)) + " (UK time)",
            "school": fonts.clean(identity.school).replace("\n", " "),
        },
    )
    return bytes(out.getvalue())


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> str:
    """Write where the person chose (owner-only unless `mode` says otherwise), whole or not
    at all (store/files.py). Returns the SHA-256 of what was written."""
    try:
        write_private_file(path, data, mode, make_folder=False)
    except OSError as exc:
        raise InvalidInput(f"Cannot write {path}: {exc.strerror}.") from None
    return hashlib.sha256(data).hexdigest()
