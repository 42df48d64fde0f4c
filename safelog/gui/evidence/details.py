"""One evidence item in full: every fact recorded with it, the times the same file was
added again, and its chain of custody (who added, viewed, extracted or exported it, when).

Everything here is shown as plain text: names, URLs and descriptions were typed by people
or came from untrusted files. A URL is never a live link. The chain of custody comes from
the verified audit log and is read in the worker.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from safelog.evidence.images import NOTES, PREVIEW_PENDING, PREVIEW_TOO_LARGE, PREVIEW_UNREADABLE
from safelog.evidence.intake import describe_size, describe_type
from safelog.gui.errors import error_text
from safelog.gui.formatting import uk_datetime
from safelog.gui.widgets import monospace_font, named, plain_label
from safelog.gui.worker import LatestOnly

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.audit_view import AuditEntry
    from safelog.vault.evidence_reading import EvidenceItem
    from safelog.vault.records import EvidenceInfo

# What each audit action did to the item, in plain words.
ACTION_WORDS: Mapping[str, str] = {
    "evidence.add": "added",
    "evidence.sighting": "added again (the same file)",
    "evidence.view": "viewed",
    "evidence.extract": "extracted (a copy saved to a file)",
    "evidence.export": "exported in a case file",
    "case.evidence-list": "listed",
}


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, action)


def person_name(value: str, names: Mapping[str, str]) -> str:
    """Who added something: the vault records the name; older records may hold a user id."""
    return names.get(value, value) if value else ""


def visible_name(name: str) -> str:
    """An original file name with control, format and direction characters written as
    codes, so that "gpj.exe" with a right-to-left override cannot pass for a picture."""
    return "".join(
        f"\\u{ord(ch):04X}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
        for ch in name
    )


def preview_status(info: EvidenceInfo) -> str:
    return str(info.metadata.get("preview") or "none")


def type_text(info: EvidenceInfo) -> str:
    """The detected type, and whether it could be shown."""
    text = describe_type(info.media_type)
    status = preview_status(info)
    if status == PREVIEW_UNREADABLE:
        return f"{text}: could not be shown"
    if status == PREVIEW_PENDING:
        return f"{text}: preview being made"
    if status == PREVIEW_TOO_LARGE:
        return f"{text}: too large to show"
    return text


def size_text(size: int) -> str:
    short = describe_size(size)
    return short if short.endswith("bytes") else f"{short} ({size:,} bytes)"


def captured_at(info: EvidenceInfo) -> datetime:
    value = info.metadata.get("captured_at_utc")
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return info.added_at


def utc_text(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%d/%m/%Y %H:%M:%S UTC")


def local_text(value: str) -> str:
    """A time as the adding computer's clock showed it, with its offset from UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    offset = parsed.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return parsed.strftime("%d/%m/%Y %H:%M:%S") + zone


def seen_text(value: str) -> str:
    """When it was seen, as typed: a date, or a date and time."""
    if not value:
        return ""
    if len(value) == 10:
        try:
            return datetime.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return uk_datetime(value) or value


def notes_for(info: EvidenceInfo) -> str:
    """What the app noticed when the file came in (a name that lied about the type, an
    image that could not be shown), in plain words."""
    notes = []
    claimed = str(info.metadata.get("claimed_type") or "")
    if claimed and claimed != info.media_type:
        notes.append(
            f"The file's name says {describe_type(claimed)}, but its content is "
            f"{describe_type(info.media_type)}; it was recorded as "
            f"{describe_type(info.media_type)}."
        )
    note = NOTES.get(preview_status(info))
    if note:
        notes.append(note)
    extra = info.metadata.get("notes")
    if isinstance(extra, str) and extra:
        notes.append(extra)
    elif isinstance(extra, list):
        notes.extend(str(n) for n in extra if n)
    return "\n".join(notes)


def describe_sighting(sighting: Mapping[str, Any], names: Mapping[str, str]) -> str:
    who = person_name(str(sighting.get("recorded_by") or ""), names) or "someone"
    parts = [f"Added again by {who} on {uk_datetime(sighting.get('recorded_at'))}"]
    if sighting.get("file_name"):
        parts.append(f"as {sighting['file_name']}")
    line = " ".join(parts) + "."
    more = []
    for key, label in (
        ("platform", "Platform"),
        ("source_url", "Link"),
        ("handle", "Account"),
        ("device", "Device"),
    ):
        if sighting.get(key):
            more.append(f"{label}: {sighting[key]}")
    if sighting.get("seen_at"):
        more.append(f"Seen: {seen_text(str(sighting['seen_at']))}")
    if sighting.get("description"):
        more.append(f"Description: {sighting['description']}")
    return "\n".join([line, *more])


def describe_custody(entry: AuditEntry) -> str:
    return f"{uk_datetime(entry.at)}  {entry.actor or 'someone'}: {action_words(entry.action)}"


