"""The evidence viewer: one item full size, decoded in memory, and "Save a copy…".

Pictures are read from the vault in the worker (`read_evidence`, audited as a view, every
chunk checked and the SHA-256 compared at the end), joined in memory and decoded there
(picture.py: Qt's image reader, never through a file, held to the vault's pixel limit).
Other files (PDF, e-mail, text, sound, video) are not opened at all: their details are shown
and a copy can be saved for another program.

The window title is always "Evidence": titles show in task bars, window lists and screen
sharing, so they never carry a file name or anything from the case. On lock the viewer drops
the picture and closes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from safelog.errors import TamperDetected
from safelog.evidence.images import MAX_PREVIEW_FILE, NOTES, PREVIEW_TOO_LARGE
from safelog.gui.errors import error_text
from safelog.gui.evidence.details import EvidenceDetails, size_text, type_text
from safelog.gui.evidence.picture import (
    MAX_ZOOM,
    MIN_ZOOM,
    NOT_SHOWN,
    ZOOM_STEP,
    ImageCanvas,
    ImageProblem,
    ImageScroll,
    decode_image,
    viewable,
)
from safelog.gui.widgets import named, plain_label
from safelog.gui.worker import LatestOnly, run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.evidence_reading import EvidenceItem

TITLE = "Evidence"  # never a file name or case content
COPY_WARNING = (
    "The copy is not encrypted: anyone who can open that folder can open it. Save it only "
    "where it must go, and delete it when it is no longer needed. Saving it is recorded in "
    "the item's chain of custody."
)


# --------------------------------------------------------------------------------------
# Saving a copy (also used by the evidence tab).
# --------------------------------------------------------------------------------------


def choose_copy_path(parent: QWidget | None, suggested: str) -> Path | None:
    """Ask where to save a copy. Qt's own dialog (the system's adds the file to "Recent
    files"), with the warning that the copy is not encrypted. Tests replace this."""
    from safelog.gui.export_dialog import documents_folder, forget_file_dialog_history

    dialog = QFileDialog(parent, "Save a copy of the evidence")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    # The vault never overwrites a file; it says so plainly instead.
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDirectory(str(documents_folder()))
    dialog.selectFile(suggested)
    dialog.setHistory([])
    warning = plain_label(COPY_WARNING, dialog, role="warning")
    named(warning, "Warning")
    layout = dialog.layout()
    if isinstance(layout, QGridLayout):
        layout.addWidget(warning, layout.rowCount(), 0, 1, layout.columnCount())
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        chosen = dialog.selectedFiles()
        return Path(chosen[0]) if chosen and chosen[0] else None
    finally:
        forget_file_dialog_history()
        dialog.deleteLater()


def save_copy(
    context: AppContext,
    owner: QWidget,
    reference: str,
    item: EvidenceItem,
    on_saved: Callable[[str], None],
    on_failed: Callable[[str], None],
) -> bool:
    """Ask where, then extract in the worker (audited; the hash is checked, and nothing is
    left behind if it fails). Returns False when the person cancelled."""
    session = context.session
    if session is None or session.locked:
        on_failed("SafeLog is locked. Sign in again.")
        return False
    path = choose_copy_path(owner, item.info.file_name)
    if path is None:
        return False
    evidence_id = item.info.id

    def work() -> Path:
        from safelog.vault.evidence_reading import extract_evidence

        extract_evidence(session, reference, evidence_id, path)
        return path

    def saved(written: Path) -> None:
        on_saved(
            f"A copy was saved to {written}. It is not encrypted: delete it when it is no "
            "longer needed. Saving it is recorded in the chain of custody."
        )

    def failed(exc: BaseException) -> None:
        if isinstance(exc, TamperDetected):
            on_failed(
                "The copy was not saved: SafeLog found that this evidence has been altered or "
                f"damaged since it was added. {exc} Nothing was written."
            )
        else:
            on_failed("The copy was not saved. " + error_text(exc))

    run_guarded(context, owner, work, saved, failed)
    return True


