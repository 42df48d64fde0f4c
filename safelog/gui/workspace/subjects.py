"""Who a concern is about: the members of staff it concerns, changed after the fact.

Ticking someone re-keys the case at once (in the vault): from the next version on, no key
that person holds opens it. The dialog says so before saving, and names who will lose
access, because for the headteacher that means the case moves to the chair of governors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.roles import Role
from safelog.gui.widgets import named, plain_label
from safelog.gui.workspace.panel import CaseView, FormError, Saver
from safelog.vault.case_schema import CaseField
from safelog.vault.directory import REMOVED

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session

ROLE_WORDS = {
    Role.HEADTEACHER: "headteacher",
    Role.DSL: "DSL",
    Role.CHAIR: "chair of governors",
    Role.TRUST_CEO: "trust CEO",
    Role.ADMIN: "administrator",
}


def describe_roles(roles: frozenset[Role]) -> str:
    words = [ROLE_WORDS[r] for r in sorted(roles) if r in ROLE_WORDS]
    return ", ".join(words) if words else "staff"


def consequence(chosen: dict[str, frozenset[Role]], before: set[str]) -> str:
    """What saving will do, in plain words: who newly loses access, and where a concern
    about the headteacher goes."""
    added = sorted(n for n in chosen if n not in before)
    removed = sorted(n for n in before if n not in chosen)
    if not added and not removed:
        return "Nothing has changed yet."
    lines = []
    if added:
        lines.append(
            f"{', '.join(added)} will not be able to read this case, from the moment you save."
        )
    if any(Role.HEADTEACHER in chosen[n] for n in added):
        lines.append(
            "This concern is about the headteacher: it goes to the chair of governors, and "
            "the headteacher's keys will no longer open it."
        )
    if removed:
        lines.append(
            f"{', '.join(removed)} will no longer be recorded as the subject; the case is "
            "re-keyed, and whether they can read it follows their roles again."
        )
    return "\n".join(lines)


class SubjectsDialog(QDialog):
    """Tick the members of staff this concern is about. Saves while open, so an error keeps
    the ticks."""

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        view: CaseView,
        save: Saver,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.save = save
        self.setWindowTitle("Who this concern is about")
        self.setModal(True)
        session = context.require_session()
        current = set(view.fields.get(CaseField.SUBJECTS) or [])
        # Invited people count too (a concern may be about someone not yet enrolled), and
        # a subject who has since left stays listed, so saving does not drop them silently.
        people = sorted(
            (
                p
                for p in session.directory.people.values()
                if p.status != REMOVED or p.id in current
            ),
            key=lambda p: p.name.casefold(),
        )
        self.roles = {p.name: frozenset(p.roles) for p in people}
        self.before = {p.name for p in people if p.id in current}

        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Tick every member of staff this concern is about. SafeLog re-keys the case "
                "as soon as you save: no key they hold will open it, and the history records "
                "who changed it and when.",
                self,
            )
        )
        self.list = named(QListWidget(self), "Members of staff this concern is about")
        for person in people:
            item = QListWidgetItem(f"{person.name} ({describe_roles(person.roles)})")
            item.setData(Qt.ItemDataRole.UserRole, person.name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            checked = person.name in self.before
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        layout.addWidget(self.list, 1)
        self.effect = plain_label("", self, role="warning")
        named(self.effect, "What saving will do")
        layout.addWidget(self.effect)
        self.error = FormError(self)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(self)
        self.save_button = named(
            self.buttons.addButton("&Save and re-key", QDialogButtonBox.ButtonRole.AcceptRole),
            "Save and re-key",
        )
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            named(cancel, "Cancel")
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.list.itemChanged.connect(lambda _item: self._show_effect())
        context.events.locked.connect(self.reject)
        self._show_effect()
        self.resize(520, 460)

    def launch(self) -> bool:
        return self.exec() == QDialog.DialogCode.Accepted

    def chosen(self) -> dict[str, frozenset[Role]]:
        out = {}
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                name = str(item.data(Qt.ItemDataRole.UserRole))
                out[name] = self.roles.get(name, frozenset())
        return out

    def set_checked(self, name: str, on: bool) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _show_effect(self) -> None:
        text = consequence(self.chosen(), self.before)
        self.effect.setText(text)
        self.save_button.setEnabled(set(self.chosen()) != self.before)

    def _submit(self) -> None:
        self.error.clear_error()
        names = sorted(self.chosen())

        def op(session: Session, reference: str) -> object:
            from safelog.vault.cases import update_case

            return update_case(session, reference, {"subjects": names})

        self.save_button.setEnabled(False)
        self.save(op, self.accept, self._failed)

    def _failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.error.show_error(message)
