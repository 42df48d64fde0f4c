"""The case workspace, through its real widgets on a real vault: each part of the record,
saving in the worker with errors in plain words, history without overwriting, plain text for
whatever users typed, and who gets editing controls."""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from case_views_support import (  # noqa: F401
    LOAD_MS,
    Desk,
    desk,
    lock,
    open_workspace,
    rich_labels,
    shown_text,
    sqlite_only,
    unnamed_controls,
)
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from pytestqt.qtbot import QtBot

from safelog.errors import AccessDenied
from safelog.gui.workspace import CaseWorkspace
from safelog.gui.workspace.escalations import EscalationDialog
from safelog.gui.workspace.history import describe_version
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.workspace import add_chronology, record_decision

pytestmark = sqlite_only

REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a video",
    "description": "Year 8 pupils posted comments.",
    "people": [{"name": "Amy Patel", "kind": "pupil", "role": "victim"}],
}


@pytest.fixture
def reported(school: Any) -> str:
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    sam.lock()
    return str(reference)


def saved_and_reloaded(qtbot: QtBot, workspace: CaseWorkspace) -> Any:
    """Wait for a save and the reload after it."""
    return qtbot.waitSignals([workspace.saved, workspace.loaded], timeout=LOAD_MS, order="strict")


def cells(table: Any, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_the_dsl_builds_the_case_tab_by_tab(
    qtbot: QtBot, desk: Desk, school: Any, reported: str, clock: Any
) -> None:
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reported)
    assert workspace.windowTitle() == "Case"
    assert workspace.title.text() == reported
    assert workspace.status_badge.text() == "New: not yet seen by the DSL"
    assert "Cyberbullying of a pupil" in workspace.meta.text()
    assert "Sam Staff" in workspace.meta.text()
    assert unnamed_controls(workspace) == []

    # Acknowledge from the header.
    assert workspace.acknowledge_button.isVisible()
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(workspace.acknowledge_button, Qt.MouseButton.LeftButton)
    assert workspace.status_badge.text() == "Acknowledged: the DSL has seen it"
    assert not workspace.acknowledge_button.isVisible()

    # People, each with their own role.
    people = workspace.people_panel
    assert cells(people.table, 0) == ["Amy Patel"]
    assert cells(people.table, 2) == ["Victim"]

    # Chronology: entries are shown in date order whatever order they were added.
    chronology = workspace.chronology_panel
    workspace.tabs.setCurrentWidget(chronology)
    chronology.when.setDateTime(QDateTime(QDate(2026, 11, 20), QTime(9, 30)))
    qtbot.keyClicks(chronology.text, "Spoke to Amy with her form tutor.")
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(chronology.add_button, Qt.MouseButton.LeftButton)
    chronology.when.setDateTime(QDateTime(QDate(2026, 11, 19), QTime(15, 0)))
    qtbot.keyClicks(chronology.text, "Screenshots received from a parent.")
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(chronology.add_button, Qt.MouseButton.LeftButton)
    assert cells(chronology.table, 1) == [
        "Screenshots received from a parent.",
        "Spoke to Amy with her form tutor.",
    ]
    assert cells(chronology.table, 0) == ["19/11/2026 15:00", "20/11/2026 09:30"]
    assert chronology.text.toPlainText() == ""  # cleared once saved
    assert workspace.tabs.tabText(workspace.tabs.indexOf(chronology)) == "Chronology (2)"

    # Actions: add one with an owner and due date, then mark it done.
    actions = workspace.actions_panel
    workspace.tabs.setCurrentWidget(actions)
    qtbot.keyClicks(actions.text, "Call Amy's parents")
    assert actions.owner.currentText() == "Dana DSL"  # the signed-in person, by default
    actions.due.setDate(QDate(2026, 11, 23))
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(actions.add_button, Qt.MouseButton.LeftButton)
    assert cells(actions.table, 0) == ["Call Amy's parents"]
    assert cells(actions.table, 2) == ["23/11/2026"]
    actions.table.selectRow(0)
    qtbot.keyClicks(actions.done_note, "Parents called")
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(actions.done_button, Qt.MouseButton.LeftButton)
    assert cells(actions.table, 3)[0].startswith("Done 20/11/2026")
    assert cells(actions.table, 3)[0].endswith("by Dana DSL: Parents called")

    # Decisions need a reason; the decision typed is kept while the reason is missing.
    decisions = workspace.decisions_panel
    workspace.tabs.setCurrentWidget(decisions)
    qtbot.keyClicks(decisions.decision, "No referral to social care")
    qtbot.mouseClick(decisions.record_button, Qt.MouseButton.LeftButton)
    assert decisions.error.isVisible()
    assert "reason" in decisions.error.text()
    assert decisions.decision.toPlainText() == "No referral to social care"
    qtbot.keyClicks(decisions.reason, "No risk of significant harm; parents supportive.")
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(decisions.record_button, Qt.MouseButton.LeftButton)
    assert cells(decisions.table, 1) == ["No risk of significant harm; parents supportive."]
    assert not decisions.error.isVisible()

    # Outcome: choices follow the category; closing needs one first.
    outcome = workspace.outcome_panel
    workspace.tabs.setCurrentWidget(outcome)
    choices = [outcome.outcome.itemData(i) for i in range(1, outcome.outcome.count())]
    assert "resolved-in-school" in choices and "substantiated" not in choices
    moves = [outcome.status.itemData(i) for i in range(outcome.status.count())]
    assert moves == ["open", "escalated", "closed"]  # only the allowed moves
    outcome.status.setCurrentIndex(outcome.status.findData("closed"))
    qtbot.mouseClick(outcome.status_button, Qt.MouseButton.LeftButton)
    assert outcome.error.text() == "Record the outcome before closing the case."
    outcome.outcome.setCurrentIndex(outcome.outcome.findData("resolved-in-school"))
    qtbot.keyClicks(outcome.note, "Apology made")
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(outcome.outcome_button, Qt.MouseButton.LeftButton)
    assert outcome.current_outcome.text().startswith("Resolved in school: Apology made")
    outcome.status.setCurrentIndex(outcome.status.findData("closed"))
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(outcome.status_button, Qt.MouseButton.LeftButton)
    assert workspace.status_badge.text() == "Closed"
    assert [outcome.status.itemData(i) for i in range(outcome.status.count())] == ["open"]

    # History: every version, with what it set; nothing overwritten.
    detail = show_case(school.unlock("Dana DSL"), reported)
    history = workspace.history_panel
    workspace.tabs.setCurrentWidget(history)
    assert cells(history.table, 0) == [str(v.number) for v in detail.versions]
    assert cells(history.table, 2)[0] == "Sam Staff"
    assert "Chronology" in cells(history.table, 3)
    history.select_version(1)
    assert "What happened (summary): Comments under a video" in history.details.toPlainText()
    # Version 2: the DSL's first opening sealed the report away from Sam, in plain words.
    assert cells(history.table, 3)[1] == (
        "Sealed from the reporter: only those who manage the case can read what is added "
        "from now on"
    )
    history.select_version(2)
    assert "never holds" in history.details.toPlainText()
    assert "who can read it changed" not in history.details.toPlainText()
    history.select_version(4)
    text = history.details.toPlainText()
    assert text.startswith("Version 4, 20/11/2026")
    assert "Chronology entry added: 20/11/2026 09:30: Spoke to Amy with her form tutor." in text
    assert "Screenshots received" not in text  # what version 4 set, not what came later


