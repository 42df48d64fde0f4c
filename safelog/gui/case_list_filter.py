"""The case list's filter proxy: search as you type (one pass over the prepared search index
per keystroke) and the status, category, overdue and review filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from safelog.domain.deadlines import (
    DeadlineState,
)
from safelog.domain.outcomes import CaseStatus
from safelog.domain.search import fold
from safelog.gui.case_list_model import CaseListModel, due_for_review, review_by
from safelog.vault.records import CaseSummary

NOT_CLOSED = "not-closed"


class CaseFilterProxy(QSortFilterProxyModel):
    """Status, category and overdue filters and search as you type.

    Which rows pass is worked out once per change, in Python, into a list of booleans in the
    model's row order: one pass over the search index the model folded when it was reset (or,
    while the user keeps typing, over the previous matches only). Qt's per-row callback is then
    one list lookup. Sorting is handed to the model (see CaseListModel.sort).

    The owner calls `refilter()` (or a setter) and reads `rowCount()` afterwards; there is no
    "filter changed" signal: one would be emitted on every keystroke."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.query = ""
        self.status: str | None = None  # a status code, NOT_CLOSED, or None for all
        self.category: str | None = None
        self.overdue_only = False
        self.review_only = False  # due for retention review (see `due_for_review`)
        self._model: CaseListModel | None = None
        self._accepted: list[bool] | None = None  # by model row; None accepts all
        self._accepted_generation = -1
        # The last search: its folded text and the model rows (load order) it matched.
        self._last_search: tuple[int, str, list[int]] | None = None

    def source(self) -> CaseListModel:
        assert self._model is not None
        return self._model

    def setSourceModel(self, model: Any) -> None:
        assert isinstance(model, CaseListModel)
        self._model = model
        self._accepted_generation = -1
        self._last_search = None
        super().setSourceModel(model)

    # -- the filters -----------------------------------------------------------------------

    def set_search(self, text: str) -> None:
        if text == self.query:
            return
        same = fold(text) == fold(self.query)  # a trailing space, or another letter case
        self.query = text
        if not same:
            self.refilter()

    def set_status(self, status: str | None) -> None:
        if status != self.status:
            self.status = status
            self.refilter()

    def set_category(self, category: str | None) -> None:
        if category != self.category:
            self.category = category
            self.refilter()

    def set_overdue_only(self, on: bool) -> None:
        if on != self.overdue_only:
            self.overdue_only = on
            self.refilter()

    def set_review_only(self, on: bool) -> None:
        if on != self.review_only:
            self.review_only = on
            self.refilter()

    def is_filtering(self) -> bool:
        return bool(
            self.query.strip()
            or self.status
            or self.category
            or self.overdue_only
            or self.review_only
        )

    def refilter(self) -> None:
        self._accepted_generation = -1
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.invalidateRowsFilter()

    # -- working out which rows pass -----------------------------------------------------------

    def _matches(self, model: CaseListModel) -> list[int]:
        """Model rows (load order) whose text holds every word typed."""
        folded = fold(self.query)
        last = self._last_search
        haystacks = model.search_index.haystacks
        if last is not None and last[0] == model.generation and folded.startswith(last[1]):
            # Typing on narrows: every earlier word is still there, or grew. Rescan the
            # earlier matches only.
            words = folded.split()
            if len(words) == 1:
                word = words[0]
                found = [i for i in last[2] if word in haystacks[i]]
            else:
                found = [i for i in last[2] if all(w in haystacks[i] for w in words)]
        else:
            found = model.search_index.matching(self.query)
        self._last_search = (model.generation, folded, found)
        return found

    def _compute(self, model: CaseListModel) -> list[bool] | None:
        if not self.is_filtering():
            return None
        rows = model.rows
        candidates: Sequence[int] = self._matches(model) if self.query.strip() else range(len(rows))
        status, category, overdue = self.status, self.category, self.overdue_only
        by = review_by(model.now) if self.review_only and model.now is not None else None
        passing = bytearray(len(rows))
        for i in candidates:
            row = rows[i]
            case = row.case
            if status is not None:
                if status == NOT_CLOSED:
                    if case.status == CaseStatus.CLOSED:
                        continue
                elif case.status != status:
                    continue
            if category is not None and case.category != category:
                continue
            if overdue and row.state is not DeadlineState.OVERDUE:
                continue
            if by is not None and not due_for_review(case, by):
                continue
            passing[i] = 1
        # In the order Qt asks about (the model's displayed order, after sorting).
        return [passing[base] == 1 for base in model.order]

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self._model
        if model is None:
            return True
        if self._accepted_generation != model.generation:
            self._accepted = self._compute(model)
            self._accepted_generation = model.generation
        accepted = self._accepted
        return True if accepted is None else accepted[source_row]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.source().sort(column, order)

    def summary_at(self, row: int) -> CaseSummary:
        return self.source().summary_at(self.mapToSource(self.index(row, 0)).row())
