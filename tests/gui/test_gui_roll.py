"""Pupils at the centre (issue 13), through the real widgets on a real vault: the school roll
window (importing an MIS export, adding a pupil by hand, who is offered it), people picked
from the roll as their name is typed in Report a concern and in the case's People tab, a
typed person linked to the roll later, and the case list finding a case by a person's name.
"""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from case_views_support import (  # noqa: F401
    LOAD_MS,
    Desk,
    desk,
    lock,
    open_workspace,
    shown_text,
    sqlite_only,
    unnamed_controls,
)
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from support.roll_files import SIMS_CSV, SIMS_CSV_NEXT_TERM

from safelog.domain.roles import Role
from safelog.gui.case_list import CaseListView
from safelog.gui.context import AppContext, SessionEvents
from safelog.gui.formatting import uk_date
from safelog.gui.main_window import MainWindow
from safelog.gui.pupil_form import AddPupilDialog
from safelog.gui.pupil_page import PupilPageView
from safelog.gui.pupil_picker import PupilPicker, RollSource
from safelog.gui.report_form import ReportConcernDialog
from safelog.gui.roll_window import READ_ONLY, RollWindow
from safelog.gui.worker import Runner
from safelog.gui.workspace.link_pupil import LinkPupilDialog
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.roll import add_adult, import_roll, load_roll
from safelog.vault.workspace import add_chronology, record_decision

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


