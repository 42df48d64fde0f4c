"""The People window (issue 11): everyone in the school's SafeLog and, for an administrator,
inviting several at once, printing invitation slips, removing a leaver and restoring access
with a recovery key.

Through the real widgets on a real vault, each change checked through the vault itself: the
codes enrol, the removed person cannot sign in, the old passphrase stops working. A staff
member is not offered the window, and calling its methods anyway is refused by the vault.
Modal exec() calls are stood in for by the person's own clicks in the shown dialog; message
boxes are answered through gui_support's `modals`; the printer is replaced.
"""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from gui_support import (  # noqa: F401
    all_text,
    context,
    cut_off,
    gui_vault,
    modals,
    visible_text,
    wait_for,
)
from PySide6.QtCore import QSizeF, Qt, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from support.school import PASSPHRASES

from safelog.crypto import recovery
from safelog.domain.roles import Role
from safelog.errors import AccessDenied, WrongPassphrase
from safelog.gui.app import load_style_sheet
from safelog.gui.invitation_slips import HOW_TO_ENROL
from safelog.gui.main_window import MainWindow
from safelog.gui.people_window import PeopleWindow
from safelog.gui.reset_dialog import ResetDialog
from safelog.vault.people import people_rows

SCHOOL = "Ravens Wood School"
YES = QMessageBox.StandardButton.Yes
NO = QMessageBox.StandardButton.No
PASS = {
    **PASSPHRASES,
    "Dan Deputy": "dan deputy lanyard",
    "Inez Invited": "inez never came",
    "Rob Leaver": "rob left in july",
    "Ann Admin": "ann office rota",
    "Tess Teacher": "tess lesson plans",
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


class PaperTray:
    """Stands in for SlipPrinter: keeps what would have been printed."""

    def __init__(self) -> None:
        self.printed: list[tuple[str, int]] = []

    def __call__(self, parent: Any, page: str, count: int) -> Any:
        tray = self

        class Printer:
            def launch(self) -> bool:
                tray.printed.append((page, count))
                return True

        return Printer()


def school(vault: Any) -> dict[str, str]:
    """Dana DSL (administrator and DSL) sets up SafeLog. Hugh enrolled and waits to be admitted
    as headteacher; Inez has not enrolled; Sam is staff; Dan is an admitted DSL; Rob was a DSL
    and has left. Returns the recovery keys."""
    setup = vault.create(SCHOOL, "Dana DSL", PASS["Dana DSL"])
    dana = setup.session
    for name, roles, enrols in (
        ("Hugh Head", {Role.HEADTEACHER}, True),
        ("Inez Invited", {Role.DSL}, False),
        ("Sam Staff", {Role.STAFF}, True),
        ("Dan Deputy", {Role.DSL}, True),
        ("Rob Leaver", {Role.DSL}, True),
    ):
        code = vault.invite(dana, name, frozenset(roles))
        if enrols:
            vault.enrol(code, PASS[name]).lock()
    vault.admit(dana, "Dan Deputy")
    vault.admit(dana, "Rob Leaver")
    vault.remove_user(dana, "Rob Leaver")
    dana.lock()
    return {"school": setup.school_recovery_key, "governors": setup.governors_recovery_key}


def open_people(qtbot: QtBot, context: Any, name: str) -> PeopleWindow:
    context.session = context.vault.unlock(name, PASS[name])
    window = PeopleWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def open_main(qtbot: QtBot, context: Any, name: str) -> MainWindow:
    context.session = context.vault.unlock(name, PASS[name])
    window = MainWindow(context, views=FakeViews())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def to_invitations(qtbot: QtBot, window: PeopleWindow) -> None:
    """Click the "Invite people" tab."""
    bar = window.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert window.tabs.currentWidget() is window.invite_box


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled(), f"{button.text()} is not available"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def choose(qtbot: QtBot, window: PeopleWindow, name: str) -> None:
    row = next(i for i, p in enumerate(window.people) if p.name == name)
    rect = window.table.visualItemRect(window.table.item(row, 0))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selected() is not None and window.selected().name == name


def page_count(page: str) -> int:
    document = QTextDocument()
    document.setHtml(page)
    document.setPageSize(QSizeF(595, 842))  # A4 in points
    return document.pageCount()


def files_holding(root: Path, secret: str) -> list[Path]:
    """Every file under root holding the code, with or without its hyphens."""
    forms = {secret.encode(), secret.replace("-", "").encode()}
    return [p for p in root.rglob("*") if p.is_file() and any(f in p.read_bytes() for f in forms)]


# -- the list ---------------------------------------------------------------------------------


def test_the_list_shows_everyone_and_where_they_stand(qtbot: QtBot, context: Any) -> None:
    school(context.vault)
    main = open_main(qtbot, context, "Dana DSL")
    assert main.people_action.isVisible() and main.people_button.isVisible()
    window = PeopleWindow(context)
    qtbot.addWidget(window)
    window.show()
    assert window.rows() == [
        ("Dan Deputy", "DSL", "Active", "Dana DSL"),
        ("Dana DSL", "DSL, Administrator", "Active", "setting up SafeLog"),
        ("Hugh Head", "Headteacher", "Waiting to be admitted as headteacher", "Dana DSL"),
        ("Inez Invited", "DSL", "Invited, not yet enrolled", "Dana DSL"),
        ("Rob Leaver", "DSL", "Removed", "Dana DSL"),
        ("Sam Staff", "Staff", "Active", "Dana DSL"),
    ]
    table = window.table
    assert [table.item(3, c).text() for c in range(4)] == list(window.rows()[3])
    for button in (window.remove_button, window.reset_button):
        assert button.isVisible() and not button.isEnabled(), "nothing chosen yet"
    choose(qtbot, window, "Rob Leaver")
    assert not window.remove_button.isEnabled(), "removed already"
    choose(qtbot, window, "Dana DSL")
    assert not window.remove_button.isEnabled(), "no one removes themselves"
    assert not window.reset_button.isEnabled(), "nor cuts off their own session"
    choose(qtbot, window, "Inez Invited")
    assert window.remove_button.isEnabled() and window.reset_button.isEnabled()
    assert window.tabs.isTabVisible(1) and not window.read_only.isVisible()
    window.setStyleSheet(load_style_sheet())  # drawn as people see it
    for tab in range(2):
        window.tabs.setCurrentIndex(tab)
        qtbot.waitUntil(lambda: cut_off(window) == [], timeout=2000)
        for widget in window.findChildren(QAbstractButton) + window.findChildren(QLineEdit):
            if widget.isVisible() and not widget.objectName().startswith("qt_"):  # Qt's own
                assert widget.accessibleName(), f"{type(widget).__name__} {widget.text()!r}"


def test_locking_closes_the_window_and_drops_the_codes_made(
    qtbot: QtBot, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = school(context.vault)
    window = open_people(qtbot, context, "Dana DSL")
    to_invitations(qtbot, window)
    grid = window.invite_grid
    grid.set_row(0, "Tess Teacher")
    with qtbot.waitSignal(window.changed, timeout=30000):
        click(qtbot, grid.invite_button)
    code = grid.made[0].code
    assert code in grid.codes.item(0, 2).text()
    left_in: list[str] = []

    def launch(dialog: ResetDialog) -> str:
        dialog.show()
        qtbot.keyClicks(dialog.key, keys["school"])
        context.events.locked.emit()  # the idle lock, with the key typed but not sent
        left_in.append(dialog.key.text())
        assert not dialog.isVisible()
        return dialog.code

    monkeypatch.setattr(ResetDialog, "launch", launch)
    assert window.reset_person("Hugh Head") == ""
    assert left_in == [""], "the key does not stay in the field"
    assert not window.isVisible(), "the lock closed the People window too"
    assert grid.made == [] and grid.codes.rowCount() == 0
    assert code not in all_text(window)


def test_a_dsl_who_is_not_an_administrator_reads_the_list_only(qtbot: QtBot, context: Any) -> None:
    school(context.vault)
    main = open_main(qtbot, context, "Dan Deputy")
    assert main.people_action.isVisible()
    window = PeopleWindow(context)
    qtbot.addWidget(window)
    window.show()
    assert [r[0] for r in window.rows()][:2] == ["Dan Deputy", "Dana DSL"]
    assert not window.remove_button.isVisible() and not window.reset_button.isVisible()
    assert not window.tabs.isTabVisible(1) and not window.invite_box.isVisible()
    assert "Only an administrator can invite, remove or restore access" in visible_text(window)


# -- inviting several at once ------------------------------------------------------------------


def test_three_invited_at_once_each_enrol_with_their_code_and_a_bad_row_is_named(
    qtbot: QtBot, context: Any, modals: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    school(context.vault)
    window = open_people(qtbot, context, "Dana DSL")
    to_invitations(qtbot, window)
    grid = window.invite_grid
    # Typed and ticked as the administrator would.
    grid.grid.setCurrentCell(0, 0)
    grid.grid.editItem(grid.grid.item(0, 0))
    editor = grid.grid.viewport().findChild(QLineEdit)
    assert editor is not None
    qtbot.keyClicks(editor, "Tess Teacher")
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # on to the next cell: the name is kept
    assert grid.grid.item(0, 0).text() == "Tess Teacher"
    grid.set_row(1, "Ann Admin", frozenset({Role.ADMIN}))
    grid.set_row(2, "Hugh Head", frozenset({Role.DSL}))  # already someone's name
    grid.set_row(3, "Dawn Deputy", frozenset({Role.DSL}))
    grid.set_row(4, "Hattie Both", frozenset({Role.HEADTEACHER, Role.CHAIR}))
    grid.set_row(5, "", frozenset({Role.DSL}))
    with qtbot.waitSignal(window.changed, timeout=30000):
        click(qtbot, grid.invite_button)
    wait_for(qtbot, lambda: not grid.busy.busy)

    # The good rows were invited; each bad one is named and left in the grid to mend.
    made = {slip.name: slip for slip in grid.made}
    assert sorted(made) == ["Ann Admin", "Dawn Deputy", "Tess Teacher"]
    problems = grid.problems.text()
    assert grid.problems.isVisible()
    assert "Row 3 (Hugh Head): There is already a user called Hugh Head." in problems
    assert "Row 5 (Hattie Both): one person cannot be both headteacher and chair" in problems
    assert "Row 6: type a name." in problems
    assert "Tess Teacher" not in problems and "Ann Admin" not in problems
    assert grid.grid.item(2, 0).text() == "Hugh Head" and grid.grid.item(0, 0).text() == ""
    assert grid.note.text() == "Invited 3 people."

    # Each code is shown whole in its own row.
    codes = grid.codes
    for row in range(codes.rowCount()):
        item = codes.item(row, 2)
        assert item.text() == made[codes.item(row, 0).text()].code
        needed = codes.fontMetrics().horizontalAdvance(item.text())
        assert codes.columnWidth(2) >= needed, "a code is cut off"
    assert codes.item(0, 1).text() == "Staff"
    # The list now holds them, not yet enrolled.
    rows = {r[0]: r for r in window.rows()}
    assert rows["Tess Teacher"][1:] == ("Staff", "Invited, not yet enrolled", "Dana DSL")
    assert rows["Ann Admin"][1] == "Administrator"

    # No code was logged or written anywhere; each enrols its own person.
    for slip in made.values():
        assert slip.code not in caplog.text
        assert files_holding(tmp_path, slip.code) == []
    for name, slip in made.items():
        session = context.vault.enrol(slip.code, f"{name.lower()} new passphrase")
        assert session.person.name == name
        session.lock()
    dana = context.vault.unlock("Dana DSL", PASS["Dana DSL"])
    states = {r["name"]: (r["state"], r["asked_for"]) for r in people_rows(dana.directory)}
    dana.lock()
    assert states["Tess Teacher"] == ("admitted", ["staff"])
    assert states["Dawn Deputy"] == ("enrolled", ["dsl", "staff"])
    assert states["Ann Admin"] == ("enrolled", ["admin", "staff"])
    assert "Hattie Both" not in states

    # Closing the window drops every code from it.
    window.reject()
    assert grid.made == [] and grid.codes.rowCount() == 0
    for slip in made.values():
        assert slip.code not in all_text(window)


def test_invitation_slips_one_page_each_with_name_role_code_and_how_to_enrol(
    qtbot: QtBot, context: Any
) -> None:
    school(context.vault)
    window = open_people(qtbot, context, "Dana DSL")
    to_invitations(qtbot, window)
    grid = window.invite_grid
    tray = PaperTray()
    grid.printer = tray
    grid.set_row(0, "Tess Teacher")
    grid.set_row(1, "Hattie <b>Head</b>", frozenset({Role.HEADTEACHER}))
    grid.set_row(2, "Dawn Deputy", frozenset({Role.DSL, Role.ADMIN}))
    with qtbot.waitSignal(window.changed, timeout=30000):
        click(qtbot, grid.invite_button)
    wait_for(qtbot, lambda: not grid.busy.busy)
    assert len(grid.made) == 3

    click(qtbot, grid.print_all_button)
    page, count = tray.printed[-1]
    assert count == 3 and page_count(page) == 3
    document = QTextDocument()
    document.setHtml(page)
    text = document.toPlainText()
    for slip in grid.made:
        assert slip.code in text
    assert "For: Tess Teacher" in text and "Role: Staff: you can report a concern" in text
    assert "For: Hattie <b>Head</b>" in text, "a name prints as typed, never as markup"
    assert "Role: Headteacher" in text
    assert "Role: DSL and administrator" in text
    assert text.count(HOW_TO_ENROL) == 3
    assert text.count("If this slip is lost") == 3 and "Tell Dana DSL" in text
    assert f"School: {SCHOOL}" in text
    assert grid.note.text() == "Printed 3 slips."

    # One person's slip alone: the selected row.
    grid.codes.selectRow(1)
    click(qtbot, grid.print_button)
    page, count = tray.printed[-1]
    assert count == 1 and page_count(page) == 1
    assert grid.made[1].code in page and grid.made[0].code not in page


# -- removing a leaver --------------------------------------------------------------------------


def test_removing_a_leaver_says_what_happens_and_they_cannot_sign_in(
    qtbot: QtBot, context: Any, modals: Any
) -> None:
    school(context.vault)
    window = open_people(qtbot, context, "Dana DSL")
    choose(qtbot, window, "Sam Staff")
    modals.answers.append(NO)
    click(qtbot, window.remove_button)
    title, question = modals.notices[-1]
    assert title == "SafeLog — Remove Sam Staff"
    assert "Sam Staff can no longer sign in." in question
    assert "New cases will not be readable by them" in question
    assert "Cases they could already read are not locked again" in question
    context.vault.unlock("Sam Staff", PASS["Sam Staff"]).lock()  # "No" removed no one

    modals.answers.append(YES)
    with qtbot.waitSignal(window.changed, timeout=30000):
        click(qtbot, window.remove_button)
    assert dict((r[0], r[2]) for r in window.rows())["Sam Staff"] == "Removed"
    assert "Sam Staff has been removed" in window.notice.text()
    assert not window.remove_button.isEnabled()
    with pytest.raises(AccessDenied, match="has been removed"):
        context.vault.unlock("Sam Staff", PASS["Sam Staff"])


# -- restoring access -------------------------------------------------------------------------


def test_restoring_access_with_the_recovery_key(
    qtbot: QtBot, context: Any, modals: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = school(context.vault)
    window = open_people(qtbot, context, "Dana DSL")
    choose(qtbot, window, "Hugh Head")
    other_school = recovery.format_key(recovery.new_secret())
    typo = keys["school"][:-3] + "AAA"
    tray = PaperTray()
    seen: dict[str, Any] = {}

    def launch(dialog: ResetDialog) -> str:
        # Stands in for exec(): the administrator works in the real dialog.
        dialog.printer = tray
        dialog.setStyleSheet(load_style_sheet())
        dialog.show()
        assert dialog.key.echoMode() == QLineEdit.EchoMode.Password
        assert not dialog.reset_button.isEnabled(), "a key is needed"
        for wrong in (other_school, typo):
            dialog.key.clear()
            qtbot.keyClicks(dialog.key, wrong)
            click(qtbot, dialog.reset_button)
            wait_for(qtbot, lambda: dialog.message.isVisible())
            qtbot.waitUntil(lambda: cut_off(dialog) == [], timeout=2000)
            assert wrong not in dialog.message.text()
            seen.setdefault("wrong", []).append(dialog.message.text())
            assert not dialog.result_box.isVisible()
        dialog.key.clear()
        qtbot.keyClicks(dialog.key, keys["school"])
        click(qtbot, dialog.reset_button)
        wait_for(qtbot, lambda: dialog.result_box.isVisible())
        qtbot.waitUntil(lambda: cut_off(dialog) == [], timeout=2000)
        assert dialog.key.text() == "", "the key is gone from the field"
        assert not dialog.message.isVisible()
        seen["shown"] = dialog.code_label.text()
        click(qtbot, dialog.print_button)
        seen["text"] = visible_text(dialog)
        dialog.reject()
        assert dialog.code_label.text() == "" and dialog.key.text() == ""
        return dialog.code

    monkeypatch.setattr(ResetDialog, "launch", launch)
    with qtbot.waitSignal(window.changed, timeout=30000):
        click(qtbot, window.reset_button)

    wrong_other, wrong_typo = seen["wrong"]
    assert "does not belong to this school's SafeLog" in wrong_other
    assert "That recovery key is not valid" in wrong_typo
    code = seen["shown"]
    assert code and code in seen["text"]
    page, count = tray.printed[-1]
    assert count == 1 and code in page and "Hugh Head" in page and "Headteacher" in page
    for key in keys.values():
        assert key not in seen["text"]
        assert all(key not in text for _, text in modals.notices)
    assert dict((r[0], r[2]) for r in window.rows())["Hugh Head"] == "Invited, not yet enrolled"

    # The old passphrase no longer opens anything; the new code does.
    with pytest.raises(AccessDenied, match="has not enrolled"):
        context.vault.unlock("Hugh Head", PASS["Hugh Head"])
    context.vault.enrol(code, "hugh fresh passphrase").lock()
    with pytest.raises(WrongPassphrase):
        context.vault.unlock("Hugh Head", PASS["Hugh Head"])
    context.vault.unlock("Hugh Head", "hugh fresh passphrase").lock()


# -- someone who may not ----------------------------------------------------------------------


def test_staff_are_not_offered_the_window_and_the_vault_refuses_them_anyway(
    qtbot: QtBot, context: Any, modals: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = school(context.vault)
    main = open_main(qtbot, context, "Sam Staff")
    assert not main.people_action.isVisible() and not main.people_button.isVisible()
    main.open_people()  # does nothing for them
    assert modals.notices == []

    # Built anyway and driven directly: every change is the vault's to refuse.
    window = PeopleWindow(context)
    qtbot.addWidget(window)
    window.show()
    assert not window.tabs.isTabVisible(1) and not window.remove_button.isVisible()
    grid = window.invite_grid
    grid.set_row(0, "Mallory Mole", frozenset({Role.DSL}))
    grid.invite()
    wait_for(qtbot, lambda: not grid.busy.busy and modals.notices)
    assert modals.notices[-1] == ("SafeLog — Cannot do that", "Only an administrator can do that.")
    assert grid.made == []

    window.remove_person("Hugh Head")
    wait_for(qtbot, lambda: len(modals.notices) == 2 and not window.busy.busy)
    assert modals.notices[-1][1] == "Only an administrator can do that."

    def launch(dialog: ResetDialog) -> str:
        dialog.show()
        qtbot.keyClicks(dialog.key, keys["school"])
        click(qtbot, dialog.reset_button)
        wait_for(qtbot, lambda: len(modals.notices) == 3 and not dialog.busy.busy)
        dialog.reject()
        return dialog.code

    monkeypatch.setattr(ResetDialog, "launch", launch)
    assert window.reset_person("Dan Deputy") == ""
    assert modals.notices[-1][1] == "Only an administrator can do that."

    dana = context.vault.unlock("Dana DSL", PASS["Dana DSL"])
    names = {r["name"]: r["state"] for r in people_rows(dana.directory)}
    dana.lock()
    assert "Mallory Mole" not in names
    assert names["Hugh Head"] == "enrolled" and names["Dan Deputy"] == "admitted"
    context.vault.unlock("Dan Deputy", PASS["Dan Deputy"]).lock()


def test_the_toolbar_button_opens_the_window_and_the_banner_follows_changes(
    qtbot: QtBot, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    school(context.vault)
    main = open_main(qtbot, context, "Dana DSL")
    assert main.admit_banner_text.text() == "1 person is waiting for you to admit them."
    opened: list[list[str]] = []

    def launch(window: PeopleWindow) -> None:
        window.show()
        opened.append([r[0] for r in window.rows()])
        choose(qtbot, window, "Hugh Head")
        with qtbot.waitSignal(window.changed, timeout=30000):
            window.remove_person("Hugh Head")
        window.reject()

    monkeypatch.setattr(PeopleWindow, "launch", launch)
    click(qtbot, main.people_button)
    assert opened and "Hugh Head" in opened[0]
    # Hugh, who waited to be admitted, has left: no one waits any more.
    assert not main.admit_banner.isVisible()


def test_invite_someone_opens_the_people_window_on_its_invite_tab(
    qtbot: QtBot, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    school(context.vault)
    on_invite_tab: list[bool] = []

    def launch(self: PeopleWindow) -> None:
        on_invite_tab.append(self.tabs.currentWidget() is self.invite_box)

    monkeypatch.setattr(PeopleWindow, "launch", launch)
    window = open_main(qtbot, context, "Dana DSL")
    window.invite_action.trigger()
    window.people_action.trigger()
    assert on_invite_tab == [True, False]
