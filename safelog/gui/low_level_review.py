"""Low-level concerns by member of staff: the review for patterns KCSIE Part 4 asks for.

For the DSL, the headteacher and the chair of governors. Each member of staff is one row with
how many low-level concerns there are about them and the dates of the first and the latest;
under it, each concern. Repeated concerns come first and are marked: together they may meet
the harm threshold. The grouping is safelog/domain/low_level.py; the concerns are read and
checked by safelog/vault/low_level.py, in the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.gui.errors import error_text
from safelog.gui.formatting import status_label, uk_date
from safelog.gui.screen_fit import fit_to_screen
from safelog.gui.widgets import heading_label, named, plain_label
from safelog.gui.worker import run_guarded
from safelog.text import visible

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.low_level import LowLevelReview

INTRO = (
    "Low-level concerns about staff, grouped by the person they are about, so that repeated "
    "concerns are seen. Several concerns about the same person may together meet the harm "
    "threshold: if they do, treat them as an allegation and consult the LADO within one "
    "working day. The person a concern is about never sees it here or anywhere else."
)
HEADERS = ("Member of staff / concern", "Concerns", "First", "Latest", "Status")
REFERENCE_ROLE = Qt.ItemDataRole.UserRole


class LowLevelReviewDialog(QDialog):
    """`open_requested(reference)` asks the main window to open a concern's case."""

    open_requested = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Low-level concerns by member of staff")
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label("Low-level concerns by member of staff", self))
        layout.addWidget(plain_label(INTRO, self, role="muted"))
        self.status = plain_label("Loading…", self, role="muted")
        named(self.status, "How many concerns are shown")
        layout.addWidget(self.status)
        self.problems = plain_label("", self, role="warning")
        named(self.problems, "Concerns that could not be checked")
        self.problems.hide()
        layout.addWidget(self.problems)
        self.tree = named(QTreeWidget(self), "Low-level concerns by member of staff")
        self.tree.setColumnCount(len(HEADERS))
        self.tree.setHeaderLabels(list(HEADERS))
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        self.tree.setColumnWidth(0, 320)
        layout.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.open_button = named(
            QPushButton("&Open concern", self), "Open the selected concern's case"
        )
        self.open_button.setEnabled(False)
        self.close_button = named(QPushButton("Close", self), "Close this list")
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.tree.currentItemChanged.connect(
            lambda item, _old: self.open_button.setEnabled(bool(self._reference(item)))
        )
        self.tree.itemActivated.connect(lambda item, _col: self._open(item))
        self.open_button.clicked.connect(lambda: self._open(self.tree.currentItem()))
        self.close_button.clicked.connect(self.accept)
        context.events.locked.connect(self.reject)
        fit_to_screen(self, 820, 560)
        self.refresh()

    def refresh(self) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        from safelog.vault.low_level import low_level_review

        self.status.setText("Loading…")
        run_guarded(
            self.context, self, lambda: low_level_review(session), self.show_review, self._failed
        )

    def show_review(self, review: LowLevelReview) -> None:
        self.tree.clear()
        for group in review.groups:
            top = QTreeWidgetItem(
                [
                    visible(group.staff),
                    str(group.count),
                    uk_date(group.first),
                    uk_date(group.latest),
                    "Repeated concerns" if group.repeated else "",
                ]
            )
            top.setToolTip(0, "More than one concern: consider together" if group.repeated else "")
            for concern in group.concerns:
                child = QTreeWidgetItem(
                    [
                        f"{concern.reference}: {visible(concern.summary)}",
                        "",
                        uk_date(concern.raised_at),
                        "",
                        status_label(concern.status),
                    ]
                )
                child.setData(0, REFERENCE_ROLE, concern.reference)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(group.repeated)
        if review.groups:
            people = len(review.groups)
            repeated = sum(1 for g in review.groups if g.repeated)
            self.status.setText(
                f"{_count(review.concerns, 'concern')} about {_count(people, 'person', 'people')}"
                f"; {_count(repeated, 'person', 'people')} with more than one."
            )
        else:
            self.status.setText("There are no low-level concerns about staff that you can read.")
        self.problems.setText(" ".join(review.problems))
        self.problems.setVisible(bool(review.problems))

    def _failed(self, exc: BaseException) -> None:
        self.status.setText("The low-level concerns could not be loaded. " + error_text(exc))

    @staticmethod
    def _reference(item: QTreeWidgetItem | None) -> str:
        return str(item.data(0, REFERENCE_ROLE) or "") if item is not None else ""

    def _open(self, item: QTreeWidgetItem | None) -> None:
        reference = self._reference(item)
        if reference:
            self.open_requested.emit(reference)
            self.accept()


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
