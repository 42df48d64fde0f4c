"""The case file's pages, laid out with ReportLab platypus (DESIGN §5).

`render_case_file` turns a `CaseFileData` (plain values, decrypted in memory by
safelog.vault.export) into an unsigned PDF held in memory, plus the originals to attach, the
machine-readable manifest of their hashes and the rectangle on the cover where the visible
signature goes. Nothing is written to disk here; images are decoded from memory.

Every string a person typed reaches a Paragraph only through `_para`/`fonts.markup`, which
escapes it (xml.sax.saxutils.escape) and, when the case file is pseudonymised, replaces the
names of other pupils first.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import unicodedata
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image, ImageOps
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from safelog.domain.retention import MONTHS, plain_date
from safelog.export import fonts
from safelog.export.options import ExportOptions
from safelog.export.redact import Pseudonymiser

MARKING = "OFFICIAL-SENSITIVE"
MANIFEST_NAME = "safelog-manifest.json"  # shown to readers
MANIFEST_KEY = "0000-safelog-manifest.json"  # its key among the attachments (sorts first)
MANIFEST_FORMAT = "safelog-case-file/1"

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

# Images are drawn at most this sharp (dots per inch at their size on the page); larger
# ones (camera photos) are scaled down, screenshots are drawn as they are. The original,
# full resolution, is attached.
IMAGE_DPI = 300
IMAGE_ZLIB_LEVEL = 3  # lossless either way; as small as level 6 on screenshots, twice as fast
# Decompression bombs: an image whose header claims more pixels than this is never decoded
# (the same limit as evidence intake, below Pillow's own MAX_IMAGE_PIXELS warning threshold;
# Pillow's DecompressionBombWarning is turned into an error while decoding here).
MAX_IMAGE_PIXELS = 80_000_000
IMAGE_MAX_H = FRAME_H - 150
IMAGE_PART_H = FRAME_H - 110  # one part of a tall image: a page, less its heading
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")  # the only decoders used
MAX_POINTS_PER_PIXEL = 1.5  # small images are enlarged at most this much

INK = colors.HexColor("#1B1B1B")
MUTED = colors.HexColor("#555555")
ACCENT = colors.HexColor("#1F3A5F")
RULE = colors.HexColor("#B8C2CC")
SHADE = colors.HexColor("#EEF1F5")
MARK_RED = colors.HexColor("#A4001D")

# Media types whose bytes are already compressed: attached as they are.
_COMPRESSED = ("image/", "video/", "audio/", "application/pdf", "application/zip")


# -- the data a case file is made from -------------------------------------------------------


@dataclass(frozen=True)
class EvidenceEntry:
    number: int
    id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    added_by: str
    added_at: datetime
    metadata: dict[str, Any]
    data: bytes | None = None  # the original, when it was read for this export
    attach: bool = False
    not_attached: str = ""  # why the original is not attached, in plain words
    show_image: bool = False
    not_shown: str = ""  # why an image is not drawn


@dataclass(frozen=True)
class HistoryLine:
    number: int
    author: str
    at: datetime
    changed: tuple[str, ...]
    rekeyed: bool = False


@dataclass(frozen=True)
class AuditLine:
    seq: int
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]


@dataclass
class CaseFileData:
    school: str
    reference: str
    exported_by: str
    exported_by_roles: str
    exported_at: datetime
    fields: Mapping[str, Any]
    reporter: str | None = None
    subjects: list[str] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[EvidenceEntry] = field(default_factory=list)
    history: list[HistoryLine] = field(default_factory=list)
    audit: list[AuditLine] = field(default_factory=list)
    readers: list[str] = field(default_factory=list)
    ca_fingerprint: str = ""  # SHA-256 of the school CA certificate (DER), hex
    ca_subject: str = ""
    timestamp_url: str | None = None  # set when a timestamp server will be asked


@dataclass(frozen=True)
class Attachment:
    key: str  # ASCII key in the PDF's list of attachments; sorts in evidence order
    name: str  # the name a reader sees, as printed in the evidence index
    data: bytes
    media_type: str
    sha256: str
    description: str
    compress: bool


@dataclass
class RenderedCaseFile:
    pdf: bytes
    pages: int
    signature_page: int  # 0-based
    signature_box: tuple[float, float, float, float]  # x1, y1, x2, y2 in points
    attachments: list[Attachment]
    manifest: dict[str, Any]


Step = Callable[[str], None]


# -- words --------------------------------------------------------------------------------


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


def _label(enum_name: str, value: Any) -> str:
    from safelog.domain import outcomes

    enum = getattr(outcomes, enum_name)
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value or "")


def _outcome_label(code: str) -> str:
    from safelog.domain.outcomes import AllegationOutcome, CaseOutcome

    for enum in (AllegationOutcome, CaseOutcome):
        try:
            return str(enum(code).label)
        except ValueError:
            continue
    return code


_FIELD_WORDS = {
    "category": "category",
    "summary": "summary",
    "description": "description",
    "occurred_at": "when it happened",
    "platform": "platform",
    "url": "web address",
    "subjects": "who it is about",
    "people": "people",
    "reporter": "reporter",
    "status": "status",
    "acknowledged": "acknowledged",
    "escalations": "escalations",
    "escalated_to_leadership": "escalated to leadership",
    "about_headteacher": "about the headteacher",
    "chronology": "chronology",
    "actions": "actions",
    "decisions": "decisions",
    "outcome": "outcome",
    "content_reports": "inappropriate content reports",
    "replies": "replies to the reporter",
    "evidence_sightings": "evidence added again",
    "image_reports": "reports of images not stored",
    "allegation_outcome": "allegation outcome",
    "outcome_note": "outcome note",
}

_ACTION_WORDS = {
    "case.create": "Case recorded",
    "case.view": "Case opened and read",
    "case.update": "Case changed",
    "case.acknowledge": "Acknowledged by the DSL",
    "case.chronology": "Chronology entry added",
    "case.action": "Action added",
    "case.action-done": "Action completed",
    "case.decision": "Decision recorded",
    "case.escalation": "Escalation recorded",
    "case.outcome": "Outcome recorded",
    "case.status": "Status changed",
    "case.export": "Case file exported",
    "case.print": "Working copy printed",
    "case.content-report": "Inappropriate content report submitted",
    "case.content-report-complete": "Content report completed by the e-safety officer",
    "case.form-print": "Content report form saved to print",
    "case.seal-from-reporter": "Report sealed from its reporter",
    "case.receipt-view": "Report receipt read by its reporter",
    "case.reply-to-reporter": "Reply sent to the reporter",
    "case.image-report": "Image reported and not stored",
    "case.evidence-list": "Evidence list viewed",
    "evidence.sighting": "Evidence added again (the same file)",
    "evidence.add": "Evidence added",
    "evidence.view": "Evidence viewed",
    "evidence.extract": "Evidence original saved to a file",
    "evidence.export": "Evidence read for a case file",
}


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


class _Text:
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
        """SafeLog's own markup, written in this module; never holds user text unescaped."""
        return Paragraph(markup, style or self.s.body)


