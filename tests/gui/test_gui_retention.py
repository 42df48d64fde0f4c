"""Retention review dates on screen: the Outcome tab says when the case is to be reviewed and
by which rule, or what is missing; "Due for review" in the case list shows the cases due within
90 days (or past), earliest first, and opens them like any other list."""

# Fixtures imported from the support modules are used as test arguments, which ruff
# reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, desk, lock, shown_text, sqlite_only, unnamed_controls  # noqa: F401
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from safelog.gui.case_list import CaseListView
from safelog.gui.case_list_model import Column, ReviewColumn
from safelog.gui.main_window import MainWindow
from safelog.gui.my_reports import MyReportsView
from safelog.gui.workspace import CaseWorkspace
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case

pytestmark = sqlite_only


def pupil(name: str, dob: str | None = None) -> dict[str, str]:
    person = {"name": name, "kind": "pupil", "role": "victim"}
    if dob:
        person["date_of_birth"] = dob
    return person


def record(school: Any, summary: str, category: str, people: list[dict[str, str]]) -> str:
    dana = school.unlock("Dana DSL")
    reference = add_case(
        dana,
        CaseInput.from_json(
            {
                "category": category,
                "summary": summary,
                "description": "Recorded by the DSL.",
                "people": people,
            }
        ),
    )
    dana.lock()
    return str(reference)


def outcome_tab(qtbot: QtBot, context: Any, reference: str) -> Any:
    workspace = CaseWorkspace(context)
    qtbot.addWidget(workspace)
    workspace.resize(1200, 800)
    workspace.show()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(reference)
    workspace.tabs.setCurrentWidget(workspace.outcome_panel)
    return workspace.outcome_panel


@pytest.mark.parametrize(
    ("category", "people", "expected"),
    [
        (
            "cyberbullying-pupil",
            [pupil("Amy", "2012-05-01"), pupil("Ben", "2014-02-28")],
            "Retention review: 28 February 2039 — Child protection record: review 25 years "
            "after the youngest pupil's date of birth (IRMS Toolkit for Schools). Youngest "
            "pupil born 28 February 2014.",
        ),
        (
            "staff-online-conduct",
            [{"name": "Mr T", "kind": "staff", "role": "alleged-perpetrator"}],
            "Retention review: 20 November 2036 — Allegation against staff: keep until the "
            "member of staff reaches normal retirement age or for 10 years from the "
            "allegation, whichever is later (KCSIE Part 4).",
        ),
        (
            "staff-online-conduct",
            [
                {
                    "name": "Mr T",
                    "kind": "staff",
                    "role": "alleged-perpetrator",
                    "date_of_birth": "1990-03-15",
                }
            ],
            "Retention review: 15 March 2057 — Allegation against staff",
        ),
        (
            "cyberbullying-pupil",
            [pupil("Amy", "2012-05-01"), pupil("Cal")],
            "No review date yet: add the date of birth of 1 of the 2 pupils in the People "
            "tab: a child protection record is reviewed 25 years after the youngest "
            "pupil's date of birth.",
        ),
        (
            "public-threats",
            [],
            "No review date yet: the case is not closed yet: it is reviewed 6 years after "
            "it is closed.",
        ),
    ],
)
def test_the_outcome_tab_shows_the_review_date_or_what_is_missing(
    qtbot: QtBot,
    desk: Desk,
    school: Any,
    category: str,
    people: list[dict[str, str]],
    expected: str,
) -> None:
    reference = record(school, "A concern", category, people)
    panel = outcome_tab(qtbot, desk.sign_in("Dana DSL"), reference)
    assert panel.retention.text().startswith(expected)
    assert panel.retention.isVisible()
    if "2036" in expected:
        # The half of the rule that could not be checked is named.
        assert "date of birth is not recorded" in panel.retention.text()


