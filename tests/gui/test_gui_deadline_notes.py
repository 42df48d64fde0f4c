"""Deadline notes in the History tab: once the (injected) clock passes a deadline that is still
open, SafeLog's note appears among the signed versions, in time order and marked as SafeLog's;
not before. Recording the route late turns it into "recorded as done ... after its deadline"."""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, desk, lock, shown_text, sqlite_only  # noqa: F401
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from safelog.gui.workspace import CaseWorkspace
from safelog.gui.workspace.history import NOTED_BY, HistoryPanel
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.workspace import add_action, record_escalation

pytestmark = sqlite_only

LADO_OPEN = (
    "The LADO referral deadline (within 1 working day) passed on Mon 23 Nov 18:00 without it "
    "being recorded as done."
)


@pytest.fixture
def disclosure(school: Any, clock: Any) -> str:
    """Friday 20 November 2026, 10:00: a pupil discloses online abuse by a member of staff.
    The DSL records it (the DSL route is done) and tells the headteacher at once; the LADO
    must be told within one working day, by 18:00 on Monday."""
    clock.now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    dana = school.unlock("Dana DSL")
    reference = add_case(
        dana,
        CaseInput.from_json(
            {
                "category": "online-abuse-disclosure",
                "summary": "Pupil says a teacher messaged her privately",
                "description": "Disclosed to her form tutor this morning.",
                "subjects": ["Tess Teacher"],
            }
        ),
    )
    record_escalation(dana, reference, "headteacher", told="Hugh Head", how="In person")
    dana.lock()
    return str(reference)


def open_history(qtbot: QtBot, context: Any, reference: str) -> tuple[CaseWorkspace, HistoryPanel]:
    workspace = CaseWorkspace(context)
    qtbot.addWidget(workspace)
    workspace.resize(1200, 800)
    workspace.show()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(reference)
    history = workspace.history_panel
    workspace.tabs.setCurrentWidget(history)
    return workspace, history


def rows(history: HistoryPanel) -> list[list[str]]:
    table = history.table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def note_rows(history: HistoryPanel) -> list[list[str]]:
    return [row for row in rows(history) if row[2] == NOTED_BY]


def test_a_note_appears_once_the_clock_passes_the_deadline_and_not_before(
    qtbot: QtBot, desk: Desk, school: Any, disclosure: str, clock: Any
) -> None:
    dsl = desk.sign_in("Dana DSL")
    workspace, history = open_history(qtbot, dsl, disclosure)
    versions = len(workspace.detail.versions)  # type: ignore[union-attr]
    assert versions == 2
    assert note_rows(history) == []

    # Monday 17:59 (GMT in November): still in time.
    clock.now = datetime(2026, 11, 23, 17, 59, tzinfo=UTC)
    history.refresh_notes()
    assert note_rows(history) == []
    assert "passed" not in shown_text(history)

    # Monday 18:01: the deadline has passed. The panel follows the clock by itself.
    clock.now = datetime(2026, 11, 23, 18, 1, tzinfo=UTC)
    history._clock_timer.setInterval(20)
    qtbot.waitUntil(lambda: note_rows(history) != [], timeout=LOAD_MS)
    assert note_rows(history) == [["Note", "23/11/2026 18:00", NOTED_BY, LADO_OPEN]]
    assert history.table.rowCount() == versions + 1
    assert history.count() == versions, "the tab counts signed versions only"

    # Marked as SafeLog's, not a signed entry by a person.
    row = len(rows(history)) - 1
    first = history.table.item(row, 0)
    assert first.font().italic()
    assert first.data(Qt.ItemDataRole.AccessibleTextRole) == "Note by SafeLog"
    history.table.selectRow(row)
    details = history.details.toPlainText()
    assert details.startswith("Note by SafeLog, 23/11/2026 18:00")
    assert LADO_OPEN in details and "not a signed entry by a person" in details
    history.select_version(1)
    assert history.details.toPlainText().startswith("Version 1, 20/11/2026 10:00, by Dana DSL")

    # Tuesday morning the DSL records the referral: the note now says how late it was, and
    # the signed version that recorded it follows the note in time order.
    clock.now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    dana = school.unlock("Dana DSL")
    record_escalation(dana, disclosure, "lado", told="LADO duty desk", reference_number="L-1")
    dana.lock()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        dsl.events.cases_changed.emit(disclosure)
    shown = rows(history)
    assert [r[0] for r in shown] == ["1", "2", "Note", "3"]
    assert shown[2][3] == (
        "The LADO referral deadline (within 1 working day) passed on Mon 23 Nov 18:00; it was "
        "recorded as done 15 hours after its deadline."
    )

    # On lock the notes go with everything else.
    lock(dsl)
    assert history.table.rowCount() == 0 and history.entries == []


def test_an_overdue_action_is_noted_and_a_not_needed_route_is_not(
    qtbot: QtBot, desk: Desk, school: Any, disclosure: str, clock: Any
) -> None:
    from datetime import date

    dana = school.unlock("Dana DSL")
    record_escalation(dana, disclosure, "lado", not_needed_reason="LADO advised: below threshold")
    add_action(dana, disclosure, "Speak to the pupil's parents", "Dana DSL", date(2026, 11, 24))
    dana.lock()
    clock.now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # Wednesday morning

    dsl = desk.sign_in("Dana DSL")
    _workspace, history = open_history(qtbot, dsl, disclosure)
    assert [r[3] for r in note_rows(history)] == [
        "The deadline for the action “Speak to the pupil's parents” passed at the end of "
        "Tue 24 Nov without it being recorded as done."
    ]
    assert "LADO" not in "\n".join(r[3] for r in note_rows(history))
    # Time order: the note (end of Tuesday) after every version made on Friday.
    assert [r[0] for r in rows(history)][-1] == "Note"
