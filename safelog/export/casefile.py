"""The case file's pages, laid out with ReportLab platypus (DESIGN §5).

`render_case_file` turns a `CaseFileData` (plain values, decrypted in memory by
safelog.vault.export) into an unsigned PDF held in memory, plus the originals to attach, the
machine-readable manifest of their hashes and the rectangle on the cover where the visible
signature goes. Nothing is written to disk here; images are decoded from memory.

Every string a person typed reaches a Paragraph only through `Text`/`fonts.markup`
(safelog.export.text), which escapes it (xml.sax.saxutils.escape) and, when the case file is
pseudonymised, replaces the names of other pupils first.

The pieces, each in its own module: the data (casefile_model), the pages, styles and numbered
canvas (pages), words and dates (text), the evidence images (images), and the sections
(casefile_sections, casefile_evidence, casefile_audit). The names other modules use are
importable from here as well.
"""

from __future__ import annotations

import io

from reportlab.platypus import Flowable, Frame, PageTemplate

from safelog.export import fonts
from safelog.export.casefile_audit import AuditSections
from safelog.export.casefile_evidence import EvidenceSections
from safelog.export.casefile_model import (
    MANIFEST_FORMAT,
    MANIFEST_KEY,
    MANIFEST_NAME,
    Attachment,
    AuditLine,
    CaseFileData,
    EvidenceEntry,
    HistoryLine,
    RenderedCaseFile,
    Step,
    attachment_key,
    manifest_for,
)
from safelog.export.images import (
    IMAGE_MAX_H,
    MAX_IMAGE_PIXELS,
    image_parts,
    probe_image,
)
from safelog.export.options import ExportOptions
from safelog.export.pages import (
    FRAME_H,
    FRAME_W,
    MARGIN_BOTTOM,
    MARGIN_X,
    MARKING,
    WIDE_FRAME_H,
    WIDE_FRAME_W,
    WIDE_H,
    WIDE_W,
    a4_document,
    binary_streams,
    numbered_canvas,
)
from safelog.export.text import file_size, grouped, uk_date, uk_datetime, uk_when

# The names other modules and the tests import from here.
__all__ = [
    "FRAME_H",
    "FRAME_W",
    "IMAGE_MAX_H",
    "MANIFEST_FORMAT",
    "MANIFEST_KEY",
    "MANIFEST_NAME",
    "MARKING",
    "MAX_IMAGE_PIXELS",
    "Attachment",
    "AuditLine",
    "CaseFileData",
    "EvidenceEntry",
    "HistoryLine",
    "RenderedCaseFile",
    "Step",
    "attachment_key",
    "file_size",
    "grouped",
    "image_parts",
    "manifest_for",
    "probe_image",
    "render_case_file",
    "uk_date",
    "uk_datetime",
    "uk_when",
]


class _Builder(EvidenceSections, AuditSections):
    """The whole case file, section by section, in order."""

    def build(self) -> list[Flowable]:
        story = self.cover()
        for section in (
            self.summary,
            self.people,
            self.chronology,
            self.escalations,
            self.content_reports,
            self.decisions,
            self.public_replies,
            self.outcome,
            self.evidence_index,
        ):
            story += section()
        if self.options.include_images:
            story += self.images()
        story += self.audit()
        story += self.how_to_check()
        return story


def render_case_file(
    data: CaseFileData, options: ExportOptions, step: Step | None = None
) -> RenderedCaseFile:
    """Lay the case file out; returns the unsigned PDF (in memory) and what to attach."""
    fonts.register_fonts()
    builder = _Builder(data, options, step)
    story = builder.build()
    buffer = io.BytesIO()
    wide = Frame(
        MARGIN_X, MARGIN_BOTTOM, WIDE_FRAME_W, WIDE_FRAME_H, id="wide",
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
    )  # fmt: skip
    doc = a4_document(
        buffer,
        title=f"Safeguarding case file {data.reference}",
        school=data.school,
        subject=f"{MARKING}: safeguarding case file",
        extra=[PageTemplate(id="wide", frames=[wide], pagesize=(WIDE_W, WIDE_H))],
    )
    canvas_class = numbered_canvas(data.reference, data.school)
    builder.decoder.start()
    try:
        with binary_streams():
            doc.build(story, canvasmaker=canvas_class)
    finally:
        builder.decoder.close()
    box = builder.signature
    if box.rect is None or box.page is None:
        raise RuntimeError("the signature box was not placed")
    pages = int(getattr(doc.canv, "page_total", 0)) or doc.page
    return RenderedCaseFile(
        pdf=buffer.getvalue(),
        pages=pages,
        signature_page=box.page,
        signature_box=box.rect,
        attachments=builder.attachments,
        manifest=manifest_for(data, builder.attachments),
    )
