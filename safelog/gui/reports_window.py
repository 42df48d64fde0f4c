"""Reports… (Records menu, for the DSL, the headteacher and the chair of governors): the
termly safeguarding report for governors and the inspection pack of referrals, each saved as
a signed PDF and, if wanted, a CSV beside it. The dates start at this term (governors) or
the last twelve months (inspection). The work is vault/reports.py, in the worker; who may
make a report, and what it counts, is decided there again."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.deadlines import LONDON
from safelog.domain.reports import default_period, report_copy
from safelog.gui.errors import error_text
from safelog.gui.export_dialog import (
    ask_where_to_save_pdf,
)
from safelog.gui.widgets import named, plain_label
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.reports import ReportResult

GOVERNORS, INSPECTION = "governors", "inspection"  # vault/reports.py's names for them
_ABOUT = {
    GOVERNORS: (
        "Figures for the full governing body: concerns by category, escalations by route and "
        "whether they met their deadlines, outcomes, the last twelve months as charts, and the "
        "audit log's checkpoint. No names and no case references."
    ),
    INSPECTION: (
        "The referrals to children's social care, the LADO, the police and Prevent made in "
        "the period, with dates, references and outcomes; pupils as initials and year group."
    ),
}


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ReportsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        session = context.require_session()
        self.today = session.clock().astimezone(LONDON).date()
        self.setWindowTitle("Reports for governors and inspectors")
        layout = QVBoxLayout(self)
        try:
            copy = report_copy(session.person.roles).label
        except PermissionError as exc:  # the menu does not offer it; the vault refuses too
            copy = str(exc)
        self.copy = plain_label(f"{copy}.", self, role="muted")
        named(self.copy, "Whose copy the report will be")
        layout.addWidget(self.copy)

        form = QFormLayout()
        self.kind = named(QComboBox(self), "Report")
        self.kind.addItem("Termly safeguarding report for governors", GOVERNORS)
        self.kind.addItem("Inspection pack: referrals", INSPECTION)
        form.addRow("&Report:", self.kind)
        self.start = self._date_edit("From")
        self.end = self._date_edit("To")
        form.addRow("&From:", self.start)
        form.addRow("&To:", self.end)
        self.with_csv = named(QCheckBox("Also save the figures as a CSV &spreadsheet", self), "CSV")
        self.with_csv.setChecked(True)
        form.addRow("", self.with_csv)
        layout.addLayout(form)
        self.about = plain_label("", self, role="muted")
        named(self.about, "What the report holds")
        layout.addWidget(self.about)
        self.status = plain_label("", self, selectable=True)
        named(self.status, "What was saved")
        layout.addWidget(self.status)
        self.error = plain_label("", self, role="error", selectable=True)
        named(self.error, "What went wrong")
        self.error.hide()
        layout.addWidget(self.error)

        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton("&Save PDF…", QDialogButtonBox.ButtonRole.ActionRole)
        named(self.save_button, "Save the report as a signed PDF")
        self.save_button.clicked.connect(self.choose_and_save)
        close = named(buttons.addButton(QDialogButtonBox.StandardButton.Close), "Close")
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.resize(800, 430)

    def _date_edit(self, name: str) -> QDateEdit:
        edit = named(QDateEdit(self), name, "Day/month/year")
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setCalendarPopup(True)
        edit.setMaximumDate(_qdate(self.today))
        return edit

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        start, end = default_period(kind == GOVERNORS, self.today)
        self.start.setDate(_qdate(start))
        self.end.setDate(_qdate(end))
        self.about.setText(_ABOUT[kind])

    def say_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def period(self) -> tuple[date, date]:
        return _day(self.start.date()), _day(self.end.date())

    def choose_and_save(self) -> None:
        start, end = self.period()
        if start > end:
            self.say_error("The start date is after the end date; give the earlier date first.")
            return
        stem = "governors-report" if self.kind.currentData() == GOVERNORS else "inspection-pack"
        out = ask_where_to_save_pdf(
            self, "Save the report", f"{stem}-{start.isoformat()}-to-{end.isoformat()}.pdf"
        )
        if out is None:
            return
        if out.suffix.lower() != ".pdf":
            out = out.with_name(out.name + ".pdf")
        self.save(out, out.with_suffix(".csv") if self.with_csv.isChecked() else None)

    def save(self, out: Path, csv_out: Path | None) -> None:
        """Make the report chosen for the dates shown, in the worker."""
        session = self.context.require_session()
        kind = self.kind.currentData()
        start, end = self.period()
        self.save_button.setEnabled(False)
        self.say_error("")
        self.status.setText("Reading the cases and checking the audit log…")

        def work() -> ReportResult:
            from safelog.vault.reports import make_report

            return make_report(session, kind, start, end, out, csv_out)

        def done(result: ReportResult) -> None:
            self.save_button.setEnabled(True)
            self.status.setText(describe(result))

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.status.setText("")
            self.say_error(error_text(exc))

        run_guarded(self.context, self, work, done, failed)

    def launch(self) -> int:
        return self.exec()


def _grouped(digest: str) -> str:
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))


def describe(result: ReportResult) -> str:
    lines = [f"Saved {result.path.name}: {result.pages} pages, signed."]
    if result.figures is not None:
        f = result.figures
        lines.append(
            f"{f.concerns} concern(s), {f.escalations_made} escalation(s): "
            f"{f.deadlines_met} within deadline, {f.made_late} late; {f.outstanding} not made "
            "by their deadline."
        )
    else:
        lines.append(f"{len(result.rows)} referral(s).")
    if result.csv_path is not None:
        lines.append(f"Saved {result.csv_path.name} beside it.")
    lines.append(f"PDF SHA-256: {_grouped(result.sha256)}")
    if result.csv_path is not None:
        lines.append(f"CSV SHA-256: {_grouped(result.csv_sha256)}")
    lines += [f"Not included (failed its checks): {p}" for p in result.problems]
    lines += result.messages
    return "\n".join(lines)
