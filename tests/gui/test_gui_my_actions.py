"""My actions, through its real widgets on a real vault: each person sees the open actions
given to them on the cases they can read, overdue first and marked so; marking one done in
the workspace takes it off; opening one opens its case; locking forgets them."""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import date
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
from gui_support import all_text, cut_off, modals  # noqa: F401
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from safelog.gui.context import AppContext
from safelog.gui.main_window import MainWindow
from safelog.gui.my_actions import EMPTY, MyActionsView
from safelog.vault.case_engine import open_case
from safelog.vault.case_input import CaseInput
from safelog.vault.case_reading import read_case
from safelog.vault.case_summary import write_summary
from safelog.vault.cases import add_case, show_case
from safelog.vault.workspace import add_action, complete_action, record_escalation

pytestmark = sqlite_only

# The test clock starts on Friday 20 November 2026, 10:00.
YESTERDAY, NEXT_WEEK = date(2026, 11, 19), date(2026, 11, 27)


def new_case(session: Any, summary: str) -> str:
    return str(
        add_case(
            session,
            CaseInput.from_json(
                {
                    "category": "cyberbullying-pupil",
                    "summary": summary,
                    "description": "What was seen.",
                }
            ),
        )
    )


@pytest.fixture
def two_cases(school: Any) -> tuple[str, str]:
    """Dana's actions on two cases: hers due yesterday, one done, and the head's next week
    on the case escalated to him."""
    dana = school.unlock("Dana DSL")
    first = new_case(dana, "Messages in a group chat")
    second = new_case(dana, "A threat on a gaming site")
    record_escalation(dana, second, "headteacher", told="Hugh Head")
    add_action(dana, first, "Call the parents", "Dana DSL", YESTERDAY)
    add_action(dana, second, "Meet the pupil and her mother", "Hugh Head", NEXT_WEEK)
    add_action(dana, second, "Save the screenshots", "Dana DSL", YESTERDAY)
    saved = next(
        a for a in show_case(dana, second).fields["actions"] if a["text"] == "Save the screenshots"
    )
    complete_action(dana, second, saved["id"], "Saved to the case")
    dana.lock()
    return first, second


def shown_view(qtbot: QtBot, context: AppContext) -> MyActionsView:
    view = MyActionsView(context)
    qtbot.addWidget(view)
    view.resize(900, 500)
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        view.show()  # loads when first shown
    return view


def rows(view: MyActionsView) -> list[tuple[str, ...]]:
    table = view.table
    return [
        tuple(table.item(r, c).text() for c in range(table.columnCount()))
        for r in range(table.rowCount())
    ]


def test_each_person_sees_their_own_open_actions(
    qtbot: QtBot, desk: Desk, two_cases: tuple[str, str]
) -> None:
    first, second = two_cases
    dana = shown_view(qtbot, desk.sign_in("Dana DSL"))
    assert rows(dana) == [("Overdue: 19 November 2026", "Call the parents", first)]
    due = dana.table.item(0, 0)
    assert due.font().bold() and due.foreground().color().name() == "#a4262c"
    text = shown_text(dana)
    assert "Meet the pupil" not in text, "the head's action is not Dana's"
    assert "Save the screenshots" not in text, "a done action is not listed"
    assert not dana.empty.isVisible()
    assert unnamed_controls(dana) == []
    assert cut_off(dana) == []

    hugh = shown_view(qtbot, desk.sign_in("Hugh Head"))
    assert rows(hugh) == [("27 November 2026", "Meet the pupil and her mother", second)]
    assert not hugh.table.item(0, 0).font().bold(), "not overdue: not marked"

    chris = shown_view(qtbot, desk.sign_in("Chris Chair"))
    assert rows(chris) == []
    assert chris.empty.isVisible() and chris.empty.text() == EMPTY
    assert not chris.table.isVisible() and not chris.open_button.isVisible()