def _table(
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


@dataclass
class _Probe:
    width: int = 0
    height: int = 0
    problem: str = ""


def probe_image(data: bytes) -> _Probe:
    """Read only the image's header: its size, or why it cannot be drawn."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _Probe(problem="it is far too large to draw safely")
    except Exception:  # any decoder failure means "cannot be shown"
        return _Probe(problem="it could not be read as an image")
    if width <= 0 or height <= 0:
        return _Probe(problem="it has no pixels")
    if width * height > MAX_IMAGE_PIXELS:
        return _Probe(
            width, height, f"it is too large to draw safely ({width:,} × {height:,} pixels)"
        )
    return _Probe(width, height)


def decode_for_page(data: bytes, width_pt: float, height_pt: float) -> Image.Image:
    """Decode in memory, upright, RGB on white, scaled down to IMAGE_DPI at the size drawn."""
    target = (
        max(1, math.ceil(width_pt / 72 * IMAGE_DPI)),
        max(1, math.ceil(height_pt / 72 * IMAGE_DPI)),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image: Image.Image = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise ValueError("too many pixels")
        image.draft("RGB", target)  # JPEG: decode at a reduced scale directly
        image = ImageOps.exif_transpose(image) or image
        if image.width > target[0] or image.height > target[1]:
            image.thumbnail(target, Image.Resampling.BICUBIC, reducing_gap=2.0)
        if image.mode in ("RGBA", "LA", "PA") or (
            image.mode == "P" and "transparency" in image.info
        ):
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        if image.mode not in ("RGB", "L"):
            return image.convert("RGB")
        image.load()
        return image


class _Decoder:
    """Prepares the evidence images on worker threads, a few ahead of the page being drawn:
    each is decoded, cut into its parts and compressed there (Pillow and zlib release the
    GIL, so this runs beside the layout and on both cores), and let go at once; only the
    compressed parts wait to be placed. An image of more than PREFETCH_PIXELS is prepared
    only when its page is drawn, so at most one such is decoded at a time."""

    WORKERS = 2
    PREFETCH = 4
    PREFETCH_PIXELS = 16_000_000

    def __init__(self) -> None:
        self.pictures: list[_Picture] = []
        self._pool: ThreadPoolExecutor | None = None

    def add(self, picture: _Picture) -> None:
        picture.index = len(self.pictures)
        self.pictures.append(picture)

    def start(self) -> None:
        self.ahead(-1)

    def ahead(self, index: int) -> None:
        for picture in self.pictures[index + 1 : index + 1 + self.PREFETCH]:
            if picture.future is None and picture.pixels <= self.PREFETCH_PIXELS:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        self.WORKERS, thread_name_prefix="casefile-images"
                    )
                picture.future = self._pool.submit(picture.prepare)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        for picture in self.pictures:
            picture.release()


@dataclass(frozen=True)
class _Part:
    width: int
    height: int
    gray: bool
    stream: bytes  # zlib-compressed pixel rows


_Parts = list[_Part] | None


class _Picture:
    """One evidence image: its original bytes until prepared, then its compressed parts
    until drawn."""

    def __init__(
        self,
        data: bytes,
        width_pt: float,
        height_pt: float,
        parts: int,
        pixels: int,
        decoder: _Decoder,
    ) -> None:
        self.data = data
        self.size = (width_pt, height_pt)
        self.parts = parts
        self.pixels = pixels
        self.decoder = decoder
        self.index = 0
        self.future: Future[_Parts] | None = None
        self.prepared: _Parts = None
        self.done = False
        decoder.add(self)

    def prepare(self) -> _Parts:
        try:
            image = decode_for_page(self.data, *self.size)
        except Exception:  # a damaged image must not stop the case file
            return None
        try:
            out = []
            for index in range(self.parts):
                top = round(image.height * index / self.parts)
                bottom = round(image.height * (index + 1) / self.parts)
                part = image if self.parts == 1 else image.crop((0, top, image.width, bottom))
                out.append(
                    _Part(
                        part.width,
                        part.height,
                        part.mode == "L",
                        zlib.compress(part.tobytes(), IMAGE_ZLIB_LEVEL),
                    )
                )
            return out
        finally:
            image.close()

    def get(self) -> _Parts:
        if not self.done:
            self.decoder.ahead(self.index)
            self.prepared = self.future.result() if self.future is not None else self.prepare()
            self.done = True
            self.data = b""
        return self.prepared

    def release(self) -> None:
        if self.future is not None:
            self.future.cancel()
        self.future = None
        self.prepared = None
        self.data = b""
        self.done = True


def _place_image(canvas: Canvas, name: str, part: _Part, width: float, height: float) -> None:
    """Draw already-compressed pixels as an image XObject, as Canvas.drawImage does after it
    has compressed them itself (ReportLab has no public way to hand over compressed data)."""
    from reportlab.pdfbase import pdfdoc

    registered = canvas._doc.getXObjectName(name)
    image = canvas._doc.idToObject.get(registered)
    if image is None:
        image = pdfdoc.PDFImageXObject(name)
        image.width, image.height = part.width, part.height
        image.bitsPerComponent = 8
        image.colorSpace = "DeviceGray" if part.gray else "DeviceRGB"
        image._filters = ("FlateDecode",)
        image.streamContent = part.stream
        image.mask = None
        image.name = name
        canvas._setXObjects(image)
        canvas._doc.Reference(image, registered)
        canvas._doc.addForm(name, image)
    canvas._currentPageHasImages = 1
    canvas.saveState()
    canvas.scale(width, height)
    canvas._code.append(f"/{registered} Do")
    canvas.restoreState()
    canvas._formsinuse.append(name)  # so the page's resources name it


def is_wide(width_px: int, height_px: int) -> bool:
    """A desktop screenshot or a landscape photo: drawn on a landscape page, where it is
    about half as large again as across a portrait page."""
    return width_px >= 1.25 * height_px and width_px > FRAME_W


def wide_size(width_px: int, height_px: int, reserve: float = 80) -> tuple[float, float]:
    """Size on a landscape page, leaving `reserve` points for the headings above it."""
    scale = min(WIDE_FRAME_W / width_px, (WIDE_FRAME_H - reserve) / height_px, MAX_POINTS_PER_PIXEL)
    return width_px * scale, height_px * scale


def image_parts(width_px: int, height_px: int) -> tuple[float, float, int]:
    """How an image is drawn: (width, height) in points of the whole picture, and in how
    many parts. A phone screenshot is shrunk to fit a page (it stays about a phone's size);
    a scrolled conversation, too tall for that, is drawn in parts of at most a page each
    rather than as an unreadable strip."""
    scale = min(FRAME_W / width_px, MAX_POINTS_PER_PIXEL)
    width, height = width_px * scale, height_px * scale
    if height <= IMAGE_MAX_H:
        return width, height, 1
    fitted = IMAGE_MAX_H / height_px
    if width_px * fitted >= 0.45 * FRAME_W:
        return width_px * fitted, IMAGE_MAX_H, 1
    # Narrow (phone) captures at about a phone's width, wide ones across the page.
    width = min(width, 0.6 * FRAME_W if width_px <= 1440 else FRAME_W)
    height = height_px * width / width_px
    return width, height, math.ceil(height / IMAGE_PART_H)


class EvidenceImage(Flowable):
    """One part (a horizontal band) of an evidence image, drawn from its prepared pixels."""

    def __init__(
        self,
        picture: _Picture,
        part: int,
        name: str,
        attachment: str | None,
        step: Step | None,
    ) -> None:
        super().__init__()
        self.picture = picture
        self.part = part
        self.name = name
        self.step = step
        self.attachment = attachment
        self.width = picture.size[0]
        self.height = picture.size[1] / picture.parts

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        parts = self.picture.get()
        if parts is None:
            _draw_not_shown(canvas, self.width, self.height, self.attachment)
        else:
            _place_image(canvas, self.name, parts[self.part], self.width, self.height)
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.5)
            canvas.rect(0, 0, self.width, self.height)
        if self.part == self.picture.parts - 1:
            self.picture.release()
            if self.step is not None:
                self.step("Drawing the evidence images")


def _draw_not_shown(canvas: Canvas, width: float, height: float, attachment: str | None) -> None:
    canvas.saveState()
    canvas.setFillColor(SHADE)
    canvas.setStrokeColor(RULE)
    canvas.rect(0, 0, width, height, fill=1)
    canvas.setFillColor(INK)
    canvas.setFont(fonts.SANS_BOLD, 10)
    canvas.drawCentredString(width / 2, height / 2 + 6, "This image could not be shown.")
    canvas.setFont(fonts.SANS, 9)
    where = "The original is attached to this file." if attachment else "See the evidence index."
    canvas.drawCentredString(width / 2, height / 2 - 10, where)
    canvas.restoreState()


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


# -- the sections ---------------------------------------------------------------------------


class _Builder:
    def __init__(self, data: CaseFileData, options: ExportOptions, step: Step | None) -> None:
        self.data = data
        self.options = options
        self.step = step
        self.s = Styles()
        self.names = Pseudonymiser(data.fields.get("people") or [], options.pseudonymise)
        self.t = _Text(self.s, self.names)
        self.signature = SignatureBox(*SIGNATURE_BOX)
        self.sections = 0
        self.decoder = _Decoder()
        self.attachments: list[Attachment] = []
        self.attachment_names: dict[int, str] = {}
        for entry in data.evidence:
            if entry.attach and entry.data is not None:
                name = f"{entry.number:02d}-{self.names.text(entry.file_name)}"
                self.attachment_names[entry.number] = name
                self.attachments.append(
                    Attachment(
                        key=attachment_key(entry.number, name),
                        name=name,
                        data=entry.data,
                        media_type=entry.media_type,
                        sha256=entry.sha256,
                        description=f"Evidence {entry.number} of case {data.reference}",
                        compress=not entry.media_type.startswith(_COMPRESSED),
                    )
                )

    # helpers
    def h1(self, text: str) -> Paragraph:
        return self.t.fixed(text, self.s.h1)

    def section(self, title: str) -> Paragraph:
        self.sections += 1
        return self.h1(f"{self.sections}. {title}")

    def empty(self, text: str) -> Paragraph:
        return self.t.fixed(text, self.s.muted)

    def kv(self, rows: list[tuple[str, Any]], label_width: float = 130) -> Table:
        body = [[self.t.fixed(k, self.s.cell_bold), v] for k, v in rows]
        return _table(body, [label_width, FRAME_W - label_width], header=False)

    def field(self, name: str) -> Any:
        return self.data.fields.get(name)

    # sections
    def cover(self) -> list[Flowable]:
        d, s, t = self.data, self.s, self.t
        fields = d.fields
        title = _category_title(fields.get("category"))
        story: list[Flowable] = [
            Spacer(1, 6),
            t.user(d.school, s.school),
            t.fixed("Safeguarding case file", s.title),
            t.rich(f"Case reference {escape(d.reference)}", s.reference),
        ]
        marking = Table(
            [
                [t.fixed(MARKING, s.marking)],
                [
                    t.fixed(
                        "This file holds personal and sensitive information about children and "
                        "adults. Keep it, share it and destroy it only as your safeguarding and "
                        "data-protection policies allow.",
                        ParagraphStyle("mk", parent=s.cell, alignment=TA_CENTER),
                    )
                ],
            ],
            colWidths=[FRAME_W],
        )
        marking.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1.2, MARK_RED),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        story += [marking, Spacer(1, 16)]
        roles = f" ({d.exported_by_roles})" if d.exported_by_roles else ""
        contents = [
            f"{len(d.evidence)} evidence item{'s' if len(d.evidence) != 1 else ''}",
            "images shown" if self.options.include_images else "images not shown",
            f"{len(self.attachments)} original{'s' if len(self.attachments) != 1 else ''} attached",
        ]
        rows: list[tuple[str, Any]] = [
            ("Category", t.user(title, s.cell)),
            ("Summary", t.user(fields.get("summary", ""), s.cell)),
            ("Status", t.fixed(_label("CaseStatus", fields.get("status", "")), s.cell)),
            ("Exported by", t.mixed([("user", d.exported_by), ("plain", roles)], s.cell)),
            ("Exported on", t.fixed(uk_datetime(d.exported_at) + " (UK time)", s.cell)),
            ("Contents", t.fixed("; ".join(contents) + ".", s.cell)),
        ]
        if self.options.pseudonymise:
            rows.append(
                (
                    "Pseudonymised",
                    t.fixed(
                        "Other pupils appear as Pupil A, Pupil B, ... wherever their recorded "
                        "name appears in the text. Images and attached originals are not "
                        "altered and may still show names.",
                        s.cell,
                    ),
                )
            )
        if self.options.password:
            rows.append(("Protection", t.fixed("Opened with a password (AES-256).", s.cell)))
        story += [self.kv(rows, 110), Spacer(1, 22)]
        story.append(
            t.mixed(
                [
                    ("plain", "Signed by "),
                    ("user", d.exported_by),
                    (
                        "plain",
                        " with a certificate issued by the school's own certificate authority:",
                    ),
                ],
                s.small,
            )
        )
        story += [Spacer(1, 4), self.signature, Spacer(1, 8)]
        story.append(
            t.fixed(
                "How to check that this file is genuine and unaltered: see the last page.",
                s.muted,
            )
        )
        story.append(PageBreak())
        return story

    def summary(self) -> list[Flowable]:
        d, s, t = self.data, self.s, self.t
        f = d.fields
        rows: list[tuple[str, Any]] = [
            ("Category", t.user(_category_title(f.get("category")), s.cell)),
            ("Summary", t.user(f.get("summary", ""), s.cell)),
            ("Status", t.fixed(_label("CaseStatus", f.get("status", "")), s.cell)),
        ]
        if f.get("occurred_at"):
            rows.append(("When it happened", t.fixed(uk_datetime(f["occurred_at"]), s.cell)))
        if f.get("platform"):
            rows.append(("Platform", t.user(f["platform"], s.cell)))
        if f.get("url"):
            rows.append(("Web address", t.user(f["url"], s.cell)))
        if d.reporter:
            rows.append(("Reported by", t.name(d.reporter)))
        if d.history:
            rows.append(("First recorded", t.fixed(uk_datetime(d.history[0].at), s.cell)))
        if d.subjects:
            rows.append(("About (staff)", t.user(", ".join(d.subjects), s.cell)))
        if f.get("about_headteacher"):
            rows.append(
                (
                    "Handled by",
                    t.fixed(
                        "The chair of governors: this concern is about the headteacher, who "
                        "cannot read it.",
                        s.cell,
                    ),
                )
            )
        if d.readers:
            rows.append(("Who can read it", t.user(", ".join(d.readers), s.cell)))
        story: list[Flowable] = [self.section("Summary"), self.kv(rows)]
        story += [self.t.fixed("What happened", s.h2)]
        story.append(t.user(f.get("description") or "(no description recorded)"))
        return story

    def people(self) -> list[Flowable]:
        s, t = self.s, self.t
        people = self.field("people") or []
        story: list[Flowable] = [self.section("People and their roles in this case")]
        if not people:
            return [*story, self.empty("No people are recorded on this case.")]
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("Name", "Who they are", "Role in this case", "Born")]
        ]
        for person in people:
            pseudonym = self.names.alias(person.get("name", ""))
            name_cell: Any = t.name(person.get("name", ""), s.cell_bold)
            if person.get("notes"):
                name_cell = [name_cell, t.user(person["notes"], s.small)]
            rows.append(
                [
                    name_cell,
                    t.fixed(_label("PersonKind", person.get("kind")), s.cell),
                    t.fixed(_label("PersonRole", person.get("role")), s.cell),
                    t.fixed(
                        "withheld" if pseudonym else uk_date(person.get("date_of_birth")),
                        s.cell,
                    ),
                ]
            )
        story.append(_table(rows, [FRAME_W * 0.36, FRAME_W * 0.21, FRAME_W * 0.23, FRAME_W * 0.20]))
        return story

    def chronology(self) -> list[Flowable]:
        s, t = self.s, self.t
        entries = self.field("chronology") or []
        story: list[Flowable] = [self.section("Chronology")]
        if not entries:
            story.append(self.empty("No chronology entries are recorded."))
        for entry in entries:
            when = uk_datetime(entry.get("occurred_at") or entry.get("recorded_at"))
            story.append(
                KeepTogether(
                    [
                        t.mixed(
                            [
                                ("label", when),
                                ("plain", " — recorded by "),
                                ("user", entry.get("recorded_by", "")),
                                ("plain", f", {uk_datetime(entry.get('recorded_at'))}"),
                            ],
                            ParagraphStyle("ce", parent=s.cell, spaceBefore=6),
                        ),
                        t.user(entry.get("text", ""), s.body),
                    ]
                )
            )
        actions = self.field("actions") or []
        if actions:
            story.append(t.fixed("Actions", s.h2))
            rows: list[list[Any]] = [
                [t.fixed(h, s.head) for h in ("Action", "Owner", "Due", "Done")]
            ]
            for action in actions:
                done = ""
                if action.get("done_at"):
                    done = f"{uk_datetime(action['done_at'])} by {action.get('done_by', '')}"
                    if action.get("done_note"):
                        done += f": {action['done_note']}"
                rows.append(
                    [
                        t.user(action.get("text", ""), s.cell),
                        t.user(action.get("owner", ""), s.cell),
                        t.fixed(uk_date(action.get("due")) or "—", s.cell),
                        t.user(done or "not yet", s.cell),
                    ]
                )
            story.append(
                _table(rows, [FRAME_W * 0.42, FRAME_W * 0.18, FRAME_W * 0.14, FRAME_W * 0.26])
            )
        return story

    def escalations(self) -> list[Flowable]:
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Escalations")]
        items = self.data.escalations
        if not items:
            return [*story, self.empty("No escalation routes apply to this case.")]
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("Route", "Due", "What was done", "Reference")]
        ]
        for item in items:
            title = item.get("title") or item.get("route", "")
            route_cell = [t.fixed(title, s.cell_bold)]
            route_cell.append(t.fixed("required" if item.get("required") else "suggested", s.muted))
            parts: list[tuple[str, Any]] = []
            if item.get("not_needed"):
                parts = [("label", "Not needed: "), ("user", item["not_needed"])]
            elif item.get("done_at"):
                parts = [("label", uk_datetime(item["done_at"]))]
                if item.get("told"):
                    parts += [("plain", " — told: "), ("user", item["told"])]
                if item.get("how"):
                    parts += [("plain", " ("), ("user", item["how"]), ("plain", ")")]
                if item.get("response"):
                    parts += [("plain", ". Response: "), ("user", item["response"])]
            else:
                parts = [("plain", "Not yet done.")]
            reference: Any = t.fixed("—", s.cell)
            if item.get("reference"):
                label = item.get("reference_label") or "Reference"
                reference = t.mixed([("label", f"{label}: "), ("user", item["reference"])], s.cell)
            rows.append(
                [
                    route_cell,
                    t.fixed(uk_datetime(item.get("due"), short=True) or "—", s.cell),
                    t.mixed(parts, s.cell),
                    reference,
                ]
            )
        story.append(_table(rows, [FRAME_W * 0.24, FRAME_W * 0.19, FRAME_W * 0.37, FRAME_W * 0.20]))
        return story

    def content_reports(self) -> list[Flowable]:
        """The Inappropriate Content Report Forms (policy 003, appendix b); no section when
        the case has none."""
        s, t = self.s, self.t
        reports = self.field("content_reports") or []
        if not reports:
            return []
        story: list[Flowable] = [self.section("Inappropriate content reports")]
        for number, entry in enumerate(reports, start=1):
            seen = str(entry.get("seen_on") or "")
            officer = entry.get("officer") or {}
            done: Any = t.fixed("Not yet completed.", s.cell)
            if officer:
                done = t.mixed(
                    [
                        ("user", officer.get("action_taken", "")),
                        ("plain", " — "),
                        ("user", officer.get("by_name", "")),
                        ("plain", f", {uk_date(officer.get('on'))}"),
                    ],
                    s.cell,
                )
            rows: list[tuple[str, Any]] = [
                (
                    "Submitted by",
                    t.mixed(
                        [
                            ("user", entry.get("submitted_by_name", "")),
                            ("plain", f", {uk_datetime(entry.get('submitted_at'))}"),
                        ],
                        s.cell,
                    ),
                ),
                ("Accessed by", t.name(entry.get("accessed_by") or "not known")),
                ("Date", t.fixed(uk_datetime(seen) if "T" in seen else uk_date(seen), s.cell)),
                ("Full URL(s)", t.user("\n".join(entry.get("urls") or []) or "—", s.cell)),
                ("Nature", t.user(entry.get("nature", ""), s.cell)),
                ("E-safety officer", done),
            ]
            story += [t.fixed(f"Report {number}", s.h2), self.kv(rows)]
        return story

    def decisions(self) -> list[Flowable]:
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Decisions and the reasons for them")]
        decisions = self.field("decisions") or []
        if not decisions:
            return [*story, self.empty("No decisions are recorded.")]
        for number, entry in enumerate(decisions, start=1):
            story.append(
                KeepTogether(
                    [
                        t.mixed(
                            [
                                ("label", f"Decision {number}: "),
                                ("user", entry.get("decision", "")),
                            ],
                            ParagraphStyle("dh", parent=s.body, spaceBefore=8),
                        ),
                        t.mixed([("label", "Reason: "), ("user", entry.get("reason", ""))], s.body),
                        t.mixed(
                            [
                                ("plain", "Recorded by "),
                                ("user", entry.get("recorded_by", "")),
                                ("plain", f", {uk_datetime(entry.get('recorded_at'))}"),
                            ],
                            s.muted,
                        ),
                    ]
                )
            )
        return story

    def outcome(self) -> list[Flowable]:
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Outcome")]
        outcome = self.field("outcome")
        if not outcome:
            return [*story, self.empty("No outcome has been recorded yet.")]
        if isinstance(outcome, dict):
            rows: list[tuple[str, Any]] = [
                ("Outcome", t.fixed(_outcome_label(str(outcome.get("code", ""))), s.cell_bold))
            ]
            if outcome.get("note"):
                rows.append(("Note", t.user(outcome["note"], s.cell)))
            rows.append(
                (
                    "Recorded",
                    t.mixed(
                        [
                            ("plain", "by "),
                            ("user", outcome.get("recorded_by", "")),
                            ("plain", f", {uk_datetime(outcome.get('recorded_at'))}"),
                        ],
                        s.cell,
                    ),
                )
            )
            story.append(self.kv(rows))
        else:
            story.append(t.user(outcome))
        return story

    def evidence_index(self) -> list[Flowable]:
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Evidence index")]
        if not self.data.evidence:
            return [*story, self.empty("No evidence is attached to this case.")]
        story.append(
            t.fixed(
                "Each item's SHA-256 fingerprint was recorded when it was added to SafeLog. The "
                "originals attached to this file have exactly these fingerprints: see the last "
                "page for how to check them.",
                s.small,
            )
        )
        story.append(Spacer(1, 6))
        sightings = self.sightings()
        for entry in self.data.evidence:
            meta = entry.metadata
            lines: list[Flowable] = [
                t.mixed([("label", "File: "), ("user", entry.file_name)], s.cell),
                t.fixed(f"Type: {entry.media_type} · Size: {file_size(entry.size)}", s.cell),
                t.mixed(
                    [
                        ("label", "Added by "),
                        ("user", entry.added_by),
                        ("plain", f", {uk_datetime(entry.added_at)}"),
                    ],
                    s.cell,
                ),
            ]
            original = meta.get("original_name")
            if original and original != entry.file_name:
                lines.append(t.mixed([("plain", "Original name: "), ("user", original)], s.cell))
            for key, label in (
                ("source_url", "Source"),
                ("platform", "Platform"),
                ("handle", "Account"),
                ("description", "Description"),
            ):
                if meta.get(key):
                    lines.append(t.mixed([("plain", f"{label}: "), ("user", meta[key])], s.cell))
            if meta.get("seen_at"):
                lines.append(t.fixed(f"Seen: {uk_when(meta['seen_at'])}", s.cell))
            if meta.get("device"):
                # The name of the computer it was added on (its host name).
                lines.append(t.mixed([("plain", "Computer: "), ("user", meta["device"])], s.muted))
            for sighting in sightings.get(entry.id, []):
                lines.append(self.sighting(sighting))
            lines.append(t.rich("SHA-256:", s.cell_bold))
            lines.append(t.rich(escape(entry.sha256), s.mono))
            name = self.attachment_names.get(entry.number)
            if name:
                lines.append(t.mixed([("plain", "Attached as: "), ("user", name)], s.cell))
            else:
                lines.append(
                    t.fixed(f"Not attached: {entry.not_attached or 'not chosen'}.", s.muted)
                )
            row = [[t.fixed(str(entry.number), s.cell_bold), lines]]
            table = Table(row, colWidths=[28, FRAME_W - 28], splitInRow=1)
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                        ("BACKGROUND", (0, 0), (0, -1), SHADE),
                        ("TOPPADDING", (0, 0), (-1, -1), 5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                    ]
                )
            )
            story.append(KeepTogether([table]))
        return story

    def sightings(self) -> dict[str, list[dict[str, Any]]]:
        """Later imports of the same file (same SHA-256), by evidence id, oldest first."""
        found: dict[str, list[dict[str, Any]]] = {}
        for sighting in self.field("evidence_sightings") or []:
            if isinstance(sighting, dict):
                found.setdefault(str(sighting.get("evidence_id")), []).append(sighting)
        return found

    def sighting(self, sighting: Mapping[str, Any]) -> Paragraph:
        """'Added again by Dana DSL, 2 December 2026, 05:38 GMT, as chat.png; seen: ...'."""
        parts: list[tuple[str, Any]] = [
            ("label", "Added again by "),
            ("user", sighting.get("recorded_by", "")),
            ("plain", f", {uk_datetime(sighting.get('recorded_at'))}"),
        ]
        if sighting.get("original_name"):
            parts += [("plain", ", as "), ("user", sighting["original_name"])]
        for key, label in (
            ("source_url", "source"),
            ("platform", "platform"),
            ("handle", "account"),
            ("description", "description"),
        ):
            if sighting.get(key):
                parts += [("plain", f"; {label}: "), ("user", sighting[key])]
        if sighting.get("seen_at"):
            parts.append(("plain", f"; seen: {uk_when(sighting['seen_at'])}"))
        if sighting.get("device"):
            parts += [("plain", "; computer: "), ("user", sighting["device"])]
        return self.t.mixed(parts, self.s.cell)

    def images(self) -> list[Flowable]:
        s, t = self.s, self.t
        entries = [e for e in self.data.evidence if e.media_type.startswith("image/")]
        if not entries:
            return []
        probes = {
            e.number: probe_image(e.data) for e in entries if e.show_image and e.data is not None
        }

        def wide(entry: EvidenceEntry) -> bool:
            probe = probes.get(entry.number)
            return bool(probe and not probe.problem and is_wide(probe.width, probe.height))

        landscape = wide(entries[0])
        story: list[Flowable] = [
            NextPageTemplate("wide" if landscape else "page"),
            PageBreak(),
            self.section("Evidence images"),
        ]
        under_title = True  # the first picture shares its page with the section's title
        for entry in entries:
            if wide(entry) != landscape:  # a page of the other orientation
                landscape = not landscape
                story += [NextPageTemplate("wide" if landscape else "page"), PageBreak()]
                under_title = False
            heading = t.mixed(
                [("label", f"Evidence {entry.number}: "), ("user", entry.file_name)], s.h2
            )
            caption = t.mixed(
                [
                    ("plain", "Added by "),
                    ("user", entry.added_by),
                    ("plain", f", {uk_datetime(entry.added_at)}. SHA-256 {entry.sha256}"),
                ],
                s.muted,
            )
            if not entry.show_image or entry.data is None:
                reason = entry.not_shown or "images were not included in this export"
                story.append(KeepTogether([heading, t.fixed(f"Not shown: {reason}.", s.body)]))
                continue
            probe = probes[entry.number]
            if probe.problem:
                attached = (
                    " The original is attached." if entry.number in self.attachment_names else ""
                )
                why = f"This image could not be shown: {probe.problem}.{attached}"
                story.append(KeepTogether([heading, caption, t.fixed(why, s.body)]))
                if self.step is not None:
                    self.step("Drawing the evidence images")
                continue
            if landscape:
                width, height = wide_size(probe.width, probe.height, 140 if under_title else 80)
                parts = 1
            else:
                width, height, parts = image_parts(probe.width, probe.height)
            picture = _Picture(
                entry.data, width, height, parts, probe.width * probe.height, self.decoder
            )
            under_title = False
            attachment = self.attachment_names.get(entry.number)
            for index in range(parts):
                name = f"SafeLogEvidence{entry.number}Part{index + 1}"
                piece = EvidenceImage(picture, index, name, attachment, self.step)
                if parts == 1:
                    block: list[Flowable] = [heading, caption, Spacer(1, 4), piece]
                else:
                    label = t.fixed(
                        f"Part {index + 1} of {parts} (a tall image, drawn across pages)",
                        s.muted,
                    )
                    block = [heading, caption, label, Spacer(1, 4), piece]
                    if index:
                        block = [
                            t.mixed(
                                [
                                    ("label", f"Evidence {entry.number}, continued: "),
                                    ("user", entry.file_name),
                                ],
                                s.h2,
                            ),
                            label,
                            Spacer(1, 4),
                            piece,
                        ]
                story.append(CondPageBreak(piece.height + 70))
                story.append(KeepTogether([*block, Spacer(1, 10)]))
        if landscape:
            story.append(NextPageTemplate("page"))  # the next section starts a new page
        return story

    def audit(self) -> list[Flowable]:
        s, t = self.s, self.t
        d = self.data
        story: list[Flowable] = [PageBreak(), self.section("Record history and audit extract")]
        story.append(
            t.fixed(
                "Every change to this case is a new version signed by its author; nothing "
                "recorded is overwritten. The audit log below lists who opened, changed or "
                "exported the case, from SafeLog's signed, hash-chained log.",
                s.small,
            )
        )
        story.append(t.fixed("Versions of the record", s.h2))
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("Version", "When", "By", "What it recorded")]
        ]
        for version in d.history:
            changed = ", ".join(_FIELD_WORDS.get(c, c) for c in version.changed)
            if version.rekeyed:
                changed += " (who may read it changed)"
            rows.append(
                [
                    t.fixed(str(version.number), s.cell),
                    t.fixed(uk_datetime(version.at, short=True), s.cell),
                    t.name(version.author),
                    t.fixed(changed or "—", s.cell),
                ]
            )
        story.append(_table(rows, [56, 124, 108, FRAME_W - 288]))
        story.append(t.fixed("Audit log entries for this case", s.h2))
        if not d.audit:
            story.append(self.empty("No audit entries could be read for this case."))
            return story
        numbers = {e.id: e.number for e in d.evidence}
        reports = {
            str(r.get("id")): n
            for n, r in enumerate(self.field("content_reports") or [], start=1)
            if isinstance(r, dict)
        }
        rows = [[t.fixed(h, s.head) for h in ("#", "When", "Who", "What")]]
        for entry in d.audit:
            what = _ACTION_WORDS.get(entry.action) or _action_words(entry.action)
            detail = _audit_details(entry.details, numbers, d.escalations, reports)
            rows.append(
                [
                    t.fixed(str(entry.seq), s.cell),
                    t.fixed(uk_datetime(entry.at, short=True), s.cell),
                    t.name(entry.actor),
                    [t.fixed(what, s.cell_bold), t.user(detail, s.small)]
                    if detail
                    else t.fixed(what, s.cell_bold),
                ]
            )
        story.append(_table(rows, [36, 128, 104, FRAME_W - 268]))
        story.append(Spacer(1, 6))
        story.append(
            t.fixed(
                "This export itself is recorded in the audit log as 'Case file exported', with "
                "the SHA-256 fingerprint of the signed file.",
                s.muted,
            )
        )
        return story

    def how_to_check(self) -> list[Flowable]:
        s, t = self.s, self.t
        d = self.data
        body = ParagraphStyle("howto", parent=s.body, spaceAfter=6)
        step = ParagraphStyle("step", parent=body, leftIndent=14, bulletIndent=0)
        school = fonts.markup(d.school)
        story: list[Flowable] = [PageBreak(), self.h1("How to check this file")]
        story.append(
            t.rich(
                f"This case file was signed digitally by the person who exported it, with a "
                f"certificate issued by <b>{school}</b>'s own SafeLog certificate authority "
                "(the school CA). The signature covers every byte of the file, including the "
                "attached originals: if anything is changed after signing, even one character, "
                "the signature no longer checks out.",
                body,
            )
        )
        if d.timestamp_url:
            story.append(
                t.fixed(
                    "The time of signing is also confirmed by an independent timestamp server "
                    "(RFC 3161), so it does not rest on the exporting computer's clock alone.",
                    body,
                )
            )
        story.append(t.fixed("1. Get the school's CA certificate, and check it", s.h2))
        story.append(
            t.rich(
                "Ask the school for its CA certificate (a file such as <i>CA.pem</i>, made with "
                '<font name="SafeLogMono">safelog ca export --out CA.pem</font>). Get it by a '
                "route you trust, and check that its SHA-256 fingerprint is:",
                body,
            )
        )
        story.append(t.rich(escape(grouped(d.ca_fingerprint)), s.mono))
        story.append(Spacer(1, 6))
        story.append(t.fixed("2. In Adobe Acrobat Reader", s.h2))
        for number, text in enumerate(
            [
                "Open Preferences (Edit menu on Windows, Acrobat Reader menu on a Mac), "
                "choose <b>Signatures</b>, then under <b>Identities &amp; Trusted "
                "Certificates</b> choose <b>More…</b>.",
                "Choose <b>Trusted Certificates</b>, then <b>Import</b>, and add the school's "
                "CA.pem.",
                "Select the imported certificate, choose <b>Edit Trust</b>, tick <b>Use this "
                "certificate as a trusted root</b> and choose OK.",
                "Open this case file again. The blue bar at the top and the Signature panel "
                "should say <b>Signed and all signatures are valid</b>. Anything else (for "
                "example 'the document has been altered or corrupted') means you must not rely "
                "on this copy.",
            ],
            start=1,
        ):
            story.append(Paragraph(text, step, bulletText=f"{number}."))
        story.append(t.fixed("3. With SafeLog", s.h2))
        story.append(
            t.rich(
                "On any computer with SafeLog installed, run "
                '<font name="SafeLogMono">safelog verify FILE.pdf --ca CA.pem</font>. It '
                "checks that the signature is intact and valid, that it covers the whole file "
                "(nothing was added after signing), that the signer's certificate was issued by "
                "the school CA, and that every attached original matches the fingerprint "
                "printed in the evidence index. It says in plain words what it found.",
                body,
            )
        )
        story.append(t.fixed("4. Check an attached original by hand", s.h2))
        story.append(
            t.rich(
                "The originals are attached to this file (the paper-clip or Attachments panel "
                "in Adobe Reader). Save one, work out its SHA-256 fingerprint and compare it "
                "with the evidence index: on Windows "
                '<font name="SafeLogMono">certutil -hashfile FILE SHA256</font>, on a Mac '
                '<font name="SafeLogMono">shasum -a 256 FILE</font>, on Linux '
                '<font name="SafeLogMono">sha256sum FILE</font>.',
                body,
            )
        )
        return story

    def build(self) -> list[Flowable]:
        story = self.cover()
        for section in (
            self.summary,
            self.people,
            self.chronology,
            self.escalations,
            self.content_reports,
            self.decisions,
            self.outcome,
            self.evidence_index,
        ):
            story += section()
        if self.options.include_images:
            story += self.images()
        story += self.audit()
        story += self.how_to_check()
        return story


def attachment_key(number: int, name: str) -> str:
    """An ASCII key for the PDF's attachment list that sorts in evidence order."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", folded).strip("._") or "evidence"
    return f"{number:04d}-{slug[:60]}"


def grouped(hex_digest: str) -> str:
    return " ".join(hex_digest[i : i + 8] for i in range(0, len(hex_digest), 8))


def _category_title(code: Any) -> str:
    from safelog.domain.categories import category_by_code

    try:
        return str(category_by_code(str(code)).title)
    except Exception:  # an unknown code is printed as it is
        return str(code or "")


# Audit details a reader is not shown: the case reference (on every page) and internal ids
# (the reader group a case was re-keyed for; who may read it is printed as a change).
_AUDIT_HIDDEN = frozenset({"reference", "audience", "user_id"})

# Yes/no details in words: (when yes, when no); None leaves that side out.
_AUDIT_FLAGS: dict[str, tuple[str | None, str | None]] = {
    "thumbnails": ("with thumbnails", "without thumbnails"),
    "images": ("images shown", "images not shown"),
    "pseudonymised": ("other pupils pseudonymised", "not pseudonymised"),
    "password": ("protected with a password", "no password"),
    "timestamped": ("timestamped by a timestamp server", "not timestamped"),
    "same_as": ("same file as an earlier item", None),
    "rekeyed": ("who may read it changed", None),
}

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}\S*)?")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _action_words(action: str) -> str:
    """An audit action SafeLog has no words for yet: 'case.some-thing' as 'Case: some thing'."""
    kind, _, what = action.partition(".")
    return f"{kind.capitalize()}: {what.replace('-', ' ')}" if what else action


