"""Subject access requests in the app (issue 15, point 2): "Subject access…" in the Records
menu for the DSL only; a request recorded with its due date, extended once with a reason;
the evidence held listed with a box each, one ticked and one withheld for serious harm; the
disclosure exported and signed with only the ticked original attached and no other pupil
named; the DSL's inbox shows a request due within 7 days, then OVERDUE, and no longer once
it is answered. One school on a fake clock (Friday 20 November 2026)."""

# ruff: noqa: F811

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, desk, sqlite_only, unnamed_controls  # noqa: F401
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from support.roll_files import SIMS_CSV

from safelog.domain.roles import Role
from safelog.gui.inbox import InboxView
from safelog.gui.records_menu import RECORD_WINDOWS, offered
from safelog.gui.sar_window import SubjectAccessDialog
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import add_evidence
from safelog.vault.roll import import_roll

JESS = "B201201001010"
CHAT = b"Transcript: Jordan Price wrote 'nobody likes you' at 19:41\n" * 10
NOTES = b"Notes of the meeting with Jess and her mum, Karen Smith.\n" * 10


@pytest.fixture
def jess_case(desk: Desk, tmp_path: Path) -> dict[str, str]:
    dana = desk.school.unlock("Dana DSL")
    assert import_roll(dana, SIMS_CSV.replace("31/02/2011", "28/02/2011").encode()).imported
    reference = add_case(
        dana,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Abusive messages in the Year 8 group chat",
                "description": "Jordan Price sent them; Aisha Khan forwarded them to Jess.",
                "people": [
                    {"pupil": JESS, "role": "victim"},
                    {"name": "Jordan Price", "kind": "pupil", "role": "alleged-perpetrator"},
                    {"pupil": "Q201201001040", "role": "witness"},
                ],
            }
        ),
    )
    ids = {"case": reference}
    for name, data in (("jordan_chat.txt", CHAT), ("notes.txt", NOTES)):
        path = tmp_path / name
        path.write_bytes(data)
        ids[name] = add_evidence(dana, reference, path)
    dana.lock()
    return ids


def _open(qtbot: QtBot, context: Any) -> SubjectAccessDialog:
    dialog = SubjectAccessDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.list_loader.loading, timeout=LOAD_MS)
    return dialog


def _click(qtbot: QtBot, dialog: SubjectAccessDialog, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy.busy, timeout=LOAD_MS)


def test_only_the_dsl_is_offered_the_window() -> None:
    (entry,) = [w for w in RECORD_WINDOWS if w.name == "SubjectAccessDialog"]
    assert entry.label == "&Subject access…"
    assert entry in offered(frozenset({Role.DSL}))
    for role in (Role.STAFF, Role.HEADTEACHER, Role.CHAIR, Role.ADMIN):
        assert entry not in offered(frozenset({role}))


