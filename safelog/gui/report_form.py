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

The form's parts are in report_sections.py; a half-written report is kept sealed for its
writer by report_draft.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.categories import category_by_code
from safelog.domain.deadlines import LONDON
from safelog.domain.roles import Role
from safelog.errors import InvalidInput
from safelog.gui.content_report_fields import ContentReportFields
from safelog.gui.dialogs import tell
from safelog.gui.errors import error_text
from safelog.gui.evidence.thumbnails_after import make_thumbnails_after
from safelog.gui.form_fields import parse_uk_date
from safelog.gui.formatting import from_qdatetime
from safelog.gui.pupil_picker import RollSource
from safelog.gui.report_attachments import EvidenceSection, not_added_text
from safelog.gui.report_draft import DraftKeeper, draft_fields, fill_from_draft
from safelog.gui.report_sections import (
    OTHER,
    AboutSection,
    DoneSection,
    KindSection,
    PeopleSection,
    WhatSection,
    WhenWhereSection,
)
from safelog.gui.screen_fit import fit_to_screen
from safelog.gui.widgets import named, plain_label, set_invalid
from safelog.vault.directory import ENROLLED
from safelog.vault.filing import FiledReport, WhereSeen, file_report

if TYPE_CHECKING:
    from safelog.gui.context import AppContext

ACTION_HEADING = "Immediate action taken:"
NAME_THE_STAFF = (
    "Choose the member of staff this low-level concern is about (or tick the headteacher "
    "box). They will never be able to read it."
)
TOLD_HEADING = "Already told a DSL in person:"

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
        # Takes the writer's draft keys now, so a half-written report can still be sealed
        # once the lock has dropped the private keys (vault/drafts.py).
        self.drafts = DraftKeeper(
            context,
            self,
            lambda: draft_fields(self),
            lambda: bool(self.evidence.count()),
            lambda: not self._closing and not self._sending and self.has_content(),
        )
        people = [p for p in session.directory.people.values() if p.status == ENROLLED]
        self._heads = sorted(p.name for p in people if Role.HEADTEACHER in p.roles)
        colleagues = sorted(p.name for p in people if p.id != session.user_id)

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
        self.kind_section = KindSection(body)
        self.what_section = WhatSection(body)
        self.when_section = WhenWhereSection(body, context.clock())
        self.content_report = ContentReportFields(body)  # shown for inappropriate content
        self.evidence = EvidenceSection(context, body, self._pictures_blocked)
        self.roll = RollSource(context, self)  # read once, in the worker, for picking pupils
        self.people_section = PeopleSection(body, self.roll)
        self.about_section = AboutSection(body, self._heads, colleagues, self._me.name)
        self.done_section = DoneSection(body)
        layout = QVBoxLayout(body)
        for section in (
            self.kind_section,
            self.what_section,
            self.when_section,
            self.content_report,
            self.evidence,
            self.people_section,
            self.about_section,
            self.done_section,
        ):
            layout.addWidget(section)
        layout.addStretch(1)
        self._name_the_fields()
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

        self.category.currentIndexChanged.connect(self._show_category)
        self.about_head.toggled.connect(lambda _on: self._show_guidance())
        self.add_person_button.clicked.connect(self.add_person)
        self.people_section.row.entered.connect(self.add_person)
        context.events.locked.connect(self._locked)
        self._error_field: QWidget | None = None
        self._watch_for_fixes()
        self._show_category()
        fit_to_screen(self, 760, 760)
        self.category.setFocus()
        self._resume_draft()
        self.drafts.start()
        self.roll.load()

    def _name_the_fields(self) -> None:
        """The fields by the names the form (and its tests) use for them."""
        self.category = self.kind_section.category
        self.category_help = self.kind_section.help
        self.category_guidance = self.kind_section.guidance
        self.category_policy = self.kind_section.policy
        self.summary = self.what_section.summary
        self.description = self.what_section.description
        self.when = self.when_section.when
        self.platform = self.when_section.platform
        self.platform_other = self.when_section.platform_other
        self.url = self.when_section.url
        self.person_name = self.people_section.name
        self.person_kind = self.people_section.kind
        self.person_role = self.people_section.role
        self.person_birth = self.people_section.birth
        self.add_person_button = self.people_section.add_button
        self.people = self.people_section.table
        self.remove_person_button = self.people_section.remove_button
        self.about_head = self.about_section.about_head
        self.about_head_note = self.about_section.note
        self.about_staff = self.about_section.about_staff
        self.action_taken = self.done_section.action_taken
        self.told_dsl = self.done_section.told_dsl

    # -- reacting ---------------------------------------------------------------------------

    def _show_category(self) -> None:
        code = self.category.currentData()
        self.content_report.set_category(code)
        category = category_by_code(code) if code else None
        self.kind_section.show_category(
            category,
            about_head=self.about_head.isChecked(),
            with_policy=Role.DSL in self._me.roles,
        )
        self.about_section.name_needed(category is not None and category.low_level)
        if category is not None:
            set_invalid(self.category, False)
            self.evidence.category_changed()

    def _show_guidance(self) -> None:
        code = self.category.currentData()
        if code:
            self.kind_section.show_guidance(
                category_by_code(code), about_head=self.about_head.isChecked()
            )

    def _pictures_blocked(self) -> str | None:
        """The chosen category's guidance when it blocks pictures (UKCIS), else None."""
        code = self.category.currentData()
        if not code:
            return None
        category = category_by_code(code)
        return category.guidance if category.blocks_image_import else None

    def add_person(self) -> bool:
        """Add the person typed in the row above the list; False (with a message) if the
        row cannot be added. An empty row adds nothing. A pupil picked from the roll comes
        with the roll's name and date of birth."""
        linked = self.people_section.linked_person()
        if linked is not None:
            if self._error_field in (self.person_name, self.person_birth):
                self._clear_errors()
            self.people_section.add(linked)
            return True
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
        self.people_section.add(person)
        return True

    @property
    def people_added(self) -> list[dict[str, str]]:
        return self.people_section.people

    # -- checking ---------------------------------------------------------------------------

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

    # -- sending ----------------------------------------------------------------------------

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
        self.drafts.drop()
        self.evidence.clear()
        if filed.added:
            make_thumbnails_after(self.context, filed.reference, filed.added)
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
            or self.people_added
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
            self.drafts.drop()  # discarded (or never written): nothing to offer back
        self._closing = True
        self.evidence.clear()
        super().reject()

    # -- a lock while writing ---------------------------------------------------------------

    def _resume_draft(self) -> None:
        """Fill the form from the writer's own kept report, which the main window opened."""
        draft = self.drafts.resume()
        if draft is None:
            return
        fill_from_draft(self, draft.fields)
        notice = (
            "You had not sent this report when SafeLog locked or closed. Here it is as you "
            "left it: check it and send it, or cancel to discard it."
        )
        if draft.had_attachments:
            notice += " Screenshots and files you had added were not kept: add them again."
        self.draft_notice.setText(notice)
        self.draft_notice.show()

    def _locked(self) -> None:
        """Locking takes what was typed off the screen and out of the widgets (it is record
        content), sealed first as a draft for the writer's next sign-in, never asking."""
        self.drafts.keep()
        self.drafts.stop()
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
        self.people_section.set_people([])
        self.evidence.clear()
        self._closing = True
        super().reject()

    def launch(self) -> str | None:
        if self.exec() == QDialog.DialogCode.Accepted:
            return self.reference
        return None
