"""The school roll window: the pupils on the roll, searched as you type, and for a DSL or an
administrator importing the MIS export and adding a pupil by hand.

The roll is read in the worker and folded once (gui/pupil_picker.py RollSource), so the
search follows the typing over thousands of pupils. Importing reads the file and writes the
roll in the worker, all or nothing (vault/roll.py): when any row cannot be read, the window
lists each one by line with why, and says that nothing was imported. Pupils who have left
stay on the roll, greyed, with the date they left.

The file is chosen with Qt's own dialog, never the system's, and the folder is forgotten
afterwards (gui/export_dialog.py): a shared PC keeps no trail of where the roll came from.
A DSL opens a pupil's page from here (gui/pupil_page.py): the window closes and the main
window shows the page in a tab. The main window offers this window to those who keep the
roll; the vault refuses a change from anyone else whatever this window offers, and its
refusal is what they see.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.roles import CASE_MANAGERS, ROLL_KEEPERS
from safelog.domain.roll_import import MAX_ROLL_BYTES
from safelog.errors import InvalidInput, UserFacingError
from safelog.gui.errors import explain_error
from safelog.gui.export_dialog import (
    documents_folder,
    file_dialog_options,
    forget_file_dialog_history,
)
from safelog.gui.pupil_form import AddPupilDialog, sentence
from safelog.gui.pupil_picker import RollSource
from safelog.gui.roll_model import SAMPLES, RollColumn, RollTableModel
from safelog.gui.screen_fit import fit_to_screen, keep_fitting
from safelog.gui.widgets import BusyNote, ColumnFitter, named, plain_label, set_plain_text
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.domain.roll import Pupil
    from safelog.gui.context import AppContext
    from safelog.vault.roll import RollImported

READ_ONLY = "Only a DSL or an administrator can import the roll or add a pupil."


def read_roll_file(path: Path) -> bytes:
    """The file's bytes (in the worker); past the largest roll read_roll takes, no further."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_ROLL_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or "it could not be read"
        raise InvalidInput(f"SafeLog could not open {path.name}: {reason.lower()}.") from None


def imported_text(result: RollImported) -> str:
    """What an import did, in a sentence."""
    counts = result.counts
    parts = [
        f"{counts.get('added', 0)} added",
        f"{counts.get('updated', 0)} updated",
        f"{counts.get('unchanged', 0)} unchanged",
        f"{counts.get('left', 0)} marked as left",
    ]
    if counts.get("rejoined"):
        parts.append(f"{counts['rejoined']} back on the roll")
    text = f"The roll was imported: {', '.join(parts)}."
    if result.ignored_headings:
        text += f" Columns SafeLog does not use were ignored: {', '.join(result.ignored_headings)}."
    return text


def rejected_text(result: RollImported) -> tuple[str, str]:
    """Why nothing was imported, and the rows that stopped it, one a line."""
    count = len(result.rejected)
    rows = "1 row" if count == 1 else f"{count} rows"
    summary = (
        f"Nothing was imported: {rows} could not be read. Correct "
        f"{'it' if count == 1 else 'them'} in the MIS or the file, then import the whole "
        "file again."
    )
    lines = "\n".join(f"Line {r.line}: {sentence(r.reason)}" for r in result.rejected)
    return summary, lines


