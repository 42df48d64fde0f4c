"""The people in a case, each with their own role in this case, and the members of staff the
concern is about. A DSL can add a person or change one person's role (a new version)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.gui.form_fields import kind_combo, kind_label, parse_uk_date, role_combo, role_label
from safelog.gui.formatting import uk_date
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

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session


class PeoplePanel(WorkspacePanel):
    title = "People"

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
        self.add_button = named(QPushButton("&Add person", self.editor), "Add person")
        self.change_button = named(
            QPushButton("&Change role of selected person", self.editor),
            "Give the selected person the role chosen above",
        )
        self.error, self.notice = form_footer(
            form, self.editor, self.add_button, self.change_button
        )
        layout.addWidget(self.editor)

        self.add_button.clicked.connect(self._add)
        self.subjects_button.clicked.connect(self.change_subjects)
        self.change_button.clicked.connect(self._change_role)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()

    def count(self) -> int | None:
        return len(self.view.fields.get("people") or []) if self.view else None

    def show_case(self, view: CaseView) -> None:
        super().show_case(view)
        people = view.fields.get("people") or []
        fill_table(
            self.table,
            [
                [
                    p.get("name", ""),
                    kind_label(p.get("kind", "")),
                    role_label(p.get("role", "")),
                    uk_date(p.get("date_of_birth", "")),
                ]
                for p in people
            ],
            keys=list(range(len(people))),
        )
        subjects = [view.name_of(s) for s in view.fields.get("subjects") or []]
        if view.fields.get("about_headteacher"):
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
        self._selection_changed()

    def clear(self) -> None:
        super().clear()
        self.table.setRowCount(0)
        self.subjects.setText("")
        self.name.clear()
        self.birth.clear()
        self.error.clear_error()
        self.notice.clear()

    def _selection_changed(self) -> None:
        self.change_button.setEnabled(self.table.currentRow() >= 0)

    def _people(self) -> list[dict[str, Any]]:
        return [dict(p) for p in (self.view.fields.get("people") or [])] if self.view else []

    def _add(self) -> None:
        self.error.clear_error()
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
        added = name
        people = [*self._people(), person]

        def op(session: Session, reference: str) -> object:
            from safelog.vault.cases import update_case

            return update_case(session, reference, {"people": people})

        self.add_button.setEnabled(False)
        self.save(op, lambda: self._saved(f"{added} added."), self._failed)

    def _change_role(self) -> None:
        self.error.clear_error()
        index = row_key(self.table)
        people = self._people()
        if index is None or not 0 <= index < len(people):
            self.error.show_error("Select the person whose role changes.")
            return
        people[index]["role"] = self.role.currentData()
        who = people[index]["name"]

        def op(session: Session, reference: str) -> object:
            from safelog.vault.cases import update_case

            return update_case(session, reference, {"people": people})

        self.change_button.setEnabled(False)
        self.save(op, lambda: self._saved(f"Role of {who} changed.", keep=True), self._failed)

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
            self.name.clear()
            self.birth.clear()
        self.notice.setText(message)

    def _failed(self, message: str) -> None:
        self.add_button.setEnabled(True)
        self._selection_changed()
        self.error.show_error(message)
