"""Report a concern: one form, done in about two minutes, by any member of staff.

What happened, when, where (platform and link), who was involved and in what role, whether it
is about the headteacher or another member of staff, what was done straight away and whether a
DSL was already told in person. What the case record has no field for (the immediate action and
the verbal report) goes into the description under clear headings.

Sending runs in the worker. Problems are shown in plain words next to the form, which keeps
everything typed; nothing is lost on an error.

Screenshots and files can go with the report ("Screenshots and files": paste, drop, choose or
capture; report_attachments.py). They are held in memory (pasted and captured pictures) or by
path (files) until the report is sent, then filed with the new case in the same worker job
(vault/filing.py), with the form's time, platform and link as where and when they were seen.
A file that cannot be added is named in plain words afterwards; the report itself is saved
first and never lost for it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.categories import CATEGORIES, category_by_code
from safelog.domain.deadlines import LONDON
from safelog.domain.platforms import COMMON_PLATFORMS, OTHER_PLATFORM
from safelog.domain.roles import Role
from safelog.errors import InvalidInput
from safelog.gui.content_report_fields import ContentReportFields
from safelog.gui.crash_dialog import log_fault
from safelog.gui.dialogs import tell
from safelog.gui.errors import error_text
from safelog.gui.form_fields import kind_combo, kind_label, parse_uk_date, role_combo, role_label
from safelog.gui.formatting import from_qdatetime, to_qdatetime, uk_date
from safelog.gui.report_attachments import EvidenceSection, not_added_text
from safelog.gui.screen_fit import fit_to_screen
from safelog.gui.widgets import ColumnFitter, named, plain_label, set_invalid, text_width
from safelog.vault.directory import ENROLLED
from safelog.vault.drafts import REPORT, DraftKeys
from safelog.vault.filing import FiledReport, WhereSeen, file_report

if TYPE_CHECKING:
    from safelog.gui.context import AppContext

PLATFORMS = (*COMMON_PLATFORMS, "In person")
OTHER = OTHER_PLATFORM

ACTION_HEADING = "Immediate action taken:"
NOT_STAFF = "No, or not a member of staff"
CHOOSE_STAFF = "Choose the member of staff…"
NAME_THE_STAFF = (
    "Choose the member of staff this low-level concern is about (or tick the headteacher "
    "box). They will never be able to read it."
)
TOLD_HEADING = "Already told a DSL in person:"
AUTOSAVE_MS = 15_000  # how often a half-written report is kept, sealed, besides on lock

# CaseInput's messages name JSON keys; the form names its own fields.
_KEY_NAMES = {
    "'category'": "The kind of concern",
    "'summary'": "The one-line summary",
    "'description'": "The description",
    "'occurred_at'": "The date and time",
    "'platform'": "The platform",
    "'url'": "The link",
    "'subjects'": "The member of staff",
    "'people'": "The list of people",
    "'name'": "The name",
}


def plain_message(message: str) -> str:
    for key, words in _KEY_NAMES.items():
        if message.startswith(key):
            return words + message[len(key) :]
        message = message.replace(key, words.lower())
    return message[:1].upper() + message[1:]


def compose_description(details: str, action: str, told_dsl: bool) -> str:
    """The description as stored: what happened, then the two things CaseInput has no field for."""
    parts = [details.strip()]
    parts.append(f"{ACTION_HEADING}\n{action.strip() or 'None recorded.'}")
    parts.append(f"{TOLD_HEADING} {'Yes' if told_dsl else 'No'}")
    return "\n\n".join(parts)


class ReportConcernDialog(QDialog):
    """`launch()` returns the new case's reference, or None if the report was not sent.
    The caller tells the other views (`events.cases_changed`), as the main window does."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.reference: str | None = None
        self._sending = False
        self._closing = False
        self.setWindowTitle("Report a concern")
        self.setModal(True)
        session = context.require_session()
        self._me = session.person
        # Kept so a half-written report can still be sealed once the lock has dropped the
        # private keys (vault/drafts.py): the public key and a key that only signs drafts.
        self._draft_keys = DraftKeys.of(session)
        self._draft_slot: str | None = None
        self._kept_digest = b""
        people = [p for p in session.directory.people.values() if p.status == ENROLLED]
        self._heads = sorted(p.name for p in people if Role.HEADTEACHER in p.roles)
        self._colleagues = sorted(p.name for p in people if p.id != session.user_id)

        outer = QVBoxLayout(self)
        intro = plain_label(
            "Tell the DSL what happened. Fields marked * are needed; the rest help if you "
            "know them. Write facts, in the words people used.",
            self,
            role="muted",
        )
        outer.addWidget(intro)
        self.draft_notice = plain_label("", self, role="notice")
        named(self.draft_notice, "Report kept from before SafeLog locked")
        self.draft_notice.hide()
        outer.addWidget(self.draft_notice)
        self.error = plain_label("", self, role="warning")
        named(self.error, "Problem with the report")
        self.error.hide()
        outer.addWidget(self.error)

        self.scroller = QScrollArea(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(self.scroller)
        self.body = body
        layout = QVBoxLayout(body)
        layout.addWidget(self._kind_section(body))
        layout.addWidget(self._what_section(body))
        layout.addWidget(self._when_where_section(body))
        self.content_report = ContentReportFields(body)  # shown for inappropriate content
        layout.addWidget(self.content_report)
        self.evidence = EvidenceSection(context, body, self._pictures_blocked)
        layout.addWidget(self.evidence)
        layout.addWidget(self._people_section(body))
        layout.addWidget(self._about_section(body))
        layout.addWidget(self._done_section(body))
        layout.addStretch(1)
        for combo in body.findChildren(QComboBox):
            # Long choices must not make the form wider than the window.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
        self.scroller.setWidget(body)
        outer.addWidget(self.scroller, 1)

        # No default button: Enter in a field must never send a half-written report (a
        # dialog presses its default button on Enter). Ctrl+Enter sends.
        buttons = QHBoxLayout()
        buttons.addWidget(
            plain_label("Ctrl+Enter sends the report.", self, role="muted", wrap=False)
        )
        buttons.addStretch(1)
        self.send_button = named(
            QPushButton("&Send report", self),
            "Send report to the DSL",
            "Ctrl+Enter also sends the report.",
        )
        self.send_button.setProperty("role", "primary")
        self.cancel_button = named(QPushButton("Cancel", self), "Cancel the report")
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.cancel_button)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.send_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        outer.addLayout(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self.submit)

        context.events.locked.connect(self._locked)
        self._error_field: QWidget | None = None
        self._watch_for_fixes()
        self._show_category()
        fit_to_screen(self, 760, 760)
        self.category.setFocus()
        self._resume_draft()
        # Kept every little while as well as on lock, so a crash or a power cut loses little.
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self._keep_draft)
        self._autosave.start()

    # -- sections ---------------------------------------------------------------------------

    def _kind_section(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("What kind of concern is it? *", parent)
        layout = QVBoxLayout(box)
        self.category = named(QComboBox(box), "Kind of concern (needed)")
        self.category.addItem("Choose the kind of concern…", None)
        for category in CATEGORIES:
            self.category.addItem(category.title, category.code)
        self.category.setMaxVisibleItems(len(CATEGORIES) + 1)
        self.category.setMinimumContentsLength(24)
        self.category.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.category_help = plain_label("", box, role="muted")
        named(self.category_help, "What this kind of concern covers")
        self.category_guidance = plain_label("", box, role="notice")
        named(self.category_guidance, "What to do, and what not to do")
        # The policy sections behind the guidance, for a DSL only: staff get plain words.
        self.category_policy = plain_label("", box, role="muted")
        named(self.category_policy, "Policy sections")
        self.category_policy.hide()
        layout.addWidget(self.category)
        layout.addWidget(self.category_help)
        layout.addWidget(self.category_guidance)
        layout.addWidget(self.category_policy)
        self.category.currentIndexChanged.connect(self._show_category)
        return box

    def _what_section(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("What happened *", parent)
        form = QFormLayout(box)
        self.summary = named(QLineEdit(box), "What happened, in one line (needed)")
        self.summary.setMaxLength(300)
        self.summary.setPlaceholderText(
            "One line, e.g. Unkind comments about a pupil under a video"
        )
        self.description = named(QPlainTextEdit(box), "What happened, in full (needed)")
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(
            "What was said or shown, by whom, to whom, and how you found out. "
            "Use people's own words where you can."
        )
        self.description.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
        form.addRow("In &one line *", self.summary)
        form.addRow("In &full *", self.description)
        return box

    def _when_where_section(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("When and where", parent)
        form = QFormLayout(box)
        self.when = named(
            QDateTimeEdit(box), "When it happened", "Day/month/year and time; now, unless changed"
        )
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setDateTime(to_qdatetime(self.context.clock()))
        self.platform = named(QComboBox(box), "Where it happened: site, app or place")
        self.platform.addItem("Choose if you know…", "")
        for name in PLATFORMS:
            self.platform.addItem(name, name)
        self.platform.addItem(OTHER, OTHER)
        self.platform.setMaxVisibleItems(len(PLATFORMS) + 2)
        self.platform_other = named(QLineEdit(box), "Name of the other site, app or place")
        self.platform_other.setPlaceholderText("Name of the site, app or place")
        self.platform_other.setMaxLength(200)
        self.platform_other.hide()
        where = QHBoxLayout()
        where.addWidget(self.platform, 1)
        where.addWidget(self.platform_other, 1)
        where_label = plain_label("W&here", box, wrap=False)
        where_label.setBuddy(self.platform)
        self.url = named(QLineEdit(box), "Link to the post, page or profile")
        self.url.setPlaceholderText("https://… (copy the full address if you have it)")
        self.url.setMaxLength(4000)
        form.addRow("&When", self.when)
        form.addRow(where_label, where)
        form.addRow("&Link", self.url)
        self.platform.currentIndexChanged.connect(self._platform_changed)
        return box

    def _people_section(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Who was involved", parent)
        layout = QVBoxLayout(box)
        layout.addWidget(
            plain_label("Add each person with their own role in this concern.", box, role="muted")
        )
        grid = QGridLayout()
        self.person_name = named(QLineEdit(box), "Name of a person involved")
        self.person_name.setPlaceholderText("Their name")
        self.person_name.setMaxLength(200)
        self.person_kind = kind_combo(box, "Who the person is")
        self.person_role = role_combo(box, "Their role in this concern")
        self.person_birth = named(
            QLineEdit(box), "Their date of birth (optional)", "Like 01/05/2012"
        )
        self.person_birth.setPlaceholderText("dd/mm/yyyy")
        self.person_name.setMinimumWidth(text_width(self.person_name, "A pupil's full name"))
        self.person_birth.setMinimumWidth(text_width(self.person_birth, "00/00/00000"))
        self.add_person_button = named(QPushButton("&Add person", box), "Add this person")
        # Two rows, so the form never grows wider than a small window.
        cells = (
            ("&Name", self.person_name, 0, 0, 2),
            ("Who they a&re", self.person_kind, 0, 2, 1),
            ("Their rol&e in this concern", self.person_role, 2, 0, 1),
            ("Date of &birth", self.person_birth, 2, 1, 1),
        )
        for text, field, row, column, span in cells:
            caption = plain_label(text, box, wrap=False)
            caption.setBuddy(field)
            grid.addWidget(caption, row, column, 1, span)
            grid.addWidget(field, row + 1, column, 1, span)
        grid.addWidget(self.add_person_button, 3, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid)
        self.people = named(QTableWidget(0, 4, box), "People involved")
        self.people.setHorizontalHeaderLabels(
            ["Name", "Who they are", "Role in this concern", "Date of birth"]
        )
        self.people.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.people.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.people.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.people.setTabKeyNavigation(False)
        self.people.verticalHeader().hide()
        self.people.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        samples = {
            1: ("Someone outside the school", False),
            2: ("Role in this concern", True),
            3: ("Date of birth", False),
        }
        ColumnFitter(self.people, samples).apply()
        self.people.setMaximumHeight(self.fontMetrics().lineSpacing() * 7)
        self.people.hide()
        layout.addWidget(self.people)
        self.remove_person_button = named(
            QPushButton("&Remove selected person", box), "Remove the selected person"
        )
        self.remove_person_button.hide()
        layout.addWidget(self.remove_person_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._people: list[dict[str, str]] = []
        self.add_person_button.clicked.connect(self.add_person)
        self.person_name.returnPressed.connect(self.add_person)
        self.remove_person_button.clicked.connect(self._remove_person)
        return box

    def _about_section(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Is it about a member of staff?", parent)
        layout = QVBoxLayout(box)
        self.about_head = named(
            QCheckBox("This concern is about the &headteacher", box),
            "This concern is about the headteacher",
        )
        self.about_head_note = plain_label(
            "The headteacher will not be able to read this report. It goes to the chair of "
            "governors (and to the DSL, if the DSL is not the headteacher).",
            box,
            role="notice",
        )
        self.about_head_note.hide()
        if not self._heads:
            self.about_head.setEnabled(False)
            self.about_head.setToolTip(
                "No headteacher uses SafeLog yet: tell the chair of governors in person."
            )
        elif self._me.name in self._heads:
            self.about_head.hide()
        row = QHBoxLayout()
        self.about_staff = named(QComboBox(box), "Member of staff the concern is about")
        self.about_staff.addItem(NOT_STAFF, "")
        for name in self._colleagues:
            if name not in self._heads:
                self.about_staff.addItem(name, name)
        row.addWidget(plain_label("About a member of staff:", box, wrap=False))
        row.addWidget(self.about_staff, 1)
        layout.addWidget(self.about_head)
        layout.addWidget(self.about_head_note)
        layout.addLayout(row)
        layout.addWidget(
            plain_label("The person a concern is about can never read it.", box, role="muted")
        )
        self.about_head.toggled.connect(self.about_head_note.setVisible)
        self.about_head.toggled.connect(lambda _on: self._show_guidance())
        return box

    def _done_section(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("What has been done", parent)
        form = QFormLayout(box)
        self.action_taken = named(QPlainTextEdit(box), "Immediate action taken")
        self.action_taken.setTabChangesFocus(True)
        self.action_taken.setPlaceholderText(
            "e.g. Took a screenshot, reported the post, moved the pupil to another room"
        )
        self.action_taken.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 16)
        self.told_dsl = named(
            QCheckBox("I have already told a &DSL in person", box),
            "I have already told a DSL in person",
        )
        form.addRow("Immediate &action taken", self.action_taken)
        form.addRow("", self.told_dsl)
        return box

    # -- reacting ---------------------------------------------------------------------------

    def _show_category(self) -> None:
        code = self.category.currentData()
        self.content_report.set_category(code)
        if not code:
            self.category_help.setText("")
            self.category_help.hide()
            self.category_guidance.hide()
            self.category_policy.hide()
            self.about_staff.setItemText(0, NOT_STAFF)
            return
        category = category_by_code(code)
        self.category_help.setText(category.description)
        self.category_help.show()
        self._show_guidance()
        self.category_guidance.setProperty(
            "role", "warning" if category.blocks_image_import else "notice"
        )
        self.category_guidance.style().unpolish(self.category_guidance)
        self.category_guidance.style().polish(self.category_guidance)
        self.category_guidance.show()
        self.category_policy.setVisible(Role.DSL in self._me.roles)
        # A low-level concern is always about someone, who must be named (domain/low_level.py).
        self.about_staff.setItemText(0, CHOOSE_STAFF if category.low_level else NOT_STAFF)
        set_invalid(self.category, False)
        self.evidence.category_changed()

    def _show_guidance(self) -> None:
        """The chosen category's guidance and policy line, for this concern: on a concern
        about the headteacher they name the chair of governors, not the headteacher."""
        code = self.category.currentData()
        if not code:
            return
        category = category_by_code(code)
        about_head = self.about_head.isChecked()
        self.category_guidance.setText(category.guidance_for(about_headteacher=about_head))
        self.category_policy.setText(category.policy_for(about_headteacher=about_head))

    def _pictures_blocked(self) -> str | None:
        """The chosen category's guidance when it blocks pictures (UKCIS), else None."""
        code = self.category.currentData()
        if not code:
            return None
        category = category_by_code(code)
        return category.guidance if category.blocks_image_import else None

    def _platform_changed(self) -> None:
        other = self.platform.currentData() == OTHER
        self.platform_other.setVisible(other)
        if other:
            self.platform_other.setFocus()

    def add_person(self) -> bool:
        """Add the person typed in the row above the list; False (with a message) if the
        row cannot be added. An empty row adds nothing."""
        name = self.person_name.text().strip()
        if not name:
            if self.person_birth.text().strip():
                self._show_error(
                    "Write the person's name, or clear their date of birth.", self.person_name
                )
                return False
            return True
        try:
            born = parse_uk_date(self.person_birth.text())
        except ValueError:
            self._show_error(
                "Write the date of birth like 01/05/2012, or leave it empty.", self.person_birth
            )
            return False
        if born is not None and born > self.context.clock().astimezone(LONDON).date():
            self._show_error("The date of birth is in the future.", self.person_birth)
            return False
        person = {
            "name": name,
            "kind": self.person_kind.currentData(),
            "role": self.person_role.currentData(),
        }
        if born is not None:
            person["date_of_birth"] = born.isoformat()
        if self._error_field in (self.person_name, self.person_birth):
            self._clear_errors()
        self._people.append(person)
        self._show_people()
        self.person_name.clear()
        self.person_birth.clear()
        self.person_name.setFocus()
        return True

    def _remove_person(self) -> None:
        row = self.people.currentRow()
        if 0 <= row < len(self._people):
            del self._people[row]
            self._show_people()

    def _show_people(self) -> None:
        self.people.setRowCount(len(self._people))
        for r, person in enumerate(self._people):
            values = [
                person["name"],
                kind_label(person["kind"]),
                role_label(person["role"]),
                uk_date(person.get("date_of_birth", "")),
            ]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.people.setItem(r, c, item)
        self.people.setVisible(bool(self._people))
        self.remove_person_button.setVisible(bool(self._people))

    @property
    def people_added(self) -> list[dict[str, str]]:
        return [dict(p) for p in self._people]

    # -- sending ----------------------------------------------------------------------------

    def _watch_for_fixes(self) -> None:
        """An error marked on a field goes as soon as that field is changed: a fixed date
        of birth must not stay red (issue 11). Sending checks everything again anyway."""
        for line in (self.summary, self.platform_other, self.person_name, self.person_birth):
            line.textEdited.connect(lambda _text, field=line: self._field_changed(field))
        self.description.textChanged.connect(lambda: self._field_changed(self.description))
        self.when.dateTimeChanged.connect(lambda _value: self._field_changed(self.when))
        self.category.currentIndexChanged.connect(lambda _i: self._field_changed(self.category))
        self.about_staff.currentIndexChanged.connect(
            lambda _i: self._field_changed(self.about_staff)
        )
        self.about_head.toggled.connect(lambda _on: self._field_changed(self.about_staff))

    def _field_changed(self, field: QWidget) -> None:
        if field is self._error_field:
            self._clear_errors()

    def _show_error(self, message: str, field: QWidget | None = None) -> None:
        self._error_field = field
        self.error.setText(message)
        self.error.setAccessibleDescription(message)
        self.error.show()
        if field is not None:
            set_invalid(field, True)
            self.scroller.ensureWidgetVisible(field)
            field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clear_errors(self) -> None:
        self._error_field = None
        self.error.hide()
        self.error.setText("")
        for field in (
            self.category,
            self.summary,
            self.description,
            self.when,
            self.person_name,
            self.person_birth,
            self.platform_other,
            self.about_staff,
        ):
            set_invalid(field, False)

    def case_json(self) -> dict[str, Any] | None:
        """What the form says, as the JSON `CaseInput` validates; None (and a message on
        the form) when something needed is missing."""
        self._clear_errors()
        code = self.category.currentData()
        if not code:
            self._show_error("Choose what kind of concern this is.", self.category)
            return None
        summary = self.summary.text().strip()
        if not summary:
            self._show_error("Write one line saying what happened.", self.summary)
            return None
        details = self.description.toPlainText().strip()
        if not details:
            self._show_error("Describe what happened.", self.description)
            return None
        when = from_qdatetime(self.when.dateTime())
        if when > self.context.clock() + timedelta(minutes=5):
            self._show_error("The time it happened is in the future. Check the date.", self.when)
            return None
        platform = self.platform.currentData() or ""
        if platform == OTHER:
            platform = self.platform_other.text().strip()
            if not platform:
                self._show_error(
                    "Write the name of the site, app or place, or choose one from the list.",
                    self.platform_other,
                )
                return None
        if not self.add_person():
            return None
        content_problem = self.content_report.problem()
        if content_problem is not None:
            self._show_error(*content_problem)
            return None
        content_report = self.content_report.to_json()
        subjects = []
        if self.about_head.isChecked() and self.about_head.isEnabled():
            subjects += self._heads
        staff = self.about_staff.currentData()
        if staff and staff not in subjects:
            subjects.append(staff)
        if not subjects and category_by_code(code).low_level:
            self._show_error(NAME_THE_STAFF, self.about_staff)
            return None
        return {
            "category": code,
            "summary": summary,
            "description": compose_description(
                details, self.action_taken.toPlainText(), self.told_dsl.isChecked()
            ),
            "occurred_at": when.isoformat(),
            "platform": platform,
            "url": self.url.text().strip(),
            "subjects": subjects,
            "people": self.people_added,
            **({"content_report": content_report} if content_report else {}),
        }

    def submit(self) -> None:
        if self._sending:
            return
        data = self.case_json()
        if data is None:
            return
        from safelog.vault.case_input import CaseInput

        try:
            case = CaseInput.from_json(data)
        except InvalidInput as exc:
            self._show_error(plain_message(str(exc)))
            return
        session = self.context.session
        if session is None or session.locked:
            self._show_error("SafeLog is locked. Sign in again.")
            return
        attachments = self.evidence.held
        seen = WhereSeen(
            platform=data["platform"], source_url=data["url"], seen_at=data["occurred_at"]
        )
        self._set_sending(True)

        def done(filed: FiledReport) -> None:
            if shiboken6.isValid(self) and not session.locked:
                self._sent(filed)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self) and not session.locked:
                self._failed(exc)

        task = self.context.runner.run(
            lambda progress: file_report(session, case, attachments, seen, progress),
            done,
            failed,
            with_progress=True,
        )
        task.progress.connect(self._sending_progress)

    def _sending_progress(self, done: int, total: int) -> None:
        if shiboken6.isValid(self) and self._sending and total:
            self.send_button.setText(f"Adding files ({min(done + 1, total)} of {total})…")

    def _set_sending(self, sending: bool) -> None:
        self._sending = sending
        self.body.setEnabled(not sending)
        self.send_button.setEnabled(not sending)
        self.send_button.setText("Sending…" if sending else "&Send report")

    def _sent(self, filed: FiledReport) -> None:
        self._set_sending(False)
        self.reference = filed.reference
        self._drop_draft()
        self.evidence.clear()
        if filed.not_added:
            tell(self, "Report sent", not_added_text(filed), warning=True)
        self._closing = True
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_sending(False)
        self._show_error("The report was not sent. " + plain_message(error_text(exc)))

    # -- closing ----------------------------------------------------------------------------

    def has_content(self) -> bool:
        return bool(
            self.category.currentData()
            or self.summary.text().strip()
            or self.description.toPlainText().strip()
            or self.url.text().strip()
            or self._people
            or self.person_name.text().strip()
            or self.action_taken.toPlainText().strip()
            or self.content_report.has_content()
            or self.evidence.count()
        )

    def confirm_discard(self) -> bool:
        """Ask before throwing away a half-written report (tests patch this)."""
        box = QMessageBox(self)
        box.setWindowTitle("Report a concern")
        box.setIcon(QMessageBox.Icon.Question)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("Discard this report? What you typed will not be kept.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Discard

    def reject(self) -> None:
        if self._sending and not self._closing:
            return  # wait for the vault: the report may already be saved
        if not self._closing and self.has_content() and not self.confirm_discard():
            return
        if not self._closing:
            self._drop_draft()  # discarded (or never written): nothing to offer back
        self._closing = True
        self.evidence.clear()
        super().reject()

    # -- a lock while writing ---------------------------------------------------------------

    def draft_fields(self) -> dict[str, Any]:
        """Everything typed or chosen, as plain data (for the sealed draft only)."""
        return {
            "category": self.category.currentData() or "",
            "summary": self.summary.text(),
            "description": self.description.toPlainText(),
            "when": from_qdatetime(self.when.dateTime()).isoformat(),
            "platform": self.platform.currentData() or "",
            "platform_other": self.platform_other.text(),
            "url": self.url.text(),
            "people": self.people_added,
            "person": {
                "name": self.person_name.text(),
                "kind": self.person_kind.currentData(),
                "role": self.person_role.currentData(),
                "date_of_birth": self.person_birth.text(),
            },
            "about_head": self.about_head.isChecked(),
            "about_staff": self.about_staff.currentData() or "",
            "action_taken": self.action_taken.toPlainText(),
            "told_dsl": self.told_dsl.isChecked(),
            "content_report": {
                "accessed_by": self.content_report.accessed_by.text(),
                "urls": self.content_report.urls.toPlainText(),
                "nature": self.content_report.nature.toPlainText(),
            },
        }

    def _keep_draft(self) -> None:
        """Seal what is typed for its writer (on lock, and every little while)."""
        if self._closing or self._sending or not self.has_content():
            return
        fields = self.draft_fields()
        had_attachments = bool(self.evidence.count())
        digest = hashlib.sha256(
            json.dumps([fields, had_attachments], sort_keys=True).encode("utf-8")
        ).digest()
        if digest == self._kept_digest:
            return  # unchanged since it was last kept
        try:
            self._draft_slot = self.context.drafts().keep(
                self._draft_keys,
                REPORT,
                fields,
                had_attachments=had_attachments,
                slot=self._draft_slot,
            )
        except OSError as exc:  # a full or read-only disk: the form itself is unaffected
            log_fault(exc)
            return
        self._kept_digest = digest

    def _drop_draft(self) -> None:
        self._autosave_stop()
        try:
            self.context.drafts().drop(self._draft_slot)
        except OSError as exc:
            log_fault(exc)
        self._draft_slot = None

    def _autosave_stop(self) -> None:
        timer = getattr(self, "_autosave", None)
        if timer is not None:
            timer.stop()

    def _resume_draft(self) -> None:
        """Fill the form from the writer's own kept report, which the main window opened."""
        draft, self.context.draft = self.context.draft, None
        if draft is None or draft.kind != REPORT:
            return
        self._fill(draft.fields)
        self._draft_slot = draft.slot
        notice = (
            "You had not sent this report when SafeLog locked or closed. Here it is as you "
            "left it: check it and send it, or cancel to discard it."
        )
        if draft.had_attachments:
            notice += " Screenshots and files you had added were not kept: add them again."
        self.draft_notice.setText(notice)
        self.draft_notice.show()

    def _fill(self, fields: dict[str, Any]) -> None:
        def pick(combo: QComboBox, data: object) -> None:
            index = combo.findData(data)
            if index >= 0:
                combo.setCurrentIndex(index)

        pick(self.category, fields.get("category") or None)
        self.summary.setText(str(fields.get("summary", "")))
        self.description.setPlainText(str(fields.get("description", "")))
        when = fields.get("when")
        if when:
            from datetime import datetime

            self.when.setDateTime(to_qdatetime(datetime.fromisoformat(str(when))))
        pick(self.platform, fields.get("platform", ""))
        self.platform_other.setText(str(fields.get("platform_other", "")))
        self.url.setText(str(fields.get("url", "")))
        self._people = [dict(p) for p in fields.get("people", []) if isinstance(p, dict)]
        self._show_people()
        person = fields.get("person") or {}
        self.person_name.setText(str(person.get("name", "")))
        pick(self.person_kind, person.get("kind"))
        pick(self.person_role, person.get("role"))
        self.person_birth.setText(str(person.get("date_of_birth", "")))
        if self.about_head.isEnabled():
            self.about_head.setChecked(bool(fields.get("about_head")))
        pick(self.about_staff, fields.get("about_staff", ""))
        self.action_taken.setPlainText(str(fields.get("action_taken", "")))
        self.told_dsl.setChecked(bool(fields.get("told_dsl")))
        content = fields.get("content_report") or {}
        self.content_report.accessed_by.setText(str(content.get("accessed_by", "")))
        self.content_report.urls.setPlainText(str(content.get("urls", "")))
        self.content_report.nature.setPlainText(str(content.get("nature", "")))

    def _locked(self) -> None:
        """Locking takes what was typed off the screen and out of the widgets (it is record
        content), sealed first as a draft for the writer's next sign-in, never asking."""
        self._keep_draft()
        self._autosave_stop()
        for line in (
            self.summary,
            self.url,
            self.platform_other,
            self.person_name,
            self.person_birth,
        ):
            line.clear()
        self.description.clear()
        self.action_taken.clear()
        self.content_report.clear()
        self._people = []
        self._show_people()
        self.evidence.clear()
        self._closing = True
        super().reject()

    def launch(self) -> str | None:
        if self.exec() == QDialog.DialogCode.Accepted:
            return self.reference
        return None
