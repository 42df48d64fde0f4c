"""Search as you type in the case list, made faster for issue 17 (narrowing the last matches,
searching the texts in the order the rows show, one layout change hinted as rows moving):
whatever is typed, deleted, sorted or reloaded in between, the table shows exactly the rows a
full search from scratch finds, in the table's order, and keeps its columns and chosen case."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from case_views_support import bare_context, summary
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from safelog.gui.case_list import CaseListView
from safelog.gui.case_list_model import Column, ReviewColumn
from safelog.vault.records import CaseSummary

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WORDS = ("snapchat", "Discord", "threat", "Year 9", "pupil", "parent", "ÉCOLE", "match")


def cases(seed: int, count: int) -> list[CaseSummary]:
    rng = random.Random(seed)
    return [
        summary(
            f"SL-2026-{n:05d}",
            text=" ".join(rng.sample(WORDS, 3)),
            status=rng.choice(("new", "acknowledged", "closed")),
            created=NOW - timedelta(minutes=rng.randrange(100_000)),
        )
        for n in range(1, count + 1)
    ]


def make_view(qtbot: QtBot, clock: Any, shown: list[CaseSummary]) -> CaseListView:
    view = CaseListView(bare_context(clock))
    qtbot.addWidget(view)
    view.show_cases(shown)
    view.resize(1100, 500)
    view.show()
    return view


def from_scratch(view: CaseListView, query: str) -> list[str]:
    """The rows a full search finds (the domain's own scan, every row), in the table's order."""
    model = view.model
    found = set(model.search_index.matching(query))
    return [model.cases[base].reference for base in model.order if base in found]


def type_key(qtbot: QtBot, view: CaseListView, key: str) -> None:
    if key.isascii():
        qtbot.keyClicks(view.search, key)
    else:  # QtTest types ASCII only; this is what the key press does
        view.search.insert(key)


def test_typing_deleting_sorting_and_reloading_always_show_what_a_full_search_finds(
    qtbot: QtBot, clock: Any
) -> None:
    view = make_view(qtbot, clock, cases(1, 300))
    rng = random.Random(17)
    # Words a DSL would type (in any letter case, with accents, part of a reference), and
    # slips of the finger.
    targets = [w.casefold() for w in WORDS] + ["sl-2026-001", "École", "ACKNOW", "new"]
    target, typed, seen = rng.choice(targets), 0, {"some": 0, "none": 0, "all": 0}
    found_none = False
    for step in range(500):
        move = rng.random()
        if found_none and move < 0.6 and view.search.text():
            qtbot.keyClick(view.search, Qt.Key.Key_Backspace)  # as a person would, seeing none
            typed = max(0, typed - 1)
        elif move < 0.55 and typed < len(target):
            type_key(qtbot, view, target[typed])
            typed += 1
        elif move < 0.6:
            type_key(qtbot, view, rng.choice("xz9é "))  # a slip
        elif move < 0.85 and view.search.text():
            qtbot.keyClick(view.search, Qt.Key.Key_Backspace)  # widens again
            typed = max(0, typed - 1)
        elif move < 0.9:
            type_key(qtbot, view, " ")  # and another word
            target, typed = rng.choice(targets), 0
        elif move < 0.95:
            column = rng.choice((Column.REFERENCE, Column.SUMMARY, Column.RECEIVED))
            order = rng.choice((Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder))
            view.table.sortByColumn(column, order)  # the rows change places under the search
        elif move < 0.97:
            view.show_cases(cases(step, rng.randrange(1, 300)))  # a reload while searching
        else:
            view.search.clear()
            target, typed = rng.choice(targets), 0
        query = view.search.text()
        expected = from_scratch(view, query)
        assert view.visible_references() == expected, (step, query)
        assert view.table.model().rowCount() == len(expected)
        assert view.table.verticalHeader().count() == len(expected)
        total = view.model.rowCount()
        seen["none" if not expected else "all" if len(expected) == total else "some"] += 1
        found_none = not expected
    assert min(seen.values()) >= 50, seen  # the walk narrowed, emptied and widened the list


def test_typing_on_then_deleting_a_letter_gives_the_wider_rows_back(
    qtbot: QtBot, clock: Any
) -> None:
    shown = [
        summary("SL-2026-00001", text="Snapchat messages", created=NOW),
        summary("SL-2026-00002", text="Snap of a match", created=NOW - timedelta(hours=1)),
        summary("SL-2026-00003", text="Discord threats", created=NOW - timedelta(hours=2)),
    ]
    view = make_view(qtbot, clock, shown)
    qtbot.keyClicks(view.search, "snap")
    assert view.visible_references() == ["SL-2026-00001", "SL-2026-00002"]
    qtbot.keyClicks(view.search, "c")  # narrows the two rows it had
    assert view.visible_references() == ["SL-2026-00001"]
    qtbot.keyClick(view.search, Qt.Key.Key_Backspace)
    assert view.visible_references() == ["SL-2026-00001", "SL-2026-00002"]
    qtbot.keyClicks(view.search, " MATCH")  # a second word, any letter case
    assert view.visible_references() == ["SL-2026-00002"]
    for _ in " MATCH":
        qtbot.keyClick(view.search, Qt.Key.Key_Backspace)
    assert view.search.text() == "snap"
    assert view.visible_references() == ["SL-2026-00001", "SL-2026-00002"]
    view.search.clear()
    assert view.status_line.text() == "3 cases"


def test_the_columns_and_the_chosen_case_stay_while_the_rows_change(
    qtbot: QtBot, clock: Any
) -> None:
    # The layout change says "rows moved": the header keeps the widths the user set and the
    # hidden columns stay hidden, even when the first row (Qt's anchor for the columns'
    # sections in a plain layout change) is filtered out.
    shown = [summary("SL-2026-00001", text="Snapchat messages", created=NOW)] + [
        summary(
            f"SL-2026-{n:05d}",
            text="Discord threats" if n % 2 == 0 else "Snapchat photo",
            created=NOW - timedelta(minutes=n),
        )
        for n in range(2, 41)
    ]
    view = make_view(qtbot, clock, shown)
    table, header = view.table, view.table.horizontalHeader()
    header.resizeSection(Column.CATEGORY, 333)  # the user widens a column
    fixed = (Column.REFERENCE, Column.RECEIVED, Column.CATEGORY, Column.STATUS, Column.DEADLINE)
    widths = [header.sectionSize(c) for c in fixed]
    assert view.select_reference("SL-2026-00004")

    qtbot.keyClicks(view.search, "discord")
    assert "SL-2026-00001" not in view.visible_references()
    assert len(view.visible_references()) == 20
    assert [header.sectionSize(c) for c in fixed] == widths
    assert header.sectionSize(Column.CATEGORY) == 333
    assert all(table.isColumnHidden(c) for c in ReviewColumn)
    assert not any(table.isColumnHidden(c) for c in Column)
    assert view.current_reference() == "SL-2026-00004", "still shown: still chosen"
    assert [i.row() for i in table.selectionModel().selectedRows()] == [table.currentIndex().row()]

    qtbot.keyClicks(view.search, " photo")
    assert view.visible_references() == []
    assert view.current_reference() == "", "filtered out: nothing chosen"
    assert table.selectionModel().selectedRows() == []
    view.search.clear()
    assert len(view.visible_references()) == 40
    assert [header.sectionSize(c) for c in fixed] == widths


def test_every_row_can_be_chosen_and_nothing_edited(qtbot: QtBot, clock: Any) -> None:
    # The models leave `flags` to Qt (issue 17): a row is enabled and selectable, not editable.
    view = make_view(qtbot, clock, cases(3, 5))
    for model in (view.model, view.proxy):
        flags = model.flags(model.index(0, Column.SUMMARY))
        assert flags & Qt.ItemFlag.ItemIsEnabled and flags & Qt.ItemFlag.ItemIsSelectable
        assert not flags & Qt.ItemFlag.ItemIsEditable
        assert model.flags(model.index(99, 0)) == Qt.ItemFlag.NoItemFlags  # no such row
