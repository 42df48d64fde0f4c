"""The Violent Incident Report (domain/violent_incident.py) as a printable A4 form: the
sections filled from the case, then the signatures a member of staff and the headteacher
add on paper (the local authority's form is signed by hand). Pages and fonts are the case
file's; every value reaches a Paragraph only through `fonts.markup`. Rendered in memory."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from safelog.domain.violent_incident import POLICY_REFS, TITLE, VirSection
from safelog.export import fonts
from safelog.export.casefile_model import RenderedCaseFile, signable_document
from safelog.export.pages import (
    FRAME_W,
    SIGNATURE_BOX,
    SignatureBox,
    Styles,
    a4_document,
    numbered_canvas,
    ruled_table,
)
from safelog.export.text import uk_datetime

FROM_RECORD = (
    "Filled in from SafeLog case {reference}, whose every version was signed and checked when "
    "this form was printed. Correct anything wrong in SafeLog and print the form again."
)


def _cells(rows: tuple[tuple[str, str], ...], s: Styles) -> Flowable:
    m = fonts.markup
    cells = [
        [Paragraph(m(label), s.head), Paragraph(m(value).replace("\n", "<br/>"), s.cell)]
        for label, value in rows
    ]
    return ruled_table(cells, [FRAME_W * 0.34, FRAME_W * 0.66])


def render_vir(
    school: str,
    reference: str,
    sections: list[VirSection],
    printed_by: str,
    printed_at: datetime,
) -> RenderedCaseFile:
    """The form, ready for signing by the person who printed it (export/signing.py)."""
    fonts.register_fonts()
    s = Styles()
    m = fonts.markup
    story: list[Flowable] = [
        Paragraph(m(TITLE), s.h1),
        Paragraph(
            m(
                f"{school}. Case {reference}. Policy {', '.join(POLICY_REFS)}. "
                f"Printed by {printed_by}, {uk_datetime(printed_at)}."
            ),
            s.muted,
        ),
        Paragraph(m(FROM_RECORD.format(reference=reference)), s.muted),
    ]
    for section in sections:
        story.append(
            KeepTogether(
                [Spacer(1, 8), Paragraph(m(section.heading), s.h2), _cells(section.rows, s)]
            )
        )
    signatures = (
        ("Signed (member of staff)", ""),
        ("Date", ""),
        ("Signed (headteacher)", ""),
        ("Date", ""),
    )
    box = SignatureBox(*SIGNATURE_BOX)
    story += [
        Spacer(1, 12),
        KeepTogether([Paragraph("Signatures", s.h2), _cells(signatures, s)]),
        Spacer(1, 10),
        KeepTogether(
            [Paragraph(m(f"Printed from SafeLog and signed by {printed_by}:"), s.body), box]
        ),
    ]
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=TITLE, school=school, subject=f"Case {reference}")
    doc.build(story, canvasmaker=numbered_canvas(reference, school))
    return signable_document(
        buffer.getvalue(),
        doc,
        box,
        document="violent-incident-report",
        reference=reference,
        school=school,
        at=printed_at,
    )
