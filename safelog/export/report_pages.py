"""What the governors' report and the inspection pack share: the cover (school, title, whose
copy, the period, who printed it, the marking and the signature box), the page on how to
check the file, and laying a story out into a `RenderedCaseFile` ready for
signing.sign_case_file, so `safelog verify` checks these files as it checks a case file.
Every value that is not SafeLog's own words reaches a Paragraph through `fonts.markup`."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from safelog.export import fonts
from safelog.export.casefile_model import RenderedCaseFile, signable_document
from safelog.export.pages import (
    FRAME_W,
    MARKING,
    SIGNATURE_BOX,
    SignatureBox,
    Styles,
    a4_document,
    binary_streams,
    marking_box,
    numbered_canvas,
    ruled_table,
)
from safelog.export.text import grouped, uk_date, uk_datetime


@dataclass(frozen=True)
class ReportHeader:
    """Who made a report, for whom, and for when."""

    school: str
    title: str
    document: str  # the manifest's name for it: "governors-report", "inspection-pack"
    reference: str  # the running header's words (ASCII, short): "Governors' report"
    copy_label: str  # "Copy for the chair of governors"
    start: date
    end: date
    printed_by: str
    printed_by_roles: str
    printed_at: datetime
    ca_fingerprint: str = ""
    timestamp_url: str | None = None


def period_words(start: date, end: date) -> str:
    return f"{uk_date(start)} to {uk_date(end)}"


def cover(
    header: ReportHeader, notice: str, rows: list[tuple[str, str]], box: SignatureBox
) -> list[Flowable]:
    """The first page: the report's name, whose copy it is, its facts (`rows`: label, value)
    and the signature box."""
    s = Styles()
    m = fonts.markup
    marking = marking_box(
        Paragraph(escape(MARKING), s.marking),
        Paragraph(escape(notice), ParagraphStyle("mk", parent=s.cell, alignment=TA_CENTER)),
    )
    facts = [
        ("Whose copy", header.copy_label),
        ("Period", period_words(header.start, header.end)),
        *rows,
        (
            "Printed by",
            header.printed_by
            + (f" ({header.printed_by_roles})" if header.printed_by_roles else ""),
        ),
        ("Printed on", uk_datetime(header.printed_at) + " (UK time)"),
    ]
    table = ruled_table(
        [[Paragraph(escape(k), s.cell_bold), Paragraph(m(v), s.cell)] for k, v in facts],
        [120, FRAME_W - 120],
        header=False,
    )
    return [
        Spacer(1, 6),
        Paragraph(m(header.school), s.school),
        Paragraph(escape(header.title), s.title),
        Paragraph(m(header.copy_label), s.reference),
        marking,
        Spacer(1, 14),
        table,
        Spacer(1, 18),
        Paragraph(
            m(
                f"Signed by {header.printed_by} with a certificate issued by the school's own "
                "certificate authority:"
            ),
            s.small,
        ),
        Spacer(1, 4),
        box,
        Spacer(1, 8),
        Paragraph(
            "How to check that this file is genuine and unaltered: see the last page.", s.muted
        ),
        PageBreak(),
    ]


def how_to_check(header: ReportHeader) -> list[Flowable]:
    s = Styles()
    body = ParagraphStyle("howto", parent=s.body, spaceAfter=6)
    school = fonts.markup(header.school)
    story: list[Flowable] = [
        PageBreak(),
        Paragraph("How to check this file", s.h1),
        Paragraph(
            "This report was signed digitally by the person who printed it, with a certificate "
            f"issued by <b>{school}</b>'s own SafeLog certificate authority (the school CA). "
            "The signature covers every byte of the file: if anything is changed after "
            "signing, even one character, the signature no longer checks out.",
            body,
        ),
    ]
    if header.timestamp_url:
        story.append(
            Paragraph(
                "The time of signing is also confirmed by an independent timestamp server "
                "(RFC 3161).",
                body,
            )
        )
    story += [
        Paragraph(
            "Ask the school for its CA certificate (made with "
            '<font name="SafeLogMono">safelog ca export --out CA.pem</font>) by a route you '
            "trust, and check that its SHA-256 fingerprint is:",
            body,
        ),
        Paragraph(escape(grouped(header.ca_fingerprint)), s.mono),
        Spacer(1, 6),
        Paragraph(
            "Then, on any computer with SafeLog installed, run "
            '<font name="SafeLogMono">safelog verify FILE.pdf --ca CA.pem</font>; or import '
            "CA.pem into Adobe Acrobat Reader's trusted certificates and open the file: the "
            "Signature panel should say <b>Signed and all signatures are valid</b>.",
            body,
        ),
    ]
    return story


def render_report(
    header: ReportHeader, build: Callable[[SignatureBox], list[Flowable]]
) -> RenderedCaseFile:
    """Lay out the story `build` makes (given the signature box to place on its cover),
    then the page on how to check it; unsigned, in memory."""
    fonts.register_fonts()
    box = SignatureBox(*SIGNATURE_BOX)
    story = [*build(box), *how_to_check(header)]
    buffer = io.BytesIO()
    doc = a4_document(
        buffer,
        title=f"{header.title}, {period_words(header.start, header.end)}",
        school=header.school,
        subject=f"{MARKING}: {header.title.lower()}",
    )
    with binary_streams():
        doc.build(story, canvasmaker=numbered_canvas(header.reference, header.school))
    return signable_document(  # nothing attached
        buffer.getvalue(),
        doc,
        box,
        document=header.document,
        reference=header.reference,
        school=header.school,
        at=header.printed_at,
    )
