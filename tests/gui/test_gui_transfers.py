"""Child protection file transfer in the app (issue 15, point 1): the receiving school's DSL
shows and saves the transfer key; the sending DSL picks the pupil, chooses the key file,
confirms the fingerprint read by telephone and sends; the inbox shows "awaiting receipt"
with the 5-school-day deadline (and OVERDUE after it) until the receipt is recorded; the
receiving DSL receives the file (a changed byte, a wrong key and a replay refused in plain
words) and writes the receipt; the sender records it and the inbox clears. Two vaults, each
with its own DSL, on one fake clock."""

# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, desk, sqlite_only, unnamed_controls  # noqa: F401
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from support.roll_files import SIMS_CSV

from safelog.crypto.transfer_box import public_key_pem
from safelog.gui.context import AppContext, SessionEvents
from safelog.gui.inbox import InboxView
from safelog.gui.records_menu import RECORD_WINDOWS, offered
from safelog.gui.transfer_send_dialog import SendTransferDialog
from safelog.gui.transfers_window import TransfersDialog
from safelog.gui.worker import Runner
from safelog.store.engine import sqlite_url
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import add_evidence
from safelog.vault.roll import import_roll, load_roll
from safelog.vault.vault import Vault

pytestmark = sqlite_only

JESS = "B201201001010"
OAK_DSL, OAK_PASS = "Olive Oak", "olive oak hill school"
EVIDENCE = b"Transcript of the group chat, 19:41: 'nobody likes you'\n" * 10


@pytest.fixture
def oak(tmp_path: Path, clock: Any) -> Iterator[Vault]:
    folder = tmp_path / "oak"
    folder.mkdir(mode=0o700)
    vault = Vault(folder, sqlite_url(folder), clock=clock)
    vault.create("Oak Hill Academy", OAK_DSL, OAK_PASS).session.lock()
    vault.unlock(OAK_DSL, OAK_PASS).lock()  # the DSL role key is made at sign-in
    yield vault
    vault.close()


@pytest.fixture
def jess(desk: Desk, tmp_path: Path) -> str:
    """Jess on Ravens Wood's roll, with one case about her and one original."""
    dana = desk.school.unlock("Dana DSL")
    assert import_roll(dana, SIMS_CSV.replace("31/02/2011", "28/02/2011").encode()).imported
    reference = add_case(
        dana,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Abusive messages in the Year 8 group chat",
                "description": "Jess showed me the messages on Monday.",
                "people": [{"pupil": JESS, "role": "victim"}],
            }
        ),
    )
    chat = tmp_path / "chat.txt"
    chat.write_bytes(EVIDENCE)
    add_evidence(dana, reference, chat)
    pupil_id = load_roll(dana).find(JESS).id
    dana.lock()
    return pupil_id


def oak_context(oak: Vault, clock: Any, desk: Desk) -> AppContext:
    context = AppContext(
        vault=oak,
        runner=Runner(),
        events=SessionEvents(),
        clock=clock,
        session=oak.unlock(OAK_DSL, OAK_PASS),
    )
    desk.contexts.append(context)
    return context


def transfers(qtbot: QtBot, context: AppContext) -> TransfersDialog:
    dialog = TransfersDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.save_key_button.isEnabled(), timeout=LOAD_MS)
    return dialog


def receive(
    qtbot: QtBot, dialog: TransfersDialog, source: Path, receipt: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(dialog, "choose_open_file", lambda *_: source)
    monkeypatch.setattr(dialog, "choose_save_file", lambda *_: receipt)
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy.busy, timeout=LOAD_MS)


