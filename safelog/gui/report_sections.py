"""The parts of "Report a concern", each a box of its own: what kind of concern, what
happened, when and where, who was involved, whether it is about a member of staff, and what
has been done. Each owns its fields and how they show; the form (report_form.py) checks
what they say and sends it."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.categories import all_categories
from safelog.domain.category import Category
from safelog.domain.image_block import STAFF_UPLOAD_WARNING, warns_before_upload
from safelog.domain.platforms import COMMON_PLATFORMS, OTHER_PLATFORM
from safelog.gui.form_fields import kind_combo, person_kind_text, role_combo, role_label
from safelog.gui.formatting import to_qdatetime, uk_date
from safelog.gui.pupil_picker import PupilRow, RollSource
from safelog.gui.widgets import ColumnFitter, named, plain_label, text_width

PLATFORMS = (*COMMON_PLATFORMS, "In person")
OTHER = OTHER_PLATFORM
NOT_STAFF = "No, or not a member of staff"
CHOOSE_STAFF = "Choose the member of staff…"


class KindSection(QGroupBox):
    """The kind of concern, with what it covers and its guidance (and, for a DSL, the
    policy sections behind it)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("What kind of concern is it? *", parent)
        layout = QVBoxLayout(self)
        self.category = named(QComboBox(self), "Kind of concern (needed)")
        self.category.addItem("Choose the kind of concern…", None)
        for category in all_categories():
            self.category.addItem(category.title, category.code)
        self.category.setMaxVisibleItems(len(all_categories()) + 1)
        self.category.setMinimumContentsLength(24)
        self.category.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.help = plain_label("", self, role="muted")
        named(self.help, "What this kind of concern covers")
        self.guidance = plain_label("", self, role="notice")
        named(self.guidance, "What to do, and what not to do")
        # The policy sections behind the guidance, for a DSL only: staff get plain words.
        self.policy = plain_label("", self, role="muted")
        named(self.policy, "Policy sections")
        self.policy.hide()
        layout.addWidget(self.category)
        layout.addWidget(self.help)
        layout.addWidget(self.guidance)
        layout.addWidget(self.policy)

    def show_category(
        self, category: Category | None, *, about_head: bool, with_policy: bool
    ) -> None:
        if category is None:
            self.help.setText("")
            self.help.hide()
            self.guidance.hide()
            self.policy.hide()
            return
        self.help.setText(category.description)
        self.help.show()
        self.show_guidance(category, about_head=about_head)
        warns = category.blocks_image_import or warns_before_upload(category)
        self.guidance.setProperty("role", "warning" if warns else "notice")
        self.guidance.style().unpolish(self.guidance)
        self.guidance.style().polish(self.guidance)
        self.guidance.show()
        self.policy.setVisible(with_policy)

    def show_guidance(self, category: Category, *, about_head: bool) -> None:
        """On a concern about the headteacher the guidance and the policy line name the
        chair of governors, not the headteacher."""
        text = category.guidance_for(about_headteacher=about_head)
        if warns_before_upload(category):  # 002 7.2.4, before any screenshot is added
            text += "\n\n" + STAFF_UPLOAD_WARNING
        self.guidance.setText(text)
        self.policy.setText(category.policy_for(about_headteacher=about_head))


class WhatSection(QGroupBox):
    def __init__(self, parent: QWidget) -> None:
        super().__init__("What happened *", parent)
        form = QFormLayout(self)
        self.summary = named(QLineEdit(self), "What happened, in one line (needed)")
        self.summary.setMaxLength(300)
        self.summary.setPlaceholderText(
            "One line, e.g. Unkind comments about a pupil under a video"
        )
        self.description = named(QPlainTextEdit(self), "What happened, in full (needed)")
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(
            "What was said or shown, by whom, to whom, and how you found out. "
            "Use people's own words where you can."
        )
        self.description.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
        form.addRow("In &one line *", self.summary)
        form.addRow("In &full *", self.description)


