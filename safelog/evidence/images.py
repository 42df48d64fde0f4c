"""Images decoded in memory, never from or to a file: the size check that keeps
decompression bombs out, thumbnails, and full-size previews for the viewer.

Pillow is imported on first use (start-up does not pay for it). Only the six formats
SafeLog previews are ever handed to Pillow (`formats=`), so no other plug-in parses
untrusted bytes (Pillow's EPS reader, for one, would start Ghostscript).

Decisions:
- A decompression bomb (an image whose header declares more than MAX_IMAGE_PIXELS pixels,
  whatever its file size) is refused: its header is read, its pixels never are. The limit
  is explicit and below Pillow's own warning threshold; importing this module also turns
  Pillow's DecompressionBombWarning into an error for the whole process, so that a bomb
  reaching Pillow by any other path stops instead of allocating.
- An image that cannot be decoded (truncated, corrupt, an unsupported variant) is still
  evidence: it is kept byte for byte, without a thumbnail, and marked "could not be shown".
- An image file larger than MAX_PREVIEW_FILE is kept without a thumbnail ("too large to
  show"): decoding it would take more memory than an import may use.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safelog.evidence.intake import PREVIEWABLE, IntakeRefused

if TYPE_CHECKING:
    from PIL import Image as PILImage

# 80 million pixels: a 50-megapixel photo, a 7680x4320 (8K) frame or a 1080 x 70,000
# scrolling screenshot come in; a 10,000 x 10,000 canvas does not. Below Pillow's default
# warning threshold (89,478,485), so Pillow never warns about an image SafeLog accepted.
MAX_IMAGE_PIXELS = 80_000_000
MAX_PREVIEW_FILE = 64 * 1024 * 1024  # bytes of an image file decoded in memory at most
THUMBNAIL_SIZE = 320  # pixels, longest side

PREVIEW_THUMBNAIL = "thumbnail"  # decoded; a thumbnail is stored
PREVIEW_UNREADABLE = "unreadable"  # an image that could not be decoded: kept, not shown
PREVIEW_TOO_LARGE = "too-large"  # an image file too large to decode in memory: kept, not shown
PREVIEW_NONE = "none"  # not an image SafeLog previews (PDF, text, audio, video, ...)
# Recorded in a batch, its thumbnail made afterwards (vault/evidence_thumbnails.py); a
# reader shows the status of the thumbnail row once there is one.
PREVIEW_PENDING = "pending"

NOTES = {
    PREVIEW_UNREADABLE: (
        "This image could not be shown: it is damaged, incomplete or of a kind SafeLog "
        "cannot display. The original is kept exactly as it was received."
    ),
    PREVIEW_TOO_LARGE: (
        "This image file is too large to show. The original is kept exactly as it was "
        "received; extract it to view it."
    ),
}


class ImageBomb(IntakeRefused):
    """An image whose declared size would take far more memory to decode than is safe."""


@dataclass(frozen=True)
class Preview:
    status: str
    thumbnail: bytes | None = None
    width: int = 0
    height: int = 0

    @property
    def note(self) -> str:
        return NOTES.get(self.status, "")


_pillow: Any = None


def _pil() -> Any:
    """The PIL.Image module, imported once, with bomb warnings made errors."""
    global _pillow
    if _pillow is None:
        from PIL import Image

        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
        _pillow = Image
    return _pillow


def _bomb_message(width: int, height: int) -> str:
    return (
        f"This picture says it is {width:,} by {height:,} pixels ({width * height:,} in all; "
        f"SafeLog opens up to {MAX_IMAGE_PIXELS:,}), far larger than any real screenshot or "
        "photo: opening it could make this computer run out of memory, so nothing was kept. "
        "If it is genuine evidence, put it in a ZIP file and add that instead."
    )


def _open(data: bytes, media_type: str) -> PILImage.Image:
    """Open (header only) and check the declared size; raises ImageBomb for a bomb and
    other exceptions when the header cannot be read."""
    image_module = _pil()
    try:
        image = image_module.open(io.BytesIO(data), formats=[PREVIEWABLE[media_type]])
    except (image_module.DecompressionBombError, image_module.DecompressionBombWarning):
        raise ImageBomb(
            "This picture says it is far larger than any real screenshot or photo: opening "
            "it could make this computer run out of memory, so nothing was kept. If it is "
            "genuine evidence, put it in a ZIP file and add that instead."
        ) from None
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise ImageBomb(_bomb_message(width, height))
    return image


def check_image(data: bytes, media_type: str) -> tuple[int, int] | None:
    """The declared (width, height), or None when the header cannot be read. Raises
    ImageBomb for a decompression bomb. Reads the header only: cheap, allocates nothing."""
    if media_type not in PREVIEWABLE:
        return None
    try:
        image = _open(data, media_type)
    except ImageBomb:
        raise
    except Exception:  # untrusted input: any failure to parse means "cannot be shown"
        return None
    with image:
        return image.size


def make_thumbnail(data: bytes, media_type: str) -> Preview:
    """A PNG thumbnail (longest side THUMBNAIL_SIZE) made in memory, or the reason there
    is none. Raises ImageBomb; never raises for a damaged image."""
    if media_type not in PREVIEWABLE:
        return Preview(PREVIEW_NONE)
    if len(data) > MAX_PREVIEW_FILE:
        return Preview(PREVIEW_TOO_LARGE)
    image_module = _pil()
    try:
        image = _open(data, media_type)
    except ImageBomb:
        raise
    except Exception:
        return Preview(PREVIEW_UNREADABLE)
    try:
        with image:
            width, height = image.size
            # JPEG decodes at 1/2, 1/4 or 1/8 scale (draft); others reduce() by whole
            # factors first, then a cheap filter for the last step.
            image.thumbnail(
                (THUMBNAIL_SIZE, THUMBNAIL_SIZE),
                image_module.Resampling.BILINEAR,
                reducing_gap=2.0,
            )
            thumb = _displayable(_upright(image))
            thumb.info = {}  # no text, ICC or EXIF carried over from the original
            out = io.BytesIO()
            thumb.save(out, "PNG", compress_level=3)
    except ImageBomb:
        raise
    except Exception:  # truncated, corrupt or unsupported: kept, but not shown
        return Preview(PREVIEW_UNREADABLE)
    return Preview(PREVIEW_THUMBNAIL, out.getvalue(), width, height)


def open_image(data: bytes, media_type: str) -> PILImage.Image:
    """A full-size image for the viewer, decoded in memory (first frame), upright and in a
    displayable mode. Raises ImageBomb, or IntakeRefused when it cannot be decoded."""
    if media_type not in PREVIEWABLE:
        raise IntakeRefused("SafeLog cannot show this kind of file; extract it to open it.")
    if len(data) > MAX_PREVIEW_FILE:
        raise IntakeRefused(NOTES[PREVIEW_TOO_LARGE])
    try:
        image = _open(data, media_type)
    except ImageBomb:
        raise
    except Exception:
        raise IntakeRefused(NOTES[PREVIEW_UNREADABLE]) from None
    try:
        with image:
            image.load()
            return _displayable(_upright(image))
    except ImageBomb:
        raise
    except Exception:
        raise IntakeRefused(NOTES[PREVIEW_UNREADABLE]) from None


def _upright(image: PILImage.Image) -> PILImage.Image:
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(image) or image
    except Exception:  # a damaged EXIF block only loses the rotation
        return image


def _displayable(image: PILImage.Image) -> PILImage.Image:
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image.copy()
    has_alpha = image.mode in ("PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return image.point(lambda v: v / 256).convert("L")
    return image.convert("RGBA" if has_alpha else "RGB")
