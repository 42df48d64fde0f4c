""" "Screenshots and files" in "Report a concern": what goes with the report.

Pasted, dropped, chosen or captured (gui/evidence/intake_controller.py), each is held until
the report is sent: pictures in memory, files by their path. For a kind of concern that may
involve indecent images of children, pictures (and archives, which may hold them) are refused
at once with the UKCIS guidance and never held; choosing such a kind drops any already held.
Once the report is sent, any that could not be added to it are named (`not_added_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.evidence.intake import ARCHIVE, IMAGERY, describe_size
from safelog.gui.evidence.add_dialog import refused_text
from safelog.gui.evidence.intake_controller import EvidenceIntake
from safelog.gui.evidence.sources import PendingSource, kept_out, refused_with_images
from safelog.gui.widgets import named, plain_label

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.filing import FiledReport


def pictures_refused(what: str, guidance: str) -> str:
    """`what`: "the picture was not added", "2 archives were removed"..."""
    return (
        "Only plain text notes are kept for this kind of concern (pictures, video, archives, "
        f"PDFs, e-mails and documents can all hold images), so {what}. {guidance}"
    )


def pictures_words(sources: list[PendingSource], done: str) -> str:
    """ "the picture was removed", "2 archives were not added", "3 files were removed"."""
    kinds = {kept_out(s) for s in sources}
    noun = "archive" if kinds == {ARCHIVE} else "picture" if kinds == {IMAGERY} else "file"
    count = len(sources)
    return f"the {noun} was {done}" if count == 1 else f"{count} {noun}s were {done}"


def not_added_text(filed: FiledReport) -> str:
    """What to tell the writer when some of the files could not be added to their report."""
    lines = [
        f"• {name}: {refused_text(exc).removeprefix('Not added: ')}"
        for name, exc in filed.not_added
    ]
    return (
        f"Report {filed.reference} was sent to the DSL. "
        + (
            "This file could not be added to it:"
            if len(lines) == 1
            else f"These {len(lines)} files could not be added to it:"
        )
        + "\n\n"
        + "\n".join(lines)
        + "\n\nTell your DSL about them, or give them the files."
    )


class EvidenceSection(QGroupBox):
    """ "Screenshots and files": what goes with the report. Paste (Ctrl+V here, or the
    button), drop, choose or capture; each is held until the report is sent. `guidance()`
    gives the chosen category's guidance when it blocks pictures, else None."""

    changed = Signal()

    def __init__(
        self,
        context: AppContext,
        parent: QWidget,
        guidance: Callable[[], str | None],
    ) -> None:
        super().__init__("Screenshots and files", parent)
        self.context = context
        self._guidance = guidance
        self._held: list[PendingSource] = []
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Add screenshots or files that show what happened: paste them (Ctrl+V here), "
                "drag them here, choose files or capture the screen. They are added to the "
                "report when you send it.",
                self,
                role="muted",
            )
        )
        row = QHBoxLayout()
        self.paste_button = named(
            QPushButton("&Paste", self), "Paste a picture or copied files", "Ctrl+V"
        )
        self.choose_button = named(QPushButton("Choose f&iles…", self), "Choose files to add")
        self.capture_button = named(QPushButton("&Capture screen", self), "Capture the screen")
        self.intake = EvidenceIntake(
            self,
            context.clock,
            lambda sources: self.add(sources) > 0,
            lambda problem: self._show([problem]),
            no_capture=self._no_capture,
        )
        self.capture_menu = self.intake.connect_buttons(
            self.paste_button, self.choose_button, self.capture_button
        )
        for button in (self.paste_button, self.choose_button, self.capture_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = plain_label("", self, role="warning")
        named(self.message, "Why something was not added")
        self.message.hide()
        layout.addWidget(self.message)
        self.items = named(QListWidget(self), "Screenshots and files to send with the report")
        self.items.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.items.setMaximumHeight(self.fontMetrics().lineSpacing() * 6)
        self.items.hide()
        layout.addWidget(self.items)
        self.remove_button = named(
            QPushButton("Remove selected", self), "Remove the selected screenshots or files"
        )
        self.remove_button.hide()
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.remove_button.clicked.connect(self.remove_selected)

    # -- what is held ------------------------------------------------------------------------

    @property
    def held(self) -> list[PendingSource]:
        return list(self._held)

    def count(self) -> int:
        return len(self._held)

    def add(self, sources: list[PendingSource]) -> int:
        """Hold what can go with the report; say plainly why anything else cannot.
        Returns how many were added to the list."""
        problems = [s.problem for s in sources if s.problem]
        usable = [s for s in sources if s.usable]
        guidance = self._guidance()
        if guidance:
            pictures = [s for s in usable if refused_with_images(s)]
            if pictures:
                usable = [s for s in usable if s not in pictures]
                if any(s.data is not None for s in pictures):
                    from safelog.gui.evidence.image_report import clear_clipboard_picture

                    clear_clipboard_picture()
                problems.append(pictures_refused(pictures_words(pictures, "not added"), guidance))
                del pictures
        known = {s.path for s in self._held if s.path is not None}
        fresh = [s for s in usable if s.path is None or s.path not in known]
        self._held.extend(fresh)
        self._show(problems)
        return len(fresh)

    def category_changed(self) -> None:
        """A kind of concern that blocks pictures drops any held at once."""
        guidance = self._guidance()
        if not guidance:
            return
        pictures = [s for s in self._held if refused_with_images(s)]
        if not pictures:
            return
        self._held = [s for s in self._held if s not in pictures]
        words = pictures_words(pictures, "removed")
        del pictures
        self._show([pictures_refused(words, guidance)])

    def remove_selected(self) -> None:
        rows = sorted({self.items.row(item) for item in self.items.selectedItems()}, reverse=True)
        for row in rows:
            if 0 <= row < len(self._held):
                del self._held[row]
        self._show([])

    def clear(self) -> None:
        """Forget everything held (pasted and captured pictures are in memory only)."""
        self._held = []
        self._show([])

    def _show(self, problems: list[str]) -> None:
        self.items.clear()
        for source in self._held:
            size = source.size()
            text = source.display_name + (f"  ({describe_size(size)})" if size is not None else "")
            QListWidgetItem(text, self.items)
        self.items.setVisible(bool(self._held))
        self.remove_button.setVisible(bool(self._held))
        self.message.setText("\n\n".join(problems))
        self.message.setVisible(bool(problems))
        self.changed.emit()

    # -- the routes in (gui/evidence/intake_controller.py) -----------------------------------

    def _no_capture(self) -> str | None:
        guidance = self._guidance()
        return pictures_refused("the screen was not captured", guidance) if guidance else None

    def paste(self) -> None:
        self.intake.paste()

    def choose(self) -> None:
        self.intake.choose()

    def capture(self, mode: str) -> None:
        self.intake.capture(mode)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.intake.drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.intake.drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.intake.drop(event)
