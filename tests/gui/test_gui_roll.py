"""Pupils at the centre (issue 13), through the real widgets on a real vault: the school roll
window (importing an MIS export, adding a pupil by hand, who is offered it), people picked
from the roll as their name is typed in Report a concern and in the case's People tab, a
typed person linked to the roll later, and the case list finding a case by a person's name.
"""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from case_views_support import (  # noqa: F401
    LOAD_MS,
    Desk,
    desk,
    open_workspace,
    shown_text,
    sqlite_only,
    unnamed_controls,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from support.roll_files import SIMS_CSV

from safelog.domain.roles import Role
from safelog.gui.context import AppContext, SessionEvents
from safelog.gui.pupil_picker import PupilPicker, RollSource
from safelog.gui.report_form import ReportConcernDialog
from safelog.gui.worker import Runner
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.roll import import_roll, load_roll

pytestmark = sqlite_only

SIMS_GOOD = SIMS_CSV.replace("31/02/2011", "28/02/2011").encode()
JESS = "Jess (Jessica) Smith"


@pytest.fixture
def rolled(school: Any) -> Any:
    """The school with its SIMS roll imported by the DSL."""
    dana = school.unlock("Dana DSL")
    assert import_roll(dana, SIMS_GOOD).imported
    dana.lock()
    return school


def roll_id(school: Any, name: str) -> str:
    session = school.unlock("Dana DSL")
    try:
        return next(p.id for p in load_roll(session).pupils.values() if p.display_name == name)
    finally:
        session.lock()


def wait_for_roll(qtbot: QtBot, source: RollSource) -> None:
    qtbot.waitUntil(lambda: source.index is not None or bool(source.problem), timeout=LOAD_MS)


def pick(qtbot: QtBot, field: QLineEdit, picker: PupilPicker, typed: str, row: int = 0) -> None:
    """Type into a name field and choose a row of what is offered, by keyboard."""
    field.setFocus()
    qtbot.keyClicks(field, typed)
    assert picker.popup.isVisible(), f"nothing offered for {typed!r}"
    for _ in range(row + 1):
        qtbot.keyClick(picker.popup, Qt.Key.Key_Down)
    qtbot.keyClick(picker.popup, Qt.Key.Key_Return)


def offered(picker: PupilPicker) -> list[str]:
    model = picker.model
    return [model.item(r).text() for r in range(model.rowCount())]


# -- Report a concern --------------------------------------------------------------------------


def test_a_pupil_is_picked_in_the_report_form_by_typing_part_of_a_name(
    qtbot: QtBot, desk: Desk, rolled: Any
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = ReportConcernDialog(sam)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    wait_for_roll(qtbot, dialog.roll)
    assert unnamed_controls(dialog) == []
    picker = dialog.people_section.row.picker

    # A form and a year are offered too, at once.
    dialog.person_name.setFocus()
    qtbot.keyClicks(dialog.person_name, "Y9")
    assert [line.split(" — ")[0] for line in offered(picker)] == ["Aisha Khan", "Liam O'Brien"]
    dialog.person_name.clear()
    qtbot.keyClicks(dialog.person_name, "8b")
    assert len(offered(picker)) == 2
    dialog.person_name.clear()

    pick(qtbot, dialog.person_name, picker, "smi")
    assert dialog.person_name.text() == JESS
    assert dialog.person_birth.text() == "14/03/2012"  # the roll's
    assert dialog.person_birth.isReadOnly() and not dialog.person_kind.isEnabled()
    assert "On the school roll: Year 8, 8B" in dialog.people_section.roll_note.text()
    dialog.person_role.setCurrentIndex(dialog.person_role.findData("victim"))
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    assert dialog.people.item(0, 1).text() == "Pupil (on the roll)"

    # Someone not on the roll is typed as before, with their own role.
    qtbot.keyClicks(dialog.person_name, "Karen Smith")
    dialog.person_kind.setCurrentIndex(dialog.person_kind.findData("parent"))
    dialog.person_role.setCurrentIndex(dialog.person_role.findData("reporter"))
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)

    # Picked, then typed over: a typed person again, no longer the pupil.
    pick(qtbot, dialog.person_name, picker, "nowak")
    assert dialog.people_section.row.pupil is not None
    qtbot.keyClicks(dialog.person_name, "x")
    assert dialog.people_section.row.pupil is None
    assert dialog.person_birth.text() == "" and dialog.person_kind.isEnabled()
    dialog.person_name.clear()

    dialog.category.setCurrentIndex(dialog.category.findData("cyberbullying-pupil"))
    qtbot.keyClicks(dialog.summary, "Unkind messages in a group chat")
    qtbot.keyClicks(dialog.description, "She showed me the messages.")
    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)

    dana = rolled.unlock("Dana DSL")
    people = show_case(dana, dialog.reference).fields["people"]
    dana.lock()
    assert people == [
        {
            "name": JESS,
            "kind": "pupil",
            "role": "victim",
            "date_of_birth": "2012-03-14",
            "pupil": roll_id(rolled, JESS),
        },
        {"name": "Karen Smith", "kind": "parent", "role": "reporter"},
    ]


