"""Where evidence comes from before it is imported: pasted, dropped or chosen files, and
pictures held in memory (a pasted image, a screen capture).

A `PendingSource` is a file to stream from or bytes held in memory: pasted and captured
pictures are never written to disk (DESIGN §3.3), they go from the clipboard or the screen
into the vault's encrypted stream. What cannot be evidence (a folder, a web address, pasted
text) comes back as a source with a `problem` in plain words, so whoever shows the list can
say why it was not taken instead of dropping it silently.

The file picker is Qt's own dialog, never the system's: the GNOME (GTK) and Windows dialogs
record every chosen file in the desktop's recently-used list (~/.local/share/recently-used.xbel,
the Windows Recent folder), which would leave a trail of a case's evidence on a shared PC.
Qt's dialog keeps a history of folders and the last folder visited in its own settings file;
both are reset before the dialog is destroyed, so no evidence folder is remembered either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QDir, QIODevice, QMimeData, QUrl
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPixmap
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from safelog.domain.deadlines import LONDON
from safelog.evidence.intake import (
    SNIFF_BYTES,
    claimed_type,
    kept_out_with_images,
    safe_file_name,
    sniff,
)
from safelog.vault.filing import Attachment

Clock = Callable[[], datetime]

TEXT_IS_NOT_EVIDENCE = (
    "The clipboard holds only text, and pasted text is not kept as evidence: SafeLog could "
    "not show where it came from. Take a screenshot of it (or save it as a file) and add "
    "that, or type what it said into the description."
)
NOTHING_TO_PASTE = (
    "There is nothing to paste: copy a picture (or files in your file manager) first, then "
    "paste again."
)


def _system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PendingSource(Attachment):
    """One thing to import, as it came in: an `Attachment` (a file by its path, or bytes
    held in memory) or, with neither, a `problem` saying why this cannot be evidence."""

    problem: str = ""  # plain words: why this cannot be added (a folder, a web address...)

    def size(self) -> int | None:
        if self.data is not None:
            return len(self.data)
        if self.path is not None:
            try:
                return self.path.stat().st_size
            except OSError:
                return None
        return None

    @property
    def usable(self) -> bool:
        return not self.problem and (self.path is not None or self.data is not None)

    def head(self) -> bytes:
        """The first bytes, for sniffing; b"" when they cannot be read."""
        if self.data is not None:
            return self.data[:SNIFF_BYTES]
        if self.path is None:
            return b""
        try:
            with self.path.open("rb") as handle:
                return handle.read(SNIFF_BYTES)
        except OSError:
            return b""

    def __repr__(self) -> str:  # never the bytes, and not the name either (it may say a lot)
        kind = "data" if self.data is not None else "path" if self.path is not None else "none"
        return f"PendingSource({kind}, {self.size()} bytes)"


def kept_out(source: PendingSource) -> str | None:
    """What the vault refuses on a case where images are blocked, by the same test
    (safelog.evidence.intake.kept_out_with_images): IMAGERY for a picture or video, ARCHIVE
    for a zip or the like, by content (by name only when the content is not recognised)."""
    if not source.usable:
        return None
    return kept_out_with_images(sniff(source.head()), claimed_type(source.name))


def refused_with_images(source: PendingSource) -> bool:
    """A picture, a video or an archive that may hold them: not kept where images are
    blocked (see `kept_out`)."""
    return kept_out(source) is not None


def stamped_name(what: str, clock: Clock | None = None) -> str:
    """ "Pasted image 2026-11-21 14-03.png": the school's local time (no colons: the name
    may be suggested as a file name on extract)."""
    now = (clock or _system_clock)().astimezone(LONDON)
    return f"{what} {now:%Y-%m-%d %H-%M}.png"


def png_bytes(picture: QImage | QPixmap) -> bytes:
    """A picture as PNG, encoded in memory."""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image = picture.toImage() if isinstance(picture, QPixmap) else picture
    if not QImageWriter(buffer, QByteArray(b"PNG")).write(image):
        buffer.close()
        return b""
    buffer.close()
    data = bytes(array.data())
    array.clear()
    return data


def _from_url(url: QUrl) -> PendingSource:
    if not url.isLocalFile():
        shown = url.toDisplayString(QUrl.ComponentFormattingOption.FullyDecoded)
        name = safe_file_name(url.fileName() or url.host() or "web address")
        return PendingSource(
            name=url.fileName() or shown[:200],
            problem=(
                f"{name} is a web address, not a file on this computer, so it cannot be "
                "added as it is. Save the picture or page first (or take a screenshot) and "
                "add that; you can write the address in the Link field."
            ),
        )
    path = Path(url.toLocalFile())
    shown = safe_file_name(path.name or str(path))
    try:
        if path.is_dir():
            return PendingSource(
                name=path.name,
                problem=(
                    f"{shown} is a folder. Open it and add the files inside it instead, "
                    "so each one is recorded on its own."
                ),
            )
        if not path.exists():
            return PendingSource(name=path.name, problem=f"{shown} could not be found.")
        if not path.is_file():
            return PendingSource(
                name=path.name,
                problem=f"{shown} is not an ordinary file (a device or a pipe); it was not taken.",
            )
    except OSError as exc:
        return PendingSource(name=path.name, problem=f"{shown} cannot be read: {exc.strerror}.")
    return PendingSource(name=path.name, path=path)


def _image_from(mime: QMimeData) -> QImage | None:
    if not mime.hasImage():
        return None
    picture = mime.imageData()
    if isinstance(picture, QPixmap):
        picture = picture.toImage()
    if not isinstance(picture, QImage) or picture.isNull():
        return None
    return picture


def sources_from_mime(mime: QMimeData | None, clock: Clock | None = None) -> list[PendingSource]:
    """Copied or dropped files (local file URLs, in the order given) or else a picture.

    A folder, a web address or plain text comes back as a source with a `problem` (see the
    module docstring). `clock` names a pasted picture ("Pasted image 2026-11-21 14-03.png");
    pass the app context's clock."""
    if mime is None:
        return []
    urls = list(mime.urls()) if mime.hasUrls() else []
    local = [u for u in urls if u.isLocalFile()]
    if local:
        return [_from_url(u) for u in urls]
    image = _image_from(mime)
    if image is not None:
        data = png_bytes(image)
        if data:
            return [PendingSource(name=stamped_name("Pasted image", clock), data=data)]
        return [
            PendingSource(
                name="Pasted image",
                problem="The picture on the clipboard could not be read. Copy it again.",
            )
        ]
    if urls:
        return [_from_url(u) for u in urls]
    if mime.hasText() or mime.hasHtml():
        return [PendingSource(name="Pasted text", problem=TEXT_IS_NOT_EVIDENCE)]
    return []


