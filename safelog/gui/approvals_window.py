"""Requests that wait for a decision (Records menu): blocked content access requests and
family links, for everyone; monitoring requests, for the DSL, the headteacher, the chair and
the trust's chief executive. Each window lists the requests this person may read, makes a
new one, records the decision of the person it waits for, and prints the form. Who may do
what is the vault's to decide and every reader's to check (vault/approvals.py); the buttons
only follow it. The work runs in the worker."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.approvals import (
    KINDS,
    ApprovalKind,
    Decision,
    FieldSpec,
    KindRules,
    may_ask,
)
from safelog.gui.errors import error_text
from safelog.gui.export_dialog import (
    ask_where_to_save_pdf,
)
from safelog.gui.form_fields import text_box
from safelog.gui.formatting import uk_datetime
from safelog.gui.widgets import named, plain_label
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.approvals import Approval

INTRO = {
    ApprovalKind.BLOCKED_CONTENT: (
        "Ask for a website that the school's filter blocks by mistake. The headteacher "
        "approves or refuses; the IT technician unblocks it once approved."
    ),
    ApprovalKind.FAMILY_LINK: (
        "Tell the headteacher about a pupil who is a member of your family, or someone you "
        "know socially, before any contact on social media. The headteacher acknowledges it "
        "and records what was agreed."
    ),
    ApprovalKind.MONITORING: (
        "A request to look at or intercept a member of staff's e-mail or internet use. Only "
        "after discussion with HR, ICT and audit services; the chair of governors decides. "
        "The person it is about can never read it."
    ),
}
COLUMNS = ("No.", "Asked", "By", "About", "Request", "Status")
STATUS_COLUMN = 5
SHORT_FIELD = 200  # up to this many characters: one line to type in


class RequestForm(QDialog):
    """A new request: the fields of its kind, in the form's words."""

    def __init__(self, rules: KindRules, members: list[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.rules = rules
        self.setWindowTitle(f"New: {rules.form_title}")
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above: long words
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(plain_label(INTRO[rules.kind], self, role="muted"))
        self.about: QComboBox | None = None
        if rules.about_a_member:
            self.about = named(QComboBox(self), "Who the request is about")
            self.about.setEditable(True)
            self.about.addItems(["", *members])
            form.addRow("About:", self.about)
        self.inputs: dict[str, QLineEdit | QComboBox | QPlainTextEdit] = {}
        for spec in rules.fields:
            widget = self._input(spec)
            self.inputs[spec.name] = widget
            form.addRow(f"{spec.label}:", widget)
        self.error = plain_label("", self, role="error", selectable=True)
        self.error.hide()
        form.addRow(self.error)
        buttons = QDialogButtonBox(self)
        send = named(
            buttons.addButton("&Send the request", QDialogButtonBox.ButtonRole.AcceptRole),
            "Send the request",
        )
        send.setDefault(True)
        named(buttons.addButton(QDialogButtonBox.StandardButton.Cancel), "Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(620, 440)

    def _input(self, spec: FieldSpec) -> QLineEdit | QComboBox | QPlainTextEdit:
        if spec.choices:
            combo = named(QComboBox(self), spec.label)
            combo.addItems(spec.choices)
            return combo
        if spec.limit <= SHORT_FIELD or spec.name == "url":
            line = named(QLineEdit(self), spec.label)
            line.setMaxLength(spec.limit)
            return line
        return text_box(self, spec.label, lines=3)

    def values(self) -> dict[str, str]:
        out = {}
        for name, widget in self.inputs.items():
            if isinstance(widget, QComboBox):
                out[name] = widget.currentText()
            elif isinstance(widget, QLineEdit):
                out[name] = widget.text()
            else:
                out[name] = widget.toPlainText()
        return out

    def about_name(self) -> str:
        return self.about.currentText().strip() if self.about is not None else ""


class DecisionForm(QDialog):
    """The decision of the person a request waits for, with the reasons."""

    def __init__(self, approval: Approval, parent: QWidget) -> None:
        super().__init__(parent)
        rules = approval.rules
        self.setWindowTitle(f"Decide request {approval.seq}")
        form = QFormLayout(self)
        form.addRow(plain_label(f"{rules.form_title} from {approval.requester_name}.", self))
        self.choice = named(QComboBox(self), "Decision")
        for decision in rules.decisions:
            self.choice.addItem(decision.value.capitalize(), decision.value)
        form.addRow("Decision:", self.choice)
        acknowledging = Decision.ACKNOWLEDGED in rules.decisions
        label = "What was agreed" if acknowledging else "Reasons"
        self.reasons = text_box(self, label, lines=4)
        form.addRow(f"{label}:", self.reasons)
        buttons = QDialogButtonBox(self)
        named(
            buttons.addButton("&Record the decision", QDialogButtonBox.ButtonRole.AcceptRole),
            "Record the decision",
        ).setDefault(True)
        named(buttons.addButton(QDialogButtonBox.StandardButton.Cancel), "Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(520, 300)


class ApprovalsDialog(QDialog):
    KIND = ApprovalKind.BLOCKED_CONTENT

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.rules = KINDS[self.KIND]
        session = context.require_session()
        self.user_id = session.user_id
        self.roles = frozenset(session.person.roles)
        self.members = sorted(
            p.name for p in session.directory.people.values() if p.id != session.user_id
        )
        self.requests: list[Approval] = []
        self.setWindowTitle(self.rules.title)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(INTRO[self.KIND], self, role="muted"))
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = named(QTableWidget(0, len(COLUMNS), split), self.rules.title)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._selected)
        self.detail = named(QPlainTextEdit(split), "The request and its decision")
        self.detail.setReadOnly(True)
        layout.addWidget(split, 1)
        self.error = plain_label("", self, role="error", selectable=True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.new_button = named(buttons.addButton("&New request…", role), "New request")
        self.new_button.setVisible(may_ask(self.rules, self.roles))
        self.new_button.clicked.connect(self.new_request)
        self.decide_button = named(buttons.addButton("&Decide…", role), "Decide the request")
        self.decide_button.clicked.connect(self.decide_selected)
        self.print_button = named(buttons.addButton("&Print the form…", role), "Print the form")
        self.print_button.clicked.connect(self.print_selected)
        close = named(buttons.addButton(QDialogButtonBox.StandardButton.Close), "Close")
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(860, 600)
        self._selected()
        self.refresh()

    # -- reading --------------------------------------------------------------------------

    def say_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def refresh(self, select: int | None = None) -> None:
        session = self.context.require_session()

        def work() -> list[Approval]:
            from safelog.vault.approvals import approvals

            return [a for a in approvals(session) if a.kind is self.KIND]

        run_guarded(
            self.context, self, work, lambda found: self._loaded(found, select), self._failed
        )

    def _loaded(self, found: list[Approval], select: int | None) -> None:
        self.requests = list(reversed(found))  # newest first
        self.table.setRowCount(len(self.requests))
        for row, a in enumerate(self.requests):
            first = a.fields.get(a.rules.fields[0].name, "")
            cells = (
                str(a.seq),
                uk_datetime(a.at),
                a.requester_name,
                a.subject_name,
                " ".join(first.split())[:120],
                a.status,
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.setColumnHidden(3, not self.rules.about_a_member)
        for column in (0, 1, 2, 3, STATUS_COLUMN):
            self.table.resizeColumnToContents(column)
        if not self.requests:
            self.detail.setPlainText("No requests that you can read yet.")
        for row, a in enumerate(self.requests):
            if a.seq == select:
                self.table.selectRow(row)
        self._selected()

    def _failed(self, exc: BaseException) -> None:
        self.say_error(error_text(exc))

    def current(self) -> Approval | None:
        rows = self.table.selectionModel().selectedRows()
        return self.requests[rows[0].row()] if rows else None

    def _selected(self) -> None:
        a = self.current()
        self.print_button.setEnabled(a is not None)
        self.decide_button.setEnabled(a is not None and self._mine_to_decide(a))
        if a is not None:
            self.detail.setPlainText(describe(a))

    def _mine_to_decide(self, a: Approval) -> bool:
        return (
            a.decision is None
            and bool(a.decided_by & self.roles)
            and self.user_id not in (a.requester_id, a.subject_id)
        )

    # -- writing --------------------------------------------------------------------------

    def new_request(self) -> None:
        form = RequestForm(self.rules, self.members, self)
        while form.exec() == QDialog.DialogCode.Accepted:
            values, about = form.values(), form.about_name()
            problem = self._send(values, about)
            if not problem:
                break
            form.error.setText(problem)
            form.error.show()
        form.deleteLater()

    def _send(self, values: dict[str, str], about: str) -> str:
        """Check and send at once (the form stays open with the problem if it fails)."""
        from safelog.domain.approvals import NotAllowed, check_fields

        try:
            check_fields(self.rules, values)
        except NotAllowed as exc:
            return str(exc)
        session = self.context.require_session()

        def work() -> Approval:
            from safelog.vault.approvals import make_request

            return make_request(session, self.KIND.value, values, about=about)

        run_guarded(self.context, self, work, lambda made: self.refresh(made.seq), self._failed)
        return ""

    def decide_selected(self) -> None:
        a = self.current()
        if a is None or not self._mine_to_decide(a):
            return
        form = DecisionForm(a, self)
        if form.exec() != QDialog.DialogCode.Accepted:
            form.deleteLater()
            return
        decision, reasons = str(form.choice.currentData()), form.reasons.toPlainText()
        form.deleteLater()
        self.record_decision(a.seq, decision, reasons)

    def record_decision(self, seq: int, decision: str, reasons: str) -> None:
        session = self.context.require_session()

        def work() -> Approval:
            from safelog.vault.approvals import decide

            return decide(session, seq, decision, reasons)

        def done(_: Approval) -> None:
            self.say_error("")
            self.refresh(seq)

        run_guarded(self.context, self, work, done, self._failed)

    def print_selected(self) -> None:
        a = self.current()
        if a is None:
            return
        chosen = ask_where_to_save_pdf(
            self, f"Save {self.rules.form_title.lower()}", f"request-{a.seq}.pdf"
        )
        if chosen is not None:
            self.save_form(a.seq, chosen)

    def save_form(self, seq: int, out: Path) -> None:
        session = self.context.require_session()

        def work() -> str:
            from safelog.vault.approvals import print_approval

            return print_approval(session, seq, out)

        def done(digest: str) -> None:
            self.say_error("")
            self.detail.appendPlainText(f"\nSaved {out.name} (SHA-256 {digest[:16]}…).")

        run_guarded(self.context, self, work, done, self._failed)

    def launch(self) -> int:
        return self.exec()


def describe(a: Approval) -> str:
    lines = [
        f"{a.rules.form_title}, request {a.seq}",
        f"Asked by {a.requester_name}, {uk_datetime(a.at)}",
    ]
    if a.subject_name:
        lines.append(f"About: {a.subject_name}")
    lines.append("")
    lines += [f"{spec.label}: {a.fields.get(spec.name, '')}" for spec in a.rules.fields]
    lines.append("")
    made = a.decision
    if made is None:
        lines.append(f"Waiting for the decision of {a.rules.decider_words}.")
    else:
        lines.append(
            f"{made.decision.value.capitalize()} by {made.by_name}, {uk_datetime(made.at)}"
        )
        if made.reasons:
            lines.append(made.reasons)
    return "\n".join(lines)


class BlockedContentDialog(ApprovalsDialog):
    KIND = ApprovalKind.BLOCKED_CONTENT


class FamilyLinksDialog(ApprovalsDialog):
    KIND = ApprovalKind.FAMILY_LINK


class MonitoringDialog(ApprovalsDialog):
    KIND = ApprovalKind.MONITORING
