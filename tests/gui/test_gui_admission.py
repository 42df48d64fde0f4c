"""Admission in the app (DESIGN §3.5): being invited is not being admitted.

Through the real widgets on a real vault: a DSL sees who waits for them (a banner over the
views, and the Admit people dialog listing who invited whom for which role), admits or
declines each one only after a plain-words confirmation; the first chair is admitted with the
governors' recovery key typed into a password field (a wrong key admits no one and the key is
kept nowhere); an admin-only account is offered nothing for a chair; someone still waiting is
told so when they sign in; and locking closes the dialogs.

Modal exec() calls are stood in for by the person's own clicks in the shown dialog (the
enrolment test's pattern); message boxes are answered through gui_support's `modals`.
"""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from gui_support import all_text, context, gui_vault, modals, visible_text, wait_for  # noqa: F401
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from support.school import PASSPHRASES

from safelog.domain.roles import Role
from safelog.errors import AccessDenied
from safelog.gui.admit_dialog import AdmitDialog, GovernorsKeyDialog, waiting_notice
from safelog.gui.main_window import MainWindow
from safelog.vault.people import people_rows

SCHOOL = "Ravens Wood School"
YES = QMessageBox.StandardButton.Yes
PASS = {
    **PASSPHRASES,
    "Dan Deputy": "dan deputy lanyard",
    "Bea Bursar": "bea budget sheets",
    "Ann Admin": "ann office rota",
}


class FakeView(QWidget):
    open_case = Signal(str)


class FakeViews:
    """The main window's content views are not what these tests are about."""

    def view(self, kind: str, context: Any, parent: QWidget) -> QWidget:
        return FakeView(parent)

    def report_concern(self, context: Any, parent: QWidget) -> str | None:
        return None

    def workspace(self, context: Any, reference: str, parent: QWidget) -> QWidget:
        return QWidget(parent)


def invited_school(vault: Any, people: dict[str, set[Role]] | None = None) -> dict[str, str]:
    """Dana DSL sets up the vault and invites people, who all enrol; nobody is admitted yet.
    Returns the two recovery keys."""
    setup = vault.create(SCHOOL, "Dana DSL", PASS["Dana DSL"])
    dsl = setup.session
    people = people or {
        "Hugh Head": {Role.HEADTEACHER},
        "Chris Chair": {Role.CHAIR},
        "Dan Deputy": {Role.DSL},
        "Sam Staff": {Role.STAFF},
    }
    for name, roles in people.items():
        code = vault.invite(dsl, name, frozenset(roles))
        vault.enrol(code, PASS[name]).lock()
    dsl.lock()
    return {"school": setup.school_recovery_key, "governors": setup.governors_recovery_key}


def row_of(vault: Any, name: str) -> dict[str, Any]:
    """The signed membership log's view of one person, read as the DSL reads it."""
    session = vault.unlock("Dana DSL", PASS["Dana DSL"])
    try:
        return next(r for r in people_rows(session.directory) if r["name"] == name)
    finally:
        session.lock()


def open_main(qtbot: QtBot, context: Any, name: str) -> MainWindow:
    context.session = context.vault.unlock(name, PASS[name])
    window = MainWindow(context, views=FakeViews())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def shown_dialog(qtbot: QtBot, context: Any) -> AdmitDialog:
    dialog = AdmitDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def table_rows(dialog: AdmitDialog) -> list[tuple[str, ...]]:
    table = dialog.table
    return [
        tuple(table.item(r, c).text() for c in range(table.columnCount()))
        for r in range(table.rowCount())
    ]


def choose(qtbot: QtBot, dialog: AdmitDialog, name: str) -> None:
    """Click the person's name in the table, as a user would."""
    row = next(i for i, p in enumerate(dialog.people) if p.name == name)
    rect = dialog.table.visualItemRect(dialog.table.item(row, 0))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.selected() is not None and dialog.selected().name == name


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled(), f"{button.text()} is not available"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# -- the DSL admits ---------------------------------------------------------------------------


