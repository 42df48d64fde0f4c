"""The inspection pack as a PDF (issue 15 point 3): the referrals to children's social care,
the LADO, the police and Prevent made in a date range, one table per route, with when each
was made, the external reference recorded with it, SafeLog's case reference, the outcome
and the pupils as initials and year group (domain/reports.py). No name appears."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, Paragraph

from safelog.domain.reports import REFERRAL_ROUTES, ReferralRow, route_title
from safelog.export import fonts
from safelog.export.casefile_model import RenderedCaseFile
from safelog.export.pages import FRAME_W, SignatureBox, Styles, ruled_table
from safelog.export.report_pages import ReportHeader, cover, render_report
from safelog.export.text import uk_datetime

TITLE = "Inspection pack: safeguarding referrals"

NOTICE = (
    "For the inspection team and the school's safeguarding staff. Pupils appear as initials "
    "and year group; the case references open the full records in SafeLog."
)
_WIDTHS = (0.16, 0.17, 0.17, 0.2, 0.14, 0.16)


def _referral_table(rows: list[ReferralRow], s: Styles) -> Flowable:
    head = ["Made", "Their reference", "SafeLog case", "Category", "Outcome", "Pupils"]
    cells = [[Paragraph(escape(h), s.head) for h in head]]
    for row in rows:
        values = [
            uk_datetime(row.made_at, short=True),
            row.external_reference or "none recorded",
            row.case_reference,
            row.category,
            row.outcome,
            row.pupils_shown or "none named",
        ]
        cells.append([Paragraph(fonts.markup(v), s.cell) for v in values])
    return ruled_table(cells, [FRAME_W * w for w in _WIDTHS])


def _story(rows: list[ReferralRow]) -> list[Flowable]:
    s = Styles()
    story: list[Flowable] = []
    for route in REFERRAL_ROUTES:
        mine = [r for r in rows if r.route == route.value]
        story.append(Paragraph(escape(f"{route_title(route.value)} ({len(mine)})"), s.h1))
        if mine:
            story.append(_referral_table(mine, s))
        else:
            story.append(Paragraph("No referrals were made on this route in the period.", s.body))
    return story


def render_inspection_pack(
    header: ReportHeader,
    rows: list[ReferralRow],
    head_note: str,
    problems: Sequence[str] = (),
) -> RenderedCaseFile:
    """Lay the pack out; the unsigned PDF, in memory."""
    counts = ", ".join(
        f"{route_title(r.value)}: {sum(1 for x in rows if x.route == r.value)}"
        for r in REFERRAL_ROUTES
    )
    facts = [
        ("Referrals", f"{len(rows)} ({counts})"),
        ("Concerns about the headteacher", head_note),
    ]
    if problems:
        facts.append(("Not included", "Failed SafeLog's checks: " + " ".join(problems)))

    def build(box: SignatureBox) -> list[Flowable]:
        return [*cover(header, NOTICE, facts, box), *_story(rows)]

    return render_report(header, build)
