"""Reports… in the app (issue 15 point 3): offered to the DSL, the headteacher and the chair,
not to staff or admin; the dates start at this term (governors) or the last twelve months
(inspection); saving makes the signed PDF and the CSV in the worker and says what it saved;
a reversed period and a refused person are told in plain words."""

# ruff: noqa: F811
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from case_views_support import LOAD_MS, Desk, desk, sqlite_only, unnamed_controls  # noqa: F401
from gui_support import cut_off
from pytestqt.qtbot import QtBot
from support.report_cases import END, SCHOOL_START, START, build_report_cases
from support.school import Clock

from safelog.domain.roles import Role
from safelog.gui.app import load_style_sheet
from safelog.gui.records_menu import offered
from safelog.gui.reports_window import INSPECTION, ReportsDialog


@pytest.fixture
def clock() -> Clock:
    return Clock(SCHOOL_START)


def test_reports_are_offered_to_those_who_manage_cases_only() -> None:
    def names(role: Role) -> list[str]:
        return [w.name for w in offered(frozenset({role}))]

    for role in (Role.DSL, Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO):
        assert names(role).count("ReportsDialog") == 1
    for role in (Role.STAFF, Role.ADMIN):
        assert "ReportsDialog" not in names(role)


def _set_period(dialog: ReportsDialog) -> None:
    for edit, text in ((dialog.start, START), (dialog.end, END)):
        day = date.fromisoformat(text)
        edit.setDate(edit.date().fromString(day.strftime("%d/%m/%Y"), "dd/MM/yyyy"))


@sqlite_only
def test_the_dsl_saves_both_reports_and_a_reversed_period_is_refused(
    qtbot: QtBot, desk: Desk, clock: Clock, tmp_path: Path
) -> None:
    build_report_cases(desk.school, clock)  # the clock ends on 14 November 2026
    dialog = ReportsDialog(desk.sign_in("Dana DSL"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_controls(dialog) == []
    assert "Copy for the designated safeguarding lead" in dialog.copy.text()
    assert dialog.period() == (date(2026, 9, 1), date(2026, 11, 14))  # this term

    dialog.start.setDate(dialog.end.date().addDays(1))
    dialog.end.setDate(dialog.end.date().addDays(-5))
    dialog.choose_and_save()  # no file dialog: the dates are refused first
    assert "start date is after the end date" in dialog.error.text()

    _set_period(dialog)
    out = tmp_path / "governors.pdf"
    dialog.save(out, tmp_path / "governors.csv")
    qtbot.waitUntil(lambda: "CSV SHA-256" in dialog.status.text(), timeout=LOAD_MS * 4)
    assert "Saved governors.csv beside it" in dialog.status.text()
    assert "3 concern(s), 5 escalation(s): 2 within deadline" in dialog.status.text()
    assert out.read_bytes().startswith(b"%PDF") and dialog.error.isHidden()
    dialog.setStyleSheet(load_style_sheet())  # drawn as people see it
    dialog.layout().activate()
    assert cut_off(dialog) == []

    dialog.kind.setCurrentIndex(dialog.kind.findData(INSPECTION))
    assert dialog.period() == (date(2025, 11, 15), date(2026, 11, 14))  # twelve months
    assert "initials and year group" in dialog.about.text()
    _set_period(dialog)
    dialog.save(tmp_path / "pack.pdf", None)
    qtbot.waitUntil(lambda: "4 referral(s)" in dialog.status.text(), timeout=LOAD_MS * 4)
    assert not (tmp_path / "pack.csv").exists()

    dialog.save(out, None)  # already there: refused, kept
    qtbot.waitUntil(lambda: "already exists" in dialog.error.text(), timeout=LOAD_MS)
    assert dialog.save_button.isEnabled()


@sqlite_only
def test_staff_are_refused_by_the_vault_even_if_the_window_is_opened(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    dialog = ReportsDialog(desk.sign_in("Sam Staff"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.save(tmp_path / "s.pdf", None)
    qtbot.waitUntil(lambda: "chair of governors" in dialog.error.text(), timeout=LOAD_MS)
    assert not (tmp_path / "s.pdf").exists()
