"""The "Content report" tab of the case workspace (the Inappropriate Content Report Form of
policy 003, appendix b), through its real widgets on a real vault: completing the e-safety
officer's part, submitting a new report, saving the form as a PDF to print, and the tab only
where it belongs."""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from case_views_support import (  # noqa: F401
    LOAD_MS,
    Desk,
    desk,
    lock,
    rich_labels,
    shown_text,
    sqlite_only,
    unnamed_controls,
)
from gui_support import modals  # noqa: F401  (autouse: no modal box may hang the run)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from safelog.gui.workspace import CaseWorkspace
from safelog.gui.workspace.content_reports import ContentReportsPanel
from safelog.vault.audit_view import case_audit
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.content_form import content_reports

pytestmark = sqlite_only

ARABIC = "ليلى حسن"
MARKUP = "<b>Casino</b> adverts & a chat window"
REPORT = {
    "category": "inappropriate-content",
    "summary": "Gambling site open on a classroom PC",
    "description": "Found a gambling site open on the PC in room 12 after period 3.",
    "occurred_at": "2026-11-19T11:40:00+00:00",
    "content_report": {
        "accessed_by": ARABIC,
        "urls": ["https://casino.example.com/slots"],
        "nature": MARKUP,
    },
}
OTHER = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a video",
    "description": "Year 8 pupils posted comments.",
}


@pytest.fixture
def reported(school: Any) -> tuple[str, str]:
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    other = add_case(sam, CaseInput.from_json(OTHER))
    sam.lock()
    return str(reference), str(other)


def open_workspace(qtbot: QtBot, context: Any, reference: str) -> CaseWorkspace:
    workspace = CaseWorkspace(context)
    qtbot.addWidget(workspace)
    workspace.resize(1200, 900)
    workspace.show()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(reference)
    return workspace


def saved_and_reloaded(qtbot: QtBot, workspace: CaseWorkspace) -> Any:
    return qtbot.waitSignals([workspace.saved, workspace.loaded], timeout=LOAD_MS, order="strict")


def panel_of(workspace: CaseWorkspace) -> ContentReportsPanel:
    panel = workspace.findChild(ContentReportsPanel)
    assert panel is not None
    return panel


def tab_shown(workspace: CaseWorkspace) -> bool:
    return workspace.tabs.isTabVisible(workspace.tabs.indexOf(panel_of(workspace)))


def test_the_dsl_completes_and_submits_reports_in_the_tab(
    qtbot: QtBot, desk: Desk, school: Any, reported: tuple[str, str], tmp_path: Path
) -> None:
    reference, _ = reported
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reference)
    panel = panel_of(workspace)
    assert tab_shown(workspace)
    assert workspace.tabs.tabText(workspace.tabs.indexOf(panel)) == "Content report (1)"
    workspace.tabs.setCurrentWidget(panel)
    assert unnamed_controls(workspace) == []

    # The staff member's first part, selected, in full and as plain text.
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, 1).text() == ARABIC
    details = panel.details.text()
    assert "Staff name (submitting report): Sam Staff" in details
    assert "https://casino.example.com/slots" in details
    assert MARKUP in details
    assert "Submitted and signed in SafeLog by Sam Staff, version 1," in details
    assert rich_labels(workspace, "<b>Casino</b>") == []
    assert panel.officer_done.text() == "Not yet completed."

    # The e-safety officer's part: the action is needed, then it is signed once.
    qtbot.mouseClick(panel.complete_button, Qt.MouseButton.LeftButton)
    assert panel.officer_error.text() == "Write the action taken."
    qtbot.keyClicks(panel.action_taken, "Site blocked by IT; parents told.")
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(panel.complete_button, Qt.MouseButton.LeftButton)
    # Version 2 sealed the report away from Sam when the DSL first opened it; this is 3.
    assert panel.officer_done.text() == "Completed by Dana DSL on 20/11/2026 (signed, version 3)."
    assert not panel.complete_button.isVisible() and not panel.action_taken.isVisible()
    assert panel.table.item(0, 4).text() == "Completed 20/11/2026 by Dana DSL"
    assert "Signed in SafeLog by Dana DSL, version 3," in panel.details.text()

    # A new report: a bad address is refused in plain words and nothing typed is lost.
    panel.accessed_by.setText("Zofia Wiśniewska")  # keyClicks types ASCII only
    panel.urls.setPlainText("bet.example.org\njavascript:alert(1)")
    qtbot.keyClicks(panel.nature, "Betting odds pages.")
    qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.error.isVisible(), timeout=LOAD_MS)
    assert "Web address 2 is not a web address" in panel.error.text()
    assert panel.nature.toPlainText() == "Betting odds pages."
    panel.urls.setPlainText("bet.example.org\nhttps://odds.example.net/today")
    with saved_and_reloaded(qtbot, workspace):
        qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert panel.notice.text() == "Report submitted and signed."
    assert panel.nature.toPlainText() == "" and panel.urls.toPlainText() == ""
    assert panel.table.rowCount() == 2
    assert workspace.tabs.tabText(workspace.tabs.indexOf(panel)) == "Content report (2)"
    # The report still waiting for its officer's part is the one selected.
    assert panel.selected_report() is not None
    assert panel.selected_report().entry["accessed_by"] == "Zofia Wiśniewska"
    assert panel.complete_button.isVisible()

    detail = show_case(school.unlock("Dana DSL"), reference)
    [first, second] = content_reports(detail)
    assert first.officer is not None and first.officer["by_name"] == "Dana DSL"
    assert second.entry["submitted_by_name"] == "Dana DSL"
    assert second.entry["urls"] == ["bet.example.org", "https://odds.example.net/today"]
    assert second.officer is None

    assert panel.officer_notice.text() == ""  # it was about the other report
    panel.scroller.verticalScrollBar().setValue(0)
    QApplication.processEvents()  # let the layout settle before the picture
    workspace.grab().save(str(tmp_path / "content-report.png"))  # to look at (--basetemp)

    # Locking forgets the reports and anything typed.
    qtbot.keyClicks(panel.nature, "half typed")
    lock(dsl)
    assert panel.table.rowCount() == 0
    assert panel.details.text() == "" and panel.nature.toPlainText() == ""
    assert ARABIC not in shown_text(workspace)


