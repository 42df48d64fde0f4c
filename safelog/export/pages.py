"""The pages SafeLog's PDFs share (the case file, the content report form): A4 with SafeLog's
margins and metadata, the protective marking, reference and "Page N of M" on every page
(`numbered_canvas`), the colours, paragraph styles and ruled tables, and the framed box on the
cover where the visible signature goes.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Table,
    TableStyle,
)

from safelog.export import fonts

MARKING = "OFFICIAL-SENSITIVE"


PAGE_W, PAGE_H = A4
WIDE_W, WIDE_H = PAGE_H, PAGE_W  # A4 landscape, for wide screenshots
MARGIN_X = 56.0
MARGIN_TOP = 66.0
MARGIN_BOTTOM = 62.0
FRAME_W = PAGE_W - 2 * MARGIN_X
FRAME_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
WIDE_FRAME_W = WIDE_W - 2 * MARGIN_X
WIDE_FRAME_H = WIDE_H - MARGIN_TOP - MARGIN_BOTTOM
SIGNATURE_BOX = (300.0, 92.0)  # width, height in points

INK = colors.HexColor("#1B1B1B")
MUTED = colors.HexColor("#555555")
ACCENT = colors.HexColor("#1F3A5F")
RULE = colors.HexColor("#B8C2CC")
SHADE = colors.HexColor("#EEF1F5")
MARK_RED = colors.HexColor("#A4001D")


# -- styles -------------------------------------------------------------------------------


class Styles:
    def __init__(self) -> None:
        base = ParagraphStyle(
            "body",
            fontName=fonts.SANS,
            fontSize=10,
            leading=14,
            textColor=INK,
            splitLongWords=1,
        )
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=11.5)
        self.muted = ParagraphStyle("muted", parent=self.small, textColor=MUTED)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=9, leading=12)
        self.cell_bold = ParagraphStyle("cellb", parent=self.cell, fontName=fonts.SANS_BOLD)
        self.head = ParagraphStyle(
            "head", parent=self.cell, fontName=fonts.SANS_BOLD, textColor=ACCENT
        )
        self.mono = ParagraphStyle(
            "mono", parent=base, fontName=fonts.MONO, fontSize=8.2, leading=11
        )
        self.h1 = ParagraphStyle(
            "h1",
            parent=base,
            fontName=fonts.SANS_BOLD,
            fontSize=15,
            leading=19,
            textColor=ACCENT,
            spaceBefore=16,
            spaceAfter=8,
            keepWithNext=1,
        )
        self.h2 = ParagraphStyle(
            "h2",
            parent=base,
            fontName=fonts.SANS_BOLD,
            fontSize=11.5,
            leading=15,
            textColor=INK,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        )
        self.title = ParagraphStyle(
            "title",
            parent=base,
            fontName=fonts.SANS_BOLD,
            fontSize=26,
            leading=32,
            textColor=ACCENT,
            spaceAfter=6,
        )
        self.school = ParagraphStyle(
            "school", parent=base, fontSize=15, leading=20, textColor=INK, spaceAfter=18
        )
        self.reference = ParagraphStyle(
            "reference",
            parent=base,
            fontName=fonts.SANS_BOLD,
            fontSize=20,
            leading=26,
            textColor=INK,
            spaceAfter=14,
        )
        self.marking = ParagraphStyle(
            "marking",
            parent=base,
            fontName=fonts.SANS_BOLD,
            fontSize=13,
            leading=17,
            textColor=MARK_RED,
            alignment=TA_CENTER,
        )
        self.notice = ParagraphStyle("notice", parent=self.cell, leading=12.5)


# -- building blocks ----------------------------------------------------------------------


def ruled_table(
    rows: list[list[Any]],
    widths: Sequence[float],
    header: bool = True,
    zebra: bool = True,
) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0, splitInRow=1)
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ]
    if header:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ]
    elif zebra:
        commands.append(("BACKGROUND", (0, 0), (0, -1), SHADE))
    table.setStyle(TableStyle(commands))
    return table


class SignatureBox(Flowable):
    """The framed space on the cover where the visible signature goes; remembers where it
    was drawn so the signature field can be put exactly there."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__()
        self.width, self.height = width, height
        self.page: int | None = None
        self.rect: tuple[float, float, float, float] | None = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(0.8)
        canvas.setDash(3, 2)
        canvas.rect(0, 0, self.width, self.height)
        canvas.setDash()
        canvas.restoreState()
        x, y = canvas.absolutePosition(0, 0)
        self.page = canvas.getPageNumber() - 1
        self.rect = (x, y, x + self.width, y + self.height)


