"""First run through the real widgets: the setup wizard from an empty data directory to the
first DSL account, the recovery keys shown once, inviting the headteacher, the chair and two
staff, each of them enrolling with their code, and the DSL admitting the headteacher and
(with the clerk's governors' recovery key) the first chair."""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import re
from typing import Any

import pytest
from gui_support import all_text, context, gui_vault, modals, visible_text, wait_for  # noqa: F401
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWizard
from pytestqt.qtbot import QtBot
from support.school import PASSPHRASES, build_school

from safelog.domain.roles import Role
from safelog.gui.admit_dialog import AdmitDialog, GovernorsKeyDialog
from safelog.gui.dialogs import assess_passphrase
from safelog.gui.enrol_dialog import EnrolDialog
from safelog.gui.recovery_keys import RecoverySheetPrinter
from safelog.gui.setup_wizard import (
    ACCOUNT_PAGE,
    INVITE_PAGE,
    RECOVERY_PAGE,
    SCHOOL_PAGE,
    SetupWizard,
)
from safelog.gui.sign_in import SignInWindow

SCHOOL = "Ravens Wood School"
KEY_PATTERN = re.compile(r"^[0-9A-Z]{5}(-[0-9A-Z]{5}){10}$")
NEXT = QWizard.WizardButton.NextButton
COMMIT = QWizard.WizardButton.CommitButton
FINISH = QWizard.WizardButton.FinishButton
BACK = QWizard.WizardButton.BackButton


