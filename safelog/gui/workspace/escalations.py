"""Escalations: the routes SafeLog suggests for this case (why, and by when), what has been
recorded against each, the details of the selected one, and a form to record one: who was
told, when, how, their reference and response, or that the route is not needed and why. A
route the rules did not suggest can be recorded too ("Record another route…")."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.deadline_rules import DeadlineKind, DeadlineRule, rule_from_view
from safelog.domain.deadlines import DeadlineState, deadline_state
from safelog.domain.routes import (
    BARRED_ON_HEAD_CASE,
    Route,
    RouteInfo,
    barred_routes,
    not_needed_title,
    route_info,
    said_in_safelog,
)
from safelog.gui.form_fields import text_box
from safelog.gui.formatting import from_qdatetime, to_qdatetime, uk_datetime
from safelog.gui.widgets import named, plain_label, set_invalid
from safelog.gui.workspace.panel import (
    DATE_TIME,
    CaseView,
    FormError,
    Notice,
    Saver,
    WorkspacePanel,
    fill_table,
    read_only_table,
    row_key,
)
from safelog.vault.case_schema import CaseField

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session

# Where "not needed" is a decision a policy asks to be recorded with its reasons.
DECISIONS = frozenset({Route.POLICE, Route.ICO})
NOT_NEEDED_NEEDS_REASON = {
    False: "Say why this route is not needed.",
    True: "Write the decision's reasons: it is recorded with them.",
}

HOW = ("Phone", "Email", "In person", "Online form", "Letter", "In SafeLog")
IN_SAFELOG = "In SafeLog"


def how_choices(route: Route, *, about_headteacher: bool) -> tuple[str, ...]:
    """The ways someone can have been told on this route. "In SafeLog" only where SafeLog
    can have told them: never an outside body, nor the headteacher on a case about them."""
    if said_in_safelog(route, about_headteacher=about_headteacher):
        return HOW
    return tuple(h for h in HOW if h != IN_SAFELOG)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _info(item: dict[str, Any]) -> RouteInfo | None:
    try:
        return route_info(Route(item["route"]))
    except ValueError:
        return None


def deadline_of(item: dict[str, Any]) -> DeadlineRule | None:
    """The deadline of the rule that suggested the route, else the route's usual one."""
    info = _info(item)
    return rule_from_view(item.get("deadline")) or (info.deadline if info else None)


def where_it_stands(item: dict[str, Any], now: datetime) -> str:
    if item.get("not_needed"):
        return f"{not_needed_title(str(item['route']))}: {item['not_needed']}"
    if item.get("done_at"):
        text = f"Done {uk_datetime(item['done_at'])}"
        if item.get("told"):
            text += f": told {item['told']}"
        if item.get("how"):
            text += f" ({item['how']})"
        if item.get("response"):
            text += f". Response: {item['response']}"
        return text
    if not item.get("required"):
        return "Not recorded"  # only to consider: no deadline to miss
    due = _parse(item.get("due"))
    # An "immediately" route is due when the concern was raised: act now, and overdue
    # only once that working day has ended, as the inbox counts it (domain/deadlines.py).
    rule = deadline_of(item)
    immediate = rule is not None and rule.kind is DeadlineKind.IMMEDIATELY
    state = deadline_state(due, None, now, raised_at=due if immediate else None)
    if state is DeadlineState.OVERDUE:
        return "Not done: overdue"
    if state is DeadlineState.DUE_TODAY:
        return "Not done: due today"
    return "Not done yet"


def due_text(item: dict[str, Any]) -> str:
    return uk_datetime(item.get("due")) if item.get("due") else "No set deadline"