class RollWindow(QDialog):
    """Emits `changed` after an import or a pupil added."""

    changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        session = context.require_session()
        self.context = context
        self.keeps = bool(frozenset(session.person.roles) & ROLL_KEEPERS)
        self.manages_cases = bool(frozenset(session.person.roles) & CASE_MANAGERS)
        self.requested_pupil = ""  # whose page to open once the window has closed
        self._select_id = ""
        self.setWindowTitle("SafeLog — School roll")
        self.setMinimumSize(640, 460)
        fit_to_screen(self, 960, 680)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "The pupils on the school roll. Everyone in SafeLog can pick a pupil from it "
                "when they report a concern, so the same child is linked across cases.",
                self,
            )
        )
        top = QHBoxLayout()
        self.search = named(
            QLineEdit(self), "Search the school roll", "A name, a form (8B) or a year (Y8)"
        )
        self.search.setPlaceholderText("Search by name, form (8B) or year (Y8)")
        self.search.setClearButtonEnabled(True)
        top.addWidget(self.search, 2)
        self.status = plain_label("", self, role="muted")
        named(self.status, "How many pupils are shown")
        top.addWidget(self.status, 1)
        layout.addLayout(top)

        self.model = RollTableModel(self.palette().placeholderText(), self)
        self.table = named(QTableView(self), "Pupils on the school roll")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(RollColumn.NAME, QHeaderView.ResizeMode.Stretch)
        ColumnFitter(self.table, {c: (s, False) for c, s in SAMPLES.items()}).apply()
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.import_button = QPushButton("&Import from MIS export…", self)
        named(self.import_button, "Import the school roll from an MIS export (CSV)")
        self.import_button.setToolTip(
            "The CSV file SIMS, Arbor, Bromcom or Scholarpack exports: pupils are matched by "
            "UPN, or by name and date of birth; none is ever deleted"
        )
        self.add_button = named(QPushButton("&Add a pupil…", self), "Add a pupil by hand")
        for button in (self.import_button, self.add_button):
            button.setAutoDefault(False)
            button.setVisible(self.keeps)
            row.addWidget(button)
        self.adults_button = named(
            QPushButton("A&dults not in SafeLog…", self),
            "Adults who are not SafeLog users: supply staff, volunteers, governors, contractors",
        )
        self.adults_button.setAutoDefault(False)
        row.addWidget(self.adults_button)
        self.busy = BusyNote(self)
        row.addWidget(self.busy, 1)
        row.addStretch(1)
        self.page_button = named(
            QPushButton("Open the pupil's &page", self), "Open the selected pupil's page"
        )
        self.page_button.setToolTip("Every case about them, and one chronology across them")
        self.page_button.setAutoDefault(False)
        self.page_button.setVisible(self.manages_cases)
        row.addWidget(self.page_button)
        layout.addLayout(row)
        self.read_only = plain_label(READ_ONLY, self, role="muted")
        self.read_only.setVisible(not self.keeps)
        layout.addWidget(self.read_only)
        self.notice = plain_label("", self, role="notice")
        named(self.notice, "Result")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.problem = plain_label("", self, role="warning")
        named(self.problem, "Problem")
        self.problem.hide()
        layout.addWidget(self.problem)
        self.rejected_rows = named(QPlainTextEdit(self), "Rows that could not be read")
        self.rejected_rows.setReadOnly(True)
        self.rejected_rows.setTabChangesFocus(True)
        self.rejected_rows.hide()
        layout.addWidget(self.rejected_rows)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        named(close, "Close")
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.roll = RollSource(context, self)
        self.roll.ready.connect(self._roll_read)
        self.roll.forgotten.connect(self._forget)
        self.search.textChanged.connect(self.show_matches)
        self.import_button.clicked.connect(self.import_roll_file)
        self.add_button.clicked.connect(self.add_pupil)
        self.adults_button.clicked.connect(self.open_adults)
        self.page_button.clicked.connect(self.open_page)
        self.table.activated.connect(lambda _index: self.open_page())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update())
        context.events.locked.connect(self.reject)
        keep_fitting(self)
        self.refresh()

    # -- the list -------------------------------------------------------------------------------

    def refresh(self) -> None:
        set_plain_text(self.status, "Reading the school roll…")
        self.roll.reload()

    def _roll_read(self) -> None:
        if self.roll.problem:
            self.model.set_pupils([])
            set_plain_text(self.status, "")
            self._say_problem(f"The school roll cannot be read: {self.roll.problem}")
        self.show_matches(self.search.text())
        if self._select_id:
            self.select(self._select_id)
            self._select_id = ""
        self._update()

    def show_matches(self, text: str) -> None:
        index = self.roll.index
        if index is None:
            return
        everyone = index.pupils
        shown = index.match(text, len(everyone)) if text.strip() else everyone
        self.model.set_pupils(shown)
        left = sum(1 for p in everyone if p.left_on is not None)
        on_roll = len(everyone) - left
        if text.strip():
            status = f"{len(shown)} of {len(everyone)} match"
        elif not everyone:
            status = "No pupils yet." + (" Import the MIS export to begin." if self.keeps else "")
        else:
            status = f"{on_roll} on the roll"
            if left:
                status += f", {left} who {'has' if left == 1 else 'have'} left"
        set_plain_text(self.status, status)
        self._update()

    def rows(self) -> list[tuple[str, ...]]:
        """What the table shows, row by row."""
        return list(self.model.cells)

    def select(self, pupil_id: str) -> None:
        row = self.model.row_of(pupil_id)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _forget(self) -> None:
        self.model.set_pupils([])
        self.search.clear()

    # -- changes (the vault decides who may) ----------------------------------------------------

    def choose_roll_file(self) -> Path | None:
        """The MIS export to import, chosen in Qt's own dialog (tests patch this)."""
        try:
            chosen, _filter = QFileDialog.getOpenFileName(
                self,
                "Choose the MIS export to import",
                str(documents_folder()),
                "CSV files (*.csv *.txt);;All files (*)",
                options=file_dialog_options(),
            )
        finally:
            forget_file_dialog_history()
        return Path(chosen) if chosen else None

    def import_roll_file(self) -> None:
        if self.busy.busy:
            return
        path = self.choose_roll_file()
        if path is not None:
            self.import_file(path)

    def import_file(self, path: Path) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        self._clear_result()
        self.busy.start(f"Importing {path.name}…")
        self._update()

        def work() -> RollImported:
            from safelog.vault.roll import import_roll

            return import_roll(session, read_roll_file(path))

        run_guarded(self.context, self, work, self._imported, self._failed)

    def _imported(self, result: RollImported) -> None:
        self.busy.stop()
        self._update()
        if not result.imported:
            summary, lines = rejected_text(result)
            self._say_problem(summary)
            self.rejected_rows.setPlainText(lines)
            # As tall as the rows listed, up to seven; more scroll.
            shown = min(len(result.rejected), 7) + 1
            self.rejected_rows.setFixedHeight(self.fontMetrics().lineSpacing() * shown + 12)
            self.rejected_rows.show()
            return
        self._say(imported_text(result))
        self.refresh()
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self._update()
        if isinstance(exc, UserFacingError):
            self._say_problem(f"Nothing was imported. {exc}")
        else:
            explain_error(self, exc)

    def open_adults(self) -> None:
        from safelog.gui.adults_window import AdultsDialog

        dialog = AdultsDialog(self.context, self)
        dialog.setModal(True)
        dialog.open()
        self.adults_dialog = dialog  # kept for tests and for the lock to close it

    def add_pupil(self) -> None:
        if self.busy.busy:
            return
        self._clear_result()
        pupil = self.ask_for_pupil()
        if pupil is None:
            return
        self._say(f"{pupil.display_name} was added to the roll.")
        self.search.clear()
        self._select_id = pupil.id
        self.refresh()
        self.changed.emit()

    def ask_for_pupil(self) -> Pupil | None:
        """The add-a-pupil form; the pupil added, or None."""
        dialog = AddPupilDialog(self.context, self)
        try:
            return dialog.launch()
        finally:
            dialog.deleteLater()

    def selected(self) -> Pupil | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.pupil_at(rows[0].row()) if rows else None

    def open_page(self) -> None:
        """Close, and have the main window open the selected pupil's page."""
        pupil = self.selected()
        if pupil is not None and self.manages_cases and not self.busy.busy:
            self.requested_pupil = pupil.id
            self.accept()

    def _update(self) -> None:
        idle = not self.busy.busy
        self.import_button.setEnabled(idle)
        self.add_button.setEnabled(idle)
        self.page_button.setEnabled(idle and self.selected() is not None)

    def _say(self, text: str) -> None:
        set_plain_text(self.notice, text)
        self.notice.setVisible(bool(text))

    def _say_problem(self, text: str) -> None:
        set_plain_text(self.problem, text)
        self.problem.setVisible(bool(text))

    def _clear_result(self) -> None:
        self._say("")
        self._say_problem("")
        self.rejected_rows.clear()
        self.rejected_rows.hide()

    # -- closing --------------------------------------------------------------------------------

    def reject(self) -> None:
        session = self.context.session
        if self.busy.busy and session is not None and not session.locked:
            return  # the roll is being written; it finishes in a moment (a lock still closes)
        super().reject()

    def launch(self) -> None:
        self.exec()
