"""What a case file is made from and what rendering it gives back: plain values, decrypted
in memory by safelog.vault.export (`CaseFileData`), and the unsigned PDF with the originals to
attach and the machine-readable manifest of their fingerprints (`RenderedCaseFile`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MANIFEST_NAME = "safelog-manifest.json"  # shown to readers
MANIFEST_KEY = "0000-safelog-manifest.json"  # its key among the attachments (sorts first)
MANIFEST_FORMAT = "safelog-case-file/1"


# -- the data a case file is made from -------------------------------------------------------


@dataclass(frozen=True)
class EvidenceEntry:
    number: int
    id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    added_by: str
    added_at: datetime
    metadata: dict[str, Any]
    data: bytes | None = None  # the original, when it was read for this export
    attach: bool = False
    not_attached: str = ""  # why the original is not attached, in plain words
    show_image: bool = False
    not_shown: str = ""  # why an image is not drawn


@dataclass(frozen=True)
class HistoryLine:
    number: int
    author: str
    at: datetime
    changed: tuple[str, ...]
    rekeyed: bool = False


@dataclass(frozen=True)
class AuditLine:
    seq: int
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]


@dataclass
class CaseFileData:
    school: str
    reference: str
    exported_by: str
    exported_by_roles: str
    exported_at: datetime
    fields: Mapping[str, Any]
    reporter: str | None = None
    subjects: list[str] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[EvidenceEntry] = field(default_factory=list)
    history: list[HistoryLine] = field(default_factory=list)
    audit: list[AuditLine] = field(default_factory=list)
    readers: list[str] = field(default_factory=list)
    ca_fingerprint: str = ""  # SHA-256 of the school CA certificate (DER), hex
    ca_subject: str = ""
    timestamp_url: str | None = None  # set when a timestamp server will be asked


@dataclass(frozen=True)
class Attachment:
    key: str  # ASCII key in the PDF's list of attachments; sorts in evidence order
    name: str  # the name a reader sees, as printed in the evidence index
    data: bytes
    media_type: str
    sha256: str
    description: str
    compress: bool


@dataclass
class RenderedCaseFile:
    pdf: bytes
    pages: int
    signature_page: int  # 0-based
    signature_box: tuple[float, float, float, float]  # x1, y1, x2, y2 in points
    attachments: list[Attachment]
    manifest: dict[str, Any]


Step = Callable[[str], None]


def attachment_key(number: int, name: str) -> str:
    """An ASCII key for the PDF's attachment list that sorts in evidence order."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", folded).strip("._") or "evidence"
    return f"{number:04d}-{slug[:60]}"


def attachment_entries(attachments: Iterable[Attachment]) -> list[dict[str, Any]]:
    """What the manifest says of each attached original."""
    return [
        {
            "key": a.key,
            "name": a.name,
            "sha256": a.sha256,
            "size": len(a.data),
            "media_type": a.media_type,
        }
        for a in attachments
    ]


def manifest_for(data: CaseFileData, attachments: list[Attachment]) -> dict[str, Any]:
    """The machine-readable list of what is attached and its fingerprints (embedded in the
    signed file, so `safelog verify` does not have to read the printed pages)."""
    return {
        "format": MANIFEST_FORMAT,
        "reference": data.reference,
        "school": data.school,
        "exported_at": data.exported_at.isoformat(),
        "attachments": attachment_entries(attachments),
    }


def signable_document(
    pdf: bytes,
    doc: Any,
    box: Any,
    *,
    document: str,
    reference: str,
    school: str,
    at: datetime,
    attachments: Sequence[Attachment] = (),
) -> RenderedCaseFile:
    """A built document (chronology, disclosure, report, form) as the signer takes it: where
    its signature box was drawn (export/pages.py SignatureBox), its page count, and the
    manifest `safelog verify` reads."""
    if box.rect is None or box.page is None:
        raise RuntimeError("the signature box was not placed")
    pages = int(getattr(doc.canv, "page_total", 0)) or doc.page
    manifest = {
        "format": MANIFEST_FORMAT,
        "document": document,
        "reference": reference,
        "school": school,
        "exported_at": at.isoformat(),
        "attachments": attachment_entries(attachments),
    }
    return RenderedCaseFile(pdf, pages, box.page, box.rect, list(attachments), manifest)
