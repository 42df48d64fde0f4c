"""Image consent… (Records menu, for everyone): before posting a picture or video of a pupil,
see whether consent stands this academic year for that medium (003 4.8); the DSL and admin
record consent forms, refusals, written withdrawals and posts removed (003 4.1-4.7). The work
is vault/image_consent.py, in the worker."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.image_consent import MEDIA, STATUSES
from safelog.domain.roles import ROLL_KEEPERS
from safelog.gui.errors import error_text
from safelog.gui.export_dialog import (
    documents_folder,
    file_dialog_options,
    forget_file_dialog_history,
)
from safelog.gui.formatting import to_qdatetime
from safelog.gui.widgets import named, plain_label
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.image_consent import PupilConsent

SHORT = {
    "website-images": "Website images",
    "website-video": "Website video",
    "social-images": "Social media images",
    "social-video": "Social media video",
    "print": "Newsletter, prospectus",
    "press": "Press",
}


class ConsentDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        session = context.require_session()
        self.keeper = bool(ROLL_KEEPERS & session.person.roles)
        self.rows: list[PupilConsent] = []
        self.setWindowTitle("Image consent")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Post a picture or video of a pupil only where it says 'may post' for that "
                "place this school year. Consent can be withdrawn in writing at any time.",
                self,
                role="muted",
            )
        )
        self.search = named(QLineEdit(self), "Find a pupil")
        self.search.setPlaceholderText("Type part of a name or a form")
        self.search.textChanged.connect(self._show)
        layout.addWidget(self.search)
        self.table = named(QTableWidget(0, 1 + len(MEDIA), self), "Consent for each pupil")
        self.table.setHorizontalHeaderLabels(["Pupil", *(SHORT[m] for m in MEDIA)])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)

        self.form = QGroupBox("Record a consent form, a refusal, a withdrawal or a removal", self)
        form = QFormLayout(self.form)
        self.pupil = named(QComboBox(self.form), "Pupil")
        self.medium = named(QComboBox(self.form), "Where")
        for code, label in MEDIA.items():
            self.medium.addItem(label, code)
        self.status = named(QComboBox(self.form), "What")
        for code, label in STATUSES.items():
            self.status.addItem(label, code)
        self.by = named(QLineEdit(self.form), "Given, refused or withdrawn by")
        self.by.setPlaceholderText("e.g. Mrs Smith (parent), letter of 20 November")
        today = to_qdatetime(context.clock()).date()  # the school's clock, not the PC's
        self.on = named(QDateEdit(today, self.form), "Date on the form or letter")
        self.on.setMaximumDate(today)
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("dd/MM/yyyy")
        self.note = named(QLineEdit(self.form), "Note")
        for label, widget in (("&Pupil", self.pupil), ("&Where", self.medium),
                              ("W&hat", self.status), ("&By", self.by), ("&Date", self.on),
                              ("&Note", self.note)):  # fmt: skip
            form.addRow(label, widget)
        self.form.setVisible(self.keeper)
        layout.addWidget(self.form)
        self.error = plain_label("", self, role="error", selectable=True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        self.record_button = named(
            buttons.addButton("&Record", QDialogButtonBox.ButtonRole.ActionRole), "Record"
        )
        self.record_button.setVisible(self.keeper)
        self.record_button.clicked.connect(self.record)
        self.print_button = named(
            buttons.addButton("&Print the record…", QDialogButtonBox.ButtonRole.ActionRole),
            "Print the record of consent",
        )
        self.print_button.setVisible(self.keeper)
        self.print_button.clicked.connect(self.print_record)
        close = named(buttons.addButton(QDialogButtonBox.StandardButton.Close), "Close")
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(1100, 640)
        self.refresh()

    def refresh(self) -> None:
        session = self.context.require_session()

        def work() -> list[PupilConsent]:
            from safelog.vault.image_consent import consent_register

            return consent_register(session)

        run_guarded(self.context, self, work, self._loaded, self._failed)

    def _loaded(self, rows: list[PupilConsent]) -> None:
        self.rows = rows
        chosen = self.pupil.currentData()
        self.pupil.clear()
        for row in rows:
            self.pupil.addItem(row.pupil.display_name, row.pupil.id)
        if chosen:
            self.pupil.setCurrentIndex(max(0, self.pupil.findData(chosen)))
        self._show()

    def _show(self) -> None:
        text = self.search.text().strip().casefold()
        shown = [
            r
            for r in self.rows
            if not text
            or text in r.pupil.display_name.casefold()
            or text in (r.pupil.form or "").casefold()
        ]
        self.table.setRowCount(len(shown))
        for i, row in enumerate(shown):
            self.table.setItem(i, 0, QTableWidgetItem(row.pupil.display_name))
            for j, medium in enumerate(MEDIA, start=1):
                self.table.setItem(i, j, QTableWidgetItem(row.summary[medium]))
        self.table.resizeColumnsToContents()

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(error_text(exc))
        self.error.show()

    def record(self) -> None:
        session = self.context.require_session()
        pupil = str(self.pupil.currentData() or "")
        values = {
            "medium": self.medium.currentData(),
            "status": self.status.currentData(),
            "by": self.by.text(),
            "on": self.on.date().toString("yyyy-MM-dd"),
            "note": self.note.text(),
        }

        def work() -> object:
            from safelog.vault.image_consent import record_consent

            return record_consent(session, pupil, values)

        def done(_event: object) -> None:
            self.error.hide()
            self.by.clear()
            self.note.clear()
            self.refresh()

        run_guarded(self.context, self, work, done, self._failed)

    def print_record(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "Save the record of image consent",
            str(documents_folder() / "image-consent.pdf"),
            "PDF (*.pdf)",
            options=file_dialog_options(),
        )
        forget_file_dialog_history()  # no trail of where it was saved (see export_dialog)
        if chosen:
            self.save_record(Path(chosen))

    def save_record(self, out: Path) -> None:
        session = self.context.require_session()

        def work() -> str:
            from safelog.vault.image_consent import print_consent

            return print_consent(session, out)

        run_guarded(self.context, self, work, lambda _digest: self.error.hide(), self._failed)

    def launch(self) -> int:
        return self.exec()
