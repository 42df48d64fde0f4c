"""Requests that wait for a decision in the app (issue 18): a member of staff asks for a
blocked site from the Records menu, the headteacher sees it waiting, approves it and prints
the form; the DSL cannot decide it; monitoring requests are offered only to those who ask
for or decide them, and never list a request to the person it is about."""

# ruff: noqa: F811
from __future__ import annotations

from pathlib import Path
from typing import Any

from case_views_support import LOAD_MS, Desk, desk, sqlite_only, unnamed_controls  # noqa: F401
from pytestqt.qtbot import QtBot

from safelog.domain.approvals import KINDS, ApprovalKind
from safelog.domain.roles import Role
from safelog.gui.approvals_window import (
    BlockedContentDialog,
    DecisionForm,
    MonitoringDialog,
    RequestForm,
)
from safelog.gui.records_menu import offered

BLOCKED = {
    "url": "https://www.youtube.com/watch?v=water",
    "site_content": "The water cycle",
    "reasons": "Year 4 science",
    "risks": "Teacher's screen only",
}


def test_who_is_offered_which_window() -> None:
    for role in Role:
        names = [w.name for w in offered(frozenset({role}))]
        assert "BlockedContentDialog" in names and "FamilyLinksDialog" in names
        assert ("MonitoringDialog" in names) == (role not in (Role.STAFF, Role.ADMIN))


