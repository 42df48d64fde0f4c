"""Subject access… (Records menu, for the DSL): requests for what the school holds about a
person, with their due dates (overdue said so); recording a request, its one extension,
the evidence originals to include one by one (a box each), items withheld for serious
harm, and the disclosure exported as a signed PDF. Its redaction log stays in SafeLog.

The work is vault/subject_access.py and vault/sar_export.py, in the worker; the vault
re-checks that the person is a DSL whatever this window offers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.deadlines import LONDON
from safelog.domain.roll import Pupil
from safelog.domain.subject_access import Relationship
from safelog.errors import UserFacingError
from safelog.gui.errors import error_text, explain_error
from safelog.gui.export_dialog import documents_folder, file_dialog_options
from safelog.gui.export_dialog import forget_file_dialog_history as forget_history
from safelog.gui.formatting import to_qdatetime, uk_date
from safelog.gui.pupil_picker import PupilPicker, RollSource
from safelog.gui.screen_fit import fit_to_screen, keep_fitting
from safelog.gui.widgets import BusyNote, named, plain_label, set_plain_text
from safelog.gui.worker import LatestOnly, run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.sar_export import DisclosureMade, ItemChoice
    from safelog.vault.subject_access import SubjectAccessRequest

EXPLAINED = (
    "A person (or a parent, or a solicitor for them) may ask for what the school holds about "
    "them. Answer within one calendar month of receipt; you may extend that once by up to two "
    "months if it is complex, telling them why within the first month. The disclosure names "
    "them and the requester; everyone else becomes Pupil A, Staff member B... Originals are "
    "listed and left out unless you tick them. What was withheld and why stays in SafeLog."
)
COLUMNS = ("Request", "About", "Asked by", "Received", "Due by", "Status")
SIZE = (1180, 660)


def _size(size: int) -> str:
    return f"{size:,} bytes" if size < 1024 else f"{size / 1024:,.1f} KB"


class SubjectAccessDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.requests: list[SubjectAccessRequest] = []
        self.items: list[ItemChoice] = []
        self.setWindowTitle("Subject access requests")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(EXPLAINED, self, role="muted"))

        self.table = named(QTableWidget(0, len(COLUMNS), self), "Subject access requests")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)

        lower = QHBoxLayout()
        lower.addWidget(self._record_box(), 2)
        lower.addWidget(self._answer_box(), 3)
        layout.addLayout(lower, 2)

        self.notice = plain_label("", self, role="notice", selectable=True)
        named(self.notice, "Result")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.problem = plain_label("", self, role="warning", selectable=True)
        named(self.problem, "Problem")
        self.problem.hide()
        layout.addWidget(self.problem)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.list_loader = LatestOnly(context, self, self._listed, self._failed)
        self.items_loader = LatestOnly(context, self, self._items_read, self._failed)
        self.table.itemSelectionChanged.connect(self._selected_changed)
        context.events.locked.connect(self.reject)
        fit_to_screen(self, *SIZE)
        keep_fitting(self)
        self._update_buttons()
        self.refresh()

    # -- building ---------------------------------------------------------------------------

    def _record_box(self) -> QGroupBox:
        box = QGroupBox("Record a request", self)
        form = QFormLayout(box)
        self.subject = named(QLineEdit(box), "About (pupil's UPN or name, or a person's name)")
        self.subject.setPlaceholderText("Type a pupil's name, form or UPN, or a person's name")
        # The roll offered as the name is typed; a pupil chosen is recorded by their roll id.
        self.roll = RollSource(self.context, self)
        self.picker = PupilPicker(self.subject, self.roll)
        self.picked: Pupil | None = None
        self.picker.picked.connect(self._picked)
        self.subject.textEdited.connect(self._typed)
        self.roll.load()
        self.requester = named(QLineEdit(box), "Asked by")
        self.requester.setPlaceholderText("Who made the request")
        self.relationship = named(QComboBox(box), "Their relationship")
        for relationship in Relationship:
            self.relationship.addItem(relationship.label, relationship.value)
        today = to_qdatetime(self.context.clock()).date()  # the school's clock, not the PC's
        self.received = named(QDateEdit(today, box), "Received on")
        self.received.setMaximumDate(today)
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("dd/MM/yyyy")
        self.note = named(QLineEdit(box), "Note")
        self.record_button = named(QPushButton("&Record the request", box), "Record the request")
        self.record_button.setAutoDefault(False)
        self.record_button.clicked.connect(self.record)
        for label, widget in (
            ("&About", self.subject),
            ("Asked &by", self.requester),
            ("&Relationship", self.relationship),
            ("Recei&ved on", self.received),
            ("&Note", self.note),
            ("", self.record_button),
        ):
            form.addRow(label, widget)
        return box

    def _answer_box(self) -> QGroupBox:
        box = QGroupBox("The selected request", self)
        layout = QVBoxLayout(box)
        extend = QHBoxLayout()
        self.months = named(QComboBox(box), "Extend by")
        self.months.addItem("1 month", 1)
        self.months.addItem("2 months", 2)
        self.extend_reason = named(QLineEdit(box), "Why it needs longer")
        self.extend_reason.setPlaceholderText("Why it needs longer (told to the requester)")
        self.extend_button = named(QPushButton("E&xtend", box), "Extend the deadline")
        for widget in (self.months, self.extend_reason, self.extend_button):
            extend.addWidget(widget, 1 if widget is self.extend_reason else 0)
        layout.addLayout(extend)
        self.items_label = plain_label(
            "Evidence held about them: tick an original to attach it to the disclosure.", box
        )
        layout.addWidget(self.items_label)
        self.item_list = named(QListWidget(box), "Evidence to include")
        layout.addWidget(self.item_list, 1)
        withhold = QHBoxLayout()
        self.harm_reason = named(QLineEdit(box), "Why disclosing it would cause serious harm")
        self.harm_reason.setPlaceholderText("Serious harm: why (kept in the redaction log)")
        self.withhold_button = named(
            QPushButton("&Withhold the selected item", box), "Withhold the selected item"
        )
        withhold.addWidget(self.harm_reason, 1)
        withhold.addWidget(self.withhold_button)
        layout.addLayout(withhold)
        self.export_button = named(
            QPushButton("&Export the disclosure…", box), "Export the disclosure as a signed PDF"
        )
        self.export_button.setProperty("role", "primary")
        layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignRight)
        for button in (self.extend_button, self.withhold_button, self.export_button):
            button.setAutoDefault(False)
        self.extend_button.clicked.connect(self.extend)
        self.withhold_button.clicked.connect(self.withhold)
        self.export_button.clicked.connect(self.export)
        return box

    def _picked(self, person: object) -> None:
        self.picked = person if isinstance(person, Pupil) else None

    def _typed(self, _text: str) -> None:
        self.picked = None  # typed again: a name, not the pupil chosen

    # -- loading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        from safelog.vault.subject_access import list_requests

        self.list_loader.run(lambda: list_requests(session))

    def today(self) -> Any:
        return self.context.clock().astimezone(LONDON).date()

    def _listed(self, found: list[SubjectAccessRequest]) -> None:
        chosen = self.selected()
        self.requests = found
        today = self.today()
        self.table.setRowCount(len(found))
        for row, r in enumerate(found):
            due = uk_date(r.due) + (" (extended)" if r.extension else "")
            cells = (r.id, r.subject_name, f"{r.requester} ({r.relationship.value})",
                     uk_date(r.received_on), due, r.status(today))  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == len(cells) - 1 and not r.answered and today > r.due:
                    font = item.font()
                    font.setBold(True)  # overdue stands out without relying on colour
                    item.setFont(font)
                self.table.setItem(row, column, item)
        if chosen is not None:
            ids = [r.id for r in found]
            if chosen.id in ids:
                self.table.selectRow(ids.index(chosen.id))
        self._update_buttons()

    def _selected_changed(self) -> None:
        self.items = []
        self.item_list.clear()
        chosen = self.selected()
        session = self.context.session
        self._update_buttons()
        if chosen is None or session is None or session.locked:
            return
        from safelog.vault.sar_export import disclosure_items

        set_plain_text(self.items_label, f"Reading what is held about {chosen.subject_name}…")
        request_id = chosen.id
        self.items_loader.run(lambda: disclosure_items(session, request_id))

    def _items_read(self, items: list[ItemChoice]) -> None:
        self.items = items
        self.item_list.clear()
        for item in items:
            text = f"{item.case}: {item.file_name} ({item.media_type}, {_size(item.size)})"
            if item.shown_name != item.file_name:
                text += f", shown as {item.shown_name}"
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, item.id)
            if item.withheld:
                entry.setText(f"{text}: withheld for serious harm ({item.withheld})")
                entry.setFlags(entry.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            else:
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Unchecked)
            self.item_list.addItem(entry)
        chosen = self.selected()
        who = chosen.subject_name if chosen else "them"
        set_plain_text(
            self.items_label,
            f"Evidence held about {who}: tick an original to attach it to the disclosure."
            if items
            else f"No evidence is held about {who}; the disclosure lists the records only.",
        )
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self._say(self.problem, f"The requests cannot be read: {error_text(exc)}")

    # -- what the window shows (tests and screen readers' checks) -----------------------------

    def rows(self) -> list[list[str]]:
        out = []
        for r in range(self.table.rowCount()):
            items = (self.table.item(r, c) for c in range(self.table.columnCount()))
            out.append([item.text() if item is not None else "" for item in items])
        return out

    def selected(self) -> SubjectAccessRequest | None:
        row = self.table.currentRow()
        return self.requests[row] if 0 <= row < len(self.requests) else None

    def included(self) -> list[str]:
        """The evidence ids ticked to include."""
        out = []
        for row in range(self.item_list.count()):
            entry = self.item_list.item(row)
            if entry.checkState() == Qt.CheckState.Checked:
                out.append(str(entry.data(Qt.ItemDataRole.UserRole)))
        return out

    def _update_buttons(self) -> None:
        chosen = self.selected()
        idle = not self.busy.busy
        self.record_button.setEnabled(idle)
        self.extend_button.setEnabled(idle and chosen is not None and chosen.extension is None)
        self.withhold_button.setEnabled(idle and chosen is not None and bool(self.items))
        self.export_button.setEnabled(idle and chosen is not None)

    # -- doing ---------------------------------------------------------------------------------

    def choose_save_file(self, name: str) -> Path | None:
        """Qt's own dialog (tests patch this)."""
        try:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Save the disclosure",
                str(documents_folder() / name),
                "PDF files (*.pdf)",
                options=file_dialog_options(),
            )
        finally:
            forget_history()
        return Path(chosen) if chosen else None

    def record(self) -> None:
        session = self.context.require_session()
        requester, subject, note = self.requester.text(), self.subject.text(), self.note.text()
        if self.picked is not None:
            subject = self.picked.id  # two pupils may share a name
        relationship = str(self.relationship.currentData())
        received: date = self.received.date().toPython()  # type: ignore[assignment]
        from safelog.vault.subject_access import record_request

        def done(request: SubjectAccessRequest) -> None:
            for field in (self.subject, self.requester, self.note):
                field.clear()
            self.picked = None
            self._say(
                self.notice,
                f"Recorded {request.id} about {request.subject_name}; the answer is due by "
                f"{uk_date(request.due)}.",
            )
            self._changed()

        self._run(
            "Recording the request…",
            lambda: record_request(
                session,
                requester=requester,
                relationship=relationship,
                subject=subject,
                received_on=received,
                note=note,
            ),
            done,
        )

    def extend(self) -> None:
        session = self.context.require_session()
        chosen = self.selected()
        if chosen is None:
            return
        months, reason, request_id = (
            int(self.months.currentData()),
            self.extend_reason.text(),
            chosen.id,
        )
        from safelog.vault.subject_access import extend_request

        def done(request: SubjectAccessRequest) -> None:
            self.extend_reason.clear()
            self._say(
                self.notice,
                f"{request.id} extended: now due by {uk_date(request.due)}. Tell the requester "
                "why, within the first month.",
            )
            self._changed()

        self._run("Extending…", lambda: extend_request(session, request_id, months, reason), done)

    def withhold(self) -> None:
        session = self.context.require_session()
        chosen = self.selected()
        entry = self.item_list.currentItem()
        if chosen is None or entry is None:
            self._say(self.problem, "Select the item to withhold in the list first.")
            return
        item, reason, request_id = (
            str(entry.data(Qt.ItemDataRole.UserRole)),
            self.harm_reason.text(),
            chosen.id,
        )
        from safelog.vault.sar_export import withhold

        def done(_request: SubjectAccessRequest) -> None:
            self.harm_reason.clear()
            self._say(
                self.notice,
                "The item will be left out of the disclosure; the reason is kept in the "
                "redaction log in SafeLog.",
            )
            self._changed()
            self._selected_changed()  # the list again, with the item marked withheld

        self._run("Withholding…", lambda: withhold(session, request_id, item, reason), done)

    def export(self) -> None:
        session = self.context.require_session()
        chosen = self.selected()
        if chosen is None or self.busy.busy:
            return
        path = self.choose_save_file(f"subject-access-{chosen.id}.pdf")
        if path is None:
            return
        include, request_id = self.included(), chosen.id
        from safelog.vault.sar_export import export_disclosure

        self._run(
            "Gathering, pseudonymising and signing the disclosure…",
            lambda: export_disclosure(session, path, request_id=request_id, include=include),
            self._exported,
        )

    def _exported(self, made: DisclosureMade) -> None:
        notes = "".join(f"\nNote: {m}" for m in made.messages)
        self._say(
            self.notice,
            f"The disclosure for {made.request} was saved to {made.path.name}: {made.cases} "
            f"record(s), {made.listed} evidence item(s) listed, {made.included} attached; "
            f"SHA-256 {made.sha256}. The redaction log ({len(made.log)} entries) is kept in "
            "SafeLog. Read the file before sending it: a first name or nickname on its own "
            f"is recognised only for people named in the records.{notes}",
        )
        self._changed()

    # -- shared ----------------------------------------------------------------------------

    def _changed(self) -> None:
        self.refresh()
        self.context.events.cases_changed.emit("")  # the inbox shows requests due soon

    def _run(self, what: str, work: Any, done: Any) -> None:
        self._say(self.notice, "")
        self._say(self.problem, "")
        self.busy.start(what)
        self._update_buttons()

        def finished(result: Any) -> None:
            self.busy.stop()
            self._update_buttons()
            done(result)

        def failed(exc: BaseException) -> None:
            self.busy.stop()
            self._update_buttons()
            if isinstance(exc, UserFacingError):
                self._say(self.problem, str(exc))
            else:
                explain_error(self, exc)

        run_guarded(self.context, self, work, finished, failed)

    def _say(self, label: Any, text: str) -> None:
        set_plain_text(label, text)
        label.setVisible(bool(text))

    def launch(self) -> int:
        return self.exec()
