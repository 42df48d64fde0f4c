"""The history: every version of the case, who made it and when, and what it set. Nothing is
overwritten, so selecting a version shows exactly what was recorded then."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QBrush, QFont, QShowEvent
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from safelog.domain.deadline_notes import DeadlineNote, case_deadlines, deadline_notes
from safelog.domain.routes import Route, not_needed_title, route_info
from safelog.gui.formatting import category_title, status_label, uk_date
from safelog.gui.formatting import uk_datetime as uk_dt
from safelog.gui.theme import colour
from safelog.gui.widgets import named, plain_label
from safelog.gui.workspace.actions import done_text
from safelog.gui.workspace.outcome import describe_outcome
from safelog.gui.workspace.panel import (
    DATE_TIME,
    CaseView,
    Saver,
    WorkspacePanel,
    fill_table,
    read_only_table,
    row_key,
)
from safelog.gui.workspace.summary import describe_person, field_label
from safelog.vault.case_schema import CaseField
from safelog.vault.retention import closed_at_of

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
        decided = not_needed_title(route)
        if decided != "Not needed":  # a decision (the police, the ICO), with its reasons
            return f"{decided}. {record['not_needed']}"
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
    if name == CaseField.CHRONOLOGY:
        return _list_changes(
            value,
            before,
            lambda e: (
                "Chronology entry added: "
                f"{uk_dt(e.get('occurred_at') or e.get('recorded_at'))}: {e.get('text', '')}"
            ),
            lambda e: f"Chronology entry changed: {e.get('text', '')}",
        )
    if name == CaseField.ACTIONS:
        return _list_changes(
            value,
            before,
            lambda a: (
                f"Action added: {a.get('text', '')} (owner {a.get('owner', '')}"
                + (f", due {uk_date(a['due'])})" if a.get("due") else ")")
            ),
            lambda a: f"Action updated: {a.get('text', '')}: {done_text(dict(a))}",
        )
    if name == CaseField.DECISIONS:
        return _list_changes(
            value,
            before,
            lambda d: f"Decision: {d.get('decision', '')}\n  Reason: {d.get('reason', '')}",
            lambda d: f"Decision changed: {d.get('decision', '')}",
        )
    if name == CaseField.CONTENT_REPORTS:
        return _list_changes(
            value,
            before,
            lambda r: (
                f"Inappropriate content report: {r.get('nature', '')}\n"
                f"  Web addresses: {', '.join(r.get('urls') or [])}"
            ),
            lambda r: (
                "Inappropriate content report completed by the e-safety officer: "
                f"{(r.get('officer') or {}).get('action_taken', '')}"
            ),
        )
    if name == CaseField.IMAGE_REPORTS:
        return _list_changes(
            value,
            before,
            lambda r: (
                f"Images reported in words (never stored): {r.get('description', '')}; "
                f"informed {r.get('informed', '')}"
                + (
                    f", police reference {r['police_reference']}"
                    if r.get("police_reference")
                    else ""
                )
            ),
            lambda r: f"Image report changed: {r.get('description', '')}",
        )
    if name == CaseField.REPLIES:
        return _list_changes(
            value,
            before,
            lambda r: (
                f"Reply sent to the reporter by {r.get('by', '')} on {uk_dt(r.get('at'))}:\n"
                f"{r.get('text', '')}"
            ),
            lambda r: f"Reply to the reporter changed: {r.get('text', '')}",
        )
    if name == CaseField.PUBLIC_REPLIES:
        return _list_changes(
            value,
            before,
            lambda r: (
                f"Reply made online ({r.get('where') or 'where not given'}):\n"
                f"{r.get('text', '')}\n  Approved by: "
                + (
                    f"{r.get('approved_by')} on {uk_dt(r.get('approved_at'))}"
                    if r.get("approved_by")
                    else "no approval recorded"
                )
            ),
            lambda r: f"Reply made online changed: {r.get('text', '')}",
        )
    if name == CaseField.EVIDENCE_SIGHTINGS:
        seen = len(before or [])
        return [
            f"The same file was added again: {e.get('file_name', '')} "
            f"(already evidence {e.get('evidence_id', '')}), by {e.get('recorded_by', '')}"
            for e in (value or [])[seen:]
            if isinstance(e, Mapping)
        ]
    if name == CaseField.ESCALATIONS:
        old = before or {}
        return [
            "Escalation: " + _escalation(route, record)
            for route, record in (value or {}).items()
            if old.get(route) != record
        ]
    if name == CaseField.PEOPLE:
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
    if name == CaseField.STATUS:
        text = f"Status: {status_label(value)}"
        return [text + (f" (was: {status_label(before)})" if before else "")]
    if name == CaseField.CATEGORY:
        return [f"{label}: {category_title(value)}"]
    if name == CaseField.OCCURRED_AT:
        return [f"{label}: {uk_dt(value) or 'not given'}"]
    if name == CaseField.OUTCOME:
        return ["Outcome: " + describe_outcome(value)]
    if name == CaseField.ACKNOWLEDGED:
        value = value or {}
        when = uk_dt(value.get("recorded_at"))
        return [f"Acknowledged by {value.get('recorded_by', '')} on {when}"]
    if name in (CaseField.SUBJECTS, CaseField.REPORTER):
        ids = value if isinstance(value, list) else [value]
        shown = ", ".join(names.get(i, "a former user") for i in ids if i) or "nobody"
        return [f"{label}: {shown}"]
    if name in (CaseField.ABOUT_HEADTEACHER, CaseField.ESCALATED_TO_LEADERSHIP):
        return [f"{label}: {_yes_no(value)}"]
    if isinstance(value, str):
        return [f"{label}: {value}" if "\n" not in value else f"{label}:\n{value}"]
    return [f"{label}: {value!r}"]


_FIRST = (
    CaseField.CATEGORY,
    CaseField.SUMMARY,
    CaseField.OCCURRED_AT,
    CaseField.PLATFORM,
    CaseField.URL,
    CaseField.PEOPLE,
    CaseField.SUBJECTS,
    CaseField.REPORTER,
    CaseField.ABOUT_HEADTEACHER,
    CaseField.STATUS,
    CaseField.DESCRIPTION,
)


REPLY_SENT = "Reply sent to the reporter"
SEALED = (
    "Sealed from the reporter: only those who manage the case can read what is added from now on"
)
SEALED_EXPLAINED = (
    "Someone who manages cases opened this report for the first time, so SafeLog moved it to "
    "a new key that the person who reported it never holds. They still see what they sent, "
    "its status and any replies sent to them; nothing added from here on."
)


def sealed_from_reporter(version: Version) -> bool:
    """The version that moved a report away from its reporter's key: a re-key that set no
    fields (the vault writes no other; its signed statement says "sealed_from_reporter")."""
    return version.rekeyed and not version.changed


def describe_version(
    number: int,
    changes: Mapping[int, Mapping[str, Any]],
    names: Mapping[str, str],
    *,
    sealed: bool = False,
) -> str:
    """What version `number` set, as plain text (`sealed`: it sealed the report away from
    its reporter)."""
    if sealed and not changes.get(number):
        return f"{SEALED}.\n\n{SEALED_EXPLAINED}"
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
    if sealed_from_reporter(version):
        return SEALED
    if tuple(version.changed) == ("replies",):
        return REPLY_SENT
    text = ", ".join(field_label(n) for n in version.changed) or "nothing"
    if version.rekeyed:
        text += " (who can read it changed)"
    return text


NOTED_BY = "SafeLog (note)"
NOTE_MARK = "Note"
NOTE_EXPLAINED = (
    "This note is not a signed entry by a person. SafeLog works it out from the signed record "
    "(when the concern was raised, and what each version recorded about escalations and "
    "actions) and the time now, so it is always shown and cannot be left out or altered."
)


@dataclass(frozen=True)
class HistoryEntry:
    """A row of the history: a signed version, or a note SafeLog derived."""

    at: datetime
    version: Version | None = None
    note: DeadlineNote | None = None


def history_entries(view: CaseView, now: datetime) -> list[HistoryEntry]:
    """The signed versions and the deadline notes at `now`, in time order (a note after a
    version made at the same moment)."""
    # Derived on every showing rather than signed when a deadline passes: exact, never
    # forgotten when no DSL signs in that day, and no versions written as a side effect of
    # someone looking (which would race between users). See safelog/domain/deadline_notes.py.
    deadlines = case_deadlines(view.escalations, view.fields.get(CaseField.ACTIONS))
    notes = deadline_notes(deadlines, now, closed_at=closed_at_of(view.detail))
    entries = [HistoryEntry(v.at, version=v) for v in view.detail.versions]
    entries += [HistoryEntry(n.at, note=n) for n in notes]
    entries.sort(key=lambda e: (e.at, e.note is not None))
    return entries


class HistoryPanel(WorkspacePanel):
    title = "History"

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        self.entries: list[HistoryEntry] = []
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Every change adds a signed version; nothing recorded is overwritten. "
                "Select a version to see what it recorded. Rows marked “Note” are "
                "added by SafeLog when a deadline passes: worked out from the signed record, "
                "they are not signed entries.",
                self,
                role="muted",
            )
        )
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.table = read_only_table(
            splitter,
            "Versions and deadline notes",
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
        # Deadlines pass while the case is open on screen: the notes follow the clock.
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(60_000)
        self._clock_timer.timeout.connect(self.refresh_notes)
        self._clock_timer.start()

    def count(self) -> int | None:
        return len(self.view.detail.versions) if self.view else None

    def notes(self) -> list[DeadlineNote]:
        return [e.note for e in self.entries if e.note is not None]

    def show_case(self, view: CaseView) -> None:
        super().show_case(view)
        self._fill(history_entries(view, self.context.clock()))

    def refresh_notes(self) -> None:
        """Work the notes out again at the time now; refill only if they changed."""
        if self.view is None:
            return
        entries = history_entries(self.view, self.context.clock())
        if entries != self.entries:
            self._fill(entries)

    def _fill(self, entries: list[HistoryEntry]) -> None:
        selected = row_key(self.table)
        self.entries = entries
        rows: list[list[str]] = []
        keys: list[tuple[str, object]] = []
        for entry in entries:
            if entry.version is not None:
                v = entry.version
                rows.append([str(v.number), uk_dt(v.at), v.author, changed_text(v)])
                keys.append(("version", v.number))
            elif entry.note is not None:
                rows.append([NOTE_MARK, uk_dt(entry.at), NOTED_BY, entry.note.text])
                keys.append(("note", entry.note.text))
        fill_table(self.table, rows, keys=keys)
        self._mark_notes()
        if selected is not None and selected in keys:
            self.table.selectRow(keys.index(selected))
        elif self.table.currentRow() < 0 or selected is None:
            last_version = max(
                (r for r, e in enumerate(entries) if e.version is not None), default=-1
            )
            if last_version >= 0:
                self.table.selectRow(last_version)
        self._show_selected()

    def _mark_notes(self) -> None:
        """Notes look unlike signed versions: italic, tinted, and say who made them."""
        italic = QFont(self.table.font())
        italic.setItalic(True)
        for row, entry in enumerate(self.entries):
            if entry.note is None:
                continue
            back = colour("note_late_back" if entry.note.done_late else "note_open_back")
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                if item is None:
                    continue
                item.setFont(italic)
                item.setBackground(QBrush(back))
                item.setForeground(QBrush(colour("note_text")))
            first = self.table.item(row, 0)
            if first is not None:
                first.setData(Qt.ItemDataRole.AccessibleTextRole, "Note by SafeLog")
                first.setToolTip("Added by SafeLog from the signed record; not a signed entry")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_notes()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "entries"):
            self._mark_notes()  # light or dark changed: the notes' tints follow

    def clear(self) -> None:
        super().clear()
        self.entries = []
        self.table.setRowCount(0)
        self.details.clear()

    def select_version(self, number: int) -> None:
        for row, entry in enumerate(self.entries):
            if entry.version is not None and entry.version.number == number:
                self.table.selectRow(row)
                return

    def _show_selected(self) -> None:
        row = self.table.currentRow()
        if self.view is None or not 0 <= row < len(self.entries):
            self.details.clear()
            return
        entry = self.entries[row]
        if entry.note is not None:
            head = f"Note by SafeLog, {uk_dt(entry.at)}"
            self.details.setPlainText(f"{head}\n\n{entry.note.text}\n\n{NOTE_EXPLAINED}")
            return
        assert entry.version is not None
        version = entry.version
        head = f"Version {version.number}, {uk_dt(version.at)}, by {version.author}"
        body = describe_version(
            version.number,
            self.view.detail.changes,
            self.view.names,
            sealed=sealed_from_reporter(version),
        )
        self.details.setPlainText(f"{head}\n\n{body}")