def test_marking_done_in_the_workspace_takes_it_off(
    qtbot: QtBot, desk: Desk, two_cases: tuple[str, str]
) -> None:
    first, _ = two_cases
    context = desk.sign_in("Dana DSL")
    view = shown_view(qtbot, context)
    workspace = open_workspace(qtbot, context, first)
    actions = workspace.actions_panel
    workspace.tabs.setCurrentWidget(actions)

    # An action added in the workspace, given to Dana by default, is listed after it.
    qtbot.keyClicks(actions.text, "Write to the platform")
    assert actions.owner.currentText() == "Dana DSL"
    actions.due.setDate(QDate(2026, 11, 24))
    with qtbot.waitSignals([workspace.loaded, view.loaded], timeout=LOAD_MS):
        qtbot.mouseClick(actions.add_button, Qt.MouseButton.LeftButton)
    assert [r[:2] for r in rows(view)] == [
        ("Overdue: 19 November 2026", "Call the parents"),
        ("24 November 2026", "Write to the platform"),
    ]

    row = [actions.table.item(r, 0).text() for r in range(actions.table.rowCount())].index(
        "Call the parents"
    )
    actions.table.selectRow(row)
    with qtbot.waitSignals([workspace.loaded, view.loaded], timeout=LOAD_MS):
        qtbot.mouseClick(actions.done_button, Qt.MouseButton.LeftButton)
    assert [r[:2] for r in rows(view)] == [("24 November 2026", "Write to the platform")]

    row = [actions.table.item(r, 0).text() for r in range(actions.table.rowCount())].index(
        "Write to the platform"
    )
    actions.table.selectRow(row)
    with qtbot.waitSignals([workspace.loaded, view.loaded], timeout=LOAD_MS):
        qtbot.mouseClick(actions.done_button, Qt.MouseButton.LeftButton)
    assert rows(view) == []
    assert view.empty.isVisible()


def test_double_click_or_enter_opens_the_case(
    qtbot: QtBot, desk: Desk, two_cases: tuple[str, str]
) -> None:
    first, _ = two_cases
    view = shown_view(qtbot, desk.sign_in("Dana DSL"))
    rect = view.table.visualItemRect(view.table.item(0, 1))
    with qtbot.waitSignal(view.open_case) as opened:
        # A double-click is a press, then the double-click (QTest sends only the second).
        qtbot.mousePress(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [first]
    view.table.setFocus()
    with qtbot.waitSignal(view.open_case) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened.args == [first]


def test_the_main_window_tab_opens_the_case_in_its_own_tab(
    qtbot: QtBot, desk: Desk, two_cases: tuple[str, str]
) -> None:
    first, _ = two_cases
    context = desk.sign_in("Dana DSL")
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    assert window.open_tabs() == ["Inbox", "All cases", "My actions"]
    view = window.nav["my-actions"]
    assert isinstance(view, MyActionsView)
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        window.tabs.setCurrentWidget(view)
    assert rows(view)[0][2] == first
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert window.open_tabs() == ["Inbox", "All cases", "My actions", first]
    workspace = window.workspaces[first]
    assert window.tabs.currentWidget() is workspace
    qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS).wait()
    context.runner.wait()
    window.close_current_case()
    window.close()
    QApplication.processEvents()


@pytest.mark.parametrize(
    ("name", "tabs"),
    [
        ("Hugh Head", ["Cases", "My actions"]),
        ("Chris Chair", ["Cases", "My actions"]),
        ("Sam Staff", ["My reports"]),  # staff read no case, so no action reaches them
    ],
)
def test_who_gets_my_actions(qtbot: QtBot, desk: Desk, name: str, tabs: list[str]) -> None:
    context = desk.sign_in(name)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    assert window.open_tabs() == tabs
    context.runner.wait()
    window.close()
    QApplication.processEvents()


def test_locking_forgets_every_action_shown(
    qtbot: QtBot, desk: Desk, two_cases: tuple[str, str]
) -> None:
    context = desk.sign_in("Dana DSL")
    view = shown_view(qtbot, context)
    assert "Call the parents" in shown_text(view)
    lock(context)
    assert view.table.rowCount() == 0 and view.data is None
    assert "Call the parents" not in all_text(view)
    view.refresh()  # nothing to load without a session, and no error
    assert view.table.rowCount() == 0 and not view.message.isVisible()


def test_text_a_modified_client_wrote_is_shown_literally(
    qtbot: QtBot, desk: Desk, two_cases: tuple[str, str]
) -> None:
    """SafeLog refuses hidden characters when an action is typed; a modified client of
    someone who manages the case could still write them into its list entry."""
    first, _ = two_cases
    context = desk.sign_in("Dana DSL")
    session = context.session
    with session.write() as conn:
        case = open_case(session, conn, first)
        fields = read_case(session, conn, case).fields
        forged = [{**a, "text": "<b>Call</b>\nthe parents\u202e"} for a in fields["actions"]]
        row = case.row
        write_summary(
            conn,
            row.id,
            first,
            row.audience_id,
            session.audience_ciphers[row.audience_id],
            int(row.head_version),
            {**fields, "actions": forged},
            row.created_at,
            row.updated_at,
        )
    view = shown_view(qtbot, context)
    assert rows(view)[0][1] == "<b>Call</b>␊the parents<U+202E>"
