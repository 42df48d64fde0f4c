"""The Inappropriate Content Report Form (policy 003, appendix b) as a printable A4 PDF.

Laid out like the policy's form: a two-column table of boxes, the submitting member of staff's
part, then the part "to be completed by e-safety officer". The names and signatures are the
signed versions of the case in SafeLog ("Signed in SafeLog by …, version N, time"), with the
SHA-256 of each version's signed statement, which the case history in SafeLog can be checked
against. A part not yet completed prints as empty boxes, to be filled in by hand.

Pages, fonts and escaping are the case file's (safelog.export.pages, safelog.export.text,
safelog.export.fonts): every string a person typed reaches a Paragraph only through
`fonts.markup`, and names in any script render. Rendered in memory; the caller writes the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from safelog.export import fonts
from safelog.export.pages import (
    ACCENT,
    FRAME_W,
    INK,
    MARKING,
    SHADE,
    Styles,
    a4_document,
    marking_box,
    numbered_canvas,
)
from safelog.export.text import grouped, uk_date, uk_datetime

if TYPE_CHECKING:
    from safelog.vault.content_form import ContentReport, SignedPart

TITLE = "Inappropriate content report form"
LABEL_W = FRAME_W * 0.36
VALUE_W = FRAME_W - LABEL_W
GRID = 0.7


@dataclass(frozen=True)
class ContentFormData:
    school: str
    reference: str
    category: str  # the case's category title
    report: ContentReport
    printed_by: str
    printed_at: datetime


@dataclass(frozen=True)
class RenderedForm:
    pdf: bytes
    pages: int


class _Form:
    def __init__(self, data: ContentFormData) -> None:
        self.data = data
        self.s = Styles()
        self.label = ParagraphStyle("label", parent=self.s.cell_bold, leading=12.5)
        self.value = ParagraphStyle("value", parent=self.s.cell, fontSize=10, leading=13.5)
        self.part = ParagraphStyle(
            "part", parent=self.s.cell_bold, fontSize=10.5, leading=14, textColor=ACCENT
        )
        self.sign = ParagraphStyle("sign", parent=self.s.cell, leading=12.5)
        self.digest = ParagraphStyle("digest", parent=self.s.mono, fontSize=7.4, leading=9.5)

    # -- text ---------------------------------------------------------------------------

    def user(self, value: Any, style: ParagraphStyle | None = None, empty: str = "") -> Paragraph:
        style = style or self.value
        text = fonts.markup(str(value or ""))
        if text.strip():
            return Paragraph(text, style)
        if empty:
            return Paragraph(f'<font color="#555555">{escape(empty)}</font>', style)
        return Paragraph("&nbsp;", style)

    def fixed(self, text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), style)

    def signed(self, part: SignedPart | None, what: str) -> list[Flowable]:
        """'Signed in SafeLog by <name>, version N, <UK time>' and the statement's SHA-256."""
        if part is None:
            return [self.fixed("", self.sign)]
        line = Paragraph(
            f"{escape(what)} in SafeLog by <b>{fonts.markup(part.name)}</b>, "
            f"version {part.version}, {escape(uk_datetime(part.at))} (UK time).",
            self.sign,
        )
        out: list[Flowable] = [line]
        if part.statement_sha256:
            out.append(
                Paragraph(
                    "SHA-256 of the signed statement: " + escape(grouped(part.statement_sha256)),
                    self.digest,
                )
            )
        return out

    # -- the page -------------------------------------------------------------------------

    def heading(self) -> list[Flowable]:
        d, s = self.data, self.s
        school = ParagraphStyle("school", parent=s.school, spaceAfter=4)
        title = ParagraphStyle("title", parent=s.title, fontSize=20, leading=25, spaceAfter=4)
        reference = ParagraphStyle("ref", parent=s.body, fontSize=11, leading=15, spaceAfter=10)
        marking = marking_box(
            self.fixed(MARKING, s.marking),
            self.fixed(
                "Personal and sensitive information. Keep, share and destroy it only as "
                "your safeguarding and data-protection policies allow.",
                ParagraphStyle("mk", parent=s.small, alignment=TA_CENTER),
            ),
            padding=4,
        )
        return [
            self.user(d.school, school),
            self.fixed(TITLE[:1].upper() + TITLE[1:], title),
            Paragraph(
                f"Case reference <b>{escape(d.reference)}</b> · {fonts.markup(d.category)}",
                reference,
            ),
            marking,
            Spacer(1, 12),
        ]

    def _table(self, rows: list[list[Any]], heights: list[float | None]) -> Table:
        table = Table(rows, colWidths=[LABEL_W, VALUE_W], rowHeights=heights, splitInRow=1)
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOX", (0, 0), (-1, -1), 1.0, INK),
            ("INNERGRID", (0, 0), (-1, -1), GRID, INK),
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            # The part headings span both columns.
            ("SPAN", (0, 0), (1, 0)),
            ("BACKGROUND", (0, 0), (1, 0), SHADE),
        ]
        table.setStyle(TableStyle(commands))
        return table

    def row(self, label: str, value: Any) -> list[Any]:
        return [self.fixed(label, self.label), value]

    def first_part(self) -> Table:
        report = self.data.report
        e = report.entry
        urls = [str(u) for u in e.get("urls") or []]
        url_cell: Any = [self.user(u) for u in urls] if urls else self.user("", empty="Not known")
        seen = str(e.get("seen_on") or "")
        when = uk_datetime(seen) if "T" in seen else uk_date(seen)
        submitter = e.get("submitted_by_name") or (
            report.submitted.name if report.submitted else ""
        )
        rows: list[list[Any]] = [
            [self.fixed("Submitted by a member of staff", self.part), ""],
            self.row("Staff name (submitting report):", self.user(submitter)),
            self.row(
                "Name of individual accessing inappropriate content (if known):",
                self.user(e.get("accessed_by"), empty="Not known"),
            ),
            self.row("Date:", self.fixed(when, self.value)),
            self.row("Full URL(s):", url_cell),
            self.row("Nature of inappropriate content:", self.user(e.get("nature"))),
            self.row("Signature:", self.signed(report.submitted, "Submitted and signed")),
        ]
        return self._table(rows, [None] * len(rows))

    def officer_part(self) -> Table:
        report = self.data.report
        officer = report.officer
        head = [self.fixed("To be completed by e-safety officer", self.part), ""]
        if officer is None:
            blank = self.fixed("", self.value)
            rows: list[list[Any]] = [
                head,
                self.row(
                    "Action taken:", self.fixed("Not yet completed in SafeLog.", self.s.muted)
                ),
                self.row("Staff name:", blank),
                self.row("Date:", blank),
                self.row("Signature:", blank),
            ]
            return self._table(rows, [None, 84, 26, 26, 40])  # room to write by hand
        officer_name = officer.get("by_name") or (report.completed.name if report.completed else "")
        rows = [
            head,
            self.row("Action taken:", self.user(officer.get("action_taken"))),
            self.row("Staff name:", self.user(officer_name)),
            self.row("Date:", self.fixed(uk_date(officer.get("on")), self.value)),
            self.row("Signature:", self.signed(report.completed, "Signed")),
        ]
        return self._table(rows, [None] * len(rows))

    def foot(self) -> list[Flowable]:
        d = self.data
        text = (
            f"Printed from SafeLog by <b>{fonts.markup(d.printed_by)}</b> on "
            f"{escape(uk_datetime(d.printed_at))} (UK time). This printout is not itself "
            "signed: the signatures are on the case record in SafeLog, where the history of "
            f"case {escape(d.reference)} shows each version and who signed it. "
            f"Report {escape(d.report.id)}."
        )
        return [Spacer(1, 12), Paragraph(text, self.s.muted)]

    def story(self) -> list[Flowable]:
        return [
            *self.heading(),
            self.first_part(),
            Spacer(1, 14),
            KeepTogether([self.officer_part()]),
            *self.foot(),
        ]


def render_content_form(data: ContentFormData) -> RenderedForm:
    """One report as an A4 PDF, in memory."""
    fonts.register_fonts()
    form = _Form(data)
    buffer = io.BytesIO()
    doc = a4_document(
        buffer,
        title=f"{TITLE[:1].upper() + TITLE[1:]}, case {data.reference}",
        school=data.school,
        subject=f"{MARKING}: inappropriate content report",
    )
    doc.build(form.story(), canvasmaker=numbered_canvas(data.reference, data.school))
    pages = int(getattr(doc.canv, "page_total", 0)) or doc.page
    return RenderedForm(pdf=buffer.getvalue(), pages=pages)
