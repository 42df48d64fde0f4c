"""The case list's filtered rows: search as you type (one pass over the prepared search index
per keystroke) and the status, category, overdue and review filters.

Speed (issue 17: a keystroke, repaint included, within one frame over 10,000 cases): this is
not a QSortFilterProxyModel, which asks Python about every row on every change (10,000 calls)
and tells the view of each removed run of rows apart. It is a table model of its own over the
CaseListModel's rows: which rows pass is worked out in Python in one pass, and the view is
told once, as a layout change that keeps the current row and selection where they still show.

The search runs over the folded texts in the order the rows show (kept per load and sort), so
what it finds is already in order: no pass over every row to put the matches in order, nor to
find where the current row went. Typing on narrows the last matches instead of all rows. The
layout change is hinted as rows moving (VerticalSortHint): the columns stay as they are, so
the header keeps its sections without saving and restoring them on every keystroke.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from safelog.domain.deadlines import (
    DeadlineState,
)
from safelog.domain.outcomes import CaseStatus
from safelog.domain.search import fold
from safelog.gui.case_list_model import (
    CELL_ROLES,
    HEADERS,
    CaseListModel,
    due_for_review,
    review_by,
)
from safelog.vault.records import CaseSummary

NOT_CLOSED = "not-closed"
# Rows come and go or change places; the columns never change with a filter or a sort. The
# overload of the layout signals that carries the hint (Qt's views read it; PySide's stubs
# do not know that a signal is indexed by its overload's arguments).
_ROWS_MOVE = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_WITH_HINT = ("QList<QPersistentModelIndex>", QAbstractItemModel.LayoutChangeHint)


class CaseFilterProxy(QAbstractTableModel):
    """Status, category and overdue filters and search as you type, over a CaseListModel.

    Rows show in the model's order (its sort); `_bases` are the model's rows (load order)
    that pass. The owner calls `refilter()` (or a setter) and reads `rowCount()` afterwards;
    there is no "filter changed" signal: one would be emitted on every keystroke."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.query = ""
        self.status: str | None = None  # a status code, NOT_CLOSED, or None for all
        self.category: str | None = None
        self.overdue_only = False
        self.review_only = False  # due for retention review (see `due_for_review`)
        self._model: CaseListModel | None = None
        self._bases: list[int] = []  # the model's rows (load order) on show, in order
        self._kept: list[tuple[QModelIndex, int]] = []  # across a layout change
        # The folded search texts in the model's order, for the model generation they are of.
        self._texts: tuple[int, list[str]] = (-1, [])
        # The last search: its folded text and the positions in the model's order it matched.
        self._last_search: tuple[int, str, list[int]] | None = None

    def source(self) -> CaseListModel:
        assert self._model is not None
        return self._model

    def setSourceModel(self, model: CaseListModel) -> None:
        self._model = model
        self._last_search = None
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._model_reset)
        model.layoutAboutToBeChanged.connect(self._before_layout)
        model.layoutChanged.connect(self._model_sorted)
        model.dataChanged.connect(self._model_data_changed)
        self.beginResetModel()
        self._bases = self._passing_in_order()
        self.endResetModel()

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
        """Work out again which rows pass; the view keeps its current row if it still shows."""
        if self._model is None:
            return
        bases = self._passing_in_order()
        if bases == self._bases:
            return
        self._before_layout()
        self._bases = bases
        self._after_layout()

    # -- working out which rows pass -----------------------------------------------------------

    def _texts_in_order(self, model: CaseListModel) -> list[str]:
        """The folded search text of each row, in the model's order (made again after a load,
        a sort or a change of the clock: each bumps the model's generation)."""
        generation, texts = self._texts
        if generation != model.generation:
            haystacks = model.search_index.haystacks
            texts = [haystacks[base] for base in model.order]
            self._texts = (model.generation, texts)
        return texts

    def _matches(self, model: CaseListModel) -> list[int]:
        """Positions in the model's order (ascending) of the rows whose text holds every word
        typed."""
        folded = fold(self.query)
        words = folded.split()
        texts = self._texts_in_order(model)
        last = self._last_search
        found: list[int] | None = None
        if last is not None and last[0] == model.generation and folded.startswith(last[1]):
            # Typing on narrows: the last matches hold every earlier word, so only the words
            # typed into or added since (the last one and any after it) are tested, and only
            # on those rows.
            earlier = last[1].split()
            found = last[2]
            if earlier:
                words = words[len(earlier) - 1 :]
                if words and words[0] == earlier[-1]:
                    words = words[1:]
        for word in words:  # a pass per word: cheaper than all() over the words per row
            if found is None:
                found = [p for p, text in enumerate(texts) if word in text]
            else:
                found = [p for p in found if word in texts[p]]
        if found is None:  # nothing typed
            found = list(range(len(texts)))
        self._last_search = (model.generation, folded, found)
        return found

    def _passing_in_order(self) -> list[int]:
        """The model's rows (load order) that pass, in the model's order."""
        model = self.source()
        order = model.order
        if not self.is_filtering():
            return list(order)
        positions: Sequence[int] = self._matches(model) if self.query.strip() else range(len(order))
        status, category, overdue = self.status, self.category, self.overdue_only
        by = review_by(model.now) if self.review_only and model.now is not None else None
        if status is None and category is None and not overdue and by is None:
            return [order[p] for p in positions]  # search alone
        cases, states = model.cases, model.states
        bases = []
        for p in positions:
            base = order[p]
            case = cases[base]
            if status is not None:
                if status == NOT_CLOSED:
                    if case.status == CaseStatus.CLOSED:
                        continue
                elif case.status != status:
                    continue
            if category is not None and case.category != category:
                continue
            if overdue and states[base] is not DeadlineState.OVERDUE:
                continue
            if by is not None and not due_for_review(case, by):
                continue
            bases.append(base)
        return bases

    # -- following the model -------------------------------------------------------------------

    def _model_reset(self) -> None:
        self._bases = self._passing_in_order()
        self.endResetModel()

    def _before_layout(self) -> None:
        self.layoutAboutToBeChanged[_WITH_HINT].emit([], _ROWS_MOVE)  # type: ignore[index]
        self._kept = [
            (index, self._bases[index.row()] if index.isValid() else -1)
            for index in self.persistentIndexList()
        ]

    def _model_sorted(self) -> None:
        self._bases = self._passing_in_order()  # the same rows, in the model's new order
        self._after_layout()

    def _after_layout(self) -> None:
        """The view's current row and selection follow their cases; those filtered out go."""
        kept, self._kept = self._kept, []
        bases = self._bases
        position: dict[int, int] = {-1: -1}
        for _index, base in kept:  # a handful (the current row, the selection's corners)
            if base not in position:
                try:
                    position[base] = bases.index(base)
                except ValueError:  # filtered out
                    position[base] = -1
        new = [
            self.index(position[base], index.column()) if position[base] >= 0 else QModelIndex()
            for index, base in kept
        ]
        self.changePersistentIndexList([index for index, _ in kept], new)
        self.layoutChanged[_WITH_HINT].emit([], _ROWS_MOVE)  # type: ignore[index]

    def _model_data_changed(self, top: QModelIndex, bottom: QModelIndex, *_roles: Any) -> None:
        if self._bases:
            self.dataChanged.emit(
                self.index(0, top.column()), self.index(len(self._bases) - 1, bottom.column())
            )

    # -- the Qt model interface -----------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._bases)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        return self.source().headerData(section, orientation, role)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Asked for every visible cell and role on each repaint: the shortest path there is.
        if role not in CELL_ROLES or not index.isValid():
            return None
        model = self._model
        assert model is not None
        return model.cell(self._bases[index.row()], index.column(), role)

    # No `flags`: Qt's own (enabled, selectable), as the model's (see case_list_model.py).

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.source().sort(column, order)

    # -- rows and the model's rows --------------------------------------------------------------

    def summary_at(self, row: int) -> CaseSummary:
        return self.source().cases[self._bases[row]]

    def row_of_reference(self, reference: str) -> int:
        cases = self.source().cases
        for row, base in enumerate(self._bases):
            if cases[base].reference == reference:
                return row
        return -1

    def mapToSource(self, index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        model = self.source()
        if not index.isValid():
            return QModelIndex()
        return model.index(model.order.index(self._bases[index.row()]), index.column())

    def mapFromSource(self, index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        if not index.isValid():
            return QModelIndex()
        row = self.row_of_reference(self.source().summary_at(index.row()).reference)
        return self.index(row, index.column()) if row >= 0 else QModelIndex()
