"""Words on the printed pages: UK dates and times, file sizes, fingerprints in groups, and
`Text`, which turns values into Paragraphs. Every string a person typed reaches a Paragraph
only through `Text` and `fonts.markup`, which escapes it (xml.sax.saxutils.escape) and, when
the file is pseudonymised, replaces the names of other pupils first (safelog.export.redact).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from safelog.domain.retention import MONTHS, plain_date
from safelog.export import fonts
from safelog.export.pages import Styles
from safelog.export.redact import Pseudonymiser

# -- dates, sizes and fingerprints ---------------------------------------------------------


def _london(value: datetime) -> datetime:
    from safelog.domain.deadlines import LONDON

    if value.tzinfo is None:
        return value
    return value.astimezone(LONDON)


def uk_datetime(value: datetime | str | None, short: bool = False) -> str:
    """'20 November 2026, 15:30 GMT' (UK time; 'Nov' when short), or '' for nothing."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    local = _london(value)
    zone = local.tzname() or ""
    month = MONTHS[local.month - 1]
    month = month[:3] if short else month
    return f"{local.day} {month} {local.year}, {local:%H:%M} {zone}".strip()


def uk_date(value: date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    return plain_date(value)


def uk_when(value: date | datetime | str | None) -> str:
    """A day ('20 November 2026') or a moment ('20 November 2026, 15:30 GMT'), as given: a
    time someone entered may be either (evidence 'seen at')."""
    if isinstance(value, datetime):
        return uk_datetime(value)
    if isinstance(value, date) or (isinstance(value, str) and len(value.strip()) == 10):
        return uk_date(value.strip() if isinstance(value, str) else value)
    return uk_datetime(value)


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    units = ("KB", "MB", "GB")
    value = float(size)
    for unit in units:
        value /= 1024
        if value < 1024 or unit == units[-1]:
            return f"{value:.1f} {unit} ({size:,} bytes)"
    return f"{size:,} bytes"


def grouped(hex_digest: str) -> str:
    return " ".join(hex_digest[i : i + 8] for i in range(0, len(hex_digest), 8))


# -- values into paragraphs ----------------------------------------------------------------


class Text:
    """Turns values into Paragraphs: user text escaped (and pseudonymised), never raw."""

    def __init__(self, styles: Styles, names: Pseudonymiser) -> None:
        self.s = styles
        self.names = names

    def user(self, value: Any, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of text someone typed."""
        text = fonts.markup(self.names.text(value))
        return Paragraph(text or "&nbsp;", style or self.s.body)

    def name(self, value: Any, style: ParagraphStyle | None = None) -> Paragraph:
        text = fonts.markup(self.names.name(str(value or "")))
        return Paragraph(text or "&nbsp;", style or self.s.cell)

    def mixed(self, parts: Sequence[tuple[str, Any]], style: ParagraphStyle) -> Paragraph:
        """Parts of ('label', fixed text) and ('user', typed text), in one paragraph; labels
        are SafeLog's own words (escaped all the same), set in bold."""
        out: list[str] = []
        for kind, value in parts:
            if kind == "label":
                out.append(f"<b>{escape(str(value))}</b>")
            elif kind == "plain":
                out.append(escape(str(value)))
            else:
                out.append(fonts.markup(self.names.text(value)))
        return Paragraph("".join(out) or "&nbsp;", style)

    def fixed(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """SafeLog's own words (escaped; may carry <b>/<br/> only through `rich`)."""
        return Paragraph(escape(text), style or self.s.body)

    def rich(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        """SafeLog's own markup, written in the section modules; never holds user text
        unescaped."""
        return Paragraph(markup, style or self.s.body)


def signed_by(t: Text, s: Styles, signer: str, box: Flowable) -> list[Flowable]:
    """The end of a cover: who signed, the box their visible signature goes in, and where
    to read how to check it (the case file's and the pupil's chronology alike)."""
    return [
        t.mixed(
            [
                ("plain", "Signed by "),
                ("user", signer),
                ("plain", " with a certificate issued by the school's own certificate authority:"),
            ],
            s.small,
        ),
        Spacer(1, 4),
        box,
        Spacer(1, 8),
        t.fixed(
            "How to check that this file is genuine and unaltered: see the last page.", s.muted
        ),
        PageBreak(),
    ]
