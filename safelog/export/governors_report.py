"""The termly safeguarding report for the full governing body, as a PDF (issue 15 point 3).

Figures only (domain/reports.py): concerns by category, escalations by route with how many
met their deadlines, outcomes, and the last twelve months as two bar charts drawn with
reportlab's own graphics. No name and no case reference appears anywhere. The audit log's
checkpoint (its number of entries and the hash of the last one, as checked when the report
was made) is printed, so governors can later tell the log was not rewritten: a later
report must show at least as many entries, and SafeLog can be asked for the hash of entry N
at any time (`safelog audit verify` checks the whole chain up to the head it prints).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.platypus import Flowable, Paragraph, Spacer

from safelog.domain.reports import GovernorsFigures
from safelog.export import fonts
from safelog.export.casefile_model import RenderedCaseFile
from safelog.export.pages import (
    ACCENT,
    FRAME_W,
    INK,
    MUTED,
    RULE,
    SignatureBox,
    Styles,
    ruled_table,
)
from safelog.export.report_pages import ReportHeader, cover, render_report
from safelog.export.text import grouped

TITLE = "Termly safeguarding report for governors"

NOTICE = (
    "For the governing body. It holds figures only, no names; keep it with the governors' "
    "papers and share it only as the school's safeguarding and data-protection policies allow."
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CHART_H = 150.0


@dataclass(frozen=True)
class AuditCheckpoint:
    entries: int
    head: str  # hex SHA-256 of the last entry


def _table(rows: list[list[str]], widths: list[float], s: Styles) -> Flowable:
    head, *body = rows
    cells = [[Paragraph(escape(v), s.head) for v in head]]
    cells += [[Paragraph(fonts.markup(v), s.cell) for v in row] for row in body]
    return ruled_table(cells, [FRAME_W * w for w in widths])


def month_chart(title: str, figures: GovernorsFigures, values: list[int]) -> Drawing:
    """Twelve bars, one a month, with the count above each bar."""
    drawing = Drawing(FRAME_W, CHART_H + 24)
    heading = String(0, CHART_H + 10, title, fontName=fonts.SANS_BOLD, fontSize=10)
    heading.fillColor = INK
    drawing.add(heading)
    chart = VerticalBarChart()
    chart.x, chart.y = 28, 24
    chart.width, chart.height = FRAME_W - 40, CHART_H - 40
    chart.data = [values]
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.barSpacing = 2
    chart.groupSpacing = 8
    top = max(values) if values and max(values) > 0 else 1
    step = max(1, -(-top // 5))  # whole numbers: a count is never 2.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = step * (-(-top // step)) + (step if top % step == 0 else 0)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = fonts.SANS
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = RULE
    chart.valueAxis.gridStrokeWidth = 0.3
    chart.categoryAxis.categoryNames = [
        f"{_MONTHS[m.month - 1]} {m.year % 100:02d}" for m in figures.months
    ]
    chart.categoryAxis.labels.fontName = fonts.SANS
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.labels.dy = -3
    chart.categoryAxis.strokeColor = RULE
    chart.barLabelFormat = lambda v: str(int(v)) if v else ""
    chart.barLabels.fontName = fonts.SANS
    chart.barLabels.fontSize = 7.5
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _story(figures: GovernorsFigures, checkpoint: AuditCheckpoint) -> list[Flowable]:
    s = Styles()
    story: list[Flowable] = [
        Paragraph("Summary", s.h1),
        Paragraph(
            escape(
                f"{_plural(figures.concerns, 'concern')} raised in the period. " + figures.in_words
            ),
            s.body,
        ),
        Paragraph(escape(figures.copy.head_note), s.muted),
        Paragraph("Concerns by category", s.h1),
    ]
    if figures.by_category:
        rows = [["Category", "Concerns"]] + [[c, str(n)] for c, n in figures.by_category]
        story.append(_table(rows, [0.8, 0.2], s))
    else:
        story.append(Paragraph("No concerns were raised in the period.", s.body))

    story.append(Paragraph("Escalations by route", s.h1))
    story.append(
        Paragraph(
            "Escalations made in the period, whichever term the concern was raised in. "
            "<i>Not made by the deadline</i> counts the escalations the rules required whose "
            "deadline fell in the period and that were not made by then (made later, or not "
            "at all).",
            s.muted,
        )
    )
    if figures.routes or figures.outstanding:
        rows = [["Route", "Made", "Within deadline", "Late", "No deadline",
                 "Not made by the deadline"]]  # fmt: skip
        rows += [
            [r.title, str(r.made), str(r.met), str(r.missed), str(r.no_deadline),
             str(r.outstanding)]
            for r in figures.routes
        ]  # fmt: skip
        rows.append(
            [
                "All routes",
                str(figures.escalations_made),
                str(figures.deadlines_met),
                str(figures.made_late),
                str(figures.no_deadline),
                str(figures.outstanding),
            ]
        )
        story.append(_table(rows, [0.3, 0.1, 0.15, 0.1, 0.15, 0.2], s))
    else:
        story.append(Paragraph("No escalations were made in the period.", s.body))

    story.append(Paragraph("Outcomes of the concerns raised in the period", s.h1))
    if figures.outcomes:
        rows = [["Outcome", "Concerns"]] + [[o, str(n)] for o, n in figures.outcomes]
        story.append(_table(rows, [0.8, 0.2], s))
    else:
        story.append(Paragraph("No concerns were raised in the period.", s.body))

    story += [
        Paragraph("The last twelve months", s.h1),
        month_chart("Concerns raised each month", figures, figures.concerns_by_month),
        Spacer(1, 10),
        month_chart(
            "Referrals to children's social care, the LADO, the police and Prevent each month",
            figures,
            figures.referrals_by_month,
        ),
        Paragraph("The audit log's checkpoint", s.h1),
        Paragraph(
            escape(
                "When this report was made, SafeLog checked every entry of the school's audit "
                f"log, each signed and chained to the one before: {checkpoint.entries} entries, "
                "the last with this hash (SHA-256):"
            ),
            s.body,
        ),
        Paragraph(escape(grouped(checkpoint.head)), s.mono),
        Spacer(1, 4),
        Paragraph(
            "Keep this page. The log is only ever added to: a later report must show more "
            "entries, and entry number "
            f"{checkpoint.entries} must still have this hash (the DSL can show it with "
            '<font name="SafeLogMono">safelog report checkpoint --entry '
            f"{checkpoint.entries}</font>). If it does not, the log has been rewritten since "
            "this report was made.",
            s.muted,
        ),
    ]
    return story


def render_governors_report(
    header: ReportHeader,
    figures: GovernorsFigures,
    checkpoint: AuditCheckpoint,
    problems: Sequence[str] = (),
) -> RenderedCaseFile:
    """Lay the report out; the unsigned PDF, in memory."""
    rows = [
        ("Concerns raised", str(figures.concerns)),
        (
            "Escalations",
            figures.in_words,
        ),
        ("Audit log", f"{checkpoint.entries} entries, checked"),
        ("Concerns about the headteacher", figures.copy.head_note),
    ]
    if problems:  # never their references: a reference can be matched to a child
        rows.append(
            (
                "Not counted",
                f"{_plural(len(problems), 'case')} failed SafeLog's checks and "
                f"{'is' if len(problems) == 1 else 'are'} not counted; SafeLog named "
                f"{'it' if len(problems) == 1 else 'them'} to whoever made this report.",
            )
        )

    def build(box: SignatureBox) -> list[Flowable]:
        return [*cover(header, NOTICE, rows, box), *_story(figures, checkpoint)]

    return render_report(header, build)
