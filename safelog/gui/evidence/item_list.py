"""The Evidence tab's list of items: how each looks (its lines of text, and its icon: a
thumbnail squared up, or a plain tile with a word for its kind when there is none to show)
and how it opens (Enter, as a double-click). Thumbnails are decoded in memory only; a tile
shows no case content."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import QListWidget

from safelog.evidence.images import PREVIEW_TOO_LARGE, PREVIEW_UNREADABLE
from safelog.evidence.intake import describe_size
from safelog.gui.evidence.details import captured_at, preview_status, type_text
from safelog.gui.formatting import uk_datetime

if TYPE_CHECKING:
    from safelog.vault.evidence_reading import EvidenceItem
    from safelog.vault.records import EvidenceInfo

ICON_SIZE = 72


def kind_word(info: EvidenceInfo) -> str:
    """A short word for an item without a thumbnail, drawn in its place."""
    media = info.media_type
    status = preview_status(info)
    if media.startswith("image/"):
        if status == PREVIEW_UNREADABLE:
            return "IMAGE\ncannot show"
        if status == PREVIEW_TOO_LARGE:
            return "IMAGE\ntoo large"
        return "IMAGE"
    major = media.split("/", 1)[0]
    if major in ("audio", "video"):
        return major.upper()
    return {
        "application/pdf": "PDF",
        "message/rfc822": "E-MAIL",
        "text/plain": "TEXT",
        "text/html": "WEB\nPAGE",
        "application/zip": "ZIP",
    }.get(media, "FILE")


def placeholder(word: str) -> QPixmap:
    """A plain tile with a word on it (no case content)."""
    pixmap = QPixmap(ICON_SIZE * 2, ICON_SIZE * 2)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#6b7785"))
    painter.setBrush(QColor("#eef3f8"))
    painter.drawRoundedRect(4, 4, ICON_SIZE * 2 - 8, ICON_SIZE * 2 - 8, 12, 12)
    font = QFont()
    lines = word.split("\n")
    font.setPixelSize(30 if len(lines[0]) <= 5 else 24)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#0f3550"))
    side = ICON_SIZE * 2
    if len(lines) == 1:
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, word)
    else:
        painter.drawText(
            QRect(0, side // 4, side, side // 4), Qt.AlignmentFlag.AlignCenter, lines[0]
        )
        font.setPixelSize(20)
        font.setBold(False)
        painter.setFont(font)
        painter.drawText(
            QRect(8, side // 2 + 4, side - 16, side // 4), Qt.AlignmentFlag.AlignCenter, lines[1]
        )
    painter.end()
    return pixmap


def square_icon(image: QImage) -> QPixmap:
    """A thumbnail centred on a square, so that every item's text starts at the same place."""
    side = ICON_SIZE * 2
    scaled = image.scaled(
        side,
        side,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.drawImage((side - scaled.width()) // 2, (side - scaled.height()) // 2, scaled)
    painter.setPen(QColor("#b8c0c8"))
    painter.drawRect(
        (side - scaled.width()) // 2,
        (side - scaled.height()) // 2,
        scaled.width() - 1,
        scaled.height() - 1,
    )
    painter.end()
    return pixmap


def item_text(item: EvidenceItem) -> str:
    """The lines shown for an item in the list."""
    info = item.info
    first = info.file_name + ("  (quarantined: never shown)" if item.quarantined else "")
    second = f"{type_text(info)}  ·  {describe_size(info.size)}"
    third = [f"Captured {uk_datetime(captured_at(info))}"]
    platform = str(info.metadata.get("platform") or "")
    if platform:
        third.append(platform)
    if item.sightings:
        times = len(item.sightings)
        third.append(f"added again {times} time{'s' if times != 1 else ''}")
    return "\n".join([first, second, "  ·  ".join(third)])


class EvidenceList(QListWidget):
    """Enter or Return opens the current item, as a double-click does."""

    open_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self.open_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)
