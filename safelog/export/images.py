"""Evidence images on the case file's pages: each image's header is read first (its size,
or why it cannot be drawn), then it is decoded in memory on worker threads, scaled to at most
IMAGE_DPI, cut into parts when it is too tall for a page, compressed, and placed.

This is the only module that reaches into ReportLab's internals (`_place_image`: ReportLab
has no public way to hand over pixels that are already compressed). The pixel limit is
evidence intake's (safelog.evidence.images.MAX_IMAGE_PIXELS) and the decoders are the ones
the preview uses (safelog.evidence.intake.PREVIEWABLE).
"""

from __future__ import annotations

import io
import math
import warnings
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageOps
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

# Decompression bombs: an image whose header claims more than MAX_IMAGE_PIXELS pixels (evidence
# intake's limit, below Pillow's own warning threshold) is never decoded; Pillow's
# DecompressionBombWarning is turned into an error while decoding here.
from safelog.evidence.images import MAX_IMAGE_PIXELS
from safelog.evidence.intake import PREVIEWABLE
from safelog.export import fonts
from safelog.export.casefile_model import Step
from safelog.export.pages import (
    FRAME_H,
    FRAME_W,
    INK,
    RULE,
    SHADE,
    WIDE_FRAME_H,
    WIDE_FRAME_W,
)

# Images are drawn at most this sharp (dots per inch at their size on the page); larger
# ones (camera photos) are scaled down, screenshots are drawn as they are. The original,
# full resolution, is attached.
IMAGE_DPI = 300
IMAGE_ZLIB_LEVEL = 3  # lossless either way; as small as level 6 on screenshots, twice as fast
IMAGE_MAX_H = FRAME_H - 150
IMAGE_PART_H = FRAME_H - 110  # one part of a tall image: a page, less its heading
# The only decoders used: the preview's.
IMAGE_FORMATS = tuple(dict.fromkeys(PREVIEWABLE.values()))  # PNG, JPEG, GIF, WEBP, BMP, TIFF
MAX_POINTS_PER_PIXEL = 1.5  # small images are enlarged at most this much


@dataclass
class Probe:
    width: int = 0
    height: int = 0
    problem: str = ""


def probe_image(data: bytes) -> Probe:
    """Read only the image's header: its size, or why it cannot be drawn."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Probe(problem="it is far too large to draw safely")
    except Exception:  # any decoder failure means "cannot be shown"
        return Probe(problem="it could not be read as an image")
    if width <= 0 or height <= 0:
        return Probe(problem="it has no pixels")
    if width * height > MAX_IMAGE_PIXELS:
        return Probe(
            width, height, f"it is too large to draw safely ({width:,} × {height:,} pixels)"
        )
    return Probe(width, height)


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


class Decoder:
    """Prepares the evidence images on worker threads, a few ahead of the page being drawn:
    each is decoded, cut into its parts and compressed there (Pillow and zlib release the
    GIL, so this runs beside the layout and on both cores), and let go at once; only the
    compressed parts wait to be placed. An image of more than PREFETCH_PIXELS is prepared
    only when its page is drawn, so at most one such is decoded at a time."""

    WORKERS = 2
    PREFETCH = 4
    PREFETCH_PIXELS = 16_000_000

    def __init__(self) -> None:
        self.pictures: list[Picture] = []
        self._pool: ThreadPoolExecutor | None = None

    def add(self, picture: Picture) -> None:
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
class Part:
    width: int
    height: int
    gray: bool
    stream: bytes  # zlib-compressed pixel rows


_Parts = list[Part] | None


class Picture:
    """One evidence image: its original bytes until prepared, then its compressed parts
    until drawn."""

    def __init__(
        self,
        data: bytes,
        width_pt: float,
        height_pt: float,
        parts: int,
        pixels: int,
        decoder: Decoder,
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
                    Part(
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


def _place_image(canvas: Canvas, name: str, part: Part, width: float, height: float) -> None:
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
        picture: Picture,
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
