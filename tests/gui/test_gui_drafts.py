"""Half-written work kept for its writer (issue 11, "A draft survives a lock"): a report or
a case entry typed when SafeLog locks, quits or crashes comes back to the same person when
they sign in again on the PC, sealed on disk in between, never to anyone else, and a draft
planted in the folder by someone else is not offered."""

# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gui_support import modals, wait_for  # noqa: F401
from pytestqt.qtbot import QtBot
from shared_pc_support import (  # noqa: F401
    LOAD_MS,
    SECRET,
    app,
    files_holding,
    open_report_form,
    shown_windows,
    sign_in,
    start_report,
)
from support.school import PASSPHRASES

from safelog.gui.app import AppController
from safelog.gui.idle_lock import lock_session

ENTRY = "Spoke to Jamie's mother at 15:40; she has the screenshots too."
REASON = "Jamie is safe at home tonight; police not needed yet."


def drafts(data_dir: Path) -> list[Path]:
    folder = data_dir / "drafts"
    return sorted(folder.glob("*.draft")) if folder.is_dir() else []


def test_an_idle_lock_mid_report_hides_everything_at_once_and_keeps_the_draft(
    qtbot: QtBot,
    app: AppController,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    data_dir: Path,
) -> None:
    window = sign_in(qtbot, app, "Dana DSL")
    asked: list[list[str]] = []
    start_report(qtbot, window, monkeypatch, asked)

    clock.advance(minutes=6)
    assert app.watcher is not None and app.watcher.check()  # the idle lock fires
    # At once, with no question asked: only the sign-in window is on screen.
    assert asked == [], f"the lock asked 'Discard this report?' with {asked[0]} on screen"
    assert shown_windows() == [app.sign_in]
    wait_for(qtbot, lambda: app.main_window is None)
    # Kept on disk for its writer, sealed: neither the words nor the writer's name are there.
    assert len(drafts(data_dir)) == 1
    assert files_holding(tmp_path, SECRET) == [], "the draft reached the disk in the clear"
    assert files_holding(data_dir / "drafts", "Dana") == []

    # The same person signs in again: the report is back as it was left.
    window = sign_in(qtbot, app, "Dana DSL")
    wait_for(qtbot, lambda: open_report_form(window) is not None)
    dialog = open_report_form(window)
    assert dialog.summary.text() == SECRET
    assert dialog.description.toPlainText() == "He showed me the messages at lunch."
    assert dialog.category.currentData() == "cyberbullying-pupil"
    assert dialog.person_name.text() == "Jamie Pupil"
    assert "You had not sent this report" in dialog.draft_notice.text()
    assert dialog.draft_notice.isVisible()
    assert app.context is not None and app.context.draft is None
    assert asked == []


def test_a_draft_waits_for_its_writer_and_is_never_shown_to_the_next_person(
    qtbot: QtBot,
    app: AppController,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
) -> None:
    window = sign_in(qtbot, app, "Sam Staff")
    asked: list[list[str]] = []
    start_report(qtbot, window, monkeypatch, asked)
    assert app.context is not None
    lock_session(app.context)  # Ctrl+L, or the Lock button
    assert asked == []
    assert shown_windows() == [app.sign_in]
    assert len(drafts(data_dir)) == 1

    window = sign_in(qtbot, app, "Tess Teacher")
    qtbot.wait(100)
    assert open_report_form(window) is None, "Tess was shown Sam's report"
    assert app.context.session is not None
    assert app.context.drafts().mine(app.context.session) == []
    lock_session(app.context)

    window = sign_in(qtbot, app, "Sam Staff")
    wait_for(qtbot, lambda: open_report_form(window) is not None)
    dialog = open_report_form(window)
    assert dialog.summary.text() == SECRET


def test_a_report_kept_while_writing_survives_a_crash_and_goes_once_sent(
    qtbot: QtBot,
    app: AppController,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    clock: Any,
) -> None:
    from safelog.gui.context import SessionEvents
    from safelog.gui.worker import Runner

    window = sign_in(qtbot, app, "Sam Staff")
    dialog = start_report(qtbot, window, monkeypatch, [])
    dialog.drafts.autosave.timeout.emit()  # the every-15-seconds keep
    assert len(drafts(data_dir)) == 1
    dialog.drafts.autosave.timeout.emit()  # nothing changed: the same file, not a second one
    assert len(drafts(data_dir)) == 1

    # The power goes: no lock, no goodbye. SafeLog starts again on the same folder.
    dialog.hide()
    window.hide()
    app.sign_in.hide()
    restarted = AppController(str(data_dir), Runner(), SessionEvents(), clock=clock)
    qtbot.addWidget(restarted.sign_in)
    restarted.start()
    try:
        window = sign_in(qtbot, restarted, "Sam Staff")
        wait_for(qtbot, lambda: open_report_form(window) is not None)
        again = open_report_form(window)
        assert again.summary.text() == SECRET
        again.submit()
        wait_for(qtbot, lambda: again.reference is not None, LOAD_MS)
        assert drafts(data_dir) == [], "a sent report's draft stayed on the PC"
    finally:
        restarted.runner.wait()
        restarted.shutdown()