class EvidenceDetails(QScrollArea):
    """The facts of one item as label/value rows, then its sightings and custody."""

    custody_loaded = Signal(str)  # the evidence id, once its custody is shown

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, stacked: bool = False
    ) -> None:
        """`stacked`: each caption above its value, for a narrow pane."""
        super().__init__(parent)
        self.stacked = stacked
        self.context = context
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        named(self, "Evidence details")
        body = QWidget(self)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(8, 4, 8, 4)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(
            QFormLayout.RowWrapPolicy.WrapAllRows
            if stacked
            else QFormLayout.RowWrapPolicy.WrapLongRows
        )
        self.form.setVerticalSpacing(6)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        outer.addLayout(self.form)
        outer.addStretch(1)
        self.setWidget(body)
        self.empty = plain_label("Choose an item to see its details.", body, role="muted")
        outer.insertWidget(0, self.empty)
        self._values: dict[str, QLabel | QLineEdit] = {}
        self.custody_lines: list[str] = []
        self.custody_label: QLabel | None = None
        self.evidence_id = ""
        self._reference = ""
        # Only the custody of the item shown now: a slower answer for an earlier one is dropped.
        self.custody_loader = LatestOnly(context, self, self._custody, self._custody_failed)

    # -- showing ---------------------------------------------------------------------------

    def text(self) -> str:
        """Everything shown, for tests and copying."""
        return "\n".join(
            f"{k}: {v.text()}" for k, v in self._values.items() if isinstance(v, QLabel | QLineEdit)
        )

    def value(self, label: str) -> str:
        shown = self._values.get(label)
        return shown.text() if shown is not None else ""

    def clear(self) -> None:
        """Forget the item (on lock, or when another case is opened)."""
        self.custody_loader.reset()
        while self.form.rowCount():
            self.form.removeRow(0)
        self._values = {}
        self.custody_lines = []
        self.custody_label = None
        self.evidence_id = ""
        self._reference = ""
        self.empty.show()

    def _caption(self, text: str) -> QLabel:
        caption = plain_label(text, self.widget(), wrap=False)
        caption.setStyleSheet("font-weight: 600;")
        if self.stacked and self.form.rowCount():
            caption.setContentsMargins(0, 6, 0, 0)  # a little air above each fact
        return caption

    def _row(self, label: str, value: str) -> QLabel | None:
        if not value:
            return None
        caption = self._caption(label)
        shown = plain_label(value, self.widget(), selectable=True)
        named(shown, label)
        caption.setBuddy(shown)
        self.form.addRow(caption, shown)
        self._values[label] = shown
        return shown

    def _line_row(self, label: str, value: str, description: str, *, mono: bool = False) -> None:
        """One long line (a hash, a web address) in a read-only box: selectable, copied
        exactly, scrolled rather than wrapped, never a link."""
        if not value:
            return
        caption = self._caption(label)
        shown = named(QLineEdit(value, self.widget()), label, description)
        shown.setReadOnly(True)
        if mono:
            shown.setFont(monospace_font())
        shown.setCursorPosition(0)
        shown.setMinimumWidth(shown.fontMetrics().horizontalAdvance("0" * 16))
        caption.setBuddy(shown)
        self.form.addRow(caption, shown)
        self._values[label] = shown

    def show_item(
        self,
        item: EvidenceItem,
        names: Mapping[str, str],
        reference: str,
        *,
        load_custody: bool = True,
    ) -> None:
        info = item.info
        meta = info.metadata
        same_item = self.evidence_id == info.id and self._reference == reference
        previous_custody = list(self.custody_lines) if same_item else []
        self.clear()
        self.empty.hide()
        self.evidence_id = info.id
        self._reference = reference
        self._row("File name", info.file_name)
        original = str(meta.get("original_name") or "")
        if original:
            self._row("Original file name", visible_name(original))
        self._row("Type", f"{type_text(info)} ({info.media_type})")
        claimed = str(meta.get("claimed_type") or "")
        if claimed and claimed != info.media_type:
            self._row("Type its name claimed", f"{describe_type(claimed)} ({claimed})")
        if meta.get("width") and meta.get("height"):
            self._row("Picture size", f"{meta['width']:,} x {meta['height']:,} pixels")
        self._row("Size", size_text(info.size))
        self._line_row(
            "SHA-256",
            info.sha256,
            "The file's fingerprint: any change to the file changes it. Select it to copy.",
            mono=True,
        )
        self._row("Platform", str(meta.get("platform") or ""))
        self._line_row(
            "Web address (not a link)",
            str(meta.get("source_url") or ""),
            "Where it was seen. Plain text: select it to copy.",
        )
        self._row("Account handle", str(meta.get("handle") or ""))
        self._row("When it was seen", seen_text(str(meta.get("seen_at") or "")))
        utc = str(meta.get("captured_at_utc") or info.added_at.isoformat())
        local = str(meta.get("captured_at_local") or "")
        self._row("Captured or imported (UK time)", uk_datetime(utc))
        self._row("Captured or imported (UTC)", utc_text(utc))
        self._row("Captured or imported (that computer's clock)", local_text(local))
        self._row("Added by", person_name(info.added_by, names))
        self._row("Device", str(meta.get("device") or ""))
        self._row("Description", str(meta.get("description") or ""))
        self._row("Notes", notes_for(info))
        if item.sightings:
            self._row(
                "Added again",
                "\n\n".join(describe_sighting(s, names) for s in item.sightings),
            )
        self.custody_label = self._row(
            "Chain of custody", "\n".join(previous_custody) or "Loading…"
        )
        self.custody_lines = previous_custody
        if load_custody:
            self.load_custody()

    # -- custody ---------------------------------------------------------------------------

    def load_custody(self) -> None:
        """Read the item's chain of custody from the audit log, in the worker."""
        session = self.context.session
        evidence_id, reference = self.evidence_id, self._reference
        if session is None or session.locked or not evidence_id:
            return

        def work() -> list[AuditEntry]:
            from safelog.vault.evidence_custody import evidence_custody

            return evidence_custody(session, reference, evidence_id)

        self.custody_loader.run(work)

    def _custody(self, entries: Sequence[AuditEntry]) -> None:
        if self.custody_label is None:
            return
        self.custody_lines = [describe_custody(e) for e in entries]
        self.custody_label.setText("\n".join(self.custody_lines))
        self.custody_loaded.emit(self.evidence_id)

    def _custody_failed(self, exc: BaseException) -> None:
        if self.custody_label is None:
            return
        self.custody_lines = []
        self.custody_label.setText("The chain of custody could not be read. " + error_text(exc))