def test_an_adult_on_the_register_is_picked_in_the_report_form_like_a_pupil(
    qtbot: QtBot, desk: Desk, rolled: Any
) -> None:
    """Issue 13 point 2: typing a name offers staff who are not SafeLog users too; the
    person is then the register's, with its kind, and the case names them by id."""
    dana = rolled.unlock("Dana DSL")
    coach = add_adult(
        dana, {"forename": "Pat", "surname": "Smithers", "kind": "volunteer", "job": "Coach"}
    )
    dana.lock()
    sam = desk.sign_in("Sam Staff")
    dialog = ReportConcernDialog(sam)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    wait_for_roll(qtbot, dialog.roll)
    picker = dialog.people_section.row.picker
    dialog.person_name.setFocus()
    qtbot.keyClicks(dialog.person_name, "smi")
    # The pupils first, then the adult whose surname starts the same.
    assert offered(picker)[-1] == "Pat Smithers — Volunteer, Coach"
    qtbot.keyClicks(dialog.person_name, "thers")
    assert offered(picker) == ["Pat Smithers — Volunteer, Coach"]
    dialog.person_name.clear()
    pick(qtbot, dialog.person_name, picker, "coach")
    assert dialog.person_name.text() == "Pat Smithers"
    assert dialog.person_kind.currentData() == "volunteer" and not dialog.person_kind.isEnabled()
    assert "register of adults: Volunteer, Coach" in dialog.people_section.roll_note.text()
    dialog.person_role.setCurrentIndex(dialog.person_role.findData("alleged-perpetrator"))
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    assert dialog.people.item(0, 1).text() == "Volunteer (on the register)"

    dialog.category.setCurrentIndex(dialog.category.findData("cyberbullying-pupil"))
    qtbot.keyClicks(dialog.summary, "Coach messaging a pupil")
    qtbot.keyClicks(dialog.description, "A pupil showed me messages from the coach.")
    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    dana = rolled.unlock("Dana DSL")
    people = show_case(dana, dialog.reference).fields["people"]
    dana.lock()
    assert people == [
        {
            "name": "Pat Smithers",
            "kind": "volunteer",
            "role": "alleged-perpetrator",
            "adult": coach.id,
        }
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


def table_rows(table: Any) -> list[list[str]]:
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


# -- The school roll window --------------------------------------------------------------------


class FakeView(QWidget):
    open_case = Signal(str)


class FakeViews:
    """The main window's content views are not what these tests are about."""

    def view(self, kind: str, context: Any, parent: QWidget) -> QWidget:
        return FakeView(parent)

    def report_concern(self, context: Any, parent: QWidget) -> str | None:
        return None

    def workspace(self, context: Any, reference: str, parent: QWidget) -> QWidget:
        return QWidget(parent)


def open_roll(qtbot: QtBot, context: AppContext) -> RollWindow:
    window = RollWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_for_roll(qtbot, window.roll)
    return window


def import_through_window(
    qtbot: QtBot, window: RollWindow, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(window, "choose_roll_file", lambda: path)
    qtbot.mouseClick(window.import_button, Qt.MouseButton.LeftButton)
    assert window.busy.busy and not window.import_button.isEnabled()
    qtbot.waitUntil(lambda: not window.busy.busy and not window.roll.loading, timeout=LOAD_MS)


def test_a_roll_is_imported_through_the_window_all_or_nothing(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dana = desk.sign_in("Dana DSL")
    window = open_roll(qtbot, dana)
    assert unnamed_controls(window) == []
    assert window.status.text() == "No pupils yet. Import the MIS export to begin."

    # A row that cannot be read: its line and why, and nothing imported.
    bad = tmp_path / "sims.csv"
    bad.write_text(SIMS_CSV, encoding="utf-8")
    import_through_window(qtbot, window, bad, monkeypatch)
    assert window.problem.text() == (
        "Nothing was imported: 1 row could not be read. Correct it in the MIS or the file, "
        "then import the whole file again."
    )
    rows = window.rejected_rows.toPlainText()
    assert rows.startswith("Line 5: ") and "31/02/2011" in rows
    assert window.rejected_rows.isVisible()
    assert window.model.rowCount() == 0
    assert load_roll(dana.session).pupils == {}

    # The corrected file: the counts, and the pupils listed.
    good = tmp_path / "sims-fixed.csv"
    good.write_bytes(SIMS_GOOD)
    with qtbot.waitSignal(window.changed, timeout=LOAD_MS):
        import_through_window(qtbot, window, good, monkeypatch)
    assert window.notice.text() == (
        "The roll was imported: 6 added, 0 updated, 0 unchanged, 0 marked as left."
    )
    assert not window.problem.isVisible() and not window.rejected_rows.isVisible()
    assert window.status.text() == "6 on the roll"
    names = [r[0] for r in window.rows()]
    assert names[:2] == ["Aisha Khan", "Zoë Nowak"]  # by surname
    jess = window.rows()[names.index("Jess (Jessica) Smith")]
    assert jess == ("Jess (Jessica) Smith", "Year 8", "8B", "14/03/2012", "B201201001010", "")

    # Next term: Liam has left, and stays on the roll greyed with the date he left.
    later = tmp_path / "sims-next-term.csv"
    later.write_text(SIMS_CSV_NEXT_TERM, encoding="utf-8")
    import_through_window(qtbot, window, later, monkeypatch)
    assert "1 added, 1 updated, 4 unchanged, 1 marked as left." in window.notice.text()
    assert window.status.text() == "6 on the roll, 1 who has left"
    liam = next(r for r in range(window.model.rowCount()) if "Liam" in window.rows()[r][0])
    assert window.rows()[liam][5] == uk_date(dana.clock())
    foreground = window.model.index(liam, 0).data(Qt.ItemDataRole.ForegroundRole)
    assert foreground == window.palette().placeholderText()

    # Searching by name, form or year narrows the list at once.
    qtbot.keyClicks(window.search, "8b")
    assert [r[0] for r in window.rows()] == ["Yusuf Ahmed", "Olly (Oliver) Smith-Jones"]
    assert window.status.text() == "2 of 7 match"
    window.search.clear()
    qtbot.keyClicks(window.search, "obri")
    assert [r[0] for r in window.rows()] == ["Liam O'Brien"]


def test_a_pupil_added_by_hand_shows_each_problem_under_its_field_until_fixed(
    qtbot: QtBot, desk: Desk, school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dana = desk.sign_in("Dana DSL")
    window = open_roll(qtbot, dana)
    shown: list[dict[str, str]] = []

    def fill_in(roll_window: RollWindow) -> Any:
        dialog = AddPupilDialog(roll_window.context, roll_window)
        dialog.show()
        assert unnamed_controls(dialog) == []
        qtbot.keyClicks(dialog.fields["legal_forename"], "Ruby")
        qtbot.keyClicks(dialog.fields["date_of_birth"], "31/02/2013")
        qtbot.keyClicks(dialog.fields["year"], "Y7")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.busy.busy, timeout=LOAD_MS)
        shown.append(dialog.problem_texts())
        assert dialog.fields["surname"].property("invalid") is True
        assert dialog.isVisible()  # nothing typed is lost
        assert dialog.fields["legal_forename"].text() == "Ruby"

        qtbot.keyClicks(dialog.fields["surname"], "Reed")
        assert "surname" not in dialog.problem_texts()  # goes as soon as it is changed
        dialog.fields["date_of_birth"].clear()
        qtbot.keyClicks(dialog.fields["date_of_birth"], "01/06/2013")
        with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        return dialog.pupil

    monkeypatch.setattr(RollWindow, "ask_for_pupil", fill_in)
    with qtbot.waitSignal(window.roll.ready, timeout=LOAD_MS):
        qtbot.mouseClick(window.add_button, Qt.MouseButton.LeftButton)
    assert shown[0]["surname"] == "A surname is needed."
    assert "31/02/2013" in shown[0]["date_of_birth"] and "legal_forename" not in shown[0]
    assert window.notice.text() == "Ruby Reed was added to the roll."
    assert window.rows() == [("Ruby Reed", "Year 7", "", "01/06/2013", "", "")]
    assert window.table.selectionModel().selectedRows()[0].row() == 0

    # Added twice: refused in plain words.
    dialog = AddPupilDialog(dana)
    qtbot.addWidget(dialog)
    again = {"surname": "REED", "legal_forename": "ruby", "date_of_birth": "1/6/2013"}
    for key, text in again.items():
        qtbot.keyClicks(dialog.fields[key], text)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.busy.busy, timeout=LOAD_MS)
    assert dialog.error.text().startswith("Ruby Reed is already on the roll")


def test_staff_are_offered_no_import_or_adding(
    qtbot: QtBot, desk: Desk, rolled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dana = desk.sign_in("Dana DSL")
    window = MainWindow(dana, views=FakeViews())
    qtbot.addWidget(window)
    window.show()
    assert window.roll_action.isVisible() and window.roll_button.isVisible()
    assert window.roll_action in window.menuBar().actions()[0].menu().actions()

    sam = desk.sign_in("Sam Staff")
    main = MainWindow(sam, views=FakeViews())
    qtbot.addWidget(main)
    main.show()
    assert not main.roll_action.isVisible() and not main.roll_button.isVisible()
    main.open_roll()  # not offered, and does nothing if called

    # The window itself, were it opened, lists the roll and offers no changes.
    roll = open_roll(qtbot, sam)
    assert roll.model.rowCount() == 6
    assert roll.import_button.isHidden() and roll.add_button.isHidden()
    assert roll.page_button.isHidden()  # a pupil's page is for those who manage cases
    assert roll.read_only.text() == READ_ONLY and not roll.read_only.isHidden()
    assert "Import" not in shown_text(roll)
    # The vault refuses anyway.
    roll.import_file(Path("never-read.csv"))
    qtbot.waitUntil(lambda: not roll.busy.busy, timeout=LOAD_MS)
    assert "Nothing was imported." in roll.problem.text()


# -- Finding cases by the people in them --------------------------------------------------------


def test_the_case_list_search_finds_a_case_by_a_persons_name(
    qtbot: QtBot, desk: Desk, rolled: Any
) -> None:
    sam = rolled.unlock("Sam Staff")
    report = {"category": "cyberbullying-pupil", "description": "Messages in a group chat."}
    about_jess = add_case(
        sam,
        CaseInput.from_json(
            {
                **report,
                "summary": "Unkind messages",
                "people": [{"pupil": roll_id(rolled, JESS), "role": "victim"}],
            }
        ),
    )
    other = add_case(
        sam,
        CaseInput.from_json(
            {
                **report,
                "summary": "A stranger's messages",
                "people": [{"name": "Maya Lewis", "kind": "pupil", "role": "victim"}],
            }
        ),
    )
    sam.lock()
    dsl = desk.sign_in("Dana DSL")
    view = CaseListView(dsl)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        view.show()
    assert set(view.visible_references()) == {about_jess, other}
    qtbot.keyClicks(view.search, "jessica")  # her legal name, as the roll gives it
    assert view.visible_references() == [about_jess]
    view.search.clear()
    qtbot.keyClicks(view.search, "lewis maya")
    assert view.visible_references() == [other]


def test_the_link_dialog_narrows_as_the_search_changes(
    qtbot: QtBot, desk: Desk, rolled: Any
) -> None:
    dana = desk.sign_in("Dana DSL")
    holder = QWidget()
    qtbot.addWidget(holder)
    source = RollSource(dana, holder)
    dialog = LinkPupilDialog(source, "Jordan Smith", holder)
    assert dialog.status.text() == "Reading the school roll…"
    assert not dialog.link_button.isEnabled()
    wait_for_roll(qtbot, source)
    assert dialog.offered == [] and "No pupil on the roll matches" in dialog.status.text()
    dialog.search.setText("smith")
    assert [p.display_name for p in dialog.offered] == [JESS, "Olly (Oliver) Smith-Jones"]
    assert dialog.link_button.isEnabled()
    dialog.list.setCurrentRow(1)
    assert dialog.chosen() is not None and dialog.chosen().form == "8B"


# -- The pupil's page --------------------------------------------------------------------------


def two_cases_about_jess(school: Any) -> tuple[str, str, str]:
    """Two cases naming Jess (each reporter's own), one that does not, and a DSL's entries."""
    jess = roll_id(school, JESS)
    base = {"category": "cyberbullying-pupil", "description": "What was seen."}
    sam = school.unlock("Sam Staff")
    first = add_case(sam, CaseInput.from_json({
        **base, "summary": "Unkind messages", "occurred_at": "2026-11-02T15:00:00+00:00",
        "people": [{"pupil": jess, "role": "victim"}],
    }))  # fmt: skip
    other = add_case(sam, CaseInput.from_json({**base, "summary": "Not about her"}))
    sam.lock()
    tess = school.unlock("Tess Teacher")
    second = add_case(tess, CaseInput.from_json({
        **base, "summary": "Upset in form time", "occurred_at": "2026-11-10T09:00:00+00:00",
        "people": [{"pupil": jess, "role": "witness"},
                   {"name": "Karen Smith", "kind": "parent", "role": "reporter"}],
    }))  # fmt: skip
    tess.lock()
    dana = school.unlock("Dana DSL")
    add_chronology(dana, first, "Spoke to Jess with her form tutor.",
                   datetime(2026, 11, 5, 12, 0, tzinfo=UTC))  # fmt: skip
    record_decision(dana, second, "Early help referral", "Second concern in a fortnight")
    dana.lock()
    return str(first), str(second), str(other)


def test_the_pupils_page_puts_her_cases_in_one_chronology_and_opens_them(
    qtbot: QtBot, desk: Desk, rolled: Any
) -> None:
    first, second, other = two_cases_about_jess(rolled)
    dana = desk.sign_in("Dana DSL")
    page = PupilPageView(dana, roll_id(rolled, JESS))
    qtbot.addWidget(page)
    page.resize(1200, 700)
    with qtbot.waitSignal(page.loaded, timeout=LOAD_MS):
        page.show()
    assert unnamed_controls(page) == []
    assert page.name.text() == JESS
    assert page.facts.text() == "Year 8, 8B, born 14/03/2012, UPN B201201001010."
    assert "kept until 14 March 2037, 25 years after their date of birth" in page.retention.text()
    assert page.status.text() == "2 cases you can open name this pupil."
    assert cells_of(page.cases, 0) == [first, second]
    assert cells_of(page.cases, 4) == ["Victim", "Witness"]
    assert other not in shown_text(page)

    # One chronology, in date order, across both cases.
    rows = [(r[1], r[2]) for r in table_rows(page.chronology)]
    assert rows[:4] == [(first, "Report"), (first, "Chronology entry"), (second, "Report"),
                        (second, "Decision")]  # fmt: skip
    assert table_rows(page.chronology)[0][0] == "02/11/2026 15:00"
    assert "Early help referral" in table_rows(page.chronology)[3][3]
    total = page.chronology.rowCount()

    # Filters: by kind, then by date.
    page.kind.setCurrentIndex(page.kind.findData("report"))
    assert [r[1] for r in table_rows(page.chronology)] == [first, second]
    assert page.shown_count.text() == f"2 of {total} entries shown"
    page.kind.setCurrentIndex(0)
    qtbot.keyClicks(page.start, "04/11/2026")
    qtbot.keyClicks(page.end, "10/11/2026")
    assert [(r[1], r[2]) for r in table_rows(page.chronology)] == [
        (first, "Chronology entry"), (second, "Report")]  # fmt: skip
    page.end.setText("10/11/26")  # not a date: the hint, and the list as it was
    assert not page.date_problem.isHidden() and page.chronology.rowCount() == 2
    page.end.clear()
    assert page.date_problem.isHidden()

    # A case opens from either list.
    with qtbot.waitSignal(page.open_case, timeout=LOAD_MS) as opened:
        page.cases.selectRow(1)
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [second]
    with qtbot.waitSignal(page.open_case, timeout=LOAD_MS) as opened:
        page.chronology.selectRow(0)
        qtbot.mouseClick(page.open_entry_button, Qt.MouseButton.LeftButton)
    assert opened.args == [first]

    # Locking takes the child off the screen.
    lock(dana)
    assert page.chronology.rowCount() == 0 and page.name.text() == ""


def test_the_pupils_page_opens_from_the_roll_and_the_people_tab_in_a_tab(
    qtbot: QtBot, desk: Desk, rolled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _second, _other = two_cases_about_jess(rolled)
    dana = desk.sign_in("Dana DSL")
    main = MainWindow(dana)  # the real views: the case opens in its workspace
    qtbot.addWidget(main)
    main.show()

    def pick_jess(window: RollWindow) -> None:
        wait_for_roll(qtbot, window.roll)
        window.search.setText("jess")
        window.table.selectRow(0)
        qtbot.mouseClick(window.page_button, Qt.MouseButton.LeftButton)

    monkeypatch.setattr(RollWindow, "launch", pick_jess)
    main.open_roll()
    page = main.tabs.currentWidget()
    assert isinstance(page, PupilPageView) and main.tabs.tabText(main.tabs.currentIndex()) == (
        "Pupil's page"
    )
    qtbot.waitUntil(lambda: page.page is not None, timeout=LOAD_MS)
    page.cases.selectRow(0)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert main.tabs.tabText(main.tabs.currentIndex()) == first
    workspace = main.tabs.currentWidget()
    qtbot.waitUntil(lambda: workspace.detail is not None, timeout=LOAD_MS)

    people = workspace.people_panel
    people.table.selectRow(0)
    assert people.page_button.isEnabled()
    qtbot.mouseClick(people.page_button, Qt.MouseButton.LeftButton)
    assert main.tabs.currentWidget() is page  # the page already open, not a second one
    main.close_current_case()
    assert "Pupil's page" not in main.open_tabs()


def test_the_head_opens_a_pupils_page_from_the_roll_without_the_case_about_himself(
    qtbot: QtBot, desk: Desk, rolled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    jess = roll_id(rolled, JESS)
    sam = rolled.unlock("Sam Staff")
    about_head = add_case(sam, CaseInput.from_json({
        "category": "staff-online-conduct", "summary": "The head messaged Jess privately",
        "description": "Seen on her phone.", "subjects": ["Hugh Head"],
        "people": [{"pupil": jess, "role": "victim"}],
    }))  # fmt: skip
    sam.lock()
    hugh = desk.sign_in("Hugh Head")
    main = MainWindow(hugh)
    qtbot.addWidget(main)
    main.show()
    assert main.roll_action.isVisible() and main.roll_button.isVisible()

    def pick_jess(window: RollWindow) -> None:
        wait_for_roll(qtbot, window.roll)
        assert window.import_button.isHidden() and window.add_button.isHidden()
        assert not window.page_button.isHidden()
        window.search.setText("jess")
        window.table.selectRow(0)
        qtbot.mouseClick(window.page_button, Qt.MouseButton.LeftButton)

    monkeypatch.setattr(RollWindow, "launch", pick_jess)
    main.open_roll()
    page = main.tabs.currentWidget()
    assert isinstance(page, PupilPageView)
    qtbot.waitUntil(lambda: page.page is not None, timeout=LOAD_MS)
    assert about_head not in {c.reference for c in page.page.cases}
    assert "messaged Jess privately" not in shown_text(page)


def test_adults_who_are_not_users_are_added_and_marked_as_left_from_the_roll_window(
    qtbot: QtBot, desk: Desk, rolled: Any
) -> None:
    dana = desk.sign_in("Dana DSL")
    roll = open_roll(qtbot, dana)
    qtbot.mouseClick(roll.adults_button, Qt.MouseButton.LeftButton)
    dialog = roll.adults_dialog
    qtbot.waitUntil(lambda: dialog.lines() == ["No one on the register yet."], timeout=LOAD_MS)
    assert unnamed_controls(dialog) == []
    qtbot.keyClicks(dialog.forename, "Pat")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy.busy, timeout=LOAD_MS)
    assert "a surname is needed" in dialog.notice.text()
    assert dialog.forename.text() == "Pat"  # nothing typed is lost
    qtbot.keyClicks(dialog.surname, "Jones")
    dialog.kind.setCurrentIndex(dialog.kind.findData("volunteer"))
    qtbot.keyClicks(dialog.job, "Football coach")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: dialog.lines() == ["Pat Jones — Volunteer, Football coach"], timeout=LOAD_MS
    )
    dialog.list.setCurrentRow(0)
    qtbot.mouseClick(dialog.left_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ", left " in "".join(dialog.lines()), timeout=LOAD_MS)
    assert not dialog.left_button.isEnabled()

    # A member of staff sees the register, to pick from it, and cannot change it.
    sam = desk.sign_in("Sam Staff")
    roll = open_roll(qtbot, sam)
    qtbot.mouseClick(roll.adults_button, Qt.MouseButton.LeftButton)
    seen = roll.adults_dialog
    qtbot.waitUntil(lambda: seen.lines()[:1] == [dialog.lines()[0]], timeout=LOAD_MS)
    assert seen.add_button.isHidden() and seen.left_button.isHidden()
    assert not seen.read_only.isHidden()


def test_the_pupils_page_names_staff_with_a_family_link(
    qtbot: QtBot, desk: Desk, rolled: Any
) -> None:
    """000 6.7-6.9: a family link declared by a member of staff, found on the roll by the
    pupil's UPN, shows on the pupil's page to those who may read it, with whether the
    headteacher has acknowledged it."""
    from safelog.vault.approvals import decide, make_request

    link = {"pupil": "B201201001010", "relationship": "family member", "details": "My niece"}
    made = make_request(rolled.unlock("Tess Teacher"), "family-link", link)
    assert made.fields["pupil"] == f"{JESS} (year 8)" and made.pupil_id == roll_id(rolled, JESS)
    decide(rolled.unlock("Hugh Head"), made.seq, "acknowledged", "Agreed: no contact online")
    page = PupilPageView(desk.sign_in("Dana DSL"), roll_id(rolled, JESS))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=LOAD_MS):
        page.show()
    assert page.staff_links.text() == (
        "Staff with a link to this pupil: Tess Teacher (family member; acknowledged by Hugh Head)"
    )
    former = make_request(rolled.unlock("Sam Staff"), "family-link", {**link, "pupil": "Ann Old"})
    assert former.pupil_id is None and former.fields["pupil"] == "Ann Old"