class EvidenceViewer(QDialog):
    """One item: the picture with zoom, or the details of a file SafeLog does not open.

    `settled` is emitted once the item is shown or a problem explained; `recorded(id)` when
    something was added to the item's chain of custody (viewed, extracted)."""

    settled = Signal()
    recorded = Signal(str)

    def __init__(
        self,
        context: AppContext,
        reference: str,
        item: EvidenceItem,
        parent: QWidget | None = None,
        *,
        names: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.reference = reference
        self.item: EvidenceItem | None = item
        self.names = dict(names or {})
        self.image: QImage | None = None
        self.fit = True
        self.problem = ""
        self.loader = LatestOnly(context, self, self._loaded, self._failed)
        self.setWindowTitle(TITLE)
        self.setModal(False)
        self.setSizeGripEnabled(True)
        named(self, "Evidence viewer")

        layout = QVBoxLayout(self)
        info = item.info
        self.heading = plain_label(info.file_name, self, wrap=False)
        self.heading.setObjectName("subheading")
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        named(self.heading, "File name")
        self.facts = plain_label(f"{type_text(info)}  ·  {size_text(info.size)}", self, wrap=False)
        self.facts.setProperty("role", "muted")
        named(self.facts, "Type and size")
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)

        bar = QHBoxLayout()
        self.zoom_out_button = named(QPushButton("Zoom &out", self), "Zoom out (Ctrl+minus)")
        self.zoom_in_button = named(QPushButton("Zoom &in", self), "Zoom in (Ctrl+plus)")
        self.fit_button = named(
            QPushButton("&Fit to window", self), "Fit the picture to the window"
        )
        self.fit_button.setCheckable(True)
        self.actual_button = named(
            QPushButton("&Actual size", self), "Show the picture at its actual size (Ctrl+0)"
        )
        self.zoom_label = plain_label("", self, wrap=False)
        named(self.zoom_label, "Zoom")
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("0000%"))
        self.save_button = named(
            QPushButton("&Save a copy…", self), "Save a copy of the original file"
        )
        self.close_button = named(QPushButton("Close", self), "Close the viewer")
        for button in (
            self.zoom_out_button,
            self.zoom_in_button,
            self.fit_button,
            self.actual_button,
            self.save_button,
            self.close_button,
        ):
            button.setAutoDefault(False)  # Enter does nothing by surprise here
        for widget in (
            self.zoom_out_button,
            self.zoom_in_button,
            self.fit_button,
            self.actual_button,
            self.zoom_label,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.save_button)
        bar.addWidget(self.close_button)
        layout.addLayout(bar)
        self.zoom_controls: list[QWidget] = [
            self.zoom_out_button,
            self.zoom_in_button,
            self.fit_button,
            self.actual_button,
            self.zoom_label,
        ]

        self.stack = QStackedWidget(self)
        self.message = plain_label("", self.stack)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        named(self.message, "Viewer message")
        message_page = QWidget(self.stack)
        message_layout = QVBoxLayout(message_page)
        message_layout.addWidget(self.message)
        message_layout.addStretch(1)
        self.stack.addWidget(message_page)
        self.message_page = message_page
        self.picture_area = ImageScroll(self.stack)
        self.picture_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture_area.setWidgetResizable(False)
        named(self.picture_area, "Picture, full size", "Ctrl and the mouse wheel zoom.")
        self.canvas = ImageCanvas()
        self.picture_area.setWidget(self.canvas)
        self.stack.addWidget(self.picture_area)
        self.details = EvidenceDetails(context, self.stack)
        self.stack.addWidget(self.details)
        layout.addWidget(self.stack, 1)

        self.notice = plain_label("", self, role="notice")
        named(self.notice, "Result")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.error = plain_label("", self, role="warning")
        named(self.error, "Problem")
        self.error.hide()
        layout.addWidget(self.error)

        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.fit_button.clicked.connect(self.fit_to_window)
        self.actual_button.clicked.connect(self.actual_size)
        self.save_button.clicked.connect(self.save_copy)
        self.close_button.clicked.connect(self.close)
        self.picture_area.zoom_by.connect(self._zoom_by)
        self.picture_area.resized.connect(self._refit)
        shortcuts: list[tuple[QKeySequence | str, Callable[[], None]]] = [
            (QKeySequence(QKeySequence.StandardKey.ZoomIn), self.zoom_in),
            (QKeySequence("Ctrl+="), self.zoom_in),
            (QKeySequence(QKeySequence.StandardKey.ZoomOut), self.zoom_out),
            (QKeySequence("Ctrl+0"), self.actual_size),
        ]
        for sequence, slot in shortcuts:
            shortcut = QShortcut(sequence, self)
            shortcut.activated.connect(slot)
        context.events.locked.connect(self.forget)

        self.resize(self._first_size())
        self._start()

    def _first_size(self) -> QSize:
        screen = self.screen()
        if screen is None:
            return QSize(960, 720)
        area = screen.availableGeometry()
        return QSize(min(1100, int(area.width() * 0.8)), min(820, int(area.height() * 0.85)))

    # -- loading ---------------------------------------------------------------------------

    @property
    def evidence_id(self) -> str:
        return self.item.info.id if self.item is not None else ""

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message_page)

    def _zoom_controls(self, visible: bool) -> None:
        for widget in self.zoom_controls:
            widget.setVisible(visible)

    def _start(self) -> None:
        item = self.item
        assert item is not None
        self.loader.reset()
        if not viewable(item):
            too_large = item.info.metadata.get("preview") == PREVIEW_TOO_LARGE
            self._show_details(NOTES[PREVIEW_TOO_LARGE] if too_large else NOT_SHOWN)
            return
        session = self.context.session
        if session is None or session.locked:
            self._zoom_controls(False)
            self._show_message("SafeLog is locked. Sign in again.")
            self.settled.emit()
            return
        self._zoom_controls(False)
        self._show_message("Opening the picture…")
        reference, evidence_id, media_type = self.reference, item.info.id, item.info.media_type

        def work() -> QImage:
            from safelog.vault.evidence_reading import read_evidence

            info, stream = read_evidence(session, reference, evidence_id)
            if info.size > MAX_PREVIEW_FILE:  # the recorded size, checked before reading
                raise ImageProblem(NOTES[PREVIEW_TOO_LARGE])
            data = bytearray()
            for chunk in stream:  # verified chunk by chunk; the SHA-256 at the end
                data += chunk
                if len(data) > MAX_PREVIEW_FILE:
                    raise ImageProblem(NOTES[PREVIEW_TOO_LARGE])
            try:
                return decode_image(bytes(data), media_type)
            finally:
                data.clear()

        self.loader.run(work)

    def _loaded(self, image: QImage) -> None:
        if self.item is None:
            return
        self.image = image
        self.canvas.set_pixmap(QPixmap.fromImage(image))
        self.stack.setCurrentWidget(self.picture_area)
        self._zoom_controls(True)
        self.recorded.emit(self.evidence_id)
        self.fit_to_window()
        self.settled.emit()

    def _failed(self, exc: BaseException) -> None:
        if self.item is None:
            return
        if isinstance(exc, TamperDetected):
            text = (
                "This evidence is not shown: SafeLog found that it has been altered or damaged "
                f"since it was added. {exc} Tell your DSL; the original record of it, its "
                "SHA-256, is in the details."
            )
        elif isinstance(exc, ImageProblem):
            text = str(exc)
        else:
            text = "This evidence cannot be shown. " + error_text(exc)
        self.problem = text
        self._zoom_controls(False)
        self._show_message(text)
        self.recorded.emit(self.evidence_id)  # an attempt that got as far as reading is audited
        self.settled.emit()

    def _show_details(self, note: str) -> None:
        item = self.item
        assert item is not None
        self._zoom_controls(False)
        self.details.show_item(item, self.names, self.reference)
        self.problem = ""
        self.notice.setText(note)
        self.notice.show()
        self.stack.setCurrentWidget(self.details)
        self.settled.emit()

    # -- zoom ------------------------------------------------------------------------------

    @property
    def scale(self) -> float:
        return self.canvas.scale

    def zoom_text(self) -> str:
        return self.zoom_label.text()

    def _set_scale(self, scale: float, fit: bool) -> None:
        if self.image is None:
            return
        self.fit = fit
        self.fit_button.setChecked(fit)
        scale = max(MIN_ZOOM, min(MAX_ZOOM, scale))
        self.canvas.set_scale(scale)
        self.zoom_label.setText(f"{round(scale * 100)}%")
        self.zoom_label.setAccessibleDescription(f"Zoom {round(scale * 100)} per cent")

    def _fit_scale(self) -> float:
        if self.image is None:
            return 1.0
        area = self.picture_area.viewport().size()
        width = max(1, area.width() - 2)
        height = max(1, area.height() - 2)
        # Larger pictures shrink to fit; small ones are not blown up past their real size.
        return min(1.0, width / max(1, self.image.width()), height / max(1, self.image.height()))

    def fit_to_window(self) -> None:
        self._set_scale(self._fit_scale(), True)

    def actual_size(self) -> None:
        self._set_scale(1.0, False)

    def zoom_in(self) -> None:
        self._zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom_by(1 / ZOOM_STEP)

    def _zoom_by(self, factor: float) -> None:
        self._set_scale(self.scale * factor, False)

    def _refit(self) -> None:
        if self.fit and self.image is not None:
            self.fit_to_window()

    # -- saving a copy ---------------------------------------------------------------------

    def save_copy(self) -> None:
        if self.item is None:
            return
        self.notice.hide()
        self.error.hide()
        self.save_button.setEnabled(False)
        started = save_copy(
            self.context, self, self.reference, self.item, self._saved, self._save_failed
        )
        if not started:
            self.save_button.setEnabled(True)

    def _saved(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.notice.setText(message)
        self.notice.show()
        if self.stack.currentWidget() is self.details:
            self.details.load_custody()
        self.recorded.emit(self.evidence_id)

    def _save_failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(message)
        self.error.show()
        self.recorded.emit(self.evidence_id)

    # -- closing ---------------------------------------------------------------------------

    def forget(self) -> None:
        """Drop the picture and everything shown, and close (on lock)."""
        self.loader.reset()
        self.image = None
        self.item = None
        self.canvas.set_pixmap(None)
        self.details.clear()
        for label in (self.heading, self.facts, self.message, self.notice, self.error):
            label.setText("")
        self.problem = ""
        if shiboken6.isValid(self):
            self.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.forget()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.forget()
        super().done(result)


__all__ = [
    "COPY_WARNING",
    "TITLE",
    "EvidenceViewer",
    "choose_copy_path",
    "save_copy",
]
