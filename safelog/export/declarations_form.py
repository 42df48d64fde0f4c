"""The register of policy declarations (002 8.1, 9.1, appendix 2) as a printable A4 PDF: for
each declaration its words, who signed it in SafeLog and when (with the audit entry that
holds the signature), and who has not signed yet; then the adults on the school's register
who are not SafeLog users, to sign on paper. Pages and fonts are the case file's; every
name reaches a Paragraph only through `fonts.markup`. Rendered in memory."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

from reportlab.platypus import Flowable, Paragraph, Spacer

from safelog.domain.declarations import DECLARATIONS
from safelog.export import fonts
from safelog.export.pages import FRAME_W, Styles, a4_document, numbered_canvas, ruled_table
from safelog.export.text import uk_datetime

if TYPE_CHECKING:
    from safelog.vault.declarations import Register

TITLE = "Register of policy declarations"


def _story(school: str, register: Register, printed_at: datetime) -> list[Flowable]:
    s = Styles()
    m = fonts.markup
    story: list[Flowable] = [
        Paragraph(m(TITLE), s.h1),
        Paragraph(m(f"{school}. Printed {uk_datetime(printed_at)}."), s.muted),
    ]
    for declaration in DECLARATIONS:
        story += [
            Spacer(1, 8),
            Paragraph(m(f"{declaration.title} ({', '.join(declaration.policy_refs)})"), s.h2),
            Paragraph(m(f"\u201c{declaration.text}\u201d"), s.body),
            Spacer(1, 4),
        ]
        signed = [
            r
            for r in register.signatures
            if r.declaration == declaration.code and r.text_sha256 == declaration.text_sha256
        ]
        rows = [
            [
                Paragraph("Signed by", s.head),
                Paragraph("When", s.head),
                Paragraph("Audit entry", s.head),
            ]
        ]
        rows += [
            [
                Paragraph(m(r.name), s.cell),
                Paragraph(m(uk_datetime(r.at)), s.cell),
                Paragraph(m(str(r.seq)), s.cell),
            ]
            for r in signed
        ]
        if not signed:
            rows.append(
                [Paragraph("Nobody yet", s.cell), Paragraph("", s.cell), Paragraph("", s.cell)]
            )
        story.append(ruled_table(rows, [FRAME_W * 0.5, FRAME_W * 0.3, FRAME_W * 0.2]))
        missing = register.not_signed.get(declaration.code, [])
        story += [
            Spacer(1, 4),
            Paragraph(
                m("Not signed yet: " + (", ".join(missing) if missing else "everyone has signed.")),
                s.body,
            ),
        ]
    story += [
        Spacer(1, 10),
        Paragraph("Adults who are not SafeLog users", s.h2),
        Paragraph(
            m(
                "To sign on paper: "
                + (", ".join(register.adults) if register.adults else "none on the register.")
            ),
            s.body,
        ),
    ]
    return story


def render_register(school: str, register: Register, printed_at: datetime) -> bytes:
    fonts.register_fonts()
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=TITLE, school=school, subject="Policy declarations")
    doc.build(
        _story(school, register, printed_at), canvasmaker=numbered_canvas("declarations", school)
    )
    return buffer.getvalue()
