"""Backups in the app (issue 14): the DSL chooses a folder and backs up now (in the worker);
the inbox warns until a good backup exists, after a failure and after 7 days; the scheduler
backs up daily and at sign-out, on an injected clock; staff are offered none of it."""

# ruff: noqa: F811
from __future__ import annotations

from pathlib import Path

from case_views_support import LOAD_MS, Desk, desk, sqlite_only, unnamed_controls  # noqa: F401
from pytestqt.qtbot import QtBot

from safelog.backup.check import check_backup
from safelog.backup.schedule import backups_in, load_plan, set_plan
from safelog.domain.roles import Role
from safelog.gui.backup_scheduler import BackupScheduler, backup_warning
from safelog.gui.backups_window import BackupsDialog
from safelog.gui.inbox import InboxView
from safelog.gui.records_menu import offered


def test_backups_are_offered_to_the_dsl_and_admin_only() -> None:
    labels = {r: [e.label for e in offered(frozenset({r}))] for r in Role}
    assert "&Backups…" in labels[Role.DSL] and "&Backups…" in labels[Role.ADMIN]
    assert "&Backups…" not in labels[Role.STAFF]


@sqlite_only
def test_choose_a_folder_and_back_up_now(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    dana = desk.sign_in("Dana DSL")
    usb = tmp_path / "usb"
    usb.mkdir()
    dialog = BackupsDialog(dana)
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_controls(dialog) == []
    assert "No backups are made on this PC" in dialog.status.text()
    dialog.folder.setText(str(tmp_path / "not-there"))
    dialog.back_up()
    assert "There is no folder" in dialog.error.text() and dialog.error.isVisible()
    dialog.folder.setText(str(usb))
    dialog.keep.setValue(3)
    dialog.back_up()
    assert dialog.now_button.text() == "Backing up…" and not dialog.now_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.now_button.isEnabled(), timeout=LOAD_MS * 4)
    [made] = backups_in(usb)
    _report, opened = check_backup(made)
    opened.close()
    assert "Last good backup" in dialog.status.text() and made.name in dialog.status.text()
    assert not dialog.error.isVisible()
    assert load_plan(dana.vault.data_dir).keep == 3


@sqlite_only
def test_the_inbox_warns_until_a_backup_then_after_a_failure_and_after_a_week(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    dana = desk.sign_in("Dana DSL")
    inbox = InboxView(dana)
    qtbot.addWidget(inbox)
    inbox.show()
    qtbot.waitUntil(lambda: inbox.data is not None, timeout=LOAD_MS)
    assert inbox.backups.isVisible() and "No backups are made" in inbox.backups.text()
    assert backup_warning(desk.sign_in("Sam Staff")) == ""  # not for staff

    usb = tmp_path / "usb"
    usb.mkdir()
    set_plan(dana.vault.data_dir, str(usb), daily=True, at_sign_out=True, keep=5)
    scheduler = BackupScheduler(dana, every_ms=60_000)
    assert scheduler.tick()  # never made: due now
    qtbot.waitUntil(lambda: bool(scheduler.made), timeout=LOAD_MS * 4)
    qtbot.waitUntil(lambda: not inbox.backups.isVisible(), timeout=LOAD_MS)
    assert not scheduler.tick()  # made today

    desk.clock.advance(days=8)
    usb.rename(tmp_path / "unplugged")
    assert scheduler.tick()
    qtbot.waitUntil(lambda: bool(scheduler.failures), timeout=LOAD_MS * 4)
    qtbot.waitUntil(lambda: "failed" in inbox.backups.text(), timeout=LOAD_MS)
    assert inbox.backups.isVisible()
    assert not scheduler.tick()  # not retried at once


@sqlite_only
def test_a_backup_at_sign_out(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    dana = desk.sign_in("Dana DSL")
    usb = tmp_path / "usb"
    usb.mkdir()
    set_plan(dana.vault.data_dir, str(usb), daily=False, at_sign_out=True, keep=5)
    scheduler = BackupScheduler(dana, every_ms=60_000)
    assert not scheduler.tick()  # daily is off
    dana.session.lock()  # type: ignore[union-attr]
    dana.session = None
    dana.events.locked.emit()
    qtbot.waitUntil(lambda: bool(scheduler.made), timeout=LOAD_MS * 4)
    assert backups_in(usb) == [scheduler.made[0].path]
    # Audited at the next sign-in, since nobody was signed in to sign it.
    assert any(p.suffix == ".json" for p in (dana.vault.data_dir / "pending-audit").iterdir())
