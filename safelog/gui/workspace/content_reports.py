"""The Inappropriate Content Report Form (policy 003, appendix b) in the case workspace: the
reports on the case, a form for a new one, the e-safety officer's part, and saving a report as
a PDF to print.

Shown for cases of the category "inappropriate-content", and for any case that already has a
content report. Each part is a signed version of the case (safelog.vault.content_form): the
staff name on the form is whoever is signed in, and an officer's part is completed once.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.deadlines import LONDON
from safelog.gui.content_report_fields import CATEGORY
from safelog.gui.errors import error_text
from safelog.gui.form_fields import text_box
from safelog.gui.formatting import uk_date as uk_day
from safelog.gui.formatting import uk_datetime as uk_dt
from safelog.gui.widgets import named, plain_label, set_invalid
from safelog.gui.worker import run_guarded
from safelog.gui.workspace.panel import (
    CaseView,
    FormError,
    Notice,
    Saver,
    WorkspacePanel,
    fill_table,
    form_footer,
    read_only_table,
    row_key,
)

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.content_form import ContentReport, SignedPart
    from safelog.vault.session import Session

INTRO = (
    "The Inappropriate Content Report Form (social media policy, appendix b). Each part is "
    "signed in SafeLog by the person who records it; nothing recorded is changed afterwards, "
    "and the e-safety officer's part is completed once."
)


def _seen(value: str) -> str:
    return uk_dt(value) if "T" in value else uk_day(value)


def _signed(part: SignedPart | None, what: str) -> str:
    if part is None:
        return ""
    return f"{what} in SafeLog by {part.name}, version {part.version}, {uk_dt(part.at)}."


def describe_report(report: ContentReport) -> str:
    """The whole report as plain text, in the form's order."""
    e = report.entry
    urls = [str(u) for u in e.get("urls") or []]
    lines = [
        f"Staff name (submitting report): {e.get('submitted_by_name', '')}",
        "Name of individual accessing inappropriate content (if known): "
        + (e.get("accessed_by") or "not known"),
        f"Date: {_seen(str(e.get('seen_on') or ''))}",
        "Full URL(s):" + ("".join(f"\n  {u}" for u in urls) if urls else " not known"),
        f"Nature of inappropriate content:\n{e.get('nature', '')}",
        _signed(report.submitted, "Submitted and signed"),
    ]
    officer = report.officer
    if officer:
        lines += [
            "",
            "Completed by the e-safety officer",
            f"Action taken:\n{officer.get('action_taken', '')}",
            f"Staff name: {officer.get('by_name', '')}",
            f"Date: {uk_day(officer.get('on'))}",
            _signed(report.completed, "Signed"),
        ]
    return "\n".join(lines).rstrip()


