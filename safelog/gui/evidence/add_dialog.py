"""Adding evidence to a case: the list of what is about to go in, one set of details for all
of it (where it was seen, when, by which account), and the import in the worker, with each
item's outcome in plain words. The rows of the list are item_row.py; the
details typed once for all of it, sighting_form.py.

- Every item is shown by its safe name (safelog.evidence.intake.safe_file_name), its size
  and the type found in its content (sniffed in the worker); pictures get a thumbnail made
  in memory (safelog.evidence.images), never from or to a file.
- The items go in as one batch in the worker (vault/filing.py `import_sources`): each is
  stored, then all are recorded at once, and their thumbnails are made afterwards.
- One refusal does not stop the others; what was typed stays, so the ones not added can be
  tried again; Cancel during the import stops after the item being read.
- Locking closes the dialog and drops the pictures and bytes it held.

`start_adding()` is the one way in for every route (paste, drop, picker, capture): it asks
the vault's intake rules first and, on a case where pictures may not be kept (indecent
images of children: UKCIS), shows the guidance and the image-report form instead
(image_report.py), keeping nothing.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from safelog.errors import UserFacingError
from safelog.evidence.images import NOTES
from safelog.evidence.intake import NOT_TEXT
from safelog.gui.dialogs import confirm, tell
from safelog.gui.errors import error_text, explain_error
from safelog.gui.evidence.item_row import (
    ADDED,
    ADDING,
    DONE,
    LINKED,
    REFUSED,
    THUMBNAIL_PX,
    Inspected,
    ItemRow,
    inspect_source,
)
from safelog.gui.evidence.sighting_form import SightingForm
from safelog.gui.evidence.sources import (
    NOTHING_TO_PASTE,
    PendingSource,
    kept_out,
    problems_of,
)
from safelog.gui.evidence.thumbnails_after import make_thumbnails_after
from safelog.gui.screen_fit import fit_to_screen
from safelog.gui.widgets import named, plain_label, set_invalid
from safelog.vault.filing import Outcome, WhereSeen, added_ids, import_sources

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.evidence import EvidenceAdded
    from safelog.vault.session import Session

DUPLICATE = "Already on this case — linked as another sighting."
STOPPED = "Not added: stopped before it was added."


# --------------------------------------------------------------------------------------------
# Work done in the worker


def added_text(result: EvidenceAdded) -> tuple[str, str]:
    """(state, plain words) for an import that went in."""
    if result.duplicate:
        return LINKED, DUPLICATE
    return ADDED, " ".join(("Added.", *result.notes))


def refused_text(exc: BaseException) -> str:
    if isinstance(exc, UserFacingError):
        return f"Not added: {exc}"
    if isinstance(exc, OSError):
        return f"Not added: the file could not be read ({exc.strerror or 'read error'})."
    return f"Not added: {error_text(exc)}"  # a fault: reported to the crash handler


# --------------------------------------------------------------------------------------------
# The dialog


class AddEvidenceDialog(QDialog):
    """`launch()` returns True when at least one item was added (or linked as a sighting).
    `added(count)` is emitted after each run of imports that added anything; `settled()`
    after each run, when the buttons are live again."""

    added = Signal(int)
    settled = Signal()
    previews_made = Signal()  # the thumbnails of what was added were made (after settled)
    inspected = Signal()

    def __init__(
        self,
        context: AppContext,
        reference: str,
        sources: list[PendingSource],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.reference = reference
        self._sources: list[PendingSource] = list(sources)
        self._running = False
        self._stop = threading.Event()
        self._close_when_done = False
        self._queue: list[int] = []
        self._row_of: dict[str, ItemRow] = {}  # by evidence id, for the notes made after
        self._batch = 0
        self.total_added = 0
        self.setWindowTitle(f"Add evidence to {reference}")
        self.setModal(True)

        outer = QVBoxLayout(self)
        usable = sum(1 for s in self._sources if s.usable)
        self.intro = plain_label(
            f"{self._count(usable)} to add to case {reference}. The details below are "
            "recorded with each of them; fill in what you know.",
            self,
        )
        outer.addWidget(self.intro)

        self.rows_area = QScrollArea(self)
        self.rows_area.setWidgetResizable(True)
        self.rows_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder = QWidget(self.rows_area)
        rows_layout = QVBoxLayout(holder)
        rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows: list[ItemRow] = []
        for source in self._sources:
            row = ItemRow(source, holder)
            self.rows.append(row)
            rows_layout.addWidget(row)
        rows_layout.addStretch(1)
        self.rows_area.setWidget(holder)
        named(self.rows_area, "Items to add")
        self.rows_area.setMinimumHeight(min(len(self.rows), 2) * (THUMBNAIL_PX + 20) + 4)
        outer.addWidget(self.rows_area, 1)

        self.details_box = SightingForm(context.clock(), self)
        outer.addWidget(self.details_box)

        self.error = plain_label("", self, role="warning")
        named(self.error, "Problem with the details")
        self.error.hide()
        outer.addWidget(self.error)

        self.progress = QProgressBar(self)
        named(self.progress, "Progress of adding the items")
        self.progress.setRange(0, max(1, usable))
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v of %m")
        self.progress.hide()
        self.progress_text = plain_label("", self, role="muted")
        self.progress_text.hide()
        outer.addWidget(self.progress)
        outer.addWidget(self.progress_text)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.add_button = named(
            QPushButton(f"&Add {self._count(usable)}", self), "Add the items to the case"
        )
        self.add_button.setProperty("role", "primary")
        self.add_button.setEnabled(usable > 0)
        self.close_button = named(QPushButton("Cancel", self), "Cancel")
        for button in (self.add_button, self.close_button):
            button.setAutoDefault(False)
            button.setDefault(False)
            buttons.addWidget(button)
        outer.addLayout(buttons)
        self.add_button.clicked.connect(self.start_import)
        self.close_button.clicked.connect(self.reject)

        context.events.locked.connect(self._locked)
        fit_to_screen(self, 640, min(760, 420 + 80 * min(len(self.rows), 4)))
        self._inspect()

    @staticmethod
    def _count(n: int) -> str:
        return "1 item" if n == 1 else f"{n} items"

    # -- inspecting --------------------------------------------------------------------------

    def _inspect(self) -> None:
        sources = list(self._sources)

        def work() -> list[Inspected | None]:
            return [inspect_source(s) if s.usable else None for s in sources]

        def done(found: list[Inspected | None]) -> None:
            if not shiboken6.isValid(self) or not self._sources:
                return
            for row, item in zip(self.rows, found, strict=False):
                if item is not None:
                    row.show_inspected(item)
            self.inspected.emit()

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self) and self._sources:
                error_text(exc)  # a fault: the crash handler; the list still works
                self.inspected.emit()

        self.context.runner.run(work, done, failed)

    # -- importing ---------------------------------------------------------------------------

    def details(self) -> WhereSeen | None:
        """The details typed, as the vault takes them; None (and a message) when wrong."""
        self.error.hide()
        form = self.details_box
        set_invalid(form.seen, False)
        seen = form.seen_at()
        if seen > self.context.clock() + timedelta(minutes=5):
            self._show_error("The time it was seen is in the future. Check the date.", form.seen)
            return None
        return form.values(seen)

    def _show_error(self, text: str, field: QWidget | None = None) -> None:
        self.error.setText(text)
        self.error.show()
        if field is not None:
            set_invalid(field, True)
            field.setFocus(Qt.FocusReason.OtherFocusReason)

    def waiting(self) -> list[int]:
        """Items that can be (tried again to be) added."""
        return [
            i
            for i, (s, row) in enumerate(zip(self._sources, self.rows, strict=True))
            if s.usable and row.state not in DONE
        ]

    def start_import(self) -> None:
        if self._running:
            return
        details = self.details()
        if details is None:
            return
        session = self.context.session
        if session is None or session.locked:
            self._show_error("SafeLog is locked. Sign in again.")
            return
        self._queue = self.waiting()
        if not self._queue:
            return
        self._batch = 0
        self._stop = threading.Event()
        self._set_running(True)
        self.progress.setRange(0, len(self._queue))
        self.progress.setValue(0)
        self._import(session, details, list(self._queue), self._stop)

    def _import(
        self, session: Session, details: WhereSeen, indices: list[int], stop: threading.Event
    ) -> None:
        """One batch in the worker (vault/filing.py): every item read and stored, then all
        recorded at once; their thumbnails are made after, while the dialog is already
        done (thumbnails_after.py)."""
        reference = self.reference
        sources = [self._sources[i] for i in indices]

        def moved(done_count: int, total: int) -> None:
            if not self._alive(session):
                return
            self.progress.setValue(done_count)
            if done_count < total:
                row = self.rows[indices[done_count]]
                row.set_state(ADDING, "Adding…")
                self.rows_area.ensureWidgetVisible(row)
                self.progress_text.setText(f"Adding {done_count + 1} of {total}…")

        def done(outcomes: list[Outcome]) -> None:
            if not self._alive(session):
                return
            for index, outcome in zip(indices, outcomes, strict=True):
                row = self.rows[index]
                if outcome is None:
                    row.set_state(REFUSED, STOPPED)
                elif isinstance(outcome, Exception):
                    row.set_state(REFUSED, refused_text(outcome))
                else:
                    row.set_state(*added_text(outcome))
                    self._row_of[outcome.evidence_id] = row
                    self._batch += 1
                    self.total_added += 1
            self._after_import(added_ids(outcomes))

        def failed(exc: BaseException) -> None:
            if not self._alive(session):
                return
            for index in indices:
                self.rows[index].set_state(REFUSED, refused_text(exc))
            self._after_import([])

        task = self.context.runner.run(
            lambda progress: import_sources(
                session, reference, sources, details, progress, stop.is_set
            ),
            done,
            failed,
            with_progress=True,
        )
        task.progress.connect(moved)

    def _after_import(self, added: list[str]) -> None:
        self._queue = []
        self._finish()
        if added:
            make_thumbnails_after(self.context, self.reference, added, self._previews_made)

    def _previews_made(self, made: dict[str, str]) -> None:
        """A picture found unreadable once its thumbnail was tried says so on its row."""
        if not shiboken6.isValid(self):
            return
        for evidence_id, status in made.items():
            row = self._row_of.get(evidence_id)
            note = NOTES.get(status, "")
            shown = row.status.text() + row.detail.text() if row is not None else ""
            if row is not None and note and note not in shown:  # not said when looked at
                row.set_state(ADDED, f"{row.status.text()} {note}")
        self.previews_made.emit()

    def _alive(self, session: Session) -> bool:
        return shiboken6.isValid(self) and bool(self._sources) and not session.locked

    def _finish(self) -> None:
        self._set_running(False)
        left = len(self.waiting())
        added = sum(1 for r in self.rows if r.state in DONE)
        summary = f"{self._count(added)} added to {self.reference}." if added else "Nothing added."
        if left:
            summary += f" {self._count(left)} not added: see above."
        self.progress_text.setText(summary)
        self.add_button.setText(f"&Try again for {self._count(left)}" if left else "&Add")
        self.add_button.setEnabled(bool(left))
        self.close_button.setText("Close" if added else "Cancel")
        self.close_button.setAccessibleName(self.close_button.text())
        if self._batch:
            self.added.emit(self._batch)
            self.context.events.cases_changed.emit(self.reference)
        self.settled.emit()
        if self._close_when_done:
            self._close()

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.details_box.setEnabled(not running)
        self.add_button.setEnabled(not running)
        self.progress.setVisible(True)
        self.progress_text.setVisible(True)
        if running:
            self.close_button.setText("Stop after this item")
            self.close_button.setAccessibleName("Stop after the item being added")

    # -- closing -----------------------------------------------------------------------------

    def reject(self) -> None:
        if self._running:
            self._stop.set()  # the item being added finishes; nothing after it starts
            self.close_button.setEnabled(False)
            self.progress_text.setText("Stopping after the item being added…")
            return
        self._close()

    def _close(self) -> None:
        if self.total_added:
            super().accept()
        else:
            super().reject()

    def accept(self) -> None:  # Enter must not add or close: only the buttons do
        pass

    def forget(self) -> None:
        """Drop everything held: the bytes of pasted or captured pictures, thumbnails."""
        self._sources = []
        for row in self.rows:
            row.forget()

    def _locked(self) -> None:
        self._stop.set()
        self._queue = []
        self.forget()
        self.details_box.clear()
        for row in self.rows:
            row.name.clear()
        self._running = False
        super().reject()

    def launch(self) -> bool:
        try:
            self.exec()
        finally:
            self.forget()
        return self.total_added > 0


# --------------------------------------------------------------------------------------------
# The one way in


def start_adding(
    context: AppContext,
    parent: QWidget | None,
    reference: str,
    sources: list[PendingSource],
) -> bool:
    """Add pasted, dropped, chosen or captured items to a case: True when at least one was
    added. Asks the vault first whether this person may add here and whether pictures are
    blocked; if they are and any item is a picture, a video or an archive (which may hold
    them), shows the guidance and the
    image-report form instead and keeps nothing (the list passed in is emptied, so no
    reference to the picture remains)."""
    if not any(s.usable for s in sources):
        problems = problems_of(sources)
        tell(parent, "Nothing added", "\n\n".join(problems) or NOTHING_TO_PASTE, warning=True)
        return False
    from safelog.vault.evidence_rules import intake_rules

    try:
        rules = intake_rules(context.require_session(), reference)
    except Exception as exc:  # typed errors are explained, faults reported
        explain_error(parent, exc)
        return False
    if not rules.may_add:
        tell(parent, "Cannot add evidence", rules.reason, warning=True)
        return False
    if rules.upload_warning and not confirm(
        parent, "Before you add evidence", rules.upload_warning + "\n\nAdd the evidence?"
    ):
        return False
    refused = {k for k in map(kept_out, sources) if k} if rules.images_blocked else set()
    if refused:
        from safelog.gui.evidence.image_report import refuse_images

        held_in_memory = any(s.data is not None for s in sources)
        sources.clear()
        refuse_images(
            context,
            parent,
            reference,
            rules.guidance,
            clear_clipboard=held_in_memory,
            kind=refused.pop() if len(refused) == 1 else NOT_TEXT,
        )
        return False
    dialog = AddEvidenceDialog(context, reference, sources, parent)
    try:
        return dialog.launch()
    finally:
        dialog.deleteLater()