def sources_from_clipboard(clock: Clock | None = None) -> list[PendingSource]:
    """What a paste would give: see sources_from_mime. Empty when the clipboard is empty."""
    return sources_from_mime(QGuiApplication.clipboard().mimeData(), clock)


def accepts(mime: QMimeData | None) -> bool:
    """For dragEnterEvent: files (local or not: a refused web address is explained on drop)
    or a picture. Text alone is not accepted."""
    return mime is not None and (mime.hasUrls() or mime.hasImage())


def problems_of(sources: Sequence[PendingSource]) -> list[str]:
    return [s.problem for s in sources if s.problem]


def _neutral_folder() -> str:
    """Where the picker opens and what it is left pointing at: the home folder (or the
    file system's root when there is none), never a folder evidence came from."""
    home = QDir.homePath()
    return home if QDir(home).exists() else QDir.rootPath()


class EvidenceFileDialog(QFileDialog):
    """Qt's own file dialog (never the system's: see the module docstring), choosing one or
    more existing files. `launch()` returns the chosen paths and forgets where they were."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, "Choose evidence files")
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.setOption(QFileDialog.Option.DontUseCustomDirectoryIcons, True)
        self.setFileMode(QFileDialog.FileMode.ExistingFiles)
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        self.setLabelText(QFileDialog.DialogLabel.Accept, "Add")
        self.setNameFilters(
            [
                "All files (*)",
                "Pictures (*.png *.jpg *.jpeg *.gif *.webp *.bmp *.tif *.tiff *.heic)",
                "Documents and e-mails (*.pdf *.eml *.txt *.html *.htm)",
                "Sound and video (*.mp3 *.m4a *.wav *.ogg *.mp4 *.mov *.webm *.mkv)",
            ]
        )
        self.setDirectory(_neutral_folder())
        self.setHistory([])

    def launch(self) -> list[Path]:
        try:
            if self.exec() != QDialog.DialogCode.Accepted:
                return []
            return [Path(name) for name in self.selectedFiles()]
        finally:
            self.forget()

    def forget(self) -> None:
        """Qt saves the folder history and the last folder visited to its settings when the
        dialog is destroyed: leave nothing there that says where evidence was kept."""
        self.setDirectory(_neutral_folder())  # this adds to the history: clear it after
        self.setHistory([])


def pick_files(parent: QWidget) -> list[PendingSource]:
    """Choose files with Qt's file dialog; no recent-files trail. Folders cannot be chosen."""
    dialog = EvidenceFileDialog(parent)
    try:
        paths = dialog.launch()
    finally:
        shiboken6.delete(dialog)  # Qt saves its settings now, after forget(), not later
    return [_from_url(QUrl.fromLocalFile(str(path))) for path in paths]
