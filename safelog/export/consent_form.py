"""The record of image consent (003 4.2: "a record of consent is maintained throughout the
academic year") as a printable A4 PDF: each pupil on the roll and, for each medium, whether
the school may post their image or video this academic year. Pages and fonts are the case
file's; every name reaches a Paragraph only through `fonts.markup`. Rendered in memory."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

from reportlab.platypus import Flowable, Paragraph

from safelog.domain.image_consent import MEDIA, academic_year
from safelog.export import fonts
from safelog.export.pages import FRAME_W, Styles, a4_document, numbered_canvas, ruled_table
from safelog.export.text import uk_datetime

if TYPE_CHECKING:
    from safelog.vault.image_consent import PupilConsent

TITLE = "Record of consent to post pupils' images and videos"
SHORT = ("Website images", "Website video", "Social images", "Social video", "Print", "Press")


def render_consent(school: str, rows: list[PupilConsent], printed_at: datetime) -> bytes:
    fonts.register_fonts()
    s = Styles()
    m = fonts.markup
    story: list[Flowable] = [
        Paragraph(m(TITLE), s.h1),
        Paragraph(
            m(
                f"{school}. Academic year {academic_year(printed_at.date())}. Printed "
                f"{uk_datetime(printed_at)}. Post only where it says 'may post' (003 4.8)."
            ),
            s.muted,
        ),
    ]
    table = [[Paragraph("Pupil", s.head), *(Paragraph(m(h), s.head) for h in SHORT)]]
    for row in rows:
        table.append(
            [Paragraph(m(f"{row.pupil.display_name} ({row.pupil.form})"), s.cell)]
            + [Paragraph(m(row.summary[medium]), s.cell) for medium in MEDIA]
        )
    first = FRAME_W * 0.25
    story.append(ruled_table(table, [first] + [(FRAME_W - first) / len(MEDIA)] * len(MEDIA)))
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=TITLE, school=school, subject="Image consent")
    doc.build(story, canvasmaker=numbered_canvas("image consent", school))
    return buffer.getvalue()