def click(qtbot: QtBot, wizard: SetupWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), f"{button.text()} is not available"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def tick(qtbot: QtBot, box: Any) -> None:
    """Toggle a check box from the keyboard, as a keyboard user would."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)


def open_wizard(qtbot: QtBot, context: Any) -> SetupWizard:
    wizard = SetupWizard(context)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def to_recovery_page(qtbot: QtBot, wizard: SetupWizard) -> None:
    qtbot.keyClicks(wizard.school_page.school, SCHOOL)
    click(qtbot, wizard, NEXT)
    account = wizard.account_page
    qtbot.keyClicks(account.name, "Dana DSL")
    qtbot.keyClicks(account.form.passphrase, PASSPHRASES["Dana DSL"])
    qtbot.keyClicks(account.form.confirmation, PASSPHRASES["Dana DSL"])
    click(qtbot, wizard, COMMIT)
    wait_for(qtbot, lambda: wizard.currentId() == RECOVERY_PAGE)


def test_setup_wizard_creates_the_vault_and_the_first_dsl(
    qtbot: QtBot, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not context.vault.exists()
    wizard = open_wizard(qtbot, context)
    assert wizard.currentId() == SCHOOL_PAGE
    assert not wizard.button(NEXT).isEnabled(), "a school name is required"
    qtbot.keyClicks(wizard.school_page.school, SCHOOL)
    assert str(context.vault.data_dir) in visible_text(wizard.school_page)
    click(qtbot, wizard, NEXT)
    assert wizard.currentId() == ACCOUNT_PAGE

    account = wizard.account_page
    create = wizard.button(COMMIT)
    assert create.text().replace("&", "") == "Set up SafeLog"
    qtbot.keyClicks(account.name, "Dana DSL")

    # Too short, then plain words: refused, and the feedback says why.
    qtbot.keyClicks(account.form.passphrase, "dana")
    assert "Too short" in account.form.meter.format()
    assert not create.isEnabled()
    account.form.passphrase.clear()
    qtbot.keyClicks(account.form.passphrase, "password123")
    qtbot.keyClicks(account.form.confirmation, "password123")
    assert account.form.meter.format() == "Too weak"
    assert "password" in account.form.advice.text()
    assert not create.isEnabled()

    # A good passphrase typed differently the second time: still refused.
    account.form.clear()
    qtbot.keyClicks(account.form.passphrase, PASSPHRASES["Dana DSL"])
    qtbot.keyClicks(account.form.confirmation, PASSPHRASES["Dana DSL"] + "x")
    assert "do not match" in account.form.match.text()
    assert not create.isEnabled()
    qtbot.keyClick(account.form.confirmation, Qt.Key.Key_Backspace)
    assert account.form.match.text() == "The two match."
    assert create.isEnabled()

    click(qtbot, wizard, COMMIT)
    wait_for(qtbot, lambda: wizard.currentId() == RECOVERY_PAGE)
    assert context.vault.exists()
    assert account.form.value() == "", "the passphrase does not stay in the form"

    # The two recovery keys, in selectable monospace text, that belong to this vault.
    recovery_page = wizard.recovery_page
    keys = [recovery_page.school_key.text(), recovery_page.governors_key.text()]
    assert all(KEY_PATTERN.match(k) for k in keys), keys
    assert keys[0] != keys[1]
    assert (
        recovery_page.school_key.textInteractionFlags()
        & Qt.TextInteractionFlag.TextSelectableByMouse
    )
    assert (
        recovery_page.school_key.font().fixedPitch() or recovery_page.school_key.font().styleHint()
    )
    _assert_keys_belong_to_the_vault(wizard.session, keys)
    assert not wizard.button(BACK).isVisible() or not wizard.button(BACK).isEnabled()

    # Printing goes through one launch(); the sheet carries both keys and the school.
    printed: list[str] = []
    monkeypatch.setattr(
        RecoverySheetPrinter, "launch", lambda self: printed.append(self.sheet_html) or True
    )
    qtbot.mouseClick(recovery_page.print_button, Qt.MouseButton.LeftButton)
    assert len(printed) == 1
    sheet = printed[0].replace("<br>", "")  # each key is printed on two lines
    assert keys[0] in sheet and keys[1] in sheet and SCHOOL in printed[0]
    assert "page-break-before" in printed[0], "each key on its own page"

    # The checkbox is required to continue.
    assert not wizard.button(COMMIT).isEnabled()
    tick(qtbot, recovery_page.kept)
    assert recovery_page.kept.isChecked()
    with qtbot.waitSignal(wizard.keys_kept):
        click(qtbot, wizard, COMMIT)
    assert wizard.currentId() == INVITE_PAGE

    # Shown once: the keys are gone from every widget, and there is no way back.
    for key in keys:
        assert key not in all_text(wizard)
    assert wizard.sheet_html() == ""
    assert not wizard.button(BACK).isVisible() or not wizard.button(BACK).isEnabled()

    with qtbot.waitSignal(wizard.completed) as finished:
        click(qtbot, wizard, FINISH)
    session = finished.args[0]
    assert session.person.name == "Dana DSL"
    assert {Role.DSL, Role.ADMIN} <= session.person.roles
    assert not session.locked
    session.lock()


def _assert_keys_belong_to_the_vault(session: Any, keys: list[str]) -> None:
    from safelog.crypto import recovery
    from safelog.crypto.identity import x25519_public_bytes

    stored = session.directory.recovery_x25519
    for kind, key in zip(("school", "governors"), keys, strict=True):
        public = x25519_public_bytes(recovery.recovery_x25519(recovery.parse_key(key)).public_key())
        assert stored[kind] == public


def test_closing_before_keeping_the_keys_asks_first(
    qtbot: QtBot, context: Any, modals: Any
) -> None:
    wizard = open_wizard(qtbot, context)
    to_recovery_page(qtbot, wizard)
    keys = wizard.recovery_page.school_key.text()
    # "No": the wizard stays open on the keys.
    wizard.reject()
    assert modals.notices and "not show them again" in modals.notices[-1][1]
    assert wizard.isVisible() and wizard.currentId() == RECOVERY_PAGE
    assert wizard.recovery_page.school_key.text() == keys
    # "Yes": the setup ends signed in as the DSL, with the keys forgotten.
    from PySide6.QtWidgets import QMessageBox

    modals.answers.append(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(wizard.completed):
        wizard.reject()
    assert keys not in all_text(wizard)
    wizard.session.lock()


def test_the_recovery_sheet_escapes_the_school_name() -> None:
    from safelog.gui.recovery_keys import recovery_sheet_html

    sheet = recovery_sheet_html("<b>St Mary's</b>", "20/11/2026", "KEY-ONE", "KEY-TWO")
    assert "<b>St Mary" not in sheet
    assert "&lt;b&gt;St Mary&#x27;s&lt;/b&gt;" in sheet
    assert "20/11/2026" in sheet


def test_passphrase_feedback() -> None:
    assert not assess_passphrase("short").acceptable
    assert not assess_passphrase("aaaaaaaaaaaa").acceptable
    assert not assess_passphrase("1234567890").acceptable
    assert not assess_passphrase("password2024").acceptable
    assert not assess_passphrase("ravens wood 1", avoid=("Ravens Wood School",)).acceptable
    # The person's own name adds nothing: two plain words remain.
    named = assess_passphrase("dana correct horse", avoid=("Dana DSL",))
    assert named.acceptable and named.level < assess_passphrase("dana correct horse").level
    assert assess_passphrase("correct horse battery staple").label == "Strong"
    assert assess_passphrase("Tr4in-st4tion-umbrella").level >= 3
    weak = assess_passphrase("chris governor key")
    assert weak.acceptable and weak.label == "Weak"


def invite(qtbot: QtBot, wizard: SetupWizard, name: str, *roles: str) -> str:
    panel = wizard.invite_page.panel
    qtbot.keyClicks(panel.name, name)
    for role in roles:
        tick(qtbot, getattr(panel, role))
    before = len(panel.codes)
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: len(panel.codes) == before + 1)
    shown_name, _roles, code = panel.codes[-1]
    assert shown_name == name
    assert panel.latest_code.text() == code and name in panel.latest_for.text()
    assert panel.table.item(panel.table.rowCount() - 1, 2).text() == code
    return code


def enrol(qtbot: QtBot, context: Any, code: str, passphrase: str) -> Any:
    dialog = EnrolDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.code, code.lower())
    assert dialog.code.text() == code.upper(), "codes are shown in capitals"
    qtbot.keyClicks(dialog.form.passphrase, passphrase)
    assert not dialog.enrol_button.isEnabled(), "the passphrase must be typed twice"
    qtbot.keyClicks(dialog.form.confirmation, passphrase)
    assert dialog.enrol_button.isEnabled()
    qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: dialog.session is not None or dialog.message.isVisible())
    assert dialog.session is not None, dialog.message.text()
    assert not dialog.isVisible()
    return dialog.session


def test_inviting_the_school_from_the_wizard_and_enrolling_everyone(
    qtbot: QtBot, context: Any, modals: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    wizard = open_wizard(qtbot, context)
    to_recovery_page(qtbot, wizard)
    # The clerk to the governors keeps this key (on the printed sheet) for the first chair.
    governors_key = wizard.recovery_page.governors_key.text()
    tick(qtbot, wizard.recovery_page.kept)
    click(qtbot, wizard, COMMIT)
    assert wizard.currentId() == INVITE_PAGE

    panel = wizard.invite_page.panel
    assert not panel.button.isEnabled(), "a name is needed"
    # Headteacher and chair in one person is refused, in plain words.
    qtbot.keyClicks(panel.name, "Odd Person")
    tick(qtbot, panel.headteacher)
    tick(qtbot, panel.chair)
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    assert "cannot be both" in panel.message.text()
    assert panel.codes == []
    panel.name.clear()
    panel.headteacher.setChecked(False)
    panel.chair.setChecked(False)

    codes = {
        "Hugh Head": invite(qtbot, wizard, "Hugh Head", "headteacher"),
        "Chris Chair": invite(qtbot, wizard, "Chris Chair", "chair"),
        "Sam Staff": invite(qtbot, wizard, "Sam Staff"),
        "Tess Teacher": invite(qtbot, wizard, "Tess Teacher"),
    }
    assert [row[1] for row in panel.codes] == [
        "Headteacher",
        "Chair of governors",
        "Staff",
        "Staff",
    ]
    assert len(set(codes.values())) == 4

    # A second invitation for the same name is refused with the vault's own words.
    qtbot.keyClicks(panel.name, "Sam Staff")
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: panel.message.isVisible())
    assert "already a user called Sam Staff" in panel.message.text()
    panel.name.clear()

    with qtbot.waitSignal(wizard.completed) as finished:
        click(qtbot, wizard, FINISH)
    finished.args[0].lock()

    # Enrolled is not admitted (DESIGN §3.5): until a member of the role admits them, the
    # headteacher and the chair are staff who wait.
    waiting = {"Hugh Head": {Role.HEADTEACHER}, "Chris Chair": {Role.CHAIR}}
    for name, code in codes.items():
        session = enrol(qtbot, context, code, PASSPHRASES[name])
        assert session.person.name == name
        assert set(session.person.roles) == {Role.STAFF}
        assert set(session.person.pending) == waiting.get(name, set())
        session.lock()

    # A used code is refused in plain words.
    dialog = EnrolDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.code, codes["Sam Staff"])
    qtbot.keyClicks(dialog.form.passphrase, "another long passphrase")
    qtbot.keyClicks(dialog.form.confirmation, "another long passphrase")
    qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: dialog.message.isVisible())
    assert "already been used" in dialog.message.text()
    assert dialog.session is None
    dialog.reject()

    admit_the_head_and_the_chair(qtbot, context, modals, monkeypatch, governors_key)

    # Everyone now appears on the sign-in window, and the headteacher can sign in.
    window = SignInWindow(context)
    qtbot.addWidget(window)
    window.show()
    wait_for(qtbot, lambda: window.name.count() > 0)
    assert sorted(window.names()) == sorted(["Dana DSL", *codes])
    window.name.setCurrentText("Hugh Head")
    qtbot.keyClicks(window.passphrase, PASSPHRASES["Hugh Head"])
    with qtbot.waitSignal(window.signed_in, timeout=20000) as signed:
        qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    assert signed.args[0].person.name == "Hugh Head"
    assert Role.HEADTEACHER in signed.args[0].person.roles
    assert not signed.args[0].person.pending
    signed.args[0].lock()


def admit_the_head_and_the_chair(
    qtbot: QtBot, context: Any, modals: Any, monkeypatch: pytest.MonkeyPatch, governors_key: str
) -> None:
    """The DSL opens Admit people: admits the headteacher, and has the clerk type the
    governors' recovery key for the first chair."""
    context.session = context.vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
    dialog = AdmitDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    assert [(p.name, p.described()) for p in dialog.people] == [
        ("Chris Chair", "Chair of governors (with the governors' recovery key)"),
        ("Hugh Head", "Headteacher"),
    ]
    dialog.select("Hugh Head")
    modals.answers.append(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.changed, timeout=20000):
        qtbot.mouseClick(dialog.admit_button, Qt.MouseButton.LeftButton)
    assert modals.notices[-1][1].startswith("Admit Hugh Head as headteacher?")

    def type_the_key(key_dialog: GovernorsKeyDialog) -> Any:
        key_dialog.show()
        qtbot.keyClicks(key_dialog.key, governors_key)
        with qtbot.waitSignal(key_dialog.finished, timeout=20000):
            qtbot.mouseClick(key_dialog.admit_button, Qt.MouseButton.LeftButton)
        return key_dialog.admitted

    monkeypatch.setattr(GovernorsKeyDialog, "launch", type_the_key)
    dialog.select("Chris Chair")
    with qtbot.waitSignal(dialog.loaded, timeout=20000):
        qtbot.mouseClick(dialog.key_button, Qt.MouseButton.LeftButton)
    assert dialog.people == [] and dialog.empty.isVisible()
    dialog.reject()
    context.session.lock()
    context.session = None


