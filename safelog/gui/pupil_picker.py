"""People picked, not typed: the school roll offered under a name field as it is typed.

`RollSource` reads the roll once per dialog, in the worker, and folds it for picking
(domain/pupil_search.py: a keystroke then costs a few milliseconds on the GUI thread, so
the list follows the typing at once). A member whose key to the roll has not been handed on
yet is told so in the roll's own words; the name field works as before.

`PupilPicker` is a QCompleter fed with `PupilIndex.match`: typing part of a name, a form
("8B") or a year ("Y8") offers the matching pupils; the arrow keys and Enter, or a click,
choose one. `PupilRow` is a person row (name, who they are, date of birth) that remembers
the pupil chosen: the name and date of birth are then the roll's, and typing in the name
again makes it a typed person once more (a parent, someone outside school), as before.

Choosing fills the row rather than adding the person at once, so each person's role is
chosen for them, not left at whatever the role box happened to say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QCompleter, QLabel, QLineEdit

from safelog.domain.adults import Adult, match_adults
from safelog.domain.outcomes import PersonKind
from safelog.domain.pupil_search import PupilIndex
from safelog.domain.roll import Pupil
from safelog.gui.errors import error_text
from safelog.gui.formatting import uk_date
from safelog.gui.pupil_words import adult_line, pupil_facts, pupil_line
from safelog.gui.widgets import set_plain_text
from safelog.gui.worker import LatestOnly
from safelog.text import visible

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session

PICK_LIMIT = 8  # rows the picker offers: enough to choose from, few enough to read
NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # what the name field shows once a pupil is chosen
ID_ROLE = Qt.ItemDataRole.UserRole + 2

HINT = (
    "Type a name, a form (8B) or a year (Y8) to pick a pupil from the school roll, or an "
    "adult from the school's register (supply staff, volunteers, governors, contractors). "
    "For anyone else, type their name."
)
NO_ROLL = "No school roll has been imported yet: type the person's name."


def roll_index(session: Session) -> tuple[PupilIndex, tuple[Adult, ...]]:
    """The roll as it stands, folded for picking, and the register of adults (in the
    worker)."""
    from safelog.domain.adults import sorted_adults
    from safelog.vault.roll import load_roll

    roll = load_roll(session)
    return PupilIndex(roll.sorted()), tuple(sorted_adults(list(roll.adults.values())))


class RollSource(QObject):
    """The school roll for one dialog: read once in the worker, forgotten on lock.

    `ready` is emitted when a read ends, whether it found the roll (`index`) or not
    (`problem`, in plain words); `forgotten` when the pupils held are dropped."""

    ready = Signal()
    forgotten = Signal()

    def __init__(self, context: AppContext, parent: QObject) -> None:
        super().__init__(parent)
        self.context = context
        self.index: PupilIndex | None = None
        self.adults: tuple[Adult, ...] = ()
        self.problem = ""
        self.loader = LatestOnly(context, self, self._loaded, self._failed)
        context.events.locked.connect(self.forget)

    @property
    def loading(self) -> bool:
        return self.loader.loading

    def load(self) -> None:
        """Read the roll unless it has been read (or is being read) already."""
        if self.index is None and not self.loader.loading:
            self.reload()

    def reload(self) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        self.loader.run(lambda: roll_index(session))

    def forget(self) -> None:
        """Drop the pupils held (on lock): a read still running is dropped too."""
        self.loader.reset()
        self.index = None
        self.adults = ()
        self.problem = ""
        self.forgotten.emit()

    def match(self, text: str, limit: int = PICK_LIMIT) -> list[Pupil]:
        return self.index.match(text, limit) if self.index is not None else []

    def pick(self, text: str, limit: int = PICK_LIMIT) -> list[Pupil | Adult]:
        """The pupils matching `text`, then the adults on the register, `limit` in all."""
        pupils: list[Pupil | Adult] = list(self.match(text, limit))
        if len(pupils) < limit:
            pupils += match_adults(self.adults, text, limit - len(pupils))
        return pupils

    def _loaded(self, read: tuple[PupilIndex, tuple[Adult, ...]]) -> None:
        self.index, self.adults = read
        self.problem = ""
        self.ready.emit()

    def _failed(self, exc: BaseException) -> None:
        self.index = None
        self.adults = ()
        self.problem = error_text(exc)
        self.ready.emit()


class PupilPicker(QObject):
    """Offers the pupils (and adults on the register) matching what is typed in `field`;
    `picked(Pupil | Adult)` when one is chosen (the field then shows their name)."""

    picked = Signal(object)

    def __init__(self, field: QLineEdit, source: RollSource, limit: int = PICK_LIMIT) -> None:
        super().__init__(field)
        self.field = field
        self.source = source
        self.limit = limit
        self.shown: dict[str, Pupil | Adult] = {}
        self.model = QStandardItemModel(self)
        # Unfiltered: the index has chosen the rows already, in its own order.
        self.completer = QCompleter(self.model, field)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCompletionRole(NAME_ROLE)
        self.completer.setMaxVisibleItems(limit)
        popup = self.completer.popup()
        assert popup is not None  # a completer always makes its list
        self.popup: QAbstractItemView = popup
        self.popup.setAccessibleName("Pupils on the school roll matching the name")
        field.setCompleter(self.completer)
        # Before the field's own completion step, which shows the popup for these rows.
        field.textEdited.connect(self.offer)
        # The row chosen, not its text: two pupils may share a name. (The stubs do not
        # know that Qt signals with overloads can be indexed.)
        self.completer.activated[QModelIndex].connect(self._chosen)  # type: ignore[index]
        source.ready.connect(self._roll_arrived)
        source.forgotten.connect(self._forget)

    def offer(self, text: str) -> list[Pupil | Adult]:
        """Fill the list for `text`; returns the people offered, best first."""
        people = self.source.pick(text, self.limit)
        self.shown = {p.id: p for p in people}
        self.model.clear()
        muted = self.field.palette().placeholderText()
        for person in people:
            line = pupil_line(person) if isinstance(person, Pupil) else adult_line(person)
            item = QStandardItem(line)
            item.setData(person.display_name, NAME_ROLE)
            item.setData(person.id, ID_ROLE)
            item.setEditable(False)
            if person.left_on is not None:
                item.setForeground(muted)  # a leaver can be picked, and looks it
            self.model.appendRow(item)
        return people

    def offered(self) -> list[str]:
        """The lines the list shows now (for tests and screen readers alike)."""
        return [self.model.item(row).text() for row in range(self.model.rowCount())]

    def _forget(self) -> None:
        self.popup.hide()
        self.shown = {}
        self.model.clear()

    def _chosen(self, index: QModelIndex) -> None:
        person = self.shown.get(str(index.data(ID_ROLE)))
        if person is not None:
            self.field.setText(person.display_name)
            self.picked.emit(person)

    def _roll_arrived(self) -> None:
        # Typed before the roll had been read: offer it now.
        if self.field.hasFocus() and self.field.text().strip() and self.offer(self.field.text()):
            self.completer.complete()


class PupilRow(QObject):
    """A person row that can hold a pupil chosen from the roll. `note` says what the row
    holds: how to pick, the pupil chosen, or why the roll cannot be read.

    `entered` is Enter in the name field when it adds the row: while pupils are offered,
    Enter chooses one of them instead (the field sees that Enter too)."""

    entered = Signal()

    def __init__(
        self,
        name: QLineEdit,
        kind: QComboBox,
        birth: QLineEdit,
        note: QLabel,
        source: RollSource,
    ) -> None:
        super().__init__(name)
        self.name, self.kind, self.birth, self.note = name, kind, birth, note
        self.source = source
        self.pupil: Pupil | None = None
        self.adult: Adult | None = None
        self.picker = PupilPicker(name, source)
        self.picker.picked.connect(self.link)
        name.textEdited.connect(self._typed)
        name.returnPressed.connect(self._return_pressed)
        source.ready.connect(self._show_note)
        source.forgotten.connect(self.unlink)
        self._show_note()

    def link(self, pupil: Pupil | Adult) -> None:
        """Hold `pupil`: their name and date of birth are the roll's, and they are a pupil
        (or an adult from the register: their name and kind are the register's)."""
        if isinstance(pupil, Adult):
            self.pupil, self.adult = None, pupil
            self.name.setText(pupil.display_name)
            self.kind.setCurrentIndex(max(0, self.kind.findData(pupil.kind)))
            self.kind.setEnabled(False)
            self.birth.clear()
            self.birth.setReadOnly(True)
            self._show_note()
            return
        self.pupil, self.adult = pupil, None
        self.name.setText(pupil.display_name)
        self.kind.setCurrentIndex(self.kind.findData(PersonKind.PUPIL.value))
        self.kind.setEnabled(False)
        self.birth.setText(uk_date(pupil.date_of_birth) if pupil.date_of_birth else "")
        self.birth.setReadOnly(True)
        self._show_note()

    def unlink(self) -> None:
        if self.pupil is None and self.adult is None:
            return
        self.pupil = self.adult = None
        self.kind.setEnabled(True)
        self.birth.setReadOnly(False)
        self.birth.clear()  # it was the roll's
        self._show_note()

    def person(self, role: str) -> dict[str, Any] | None:
        """The row as a case person linked to the roll (or the register of adults), or None
        when it holds no one from them."""
        adult = self.adult
        if adult is not None and self.name.text().strip() == adult.display_name:
            return {"adult": adult.id, "name": adult.display_name, "kind": adult.kind, "role": role}
        pupil = self.pupil
        if pupil is None or self.name.text().strip() != pupil.display_name:
            return None
        person: dict[str, Any] = {
            "pupil": pupil.id,
            "name": pupil.display_name,
            "kind": PersonKind.PUPIL.value,
            "role": role,
        }
        if pupil.date_of_birth is not None:
            person["date_of_birth"] = pupil.date_of_birth.isoformat()
        return person

    def _return_pressed(self) -> None:
        if not self.picker.popup.isVisible():
            self.entered.emit()

    def _typed(self, _text: str) -> None:
        self.unlink()

    def _show_note(self) -> None:
        if self.adult is not None:
            text = f"On the school's register of adults: {visible(self.adult.described)}."
            text += " Change the name to type someone else instead."
        elif self.pupil is not None:
            facts = pupil_facts(self.pupil)
            text = "On the school roll" + (f": {facts}." if facts else ".")
            text += " Change the name to type someone else instead."
        elif self.source.problem:
            text = f"The school roll cannot be read: {self.source.problem} Type the name instead."
        elif self.source.index is not None and not self.source.index.pupils:
            text = NO_ROLL
        else:
            text = HINT
        set_plain_text(self.note, text)