def _date_edit(parent: QWidget, name: str) -> QDateEdit:
    edit = named(QDateEdit(parent), name, "Day/month/year")
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    return edit


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ContentReportsPanel(WorkspacePanel):
    title = "Content report"

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        self._reports: list[ContentReport] = []
        self._dates_for = ""  # the case whose date boxes were last set to today
        self._printing = False
        self._shown_id: str | None = None  # the report the officer's form was last about
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroller = scroller = QScrollArea(self)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroller)
        layout = QVBoxLayout(body)
        scroller.setWidget(body)
        outer.addWidget(scroller)

        layout.addWidget(plain_label(INTRO, body, role="muted"))
        self.table = read_only_table(
            body,
            "Content reports",
            ("Date", "Accessed by", "Web addresses", "Submitted by", "E-safety officer"),
            stretch=2,
            widths={0: "00/00/0000", 1: "M" * 14, 3: "M" * 12, 4: "Completed 00/00/0000"},
        )
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        self.table.setMaximumHeight(self.fontMetrics().lineSpacing() * 12)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        layout.addWidget(self.table)
        self.empty = plain_label("No content report on this case yet.", body, role="muted")
        layout.addWidget(self.empty)

        # The selected report, in full, and printing it.
        self.selected_box = QGroupBox("Selected report", body)
        selected = QVBoxLayout(self.selected_box)
        self.details = plain_label("", self.selected_box, selectable=True)
        named(self.details, "The selected content report")
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        selected.addWidget(self.details)
        print_row = QHBoxLayout()
        self.print_button = named(
            QPushButton("Save as &PDF for printing…", self.selected_box),
            "Save the selected report as a PDF to print",
        )
        print_row.addWidget(self.print_button)
        print_row.addStretch(1)
        selected.addLayout(print_row)
        self.print_error = FormError(self.selected_box)
        self.print_notice = Notice(self.selected_box)
        selected.addWidget(self.print_error)
        selected.addWidget(self.print_notice)
        layout.addWidget(self.selected_box)

        # The e-safety officer's part, for the selected report.
        self.officer_box = QGroupBox("To be completed by the e-safety officer", body)
        officer = self._officer_form = QFormLayout(self.officer_box)
        self.officer_done = plain_label("", self.officer_box, role="notice")
        named(self.officer_done, "Who completed the e-safety officer's part, and when")
        officer.addRow(self.officer_done)
        self.action_taken = text_box(
            self.officer_box,
            "Action taken",
            "e.g. Site blocked by IT (ticket number); parents told; staff member spoken to",
        )
        self.officer_date = _date_edit(self.officer_box, "Date the action was taken")
        officer.addRow("Action ta&ken", self.action_taken)
        officer.addRow("Da&te", self.officer_date)
        self.complete_button = named(
            QPushButton("&Complete and sign", self.officer_box),
            "Complete the e-safety officer's part and sign it",
        )
        self.officer_error, self.officer_notice = form_footer(
            officer, self.officer_box, self.complete_button
        )
        self.officer_fields = (self.action_taken, self.officer_date, self.complete_button)
        layout.addWidget(self.officer_box)

        # A new report: the first part of the form.
        self.submit_box = QGroupBox("Fill in a new report", body)
        form = QFormLayout(self.submit_box)
        self.accessed_by = named(
            QLineEdit(self.submit_box), "Name of the person who accessed the content, if known"
        )
        self.accessed_by.setMaxLength(200)
        self.accessed_by.setPlaceholderText("If known")
        self.seen_on = _date_edit(self.submit_box, "Date the content was accessed")
        self.urls = text_box(
            self.submit_box,
            "Full web addresses, one per line",
            "https://… or example.com/page, one per line",
        )
        self.nature = text_box(
            self.submit_box,
            "Nature of the inappropriate content (needed)",
            "What the content was: describe it; do not copy it here.",
        )
        form.addRow("Accessed &by", self.accessed_by)
        form.addRow("&Date", self.seen_on)
        form.addRow("Full &URL(s)", self.urls)
        form.addRow("&Nature of the content *", self.nature)
        form.addRow(
            plain_label(
                "You are the staff name on this report: it is signed with your SafeLog key.",
                self.submit_box,
                role="muted",
            )
        )
        self.submit_button = named(
            QPushButton("&Submit report", self.submit_box), "Submit the content report"
        )
        self.error, self.notice = form_footer(form, self.submit_box, self.submit_button)
        layout.addWidget(self.submit_box)
        layout.addStretch(1)
        for box in (self.selected_box, self.officer_box, self.submit_box):
            # Only the height they need: the stretch below takes the rest.
            box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.table.itemSelectionChanged.connect(self._show_selected)
        self.print_button.clicked.connect(self.save_pdf)
        self.complete_button.clicked.connect(self._complete)
        self.submit_button.clicked.connect(self._submit)
        self.nature.textChanged.connect(lambda: set_invalid(self.nature, False))
        self.urls.textChanged.connect(lambda: set_invalid(self.urls, False))
        self.action_taken.textChanged.connect(lambda: set_invalid(self.action_taken, False))

    # -- showing ---------------------------------------------------------------------------

    @staticmethod
    def applies(view: CaseView) -> bool:
        return view.fields.get("category") == CATEGORY or bool(view.fields.get("content_reports"))

    def count(self) -> int | None:
        return len(self._reports) if self.view else None

    def _set_tab_shown(self, shown: bool) -> None:
        widget = self.parentWidget()
        while widget is not None and not isinstance(widget, QTabWidget):
            widget = widget.parentWidget()
        if widget is not None:
            index = widget.indexOf(self)
            if index >= 0:
                widget.setTabVisible(index, shown)

    def show_case(self, view: CaseView) -> None:
        from safelog.vault.content_form import content_reports

        super().show_case(view)
        self._set_tab_shown(self.applies(view))
        known = {r.id for r in self._reports}
        self._reports = content_reports(view.detail)
        selected = row_key(self.table)
        added = [r.id for r in self._reports if r.id not in known]
        if known and added:
            selected = added[-1]  # a report just added (here or elsewhere) is shown
        fill_table(
            self.table,
            [
                [
                    _seen(str(r.entry.get("seen_on") or "")),
                    r.entry.get("accessed_by") or "not known",
                    "\n".join(str(u) for u in r.entry.get("urls") or []) or "not known",
                    r.entry.get("submitted_by_name", ""),
                    (
                        f"Completed {uk_day(r.officer.get('on'))} by {r.officer.get('by_name', '')}"
                        if r.officer
                        else "Not yet completed"
                    ),
                ]
                for r in self._reports
            ],
            keys=[r.id for r in self._reports],
        )
        self.empty.setVisible(not self._reports)
        self.table.setVisible(bool(self._reports))
        ids = [r.id for r in self._reports]
        if selected in ids:
            self.table.selectRow(ids.index(selected))
        elif self._reports:
            waiting = [i for i, r in enumerate(self._reports) if not r.officer]
            self.table.selectRow(waiting[0] if waiting else 0)
        today = view.now.astimezone(LONDON).date()
        for edit in (self.seen_on, self.officer_date):
            edit.setMaximumDate(_qdate(today))
        if self._dates_for != view.detail.reference:
            self._dates_for = view.detail.reference
            self.seen_on.setDate(_qdate(today))
            self.officer_date.setDate(_qdate(today))
        self.submit_box.setVisible(view.can_edit)
        self._show_selected()

    def selected_report(self) -> ContentReport | None:
        key = row_key(self.table)
        return next((r for r in self._reports if r.id == key), None)

    def _show_selected(self) -> None:
        report = self.selected_report()
        self.selected_box.setVisible(report is not None)
        self.officer_box.setVisible(report is not None and bool(self.view and self.view.can_edit))
        if (report.id if report else None) != self._shown_id:
            self._shown_id = report.id if report else None
            self.officer_error.clear_error()
            self.officer_notice.clear()
            self.print_error.clear_error()
            self.print_notice.clear()
        if report is None:
            self.details.setText("")
            return
        self.details.setText(describe_report(report))
        officer = report.officer
        if officer:
            self.officer_done.setText(
                f"Completed by {officer.get('by_name', '')} on {uk_day(officer.get('on'))}"
                + (f" (signed, version {report.completed.version})." if report.completed else ".")
            )
        else:
            self.officer_done.setText("Not yet completed.")
        for field in self.officer_fields:
            field.setVisible(not officer)
        for field in self.officer_fields:
            label = self._officer_form.labelForField(field)
            if label is not None:
                label.setVisible(not officer)

    def clear(self) -> None:
        super().clear()
        self._reports = []
        self._dates_for = ""
        self._shown_id = None
        self.table.setRowCount(0)
        self.details.setText("")
        for box in (self.urls, self.nature, self.action_taken):
            box.clear()
        self.accessed_by.clear()
        for line in (self.error, self.officer_error, self.print_error):
            line.clear_error()
        for notice in (self.notice, self.officer_notice, self.print_notice):
            notice.clear()

    # -- submitting ------------------------------------------------------------------------

    def _submit(self) -> None:
        self.error.clear_error()
        nature = self.nature.toPlainText().strip()
        if not nature:
            set_invalid(self.nature, True)
            self.error.show_error("Describe the nature of the content.")
            self.nature.setFocus()
            return
        accessed_by = self.accessed_by.text().strip()
        seen_on = _from_qdate(self.seen_on.date())
        urls = self.urls.toPlainText().splitlines()

        def op(session: Session, reference: str) -> object:
            from safelog.vault.content_form import submit_content_report

            return submit_content_report(
                session,
                reference,
                accessed_by=accessed_by,
                seen_on=seen_on,
                urls=urls,
                nature=nature,
            )

        self.submit_button.setEnabled(False)
        self.save(op, self._submitted, self._submit_failed)

    def _submitted(self) -> None:
        self.submit_button.setEnabled(True)
        self.accessed_by.clear()
        self.urls.clear()
        self.nature.clear()
        self.notice.setText("Report submitted and signed.")

    def _submit_failed(self, message: str) -> None:
        self.submit_button.setEnabled(True)
        if message.startswith("Web address"):
            set_invalid(self.urls, True)
        self.error.show_error(message)

    # -- the e-safety officer's part -------------------------------------------------------

    def _complete(self) -> None:
        self.officer_error.clear_error()
        report = self.selected_report()
        if report is None:
            return
        action = self.action_taken.toPlainText().strip()
        if not action:
            set_invalid(self.action_taken, True)
            self.officer_error.show_error("Write the action taken.")
            self.action_taken.setFocus()
            return
        on = _from_qdate(self.officer_date.date())
        report_id = report.id

        def op(session: Session, reference: str) -> object:
            from safelog.vault.content_form import complete_content_report

            return complete_content_report(
                session, reference, report_id, action_taken=action, completed_on=on
            )

        self.complete_button.setEnabled(False)
        self.save(op, self._completed, self._complete_failed)

    def _completed(self) -> None:
        self.complete_button.setEnabled(True)
        self.action_taken.clear()
        self.officer_notice.setText("The e-safety officer's part is completed and signed.")

    def _complete_failed(self, message: str) -> None:
        self.complete_button.setEnabled(True)
        self.officer_error.show_error(message)

    # -- printing ----------------------------------------------------------------------------

    def choose_pdf_path(self, reference: str) -> Path | None:
        from safelog.gui.export_dialog import (
            documents_folder,
            file_dialog_options,
            forget_file_dialog_history,
            suggested_name,
        )

        suggestion = documents_folder() / suggested_name(f"{reference}-content-report")
        try:
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                "Save the content report form as",
                str(suggestion),
                "PDF files (*.pdf)",
                options=file_dialog_options(),
            )
        finally:
            forget_file_dialog_history()
        if not chosen:
            return None
        path = Path(chosen)
        return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")

    def save_pdf(self) -> None:
        """Save the selected report as a PDF where the person chooses; they print it from
        there. The file dialog asks before replacing a file."""
        self.print_error.clear_error()
        self.print_notice.clear()
        report = self.selected_report()
        session = self.context.session
        if report is None or self.view is None or self._printing:
            return
        if session is None or session.locked:
            self.print_error.show_error("SafeLog is locked. Sign in again.")
            return
        reference = self.view.detail.reference
        path = self.choose_pdf_path(reference)
        if path is None:
            return
        report_id = report.id

        def work() -> Any:
            from safelog.vault.content_form import print_content_report

            return print_content_report(session, reference, report_id, path, overwrite=True)

        self._printing = True
        self.print_button.setEnabled(False)
        self.print_notice.setText("Saving…")
        run_guarded(self.context, self, work, self._printed, self._print_failed)

    def _printed(self, printed: Any) -> None:
        self._printing = False
        self.print_button.setEnabled(True)
        pages = f"{printed.pages} page{'s' if printed.pages != 1 else ''}"
        self.print_notice.setText(
            f"Saved as {printed.path} ({pages}). Open it to print it. SHA-256 {printed.sha256}."
        )

    def _print_failed(self, exc: BaseException) -> None:
        self._printing = False
        self.print_button.setEnabled(True)
        self.print_notice.clear()
        self.print_error.show_error("The form was not saved. " + error_text(exc))
