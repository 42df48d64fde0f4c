"""Where and when evidence was seen: the platform, the link, the account, the time and a
description, typed once and recorded with every item added together."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from safelog.domain.platforms import COMMON_PLATFORMS, OTHER_PLATFORM
from safelog.gui.formatting import from_qdatetime, to_qdatetime
from safelog.gui.widgets import named

if TYPE_CHECKING:
    from safelog.vault.filing import WhereSeen

PLATFORMS = (*COMMON_PLATFORMS, OTHER_PLATFORM)


class SightingForm(QGroupBox):
    """The fields; the dialog that holds it checks them and says what is wrong."""

    def __init__(self, now: datetime, parent: QWidget) -> None:
        super().__init__("Where and when it was seen", parent)
        line = self.fontMetrics().lineSpacing()
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.platform = named(QComboBox(self), "Platform: site, app or place it was seen")
        self.platform.setEditable(True)
        self.platform.addItem("")
        self.platform.addItems(list(PLATFORMS))
        self.platform.setMaxVisibleItems(len(PLATFORMS) + 1)
        self.platform.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        edit = self.platform.lineEdit()
        if edit is not None:
            edit.setPlaceholderText("Choose or type, e.g. Instagram")
            edit.setMaxLength(200)
        self.url = named(QLineEdit(self), "Link to the post, page or profile")
        self.url.setPlaceholderText("https://… (the full address, if you have it)")
        self.url.setMaxLength(4000)
        self.handle = named(QLineEdit(self), "Account name or handle")
        self.handle.setPlaceholderText("e.g. @name, as shown on the platform")
        self.handle.setMaxLength(200)
        latest = to_qdatetime(now)
        self.seen = named(
            QDateTimeEdit(self), "When it was seen", "Day/month/year and time; now, unless changed"
        )
        self.seen.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.seen.setCalendarPopup(True)
        self.seen.setMaximumDateTime(latest)
        self.seen.setDateTime(latest)
        self.description = named(QPlainTextEdit(self), "Description of the evidence")
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(
            "What it shows and how it reached you, e.g. Screenshot sent by a parent"
        )
        self.description.setFixedHeight(line * 4 + 16)
        form.addRow("&Platform", self.platform)
        form.addRow("&Link", self.url)
        form.addRow("Acc&ount", self.handle)
        form.addRow("&Seen", self.seen)
        form.addRow("&Description", self.description)

    def seen_at(self) -> datetime:
        return from_qdatetime(self.seen.dateTime())

    def values(self, seen: datetime) -> WhereSeen:
        """What was typed, as the vault takes it."""
        return {
            "platform": self.platform.currentText().strip(),
            "source_url": self.url.text().strip(),
            "handle": self.handle.text().strip(),
            "description": self.description.toPlainText().strip(),
            "seen_at": seen.isoformat(),
        }

    def clear(self) -> None:
        """Forget what was typed (on lock)."""
        self.url.clear()
        self.handle.clear()
        self.platform.setCurrentIndex(0)
        self.platform.setEditText("")
        self.description.clear()