def newcomer(desk: Desk, school: Any, clock: Any, roles: frozenset[Role]) -> AppContext:
    """Someone invited and enrolled since anyone else signed in: no one has handed them the
    key to the roll yet."""
    dana = school.unlock("Dana DSL")
    code = school.vault.invite(dana, "Nia New", roles)
    dana.lock()
    session = school.vault.enrol(code, "nia new lanyard")
    context = AppContext(
        vault=school.vault, runner=Runner(), events=SessionEvents(), clock=clock, session=session
    )
    desk.contexts.append(context)  # closed with the others
    return context


def test_no_roll_yet_or_no_key_to_it_is_said_and_names_are_typed_as_before(
    qtbot: QtBot, desk: Desk, school: Any, clock: Any
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = ReportConcernDialog(sam)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_for_roll(qtbot, dialog.roll)
    assert "No school roll has been imported yet" in dialog.people_section.roll_note.text()

    dana = school.unlock("Dana DSL")
    assert import_roll(dana, SIMS_GOOD).imported
    dana.lock()
    nia = newcomer(desk, school, clock, frozenset({Role.STAFF}))
    dialog = ReportConcernDialog(nia)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_for_roll(qtbot, dialog.roll)
    note = dialog.people_section.roll_note.text()
    assert note.startswith("The school roll cannot be read: This account does not hold the key")
    qtbot.keyClicks(dialog.person_name, "Jess Smith")
    assert not dialog.people_section.row.picker.popup.isVisible()
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    assert dialog.people_added == [{"name": "Jess Smith", "kind": "pupil", "role": "victim"}]


# -- The case's People tab ---------------------------------------------------------------------


def saved_and_reloaded(qtbot: QtBot, workspace: Any) -> Any:
    return qtbot.waitSignals([workspace.saved, workspace.loaded], timeout=LOAD_MS, order="strict")


def test_the_people_tab_picks_a_pupil_and_links_a_typed_person_to_the_roll(
    qtbot: QtBot, desk: Desk, rolled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam = rolled.unlock("Sam Staff")
    typed = {"name": "Aisha Khan", "kind": "pupil", "role": "witness"}
    reference = str(
        add_case(
            sam,
            CaseInput.from_json(
                {
                    "category": "cyberbullying-pupil",
                    "summary": "Comments under a video",
                    "description": "Year 8 pupils posted comments.",
                    "people": [typed],
                }
            ),
        )
    )
    sam.lock()
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reference)
    people = workspace.people_panel
    workspace.tabs.setCurrentWidget(people)
    wait_for_roll(qtbot, people.roll)
    assert unnamed_controls(people) == []

    pick(qtbot, people.name, people.row.picker, "olly")
    assert people.name.text() == "Olly (Oliver) Smith-Jones"
    people.role.setCurrentIndex(people.role.findData("alleged-perpetrator"))
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(people.add_button, Qt.MouseButton.LeftButton)
    assert people.table.item(1, 1).text() == "Pupil (on the roll)"
    assert people.name.text() == ""

    # Aisha was typed by hand; she is on the roll, so she is linked, keeping her role.
    people.table.selectRow(1)
    assert not people.link_button.isEnabled()  # Olly is linked already
    people.table.selectRow(0)
    assert people.link_button.isEnabled()
    seen: list[list[str]] = []

    def launch(dialog: Any) -> Any:
        seen.append([p.display_name for p in dialog.offered])
        return dialog.chosen()

    from safelog.gui.workspace.link_pupil import LinkPupilDialog

    monkeypatch.setattr(LinkPupilDialog, "launch", launch)
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(people.link_button, Qt.MouseButton.LeftButton)
    assert seen == [["Aisha Khan"]]  # the search starts from the name typed
    assert people.notice.text() == "Aisha Khan is now linked to the school roll."

    stored = show_case(dsl.session, reference).fields["people"]
    assert stored == [
        {**typed, "pupil": roll_id(rolled, "Aisha Khan"), "date_of_birth": "2011-02-28"},
        {
            "name": "Olly (Oliver) Smith-Jones",
            "kind": "pupil",
            "role": "alleged-perpetrator",
            "date_of_birth": "2012-11-22",
            "pupil": roll_id(rolled, "Olly (Oliver) Smith-Jones"),
        },
    ]
    assert cells_of(people.table, 1) == ["Pupil (on the roll)", "Pupil (on the roll)"]
    assert not people.link_button.isEnabled()


def cells_of(table: Any, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]
