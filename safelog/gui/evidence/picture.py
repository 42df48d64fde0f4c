"""A picture held in memory: decoded with Qt's image reader, never through a file, under the
vault's pixel limit (MAX_IMAGE_PIXELS, safelog/evidence/images.py), and painted at any zoom.

The decoder is held to the same limit as the vault's: an image that declares more pixels is
not decoded, and the reason is given in plain words (ImageProblem).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QImage,
    QImageReader,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QScrollArea, QWidget

from safelog.errors import UserFacingError
from safelog.evidence.images import MAX_IMAGE_PIXELS, MAX_PREVIEW_FILE, NOTES, PREVIEW_TOO_LARGE
from safelog.evidence.images import PREVIEW_UNREADABLE as UNREADABLE
from safelog.evidence.intake import PREVIEWABLE
from safelog.gui.widgets import named

if TYPE_CHECKING:
    from safelog.vault.evidence_reading import EvidenceItem

NOT_SHOWN = (
    "SafeLog does not open this kind of file itself. To open it in another program, save a "
    "copy (the copy is not encrypted)."
)
ZOOM_STEP = 1.25
MIN_ZOOM = 0.02
MAX_ZOOM = 16.0
# Qt's own decoder refuses images needing more memory than this (MiB); the vault's pixel
# limit at four bytes a pixel, so whatever the vault let in can be shown.
ALLOCATION_LIMIT_MB = math.ceil(MAX_IMAGE_PIXELS * 4 / (1024 * 1024))
_QT_FORMATS = {
    "PNG": b"png",
    "JPEG": b"jpeg",
    "GIF": b"gif",
    "WEBP": b"webp",
    "BMP": b"bmp",
    "TIFF": b"tiff",
}


class ImageProblem(UserFacingError):
    """A picture the viewer will not or cannot show; the message says why."""


def too_many_pixels(width: int, height: int) -> str:
    return (
        f"This image is {width:,} x {height:,} pixels ({width * height:,}), more than "
        f"SafeLog will show ({MAX_IMAGE_PIXELS:,}): showing it could exhaust this "
        "computer's memory. The original is kept exactly as it was received; save a copy "
        "to look at it with another program."
    )


def decode_image(data: bytes, media_type: str) -> QImage:
    """Decode a picture held in memory, refusing one that declares too many pixels before
    any pixel is decoded. Safe to call in the worker (QImage is not a GUI-thread object)."""
    qt_format = _QT_FORMATS.get(PREVIEWABLE.get(media_type, ""))
    if qt_format is None:
        raise ImageProblem(NOT_SHOWN)
    if QImageReader.allocationLimit() < ALLOCATION_LIMIT_MB:
        QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    try:
        # Only the decoder for the type the content was sniffed as: no other plug-in sees it.
        reader = QImageReader(buffer, QByteArray(qt_format))
        reader.setDecideFormatFromContent(False)
        reader.setAutoTransform(True)
        size = reader.size()
        if not size.isValid() or size.isEmpty():
            raise ImageProblem(NOTES[UNREADABLE])
        if size.width() * size.height() > MAX_IMAGE_PIXELS:
            raise ImageProblem(too_many_pixels(size.width(), size.height()))
        image = reader.read()
        if image.isNull():
            raise ImageProblem(NOTES[UNREADABLE])
        return image
    finally:
        buffer.close()


def viewable(item: EvidenceItem) -> bool:
    """Whether the viewer decodes this item itself (a picture small enough to read)."""
    info = item.info
    return (
        info.media_type in PREVIEWABLE
        and info.size <= MAX_PREVIEW_FILE
        and info.metadata.get("preview") != PREVIEW_TOO_LARGE
    )


class ImageCanvas(QWidget):
    """Paints the picture at the current scale; only the part in view is drawn, so zooming
    a large picture never makes a scaled copy of it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixmap: QPixmap | None = None
        self.scale = 1.0
        named(self, "Picture")

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        self.pixmap = pixmap
        self._resize()

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self._resize()

    def _resize(self) -> None:
        if self.pixmap is None:
            self.setFixedSize(0, 0)
        else:
            self.setFixedSize(
                QSize(
                    max(1, round(self.pixmap.width() * self.scale)),
                    max(1, round(self.pixmap.height() * self.scale)),
                )
            )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.pixmap is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale < 1.0)
        painter.drawPixmap(QRect(0, 0, self.width(), self.height()), self.pixmap)
        painter.end()


class ImageScroll(QScrollArea):
    """Ctrl + wheel zooms; the wheel alone scrolls."""

    zoom_by = Signal(float)
    resized = Signal()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_by.emit(ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()
