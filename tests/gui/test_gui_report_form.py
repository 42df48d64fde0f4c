"""Report a concern: the form a member of staff fills in, through its real widgets, on a real
vault. What is typed is what is stored; problems are explained next to the form and nothing
typed is lost; a concern about the headteacher goes where the headteacher cannot read it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, lock, sqlite_only, unnamed_controls
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from safelog.domain.deadlines import LONDON
from safelog.errors import InvalidInput
from safelog.gui.report_form import ACTION_HEADING, TOLD_HEADING, ReportConcernDialog
from safelog.vault.cases import list_cases, show_case

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


def send(qtbot: QtBot, dialog: ReportConcernDialog) -> str:
    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.reference
    return dialog.reference


def test_what_is_typed_is_what_is_stored(qtbot: QtBot, desk: Desk, school: Any) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    assert dialog.windowTitle() == "Report a concern"
    assert unnamed_controls(dialog) == []

    choose(dialog.category, "cyberbullying-pupil")
    assert "bullied" in dialog.category_help.text()  # the category explains itself
    qtbot.keyClicks(dialog.summary, "Unkind comments under a pupil's TikTok video")
    qtbot.keyClicks(dialog.description, "She showed me comments calling her names.")
    dialog.when.setDateTime(QDateTime(QDate(2026, 11, 19), QTime(16, 45)))
    choose(dialog.platform, "TikTok")
    qtbot.keyClicks(dialog.url, "https://www.tiktok.com/@someone/video/1")
    qtbot.keyClicks(dialog.person_name, "Maya Lewis")
    choose(dialog.person_kind, "pupil")
    choose(dialog.person_role, "victim")
    qtbot.keyClicks(dialog.person_birth, "04/02/2012")
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.person_name, "Jordan Reece")  # typed but not added: sending adds it
    choose(dialog.person_role, "alleged-perpetrator")
    choose(dialog.about_staff, "Tess Teacher")
    qtbot.keyClicks(dialog.action_taken, "Asked her to keep the comments.")
    dialog.told_dsl.setChecked(True)
    reference = send(qtbot, dialog)

    dsl = school.unlock("Dana DSL")
    fields = show_case(dsl, reference).fields
    assert fields["category"] == "cyberbullying-pupil"
    assert fields["summary"] == "Unkind comments under a pupil's TikTok video"
    assert fields["occurred_at"] == datetime(2026, 11, 19, 16, 45, tzinfo=LONDON).isoformat()
    assert fields["platform"] == "TikTok"
    assert fields["url"] == "https://www.tiktok.com/@someone/video/1"
    assert fields["people"] == [
        {"name": "Maya Lewis", "kind": "pupil", "role": "victim", "date_of_birth": "2012-02-04"},
        {"name": "Jordan Reece", "kind": "pupil", "role": "alleged-perpetrator"},
    ]
    assert fields["subjects"] == [school.ids["Tess Teacher"]]
    assert fields["reporter"] == school.ids["Sam Staff"]
    assert fields["description"] == (
        "She showed me comments calling her names.\n\n"
        f"{ACTION_HEADING}\nAsked her to keep the comments.\n\n"
        f"{TOLD_HEADING} Yes"
    )
    # The member of staff it is about cannot read it.
    tess = school.unlock("Tess Teacher")
    assert reference not in [c.reference for c in list_cases(tess)]
    dsl.lock()
    tess.lock()


def test_problems_are_explained_in_place_and_nothing_typed_is_lost(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    qtbot.keyClicks(dialog.description, "Long description typed with care.")

    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.isVisible()
    assert dialog.error.text() == "Choose what kind of concern this is."
    assert dialog.category.property("invalid") is True

    choose(dialog.category, "unwanted-contact")
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Write one line saying what happened."
    assert dialog.summary.hasFocus() or dialog.summary.property("invalid") is True

    qtbot.keyClicks(dialog.summary, "Friend request from a parent")
    qtbot.keyClicks(dialog.person_birth, "31/02/2012")
    qtbot.keyClicks(dialog.person_name, "Mr Dobson")
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert "date of birth" in dialog.error.text()

    dialog.person_birth.clear()
    dialog.when.setDateTime(QDateTime(QDate(2030, 1, 1), QTime(9, 0)))
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert "future" in dialog.error.text()

    # Everything typed is still there, and nothing was saved.
    assert dialog.description.toPlainText() == "Long description typed with care."
    assert dialog.summary.text() == "Friend request from a parent"
    assert dialog.people_added == [] and dialog.person_name.text() == "Mr Dobson"
    dsl = school.unlock("Dana DSL")
    assert list_cases(dsl) == []
    dsl.lock()


def test_an_error_from_the_vault_keeps_the_form(
    qtbot: QtBot, desk: Desk, school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    choose(dialog.category, "public-threats")
    qtbot.keyClicks(dialog.summary, "Threats on the school page")
    qtbot.keyClicks(dialog.description, "Comments said they would wait outside.")

    def refuse(_session: Any, _case: Any) -> str:
        raise InvalidInput("'subjects' names users the concern is about.")

    monkeypatch.setattr("safelog.vault.filing.add_case", refuse)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=LOAD_MS)
    assert dialog.error.text() == (
        "The report was not sent. The member of staff names users the concern is about."
    )
    assert dialog.send_button.isEnabled()
    assert dialog.summary.text() == "Threats on the school page"
    assert dialog.isVisible() and dialog.reference is None

    monkeypatch.undo()
    assert send(qtbot, dialog).startswith("SL-")


def test_about_the_headteacher_goes_to_the_chair_not_the_head(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    tess = desk.sign_in("Tess Teacher")
    dialog = open_form(qtbot, tess)
    assert not dialog.about_head_note.isVisible()
    dialog.about_head.setChecked(True)
    assert dialog.about_head_note.isVisible()
    assert "headteacher will not be able to read" in dialog.about_head_note.text()
    choose(dialog.category, "staff-online-conduct")
    qtbot.keyClicks(dialog.summary, "Photos of pupils on a personal account")
    qtbot.keyClicks(dialog.description, "A parent showed me the account.")
    reference = send(qtbot, dialog)

    chair, head = school.unlock("Chris Chair"), school.unlock("Hugh Head")
    fields = show_case(chair, reference).fields
    assert fields["subjects"] == [school.ids["Hugh Head"]]
    assert fields["about_headteacher"] is True
    assert reference not in [c.reference for c in list_cases(head)]
    chair.lock()
    head.lock()


def test_other_platform_and_removing_a_person(qtbot: QtBot, desk: Desk, school: Any) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    choose(dialog.category, "inappropriate-content")
    qtbot.keyClicks(dialog.summary, "Gambling site open on a library PC")
    qtbot.keyClicks(dialog.description, "Seen after period 3.")
    choose(dialog.platform, "Other")
    assert dialog.platform_other.isVisible()
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert "name of the site" in dialog.error.text()
    qtbot.keyClicks(dialog.platform_other, "Library PC browser")
    for name in ("First Person", "Second Person"):
        qtbot.keyClicks(dialog.person_name, name)
        qtbot.keyClick(dialog.person_name, Qt.Key.Key_Return)  # Enter adds the person
    dialog.people.selectRow(0)
    qtbot.mouseClick(dialog.remove_person_button, Qt.MouseButton.LeftButton)
    assert [p["name"] for p in dialog.people_added] == ["Second Person"]
    reference = send(qtbot, dialog)
    dsl = school.unlock("Dana DSL")
    fields = show_case(dsl, reference).fields
    assert fields["platform"] == "Library PC browser"
    assert [p["name"] for p in fields["people"]] == ["Second Person"]
    assert fields["description"].endswith(f"{ACTION_HEADING}\nNone recorded.\n\n{TOLD_HEADING} No")
    dsl.lock()


def test_cancelling_asks_first_and_locking_forgets_the_text(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    qtbot.keyClicks(dialog.summary, "Half written")
    asked: list[bool] = []
    monkeypatch.setattr(
        ReportConcernDialog, "confirm_discard", lambda self: asked.append(True) or False
    )
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert asked == [True] and dialog.isVisible()  # "keep it" keeps the form open

    with qtbot.waitSignal(dialog.rejected):
        lock(sam)
    assert dialog.summary.text() == ""
    assert not dialog.isVisible()
    assert dialog.reference is None


def test_untrusted_text_is_plain_everywhere_it_shows(qtbot: QtBot, desk: Desk) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    qtbot.keyClicks(dialog.person_name, "<b>Bold</b> <img src=x>")
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    item = dialog.people.item(0, 0)
    assert item is not None and item.text() == "<b>Bold</b> <img src=x>"


def test_enter_in_a_field_never_sends_but_ctrl_enter_does(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    choose(dialog.category, "unwanted-contact")
    qtbot.keyClicks(dialog.summary, "Friend request from a parent")
    qtbot.keyClicks(dialog.description, "On my personal account.")
    qtbot.keyClick(dialog.summary, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.url, Qt.Key.Key_Enter)
    assert dialog.isVisible() and dialog.reference is None
    dsl = school.unlock("Dana DSL")
    assert list_cases(dsl) == []
    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        ctrl = Qt.KeyboardModifier.ControlModifier
        qtbot.keyClick(dialog.windowHandle(), Qt.Key.Key_Return, ctrl)
    assert [c.reference for c in list_cases(dsl)] == [dialog.reference]
    dsl.lock()


@pytest.fixture
def wheel_guard(qapp: Any) -> Iterator[Any]:
    """The guard the app installs in create_application (see test_gui_sign_in's probe)."""
    from safelog.gui.wheel_guard import install_wheel_guard

    guard = install_wheel_guard(qapp)
    yield guard
    qapp.removeEventFilter(guard)
    guard.setParent(None)
    guard.deleteLater()


def turn_wheel(widget: Any, notches: int = -1) -> None:
    """A mouse wheel turn over the middle of `widget` (negative: towards the user)."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    middle = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        middle,
        QPointF(widget.mapToGlobal(middle.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_form_and_never_changes_a_field_it_passes(
    qtbot: QtBot, desk: Desk, wheel_guard: Any
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    dialog.resize(760, 480)  # short enough to scroll
    dialog.when.setDateTime(QDateTime(QDate(2026, 11, 20), QTime(5, 41)))
    choose(dialog.platform, "Snapchat")
    dialog.summary.setFocus()
    qtbot.waitUntil(lambda: dialog.summary.hasFocus())
    passed_over = [
        dialog.when,
        dialog.when.findChild(QLineEdit),  # where the pointer really is over a date edit
        dialog.category,
        dialog.platform,
        dialog.person_kind,
        dialog.person_role,
        dialog.about_staff,
    ]
    before = [(w.text() if isinstance(w, QLineEdit) else _value(w)) for w in passed_over]
    scroll = dialog.scroller.verticalScrollBar()
    assert scroll.maximum() > 0
    start = scroll.value()

    for widget in passed_over:
        for _ in range(3):
            turn_wheel(widget, -1)
            turn_wheel(widget, -1)
            turn_wheel(widget, +1)

    assert dialog.when.text() == "20/11/2026 05:41"
    after = [(w.text() if isinstance(w, QLineEdit) else _value(w)) for w in passed_over]
    assert after == before
    assert scroll.value() != start, "the form scrolled instead"
    # Nor does the wheel take the focus to a field it passes over.
    assert dialog.summary.hasFocus()
    for widget in (dialog.when, dialog.category, dialog.platform, dialog.about_staff):
        assert widget.focusPolicy() != Qt.FocusPolicy.WheelFocus

    # In a field the person chose (clicked or tabbed into), the wheel works as usual.
    dialog.platform.setFocus()
    qtbot.waitUntil(lambda: dialog.platform.hasFocus())
    turn_wheel(dialog.platform, -1)
    assert dialog.platform.currentData() != "Snapchat"


def _value(widget: Any) -> object:
    from PySide6.QtWidgets import QComboBox

    if isinstance(widget, QComboBox):
        return widget.currentIndex()
    return widget.text()


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1366, 768)])
def test_the_form_fits_a_small_screen_with_send_and_cancel_in_view(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch, width: int, height: int
) -> None:
    from PySide6.QtCore import QPoint, QRect

    # The screen as a school laptop has it, less a 40-pixel taskbar.
    area = QRect(0, 0, width, height - 40)
    monkeypatch.setattr("safelog.gui.screen_fit.available_geometry", lambda _w: area)
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    title_bar = 32
    assert dialog.width() <= area.width() and dialog.height() + title_bar <= area.height()
    for button in (dialog.send_button, dialog.cancel_button):
        assert button.isVisible()
        bottom = button.mapTo(dialog, QPoint(button.width(), button.height()))
        assert dialog.rect().contains(bottom), f"{button.text()} is cut off"
    # What does not fit scrolls, between the intro and the buttons.
    assert dialog.scroller.verticalScrollBar().maximum() > 0


def test_fixing_a_date_of_birth_takes_the_error_away(qtbot: QtBot, desk: Desk) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    qtbot.keyClicks(dialog.person_name, "Jamie Pupil")
    qtbot.keyClicks(dialog.person_birth, "31/02/2012")
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    assert dialog.error.isVisible() and "date of birth" in dialog.error.text()
    assert dialog.person_birth.property("invalid")

    # Correcting the date takes the red away as it is typed...
    dialog.person_birth.selectAll()
    qtbot.keyClicks(dialog.person_birth, "01/02/2012")
    assert not dialog.error.isVisible()
    assert not dialog.person_birth.property("invalid")
    # ...and the person is added without a word.
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    assert dialog.people.rowCount() == 1
    assert not dialog.error.isVisible()

    # The same after a fix through the Add button alone.
    qtbot.keyClicks(dialog.person_name, "Second Pupil")
    qtbot.keyClicks(dialog.person_birth, "2012")
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    assert dialog.error.isVisible()
    dialog.person_birth.setText("02/03/2012")  # pasted in, say
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    assert dialog.people.rowCount() == 2
    assert not dialog.error.isVisible() and not dialog.person_birth.property("invalid")


def test_guidance_names_the_chair_when_the_concern_is_about_the_headteacher(
    qtbot: QtBot, desk: Desk
) -> None:
    """Issue 11: "the headteacher decides" was still shown with the headteacher box ticked."""
    dialog = open_form(qtbot, desk.sign_in("Dana DSL"))
    choose(dialog.category, "staff-online-conduct")
    assert "The headteacher decides" in dialog.category_guidance.text()
    dialog.about_head.setChecked(True)
    guidance = dialog.category_guidance.text()
    assert "headteacher decides" not in guidance
    assert "The chair of governors" in guidance and "decides the course of action" in guidance
    assert "001 5(ii)" in dialog.category_policy.text()
    # Another kind of concern about the head leads with the chair too.
    choose(dialog.category, "cyberbullying-pupil")
    assert dialog.category_guidance.text().startswith(
        "This concern is about the headteacher, so it goes to the chair of governors"
    )
    dialog.about_head.setChecked(False)
    assert "chair of governors" not in dialog.category_guidance.text()
