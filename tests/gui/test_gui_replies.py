"""Replies to the reporter (DESIGN §3.5), through the real widgets on a real vault: the DSL
writes one from the case workspace, the history words it plainly, and the member of staff who
reported reads it in My reports, with nothing else of the case."""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Callable
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
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from safelog.gui.my_reports import MyReportsView
from safelog.gui.workspace.reply_dialog import ReplyDialog
from safelog.gui.workspace.summary import NO_REPLIES
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.workspace import add_chronology, reply_to_reporter

pytestmark = sqlite_only

REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a video",
    "description": "Year 8 pupils posted comments.",
}
REPLY = "Thank you. I have spoken to Amy's form tutor; no need to do anything more."
NOTE = "Private: the family is known to early help."


@pytest.fixture
def reported(school: Any) -> str:
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    sam.lock()
    return str(reference)


def open_my_report(qtbot: QtBot, context: Any, reference: str) -> MyReportsView:
    mine = MyReportsView(context)
    qtbot.addWidget(mine)
    mine.resize(1000, 800)
    with qtbot.waitSignal(mine.list.loaded, timeout=LOAD_MS):
        mine.show()
    mine.show_report(reference)
    qtbot.waitUntil(lambda: mine.shown_reference == reference, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: mine.replies.isVisibleTo(mine), timeout=LOAD_MS)
    return mine


def capture_dialog(monkeypatch: pytest.MonkeyPatch) -> list[ReplyDialog]:
    """launch() shows the dialog without blocking, so the test can type into it."""
    opened: list[ReplyDialog] = []

    def launch(self: ReplyDialog) -> bool:
        opened.append(self)
        self.show()
        return False

    monkeypatch.setattr(ReplyDialog, "launch", launch)
    monkeypatch.setattr(ReplyDialog, "deleteLater", lambda self: None)  # the test reads it
    return opened


def test_the_dsl_replies_and_the_reporter_reads_it_in_my_reports(
    qtbot: QtBot, desk: Desk, school: Any, reported: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before any reply, Sam's My reports says there are none.
    sam = desk.sign_in("Sam Staff")
    mine = open_my_report(qtbot, sam, reported)
    assert NO_REPLIES in shown_text(mine.replies)
    assert mine.replies.title() == "Replies"

    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, reported)
    assert workspace.reply_button.isVisibleTo(workspace)
    opened = capture_dialog(monkeypatch)
    qtbot.mouseClick(workspace.reply_button, Qt.MouseButton.LeftButton)
    [dialog] = opened
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Reply to the reporter"
    note = dialog.note.text()
    assert note.startswith("Sam Staff sees only their report, its status and these replies")
    assert unnamed_controls(dialog) == []
    assert not dialog.send_button.isEnabled()  # nothing written yet
    qtbot.keyClicks(dialog.text, REPLY)
    assert dialog.send_button.isEnabled()
    with qtbot.waitSignals([workspace.saved, workspace.loaded], timeout=LOAD_MS, order="strict"):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()

    # The history words the reply in plain words, with what was sent.
    history = workspace.history_panel
    workspace.tabs.setCurrentWidget(history)
    rows = history.table.rowCount()
    assert history.table.item(rows - 1, 3).text() == "Reply sent to the reporter"
    assert workspace.detail is not None
    history.select_version(workspace.detail.versions[-1].number)
    details = history.details.toPlainText()
    assert "Reply sent to the reporter by Dana DSL on 20/11/2026 10:00:" in details
    assert REPLY in details

    # Dana also writes a note only the case's readers see.
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        reply_note_session = school.unlock("Dana DSL")
        add_chronology(reply_note_session, reported, NOTE)
        reply_note_session.lock()
        dsl.events.cases_changed.emit(reported)

    # Sam reads the reply (who, when in UK time, the text), and nothing else of the case.
    with qtbot.waitSignal(mine.list.loaded, timeout=LOAD_MS):
        sam.events.cases_changed.emit("")
    mine.show_report(reported)
    qtbot.waitUntil(lambda: REPLY in shown_text(mine.replies), timeout=LOAD_MS)
    assert "Dana DSL, 20/11/2026 10:00" in shown_text(mine.replies)
    assert mine.replies.title() == "Replies (1)"
    assert NO_REPLIES not in shown_text(mine)
    assert "Acknowledged: the DSL has seen it" not in shown_text(mine.report)  # not acknowledged
    assert "Comments under a video" in shown_text(mine.report)
    assert NOTE not in shown_text(mine)
    assert unnamed_controls(mine) == []

    # His own report, opened as a case, shows the same: what he sent, status and replies.
    own = open_workspace(qtbot, sam, reported)
    assert own.stack.currentWidget() is own.staff_page
    assert REPLY in shown_text(own.staff_page)
    assert NOTE not in shown_text(own)
    assert not own.reply_button.isVisibleTo(own)


