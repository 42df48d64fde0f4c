"""The people in a case, each with their own role in this case, and the members of staff the
concern is about. A DSL can add a person or change one person's role (a new version). A pupil
is picked from the school roll as their name is typed (gui/pupil_picker.py), and a person
typed by hand can be linked to the roll later ("Link to the roll…")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.roles import CASE_MANAGERS
from safelog.gui.form_fields import (
    kind_combo,
    parse_uk_date,
    person_kind_text,
    role_combo,
    role_label,
)
from safelog.gui.formatting import uk_date
from safelog.gui.pupil_picker import PupilRow, RollSource
from safelog.gui.widgets import named, plain_label
from safelog.gui.workspace.panel import (
    CaseView,
    Saver,
    WorkspacePanel,
    fill_table,
    form_footer,
    read_only_table,
    row_key,
)
from safelog.vault.case_schema import CaseField

if TYPE_CHECKING:
    from safelog.domain.roll import Pupil
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session


class PeoplePanel(WorkspacePanel):
    """Emits `pupil_requested(pupil id)` to open the selected pupil's page."""

    title = "People"
    pupil_requested = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Each person has their own role in this case. Changing a role adds a new "
                "version; the earlier one stays in the history.",
                self,
                role="muted",
            )
        )
        self.table = read_only_table(
            self,
            "People involved",
            ("Name", "Who they are", "Role in this case", "Date of birth"),
            stretch=0,
            widths={1: "Someone outside the school", 2: "Alleged perpetrator", 3: "Date of birth"},
        )
        layout.addWidget(self.table, 1)
        self.subjects = plain_label("", self, selectable=True)
        named(self.subjects, "Members of staff this concern is about")
        subjects_row = QHBoxLayout()
        subjects_row.addWidget(self.subjects, 1)
        self.subjects_button = named(
            QPushButton("Who this is &about…", self),
            "Change which members of staff this concern is about",
        )
        subjects_row.addWidget(self.subjects_button)
        layout.addLayout(subjects_row)
        self.page_button = named(
            QPushButton("The pupil's &page", self),
            "Open the page of the selected pupil: every case about them and one chronology",
        )
        session = context.session
        roles = frozenset(session.person.roles) if session is not None else frozenset()
        self.page_button.setVisible(bool(roles & CASE_MANAGERS))  # the page is theirs alone
        subjects_row.insertWidget(1, self.page_button)

        self.editor = QGroupBox("Add a person or change a role", self)
        form = QFormLayout(self.editor)
        self.name = named(QLineEdit(self.editor), "Name of the person to add")
        self.name.setMaxLength(200)
        self.kind = kind_combo(self.editor, "Who the person is")
        self.role = role_combo(self.editor, "Their role in this case")
        self.birth = named(QLineEdit(self.editor), "Date of birth (optional)", "Like 01/05/2012")
        self.birth.setPlaceholderText("dd/mm/yyyy (optional, pupils)")
        form.addRow("&Name", self.name)
        form.addRow("&Who they are", self.kind)
        form.addRow("&Role in this case", self.role)
        form.addRow("Date of &birth", self.birth)
        self.roll_note = named(plain_label("", self.editor, role="muted"), "Picking from the roll")
        form.addRow("", self.roll_note)
        self.add_button = named(QPushButton("&Add person", self.editor), "Add person")
        self.change_button = named(
            QPushButton("&Change role of selected person", self.editor),
            "Give the selected person the role chosen above",
        )
        self.link_button = named(
            QPushButton("&Link to the roll…", self.editor),
            "Link the selected person to a pupil on the school roll",
        )
        self.error, self.notice = form_footer(
            form, self.editor, self.add_button, self.change_button, self.link_button
        )
        layout.addWidget(self.editor)
        self.roll = RollSource(context, self)  # read once, when the case is first editable
        self.row = PupilRow(self.name, self.kind, self.birth, self.roll_note, self.roll)
        self.row.entered.connect(self._add)
        self.link_button.clicked.connect(self.link_selected)
        self.page_button.clicked.connect(self._open_page)

        self.add_button.clicked.connect(self._add)
        self.subjects_button.clicked.connect(self.change_subjects)
        self.change_button.clicked.connect(self._change_role)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()

    def count(self) -> int | None:
        return len(self.view.fields.get(CaseField.PEOPLE) or []) if self.view else None

    def show_case(self, view: CaseView) -> None:
        super().show_case(view)
        people = view.fields.get(CaseField.PEOPLE) or []
        fill_table(
            self.table,
            [
                [
                    p.get("name", ""),
                    person_kind_text(p),
                    role_label(p.get("role", "")),
                    uk_date(p.get("date_of_birth", "")),
                ]
                for p in people
            ],
            keys=list(range(len(people))),
        )
        subjects = [view.name_of(s) for s in view.fields.get(CaseField.SUBJECTS) or []]
        if view.fields.get(CaseField.ABOUT_HEADTEACHER):
            subjects_text = "This concern is about the headteacher"
            if subjects:
                subjects_text += f" ({', '.join(subjects)})"
            self.subjects.setText(subjects_text + ". They cannot read this case.")
        elif subjects:
            self.subjects.setText(
                f"This concern is about: {', '.join(subjects)}. They cannot read this case."
            )
        else:
            self.subjects.setText("This concern is not about a member of staff.")
        self.editor.setVisible(view.can_edit)
        self.subjects_button.setVisible(view.can_edit)
        if view.can_edit:
            self.roll.load()
        self._selection_changed()

    def clear(self) -> None:
        super().clear()
        self.table.setRowCount(0)
        self.subjects.setText("")
        self.row.unlink()
        self.name.clear()
        self.birth.clear()
        self.error.clear_error()
        self.notice.clear()

    def _selection_changed(self) -> None:
        self.change_button.setEnabled(self.table.currentRow() >= 0)
        index = row_key(self.table)
        people = self._people()
        person = people[index] if index is not None and 0 <= index < len(people) else None
        self.link_button.setEnabled(person is not None and not person.get("pupil"))
        self.page_button.setEnabled(person is not None and bool(person.get("pupil")))

    def _open_page(self) -> None:
        index = row_key(self.table)
        people = self._people()
        if index is not None and 0 <= index < len(people) and people[index].get("pupil"):
            self.pupil_requested.emit(str(people[index]["pupil"]))

    def _people(self) -> list[dict[str, Any]]:
        return (
            [dict(p) for p in (self.view.fields.get(CaseField.PEOPLE) or [])] if self.view else []
        )

    def _add(self) -> None:
        self.error.clear_error()
        linked = self.row.person(self.role.currentData())
        if linked is not None:
            self._save_people([*self._people(), linked], f"{linked['name']} added.")
            return
        name = self.name.text().strip()
        if not name:
            self.error.show_error("Write the person's name.")
            self.name.setFocus()
            return
        try:
            born = parse_uk_date(self.birth.text())
        except ValueError:
            self.error.show_error("Write the date of birth like 01/05/2012, or leave it empty.")
            self.birth.setFocus()
            return
        person: dict[str, Any] = {
            "name": name,
            "kind": self.kind.currentData(),
            "role": self.role.currentData(),
        }
        if born:
            person["date_of_birth"] = born.isoformat()
        self._save_people([*self._people(), person], f"{name} added.")

    def _save_people(self, people: list[dict[str, Any]], message: str, keep: bool = False) -> None:
        # From the version shown: someone adding a person on another PC meanwhile keeps
        # theirs, and this one is added beside it (domain/edit_merge.py).
        versions = self.view.detail.versions if self.view else []
        based_on = versions[-1].number if versions else None

        def op(session: Session, reference: str) -> object:
            from safelog.vault.cases import update_case

            return update_case(session, reference, {"people": people}, based_on=based_on)

        for button in (self.add_button, self.change_button, self.link_button):
            button.setEnabled(False)  # one change at a time; _saved or _failed enable them
        self.save(op, lambda: self._saved(message, keep=keep), self._failed)

    def link_selected(self) -> None:
        """Link the person selected (typed by hand) to a pupil on the roll: the case then
        names them as the roll does, and they keep their role."""
        self.error.clear_error()
        index = row_key(self.table)
        people = self._people()
        if index is None or not 0 <= index < len(people) or people[index].get("pupil"):
            self.error.show_error("Select a person who is not yet linked to the roll.")
            return
        pupil = self.choose_pupil(people[index].get("name", ""))
        if pupil is None:
            return
        was = people[index].get("name", "")
        people[index] = {
            **people[index],
            "pupil": pupil.id,
            "name": pupil.display_name,
            "kind": "pupil",
        }
        now = "" if was == pupil.display_name else f" as {pupil.display_name}"
        self._save_people(people, f"{was} is now linked to the school roll{now}.", keep=True)

    def choose_pupil(self, name: str) -> Pupil | None:
        """Which pupil on the roll the person called `name` is (tests patch this)."""
        from safelog.gui.workspace.link_pupil import LinkPupilDialog

        dialog = LinkPupilDialog(self.roll, name, self)
        try:
            return dialog.launch()
        finally:
            dialog.deleteLater()

    def _change_role(self) -> None:
        self.error.clear_error()
        index = row_key(self.table)
        people = self._people()
        if index is None or not 0 <= index < len(people):
            self.error.show_error("Select the person whose role changes.")
            return
        people[index]["role"] = self.role.currentData()
        self._save_people(people, f"Role of {people[index]['name']} changed.", keep=True)

    def change_subjects(self) -> None:
        if self.view is None or not self.view.can_edit:
            return
        from safelog.gui.workspace.subjects import SubjectsDialog

        dialog = SubjectsDialog(self.context, self, view=self.view, save=self.save)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.notice.setText(
                "Saved: the case was re-keyed. The History tab shows who changed it and when."
            )
        )
        dialog.launch()

    def _saved(self, message: str, keep: bool = False) -> None:
        self.add_button.setEnabled(True)
        self._selection_changed()
        if not keep:
            self.row.unlink()
            self.name.clear()
            self.birth.clear()
        self.notice.setText(message)

    def _failed(self, message: str) -> None:
        self.add_button.setEnabled(True)
        self._selection_changed()
        self.error.show_error(message)
