"""When pictures may not be kept: the UKCIS rule, and a record in words instead.

On a case whose category may involve indecent images of children (sharing nudes and
semi-nudes; indecent images involving an adult), SafeLog never stores, shows or keeps a
picture or video: "never view, copy, print, share, store or save" (UKCIS). This dialog is
shown instead of the import. It never receives the picture: the caller has already dropped
the bytes, and a picture pasted from the clipboard is cleared from the clipboard too. It
offers what the vault records instead (`record_image_report`): a description in words, who
was informed and when, and the police reference.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.image_block import OFFENCE_WORDS
from safelog.evidence.intake import ARCHIVE, IMAGERY, NOT_TEXT
from safelog.gui.errors import error_text
from safelog.gui.formatting import from_qdatetime, to_qdatetime
from safelog.gui.screen_fit import fit_to_screen
from safelog.gui.widgets import heading_label, named, plain_label, set_invalid
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext


_WHAT_HAPPENED = {
    IMAGERY: "picture was not shown, saved or kept",
    ARCHIVE: "archive may hold pictures or video, so it was not opened, saved or kept",
    NOT_TEXT: (
        "file is not a plain text note (a PDF, an e-mail or a document can hold pictures "
        "too), so it was not opened, saved or kept"
    ),
}


def clear_clipboard_picture() -> bool:
    """Clear the clipboard if it holds a picture (one just refused); True if it did."""
    clipboard = QGuiApplication.clipboard()
    mime = clipboard.mimeData()
    if mime is not None and mime.hasImage():
        clipboard.clear()
        return True
    return False


class ImageReportDialog(QDialog):
    """The guidance, in full, and the form for a record in words. `launch()` returns True
    when a report was recorded. Shows no picture and holds none."""

    recorded = Signal(int)  # the case version written

    def __init__(
        self,
        context: AppContext,
        reference: str,
        guidance: str,
        parent: QWidget | None = None,
        *,
        clipboard_cleared: bool = False,
        kind: str = IMAGERY,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.reference = reference
        self._saving = False
        self.setWindowTitle("Only text notes are kept for this concern")
        self.setModal(True)
        outer = QVBoxLayout(self)
        noun = {IMAGERY: "picture", ARCHIVE: "archive"}.get(kind, "file")
        outer.addWidget(heading_label(f"SafeLog did not keep the {noun}", self))
        self.guidance = plain_label(guidance, self, role="warning", selectable=True)
        named(self.guidance, "What the guidance says")
        outer.addWidget(self.guidance)
        what_happened = (
            f"Nothing was added to {reference}: the "
            + _WHAT_HAPPENED.get(kind, _WHAT_HAPPENED[NOT_TEXT])
            + (", and it has been cleared from the clipboard." if clipboard_cleared else ".")
            + " Only plain text notes can be added to a concern of this kind. "
            + OFFENCE_WORDS
        )
        self.outcome = plain_label(what_happened, self)
        outer.addWidget(self.outcome)

        box = QGroupBox("Record what was reported instead, in words", self)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.description = named(
            QPlainTextEdit(box), "Description of what was reported (in words, never the images)"
        )
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(
            "What was reported and by whom, where the images were (device, app, account), "
            "without describing the images in detail."
        )
        self.description.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        self.informed = named(QLineEdit(box), "Who was informed")
        self.informed.setPlaceholderText("e.g. Dana (DSL); the police on 101")
        self.informed.setMaxLength(300)
        now = to_qdatetime(context.clock())
        self.informed_at = named(QDateTimeEdit(box), "When they were informed")
        self.informed_at.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.informed_at.setCalendarPopup(True)
        self.informed_at.setMaximumDateTime(now)
        self.informed_at.setDateTime(now)
        self.police_reference = named(QLineEdit(box), "Police reference, if there is one")
        self.police_reference.setMaxLength(200)
        self.police_reference.setPlaceholderText("If the police were told")
        form.addRow("&What was reported *", self.description)
        form.addRow("Who was &informed *", self.informed)
        form.addRow("&When", self.informed_at)
        form.addRow("&Police reference", self.police_reference)
        outer.addWidget(box, 1)
        self.form_box = box

        self.error = plain_label("", self, role="warning")
        named(self.error, "Problem with the record")
        self.error.hide()
        outer.addWidget(self.error)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.record_button = named(
            QPushButton("&Record this", self), "Record the description, without images"
        )
        self.record_button.setProperty("role", "primary")
        self.close_button = named(QPushButton("Close without recording", self), "Close")
        for button in (self.record_button, self.close_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        outer.addLayout(buttons)
        self.record_button.clicked.connect(self.record)
        self.close_button.clicked.connect(self.reject)
        context.events.locked.connect(self._locked)
        fit_to_screen(self, 620, 640)
        self.description.setFocus()

    def record(self) -> None:
        if self._saving:
            return
        self.error.hide()
        for field in (self.description, self.informed, self.informed_at):
            set_invalid(field, False)
        text = self.description.toPlainText().strip()
        if not text:
            self._show_error(
                "Describe what was reported (in words; never the images).", self.description
            )
            return
        who = self.informed.text().strip()
        if not who:
            self._show_error(
                "Write who was informed (for example the DSL or the police).", self.informed
            )
            return
        when = from_qdatetime(self.informed_at.dateTime())
        if when > self.context.clock() + timedelta(minutes=5):
            self._show_error("The time they were informed is in the future.", self.informed_at)
            return
        session = self.context.session
        if session is None or session.locked:
            self._show_error("SafeLog is locked. Sign in again.")
            return
        from safelog.vault.evidence import record_image_report

        police = self.police_reference.text().strip()
        reference = self.reference
        self._set_saving(True)
        run_guarded(
            self.context,
            self,
            lambda: record_image_report(session, reference, text, who, when, police),
            self._recorded,
            self._failed,
        )

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.form_box.setEnabled(not saving)
        self.record_button.setEnabled(not saving)
        self.record_button.setText("Recording…" if saving else "&Record this")

    def _recorded(self, version: int) -> None:
        self._set_saving(False)
        self.recorded.emit(version)
        self.context.events.cases_changed.emit(self.reference)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        self._show_error("Nothing was recorded. " + error_text(exc))

    def _show_error(self, text: str, field: QWidget | None = None) -> None:
        self.error.setText(text)
        self.error.show()
        if field is not None:
            set_invalid(field, True)
            field.setFocus(Qt.FocusReason.OtherFocusReason)

    def accept(self) -> None:  # only the Record button records
        pass

    def reject(self) -> None:
        if self._saving:
            return  # wait for the vault: the record may already be written
        super().reject()

    def _locked(self) -> None:
        self.description.clear()
        self.informed.clear()
        self.police_reference.clear()
        self._saving = False
        super().reject()

    def launch(self) -> bool:
        return self.exec() == QDialog.DialogCode.Accepted


def refuse_images(
    context: AppContext,
    parent: QWidget | None,
    reference: str,
    guidance: str,
    *,
    clear_clipboard: bool = False,
    kind: str = IMAGERY,
) -> bool:
    """Show the guidance and the record-in-words form; True if a record was made.
    `clear_clipboard`: the refused picture was pasted, so clear it from the clipboard.
    `kind`: what was refused (intake.IMAGERY, ARCHIVE or NOT_TEXT)."""
    cleared = clear_clipboard_picture() if clear_clipboard else False
    dialog = ImageReportDialog(
        context, reference, guidance, parent, clipboard_cleared=cleared, kind=kind
    )
    try:
        return dialog.launch()
    finally:
        if shiboken6.isValid(dialog):
            dialog.deleteLater()