def test_no_reply_to_yourself_and_none_for_staff(
    qtbot: QtBot, desk: Desk, school: Any, reported: str
) -> None:
    dana = school.unlock("Dana DSL")
    own = str(add_case(dana, CaseInput.from_json({**REPORT, "summary": "Seen it myself"})))
    dana.lock()
    dsl = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dsl, own)
    assert workspace.stack.currentWidget() is workspace.work_page
    assert not workspace.reply_button.isVisibleTo(workspace)  # there is no one to reply to
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(reported)
    assert workspace.reply_button.isVisibleTo(workspace)  # Sam reported this one

    sam = desk.sign_in("Sam Staff")
    staff = open_workspace(qtbot, sam, reported)
    assert staff.stack.currentWidget() is staff.staff_page
    assert not staff.reply_button.isVisibleTo(staff)


def test_a_failed_reply_keeps_the_text_and_says_why(qtbot: QtBot, desk: Desk) -> None:
    dsl = desk.sign_in("Dana DSL")
    calls: list[Any] = []

    def save(op: Any, on_saved: Callable[[], None], on_failed: Callable[[str], None]) -> None:
        calls.append(op)
        on_failed("SafeLog is locked. Sign in again.")

    dialog = ReplyDialog(dsl, None, reporter="Sam Staff", save=save)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.text, "Thanks for telling me.")
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert len(calls) == 1
    assert dialog.error.isVisible()
    assert dialog.error.text() == "The reply was not sent. SafeLog is locked. Sign in again."
    assert dialog.text.toPlainText() == "Thanks for telling me."
    assert dialog.send_button.isEnabled() and not dialog.text.isReadOnly()
    assert dialog.isVisible()


def test_locking_closes_the_reply_dialog_and_forgets_the_text(qtbot: QtBot, desk: Desk) -> None:
    dsl = desk.sign_in("Dana DSL")
    dialog = ReplyDialog(dsl, None, reporter="Sam Staff", save=lambda *_: None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.text, "Half a reply")
    lock(dsl)
    assert not dialog.isVisible()
    assert dialog.text.toPlainText() == ""


def test_replies_are_shown_as_plain_text(
    qtbot: QtBot, desk: Desk, school: Any, reported: str
) -> None:
    marker = "<b>Bold</b><img src='x'>"
    dana = school.unlock("Dana DSL")
    reply_to_reporter(dana, reported, f"{marker} reply")
    reply_to_reporter(dana, reported, "A second reply.")
    dana.lock()
    sam = desk.sign_in("Sam Staff")
    mine = open_my_report(qtbot, sam, reported)
    qtbot.waitUntil(lambda: "A second reply." in shown_text(mine.replies), timeout=LOAD_MS)
    text = shown_text(mine.replies)
    assert f"{marker} reply" in text
    assert text.index(marker) < text.index("A second reply.")  # oldest first
    assert rich_labels(mine, marker) == []
    assert mine.replies.title() == "Replies (2)"

    # Locking forgets the report and its replies.
    lock(sam)
    assert marker not in shown_text(mine)
    assert not mine.replies.isVisibleTo(mine)
