"""A pupil's page (issue 13): who the child is, every case the reader may open about them,
and one chronology across those cases in date order, filtered by kind and by date.

The page is read in the worker (vault/pupils.py pupil_page), which opens each case with the
reader's own keys: a case they cannot open is not on the page, not even as a count, and
reading it is audited, once per load. So it is read when opened and when "Reload" is
pressed, not on every change elsewhere. Filtering is done here, on what was read.

A case opens in its own tab from either list (Enter, a double click or "Open case"). The
main window shows the page in a tab titled "Pupil's page", never with the child's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.chronology import KIND_LABELS, KINDS
from safelog.domain.retention import CHILD_PROTECTION_YEARS, plain_date
from safelog.domain.roles import Role
from safelog.gui.errors import error_text
from safelog.gui.form_fields import parse_uk_date, role_label
from safelog.gui.formatting import status_label, uk_date, uk_datetime
from safelog.gui.pupil_words import family_line, pupil_facts, pupil_name
from safelog.gui.widgets import heading_label, named, plain_label, set_plain_text, text_width
from safelog.gui.worker import LatestOnly
from safelog.gui.workspace.panel import fill_table, read_only_table, row_key
from safelog.text import visible

if TYPE_CHECKING:
    from safelog.domain.chronology import ChronologyEntry
    from safelog.gui.context import AppContext
    from safelog.vault.pupils import PupilPage
    from safelog.vault.session import Session

ALL_KINDS = "Everything"
DATE_HINT = "Write dates like 01/09/2026; a date left empty does not limit."


@dataclass(frozen=True)
class PageRead:
    page: PupilPage
    family: tuple[str, ...]  # the pupil's family links, in words
    staff: str = ""  # staff who declared a family link or social contact with them


def read_page(session: Session, pupil_id: str) -> PageRead:
    """The page and the family links by name (in the worker)."""
    from safelog.vault.pupils import pupil_page
    from safelog.vault.roll import load_roll

    page = pupil_page(session, pupil_id)
    pupils = load_roll(session).pupils if page.pupil.links else {}
    family = tuple(family_line(link, pupils) for link in page.pupil.links)
    return PageRead(page, family, staff_links_text(session, pupil_id))


def staff_links_text(session: Session, pupil_id: str) -> str:
    """Staff links with this pupil that this person may read (Records > Family links)."""
    from safelog.errors import UserFacingError
    from safelog.vault.approvals import links_with_pupil

    try:
        links = links_with_pupil(session, pupil_id)
    except UserFacingError as exc:  # the register's problem is not the page's
        return f"Staff links with this pupil cannot be read: {exc}"
    said = [
        f"{a.requester_name} ({a.fields.get('relationship', '')}; "
        + ("acknowledged by " + a.decision.by_name if a.decision else "not acknowledged yet")
        + ")"
        for a in links
    ]
    return "Staff with a link to this pupil: " + "; ".join(said) if said else ""


def retention_text(page: PupilPage) -> str:
    if page.review_on is None:
        return (
            "No date of birth is on the roll, so there is no review date for this child's "
            "records yet."
        )
    return (
        f"Child protection records about this child are kept until {plain_date(page.review_on)}, "
        f"{CHILD_PROTECTION_YEARS} years after their date of birth (IRMS Toolkit for Schools), "
        "then reviewed."
    )


def cases_text(count: int) -> str:
    if count == 0:
        return "No case you can open names this pupil."
    if count == 1:
        return "1 case you can open names this pupil."
    return f"{count} cases you can open name this pupil."


class PupilPageView(QWidget):
    """Emits `open_case(reference)` to open a case, and `loaded(pupil id)` after each read."""

    open_case = Signal(str)
    loaded = Signal(str)

    def __init__(self, context: AppContext, pupil_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.pupil_id = pupil_id
        self.page: PupilPage | None = None
        self.shown: list[ChronologyEntry] = []
        self.loader = LatestOnly(context, self, self._loaded, self._failed, reload=self.refresh)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.name = heading_label("", self)
        named(self.name, "The pupil")
        top.addWidget(self.name)
        self.status = plain_label("Reading the pupil's page…", self, role="muted")
        named(self.status, "What the page holds")
        top.addWidget(self.status, 1)
        self.reload_button = named(QPushButton("Re&load", self), "Read the pupil's page again")
        self.reload_button.setAutoDefault(False)
        top.addWidget(self.reload_button)
        self.transfer_button = named(
            QPushButton("Send the child protection file…", self),
            "Send the pupil's child protection file to their new school",
        )
        self.transfer_button.setAutoDefault(False)
        session = context.session
        self.transfer_button.setVisible(session is not None and Role.DSL in session.person.roles)
        top.addWidget(self.transfer_button)
        layout.addLayout(top)
        self.facts = plain_label("", self, selectable=True)
        named(self.facts, "Year, form, date of birth and UPN")
        self.retention = plain_label("", self, role="muted")
        named(self.retention, "How long the records are kept")
        self.family = plain_label("", self)
        named(self.family, "Family")
        self.staff_links = plain_label("", self)
        named(self.staff_links, "Staff with a family link or social contact with this pupil")
        self.staff_links.hide()
        self.problem = plain_label("", self, role="warning")
        named(self.problem, "Problem")
        for label in (self.facts, self.retention, self.family, self.staff_links, self.problem):
            layout.addWidget(label)
        self.family.hide()
        self.problem.hide()

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setChildrenCollapsible(False)
        cases_box = QGroupBox("Cases about this pupil", split)
        cases_layout = QHBoxLayout(cases_box)
        self.cases = read_only_table(
            cases_box,
            "Cases about this pupil",
            ("Case", "Received", "Kind of concern", "Summary", "Their role", "Status"),
            stretch=3,
            widths={0: "SL-0000-0000", 1: "00/00/0000", 2: "Cyberbullying of a pupil",
                    4: "Alleged perpetrator", 5: "Acknowledged"},
        )  # fmt: skip
        # At least three cases in view, however short the screen.
        rows = self.cases.verticalHeader().defaultSectionSize() * 3
        self.cases.setMinimumHeight(rows + self.cases.horizontalHeader().sizeHint().height() + 4)
        cases_layout.addWidget(self.cases, 1)
        self.open_button = named(QPushButton("&Open case", cases_box), "Open the selected case")
        self.open_button.setAutoDefault(False)
        cases_layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)

        chronology_box = QGroupBox("Chronology, across all these cases", split)
        chronology_layout = QVBoxLayout(chronology_box)
        filters = QHBoxLayout()
        self.kind = named(QComboBox(chronology_box), "Show entries of this kind")
        self.kind.addItem(ALL_KINDS, "")
        for kind in KINDS:
            self.kind.addItem(KIND_LABELS[kind], kind)
        self.start = named(QLineEdit(chronology_box), "From this date", "dd/mm/yyyy, or empty")
        self.end = named(QLineEdit(chronology_box), "To this date", "dd/mm/yyyy, or empty")
        for field in (self.start, self.end):
            field.setPlaceholderText("dd/mm/yyyy")
            field.setMaxLength(10)
            field.setFixedWidth(text_width(field, "00/00/00000", padding=40))
        filter_fields: tuple[tuple[str, QWidget], ...] = (
            ("&Show", self.kind),
            ("&From", self.start),
            ("&To", self.end),
        )
        for caption, control in filter_fields:
            label = plain_label(caption, chronology_box, wrap=False)
            label.setMinimumWidth(text_width(label, caption.replace("&", ""), padding=4))
            label.setBuddy(control)
            filters.addWidget(label)
            filters.addWidget(control)
        self.shown_count = plain_label("", chronology_box, role="muted")
        named(self.shown_count, "How many entries are shown")
        filters.addWidget(self.shown_count, 1)
        self.open_entry_button = named(
            QPushButton("Open the &entry's case", chronology_box),
            "Open the case of the selected chronology entry",
        )
        self.open_entry_button.setAutoDefault(False)
        filters.addWidget(self.open_entry_button)
        chronology_layout.addLayout(filters)
        self.date_problem = plain_label(DATE_HINT, chronology_box, role="warning")
        named(self.date_problem, "Problem with the dates")
        self.date_problem.hide()
        chronology_layout.addWidget(self.date_problem)
        self.chronology = read_only_table(
            chronology_box,
            "Chronology",
            ("When", "Case", "Kind", "What happened", "By"),
            stretch=3,
            widths={0: "00/00/0000 00:00", 1: "SL-0000-0000", 2: "Chronology entry",
                    4: "Someone's full name"},
        )  # fmt: skip
        chronology_layout.addWidget(self.chronology, 1)
        split.addWidget(cases_box)
        split.addWidget(chronology_box)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)

        self.reload_button.clicked.connect(self.refresh)
        self.transfer_button.clicked.connect(self.send_transfer)
        self.open_button.clicked.connect(lambda: self._open(self.cases))
        self.open_entry_button.clicked.connect(lambda: self._open(self.chronology))
        self.cases.itemActivated.connect(lambda _item: self._open(self.cases))
        self.chronology.itemActivated.connect(lambda _item: self._open(self.chronology))
        self.cases.itemSelectionChanged.connect(self._update)
        self.chronology.itemSelectionChanged.connect(self._update)
        self.kind.currentIndexChanged.connect(lambda _i: self.show_chronology())
        self.start.textChanged.connect(lambda _t: self.show_chronology())
        self.end.textChanged.connect(lambda _t: self.show_chronology())
        context.events.locked.connect(self.clear)
        self._update()
        self.refresh()

    def send_transfer(self) -> None:
        """Transfers (gui/transfer_send_dialog.py), with this pupil already chosen."""
        from safelog.gui.transfer_send_dialog import SendTransferDialog

        dialog = SendTransferDialog(self.context, self, self.pupil_id)
        try:
            dialog.launch()
        finally:
            dialog.deleteLater()

    # -- reading ------------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        return self.loader.loading

    def refresh(self) -> None:
        if self.loader.defer():
            return
        session = self.context.session
        if session is None or session.locked:
            return
        set_plain_text(self.status, "Reading the pupil's page…")
        self.reload_button.setEnabled(False)
        pupil_id = self.pupil_id
        self.loader.run(lambda: read_page(session, pupil_id))

    def _loaded(self, read: PageRead) -> None:
        self.reload_button.setEnabled(True)
        page = self.page = read.page
        pupil = page.pupil
        set_plain_text(self.name, pupil_name(pupil))
        facts = pupil_facts(pupil) or "No year, form or date of birth on the roll"
        upn = f", UPN {visible(pupil.upn)}" if pupil.upn else ""
        set_plain_text(self.facts, f"{facts}{upn}.")
        set_plain_text(self.retention, retention_text(page))
        set_plain_text(self.family, "Family: " + "; ".join(read.family))
        self.family.setVisible(bool(read.family))
        set_plain_text(self.staff_links, read.staff)
        self.staff_links.setVisible(bool(read.staff))
        set_plain_text(self.status, cases_text(len(page.cases)))
        problems = "\n".join(page.problems)
        shown = f"Some cases could not be shown:\n{problems}" if problems else ""
        set_plain_text(self.problem, shown)
        self.problem.setVisible(bool(problems))
        fill_table(
            self.cases,
            [
                [
                    c.reference,
                    uk_date(c.created_at),
                    c.category,
                    c.summary,
                    ", ".join(role_label(r) for r in c.roles),
                    status_label(c.status),
                ]
                for c in page.cases
            ],
            keys=[c.reference for c in page.cases],
        )
        self.show_chronology()
        self.loaded.emit(self.pupil_id)

    def _failed(self, exc: BaseException) -> None:
        self.reload_button.setEnabled(True)
        set_plain_text(self.status, "")
        set_plain_text(self.problem, error_text(exc))
        self.problem.show()

    # -- the chronology -------------------------------------------------------------------------

    def dates(self) -> tuple[date | None, date | None] | None:
        """The date range typed, or None (with the hint shown) while either is not a date."""
        try:
            chosen = (parse_uk_date(self.start.text()), parse_uk_date(self.end.text()))
        except ValueError:
            self.date_problem.show()
            return None
        self.date_problem.hide()
        return chosen

    def show_chronology(self) -> None:
        page = self.page
        dates = self.dates()
        if page is None or dates is None:
            return
        kind = self.kind.currentData()
        self.shown = page.chronology(kinds={kind} if kind else None, start=dates[0], end=dates[1])
        fill_table(
            self.chronology,
            [
                [uk_datetime(e.at), e.case, KIND_LABELS.get(e.kind, e.kind), e.text, e.by]
                for e in self.shown
            ],
            keys=[e.case for e in self.shown],
        )
        total = len(page.entries)
        words = f"{total} entr{'y' if total == 1 else 'ies'}"
        set_plain_text(
            self.shown_count,
            words if len(self.shown) == total else f"{len(self.shown)} of {words} shown",
        )
        self._update()

    # -- opening a case -------------------------------------------------------------------------

    def _open(self, table: QTableWidget) -> None:
        reference = row_key(table)
        if reference:
            self.open_case.emit(str(reference))

    def _update(self) -> None:
        self.open_button.setEnabled(self.cases.currentRow() >= 0)
        self.open_entry_button.setEnabled(self.chronology.currentRow() >= 0)

    def clear(self) -> None:
        """Forget the pupil and their cases (on lock)."""
        self.loader.reset()
        self.page = None
        self.shown = []
        for label in (self.name, self.facts, self.retention, self.family, self.status):
            set_plain_text(label, "")
        set_plain_text(self.staff_links, "")
        self.staff_links.hide()
        self.problem.hide()
        self.cases.setRowCount(0)
        self.chronology.setRowCount(0)
        self.start.clear()
        self.end.clear()
        self._update()
