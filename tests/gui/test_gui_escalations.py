"""Escalations through the real widgets on a real vault: the route details, recording a
route the rules did not suggest, an overdue route showing on the DSL's inbox until it is
recorded, and finding out later that a concern is about the headteacher (re-keyed at once,
with who and when in the history)."""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, desk, open_workspace, sqlite_only, unnamed_controls  # noqa: F401
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from safelog.errors import AccessDenied
from safelog.gui.inbox import InboxView
from safelog.gui.workspace.escalations import EscalationDialog
from safelog.gui.workspace.subjects import SubjectsDialog
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case
from safelog.vault.workspace import acknowledge, record_escalation

pytestmark = sqlite_only


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
    qtbot.waitUntil(lambda: not inbox.loader.loading, timeout=LOAD_MS)
    assert inbox.overdue_count.number.text() == "0"

    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday morning
    with qtbot.waitSignal(inbox.loaded, timeout=LOAD_MS):
        inbox.refresh()
    assert inbox.overdue_count.number.text() == "1"
    assert [c.reference for c in inbox.data.due.cases] == [reference]  # type: ignore[union-attr]

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


def test_a_case_about_the_head_opened_by_the_chair_names_the_chair_and_never_tells_the_head(
    qtbot: QtBot, desk: Desk, school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11: the guidance named the headteacher as the one who decides, and the chair
    could record "told the headteacher (In SafeLog)" with no warning."""
    reference = new_case(
        school, "Sam Staff", category="staff-online-conduct", subjects=["Hugh Head"]
    )
    chair = desk.sign_in("Chris Chair")
    workspace = open_workspace(qtbot, chair, reference)

    # The guidance on the summary names the chair of governors, not the headteacher.
    summary = workspace.summary_tab.text()
    assert "Guidance: This is a concern about the headteacher" in summary
    assert "The chair of governors" in summary and "decides the course of action" in summary
    assert "headteacher decides" not in summary

    # "Headteacher" is not offered as a route to record, and the panel says why.
    panel = workspace.escalations_panel
    workspace.tabs.setCurrentWidget(panel)
    assert "headteacher" not in routes(panel.table)
    offered = [panel.other_route.itemData(i) for i in range(panel.other_route.count())]
    assert "headteacher" not in offered and "prevent" in offered
    assert panel.head_note.isVisible()
    assert "LADO" in panel.head_note.text() and "decision" in panel.head_note.text()

    # The chair's own route may be recorded "In SafeLog"; an outside body may not.
    opened: list[EscalationDialog] = []
    monkeypatch.setattr(EscalationDialog, "launch", lambda self: opened.append(self) or self.show())
    panel.table.selectRow(routes(panel.table).index("chair-of-governors"))
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    [own] = opened
    ways = [own.how.itemText(i) for i in range(own.how.count())]
    assert "In SafeLog" in ways
    own.reject()
    panel.other_route.setCurrentIndex(panel.other_route.findData("prevent"))
    qtbot.mouseClick(panel.other_button, Qt.MouseButton.LeftButton)
    prevent = opened[-1]
    assert "In SafeLog" not in [prevent.how.itemText(i) for i in range(prevent.how.count())]
    prevent.reject()

    # Even a dialog for the headteacher route, made by hand, does not offer "In SafeLog",
    # refuses it if typed, and the vault refuses the route whatever way is written.
    head_item = {"route": "headteacher", "title": "Headteacher", "reason": ""}
    dialog = EscalationDialog(
        chair, panel, item=head_item, save=workspace.save, about_headteacher=True
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert "In SafeLog" not in [dialog.how.itemText(i) for i in range(dialog.how.count())]
    qtbot.keyClicks(dialog.told, "Hugh Head")
    dialog.how.setEditText("In SafeLog")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "cannot have been told in SafeLog" in dialog.error.text()
    dialog.how.setEditText("In person")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "about the headteacher" in dialog.error.text(), timeout=LOAD_MS)
    assert dialog.isVisible()

    check = school.unlock("Chris Chair")
    assert "headteacher" not in (show_case(check, reference).fields.get("escalations") or {})


def test_a_case_not_about_the_head_still_offers_the_headteacher(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    reference = new_case(school, "Sam Staff", category="adverse-criticism")
    workspace = open_workspace(qtbot, desk.sign_in("Dana DSL"), reference)
    panel = workspace.escalations_panel
    workspace.tabs.setCurrentWidget(panel)
    assert "headteacher" in routes(panel.table)
    assert not panel.head_note.isVisible()
    assert "headteacher's express approval" in workspace.summary_tab.text()


def test_a_pupil_victim_of_a_member_of_staff_offers_the_lado_in_the_panel(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    """Issue 11: only "staff online conduct" offered the LADO; now any category does when a
    member of staff is concerned and a pupil is a victim."""
    reference = new_case(
        school,
        "Sam Staff",
        category="cyberbullying-staff",
        subjects=["Tess Teacher"],
        people=[{"name": "Amira Khan", "kind": "pupil", "role": "victim"}],
    )
    workspace = open_workspace(qtbot, desk.sign_in("Dana DSL"), reference)
    panel = workspace.escalations_panel
    row = routes(panel.table).index("lado")
    assert panel.table.item(row, 1).text() == "Consider"
    assert "harm threshold" in panel.table.item(row, 2).text()


def test_a_grooming_disclosure_offers_ceop(qtbot: QtBot, desk: Desk, school: Any) -> None:
    reference = new_case(school, "Sam Staff", category="online-abuse-disclosure")
    workspace = open_workspace(qtbot, desk.sign_in("Dana DSL"), reference)
    panel = workspace.escalations_panel
    row = routes(panel.table).index("ceop")
    assert panel.table.item(row, 1).text() == "Consider"
    panel.table.selectRow(row)
    details = panel.details.text()
    assert "CEOP Safety Centre" in details and "CEOP report reference" in details
