"""Low-level concerns about staff in the GUI: the report form explains them and will not send
one without the member of staff it is about; the DSL, head and chair review them grouped by
member of staff, so that repeated concerns about the same person are seen."""

from __future__ import annotations

# Fixtures imported from gui_support are used by name, which ruff reads as unused imports.
from collections.abc import Iterator
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, sqlite_only, unnamed_controls
from gui_support import cut_off, modals, wait_for  # noqa: F401
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from safelog.gui.low_level_review import LowLevelReviewDialog
from safelog.gui.main_window import MainWindow
from safelog.gui.report_form import ReportConcernDialog
from safelog.gui.report_sections import CHOOSE_STAFF, NOT_STAFF
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case

pytestmark = sqlite_only


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


def open_form(qtbot: QtBot, context: Any) -> ReportConcernDialog:
    dialog = ReportConcernDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def choose(combo: Any, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def click_send(qtbot: QtBot, dialog: ReportConcernDialog) -> None:
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)


def test_form_explains_a_low_level_concern_and_needs_the_member_of_staff(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    tess = desk.sign_in("Tess Teacher")
    dialog = open_form(qtbot, tess)
    assert dialog.about_staff.itemText(0) == NOT_STAFF
    choose(dialog.category, "low-level-staff")
    guidance = dialog.category_guidance.text()
    assert dialog.category_guidance.isVisible()
    assert "does not fit the staff code of conduct" in guidance
    assert "does not meet the harm threshold" in guidance
    assert "over-friendly with pupils" in guidance and "personal phone" in guidance
    assert "they will never be able to read this" in guidance
    assert "LADO" in guidance  # when it is an allegation instead
    assert not dialog.category_policy.isVisible()  # section numbers are for the DSL
    assert dialog.about_staff.itemText(0) == CHOOSE_STAFF
    qtbot.keyClicks(dialog.summary, "Gives one pupil lifts home in his own car")
    qtbot.keyClicks(dialog.description, "Seen three times this half term.")

    click_send(qtbot, dialog)
    assert dialog.isVisible() and dialog.reference is None
    assert "Choose the member of staff this low-level concern is about" in dialog.error.text()
    assert dialog.about_staff.property("invalid")
    assert dialog.summary.text() == "Gives one pupil lifts home in his own car"  # nothing lost
    dana = school.unlock("Dana DSL")
    assert list_cases(dana) == []  # nothing was sent
    dana.lock()

    choose(dialog.about_staff, "Sam Staff")
    assert not dialog.error.isVisible() and not dialog.about_staff.property("invalid")
    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        click_send(qtbot, dialog)
    reference = dialog.reference
    assert reference
    dana = school.unlock("Dana DSL")
    fields = show_case(dana, reference).fields
    assert fields["category"] == "low-level-staff"
    assert fields["subjects"] == [school.ids["Sam Staff"]]
    dana.lock()
    sam = school.unlock("Sam Staff")
    assert reference not in {c.reference for c in list_cases(sam)}
    sam.lock()


def test_about_the_head_the_box_names_them_and_the_guidance_names_the_chair(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    dialog = open_form(qtbot, desk.sign_in("Dana DSL"))
    choose(dialog.category, "low-level-staff")
    assert "The headteacher, with the DSL, decides" in dialog.category_guidance.text()
    assert "KCSIE Part 4" in dialog.category_policy.text()
    dialog.about_head.setChecked(True)
    guidance = dialog.category_guidance.text()
    assert "chair of governors" in guidance and "headteacher will never be able to read" in guidance
    assert "The headteacher, with the DSL, decides" not in guidance
    qtbot.keyClicks(dialog.summary, "Sarcastic remarks that humiliate pupils in assembly")
    qtbot.keyClicks(dialog.description, "Two pupils were upset afterwards.")
    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        click_send(qtbot, dialog)
    hugh = school.unlock("Hugh Head")
    assert dialog.reference not in {c.reference for c in list_cases(hugh)}
    hugh.lock()


def low_level(subject: str, summary: str) -> CaseInput:
    return CaseInput.from_json(
        {
            "category": "low-level-staff",
            "summary": summary,
            "description": "Seen in the corridor.",
            "subjects": [subject],
        }
    )


def open_review(qtbot: QtBot, context: Any) -> LowLevelReviewDialog:
    dialog = LowLevelReviewDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    wait_for(qtbot, lambda: dialog.status.text() != "Loading…")
    return dialog


def test_review_groups_two_concerns_about_the_same_teacher(
    qtbot: QtBot, desk: Desk, school: Any, clock: Any
) -> None:
    tess = school.unlock("Tess Teacher")
    first = add_case(tess, low_level("Sam Staff", "Over-friendly messages to a Year 9 pupil"))
    clock.advance(days=9)
    second = add_case(tess, low_level("Sam Staff", "Took photos of pupils on his own phone"))
    tess.lock()
    hugh = school.unlock("Hugh Head")
    other = add_case(hugh, low_level("Tess Teacher", "Favouritism in team selection"))
    hugh.lock()

    dialog = open_review(qtbot, desk.sign_in("Dana DSL"))
    assert unnamed_controls(dialog) == []
    assert cut_off(dialog) == []
    assert dialog.status.text() == "3 concerns about 2 people; 1 person with more than one."
    assert not dialog.problems.isVisible()
    tree = dialog.tree
    assert tree.topLevelItemCount() == 2
    sam = tree.topLevelItem(0)
    assert [sam.text(c) for c in (0, 1, 4)] == ["Sam Staff", "2", "Repeated concerns"]
    assert sam.isExpanded()
    assert sam.text(2) != sam.text(3)  # the first and the latest dates, nine days apart
    children = [sam.child(i).text(0) for i in range(sam.childCount())]
    assert children == [
        f"{first}: Over-friendly messages to a Year 9 pupil",
        f"{second}: Took photos of pupils on his own phone",
    ]
    tess_row = tree.topLevelItem(1)
    assert [tess_row.text(c) for c in (0, 1, 4)] == ["Tess Teacher", "1", ""]
    assert tess_row.child(0).text(0).startswith(other)

    tree.setCurrentItem(sam.child(1))
    assert dialog.open_button.isEnabled()
    with qtbot.waitSignal(dialog.open_requested, timeout=LOAD_MS) as opened:
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [second]
    tree.setCurrentItem(sam)
    assert not dialog.open_button.isEnabled()  # a person's row is not a case


def test_the_teacher_concerned_reviewing_sees_nothing_about_themselves(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    tess = school.unlock("Tess Teacher")
    add_case(tess, low_level("Hugh Head", "Shouts at pupils who are late"))
    tess.lock()
    dialog = open_review(qtbot, desk.sign_in("Hugh Head"))
    assert dialog.tree.topLevelItemCount() == 0
    assert "no low-level concerns" in dialog.status.text()
    chair = open_review(qtbot, desk.sign_in("Chris Chair"))
    assert chair.tree.topLevelItem(0).text(0) == "Hugh Head"


class _Views:
    def view(self, kind: str, context: Any, parent: QWidget) -> QWidget:
        return QWidget(parent)

    def report_concern(self, context: Any, parent: QWidget) -> str | None:
        return None

    def workspace(self, context: Any, reference: str, parent: QWidget) -> QWidget:
        return QWidget(parent)


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Dana DSL", True), ("Hugh Head", True), ("Chris Chair", True), ("Sam Staff", False)],
)
def test_the_review_is_on_the_menu_of_those_who_manage_cases(
    qtbot: QtBot, desk: Desk, name: str, shown: bool
) -> None:
    window = MainWindow(desk.sign_in(name), views=_Views())
    qtbot.addWidget(window)
    assert window.low_level_action.isVisible() is shown
    assert window.low_level_action.text() == "Low-level concerns by &member of staff…"