def test_a_file_is_sent_received_and_its_receipt_recorded_in_the_app(
    qtbot: QtBot,
    desk: Desk,
    oak: Vault,
    jess: str,
    clock: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from safelog.domain.roles import Role

    assert "TransfersDialog" in [w.name for w in offered(frozenset({Role.DSL}))]
    others = offered(frozenset({Role.HEADTEACHER, Role.STAFF}))
    assert "TransfersDialog" not in [w.name for w in others]
    assert len([w for w in RECORD_WINDOWS if w.name == "TransfersDialog"]) == 1

    # Oak Hill's DSL shows the key and saves it for Ravens Wood.
    oak_side = transfers(qtbot, oak_context(oak, clock, desk))
    assert unnamed_controls(oak_side) == []
    phone = oak_side.fingerprint.text().removeprefix("Fingerprint: ")
    assert len(phone.split()) == 8 and all(len(group) == 4 for group in phone.split())
    key = tmp_path / "oak-key.pem"
    monkeypatch.setattr(oak_side, "choose_save_file", lambda *_: key)
    qtbot.mouseClick(oak_side.save_key_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "saved to oak-key.pem" in oak_side.notice.text(), timeout=LOAD_MS)
    assert key.read_bytes().startswith(b"SafeLog transfer key")

    # Ravens Wood's DSL sends Jess's file: nothing goes until the fingerprint is confirmed.
    ravens = desk.sign_in("Dana DSL")
    inbox = InboxView(ravens)
    qtbot.addWidget(inbox)
    inbox.show()
    qtbot.waitUntil(lambda: inbox.data is not None, timeout=LOAD_MS)
    assert inbox.transfers.isHidden()
    send = SendTransferDialog(ravens, None, jess)
    qtbot.addWidget(send)
    send.show()
    qtbot.waitUntil(lambda: send.pupil.count() > 0, timeout=LOAD_MS)
    assert unnamed_controls(send) == []
    assert send.pupil.currentText().startswith("Jess (Jessica) Smith (14/03/2012")
    assert not send.send_button.isEnabled()
    monkeypatch.setattr(send, "choose_key_file", lambda: key)
    qtbot.mouseClick(send.key_button, Qt.MouseButton.LeftButton)
    assert f"Fingerprint: {phone}" in send.key_words.text()
    assert "Oak Hill Academy" in send.key_words.text()
    assert not send.send_button.isEnabled()
    send.checked.setChecked(True)
    assert send.send_button.isEnabled()
    sent_file = tmp_path / "jess.sltransfer"
    monkeypatch.setattr(send, "choose_output_file", lambda *_: sent_file)
    reported: list[str] = []
    monkeypatch.setattr(send, "report", lambda text, _tell: reported.append(text))
    qtbot.mouseClick(send.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: send.sent is not None, timeout=LOAD_MS)
    # The clock is Friday 20 November 2026: five school days on is Friday 27 November.
    assert "due by 27 November 2026, 18:00" in reported[0]
    assert "1 case(s), 1 original(s)" in reported[0]

    # The inbox: sent, awaiting receipt, with the deadline; overdue once it has passed.
    qtbot.waitUntil(lambda: inbox.transfers.isVisible(), timeout=LOAD_MS)
    assert inbox.transfers.lines == [
        "Jess (Jessica) Smith to Oak Hill Academy: sent 20 November 2026, 10:00, awaiting "
        "receipt; due by 27 November 2026, 18:00"
    ]
    clock.advance(days=8)
    inbox.refresh()
    qtbot.waitUntil(lambda: "OVERDUE" in " ".join(inbox.transfers.lines), timeout=LOAD_MS)

    # Oak Hill receives: a changed byte, a file for another key, then the file, then again.
    data = bytearray(sent_file.read_bytes())
    data[len(data) // 2] ^= 0x01
    changed = tmp_path / "changed.sltransfer"
    changed.write_bytes(bytes(data))
    receipt = tmp_path / "receipt.json"
    receive(qtbot, oak_side, changed, receipt, monkeypatch)
    assert "was changed after it was made" in oak_side.problem.text()
    assert not receipt.exists() and oak_side.rows() == []

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from safelog.vault.transfer_keys import recipient_key_from_bytes
    from safelog.vault.transfers import send_transfer

    elsewhere = X25519PrivateKey.generate().public_key()  # a key Oak Hill never made
    misdirected = tmp_path / "for-elsewhere.sltransfer"
    send_transfer(
        ravens.require_session(),
        JESS,
        recipient_key_from_bytes(public_key_pem(elsewhere, "School: Elsewhere"), "key"),
        misdirected,
    )
    receive(qtbot, oak_side, misdirected, receipt, monkeypatch)  # ...is not for Oak Hill
    assert "encrypted to another school's transfer key" in oak_side.problem.text()
    assert not receipt.exists()

    receive(qtbot, oak_side, sent_file, receipt, monkeypatch)
    assert oak_side.problem.isHidden(), oak_side.problem.text()
    notice = oak_side.notice.text()
    assert "Received the child protection file of Jess (Jessica) Smith from Ravens Wood" in notice
    assert "1 case(s) and 1 original(s)" in notice and "added to the roll" in notice
    assert receipt.exists()
    qtbot.waitUntil(lambda: len(oak_side.rows()) == 1, timeout=LOAD_MS)
    row = oak_side.rows()[0]
    assert row[1:4] == [
        "Jess (Jessica) Smith",
        "Ravens Wood School",
        "received, receipt written",
    ]
    assert row[5] == "14/03/2037"  # kept until: born 14 March 2012, + 25 years

    again = tmp_path / "receipt-again.json"
    receive(qtbot, oak_side, sent_file, again, monkeypatch)
    assert "was already received on" in oak_side.problem.text()
    assert not again.exists()

    # The received chronology is saved where the DSL chooses: the signed PDF, as sent.
    oak_side.table.selectRow(0)
    chronology = tmp_path / "jess-chronology.pdf"
    monkeypatch.setattr(oak_side, "choose_save_file", lambda *_: chronology)
    qtbot.mouseClick(oak_side.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chronology.exists(), timeout=LOAD_MS)
    assert chronology.read_bytes().startswith(b"%PDF")

    # Ravens Wood records the receipt: the list says so and the inbox clears.
    ravens_side = transfers(qtbot, ravens)
    qtbot.waitUntil(lambda: len(ravens_side.rows()) == 2, timeout=LOAD_MS)
    to_oak = [r for r in ravens_side.rows() if r[2] == "Oak Hill Academy"]
    assert to_oak[0][3] == "sent, awaiting receipt" and "OVERDUE" in to_oak[0][4]
    monkeypatch.setattr(ravens_side, "choose_open_file", lambda *_: receipt)
    qtbot.mouseClick(ravens_side.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Receipt recorded" in ravens_side.notice.text(), timeout=LOAD_MS)
    assert "Oak Hill Academy (Olive Oak) received the file of Jess" in ravens_side.notice.text()
    qtbot.waitUntil(
        lambda: (
            [r[3] for r in ravens_side.rows() if r[2] == "Oak Hill Academy"]
            == ["sent, receipt recorded"]
        ),
        timeout=LOAD_MS,
    )
    inbox.refresh()
    # Only the file sent to a key no school has made still waits (it never will arrive).
    qtbot.waitUntil(lambda: "Elsewhere" in " ".join(inbox.transfers.lines), timeout=LOAD_MS)
    assert len(inbox.transfers.lines) == 1
    assert inbox.transfers.lines[0].startswith("Jess (Jessica) Smith to Elsewhere")


def test_the_pupils_page_offers_the_dsl_to_send_the_file(
    qtbot: QtBot, desk: Desk, jess: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safelog.gui.pupil_page import PupilPageView

    shown: list[str] = []

    def launch(dialog: SendTransferDialog) -> bool:
        qtbot.waitUntil(lambda: dialog.pupil.count() > 0, timeout=LOAD_MS)
        shown.append(dialog.pupil.currentText())
        return False

    monkeypatch.setattr(SendTransferDialog, "launch", launch)
    page = PupilPageView(desk.sign_in("Dana DSL"), jess)
    qtbot.addWidget(page)
    page.show()
    assert page.transfer_button.isVisible()
    qtbot.mouseClick(page.transfer_button, Qt.MouseButton.LeftButton)
    assert shown and shown[0].startswith("Jess (Jessica) Smith")
    head = PupilPageView(desk.sign_in("Hugh Head"), jess)
    qtbot.addWidget(head)
    head.show()
    assert not head.transfer_button.isVisible()
