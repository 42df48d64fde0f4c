"""The journeys of issue 3 through the real widgets on a real vault, each person on their own
"PC" (their own signed-in context):

- a member of staff reports a concern and cannot see another member of staff's report;
- the DSL sees it in the inbox, acknowledges it, opens the workspace and builds the case,
  and the history shows each version;
- a concern about the headteacher is visible to the chair's list and not to the head's;
- search as you type and the filters narrow a real list.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, shown_text, sqlite_only, unnamed_controls
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from safelog.gui.case_list import CaseListView
from safelog.gui.inbox import InboxView
from safelog.gui.my_reports import MyReportsView
from safelog.gui.report_form import ReportConcernDialog
from safelog.gui.workspace import CaseWorkspace

pytestmark = sqlite_only


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


def report(
    qtbot: QtBot,
    context: Any,
    category: str,
    summary: str,
    details: str,
    *,
    about_head: bool = False,
    platform: str = "",
) -> str:
    dialog = ReportConcernDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.category.setCurrentIndex(dialog.category.findData(category))
    qtbot.keyClicks(dialog.summary, summary)
    qtbot.keyClicks(dialog.description, details)
    if platform:
        dialog.platform.setCurrentIndex(dialog.platform.findData(platform))
    if about_head:
        dialog.about_head.setFocus()
        qtbot.keyClick(dialog.about_head, Qt.Key.Key_Space)
        assert dialog.about_head.isChecked()
    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        # Ctrl+Enter sends (through the window, as the keyboard would: shortcuts work there).
        ctrl = Qt.KeyboardModifier.ControlModifier
        qtbot.keyClick(dialog.windowHandle(), Qt.Key.Key_Return, ctrl)
    assert dialog.reference
    context.events.cases_changed.emit(dialog.reference)  # as the main window does
    return dialog.reference


def show(qtbot: QtBot, widget: Any, loaded: Any) -> Any:
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    with qtbot.waitSignal(loaded, timeout=LOAD_MS):
        widget.show()  # the first show loads
    return widget


def test_staff_report_and_the_dsl_builds_the_case(
    qtbot: QtBot, desk: Desk, school: Any, clock: Any
) -> None:
    # Two members of staff report concerns from their own PCs.
    sam = desk.sign_in("Sam Staff")
    sams = report(
        qtbot, sam, "cyberbullying-pupil", "Unkind Snapchat messages to a Year 8 pupil",
        "She showed me the messages at break.", platform="Snapchat",
    )  # fmt: skip
    tess = desk.sign_in("Tess Teacher")
    tesss = report(
        qtbot, tess, "unwanted-contact", "Parent sent me a friend request",
        "On my personal Facebook account.", platform="Facebook",
    )  # fmt: skip

    # Sam sees his own report and its status, and nothing of Tess's.
    mine = MyReportsView(sam)
    show(qtbot, mine, mine.list.loaded)
    assert mine.list.visible_references() == [sams]
    assert tesss not in shown_text(mine) and "friend request" not in shown_text(mine)
    assert unnamed_controls(mine) == []
    mine.list.table.setFocus()
    qtbot.keyClick(mine.list.table, Qt.Key.Key_Return)  # Enter opens the report
    qtbot.waitUntil(lambda: mine.shown_reference == sams, timeout=LOAD_MS)
    # The labels are filled on the event-loop pass after the reference is set.
    qtbot.waitUntil(
        lambda: "New: not yet seen by the DSL" in shown_text(mine.report), timeout=LOAD_MS
    )
    assert "Unkind Snapchat messages" in shown_text(mine.report)

    # The DSL's inbox counts both new concerns; acknowledging Sam's takes it off the list.
    clock.advance(minutes=10)
    dsl = desk.sign_in("Dana DSL")
    inbox = InboxView(dsl)
    show(qtbot, inbox, inbox.loaded)
    assert unnamed_controls(inbox) == []
    assert inbox.new_count.number.text() == "2"
    # The DSL must be told immediately: both are due today, and neither is overdue ten
    # minutes after it arrived (issue 11).
    assert inbox.overdue_count.number.text() == "0"
    assert inbox.due_today_count.number.text() == "2"
    assert inbox.new_list.visible_references() == [sams, tesss]  # oldest first
    assert inbox.new_list.current_reference() == sams
    with qtbot.waitSignal(inbox.loaded, timeout=LOAD_MS):
        qtbot.mouseClick(inbox.acknowledge_button, Qt.MouseButton.LeftButton)
    assert inbox.new_list.visible_references() == [tesss]
    assert inbox.new_count.number.text() == "1"
    assert inbox.notice.text() == f"{sams} acknowledged."

    # Sam's My reports follows: acknowledged.
    with qtbot.waitSignal(mine.list.loaded, timeout=LOAD_MS):
        sam.events.cases_changed.emit("")
    mine.show_report(sams)
    qtbot.waitUntil(
        lambda: "Acknowledged: the DSL has seen it" in shown_text(mine.report), timeout=LOAD_MS
    )

    # Acknowledging recorded that the DSL was told; the headteacher must still be told at
    # once of a pupil cyberbullied (000 6.24; 003 2.2), so it stays due, and nothing is
    # overdue.
    assert sams in inbox.due_list.visible_references()
    assert tesss in inbox.due_list.visible_references()
    assert inbox.due_today_count.number.text() == "2"
    assert inbox.overdue_count.number.text() == "0"

    # The DSL finds the case in the list of all cases and opens it with Enter.
    all_cases = CaseListView(dsl)
    show(qtbot, all_cases, all_cases.loaded)
    opened: list[str] = []
    all_cases.open_case.connect(opened.append)
    assert all_cases.select_reference(sams)
    qtbot.keyClick(all_cases.table, Qt.Key.Key_Return)
    assert opened == [sams]
    workspace = CaseWorkspace(dsl, None, sams)
    show(qtbot, workspace, workspace.loaded)
    assert workspace.status_badge.text() == "Acknowledged: the DSL has seen it"

    def saved() -> Any:
        return qtbot.waitSignals([workspace.saved, workspace.loaded], timeout=LOAD_MS)

    chronology = workspace.chronology_panel
    workspace.tabs.setCurrentWidget(chronology)
    qtbot.keyClicks(chronology.text, "Spoke to the pupil and her form tutor.")
    with saved():
        qtbot.mouseClick(chronology.add_button, Qt.MouseButton.LeftButton)

    actions = workspace.actions_panel
    workspace.tabs.setCurrentWidget(actions)
    qtbot.keyClicks(actions.text, "Call parents")
    actions.due.setDate(QDate(2026, 11, 23))
    with saved():
        qtbot.mouseClick(actions.add_button, Qt.MouseButton.LeftButton)

    decisions = workspace.decisions_panel
    workspace.tabs.setCurrentWidget(decisions)
    qtbot.keyClicks(decisions.decision, "Handle in school under the anti-bullying policy")
    qtbot.mouseClick(decisions.record_button, Qt.MouseButton.LeftButton)
    assert "reason" in decisions.error.text()  # a decision needs its reason
    qtbot.keyClicks(decisions.reason, "No risk of significant harm; parents informed.")
    with saved():
        qtbot.mouseClick(decisions.record_button, Qt.MouseButton.LeftButton)

    outcome = workspace.outcome_panel
    workspace.tabs.setCurrentWidget(outcome)
    outcome.outcome.setCurrentIndex(outcome.outcome.findData("resolved-in-school"))
    with saved():
        qtbot.mouseClick(outcome.outcome_button, Qt.MouseButton.LeftButton)
    outcome.status.setCurrentIndex(outcome.status.findData("closed"))
    with saved():
        qtbot.mouseClick(outcome.status_button, Qt.MouseButton.LeftButton)
    assert workspace.status_badge.text() == "Closed"

    # The history shows every version: the report, its sealing away from Sam when the DSL
    # first opened it, the acknowledgement, then each step.
    history = workspace.history_panel
    workspace.tabs.setCurrentWidget(history)
    rows = history.table.rowCount()
    changed = [history.table.item(r, 3).text() for r in range(rows)]
    authors = [history.table.item(r, 2).text() for r in range(rows)]
    assert changed[1:] == [
        "Sealed from the reporter: only those who manage the case can read what is added "
        "from now on",
        "Acknowledged, Escalations, Status",
        "Chronology",
        "Actions",
        "Decisions",
        "Outcome",
        "Status",
    ]
    assert authors == ["Sam Staff"] + ["Dana DSL"] * 7
    history.select_version(6)
    assert "Reason: No risk of significant harm" in history.details.toPlainText()
    history.select_version(1)
    assert "Unkind Snapchat messages" in history.details.toPlainText()

    # Sam still sees only what he sent, and its status: none of the DSL's work.
    with qtbot.waitSignal(mine.list.loaded, timeout=LOAD_MS):
        sam.events.cases_changed.emit(sams)
    mine.show_report(sams)
    qtbot.waitUntil(lambda: "Closed" in shown_text(mine.report), timeout=LOAD_MS)
    seen = shown_text(mine)
    assert "Spoke to the pupil" not in seen
    assert "anti-bullying policy" not in seen
    assert "Resolved in school" not in seen


def test_a_concern_about_the_headteacher_reaches_the_chair_not_the_head(
    qtbot: QtBot, desk: Desk
) -> None:
    tess = desk.sign_in("Tess Teacher")
    about_head = report(
        qtbot, tess, "staff-online-conduct", "Pupils' photos on the head's personal page",
        "A parent showed me the page.", about_head=True,
    )  # fmt: skip
    other = report(
        qtbot, tess, "cyberbullying-pupil", "Group chat mocking a pupil", "Seen on a phone."
    )

    chair = desk.sign_in("Chris Chair")
    chairs = CaseListView(chair)
    show(qtbot, chairs, chairs.loaded)
    assert about_head in chairs.visible_references()
    assert other not in chairs.visible_references()  # the chair reads concerns about the head

    head = desk.sign_in("Hugh Head")
    heads = CaseListView(head)
    show(qtbot, heads, heads.loaded)
    assert about_head not in heads.visible_references()
    assert "photos" not in shown_text(heads)

    dsl = desk.sign_in("Dana DSL")
    dsls = CaseListView(dsl)
    show(qtbot, dsls, dsls.loaded)
    assert set(dsls.visible_references()) == {about_head, other}


def test_search_as_you_type_and_filters_narrow_a_real_list(
    qtbot: QtBot, desk: Desk, school: Any, clock: Any
) -> None:
    sam = desk.sign_in("Sam Staff")
    snap = report(qtbot, sam, "cyberbullying-pupil", "Snapchat messages to a pupil", "Details.")
    threat = report(qtbot, sam, "public-threats", "Threats on the school Instagram", "Details.")
    friend = report(qtbot, sam, "unwanted-contact", "Friend request from a parent", "Details.")
    dsl = desk.sign_in("Dana DSL")
    view = CaseListView(dsl)
    show(qtbot, view, view.loaded)
    assert set(view.visible_references()) == {snap, threat, friend}

    view.search.setFocus()
    qtbot.keyClicks(view.search, "sna")
    assert view.visible_references() == [snap]
    view.search.clear()
    qtbot.keyClicks(view.search, "threats")  # matches the category title and the summary
    assert view.visible_references() == [threat]
    view.search.clear()
    qtbot.keyClicks(view.search, friend.lower())  # the reference, in any case
    assert view.visible_references() == [friend]
    view.search.clear()

    view.category_filter.setCurrentIndex(view.category_filter.findData("unwanted-contact"))
    assert view.visible_references() == [friend]
    view.category_filter.setCurrentIndex(0)
    view.status_filter.setCurrentIndex(view.status_filter.findData("new"))
    assert len(view.visible_references()) == 3
    view.status_filter.setCurrentIndex(view.status_filter.findData("closed"))
    assert view.visible_references() == []
    assert "No cases match" in view.status_line.text()
    view.status_filter.setCurrentIndex(0)
    view.overdue_filter.setChecked(True)  # new concerns are due today, not overdue at once
    assert view.visible_references() == []
    clock.now = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)  # Friday evening: now overdue
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        view.refresh()
    assert len(view.visible_references()) == 3