class WhenWhereSection(QGroupBox):
    """When (now, unless changed), where (a platform from the list, or another named), and
    the link."""

    def __init__(self, parent: QWidget, now: datetime) -> None:
        super().__init__("When and where", parent)
        form = QFormLayout(self)
        self.when = named(
            QDateTimeEdit(self), "When it happened", "Day/month/year and time; now, unless changed"
        )
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setDateTime(to_qdatetime(now))
        self.platform = named(QComboBox(self), "Where it happened: site, app or place")
        self.platform.addItem("Choose if you know…", "")
        for name in PLATFORMS:
            self.platform.addItem(name, name)
        self.platform.addItem(OTHER, OTHER)
        self.platform.setMaxVisibleItems(len(PLATFORMS) + 2)
        self.platform_other = named(QLineEdit(self), "Name of the other site, app or place")
        self.platform_other.setPlaceholderText("Name of the site, app or place")
        self.platform_other.setMaxLength(200)
        self.platform_other.hide()
        where = QHBoxLayout()
        where.addWidget(self.platform, 1)
        where.addWidget(self.platform_other, 1)
        where_label = plain_label("W&here", self, wrap=False)
        where_label.setBuddy(self.platform)
        self.url = named(QLineEdit(self), "Link to the post, page or profile")
        self.url.setPlaceholderText("https://… (copy the full address if you have it)")
        self.url.setMaxLength(4000)
        form.addRow("&When", self.when)
        form.addRow(where_label, where)
        form.addRow("&Link", self.url)
        self.platform.currentIndexChanged.connect(self._platform_changed)

    def _platform_changed(self) -> None:
        other = self.platform.currentData() == OTHER
        self.platform_other.setVisible(other)
        if other:
            self.platform_other.setFocus()


class PeopleSection(QGroupBox):
    """A row to type a person in, or to pick a pupil from the school roll as the name is
    typed (gui/pupil_picker.py), and the list of those added, each with their own role in
    this concern. The form checks the row (`add_person` there) and adds it here."""

    def __init__(self, parent: QWidget, roll: RollSource) -> None:
        super().__init__("Who was involved", parent)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label("Add each person with their own role in this concern.", self, role="muted")
        )
        grid = QGridLayout()
        self.name = named(QLineEdit(self), "Name of a person involved")
        self.name.setPlaceholderText("Their name")
        self.name.setMaxLength(200)
        self.kind = kind_combo(self, "Who the person is")
        self.role = role_combo(self, "Their role in this concern")
        self.birth = named(QLineEdit(self), "Their date of birth (optional)", "Like 01/05/2012")
        self.birth.setPlaceholderText("dd/mm/yyyy")
        self.name.setMinimumWidth(text_width(self.name, "A pupil's full name"))
        self.birth.setMinimumWidth(text_width(self.birth, "00/00/00000"))
        self.add_button = named(QPushButton("&Add person", self), "Add this person")
        self.roll_note = named(plain_label("", self, role="muted"), "Picking from the school roll")
        # Two rows, so the form never grows wider than a small window.
        cells = (
            ("&Name", self.name, 0, 0, 2),
            ("Who they a&re", self.kind, 0, 2, 1),
            ("Their rol&e in this concern", self.role, 2, 0, 1),
            ("Date of &birth", self.birth, 2, 1, 1),
        )
        for text, field, row, column, span in cells:
            caption = plain_label(text, self, wrap=False)
            caption.setBuddy(field)
            grid.addWidget(caption, row, column, 1, span)
            grid.addWidget(field, row + 1, column, 1, span)
        grid.addWidget(self.add_button, 3, 2)
        grid.addWidget(self.roll_note, 4, 0, 1, 3)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid)
        self.table = named(QTableWidget(0, 4, self), "People involved")
        self.table.setHorizontalHeaderLabels(
            ["Name", "Who they are", "Role in this concern", "Date of birth"]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        samples = {
            1: ("Someone outside the school", False),
            2: ("Role in this concern", True),
            3: ("Date of birth", False),
        }
        ColumnFitter(self.table, samples).apply()
        self.table.setMaximumHeight(self.fontMetrics().lineSpacing() * 7)
        self.table.hide()
        layout.addWidget(self.table)
        self.remove_button = named(
            QPushButton("&Remove selected person", self), "Remove the selected person"
        )
        self.remove_button.hide()
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._people: list[dict[str, str]] = []
        self.remove_button.clicked.connect(self._remove_selected)
        self.row = PupilRow(self.name, self.kind, self.birth, self.roll_note, roll)

    def linked_person(self) -> dict[str, str] | None:
        """The row as a pupil picked from the roll, with the role chosen; None otherwise."""
        return self.row.person(self.role.currentData())

    @property
    def people(self) -> list[dict[str, str]]:
        return [dict(p) for p in self._people]

    def set_people(self, people: list[dict[str, str]]) -> None:
        self._people = [dict(p) for p in people]
        self._show()

    def add(self, person: dict[str, str]) -> None:
        """Add a checked person and empty the row for the next."""
        self._people.append(person)
        self._show()
        self.row.unlink()
        self.name.clear()
        self.birth.clear()
        self.name.setFocus()

    def _remove_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._people):
            del self._people[row]
            self._show()

    def _show(self) -> None:
        self.table.setRowCount(len(self._people))
        for r, person in enumerate(self._people):
            values = [
                person["name"],
                person_kind_text(person),
                role_label(person["role"]),
                uk_date(person.get("date_of_birth", "")),
            ]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(r, c, item)
        self.table.setVisible(bool(self._people))
        self.remove_button.setVisible(bool(self._people))


