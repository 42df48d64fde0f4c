"""After SafeLog is updated on a PC (issue 16), the DSL's inbox says so once: the version, the
schema upgrade and the copy made before it. Staff are not told; a second sign-in is not."""

# ruff: noqa: F811
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from case_views_support import LOAD_MS, Desk, desk, sqlite_only  # noqa: F401
from pytestqt.qtbot import QtBot

from safelog.gui.inbox import InboxView
from safelog.store.engine import SCHEMA_HEAD, SchemaUpgrade
from safelog.vault import upgrade_notice


def _inbox(qtbot: QtBot, context: object) -> InboxView:
    inbox = InboxView(context)  # type: ignore[arg-type]
    qtbot.addWidget(inbox)
    inbox.show()
    qtbot.waitUntil(lambda: inbox.data is not None, timeout=LOAD_MS)
    return inbox


@sqlite_only
def test_the_dsl_is_told_of_the_update_once(qtbot: QtBot, desk: Desk) -> None:
    data: Path = desk.school.vault.data_dir
    backup = data / "safelog.db.before-0006_transfers.bak"
    upgrade_notice.note_opened(
        data,
        "0.2.0",
        datetime(2026, 12, 4, 8, 15, tzinfo=UTC),
        SchemaUpgrade("0006_transfers", SCHEMA_HEAD, backup),
    )
    dana = desk.sign_in("Dana DSL")
    inbox = _inbox(qtbot, dana)
    assert inbox.update_notice.isVisible()
    text = inbox.update_notice.text()
    assert text.startswith("SafeLog 0.2.0 (updated from 0.1.0) upgraded the vault's database")
    assert f"from schema 0006_transfers to {SCHEMA_HEAD}" in text and backup.name in text
    inbox.refresh()  # still there for the rest of this sign-in
    qtbot.waitUntil(lambda: inbox.data is not None, timeout=LOAD_MS)
    assert inbox.update_notice.isVisible() and inbox.update_notice.text() == text
    inbox.clear()  # locked
    assert not inbox.update_notice.isVisible()

    again = _inbox(qtbot, desk.sign_in("Dana DSL"))
    assert not again.update_notice.isVisible()  # told once


@sqlite_only
def test_staff_are_not_told(qtbot: QtBot, desk: Desk) -> None:
    data: Path = desk.school.vault.data_dir
    upgrade_notice.note_opened(data, "0.2.0", datetime(2026, 12, 4, 8, 15, tzinfo=UTC), None)
    inbox = _inbox(qtbot, desk.sign_in("Sam Staff"))
    assert not inbox.update_notice.isVisible()
    staff_id = desk.school.ids["Sam Staff"]
    assert upgrade_notice.pending(data, staff_id) is not None  # nothing marked for them
