"""Escalations through the real widgets on a real vault: the route details, recording a
route the rules did not suggest, an overdue route showing on the DSL's inbox until it is
recorded, and finding out later that a concern is about the headteacher (re-keyed at once,
with who and when in the history)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, sqlite_only, unnamed_controls
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from safelog.errors import AccessDenied
from safelog.gui.inbox import InboxView
from safelog.gui.workspace import CaseWorkspace
from safelog.gui.workspace.escalations import EscalationDialog
from safelog.gui.workspace.subjects import SubjectsDialog
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case
from safelog.vault.workspace import acknowledge, record_escalation

pytestmark = sqlite_only


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


def open_workspace(qtbot: QtBot, context: Any, reference: str) -> CaseWorkspace:
    workspace = CaseWorkspace(context)
    qtbot.addWidget(workspace)
    workspace.resize(1200, 800)
    workspace.show()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(reference)
    return workspace


def routes(table: Any) -> list[str]:
    return [table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(table.rowCount())]


def new_case(school: Any, author: str, **extra: Any) -> str:
    session = school.unlock(author)
    report = {
        "category": "cyberbullying-pupil",
        "summary": "Comments under a video",
        "description": "Year 8 pupils posted comments.",
        **extra,
    }
    reference = add_case(session, CaseInput.from_json(report))
    session.lock()
    return str(reference)


def test_route_details_and_a_route_the_rules_did_not_suggest(
    qtbot: QtBot, desk: Desk, school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = new_case(school, "Sam Staff")
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reference)
    panel = workspace.escalations_panel
    workspace.tabs.setCurrentWidget(panel)
    listed = routes(panel.table)
    assert "prevent" not in listed  # not suggested for cyberbullying between pupils

    panel.table.selectRow(listed.index("platform-report"))
    details = panel.details.text()
    assert "Why:" in details and "What to record:" in details and "Platform report id" in details

    # The DSL decides Prevent must know after all: the route is recorded, and listed.
    opened: list[EscalationDialog] = []
    monkeypatch.setattr(EscalationDialog, "launch", lambda self: opened.append(self) or self.show())
    panel.other_route.setCurrentIndex(panel.other_route.findData("prevent"))
    qtbot.mouseClick(panel.other_button, Qt.MouseButton.LeftButton)
    [dialog] = opened
    assert unnamed_controls(dialog) == []
    qtbot.keyClicks(dialog.told, "Prevent duty officer")
    qtbot.keyClicks(dialog.reference, "PRV-77")
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    listed = routes(panel.table)
    assert "prevent" in listed
    row = listed.index("prevent")
    assert panel.table.item(row, 1).text() == "Consider"
    assert panel.table.item(row, 5).text() == "PRV-77"
    panel.table.selectRow(row)
    assert "Recorded (not suggested for this category)" in panel.details.text()
    assert "Recorded by Dana DSL" in panel.details.text()
    assert panel.other_route.findData("prevent") == -1
    # The record is signed in the case, not only on screen.
    dana = school.unlock("Dana DSL")
    assert show_case(dana, reference).fields["escalations"]["prevent"]["reference"] == "PRV-77"


def test_an_overdue_route_shows_on_the_inbox_until_it_is_recorded(
    qtbot: QtBot, desk: Desk, school: Any, clock: Any
) -> None:
    # Friday 20 November 2026: a radicalisation concern about a member of staff. The
    # LADO must be told within one working day: by the end of Monday.
    clock.now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    reference = new_case(school, "Dana DSL", category="radicalisation", subjects=["Tess Teacher"])
    dana = school.unlock("Dana DSL")
    acknowledge(dana, reference)
    record_escalation(dana, reference, "headteacher", told="Hugh Head", how="In person")
    dana.lock()

    dsl = desk.sign_in("Dana DSL")
    inbox = InboxView(dsl)
    qtbot.addWidget(inbox)
    inbox.resize(1200, 800)
    with qtbot.waitSignal(inbox.loaded, timeout=LOAD_MS):
        inbox.show()  # showing it loads it
    qtbot.waitUntil(lambda: not inbox._loading, timeout=LOAD_MS)
    assert inbox.overdue_count.number.text() == "0"

    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday morning
    with qtbot.waitSignal(inbox.loaded, timeout=LOAD_MS):
        inbox.refresh()
    assert inbox.overdue_count.number.text() == "1"
    assert [r.case.reference for r in inbox.data.due.rows] == [reference]  # type: ignore[union-attr]

    # The DSL records the LADO referral in the case; the inbox follows.
    workspace = open_workspace(qtbot, dsl, reference)
    panel = workspace.escalations_panel
    row = routes(panel.table).index("lado")
    assert panel.table.item(row, 4).text() == "Not done: overdue"
    panel.table.selectRow(row)
    dialog = EscalationDialog(dsl, panel, item=panel.selected_item() or {}, save=workspace.save)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.told, "Duty LADO")
    qtbot.keyClicks(dialog.reference, "LADO-2026-118")
    with qtbot.waitSignals([workspace.loaded, inbox.loaded], timeout=LOAD_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert inbox.overdue_count.number.text() == "0"
    assert panel.table.item(routes(panel.table).index("lado"), 5).text() == "LADO-2026-118"


def test_finding_out_it_is_about_the_headteacher_rekeys_at_once(
    qtbot: QtBot, desk: Desk, school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = new_case(school, "Sam Staff")
    head = school.unlock("Hugh Head")
    dana = school.unlock("Dana DSL")
    record_escalation(dana, reference, "headteacher", told="Hugh Head", how="In person")
    dana.lock()
    assert reference in [c.reference for c in list_cases(head)]  # escalated to leadership

    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reference)
    people = workspace.people_panel
    workspace.tabs.setCurrentWidget(people)
    assert people.subjects.text() == "This concern is not about a member of staff."
    opened: list[SubjectsDialog] = []
    monkeypatch.setattr(SubjectsDialog, "launch", lambda self: opened.append(self) or self.show())
    qtbot.mouseClick(people.subjects_button, Qt.MouseButton.LeftButton)
    [dialog] = opened
    assert unnamed_controls(dialog) == []
    assert not dialog.save_button.isEnabled()  # nothing changed yet
    dialog.set_checked("Hugh Head", True)
    assert "Hugh Head will not be able to read this case" in dialog.effect.text()
    assert "chair of governors" in dialog.effect.text()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert people.subjects.text().startswith("This concern is about the headteacher")
    assert "re-keyed" in people.notice.text()
    # At once: the headteacher's keys no longer open it, the chair's do.
    assert reference not in [c.reference for c in list_cases(head)]
    with pytest.raises(AccessDenied):
        show_case(head, reference)
    chair = school.unlock("Chris Chair")
    assert reference in [c.reference for c in list_cases(chair)]
    # The history says when and by whom.
    history = workspace.history_panel
    last = history.table.rowCount() - 1
    row_text = " ".join(
        history.table.item(last, c).text() for c in range(history.table.columnCount())
    )
    assert "Dana DSL" in row_text and "who can read it changed" in row_text