@sqlite_only
def test_staff_ask_the_head_approves_and_prints(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    sam = BlockedContentDialog(desk.sign_in("Sam Staff"))
    qtbot.addWidget(sam)
    sam.show()
    assert unnamed_controls(sam) == []
    assert sam.new_button.isVisible() and not sam.decide_button.isEnabled()
    assert "Fill in" in sam._send({**BLOCKED, "reasons": ""}, "")  # the form stays open
    assert sam._send(BLOCKED, "") == ""
    qtbot.waitUntil(lambda: sam.table.rowCount() == 1, timeout=LOAD_MS)
    assert sam.table.item(0, 5).text() == "awaiting decision"
    assert not sam.decide_button.isEnabled()  # not hers to decide

    dana = BlockedContentDialog(desk.sign_in("Dana DSL"))
    qtbot.addWidget(dana)
    dana.show()
    qtbot.waitUntil(lambda: dana.table.rowCount() == 1, timeout=LOAD_MS)
    dana.table.selectRow(0)
    assert not dana.decide_button.isEnabled()

    hugh = BlockedContentDialog(desk.sign_in("Hugh Head"))
    qtbot.addWidget(hugh)
    hugh.show()
    qtbot.waitUntil(lambda: hugh.table.rowCount() == 1, timeout=LOAD_MS)
    hugh.table.selectRow(0)
    assert hugh.decide_button.isEnabled()
    assert "The water cycle" in hugh.detail.toPlainText()
    form = DecisionForm(hugh.current(), hugh)  # type: ignore[arg-type]
    qtbot.addWidget(form)
    assert unnamed_controls(form) == []
    assert [form.choice.itemData(i) for i in range(form.choice.count())] == [
        "approved",
        "refused",
    ]
    hugh.record_decision(hugh.requests[0].seq, "approved", "Educational")
    qtbot.waitUntil(lambda: hugh.table.item(0, 5).text() == "approved", timeout=LOAD_MS)
    assert not hugh.decide_button.isEnabled()
    assert "Approved by Hugh Head" in hugh.detail.toPlainText()
    out = tmp_path / "request.pdf"
    hugh.save_form(hugh.requests[0].seq, out)
    qtbot.waitUntil(lambda: "Saved request.pdf" in hugh.detail.toPlainText(), timeout=LOAD_MS)
    assert out.read_bytes().startswith(b"%PDF")


@sqlite_only
def test_a_monitoring_request_is_never_listed_to_its_subject(qtbot: QtBot, desk: Desk) -> None:
    dana = MonitoringDialog(desk.sign_in("Dana DSL"))
    qtbot.addWidget(dana)
    dana.show()
    form = RequestForm(KINDS[ApprovalKind.MONITORING], dana.members, dana)
    qtbot.addWidget(form)
    assert unnamed_controls(form) == [] and form.about is not None
    assert "Hugh Head" in [form.about.itemText(i) for i in range(form.about.count())]
    fields = {"scope": "e-mail", "grounds": "g", "discussion": "HR, ICT, audit", "assessment": "a"}
    assert dana._send(fields, "Hugh Head") == ""
    qtbot.waitUntil(lambda: dana.table.rowCount() == 1, timeout=LOAD_MS)
    assert dana.table.item(0, 3).text() == "Hugh Head"

    hugh = MonitoringDialog(desk.sign_in("Hugh Head"))
    qtbot.addWidget(hugh)
    hugh.show()
    qtbot.waitUntil(lambda: "No requests" in hugh.detail.toPlainText(), timeout=LOAD_MS)
    assert hugh.table.rowCount() == 0

    chris = MonitoringDialog(desk.sign_in("Chris Chair"))
    qtbot.addWidget(chris)
    chris.show()
    qtbot.waitUntil(lambda: chris.table.rowCount() == 1, timeout=LOAD_MS)
    chris.table.selectRow(0)
    assert chris.decide_button.isEnabled() and not chris.new_button.isVisible()


@sqlite_only
def test_the_vir_is_offered_for_threats_to_staff_and_saved(
    qtbot: QtBot, desk: Desk, tmp_path: Path, modals: Any
) -> None:
    """002 appendix 2: the Violent Incident Report, drawn from the case, for a concern about
    a member of staff being threatened; not offered for a concern about pupils."""
    from case_views_support import open_workspace

    from safelog.gui.workspace.vir_print import save_vir
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case

    sam = desk.school.unlock("Sam Staff")
    threat = {
        "category": "public-threats",
        "summary": "Threat on Facebook",
        "description": "A post threatening Sam after school.",
        "people": [{"name": "Sam Staff", "kind": "staff", "role": "victim"}],
    }
    threats = add_case(sam, CaseInput.from_json(threat))
    pupils = add_case(sam, CaseInput.from_json({**threat, "category": "cyberbullying-pupil"}))
    dana = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dana, threats)
    assert workspace.vir_button.isVisible()
    out = tmp_path / "vir.pdf"
    save_vir(dana, workspace, threats, out)
    qtbot.waitUntil(lambda: bool(modals.notices), timeout=LOAD_MS)
    assert modals.notices[-1][0].endswith("Violent Incident Report saved")
    assert out.read_bytes().startswith(b"%PDF")
    other = open_workspace(qtbot, dana, pupils)
    assert not other.vir_button.isVisible()


@sqlite_only
def test_the_heads_inbox_lists_what_waits_for_their_decision(qtbot: QtBot, desk: Desk) -> None:
    from safelog.gui.inbox import InboxView
    from safelog.vault.approvals import decide, make_request

    made = make_request(desk.school.unlock("Sam Staff"), "blocked-content", BLOCKED)
    inbox = InboxView(desk.sign_in("Hugh Head"))
    qtbot.addWidget(inbox)
    inbox.show()
    inbox.refresh()
    qtbot.waitUntil(lambda: inbox.approvals.isVisible(), timeout=LOAD_MS)
    assert inbox.approvals.lines[0].startswith("Blocked content access request form, from Sam")
    decide(desk.school.unlock("Hugh Head"), made.seq, "approved", "")
    inbox.refresh()
    qtbot.waitUntil(lambda: not inbox.approvals.isVisible(), timeout=LOAD_MS)
    dana = InboxView(desk.sign_in("Dana DSL"))  # the DSL decides none of them
    qtbot.addWidget(dana)
    dana.show()
    dana.refresh()
    assert not dana.approvals.isVisible() and dana.approvals.lines == []
