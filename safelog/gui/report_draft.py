"""A half-written report kept for its writer (vault/drafts.py): sealed every little while and
when SafeLog locks, offered back at their next sign-in, dropped once sent or discarded.

The keeper holds the writer's `DraftKeys` from the start, so it can still seal after the
lock has dropped the private keys. What is kept is the form's own plain data
(`draft_fields`, put back by `fill_from_draft`); attachments never are, only whether there
were any.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QComboBox

from safelog.gui.crash_dialog import log_fault
from safelog.gui.formatting import from_qdatetime, to_qdatetime
from safelog.vault.drafts import REPORT, Draft, DraftKeys

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.gui.report_form import ReportConcernDialog

AUTOSAVE_MS = 15_000  # how often a half-written report is kept, sealed, besides on lock


class DraftKeeper(QObject):
    """Keeps what `fields()` returns, sealed, whenever `wanted()` says there is something
    worth keeping; `had_attachments()` is kept with it so the writer can be told."""

    def __init__(
        self,
        context: AppContext,
        owner: QObject,
        fields: Callable[[], dict[str, Any]],
        had_attachments: Callable[[], bool],
        wanted: Callable[[], bool],
    ) -> None:
        super().__init__(owner)
        self.context = context
        self.keys = DraftKeys.of(context.require_session())
        self.slot: str | None = None
        self._fields = fields
        self._had_attachments = had_attachments
        self._wanted = wanted
        self._kept_digest = b""
        # Kept every little while as well as on lock, so a crash or a power cut loses little.
        self.autosave = QTimer(self)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.keep)

    def start(self) -> None:
        self.autosave.start()

    def stop(self) -> None:
        self.autosave.stop()

    def resume(self) -> Draft | None:
        """The writer's own kept report, which the main window opened, if there is one:
        it is kept in the same place from now on."""
        draft, self.context.draft = self.context.draft, None
        if draft is None or draft.kind != REPORT:
            return None
        self.slot = draft.slot
        return draft

    def keep(self) -> None:
        """Seal what is typed for its writer, unless nothing changed since last time."""
        if not self._wanted():
            return
        fields = self._fields()
        had_attachments = self._had_attachments()
        digest = hashlib.sha256(
            json.dumps([fields, had_attachments], sort_keys=True).encode("utf-8")
        ).digest()
        if digest == self._kept_digest:
            return
        try:
            self.slot = self.context.drafts().keep(
                self.keys, REPORT, fields, had_attachments=had_attachments, slot=self.slot
            )
        except OSError as exc:  # a full or read-only disk: the form itself is unaffected
            log_fault(exc)
            return
        self._kept_digest = digest

    def drop(self) -> None:
        """Sent or discarded: nothing to offer back."""
        self.stop()
        try:
            self.context.drafts().drop(self.slot)
        except OSError as exc:
            log_fault(exc)
        self.slot = None


def draft_fields(form: ReportConcernDialog) -> dict[str, Any]:
    """Everything typed or chosen, as plain data (for the sealed draft only)."""
    return {
        "category": form.category.currentData() or "",
        "summary": form.summary.text(),
        "description": form.description.toPlainText(),
        "when": from_qdatetime(form.when.dateTime()).isoformat(),
        "platform": form.platform.currentData() or "",
        "platform_other": form.platform_other.text(),
        "url": form.url.text(),
        "people": form.people_added,
        "person": {
            "name": form.person_name.text(),
            "kind": form.person_kind.currentData(),
            "role": form.person_role.currentData(),
            "date_of_birth": form.person_birth.text(),
        },
        "about_head": form.about_head.isChecked(),
        "about_staff": form.about_staff.currentData() or "",
        "action_taken": form.action_taken.toPlainText(),
        "told_dsl": form.told_dsl.isChecked(),
        "content_report": {
            "accessed_by": form.content_report.accessed_by.text(),
            "urls": form.content_report.urls.toPlainText(),
            "nature": form.content_report.nature.toPlainText(),
        },
    }


def fill_from_draft(form: ReportConcernDialog, fields: dict[str, Any]) -> None:
    """Put a kept report back into the form, as its writer left it."""

    def pick(combo: QComboBox, data: object) -> None:
        index = combo.findData(data)
        if index >= 0:
            combo.setCurrentIndex(index)

    pick(form.category, fields.get("category") or None)
    form.summary.setText(str(fields.get("summary", "")))
    form.description.setPlainText(str(fields.get("description", "")))
    when = fields.get("when")
    if when:
        form.when.setDateTime(to_qdatetime(datetime.fromisoformat(str(when))))
    pick(form.platform, fields.get("platform", ""))
    form.platform_other.setText(str(fields.get("platform_other", "")))
    form.url.setText(str(fields.get("url", "")))
    form.people_section.set_people(
        [dict(p) for p in fields.get("people", []) if isinstance(p, dict)]
    )
    person = fields.get("person") or {}
    form.person_name.setText(str(person.get("name", "")))
    pick(form.person_kind, person.get("kind"))
    pick(form.person_role, person.get("role"))
    form.person_birth.setText(str(person.get("date_of_birth", "")))
    if form.about_head.isEnabled():
        form.about_head.setChecked(bool(fields.get("about_head")))
    pick(form.about_staff, fields.get("about_staff", ""))
    form.action_taken.setPlainText(str(fields.get("action_taken", "")))
    form.told_dsl.setChecked(bool(fields.get("told_dsl")))
    content = fields.get("content_report") or {}
    form.content_report.accessed_by.setText(str(content.get("accessed_by", "")))
    form.content_report.urls.setPlainText(str(content.get("urls", "")))
    form.content_report.nature.setPlainText(str(content.get("nature", "")))