def test_the_enrolment_dialog_is_reachable_from_sign_in(
    qtbot: QtBot, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = context.vault.create(SCHOOL, "Dana DSL", PASSPHRASES["Dana DSL"])
    code = context.vault.invite(setup.session, "Sam Staff", frozenset({Role.STAFF}))
    setup.session.lock()

    def launch(dialog: EnrolDialog) -> Any:
        # Stands in for exec(): the person fills in the real dialog and presses Enter.
        dialog.show()
        qtbot.keyClicks(dialog.code, code)
        qtbot.keyClicks(dialog.form.passphrase, PASSPHRASES["Sam Staff"])
        qtbot.keyClicks(dialog.form.confirmation, PASSPHRASES["Sam Staff"])
        qtbot.keyClick(dialog.form.confirmation, Qt.Key.Key_Return)
        wait_for(qtbot, lambda: dialog.session is not None)
        return dialog.session

    monkeypatch.setattr(EnrolDialog, "launch", launch)
    window = SignInWindow(context)
    qtbot.addWidget(window)
    window.show()
    wait_for(qtbot, lambda: window.enrol_button.isEnabled())
    assert window.names() == ["Dana DSL"], "people who have not enrolled are not listed"
    with qtbot.waitSignal(context.events.signed_in) as signed:
        qtbot.mouseClick(window.enrol_button, Qt.MouseButton.LeftButton)
    assert signed.args[0].person.name == "Sam Staff"
    assert context.session is signed.args[0]


def test_the_invitations_show_every_code_whole_and_copy_them(
    qtbot: QtBot, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11: earlier codes were cut to "…", and there was no way to copy them."""
    from PySide6.QtGui import QGuiApplication

    from safelog.gui.app import load_style_sheet
    from safelog.gui.idle_lock import lock_session
    from safelog.gui.invite_panel import InviteDialog

    school = build_school(context.vault, staff=())
    context.session = school.unlock("Dana DSL")
    dialog = InviteDialog(context)
    qtbot.addWidget(dialog)
    dialog.setStyleSheet(load_style_sheet())  # drawn as people see it
    dialog.show()
    qtbot.waitExposed(dialog)
    panel = dialog.panel
    assert not panel.copy_code_button.isEnabled() and not panel.copy_all_button.isEnabled()
    people = [
        ("Priya Raghunathan-Whitfield", ("dsl",)),
        ("Tom Teacher", ()),
        ("Ann Assistant", ()),
    ]
    for name, roles in people:
        qtbot.keyClicks(panel.name, name)
        for role in roles:
            getattr(panel, role).setChecked(True)
        qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
        wait_for(qtbot, lambda n=name: bool(panel.codes) and panel.codes[-1][0] == n)
    qtbot.wait(50)

    table = panel.table
    for row, (_name, _roles, code) in enumerate(panel.codes):
        cell = table.item(row, 2)
        assert cell.text() == code and cell.toolTip() == code
        index = table.model().index(row, 2)
        shown = table.visualRect(index).width()
        assert shown >= table.sizeHintForIndex(index).width(), f"row {row}: code cut short"
    assert table.item(0, 0).toolTip() == "Priya Raghunathan-Whitfield"

    board = QGuiApplication.clipboard()
    board.clear()
    table.selectRow(0)
    qtbot.mouseClick(panel.copy_code_button, Qt.MouseButton.LeftButton)
    assert board.text() == panel.codes[0][2]
    assert panel.copied.text() == "Copied the code for Priya Raghunathan-Whitfield."
    table.setFocus()
    table.selectRow(2)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert board.text() == panel.codes[2][2]
    qtbot.mouseClick(panel.copy_all_button, Qt.MouseButton.LeftButton)
    lines = board.text().splitlines()
    assert lines == [f"{n} ({r}): {c}" for n, r, c in panel.codes]
    assert panel.copied.text() == "Copied 3 invitations."
    lock_session(context)  # what SafeLog copied goes when it locks
    assert board.text() == ""