def _detail_words(key: str, value: Any) -> str | None:
    """Any other detail in words, or None when it is for SafeLog's checks, not for reading
    (an internal id, or a structure)."""
    label = key.replace("_", " ")
    if key.endswith(("_id", "_ids")):
        return None
    if isinstance(value, bool):
        return f"{label}: {'yes' if value else 'no'}"
    if isinstance(value, (int, float)):
        return f"{label}: {value}"
    if isinstance(value, list) and all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
    ):
        value = ", ".join(str(v) for v in value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _UUID.search(text):
        return None
    if _ISO_TIME.fullmatch(text):
        text = uk_when(text)
    return f"{label}: {text}" if text else None


def _audit_details(
    details: dict[str, Any],
    evidence_numbers: dict[str, int],
    escalations: Iterable[dict[str, Any]],
    reports: Mapping[str, int] | None = None,
) -> str:
    """An audit entry's details in words: evidence and content reports by their numbers in
    this file, yes/no as words, no internal ids."""
    titles = {e.get("route"): e.get("title") for e in escalations}
    parts: list[str | None] = []
    for key, value in details.items():
        if key in _AUDIT_HIDDEN:
            continue
        if key == "evidence_id":
            number = evidence_numbers.get(str(value))
            parts.append(f"evidence {number}" if number else "evidence (removed from view)")
        elif key == "evidence_ids" and isinstance(value, list):
            numbers = sorted(n for n in (evidence_numbers.get(str(v)) for v in value) if n)
            gone = len(value) - len(numbers)
            words = [f"evidence {', '.join(str(n) for n in numbers)}"] if numbers else []
            if gone:
                words.append(f"{_plural(gone, 'item')} removed from view")
            parts.append(" and ".join(words) if words else "no evidence")
        elif key == "report_id":
            number = (reports or {}).get(str(value))
            parts.append(f"content report {number}" if number else "a content report")
        elif key == "changed" and isinstance(value, list):
            parts.append("changed: " + ", ".join(_FIELD_WORDS.get(str(v), str(v)) for v in value))
        elif key == "route":
            parts.append(f"route: {titles.get(value) or value}")
        elif key == "sha256":
            parts.append(f"SHA-256 {value}")
        elif key in _AUDIT_FLAGS:
            parts.append(_AUDIT_FLAGS[key][0 if value else 1])
        elif key == "size" and isinstance(value, int):
            parts.append(f"size {file_size(value)}")
        elif key == "version":
            parts.append(f"version {value}")
        elif key == "pages" and isinstance(value, int):
            parts.append(_plural(value, "page"))
        elif key == "attachments" and isinstance(value, int):
            parts.append(f"{_plural(value, 'original')} attached")
        elif key == "media_type":
            parts.append(f"type {value}")
        else:
            parts.append(_detail_words(key, value))
    return "; ".join(p for p in parts if p)


# -- rendering ------------------------------------------------------------------------------


def manifest_for(data: CaseFileData, attachments: list[Attachment]) -> dict[str, Any]:
    """The machine-readable list of what is attached and its fingerprints (embedded in the
    signed file, so `safelog verify` does not have to read the printed pages)."""
    return {
        "format": MANIFEST_FORMAT,
        "reference": data.reference,
        "school": data.school,
        "exported_at": data.exported_at.isoformat(),
        "attachments": [
            {
                "key": a.key,
                "name": a.name,
                "sha256": a.sha256,
                "size": len(a.data),
                "media_type": a.media_type,
            }
            for a in attachments
        ],
    }


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
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
        with _binary_streams():
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