@sqlite_only
def test_a_request_recorded_extended_answered_and_shown_on_the_inbox(
    qtbot: QtBot,
    desk: Desk,
    jess_case: dict[str, str],
    clock: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dana = desk.sign_in("Dana DSL")
    inbox = InboxView(dana)
    qtbot.addWidget(inbox)
    inbox.show()
    qtbot.waitUntil(lambda: inbox.data is not None, timeout=LOAD_MS)
    assert inbox.sar_due.isHidden()

    dialog = _open(qtbot, dana)
    assert unnamed_controls(dialog) == [] and dialog.rows() == []
    assert not dialog.export_button.isEnabled()
    # Jess is picked from the roll by typing part of her name.
    qtbot.waitUntil(lambda: dialog.roll.index is not None, timeout=LOAD_MS)
    dialog.subject.setFocus()
    qtbot.keyClicks(dialog.subject, "jess sm")
    assert dialog.picker.popup.isVisible()
    qtbot.keyClick(dialog.picker.popup, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.picker.popup, Qt.Key.Key_Return)
    assert dialog.subject.text() == "Jess (Jessica) Smith" and dialog.picked is not None
    # Bad input is said plainly and nothing is recorded.
    _click(qtbot, dialog, dialog.record_button)
    assert "Say who made the request" in dialog.problem.text()
    dialog.requester.setText("Karen Smith")
    dialog.relationship.setCurrentIndex(dialog.relationship.findData("parent"))
    dialog.received.setDate(dialog.received.date().addDays(-14))  # 6 November 2026
    _click(qtbot, dialog, dialog.record_button)
    assert "Recorded SAR-1 about Jess (Jessica) Smith" in dialog.notice.text()
    assert "due by 06/12/2026" in dialog.notice.text()
    qtbot.waitUntil(lambda: len(dialog.rows()) == 1, timeout=LOAD_MS)
    assert dialog.rows()[0] == [
        "SAR-1",
        "Jess (Jessica) Smith",
        "Karen Smith (parent)",
        "06/11/2026",
        "06/12/2026",
        "due in 16 days",
    ]
    # Due within 7 days: on the DSL's inbox.
    clock.advance(days=10)
    inbox.refresh()
    qtbot.waitUntil(lambda: inbox.sar_due.isVisible(), timeout=LOAD_MS)
    assert inbox.sar_due.lines == [
        "SAR-1: Jess (Jessica) Smith, asked by Karen Smith; due by 6 December 2026, due in 6 days"
    ]

    # Selecting it lists the evidence held, a box each; the file name naming Jordan is
    # shown as it will be printed.
    dialog.table.selectRow(0)
    qtbot.waitUntil(lambda: dialog.item_list.count() == 2, timeout=LOAD_MS)
    texts = [dialog.item_list.item(i).text() for i in range(2)]
    assert "jordan_chat.txt" in texts[0] and "shown as Evidence 1.txt" in texts[0]
    # Extended once, with a reason.
    dialog.extend_reason.setText("Complex: records from two schools")
    dialog.months.setCurrentIndex(0)
    _click(qtbot, dialog, dialog.extend_button)
    assert "now due by 06/01/2027" in dialog.notice.text()
    qtbot.waitUntil(lambda: dialog.rows() and "(extended)" in dialog.rows()[0][4], timeout=LOAD_MS)
    inbox.refresh()
    qtbot.waitUntil(lambda: inbox.sar_due.isHidden(), timeout=LOAD_MS)

    # The chat withheld for serious harm; the notes ticked to include.
    dialog.table.selectRow(0)
    qtbot.waitUntil(lambda: dialog.item_list.count() == 2, timeout=LOAD_MS)
    assert not dialog.extend_button.isEnabled()  # one extension only
    dialog.item_list.setCurrentRow(0)
    _click(qtbot, dialog, dialog.withhold_button)
    assert "Say why disclosing it would" in dialog.problem.text()
    dialog.harm_reason.setText("The sender's threats would put Jess at risk")
    _click(qtbot, dialog, dialog.withhold_button)
    dialog.table.selectRow(0)
    qtbot.waitUntil(
        lambda: (
            dialog.item_list.count() == 2
            and "withheld for serious harm" in dialog.item_list.item(0).text()
        ),
        timeout=LOAD_MS,
    )
    dialog.item_list.item(1).setCheckState(Qt.CheckState.Checked)
    assert dialog.included() == [jess_case["notes.txt"]]
    out = tmp_path / "jess-sar.pdf"
    monkeypatch.setattr(dialog, "choose_save_file", lambda _name: out)
    _click(qtbot, dialog, dialog.export_button)
    assert dialog.problem.isHidden(), dialog.problem.text()
    assert "saved to jess-sar.pdf: 1 record(s), 1 evidence item(s) listed, 1 attached" in (
        dialog.notice.text()
    )
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True)
    words = " ".join(text.stdout.decode().split())
    assert "Jess (Jessica) Smith" in words and "Karen Smith" in words
    for name in ("Jordan", "Aisha", "Khan", "Price", "jordan_chat"):
        assert name not in words
    assert "Pupil A sent them; Pupil B forwarded them to Jess" in words
    qtbot.waitUntil(
        lambda: dialog.rows() and dialog.rows()[0][5] == "disclosure made", timeout=LOAD_MS
    )

    # Overdue had it not been answered: a second request, left, shows OVERDUE.
    dialog.subject.setText("Jordan Price")
    dialog.requester.setText("Jordan Price")
    dialog.relationship.setCurrentIndex(dialog.relationship.findData("pupil"))
    dialog.received.setDate(dialog.received.date().addDays(-40))
    _click(qtbot, dialog, dialog.record_button)
    inbox.refresh()
    qtbot.waitUntil(lambda: inbox.sar_due.isVisible(), timeout=LOAD_MS)
    (line,) = inbox.sar_due.lines
    assert line.startswith("SAR-2: Jordan Price") and "OVERDUE by" in line