def route_details(item: dict[str, Any], now: datetime) -> str:
    """Everything about one route, for the pane under the table."""
    info = route_info(Route(item["route"]))
    need = "Required" if item.get("required") else "To consider"
    if not item.get("suggested", True):
        need = "Recorded (not suggested for this category)"
    rule = deadline_of(item)
    by_when = f" ({rule.describe()})" if rule and item.get("due") else ""
    lines = [
        f"{item['title']} — {need}. Due: {due_text(item)}{by_when}.",
        f"Why: {item.get('reason', '')}",
        f"Who is told: {info.who_is_told}",
        f"What to record: {info.record}",
        f"Where it stands: {where_it_stands(item, now)}",
    ]
    if item.get("reference"):
        lines.append(f"{item.get('reference_label') or 'Reference'}: {item['reference']}")
    if item.get("recorded_by"):
        lines.append(
            f"Recorded by {item['recorded_by']} on {uk_datetime(item.get('recorded_at'))}."
        )
    return "\n".join(lines)


class EscalationDialog(QDialog):
    """Record who was told on one route, when, how, their reference and response; or that
    the route is not needed, and why. It saves while open, so an error keeps what was typed."""

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        item: dict[str, Any],
        save: Saver,
        about_headteacher: bool = False,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.item = item
        self.save = save
        self.about_headteacher = about_headteacher
        self.setWindowTitle("Record an escalation")
        self.setModal(True)
        layout = QVBoxLayout(self)
        title = plain_label(item["title"], self)
        title.setObjectName("heading")
        layout.addWidget(title)
        layout.addWidget(plain_label(item.get("reason", ""), self, role="muted"))

        self.not_needed = named(
            QCheckBox("This route is &not needed for this case", self),
            "This route is not needed for this case",
        )
        layout.addWidget(self.not_needed)

        self.done_form = QWidget(self)
        form = QFormLayout(self.done_form)
        form.setContentsMargins(0, 0, 0, 0)
        self.told = named(QLineEdit(self.done_form), "Who was told")
        self.told.setPlaceholderText("Name and role, e.g. PC Jones, or Duty LADO")
        self.how = named(QComboBox(self.done_form), "How they were told")
        self.how.setEditable(True)
        self.how.addItems(how_choices(Route(item["route"]), about_headteacher=about_headteacher))
        line_edit = self.how.lineEdit()
        if line_edit is not None:
            named(line_edit, "How they were told")
        self.when = named(QDateTimeEdit(self.done_form), "When they were told")
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setDateTime(to_qdatetime(context.clock()))
        label = item.get("reference_label") or "Their reference"
        self.reference = named(QLineEdit(self.done_form), label)
        self.response = text_box(self.done_form, "Their response or advice", lines=2)
        form.addRow("&Who was told", self.told)
        form.addRow("&How", self.how)
        form.addRow("Whe&n", self.when)
        form.addRow(f"{label} (if any)", self.reference)
        form.addRow("Response or advice", self.response)
        layout.addWidget(self.done_form)

        self.reason_form = QWidget(self)
        reason_layout = QFormLayout(self.reason_form)
        reason_layout.setContentsMargins(0, 0, 0, 0)
        info = route_info(Route(item["route"]))
        # For the police and the ICO "not needed" is a decision, recorded with its reasons
        # (004 9.4; UK GDPR Art. 33): the box says so, and what the policy asks it to say.
        self.not_needed_reason = text_box(self.reason_form, info.not_needed_label, lines=3)
        reason_layout.addRow("&Why not", self.not_needed_reason)
        if info.not_needed_hint:
            self.not_needed_hint = plain_label(info.not_needed_hint, self.reason_form, role="muted")
            reason_layout.addRow("", self.not_needed_hint)
        layout.addWidget(self.reason_form)
        self.reason_form.hide()

        self.error = FormError(self)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(self)
        self.save_button = named(
            self.buttons.addButton("&Save", QDialogButtonBox.ButtonRole.AcceptRole), "Save"
        )
        self.save_button.setDefault(True)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            named(cancel, "Cancel")
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.not_needed.toggled.connect(self._toggle)
        context.events.locked.connect(self._locked)
        self.resize(560, self.sizeHint().height())

    def launch(self) -> bool:
        return self.exec() == QDialog.DialogCode.Accepted

    def _toggle(self, on: bool) -> None:
        self.done_form.setVisible(not on)
        self.reason_form.setVisible(on)

    def _submit(self) -> None:
        self.error.clear_error()
        route = str(self.item["route"])
        if self.not_needed.isChecked():
            reason = self.not_needed_reason.toPlainText().strip()
            if not reason:
                set_invalid(self.not_needed_reason, True)
                self.error.show_error(NOT_NEEDED_NEEDS_REASON[Route(route) in DECISIONS])
                self.not_needed_reason.setFocus()
                return

            def op(session: Session, reference: str) -> object:
                from safelog.vault.workspace import record_escalation

                return record_escalation(session, reference, route, not_needed_reason=reason)

        else:
            told = self.told.text().strip()
            if not told:
                set_invalid(self.told, True)
                self.error.show_error("Write who was told.")
                self.told.setFocus()
                return
            how = self.how.currentText().strip()
            if how.casefold() == IN_SAFELOG.casefold() and not said_in_safelog(
                Route(route), about_headteacher=self.about_headteacher
            ):
                self.error.show_error(
                    f"{self.item['title']} cannot have been told in SafeLog: say how they "
                    "were told (phone, email, in person, letter)."
                )
                self.how.setFocus()
                return
            when = from_qdatetime(self.when.dateTime())
            if when > self.context.clock():
                self.error.show_error("The time is in the future. Check the date and time.")
                self.when.setFocus()
                return
            number = self.reference.text().strip()
            response = self.response.toPlainText().strip()

            def op(session: Session, reference: str) -> object:
                from safelog.vault.workspace import record_escalation

                return record_escalation(
                    session,
                    reference,
                    route,
                    told=told,
                    how=how,
                    done_at=when,
                    reference_number=number,
                    response=response,
                )

        self.save_button.setEnabled(False)
        self.save(op, self.accept, self._failed)

    def _failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.error.show_error(message)

    def _locked(self) -> None:
        for box in (self.told, self.reference):
            box.clear()
        self.response.clear()
        self.not_needed_reason.clear()
        self.reject()


