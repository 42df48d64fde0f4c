"""The case list: what each column shows, sorting, search as you type and filters, opening a
case from the keyboard, and loading in the worker (refresh on change, clear on lock)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from case_views_support import (
    LOAD_MS,
    Desk,
    bare_context,
    lock,
    sqlite_only,
    summary,
    unnamed_controls,
)
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from safelog.domain.categories import category_by_code
from safelog.gui.bulk_load import collector_paused
from safelog.gui.case_list import CaseListView
from safelog.gui.case_list_model import CaseListModel, Column, prepare_rows
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # the `clock` fixture's start: a Friday


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


def shown(model: Any, row: int, column: Column) -> str:
    return str(model.index(row, column).data(Qt.ItemDataRole.DisplayRole))


def make_view(qtbot: QtBot, clock: Any, cases: list[Any], **kwargs: Any) -> CaseListView:
    view = CaseListView(bare_context(clock), **kwargs)
    qtbot.addWidget(view)
    view.show_cases(cases)
    view.resize(1100, 500)
    view.show()
    return view


def test_columns_show_uk_local_times_titles_labels_and_deadline_states(clock: Any) -> None:
    summer = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)  # 10:30 in London (BST)
    cases = [
        summary("SL-2026-0001", created=summer, status="acknowledged",
                next_due=NOW - timedelta(hours=2)),
        summary("SL-2026-0002", category="unwanted-contact",
                next_due=datetime(2026, 11, 20, 18, 0, tzinfo=UTC)),
        summary("SL-2026-0003", status="closed", next_due=datetime(2026, 11, 23, 18, tzinfo=UTC)),
        summary("SL-2026-0004", status="escalated"),
    ]  # fmt: skip
    model = CaseListModel()
    model.set_cases(cases, NOW)

    assert shown(model, 0, Column.RECEIVED) == "01/07/2026 10:30"
    assert shown(model, 1, Column.RECEIVED) == "20/11/2026 09:00"  # GMT in November
    assert shown(model, 1, Column.CATEGORY) == category_by_code("unwanted-contact").title
    assert shown(model, 0, Column.STATUS) == "Acknowledged: the DSL has seen it"
    assert shown(model, 0, Column.DEADLINE) == "Overdue: 20/11/2026 08:00"
    assert shown(model, 1, Column.DEADLINE) == "Due today by 18:00"
    assert shown(model, 2, Column.DEADLINE) == "23/11/2026 18:00"
    assert shown(model, 3, Column.DEADLINE) == ""
    assert model.index(3, Column.DEADLINE).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "No deadline"
    )
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Column] == [
        "Reference", "Received", "Category", "Summary", "Status", "Next deadline",
    ]  # fmt: skip

    # Time moves on: "due today" turns "overdue" without a reload.
    model.set_now(datetime(2026, 11, 20, 18, 30, tzinfo=UTC))
    assert shown(model, 1, Column.DEADLINE) == "Overdue: 20/11/2026 18:00"


def test_sorting_uses_the_meaning_of_each_column(qtbot: QtBot, clock: Any) -> None:
    cases = [
        summary("SL-2026-9999", text="beta", next_due=NOW + timedelta(days=2),
                created=NOW - timedelta(days=1)),
        summary("SL-2026-10000", text="Alpha", created=NOW),
        summary("SL-2026-0002", text="gamma", status="closed", next_due=NOW + timedelta(days=1),
                created=NOW - timedelta(days=3)),
    ]  # fmt: skip
    view = make_view(qtbot, clock, cases)

    # Newest first by default.
    assert view.visible_references() == ["SL-2026-10000", "SL-2026-9999", "SL-2026-0002"]
    view.table.sortByColumn(Column.REFERENCE, Qt.SortOrder.AscendingOrder)
    assert view.visible_references() == ["SL-2026-0002", "SL-2026-9999", "SL-2026-10000"]
    view.table.sortByColumn(Column.SUMMARY, Qt.SortOrder.AscendingOrder)
    assert view.visible_references() == ["SL-2026-10000", "SL-2026-9999", "SL-2026-0002"]
    view.table.sortByColumn(Column.DEADLINE, Qt.SortOrder.AscendingOrder)
    assert view.visible_references() == ["SL-2026-0002", "SL-2026-9999", "SL-2026-10000"]
    view.table.sortByColumn(Column.STATUS, Qt.SortOrder.DescendingOrder)
    assert view.visible_references()[0] == "SL-2026-0002"  # closed comes last in the flow

    # The selection follows its case through a sort.
    view.select_reference("SL-2026-9999")
    view.table.sortByColumn(Column.REFERENCE, Qt.SortOrder.DescendingOrder)
    assert view.current_reference() == "SL-2026-9999"


def test_search_as_you_type_and_filters_narrow_the_list(
    qtbot: QtBot, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [
        # Due half an hour ago, later than it came in (09:00): overdue. (A deadline due
        # when the case came in is an "immediately" one, overdue only after 18:00.)
        summary("SL-2026-0001", text="Snapchat messages to a Year 8 pupil",
                next_due=NOW - timedelta(minutes=30)),
        summary("SL-2026-0002", text="Friend request from a parent", category="unwanted-contact",
                status="acknowledged"),
        summary("SL-2026-0003", text="Threats on SNAPCHAT after a match", status="closed",
                category="public-threats"),
    ]  # fmt: skip
    view = make_view(qtbot, clock, cases)
    assert view.status_line.text() == "3 cases"

    # Each keystroke folds only what was typed; the cases were folded once, at load.
    import safelog.domain.search as search
    import safelog.gui.case_list_filter as case_list_filter

    folded: list[str] = []
    real_fold = search.fold

    def counting_fold(text: str) -> str:
        folded.append(text)
        return real_fold(text)

    monkeypatch.setattr(search, "fold", counting_fold)
    monkeypatch.setattr(case_list_filter, "fold", counting_fold)
    builds: list[int] = []
    real_build = search.SearchIndex.build
    monkeypatch.setattr(
        search.SearchIndex,
        "build",
        classmethod(lambda cls, items, texts: builds.append(1) or real_build(items, texts)),
    )
    qtbot.keyClicks(view.search, "snap")
    assert set(view.visible_references()) == {"SL-2026-0001", "SL-2026-0003"}
    assert set(folded) <= {"", "s", "sn", "sna", "snap"}  # never a case's own text
    assert builds == []
    assert view.status_line.text() == "Showing 2 of 3 cases"

    qtbot.keyClicks(view.search, " year")  # every word, in any order
    assert view.visible_references() == ["SL-2026-0001"]
    view.search.clear()
    qtbot.keyClicks(view.search, "sl-2026-0002")
    assert view.visible_references() == ["SL-2026-0002"]
    qtbot.keyClicks(view.search, "x")
    assert view.visible_references() == []
    assert "No cases match" in view.status_line.text()
    qtbot.keyClick(view.search, Qt.Key.Key_Backspace)  # deleting widens again
    assert view.visible_references() == ["SL-2026-0002"]
    qtbot.keyClicks(view.search, "x")
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)
    assert view.search.text() == ""
    assert len(view.visible_references()) == 3

    view.status_filter.setCurrentIndex(view.status_filter.findData("not-closed"))
    assert set(view.visible_references()) == {"SL-2026-0001", "SL-2026-0002"}
    view.status_filter.setCurrentIndex(view.status_filter.findData("closed"))
    assert view.visible_references() == ["SL-2026-0003"]
    view.status_filter.setCurrentIndex(0)
    view.category_filter.setCurrentIndex(view.category_filter.findData("unwanted-contact"))
    assert view.visible_references() == ["SL-2026-0002"]
    view.category_filter.setCurrentIndex(0)
    view.overdue_filter.setChecked(True)
    assert view.visible_references() == ["SL-2026-0001"]
    qtbot.keyClicks(view.search, "threats")
    assert view.visible_references() == []  # filters combine


def test_the_table_follows_the_search_keeping_the_chosen_case(qtbot: QtBot, clock: Any) -> None:
    # The filtered rows are told to the view as one layout change (issue 17): the table's
    # row count, its current case and a sort made while filtering all follow.
    cases = [
        summary(f"SL-2026-{n:04d}", text=f"{'Snapchat' if n % 3 else 'Discord'} message {n}",
                created=NOW - timedelta(minutes=n))
        for n in range(1, 61)
    ]  # fmt: skip
    view = make_view(qtbot, clock, cases)
    table = view.table
    assert table.verticalHeader().count() == 60
    assert view.select_reference("SL-2026-0005")
    qtbot.keyClicks(view.search, "snap")
    assert view.proxy.rowCount() == 40 == table.verticalHeader().count()
    assert view.current_reference() == "SL-2026-0005", "still shown: still chosen"
    assert len(table.selectionModel().selectedRows()) == 1
    table.scrollToBottom()
    assert view.proxy.summary_at(table.rowAt(table.viewport().height() - 2)).reference
    view.search.clear()
    qtbot.keyClicks(view.search, "discord")
    assert view.proxy.rowCount() == 20 == table.verticalHeader().count()
    assert view.current_reference() == "", "filtered out: nothing chosen"
    assert table.selectionModel().selectedRows() == []
    assert view.select_reference("SL-2026-0003")
    table.sortByColumn(Column.REFERENCE, Qt.SortOrder.AscendingOrder)
    assert view.visible_references()[:3] == ["SL-2026-0003", "SL-2026-0006", "SL-2026-0009"]
    assert view.current_reference() == "SL-2026-0003"
    assert table.currentIndex().row() == 0
    view.search.clear()
    assert view.visible_references()[:3] == ["SL-2026-0001", "SL-2026-0002", "SL-2026-0003"]
    assert view.current_reference() == "SL-2026-0003" and table.currentIndex().row() == 2
    assert not view.select_reference("SL-2026-9999")


def test_enter_and_double_click_open_the_case(qtbot: QtBot, clock: Any) -> None:
    cases = [
        summary("SL-2026-0001", created=NOW),
        summary("SL-2026-0002", created=NOW - timedelta(days=1)),
    ]
    view = make_view(qtbot, clock, cases)
    opened: list[str] = []
    view.open_case.connect(opened.append)

    # From the search box, Down goes into the list; Down again and Enter opens.
    view.search.setFocus()
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    assert view.table.hasFocus() or view.current_reference() == "SL-2026-0001"
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == ["SL-2026-0002"]

    rect = view.table.visualRect(view.proxy.index(0, Column.SUMMARY))
    # A real double-click is a press and release, then the double-click event.
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == ["SL-2026-0002", "SL-2026-0001"]
    assert unnamed_controls(view) == []


def test_hidden_columns_and_plain_status_labels(qtbot: QtBot, clock: Any) -> None:
    view = make_view(
        qtbot, clock, [summary("SL-2026-0001")], hidden_columns=(Column.DEADLINE,),
        full_status=True,
    )  # fmt: skip
    assert view.table.isColumnHidden(Column.DEADLINE)
    assert not view.overdue_filter.isVisible()
    assert shown(view.proxy, 0, Column.STATUS) == "New: not yet seen by the DSL"
    short = make_view(qtbot, clock, [summary("SL-2026-0001")])
    assert shown(short.proxy, 0, Column.STATUS) == "New"
    assert short.proxy.index(0, Column.STATUS).data(Qt.ItemDataRole.ToolTipRole) == (
        "New: not yet seen by the DSL"
    )


REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a video",
    "description": "Year 8 pupils posted comments.",
}


@sqlite_only
def test_refresh_loads_in_the_worker_follows_changes_and_clears_on_lock(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    sam = school.unlock("Sam Staff")
    first = add_case(sam, CaseInput.from_json(REPORT))
    dsl = desk.sign_in("Dana DSL")
    view = CaseListView(dsl)
    qtbot.addWidget(view)

    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        view.show()  # the first show loads
        assert view.loading  # the list is read off the GUI thread
        assert view.status_line.text() == "Loading cases…"
    assert view.visible_references() == [first]

    second = add_case(sam, CaseInput.from_json({**REPORT, "summary": "Another one"}))
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        dsl.events.cases_changed.emit(second)
    assert set(view.visible_references()) == {first, second}

    view.search.setText("another")
    lock(dsl)
    assert view.model.rowCount() == 0
    assert view.search.text() == ""  # what was typed to search goes too
    dsl.runner.wait()
    qtbot.waitUntil(lambda: not view.loading)
    assert view.model.rowCount() == 0
    sam.lock()


@sqlite_only
def test_a_list_loading_when_the_app_locks_shows_nothing(
    qtbot: QtBot, qapp: Any, desk: Desk, school: Any
) -> None:
    add_case(school.unlock("Sam Staff"), CaseInput.from_json(REPORT))
    dsl = desk.sign_in("Dana DSL")
    view = CaseListView(dsl)
    qtbot.addWidget(view)
    view.refresh()
    lock(dsl)
    dsl.runner.wait()
    qapp.processEvents()  # deliver the finished job's result to the GUI thread
    assert view.model.rowCount() == 0
    assert view.status_line.text() == ""


@sqlite_only
def test_a_predicate_restricts_the_list(qtbot: QtBot, desk: Desk, school: Any) -> None:
    sam, tess = school.unlock("Sam Staff"), school.unlock("Tess Teacher")
    mine = add_case(sam, CaseInput.from_json(REPORT))
    add_case(tess, CaseInput.from_json(REPORT))
    dsl = desk.sign_in("Dana DSL")
    sam_id = school.ids["Sam Staff"]
    view = CaseListView(dsl, include=lambda c: c.reporter_id == sam_id)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        view.refresh()
    assert view.visible_references() == [mine]


def test_a_new_concern_is_not_overdue_the_minute_it_arrives(qtbot: QtBot, clock: Any) -> None:
    """Issue 11: "immediately" routes (tell the DSL, the headteacher) are due when the concern
    was raised; the list reads "New: acknowledge today" in amber, and red "Overdue" only
    once that working day has ended."""
    arrived = NOW + timedelta(minutes=1)  # Friday 10:01
    saturday = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    cases = [
        summary("SL-2026-0001", created=NOW, next_due=NOW),
        summary("SL-2026-0002", created=NOW, next_due=NOW, status="acknowledged"),
        summary("SL-2026-0003", created=saturday, next_due=saturday),
    ]
    view = make_view(qtbot, clock, [])
    view.show_prepared(prepare_rows(cases, arrived))
    model = view.model
    rows = {model.summary_at(r).reference: r for r in range(model.rowCount())}
    cell = lambda ref: model.index(rows[ref], Column.DEADLINE)  # noqa: E731

    assert cell("SL-2026-0001").data() == "New: acknowledge today"
    assert cell("SL-2026-0002").data() == "Act now: today by 18:00"
    # Raised on a Saturday: the next working day's end (Monday 18:00).
    assert cell("SL-2026-0003").data() == "New: acknowledge by 23/11/2026 18:00"
    amber = cell("SL-2026-0001").data(Qt.ItemDataRole.ForegroundRole)
    assert amber is not None and amber.color().name() == "#7a4a00"  # as "due today", not red
    view.overdue_filter.setChecked(True)
    assert view.visible_references() == []

    # The working day ends with them not done: now they are overdue.
    model.set_now(datetime(2026, 11, 20, 18, 1, tzinfo=UTC))
    view.proxy.refilter()
    assert cell("SL-2026-0001").data() == "Overdue: 20/11/2026 18:00"
    assert cell("SL-2026-0002").data() == "Overdue: 20/11/2026 18:00"
    assert set(view.visible_references()) == {"SL-2026-0001", "SL-2026-0002"}


def test_a_case_that_fails_its_checks_is_left_out_and_named(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    """A list entry changed outside SafeLog does not empty the list or vanish quietly: the
    other cases are listed and a warning under the list names the one left out."""
    from sqlalchemy import select, update

    from safelog.store.schema import CaseRow

    sam = school.unlock("Sam Staff")
    damaged = add_case(sam, CaseInput.from_json(REPORT))
    fine = add_case(sam, CaseInput.from_json({**REPORT, "summary": "Another one"}))
    with school.vault.engine.begin() as conn:
        summary_ct = conn.execute(
            select(CaseRow.summary_ct).where(CaseRow.reference == damaged)
        ).scalar_one()
        flipped = summary_ct[:-1] + bytes([summary_ct[-1] ^ 1])
        conn.execute(update(CaseRow).where(CaseRow.reference == damaged).values(summary_ct=flipped))
    dsl = desk.sign_in("Dana DSL")
    view = CaseListView(dsl)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        view.show()
    assert view.visible_references() == [fine]
    assert view.problems_line.isVisible()
    text = view.problems_line.text()
    assert "Left out of this list" in text and damaged in text and "damaged" in text
    lock(dsl)
    assert not view.problems_line.isVisible()


def test_a_load_leaves_the_cyclic_collector_almost_nothing_to_track() -> None:
    """Issue 17: a full collection pass, set off by the objects a load of 10,000 rows leaves
    tracked, held the GIL for ~100 ms. A row's strings and sort keys are tuples of strings
    and numbers, which the collector stops tracking at its first look: what a load leaves
    tracked does not grow with its rows."""
    import gc

    cases = [
        summary(
            f"SL-2026-{n:04d}",
            next_due=NOW + timedelta(hours=n % 50 - 10),
            status="acknowledged" if n % 3 else "new",
        )
        for n in range(1, 2001)
    ]
    prepare_rows(cases[:10], NOW)  # what the first load imports is not the load's
    gc.collect()
    before = len(gc.get_objects())
    with collector_paused():  # as the list's worker loads
        prepared = prepare_rows(cases, NOW)
    gc.collect(0)  # the collector's first look at the new objects
    left = len(gc.get_objects()) - before
    assert len(prepared.texts) == 2000
    assert left < 50, f"{left} objects tracked for 2,000 rows"
