"""Knowing something arrived (gui/arrivals.py): a concern reported on another PC sharing the
database reaches the DSL's inbox with nobody touching anything; the desktop says "New
safeguarding concern" and nothing of what it is; a tray badge counts what is not yet looked
at; nobody else is told; nothing is asked while SafeLog is locked; a beep only when chosen.

The other PC is a second Vault object on the same SQLite file, with its own engine."""

# Fixtures imported from the support modules are used as test arguments, which ruff reads
# as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, desk, lock, shown_text, sqlite_only  # noqa: F401
from gui_support import modals, wait_for  # noqa: F401
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from pytestqt.qtbot import QtBot
from support.school import PASSPHRASES

from safelog.domain.categories import category_by_code
from safelog.gui import arrivals
from safelog.gui.arrivals import ArrivalWatcher, arrival_text, badge_icon, waiting_text
from safelog.gui.main_window import MainWindow
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, update_case
from safelog.vault.vault import Vault

TICK_MS = 100
CATEGORY = "cyberbullying-pupil"
SUMMARY = "Messages about a pupil in the year group chat"


def report(summary: str = SUMMARY) -> CaseInput:
    return CaseInput.from_json(
        {"category": CATEGORY, "summary": summary, "description": "Screenshots were shown."}
    )


class Desktop:
    """What the desktop was asked to show or sound."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self.alerts = 0
        self.beeps = 0


@pytest.fixture
def desktop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Desktop:
    seen = Desktop()

    def show_message(_tray: QSystemTrayIcon, title: str, text: str, *_args: Any) -> None:
        seen.messages.append((title, text))

    def alert(*_args: Any) -> None:
        seen.alerts += 1

    def beep() -> None:
        seen.beeps += 1

    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(QSystemTrayIcon, "showMessage", show_message)
    monkeypatch.setattr(QApplication, "alert", staticmethod(alert))
    monkeypatch.setattr(QApplication, "beep", staticmethod(beep))
    # This PC's preferences, in a file of the test's own.
    path = str(tmp_path / "pc-preferences.ini")
    monkeypatch.setattr(
        arrivals, "pc_preferences", lambda: QSettings(path, QSettings.Format.IniFormat)
    )
    return seen


@pytest.fixture
def other_pc(school: Any, clock: Any) -> Iterator[Vault]:
    vault = Vault(school.vault.data_dir, school.vault.url, clock=clock)
    yield vault
    vault.close()


def sign_in_elsewhere(other_pc: Vault, name: str) -> Any:
    return other_pc.unlock(name, PASSPHRASES[name])


def open_window(qtbot: QtBot, desk: Desk, name: str) -> MainWindow:
    context = desk.sign_in(name)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.arrivals.set_interval(TICK_MS)
    wait_for(qtbot, lambda: window.arrivals.mark is not None, LOAD_MS)
    return window


def open_dsl_window(qtbot: QtBot, desk: Desk) -> MainWindow:
    window = open_window(qtbot, desk, "Dana DSL")
    wait_for(qtbot, lambda: window.arrivals.seen is not None, LOAD_MS)  # the inbox loaded
    window.activateWindow()
    wait_for(qtbot, lambda: QApplication.activeWindow() is window, 5000)
    return window


def new_in_inbox(window: MainWindow) -> list[str]:
    return window.nav["inbox"].new_list.visible_references()


@sqlite_only
def test_a_concern_reported_elsewhere_reaches_the_inbox_and_says_nothing_of_itself(
    qtbot: QtBot, desk: Desk, other_pc: Vault, desktop: Desktop
) -> None:
    window = open_dsl_window(qtbot, desk)
    assert window.arrivals.tray is not None and window.arrivals.tray.isVisible()
    assert new_in_inbox(window) == []

    sam = sign_in_elsewhere(other_pc, "Sam Staff")
    reference = add_case(sam, report())
    # No click, no key: the watcher's next ticks bring it in.
    wait_for(qtbot, lambda: reference in new_in_inbox(window), LOAD_MS)
    wait_for(qtbot, lambda: desktop.messages, LOAD_MS)
    assert desktop.messages == [("SafeLog", "New safeguarding concern")]
    assert desktop.alerts == 1
    assert desktop.beeps == 0, "no sound unless it was turned on"
    assert not window.arrivals.waiting, "it arrived in front of them: nothing waits"

    # Nothing of the concern on the desktop: not its reference, category or words.
    bar = window.statusBar().currentMessage()
    on_screen = [window.arrivals.tray.toolTip(), window.windowTitle(), bar]
    told = " ".join([*(t for m in desktop.messages for t in m), *on_screen])
    label = category_by_code(CATEGORY).title
    for secret in (reference, reference.split("-")[-1], CATEGORY, label, SUMMARY, "Messages"):
        assert secret not in told

    # Nothing else changed: no second notification for the same concern.
    qtbot.wait(TICK_MS * 5)
    assert len(desktop.messages) == 1
    sam.lock()


@sqlite_only
def test_the_badge_counts_what_is_not_yet_looked_at_and_clears_when_viewed(
    qtbot: QtBot, desk: Desk, other_pc: Vault, desktop: Desktop
) -> None:
    window = open_dsl_window(qtbot, desk)
    watcher = window.arrivals
    tray = watcher.tray
    assert tray is not None and tray.toolTip() == "SafeLog"
    window.tabs.setCurrentWidget(window.nav["all-cases"])  # the inbox out of sight
    plain = tray.icon().pixmap(64, 64).toImage()

    sam = sign_in_elsewhere(other_pc, "Sam Staff")
    first = add_case(sam, report())
    wait_for(qtbot, lambda: len(watcher.waiting) == 1, LOAD_MS)
    assert tray.toolTip() == "SafeLog: 1 new concern not yet looked at"
    assert tray.icon().pixmap(64, 64).toImage() != plain, "the number is drawn on the icon"
    # The "All cases" list on screen followed too.
    wait_for(qtbot, lambda: first in window.nav["all-cases"].visible_references(), LOAD_MS)

    second = add_case(sam, report("Another one"))
    wait_for(qtbot, lambda: len(watcher.waiting) == 2, LOAD_MS)
    assert tray.toolTip() == "SafeLog: 2 new concerns not yet looked at"
    assert set(new_in_inbox(window)) == {first, second}, "the hidden inbox was kept current"

    # Opening one of them counts as looking at it.
    window.nav["all-cases"].open_case.emit(first)
    assert watcher.waiting == {second}
    assert tray.toolTip() == "SafeLog: 1 new concern not yet looked at"

    window.tabs.setCurrentWidget(window.nav["inbox"])  # looking at the inbox
    wait_for(qtbot, lambda: not watcher.waiting, 5000)
    assert tray.toolTip() == "SafeLog"
    assert tray.icon().pixmap(64, 64).toImage() == plain
    window.context.runner.wait()
    sam.lock()


@sqlite_only
def test_without_a_system_tray_the_window_says_so(
    qtbot: QtBot, desk: Desk, other_pc: Vault, desktop: Desktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    window = open_dsl_window(qtbot, desk)
    assert window.arrivals.tray is None
    title = window.windowTitle()
    window.tabs.setCurrentWidget(window.nav["all-cases"])

    sam = sign_in_elsewhere(other_pc, "Sam Staff")
    reference = add_case(sam, report())
    wait_for(qtbot, lambda: window.statusBar().currentMessage() == "New safeguarding concern")
    assert window.windowTitle() == f"{title} (1 new)"
    assert reference not in window.windowTitle()
    assert desktop.alerts == 1 and desktop.messages == []

    window.tabs.setCurrentWidget(window.nav["inbox"])
    wait_for(qtbot, lambda: window.windowTitle() == title, 5000)
    sam.lock()


@sqlite_only
def test_staff_and_the_head_are_not_told_but_their_lists_follow(
    qtbot: QtBot, desk: Desk, other_pc: Vault, desktop: Desktop
) -> None:
    sams_window = open_window(qtbot, desk, "Sam Staff")
    heads_window = open_window(qtbot, desk, "Hugh Head")
    for window in (sams_window, heads_window):
        assert window.arrivals.tray is None
        assert not window.arrivals.sound_action.isVisible()
    my_reports = sams_window.nav["my-reports"].list
    heads_cases = heads_window.nav["cases"]

    # Sam reports on the other PC: it appears in Sam's own list here.
    sam = sign_in_elsewhere(other_pc, "Sam Staff")
    reference = add_case(sam, report())
    wait_for(qtbot, lambda: reference in my_reports.visible_references(), LOAD_MS)
    # A DSL elsewhere takes it to leadership: the head's list here shows it.
    dana = sign_in_elsewhere(other_pc, "Dana DSL")
    update_case(dana, reference, {"escalated_to_leadership": True})
    wait_for(qtbot, lambda: reference in heads_cases.visible_references(), LOAD_MS)

    assert desktop.messages == [] and desktop.alerts == 0 and desktop.beeps == 0
    for window in (sams_window, heads_window):
        assert not window.arrivals.waiting
        assert reference not in window.windowTitle()
    sam.lock()
    dana.lock()


@sqlite_only
def test_nothing_is_asked_while_locked(
    qtbot: QtBot,
    desk: Desk,
    other_pc: Vault,
    desktop: Desktop,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from safelog.vault import case_changes

    asked: list[int] = []
    real = case_changes.cases_mark

    def counted(session: Any) -> Any:
        asked.append(1)
        return real(session)

    monkeypatch.setattr(case_changes, "cases_mark", counted)
    window = open_dsl_window(qtbot, desk)
    wait_for(qtbot, lambda: len(asked) >= 3, LOAD_MS)  # it was asking, tick after tick
    changes: list[str] = []
    window.context.events.cases_changed.connect(changes.append)

    lock(window.context)
    assert not window.arrivals.running
    assert window.arrivals.tray is None, "no tray icon over a locked SafeLog"
    assert window.arrivals.seen is None and not window.arrivals.waiting
    window.context.runner.wait()
    asked.clear()
    sam = sign_in_elsewhere(other_pc, "Sam Staff")
    add_case(sam, report())
    qtbot.wait(TICK_MS * 8)
    assert asked == []
    assert changes == []
    assert desktop.messages == [] and desktop.alerts == 0
    sam.lock()


@sqlite_only
def test_a_beep_only_when_turned_on_for_this_pc(
    qtbot: QtBot, desk: Desk, other_pc: Vault, desktop: Desktop
) -> None:
    window = open_dsl_window(qtbot, desk)
    menu = window.menuBar().actions()[0].menu()
    assert window.menuBar().actions()[0].text() == "&SafeLog"
    sound = next(a for a in menu.actions() if a.text() == "Sound when a concern arrives")
    assert sound.isVisible() and sound.isCheckable() and not sound.isChecked(), "off by default"

    sam = sign_in_elsewhere(other_pc, "Sam Staff")
    add_case(sam, report())
    wait_for(qtbot, lambda: len(desktop.messages) == 1, LOAD_MS)
    assert desktop.beeps == 0

    sound.trigger()
    assert sound.isChecked()
    add_case(sam, report("Another one"))
    wait_for(qtbot, lambda: len(desktop.messages) == 2, LOAD_MS)
    assert desktop.beeps == 1

    # Kept on this PC: the next window opened here starts with it on.
    assert arrivals.sound_wanted(arrivals.pc_preferences())
    again = ArrivalWatcher(window.context, window)
    assert again.sound_action.isChecked()
    sam.lock()


def test_the_words_and_the_badge() -> None:
    assert arrival_text(1) == "New safeguarding concern"
    assert arrival_text(3) == "3 new safeguarding concerns"
    assert waiting_text(0) == "SafeLog"
    assert waiting_text(2) == "SafeLog: 2 new concerns not yet looked at"
    plain = badge_icon(QIcon(), 0).pixmap(64, 64).toImage()
    badged = badge_icon(QIcon(), 3).pixmap(64, 64).toImage()
    assert plain.pixelColor(5, 60) == badged.pixelColor(5, 60), "the icon itself is kept"
    assert plain.pixelColor(52, 6) != QColor("#c50f1f")
    disc = badged.pixelColor(42, 4)  # inside the red disc, clear of the number
    assert disc.red() > 150 and disc.green() < 60, "a red disc at the top right"
    assert badge_icon(QIcon(), 12).pixmap(64, 64).toImage() != badged


@sqlite_only
def test_a_database_out_of_reach_is_asked_again_and_a_fault_noted_once(
    qtbot: QtBot,
    desk: Desk,
    other_pc: Vault,
    desktop: Desktop,
    modals: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from sqlalchemy.exc import OperationalError

    from safelog.vault import case_changes

    real = case_changes.cases_mark
    failure: list[BaseException] = []
    asked: list[int] = []

    def flaky(session: Any) -> Any:
        asked.append(1)
        if failure:
            raise failure[0]
        return real(session)

    monkeypatch.setattr(case_changes, "cases_mark", flaky)
    window = open_dsl_window(qtbot, desk)

    # The shared server drops out for a while: nothing shown, nothing logged, still asking.
    failure.append(OperationalError("SELECT", {}, Exception("server closed the connection")))
    asked.clear()
    wait_for(qtbot, lambda: len(asked) >= 3, LOAD_MS)
    assert window.arrivals.running
    assert modals.notices == [] and modals.crashes == []
    assert not list((tmp_path / "home").rglob("faults.log"))

    # Back again: what was reported meanwhile arrives.
    sam = sign_in_elsewhere(other_pc, "Sam Staff")
    reference = add_case(sam, report())
    failure.clear()
    wait_for(qtbot, lambda: reference in new_in_inbox(window), LOAD_MS)
    wait_for(qtbot, lambda: desktop.messages == [("SafeLog", "New safeguarding concern")])

    # A fault of SafeLog's own (not the database): noted once in the local log, no box.
    modals.expect_crash = True
    failure.append(RuntimeError("a bug"))
    asked.clear()
    wait_for(qtbot, lambda: len(asked) >= 3, LOAD_MS)
    window.context.runner.wait()
    logs = list((tmp_path / "home").rglob("faults.log"))
    assert len(logs) == 1 and logs[0].read_text().count("RuntimeError") == 1
    assert modals.crashes == [] and window.arrivals.running
    sam.lock()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_on_a_shared_server_a_concern_arrives_at_once_not_at_the_next_poll(
    qtbot: QtBot, desk: Desk, other_pc: Vault, desktop: Desktop
) -> None:
    """PostgreSQL tells every PC of a write to a case (LISTEN/NOTIFY): with the poll set
    to ten minutes, the concern still reaches the inbox within moments."""
    window = open_dsl_window(qtbot, desk)
    watcher = window.arrivals
    watcher.set_interval(600_000)
    assert watcher.listener is not None
    wait_for(qtbot, watcher.listener.listening.is_set, LOAD_MS)
    sam = sign_in_elsewhere(other_pc, "Sam Staff")
    reference = add_case(sam, report())
    wait_for(qtbot, lambda: reference in new_in_inbox(window), LOAD_MS)
    assert desktop.messages == [("SafeLog", "New safeguarding concern")]
    sam.lock()
    watcher.stop()
    assert watcher.listener is None