def test_an_escalation_is_recorded_through_its_form(
    qtbot: QtBot, desk: Desk, reported: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reported)
    panel = workspace.escalations_panel
    workspace.tabs.setCurrentWidget(panel)
    table = panel.table
    routes = [table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(table.rowCount())]
    assert "dsl" in routes and "platform-report" in routes
    opened: list[EscalationDialog] = []
    monkeypatch.setattr(EscalationDialog, "launch", lambda self: opened.append(self) or self.show())
    panel.table.selectRow(routes.index("platform-report"))
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    [dialog] = opened
    assert dialog.windowTitle() == "Record an escalation"
    assert dialog.reference.accessibleName() == "Platform report id"
    assert unnamed_controls(dialog) == []

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # who was told is needed
    assert dialog.error.text() == "Write who was told."
    qtbot.keyClicks(dialog.told, "Instagram safety team")
    qtbot.keyClicks(dialog.reference, "IG-123")
    with qtbot.waitSignals([dialog.accepted, workspace.loaded], timeout=LOAD_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    row = routes.index("platform-report")
    assert panel.table.item(row, 4).text().endswith("told Instagram safety team (Phone)")
    assert panel.table.item(row, 5).text() == "IG-123"

    # "Not needed" needs its reason.
    opened.clear()
    panel.table.selectRow(routes.index("headteacher"))
    panel.record_selected()
    [dialog] = opened
    dialog.not_needed.setChecked(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Say why this route is not needed."
    qtbot.keyClicks(dialog.not_needed_reason, "Handled by the DSL; no misuse of school accounts")
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    head_row = routes.index("headteacher")
    assert panel.table.item(head_row, 4).text().startswith("Not needed: Handled by the DSL")


def test_a_failed_save_is_explained_and_keeps_the_text(
    qtbot: QtBot, desk: Desk, reported: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reported)
    chronology = workspace.chronology_panel
    workspace.tabs.setCurrentWidget(chronology)

    def refuse(*_args: Any, **_kwargs: Any) -> int:
        raise AccessDenied("You do not have access to case X.")

    monkeypatch.setattr("safelog.vault.workspace.add_chronology", refuse)
    qtbot.keyClicks(chronology.text, "Important note")
    qtbot.mouseClick(chronology.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(chronology.error.isVisible, timeout=LOAD_MS)
    assert chronology.error.text() == "You do not have access to case X."
    assert chronology.text.toPlainText() == "Important note"
    assert chronology.add_button.isEnabled()


def test_someone_elses_change_shows_without_losing_what_is_typed(
    qtbot: QtBot, desk: Desk, school: Any, reported: str
) -> None:
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reported)
    qtbot.keyClicks(workspace.decisions_panel.decision, "Half-typed decision")
    other = school.unlock("Dana DSL")
    add_chronology(other, reported, "Entry from another PC", datetime(2026, 11, 20, 9, tzinfo=UTC))
    other.lock()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        dsl.events.cases_changed.emit(reported)
    assert cells(workspace.chronology_panel.table, 1) == ["Entry from another PC"]
    assert workspace.decisions_panel.decision.toPlainText() == "Half-typed decision"


def test_staff_see_only_what_they_sent(
    qtbot: QtBot, desk: Desk, school: Any, reported: str
) -> None:
    dana = school.unlock("Dana DSL")
    add_chronology(dana, reported, "DSL's private note about the family")
    record_decision(dana, reported, "Refer to early help", "Family asked for support")
    dana.lock()
    sam = desk.sign_in("Sam Staff")
    workspace = open_workspace(qtbot, sam, reported)

    assert workspace.stack.currentWidget() is workspace.staff_page
    text = shown_text(workspace.staff_page)
    assert "Comments under a video" in text
    assert "New: not yet seen by the DSL" in text
    assert "private note" not in shown_text(workspace)
    assert "early help" not in shown_text(workspace)
    # No editing controls reachable anywhere.
    for panel in workspace.panels:
        assert not panel.isVisibleTo(workspace)
    assert not workspace.acknowledge_button.isVisibleTo(workspace)


def test_what_users_typed_is_shown_as_plain_text(qtbot: QtBot, desk: Desk, school: Any) -> None:
    sam = school.unlock("Sam Staff")
    marker = "<b>Bold</b><img src='x'>"
    reference = add_case(
        sam,
        CaseInput.from_json(
            {**REPORT, "summary": f"{marker} summary", "description": f"{marker} description",
             "people": [{"name": f"{marker}", "kind": "pupil", "role": "witness"}]}
        ),
    )  # fmt: skip
    sam.lock()
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reference)
    assert workspace.summary_line.text() == f"{marker} summary"
    assert rich_labels(workspace, "<b>") == []
    assert f"{marker} description" in shown_text(workspace.summary_tab)
    assert marker not in workspace.windowTitle()


def test_a_concern_about_the_headteacher_is_flagged_for_the_chair(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    tess = school.unlock("Tess Teacher")
    reference = add_case(
        tess,
        CaseInput.from_json(
            {"category": "staff-online-conduct", "summary": "Pupils' photos on a personal page",
             "description": "Seen by a parent.", "subjects": ["Hugh Head"]}
        ),
    )  # fmt: skip
    tess.lock()
    chair = desk.sign_in("Chris Chair")
    workspace = open_workspace(qtbot, chair, reference)
    assert workspace.flag.isVisible()
    assert "headteacher cannot read this case" in workspace.flag.text()
    outcome = workspace.outcome_panel
    workspace.tabs.setCurrentWidget(outcome)
    choices = [outcome.outcome.itemData(i) for i in range(1, outcome.outcome.count())]
    assert choices == ["substantiated", "false", "malicious", "unsubstantiated", "unfounded"]
    outcome.outcome.setCurrentIndex(outcome.outcome.findData("malicious"))
    assert "deliberate act to deceive" in outcome.definition.text()
    assert not workspace.acknowledge_button.isVisible()  # only a DSL acknowledges

    head = desk.sign_in("Hugh Head")
    refused = CaseWorkspace(head, None, reference)  # as the main window opens it
    qtbot.addWidget(refused)
    refused.show()
    qtbot.waitUntil(lambda: "could not be opened" in refused.message.text(), timeout=LOAD_MS)
    assert "do not have access" in refused.message.text()
    assert "photos" not in shown_text(refused)


def test_people_can_be_added_and_roles_changed_as_new_versions(
    qtbot: QtBot, desk: Desk, reported: str
) -> None:
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reported)
    people = workspace.people_panel
    workspace.tabs.setCurrentWidget(people)
    qtbot.keyClicks(people.name, "Jordan Reece")
    people.role.setCurrentIndex(people.role.findData("alleged-perpetrator"))
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(people.add_button, Qt.MouseButton.LeftButton)
    assert cells(people.table, 0) == ["Amy Patel", "Jordan Reece"]
    people.table.selectRow(0)
    people.role.setCurrentIndex(people.role.findData("witness"))
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(people.change_button, Qt.MouseButton.LeftButton)
    assert cells(people.table, 2) == ["Witness", "Alleged perpetrator"]
    detail = workspace.detail
    assert detail is not None
    last = detail.versions[-1].number
    assert describe_version(last, detail.changes, {}) == (
        "Person changed: Amy Patel (Pupil, Witness)"
    )
    assert detail.changes[1]["people"][0]["role"] == "victim"  # the first version stands


def test_locking_clears_the_case_and_what_was_typed(
    qtbot: QtBot, desk: Desk, reported: str
) -> None:
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reported)
    qtbot.keyClicks(workspace.chronology_panel.text, "Typed but not saved")
    lock(dsl)
    assert workspace.detail is None
    assert workspace.chronology_panel.text.toPlainText() == ""
    assert workspace.chronology_panel.table.rowCount() == 0
    assert "Comments under a video" not in shown_text(workspace)
    assert workspace.message.text().startswith("SafeLog is locked")