def test_the_dsl_sees_who_waits_and_admits_the_headteacher(
    qtbot: QtBot, context: Any, modals: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    invited_school(context.vault)
    window = open_main(qtbot, context, "Dana DSL")
    assert window.admit_action.isVisible() and window.admit_button.isVisible()
    # The banner over the views: the head and the deputy wait for a DSL; the would-be chair
    # waits for the governors' key, which is typed at the DSL's desk.
    assert window.admit_banner.isVisible()
    assert window.admit_banner_text.text() == "3 people are waiting for you to admit them."
    assert not window.waiting_banner.isVisible()

    seen: list[list[tuple[str, ...]]] = []

    def launch(dialog: AdmitDialog) -> int:
        # Stands in for exec(): the DSL works in the real dialog.
        dialog.show()
        seen.append(table_rows(dialog))
        choose(qtbot, dialog, "Hugh Head")
        assert dialog.decline_button.isEnabled()
        assert not dialog.key_button.isEnabled(), "the key is for the first chair only"
        modals.answers.append(YES)
        with qtbot.waitSignal(dialog.changed, timeout=20000):
            click(qtbot, dialog.admit_button)
        return dialog.changes

    monkeypatch.setattr(AdmitDialog, "launch", launch)
    click(qtbot, window.admit_banner_button)

    assert seen[0] == [
        ("Chris Chair", "Chair of governors (with the governors' recovery key)", "Dana DSL"),
        ("Dan Deputy", "DSL", "Dana DSL"),
        ("Hugh Head", "Headteacher", "Dana DSL"),
    ]
    title, question = modals.notices[-1]
    assert title == "SafeLog — Admit Hugh Head"
    assert question.startswith("Admit Hugh Head as headteacher?")
    assert "They will read the cases escalated to the headteacher" in question
    assert "Invited by Dana DSL." in question
    assert window.admit_banner_text.text() == "2 people are waiting for you to admit them."

    row = row_of(context.vault, "Hugh Head")
    assert row["admitted_by"] == {"headteacher": "Dana DSL"}
    assert row["state"] == "admitted"
    context.session.lock()
    head = context.vault.unlock("Hugh Head", PASS["Hugh Head"])
    assert Role.HEADTEACHER in head.person.roles
    head.lock()


def test_nothing_is_granted_without_yes_and_declining_is_confirmed_too(
    qtbot: QtBot, context: Any, modals: Any
) -> None:
    invited_school(context.vault)
    context.session = context.vault.unlock("Dana DSL", PASS["Dana DSL"])
    dialog = shown_dialog(qtbot, context)
    choose(qtbot, dialog, "Dan Deputy")

    # The box's default answer is No: nothing is granted.
    click(qtbot, dialog.admit_button)
    assert modals.notices[-1][1].startswith(
        "Admit Dan Deputy as DSL?\n\nThey will read every case the DSL reads."
    )
    assert dialog.changes == 0 and not dialog.busy.busy
    assert row_of(context.vault, "Dan Deputy")["waiting_for"] == ["dsl"]

    # Declining: asked in plain words, then done.
    modals.answers.append(YES)
    with qtbot.waitSignal(dialog.changed, timeout=20000):
        click(qtbot, dialog.decline_button)
    title, question = modals.notices[-1]
    assert title == "SafeLog — Decline Dan Deputy"
    assert question.startswith("Decline Dan Deputy as DSL?")
    assert "can report concerns" in question
    assert dialog.notice.text() == "Dan Deputy was declined as DSL."
    assert [p.name for p in dialog.people] == ["Chris Chair", "Hugh Head"]
    assert dialog.selected() is not None  # the next person is ready for the keyboard

    row = row_of(context.vault, "Dan Deputy")
    assert row["declined_by"] == {"dsl": "Dana DSL"}
    assert row["waiting_for"] == [] and row["roles"] == ["staff"]
    dan = context.vault.unlock("Dan Deputy", PASS["Dan Deputy"])
    assert dan.person.roles == frozenset({Role.STAFF}) and not dan.person.pending
    dan.lock()


def test_every_control_in_the_dialogs_has_an_accessible_name(
    qtbot: QtBot, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    invited_school(context.vault)
    context.session = context.vault.unlock("Dana DSL", PASS["Dana DSL"])
    dialog = shown_dialog(qtbot, context)
    choose(qtbot, dialog, "Chris Chair")
    checked: list[str] = []

    def launch(key_dialog: GovernorsKeyDialog) -> None:
        key_dialog.show()
        for root in (dialog, key_dialog):
            for widget in root.findChildren(QAbstractButton) + root.findChildren(QLineEdit):
                if widget.isVisible():
                    assert widget.accessibleName(), f"{type(widget).__name__} {widget.text()!r}"
                    checked.append(widget.accessibleName())
        key_dialog.reject()
        return None

    monkeypatch.setattr(GovernorsKeyDialog, "launch", launch)
    click(qtbot, dialog.key_button)
    assert "Governors' recovery key" in checked and "Admit the selected person" in checked


# -- the first chair, with the governors' recovery key --------------------------------------


def test_the_first_chair_is_admitted_with_the_governors_key(
    qtbot: QtBot, context: Any, modals: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys = invited_school(context.vault)
    context.session = context.vault.unlock("Dana DSL", PASS["Dana DSL"])
    dialog = shown_dialog(qtbot, context)
    choose(qtbot, dialog, "Chris Chair")
    assert not dialog.admit_button.isEnabled(), "a DSL cannot admit a chair"
    assert not dialog.decline_button.isEnabled()
    governors = keys["governors"]
    typo = governors[:-1] + ("A" if governors[-1] != "A" else "B")
    said: list[str] = []
    left_in_field: list[str] = []

    def launch(key_dialog: GovernorsKeyDialog) -> list[Role] | None:
        key_dialog.show()
        text = visible_text(key_dialog)
        assert "Admit Chris Chair as chair of governors?" in text
        assert "They will read and manage concerns about the headteacher." in text
        assert key_dialog.key.echoMode() == QLineEdit.EchoMode.Password
        assert not key_dialog.admit_button.isEnabled(), "a key is needed"
        # Wrong keys, each refused in plain words; nothing is granted.
        for wrong in (typo, keys["school"]):
            key_dialog.key.clear()
            qtbot.keyClicks(key_dialog.key, wrong)
            click(qtbot, key_dialog.admit_button)
            wait_for(qtbot, lambda: key_dialog.message.isVisible())
            said.append(key_dialog.message.text())
            assert key_dialog.isVisible() and key_dialog.admitted is None
            assert row_of(context.vault, "Chris Chair")["waiting_for"] == ["chair"]
        key_dialog.key.clear()
        qtbot.keyClicks(key_dialog.key, governors.lower())  # as typed from the sheet
        with qtbot.waitSignal(key_dialog.finished, timeout=20000):
            qtbot.keyClick(key_dialog.key, Qt.Key.Key_Return)
        left_in_field.append(key_dialog.key.text())
        return key_dialog.admitted

    monkeypatch.setattr(GovernorsKeyDialog, "launch", launch)
    with qtbot.waitSignal(dialog.loaded, timeout=20000):  # the list is read again after
        click(qtbot, dialog.key_button)

    assert said[0].startswith("That recovery key is not valid")
    assert "school recovery key" in said[1] and "Chris Chair" in said[1]
    assert left_in_field == [""], "the key does not stay in the field"
    assert dialog.notice.text().startswith(
        "Chris Chair is now admitted as chair of governors with the governors' recovery key."
    )
    assert "Chris Chair" not in [p.name for p in dialog.people]
    assert governors not in all_text(dialog)
    row = row_of(context.vault, "Chris Chair")
    assert row["admitted_by"] == {"chair": "the governors recovery key"}

    # The key was written nowhere: not in the data directory, the fault log or settings.
    needles = {governors.encode(), governors.replace("-", "").encode(), governors.lower().encode()}
    for folder, _dirs, files in os.walk(tmp_path):
        for name in files:
            data = (Path(folder) / name).read_bytes()
            assert not any(n in data for n in needles), f"the key is in {name}"

    context.session.lock()
    chair = context.vault.unlock("Chris Chair", PASS["Chris Chair"])
    assert Role.CHAIR in chair.person.roles
    chair.lock()
    # Once there is a chair, the next one is a chair's to admit: no key is offered.
    context.session = context.vault.unlock("Dana DSL", PASS["Dana DSL"])
    again = shown_dialog(qtbot, context)
    assert not again.key_button.isVisible()


def test_an_admin_only_account_is_offered_nothing_for_a_chair(
    qtbot: QtBot, context: Any, modals: Any
) -> None:
    vault = context.vault
    invited_school(
        vault,
        {"Bea Bursar": {Role.ADMIN}, "Chris Chair": {Role.CHAIR}, "Ann Admin": {Role.ADMIN}},
    )
    dana = vault.unlock("Dana DSL", PASS["Dana DSL"])
    vault.admit(dana, "Bea Bursar")  # set-up: Dana admits the business manager as admin
    dana.lock()

    # The business manager sees the administrator waiting for her, and not the chair.
    window = open_main(qtbot, context, "Bea Bursar")
    assert context.session.person.roles == frozenset({Role.ADMIN, Role.STAFF})
    assert window.admit_banner_text.text() == "1 person is waiting for you to admit them."
    dialog = shown_dialog(qtbot, context)
    assert table_rows(dialog) == [("Ann Admin", "Administrator", "Dana DSL")]
    assert "Chris Chair" not in visible_text(dialog)
    assert not dialog.key_button.isVisible(), "an admin right admits no one to a reading role"
    choose(qtbot, dialog, "Ann Admin")
    modals.answers.append(YES)
    with qtbot.waitSignal(dialog.changed, timeout=20000):
        click(qtbot, dialog.admit_button)
    assert "An administrator reads no cases" in modals.notices[-1][1]

    # Nothing is left for her to admit: the chair is not hers to let in.
    assert dialog.people == []
    assert dialog.empty.isVisible()
    assert dialog.empty.text() == "No one is waiting for you to admit them."
    assert not dialog.admit_button.isEnabled() and not dialog.decline_button.isEnabled()
    assert not dialog.key_button.isVisible()
    # And the vault refuses it whatever a client offers.
    with pytest.raises(AccessDenied):
        vault.admit(context.session, "Chris Chair")
    assert row_of(vault, "Chris Chair")["waiting_for"] == ["chair"]
    assert row_of(vault, "Ann Admin")["admitted_by"] == {"admin": "Bea Bursar"}


# -- the person waiting ------------------------------------------------------------------------


def test_someone_waiting_is_told_when_they_sign_in(qtbot: QtBot, context: Any) -> None:
    invited_school(context.vault)
    window = open_main(qtbot, context, "Hugh Head")
    assert window.open_tabs() == ["My reports"]
    assert window.waiting_banner.isVisible()
    assert window.waiting_banner.text().startswith(
        "You are waiting to be admitted as headteacher by a DSL or a headteacher"
    )
    assert window.waiting_banner.text().endswith("Until then you can report concerns.")
    assert not window.admit_action.isVisible() and not window.admit_banner.isVisible()
    assert window.report_button.isVisible()


def test_the_waiting_notice_in_words() -> None:
    assert waiting_notice(frozenset(), frozenset({Role.STAFF})) == ""
    chair = waiting_notice(frozenset({Role.CHAIR}), frozenset({Role.STAFF}))
    assert chair.startswith("You are waiting to be admitted as chair of governors by a chair")
    both = waiting_notice(frozenset({Role.ADMIN}), frozenset({Role.STAFF, Role.DSL}))
    assert both == (
        "You are waiting to be admitted as administrator by an administrator (or a recovery "
        "key). Until then you work as DSL."
    )


# -- locking -------------------------------------------------------------------------------------


def test_locking_closes_the_admit_dialogs_and_empties_the_key_field(
    qtbot: QtBot, data_dir: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the app: Ctrl+L while the clerk is typing the key closes both dialogs and the
    main window, and brings back the sign-in window."""
    from safelog.gui.app import AppController
    from safelog.gui.context import SessionEvents
    from safelog.gui.worker import Runner
    from safelog.vault.vault import Vault

    vault = Vault(data_dir)
    invited_school(vault)
    vault.close()
    monkeypatch.setattr("safelog.gui.main_window.LazyContentViews", FakeViews)
    runner = Runner()
    controller = AppController(
        str(data_dir), runner, SessionEvents(), clock=clock, check_every_ms=60000
    )
    qtbot.addWidget(controller.sign_in)
    controller.start()
    sign_in = controller.sign_in
    wait_for(qtbot, lambda: sign_in.name.count() == 5)
    sign_in.name.setCurrentText("Dana DSL")
    qtbot.keyClicks(sign_in.passphrase, PASS["Dana DSL"])
    qtbot.keyClick(sign_in.passphrase, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: controller.main_window is not None)
    main = controller.main_window
    session = controller.context.session
    opened: dict[str, Any] = {}

    def key_launch(key_dialog: GovernorsKeyDialog) -> list[Role] | None:
        opened["key"] = key_dialog
        key_dialog.show()
        qtbot.keyClicks(key_dialog.key, "ABCDE-FGHIJ")
        with qtbot.waitSignal(controller.events.locked, timeout=5000):
            qtbot.keyClick(key_dialog.key, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        return key_dialog.admitted

    def launch(dialog: AdmitDialog) -> int:
        opened["admit"] = dialog
        dialog.show()
        choose(qtbot, dialog, "Chris Chair")
        click(qtbot, dialog.key_button)
        return dialog.changes

    monkeypatch.setattr(GovernorsKeyDialog, "launch", key_launch)
    monkeypatch.setattr(AdmitDialog, "launch", launch)
    main.admit_action.trigger()

    assert session.locked
    assert not opened["admit"].isVisible()
    assert opened["key"].key.text() == ""
    assert not opened["key"].isVisible()
    assert controller.main_window is None
    assert sign_in.isVisible()
    # Nothing was granted on the way.
    assert row_of(Vault(data_dir), "Chris Chair")["waiting_for"] == ["chair"]
    runner.wait()
    controller.shutdown()