class AboutSection(QGroupBox):
    """Whether the concern is about the headteacher or another member of staff (who can
    never read it). `heads`: the headteachers' names; `colleagues`: everyone else's but
    the writer's."""

    def __init__(self, parent: QWidget, heads: list[str], colleagues: list[str], me: str) -> None:
        super().__init__("Is it about a member of staff?", parent)
        layout = QVBoxLayout(self)
        self.about_head = named(
            QCheckBox("This concern is about the &headteacher", self),
            "This concern is about the headteacher",
        )
        self.note = plain_label(
            "The headteacher will not be able to read this report. It goes to the chair of "
            "governors (and to the DSL, if the DSL is not the headteacher).",
            self,
            role="notice",
        )
        self.note.hide()
        if not heads:
            self.about_head.setEnabled(False)
            self.about_head.setToolTip(
                "No headteacher uses SafeLog yet: tell the chair of governors in person."
            )
        elif me in heads:
            self.about_head.hide()
        row = QHBoxLayout()
        self.about_staff = named(QComboBox(self), "Member of staff the concern is about")
        self.about_staff.addItem(NOT_STAFF, "")
        for name in colleagues:
            if name not in heads:
                self.about_staff.addItem(name, name)
        row.addWidget(plain_label("About a member of staff:", self, wrap=False))
        row.addWidget(self.about_staff, 1)
        layout.addWidget(self.about_head)
        layout.addWidget(self.note)
        layout.addLayout(row)
        layout.addWidget(
            plain_label("The person a concern is about can never read it.", self, role="muted")
        )
        self.about_head.toggled.connect(self.note.setVisible)

    def name_needed(self, needed: bool) -> None:
        """A low-level concern is always about someone, who must be named
        (domain/low_level.py): the first choice asks for them."""
        self.about_staff.setItemText(0, CHOOSE_STAFF if needed else NOT_STAFF)


class DoneSection(QGroupBox):
    def __init__(self, parent: QWidget) -> None:
        super().__init__("What has been done", parent)
        form = QFormLayout(self)
        self.action_taken = named(QPlainTextEdit(self), "Immediate action taken")
        self.action_taken.setTabChangesFocus(True)
        self.action_taken.setPlaceholderText(
            "e.g. Took a screenshot, reported the post, moved the pupil to another room"
        )
        self.action_taken.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 16)
        self.told_dsl = named(
            QCheckBox("I have already told a &DSL in person", self),
            "I have already told a DSL in person",
        )
        form.addRow("Immediate &action taken", self.action_taken)
        form.addRow("", self.told_dsl)
