"""The history: every version of the case, who made it and when, and what it set. Nothing is
overwritten, so selecting a version shows exactly what was recorded then."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from safelog.domain.routes import Route, route_info
from safelog.gui.case_list import category_title, named, plain_label, status_label, uk_date
from safelog.gui.case_list import uk_datetime as uk_dt
from safelog.gui.workspace.actions import done_text
from safelog.gui.workspace.outcome import describe_outcome
from safelog.gui.workspace.panel import (
    DATE_TIME,
    CaseView,
    Saver,
    WorkspacePanel,
    fill_table,
    read_only_table,
)
from safelog.gui.workspace.summary import describe_person, field_label

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.records import Version


def route_title(route: str) -> str:
    try:
        return route_info(Route(route)).title
    except ValueError:
        return route


def _yes_no(value: Any) -> str:
    return "Yes" if value else "No"


def _escalation(route: str, record: Mapping[str, Any]) -> str:
    title = route_title(route)
    if record.get("not_needed"):
        return f"{title}: not needed. {record['not_needed']}"
    text = f"{title}: told {record.get('told', '')}"
    if record.get("how"):
        text += f" ({record['how']})"
    text += f" on {uk_dt(record.get('done_at'))}"
    if record.get("reference"):
        text += f"; reference {record['reference']}"
    if record.get("response"):
        text += f"; response: {record['response']}"
    return text


def _by_id(items: Any) -> dict[str, Mapping[str, Any]]:
    return {str(i.get("id")): i for i in items or [] if isinstance(i, Mapping)}


def _list_changes(
    new: Any, old: Any, added: Callable[[Mapping[str, Any]], str], changed: Callable[..., str]
) -> list[str]:
    before = _by_id(old)
    lines = []
    for item_id, item in _by_id(new).items():
        if item_id not in before:
            lines.append(added(item))
        elif item != before[item_id]:
            lines.append(changed(item))
    return lines


def describe_field(name: str, value: Any, before: Any, names: Mapping[str, str]) -> list[str]:
    """Lines saying what one version set in one field, against what was there before."""
    label = field_label(name)
    if name == "chronology":
        return _list_changes(
            value,
            before,
            lambda e: (
                "Chronology entry added: "
                f"{uk_dt(e.get('occurred_at') or e.get('recorded_at'))}: {e.get('text', '')}"
            ),
            lambda e: f"Chronology entry changed: {e.get('text', '')}",
        )
    if name == "actions":
        return _list_changes(
            value,
            before,
            lambda a: (
                f"Action added: {a.get('text', '')} (owner {a.get('owner', '')}"
                + (f", due {uk_date(a['due'])})" if a.get("due") else ")")
            ),
            lambda a: f"Action updated: {a.get('text', '')}: {done_text(dict(a))}",
        )
    if name == "decisions":
        return _list_changes(
            value,
            before,
            lambda d: f"Decision: {d.get('decision', '')}\n  Reason: {d.get('reason', '')}",
            lambda d: f"Decision changed: {d.get('decision', '')}",
        )
    if name == "escalations":
        old = before or {}
        return [
            "Escalation: " + _escalation(route, record)
            for route, record in (value or {}).items()
            if old.get(route) != record
        ]
    if name == "people":
        old_people = {p.get("name"): p for p in before or []}
        lines = []
        for person in value or []:
            previous = old_people.get(person.get("name"))
            if previous is None:
                lines.append("Person added: " + describe_person(person))
            elif previous != person:
                lines.append("Person changed: " + describe_person(person))
        gone = set(old_people) - {p.get("name") for p in value or []}
        lines += [f"Person removed from the list: {n}" for n in sorted(gone, key=str)]
        return lines
    if name == "status":
        text = f"Status: {status_label(value)}"
        return [text + (f" (was: {status_label(before)})" if before else "")]
    if name == "category":
        return [f"{label}: {category_title(value)}"]
    if name == "occurred_at":
        return [f"{label}: {uk_dt(value) or 'not given'}"]
    if name == "outcome":
        return ["Outcome: " + describe_outcome(value)]
    if name == "acknowledged":
        value = value or {}
        when = uk_dt(value.get("recorded_at"))
        return [f"Acknowledged by {value.get('recorded_by', '')} on {when}"]
    if name in ("subjects", "reporter"):
        ids = value if isinstance(value, list) else [value]
        shown = ", ".join(names.get(i, "a former user") for i in ids if i) or "nobody"
        return [f"{label}: {shown}"]
    if name in ("about_headteacher", "escalated_to_leadership"):
        return [f"{label}: {_yes_no(value)}"]
    if isinstance(value, str):
        return [f"{label}: {value}" if "\n" not in value else f"{label}:\n{value}"]
    return [f"{label}: {value!r}"]


_FIRST = (
    "category", "summary", "occurred_at", "platform", "url", "people", "subjects", "reporter",
    "about_headteacher", "status", "description",
)  # fmt: skip


def describe_version(
    number: int, changes: Mapping[int, Mapping[str, Any]], names: Mapping[str, str]
) -> str:
    """What version `number` set, as plain text."""
    before: dict[str, Any] = {}
    for version in sorted(changes):
        if version >= number:
            break
        before.update(changes[version])
    set_here = changes.get(number, {})
    order = [n for n in _FIRST if n in set_here] + sorted(n for n in set_here if n not in _FIRST)
    lines: list[str] = []
    for name in order:
        lines += describe_field(name, set_here[name], before.get(name), names)
    return "\n".join(lines) if lines else "This version changed no fields."


def changed_text(version: Version) -> str:
    text = ", ".join(field_label(n) for n in version.changed) or "nothing"
    if version.rekeyed:
        text += " (who can read it changed)"
    return text


class HistoryPanel(WorkspacePanel):
    title = "History"

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Every change adds a signed version; nothing recorded is overwritten. "
                "Select a version to see what it recorded.",
                self,
                role="muted",
            )
        )
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.table = read_only_table(
            splitter,
            "Versions",
            ("Version", "When", "By", "What changed"),
            stretch=3,
            widths={0: "Version", 1: DATE_TIME, 2: "Someone's full name"},
        )
        self.details = named(QPlainTextEdit(splitter), "What the selected version recorded")
        self.details.setReadOnly(True)
        self.details.setTabChangesFocus(True)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)
        self.table.itemSelectionChanged.connect(self._show_selected)

    def count(self) -> int | None:
        return len(self.view.detail.versions) if self.view else None

    def show_case(self, view: CaseView) -> None:
        super().show_case(view)
        versions = view.detail.versions
        fill_table(
            self.table,
            [[str(v.number), uk_dt(v.at), v.author, changed_text(v)] for v in versions],
            keys=[v.number for v in versions],
        )
        if self.table.currentRow() < 0 and versions:
            self.table.selectRow(len(versions) - 1)
        self._show_selected()

    def clear(self) -> None:
        super().clear()
        self.table.setRowCount(0)
        self.details.clear()

    def select_version(self, number: int) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.text() == str(number):
                self.table.selectRow(row)
                return

    def _show_selected(self) -> None:
        row = self.table.currentRow()
        if self.view is None or row < 0:
            self.details.clear()
            return
        version = self.view.detail.versions[row]
        head = f"Version {version.number}, {uk_dt(version.at)}, by {version.author}"
        body = describe_version(version.number, self.view.detail.changes, self.view.names)
        self.details.setPlainText(f"{head}\n\n{body}")