def numbered_canvas(reference: str, school: str) -> type[Canvas]:
    school_line = fonts.clean(school).replace("\n", " ")

    class NumberedCanvas(Canvas):
        """Draws the running header and footer once the number of pages is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                Canvas.showPage(self)
            self.page_total = total
            Canvas.save(self)

        def _decorate(self, total: int) -> None:
            number = self._pageNumber
            page_w, page_h = self._pagesize
            self.saveState()
            top = page_h - 34
            self.setFillColor(MARK_RED)
            self.setFont(fonts.SANS_BOLD, 10)
            self.drawCentredString(page_w / 2, top, MARKING)
            self.setFillColor(INK)
            self.setFont(fonts.SANS_BOLD, 9)
            self.drawString(MARGIN_X, top, reference)
            self.setFont(fonts.SANS, 8.5)
            name = school_line
            while name and self.stringWidth(name, fonts.SANS, 8.5) > FRAME_W / 2 - 60:
                name = name[:-2] + "…"
            self.drawRightString(page_w - MARGIN_X, top, name)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(MARGIN_X, top - 8, page_w - MARGIN_X, top - 8)
            bottom = 30
            self.line(MARGIN_X, bottom + 14, page_w - MARGIN_X, bottom + 14)
            self.setFillColor(MARK_RED)
            self.setFont(fonts.SANS_BOLD, 10)
            self.drawCentredString(page_w / 2, bottom, MARKING)
            self.setFillColor(INK)
            self.setFont(fonts.SANS_BOLD, 9)
            self.drawString(MARGIN_X, bottom, reference)
            self.setFont(fonts.SANS, 9)
            self.drawRightString(page_w - MARGIN_X, bottom, f"Page {number} of {total}")
            self.restoreState()

    return NumberedCanvas


def a4_document(
    buffer: io.BytesIO,
    *,
    title: str,
    school: str,
    subject: str,
    extra: Sequence[PageTemplate] = (),
) -> BaseDocTemplate:
    """An A4 document with SafeLog's margins, metadata and one body frame (template
    "page"), plus any `extra` page templates."""
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=fonts.clean(school),
        subject=subject,
        creator="SafeLog",
        invariant=False,
    )
    body = Frame(
        MARGIN_X, MARGIN_BOTTOM, FRAME_W, FRAME_H, id="body",
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
    )  # fmt: skip
    doc.addPageTemplates([PageTemplate(id="page", frames=[body], pagesize=A4), *extra])
    return doc


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
    """Streams stored as binary rather than ASCII85 text: a quarter smaller, and without
    ReportLab's pure-Python ASCII85 encoder (its C accelerator is a separate package), which
    took more time than everything else drawing a screenshot needs. ReportLab only has a
    process-wide switch; it is set for this build and put back."""
    from reportlab import rl_config

    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def marking_box(marking: Flowable, notice: Flowable, padding: float = 6) -> Table:
    """The protective marking and what it asks of the reader, boxed in red on a cover."""
    box = Table([[marking], [notice]], colWidths=[FRAME_W])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, MARK_RED),
                ("TOPPADDING", (0, 0), (-1, -1), padding),
                ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
            ]
        )
    )
    return box