class EscalationsPanel(WorkspacePanel):
    title = "Escalations"

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Who must be told about this case, why, and by when. Required routes count "
                "towards the case's deadline until they are recorded.",
                self,
                role="muted",
            )
        )
        self.table = read_only_table(
            self,
            "Escalation routes",
            ("Route", "Needed", "Why", "Due", "Where it stands", "Reference"),
            stretch=2,
            widths={
                0: "Children's social care",
                1: "Required",
                3: DATE_TIME,
                4: "Done " + DATE_TIME + ": told",
                5: "Reference 0000",
            },
        )
        layout.addWidget(self.table, 1)
        self.details = plain_label("", self, selectable=True)
        named(self.details, "Details of the selected route")
        self.details.setFrameShape(QFrame.Shape.StyledPanel)
        self.details.setMargin(8)
        layout.addWidget(self.details)
        row = QHBoxLayout()
        self.record_button = named(
            QPushButton("&Record for the selected route…", self),
            "Record who was told on the selected route, or that it is not needed",
        )
        self.other_route = named(QComboBox(self), "Another route to record")
        self.other_button = named(
            QPushButton("Record an&other route…", self),
            "Record a route SafeLog did not suggest for this case",
        )
        row.addWidget(self.record_button)
        row.addStretch(1)
        row.addWidget(self.other_route)
        row.addWidget(self.other_button)
        layout.addLayout(row)
        # On a concern about the headteacher, why "Headteacher" is not a route to record.
        self.head_note = plain_label(BARRED_ON_HEAD_CASE, self, role="notice")
        named(self.head_note, "Why the headteacher is not a route for this case")
        self.head_note.hide()
        layout.addWidget(self.head_note)
        self.notice = Notice(self)
        layout.addWidget(self.notice)
        self.record_button.clicked.connect(self.record_selected)
        self.other_button.clicked.connect(self.record_other)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.record_selected())
        self._selection_changed()

    def count(self) -> int | None:
        if not self.view:
            return None
        return sum(
            1
            for e in self.view.escalations
            if e["required"] and not (e.get("done_at") or e.get("not_needed"))
        )

    def show_case(self, view: CaseView) -> None:
        super().show_case(view)
        items = view.escalations
        fill_table(
            self.table,
            [
                [
                    e["title"],
                    "Required" if e["required"] else "Consider",
                    e.get("reason", ""),
                    due_text(e),
                    where_it_stands(e, view.now),
                    e.get("reference") or "",
                ]
                for e in items
            ],
            keys=[e["route"] for e in items],
        )
        self.record_button.setVisible(view.can_edit)
        listed = {e["route"] for e in items}
        # Issue 11: on a concern about the headteacher, "told the headteacher" is not
        # offered at all, rather than offered with a warning. A DSL or chair recording that
        # route would mean "escalated to the headteacher", which is false (SafeLog's keys
        # keep the head out) and is the tip-off KCSIE Part 4 warns against. When the chair,
        # after consulting the LADO, does tell the headteacher of the allegation, that is a
        # decision with its reason (the Decisions tab), which is what the note says; the
        # vault refuses the route too (vault/workspace.py).
        barred = self._barred()
        self.head_note.setVisible(bool(barred) and view.can_edit)
        self.other_route.clear()
        for route in Route:
            if route.value not in listed and route not in barred:
                self.other_route.addItem(route_info(route).title, route.value)
        for widget in (self.other_route, self.other_button):
            widget.setVisible(view.can_edit and self.other_route.count() > 0)
        if self.table.currentRow() < 0 and items:
            open_items = [
                n for n, e in enumerate(items) if not (e.get("done_at") or e.get("not_needed"))
            ]
            self.table.selectRow(open_items[0] if open_items else 0)
        self._selection_changed()

    def clear(self) -> None:
        super().clear()
        self.table.setRowCount(0)
        self.details.setText("")
        self.notice.clear()

    def _barred(self) -> frozenset[Route]:
        about_head = bool(self.view and self.view.fields.get(CaseField.ABOUT_HEADTEACHER))
        return barred_routes(about_headteacher=about_head)

    def _is_barred(self, route: object) -> bool:
        return any(route == r.value for r in self._barred())

    def _selection_changed(self) -> None:
        key = row_key(self.table)
        self.record_button.setEnabled(key is not None and not self._is_barred(key))
        item = self.selected_item()
        self.details.setVisible(item is not None)
        if item is not None and self.view is not None:
            self.details.setText(route_details(item, self.view.now))

    def selected_item(self) -> dict[str, Any] | None:
        route = row_key(self.table)
        if route is None or self.view is None:
            return None
        return next((e for e in self.view.escalations if e["route"] == route), None)

    def record_selected(self) -> None:
        item = self.selected_item()
        if item is None or self.view is None or not self.view.can_edit:
            return
        if self._is_barred(item["route"]):  # recorded before the case was about the head
            self.notice.setText(BARRED_ON_HEAD_CASE)
            return
        self._record(item)

    def record_other(self) -> None:
        value = self.other_route.currentData()
        if value is None or self.view is None or not self.view.can_edit:
            return
        if self._is_barred(value):
            self.notice.setText(BARRED_ON_HEAD_CASE)
            return
        info = route_info(Route(value))
        self._record(
            {
                "route": info.route.value,
                "title": info.title,
                "reason": f"Not suggested for this category. {info.who_is_told}",
                "reference_label": info.reference_label,
            }
        )

    def _record(self, item: dict[str, Any]) -> None:
        about_head = bool(self.view and self.view.fields.get(CaseField.ABOUT_HEADTEACHER))
        dialog = EscalationDialog(
            self.context, self, item=item, save=self.save, about_headteacher=about_head
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.notice.setText(f"{item['title']}: recorded."))
        dialog.launch()
