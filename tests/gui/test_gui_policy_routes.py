"""Issue 18 in the case workspace, through the real widgets on a real vault: the decision not
to involve the police asked for with its reasons (004 9.4) and shown as a decision; replies
made online to adverse criticism recorded with their approval, and a warning for one without
(004, the paragraph after 8.1.9); volunteers, governors and contractors in the people editors,
and a volunteer accused bringing the LADO and the allegation outcomes."""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, desk, open_workspace, sqlite_only, unnamed_controls  # noqa: F401
from PySide6.QtCore import QDateTime, Qt
from pytestqt.qtbot import QtBot

from safelog.domain.routes import ROUTES, Route
from safelog.gui.workspace.escalations import EscalationDialog
from safelog.gui.workspace.public_replies import PublicRepliesPanel
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case

pytestmark = sqlite_only


def new_case(school: Any, author: str, category: str, **extra: Any) -> str:
    session = school.unlock(author)
    report = {
        "category": category,
        "summary": "A concern",
        "description": "What was seen.",
        **extra,
    }
    reference = add_case(session, CaseInput.from_json(report))
    session.lock()
    return str(reference)


def keys(table: Any) -> list[str]:
    return [table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(table.rowCount())]


def saved_and_reloaded(qtbot: QtBot, workspace: Any) -> Any:
    return qtbot.waitSignals([workspace.saved, workspace.loaded], timeout=LOAD_MS, order="strict")


def test_the_decision_not_to_involve_the_police_is_recorded_with_its_reasons(
    qtbot: QtBot, desk: Desk, school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = new_case(school, "Sam Staff", "nudes-sharing")
    workspace = open_workspace(qtbot, desk.sign_in("Dana DSL"), reference)
    panel = workspace.escalations_panel
    workspace.tabs.setCurrentWidget(panel)
    row = keys(panel.table).index("police")
    assert panel.table.item(row, 1).text() == "Required"
    panel.table.selectRow(row)
    assert "(immediately)" in panel.details.text()

    opened: list[EscalationDialog] = []
    monkeypatch.setattr(EscalationDialog, "launch", lambda self: opened.append(self) or self.show())
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    [dialog] = opened
    assert unnamed_controls(dialog) == []
    dialog.not_needed.setChecked(True)
    info = ROUTES[Route.POLICE]
    assert dialog.not_needed_reason.accessibleName() == info.not_needed_label
    assert dialog.not_needed_hint.isVisible() and "004 9.4" in dialog.not_needed_hint.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Write the decision's reasons: it is recorded with them."
    reasons = "Her own image, shared once with a friend; no coercion; parents informed."
    qtbot.keyClicks(dialog.not_needed_reason, reasons)
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    row = keys(panel.table).index("police")
    assert panel.table.item(row, 4).text() == f"Decided not to involve the police: {reasons}"


def test_a_reply_online_without_approval_is_warned_about(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    reference = new_case(school, "Dana DSL", "adverse-criticism")
    workspace = open_workspace(qtbot, desk.sign_in("Dana DSL"), reference)
    panel = workspace.findChild(PublicRepliesPanel)
    assert workspace.tabs.isTabVisible(workspace.tabs.indexOf(panel))
    workspace.tabs.setCurrentWidget(panel)
    assert unnamed_controls(panel) == []
    assert "express approval of the headteacher" in panel.intro.text()
    assert not panel.warnings.isVisible()

    qtbot.keyClicks(panel.reply, "Please contact the school office.")
    qtbot.keyClicks(panel.where, "Village Facebook group")
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, 3).text() == "No approval recorded"
    assert panel.warnings.isVisible()
    assert panel.warnings.text().startswith("No approval is recorded for this reply")

    earlier = panel.replied_at.dateTime().addSecs(-3600)
    qtbot.keyClicks(panel.reply, "We have replied to the parent directly.")
    panel.approved.setChecked(True)
    qtbot.keyClicks(panel.approved_by, "Hugh Head")
    panel.approved_at.setDateTime(QDateTime(earlier))
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert panel.table.rowCount() == 2
    assert panel.table.item(1, 3).text().startswith("Approved by Hugh Head on ")
    assert panel.warnings.text().count("No approval is recorded") == 1  # the first one only
    assert panel.notice.text() == "Reply recorded."


def test_the_replies_tab_is_not_shown_where_no_approval_is_asked(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    reference = new_case(school, "Sam Staff", "cyberbullying-pupil")
    workspace = open_workspace(qtbot, desk.sign_in("Dana DSL"), reference)
    panel = workspace.findChild(PublicRepliesPanel)
    assert not workspace.tabs.isTabVisible(workspace.tabs.indexOf(panel))


def test_a_volunteer_accused_brings_the_lado_and_the_allegation_outcomes(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    reference = new_case(
        school,
        "Sam Staff",
        "public-threats",
        people=[
            {"name": "Amy Pupil", "kind": "pupil", "role": "victim"},
            {"name": "Vic Volunteer", "kind": "volunteer", "role": "alleged-perpetrator"},
        ],
    )
    workspace = open_workspace(qtbot, desk.sign_in("Dana DSL"), reference)
    people = workspace.people_panel
    offered = [people.kind.itemData(i) for i in range(people.kind.count())]
    assert {"volunteer", "governor", "contractor"} <= set(offered)
    assert people.table.item(1, 1).text().startswith("Volunteer")
    assert "lado" in keys(workspace.escalations_panel.table)
    outcome = workspace.outcome_panel
    choices = [outcome.outcome.itemData(i) for i in range(1, outcome.outcome.count())]
    assert choices == ["substantiated", "false", "malicious", "unsubstantiated", "unfounded"]