def test_discarding_a_report_removes_its_draft(
    qtbot: QtBot, app: AppController, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    from safelog.gui.report_form import ReportConcernDialog

    window = sign_in(qtbot, app, "Sam Staff")
    dialog = start_report(qtbot, window, monkeypatch, [])
    dialog.drafts.autosave.timeout.emit()
    assert len(drafts(data_dir)) == 1
    monkeypatch.setattr(ReportConcernDialog, "confirm_discard", lambda self: True)
    dialog.reject()
    assert drafts(data_dir) == []


def test_a_planted_or_damaged_draft_is_not_offered(
    qtbot: QtBot,
    app: AppController,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    modals: Any,
) -> None:
    """Sam's public key is public: anyone can seal words to it. A draft not made by Sam's own
    SafeLog (so without the tag only Sam's private key gives) must not fill Sam's form."""
    from safelog.vault.drafts import MAGIC, REPORT, DraftKeys, DraftStore
    from safelog.vault.vault import Vault

    other = Vault(data_dir)
    try:
        sam = other.unlock("Sam Staff", PASSPHRASES["Sam Staff"])
        public = sam.identity.x25519.public_key()
        forged = DraftKeys(sam.user_id, public, b"\x00" * 32)  # the right key, a guessed tag key
        store = DraftStore(data_dir / "drafts")
        store.keep(forged, REPORT, {"summary": "Planted words", "category": "other"})
        real = store.keep(DraftKeys.of(sam), REPORT, {"summary": SECRET})
        sam.lock()
    finally:
        other.close()
    # The real draft damaged on disk: one byte changed in its sealed part.
    path = data_dir / "drafts" / f"{real}.draft"
    raw = bytearray(path.read_bytes())
    raw[len(MAGIC) + 40] ^= 1
    path.write_bytes(bytes(raw))

    window = sign_in(qtbot, app, "Sam Staff")
    qtbot.wait(150)
    assert open_report_form(window) is None
    assert len(drafts(data_dir)) == 2, "drafts that do not open are left alone, not deleted"
    assert modals.notices == []


def test_drafts_not_opened_for_thirty_days_are_deleted(
    qtbot: QtBot,
    app: AppController,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    clock: Any,
) -> None:
    window = sign_in(qtbot, app, "Sam Staff")
    start_report(qtbot, window, monkeypatch, [])
    assert app.context is not None
    lock_session(app.context)
    assert len(drafts(data_dir)) == 1
    clock.advance(days=31)  # Sam left at the end of term
    window = sign_in(qtbot, app, "Tess Teacher")
    qtbot.wait(50)
    assert drafts(data_dir) == []


def test_an_entry_typed_into_a_case_comes_back_after_a_lock(
    qtbot: QtBot, app: AppController, data_dir: Path
) -> None:
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case
    from safelog.vault.vault import Vault

    other = Vault(data_dir)
    try:
        sam = other.unlock("Sam Staff", PASSPHRASES["Sam Staff"])
        reference = add_case(
            sam,
            CaseInput.from_json(
                {"category": "cyberbullying-pupil", "summary": "Comments", "description": "x"}
            ),
        )
        sam.lock()
    finally:
        other.close()

    window = sign_in(qtbot, app, "Dana DSL")
    window.open_case(reference)
    workspace = window.workspaces[reference]
    wait_for(qtbot, lambda: workspace.view is not None, LOAD_MS)
    workspace.chronology_panel.text.setPlainText(ENTRY)
    workspace.decisions_panel.reason.setPlainText(REASON)
    assert app.context is not None
    lock_session(app.context)
    wait_for(qtbot, lambda: app.main_window is None)
    assert len(drafts(data_dir)) == 1
    assert files_holding(data_dir, "Jamie's mother") == []

    # Someone else signing in on the PC gets nothing of what Dana typed.
    window = sign_in(qtbot, app, "Hugh Head")
    qtbot.wait(150)
    assert window.workspaces == {}
    assert app.context.session is not None
    assert app.context.drafts().mine(app.context.session) == []
    lock_session(app.context)

    # Dana signs in: the case opens by itself with her words back in their boxes.
    window = sign_in(qtbot, app, "Dana DSL")
    wait_for(qtbot, lambda: reference in window.workspaces, LOAD_MS)
    workspace = window.workspaces[reference]
    wait_for(qtbot, lambda: workspace.chronology_panel.text.toPlainText() == ENTRY, LOAD_MS)
    assert workspace.decisions_panel.reason.toPlainText() == REASON
    note = workspace.put_back_note.text()
    assert "Chronology and Decisions" in note
    assert drafts(data_dir) == [], "put back on screen, so no longer kept on disk"

    # Closing the tab with the words still unadded keeps them again.
    window.close_tab(window.tabs.indexOf(workspace))
    assert len(drafts(data_dir)) == 1