def test_due_for_review_lists_what_is_near_and_opens_it(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    # Today is 20 November 2026. Reviews: 1 January 2025 (past), 20 December 2026 (in 30
    # days) and 20 November 2046 (in 20 years); one case has no date yet.
    past = record(school, "Old file from a former pupil", "online-abuse-disclosure",
                  [pupil("Dee", "2000-01-01")])  # fmt: skip
    soon = record(school, "Messages to a former pupil", "cyberbullying-pupil",
                  [pupil("Eve", "2001-12-20")])  # fmt: skip
    later = record(school, "Group chat comments", "cyberbullying-pupil",
                   [pupil("Fay", "2021-11-20")])  # fmt: skip
    undated = record(school, "Threats at the gate", "public-threats", [])

    dsl = desk.sign_in("Dana DSL")
    window = MainWindow(dsl)
    qtbot.addWidget(window)
    window.resize(1180, 760)
    window.show()
    window.tabs.setCurrentWidget(window.nav["all-cases"])
    view = window.nav["all-cases"]
    assert isinstance(view, CaseListView)
    qtbot.waitUntil(lambda: view.model.rowCount() == 4, timeout=LOAD_MS)
    assert view.review_filter.isVisible()
    assert view.review_filter.text().replace("&", "") == "Due for review (2)"
    assert view.table.isColumnHidden(ReviewColumn.REVIEW)

    view.review_filter.setChecked(True)
    assert view.visible_references() == [past, soon], "earliest first; not 2046, not undated"
    assert later not in view.visible_references() and undated not in view.visible_references()
    model = view.proxy
    assert model.index(1, ReviewColumn.REVIEW).data() == "20/12/2026"
    assert model.index(1, ReviewColumn.RULE).data() == (
        "Child protection: youngest pupil's birth + 25 years"
    )
    assert model.index(0, Column.CATEGORY).data().startswith("Online abuse, exploitation")
    assert not view.table.isColumnHidden(ReviewColumn.REVIEW)
    assert not view.table.isColumnHidden(ReviewColumn.RULE)
    assert view.table.isColumnHidden(Column.DEADLINE)
    assert model.index(0, ReviewColumn.REVIEW).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(1, ReviewColumn.REVIEW).data(Qt.ItemDataRole.ForegroundRole) is None
    assert view.status_line.text() == (
        "2 cases due for retention review by 18/02/2027 or already past, earliest first."
    )
    assert unnamed_controls(view) == []

    # Opening a row opens the case, as in any list.
    view.select_reference(soon)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert window.open_tabs()[-1] == soon
    workspace = window.workspaces[soon]
    assert isinstance(workspace, CaseWorkspace)
    qtbot.waitUntil(lambda: workspace.detail is not None, timeout=LOAD_MS)
    assert workspace.outcome_panel.retention.text().startswith("Retention review: 20 December 2026")

    # Unticked: the usual columns and order come back.
    window.tabs.setCurrentWidget(view)
    view.review_filter.setChecked(False)
    assert len(view.visible_references()) == 4
    assert view.table.isColumnHidden(ReviewColumn.REVIEW)
    assert not view.table.isColumnHidden(Column.DEADLINE)
    assert view.table.horizontalHeader().sortIndicatorSection() == Column.RECEIVED

    lock(dsl)
    assert view.review_filter.text().replace("&", "") == "Due for review"
    assert "Messages to a former pupil" not in shown_text(view)
    window.close_current_case()
    window.close()
    QApplication.processEvents()


def test_who_is_offered_due_for_review(qtbot: QtBot, desk: Desk, school: Any) -> None:
    record(school, "Messages to a former pupil", "cyberbullying-pupil",
           [pupil("Eve", "2001-12-20")])  # fmt: skip
    chair = CaseListView(desk.sign_in("Chris Chair"))
    qtbot.addWidget(chair)
    chair.show()
    assert chair.review_filter.isVisible()
    qtbot.waitUntil(lambda: not chair.loading, timeout=LOAD_MS)
    # The chair cannot read the DSL's case: nothing of it is counted.
    assert chair.review_filter.text().replace("&", "") == "Due for review (0)"

    staff = MyReportsView(desk.sign_in("Sam Staff"))
    qtbot.addWidget(staff)
    staff.show()
    assert not staff.list.review_filter.isVisible()
