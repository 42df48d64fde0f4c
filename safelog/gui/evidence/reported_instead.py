"""The reports recorded instead of pictures, on the Evidence tab of a case whose kind of
concern may involve indecent images of children (UKCIS): what was reported, who was told and
when, and the police reference (image_report.py records them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from safelog.gui.evidence.details import seen_text
from safelog.gui.formatting import uk_datetime
from safelog.gui.widgets import plain_label
from safelog.gui.workspace.panel import fill_table, read_only_table


class ReportedInsteadBox(QGroupBox):
    def __init__(self, parent: QWidget) -> None:
        super().__init__("Reported instead of pictures", parent)
        layout = QVBoxLayout(self)
        self.table = read_only_table(
            self,
            "Reports recorded instead of pictures",
            ("What was reported", "Who was told", "When", "Police reference", "Recorded by"),
            stretch=0,
            widths={
                1: "Dana DSL, in person",
                2: "00/00/0000 00:00",
                3: "Police reference  ",
                4: "Dana DSL, 00/00/0000 00:00",
            },
        )
        self.empty = plain_label(
            "Nothing has been recorded yet. When a picture is offered as evidence here, "
            "SafeLog keeps nothing and asks for a record in words instead.",
            self,
            role="muted",
        )
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        self.hide()

    def show_reports(
        self,
        reports: Sequence[Mapping[str, Any]],
        images_blocked: bool,
        quarantine: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Shown when there are reports, or when pictures are blocked (to say there are
        none yet). `quarantine`: where the device was locked away when the case moved into
        this category (vault/quarantine.py), one row each."""
        rows = [
            [
                str(r.get("description", "")),
                str(r.get("informed", "")),
                seen_text(str(r.get("informed_at") or "")),
                str(r.get("police_reference") or "None given"),
                f"{r.get('recorded_by', '')}, {uk_datetime(r.get('recorded_at'))}",
            ]
            for r in reports
        ]
        rows += [
            [
                f"{len(q.get('evidence_ids') or [])} item(s) quarantined when the case moved "
                f"here; the device is locked away: {q.get('device_locked_away', '')}",
                "",
                "",
                "",
                f"{q.get('recorded_by', '')}, {uk_datetime(q.get('recorded_at'))}",
            ]
            for q in quarantine
        ]
        reports = [*reports, *quarantine]
        fill_table(self.table, rows)
        table = self.table
        rows_height = sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setMaximumHeight(
            min(200, table.horizontalHeader().height() + rows_height + 2 * table.frameWidth() + 24)
        )
        table.setVisible(bool(reports))
        self.empty.setVisible(not reports)
        self.setVisible(bool(reports) or images_blocked)

    def clear(self) -> None:
        self.table.setRowCount(0)
        self.hide()