def test_saving_the_form_as_a_pdf(
    qtbot: QtBot,
    desk: Desk,
    school: Any,
    reported: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference, _ = reported
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reference)
    panel = panel_of(workspace)
    workspace.tabs.setCurrentWidget(panel)
    out = tmp_path / "chosen" / "form"  # the extension is added
    out.parent.mkdir()
    calls: list[tuple[Any, ...]] = []

    def fake(*args: Any, **kwargs: Any) -> tuple[str, str]:
        calls.append((*args, kwargs))
        return str(out), "PDF files (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    qtbot.mouseClick(panel.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved as" in panel.print_notice.text(), timeout=LOAD_MS)
    assert panel.print_error.isHidden(), panel.print_error.text()
    written = out.with_name("form.pdf")
    assert written.read_bytes().startswith(b"%PDF-")
    assert str(written) in panel.print_notice.text()
    assert "(1 page)" in panel.print_notice.text()
    # Qt's own dialog (no system "recent files"), suggesting <reference>-content-report.pdf.
    assert calls[0][-1]["options"] == QFileDialog.Option.DontUseNativeDialog
    assert calls[0][2].endswith(f"{reference}-content-report.pdf")
    assert list(out.parent.iterdir()) == [written]  # nothing else left beside it
    printed = [e for e in case_audit(school.unlock("Dana DSL"), reference)]
    assert [e.action for e in printed if e.action == "case.form-print"] == ["case.form-print"]

    # Cancelling the dialog saves nothing.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    panel.print_notice.clear()
    qtbot.mouseClick(panel.print_button, Qt.MouseButton.LeftButton)
    assert panel.print_notice.text() == ""
    assert list(out.parent.iterdir()) == [written]


def test_the_tab_is_not_shown_for_other_categories(
    qtbot: QtBot, desk: Desk, reported: tuple[str, str]
) -> None:
    reference, other = reported
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, other)
    assert not tab_shown(workspace)
    # The same workspace moving on to a content case shows it again.
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(reference)
    assert tab_shown(workspace)
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(other)
    assert not tab_shown(workspace)


def test_an_empty_content_case_offers_the_form(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    sam = school.unlock("Sam Staff")
    bare = {key: value for key, value in REPORT.items() if key != "content_report"}
    reference = add_case(sam, CaseInput.from_json(bare))
    sam.lock()
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reference)
    panel = panel_of(workspace)
    workspace.tabs.setCurrentWidget(panel)
    assert tab_shown(workspace)
    assert workspace.tabs.tabText(workspace.tabs.indexOf(panel)) == "Content report"
    assert panel.empty.isVisible()
    assert not panel.selected_box.isVisible() and not panel.officer_box.isVisible()
    assert panel.submit_box.isVisible()
    qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert panel.error.text() == "Describe the nature of the content."
    workspace.grab().save(str(tmp_path / "content-report-empty.png"))


def test_staff_fill_in_the_first_part_when_they_report(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    from PySide6.QtCore import QDate, QDateTime, QTime

    from safelog.gui.report_form import ReportConcernDialog

    sam = desk.sign_in("Sam Staff")
    dialog = ReportConcernDialog(sam)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    fields = dialog.content_report
    assert not fields.isVisible()  # only for inappropriate content
    dialog.category.setCurrentIndex(dialog.category.findData("cyberbullying-pupil"))
    assert not fields.isVisible()
    dialog.category.setCurrentIndex(dialog.category.findData("inappropriate-content"))
    assert fields.isVisible()
    assert unnamed_controls(dialog) == []
    qtbot.keyClicks(dialog.summary, "Gambling site open on a classroom PC")
    qtbot.keyClicks(dialog.description, "Found it open after period 3.")
    dialog.when.setDateTime(QDateTime(QDate(2026, 11, 19), QTime(11, 40)))
    fields.accessed_by.setText(ARABIC)
    fields.urls.setPlainText("https://casino.example.com/slots\nbet.example.org")
    # The nature is needed once the part is used; the form says so and keeps everything.
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Describe the nature of the content for the report form."
    assert dialog.reference is None
    qtbot.keyClicks(fields.nature, "An online casino.")
    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.reference

    [report] = content_reports(show_case(school.unlock("Dana DSL"), dialog.reference))
    assert report.entry["submitted_by_name"] == "Sam Staff"
    assert report.entry["accessed_by"] == ARABIC
    assert report.entry["seen_on"] == "2026-11-19"
    assert report.entry["urls"] == ["https://casino.example.com/slots", "bet.example.org"]
    assert report.entry["nature"] == "An online casino."
    assert report.submitted is not None and report.submitted.version == 1
