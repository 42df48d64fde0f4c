"""Adding a pupil to the school roll by hand (a DSL or administrator): a child who joined
since the last MIS export, or a school with no export to hand.

The vault checks what is typed (domain/roll.py validate_pupil) and says what is wrong field
by field; each reason is shown under its own field, and the form keeps everything typed.
Saving runs in the worker. `launch()` returns the pupil added, or None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.roll import Pupil, PupilInvalid
from safelog.errors import UserFacingError
from safelog.gui.errors import explain_error
from safelog.gui.screen_fit import fit_to_screen, keep_fitting
from safelog.gui.widgets import BusyNote, named, plain_label, set_invalid, set_plain_text
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext

# (field as domain/roll_import.py FIELD_LABELS names it, label, accessible name, placeholder)
FIELDS = (
    ("surname", "&Surname *", "Surname (needed)", ""),
    (
        "legal_forename",
        "&Legal forename *",
        "Legal forename (needed)",
        "As on the birth certificate",
    ),
    (
        "preferred_forename",
        "&Preferred forename",
        "Preferred forename",
        "If they are known by another",
    ),
    ("date_of_birth", "&Date of birth", "Date of birth", "dd/mm/yyyy"),
    ("year", "&Year", "Year group", "e.g. 8, Y8 or Reception"),
    ("form", "&Form", "Form or registration group", "e.g. 8B"),
    ("upn", "&UPN", "Unique pupil number", "13 characters, from the MIS"),
    ("gender", "&Gender", "Gender", ""),
)


def sentence(reason: str) -> str:
    """'a surname is needed' -> 'A surname is needed.'"""
    reason = reason.strip()
    if not reason:
        return reason
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")


class AddPupilDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.pupil: Pupil | None = None
        self.setWindowTitle("Add a pupil to the school roll")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "For a pupil not yet in an MIS export. Fields marked * are needed. A later "
                "import matches them by UPN, or by name and date of birth.",
                self,
                role="muted",
            )
        )
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        self.problems: dict[str, QLabel] = {}
        for key, label, name, placeholder in FIELDS:
            field = named(QLineEdit(self), name)
            field.setPlaceholderText(placeholder)
            field.setMaxLength(200)
            problem = plain_label("", self, role="warning")
            named(problem, f"Problem with the {name.removesuffix(' (needed)').lower()}")
            problem.hide()
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(field)
            column.addWidget(problem)
            form.addRow(label, column)
            caption = form.labelForField(column)
            if isinstance(caption, QLabel):
                caption.setBuddy(field)
            field.textEdited.connect(lambda _text, key=key: self._show_problem(key, ""))
            self.fields[key] = field
            self.problems[key] = problem
        layout.addLayout(form)
        self.error = plain_label("", self, role="warning")
        named(self.error, "Problem with the pupil")
        self.error.hide()
        layout.addWidget(self.error)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Add to the roll")
        named(self.save_button, "Add the pupil to the school roll")
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        context.events.locked.connect(self._locked)
        fit_to_screen(self, 560, 480)
        keep_fitting(self)  # grows as the problems are shown under their fields
        self.fields["surname"].setFocus()

    def values(self) -> dict[str, str]:
        return {key: field.text() for key, field in self.fields.items()}

    def save(self) -> None:
        session = self.context.session
        if self.busy.busy or session is None or session.locked:
            return
        values = self.values()
        self._clear_problems()
        self.busy.start("Adding the pupil…")
        self.save_button.setEnabled(False)

        def add() -> Pupil:
            from safelog.vault.roll import add_pupil

            return add_pupil(session, values)

        run_guarded(self.context, self, add, self._added, self._failed)

    def _added(self, pupil: Pupil) -> None:
        self.busy.stop()
        self.save_button.setEnabled(True)
        self.pupil = pupil
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self.save_button.setEnabled(True)
        if isinstance(exc, PupilInvalid):
            first: QLineEdit | None = None
            other = []
            for key, reason in exc.problems.items():
                if key in self.fields:
                    self._show_problem(key, sentence(reason))
                    first = first or self.fields[key]
                else:
                    other.append(sentence(reason))
            self._show_error(" ".join(other))
            if first is not None:
                first.setFocus()
        elif isinstance(exc, UserFacingError):
            self._show_error(str(exc))  # already on the roll; not a keeper of the roll
        else:
            explain_error(self, exc)

    def _show_problem(self, key: str, text: str) -> None:
        label = self.problems[key]
        set_plain_text(label, text)
        label.setAccessibleDescription(text)
        label.setVisible(bool(text))
        set_invalid(self.fields[key], bool(text))

    def _show_error(self, text: str) -> None:
        set_plain_text(self.error, text)
        self.error.setVisible(bool(text))

    def _clear_problems(self) -> None:
        for key in self.fields:
            self._show_problem(key, "")
        self._show_error("")

    def problem_texts(self) -> dict[str, str]:
        """The reasons shown under the fields now, by field."""
        return {k: label.text() for k, label in self.problems.items() if label.isVisibleTo(self)}

    def reject(self) -> None:
        session = self.context.session
        if self.busy.busy and session is not None and not session.locked:
            return  # being written: it finishes in a moment
        super().reject()

    def _locked(self) -> None:
        for field in self.fields.values():
            field.clear()
        super().reject()

    def launch(self) -> Pupil | None:
        return self.pupil if self.exec() == QDialog.DialogCode.Accepted else None
