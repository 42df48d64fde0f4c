"""The list of what is about to be added as evidence: one row per item, with its thumbnail
(or its type), its safe name, the type found in its content, its size and what became of it.

The type is sniffed and any thumbnail made in the worker (`inspect_source`), in memory
(safelog.evidence.images), never from or to a file.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from safelog.evidence.intake import describe_size, describe_type, sniff, type_mismatch
from safelog.gui.evidence.sources import PendingSource
from safelog.gui.widgets import named, plain_label

THUMBNAIL_PX = 64

# Item states.
WAITING, ADDING, ADDED, LINKED, REFUSED = "waiting", "adding", "added", "linked", "refused"
DONE = (ADDED, LINKED)


@dataclass(frozen=True)
class Inspected:
    """What an item is, found from its content: a label, a thumbnail (PNG bytes, made in
    memory) for pictures, and a note when something is odd."""

    label: str
    thumbnail: bytes | None = None
    note: str = ""


def inspect_source(source: PendingSource) -> Inspected:
    """Sniff the type and, for a picture, make a thumbnail in memory. Runs in the worker."""
    from safelog.evidence.images import MAX_PREVIEW_FILE, ImageBomb, make_thumbnail

    head = source.head()
    if not head:
        size = source.size()
        return Inspected("empty file" if size == 0 else "unreadable file")
    sniffed = sniff(head)
    claimed = type_mismatch(source.name, sniffed)
    note = f"Its name says {describe_type(claimed)}, but it is {sniffed.label}." if claimed else ""
    if not sniffed.previewable:
        return Inspected(sniffed.label, None, note)
    size = source.size() or 0
    if size > MAX_PREVIEW_FILE:
        return Inspected(sniffed.label, None, note or "Too large to show a preview.")
    if source.data is not None:
        data = source.data
    else:
        assert source.path is not None
        try:
            with source.path.open("rb") as handle:
                data = handle.read(MAX_PREVIEW_FILE + 1)
        except OSError:
            return Inspected(sniffed.label, None, note)
    try:
        preview = make_thumbnail(data, sniffed.media_type)
    except ImageBomb:
        return Inspected(
            sniffed.label,
            None,
            "This picture says it is far larger than any real screenshot or photo, and "
            "opening it could make this computer run out of memory; it will be refused.",
        )
    finally:
        del data
    return Inspected(sniffed.label, preview.thumbnail, " ".join(filter(None, (note, preview.note))))


class ItemRow(QFrame):
    """An item in the list: thumbnail (or type), safe name, type and size, and its outcome."""

    def __init__(self, source: PendingSource, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.state = REFUSED if source.problem else WAITING
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setHorizontalSpacing(12)
        self.thumbnail = QLabel(self)
        self.thumbnail.setFixedSize(THUMBNAIL_PX, THUMBNAIL_PX)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setFrameShape(QFrame.Shape.Box)
        self.name = plain_label(source.display_name, self, wrap=True, selectable=True)
        self.name.setObjectName("evidenceName")
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        size = source.size()
        self._size = describe_size(size) if size is not None else ""
        self.detail = plain_label(self._size, self, role="muted", wrap=True)
        self.status = plain_label(
            f"Not added: {source.problem}" if source.problem else "Waiting to be added.",
            self,
            wrap=True,
        )
        named(self.status, f"What happened to {source.display_name}")
        grid.addWidget(self.thumbnail, 0, 0, 3, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.name, 0, 1)
        grid.addWidget(self.detail, 1, 1)
        grid.addWidget(self.status, 2, 1)
        grid.setColumnStretch(1, 1)
        if source.problem:
            self._set_role("warning")

    def show_inspected(self, found: Inspected) -> None:
        parts = [found.label, self._size]
        self.detail.setText(
            " · ".join(p for p in parts if p) + (f"\n{found.note}" if found.note else "")
        )
        if found.thumbnail:
            pixmap = QPixmap()
            if pixmap.loadFromData(found.thumbnail, "PNG"):
                self.thumbnail.setPixmap(
                    pixmap.scaled(
                        THUMBNAIL_PX,
                        THUMBNAIL_PX,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
                return
        self.thumbnail.setText(found.label.split(" ")[0][:8])

    def set_state(self, state: str, text: str) -> None:
        self.state = state
        self.status.setText(text)
        self._set_role({ADDED: "", LINKED: "", REFUSED: "warning"}.get(state, ""))

    def _set_role(self, role: str) -> None:
        self.status.setProperty("role", role or None)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def forget(self) -> None:
        self.thumbnail.clear()
        self.thumbnail.setPixmap(QPixmap())
