"""Form fields shared by "Report a concern" and the case workspace: a person's kind and role
(choices and plain labels, and whether they are on the school roll), a UK date typed as
text, and a plain-text box.

Here, not in gui/workspace/, so the staff report form needs nothing from the DSL's workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QPlainTextEdit, QWidget

from safelog.domain.outcomes import PersonKind, PersonRole
from safelog.gui.widgets import named


def parse_uk_date(text: str) -> date | None:
    """dd/mm/yyyy (or d/m/yyyy) to a date; None for an empty field; ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    parts = text.replace("-", "/").replace(".", "/").split("/")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(text)
    day, month, year = (int(p) for p in parts)
    if year < 100:
        raise ValueError(text)
    return date(year, month, day)


def kind_combo(parent: QWidget, name: str) -> QComboBox:
    combo = named(QComboBox(parent), name)
    for kind in PersonKind:
        combo.addItem(kind.label, kind.value)
    return combo


def role_combo(parent: QWidget, name: str) -> QComboBox:
    combo = named(QComboBox(parent), name)
    for role in PersonRole:
        combo.addItem(role.label, role.value)
    return combo


def kind_label(kind: str) -> str:
    try:
        return PersonKind(kind).label
    except ValueError:
        return kind


def person_kind_text(person: Mapping[str, Any]) -> str:
    """Who a case person is, and whether they were picked from the school roll or the
    register of adults."""
    label = kind_label(str(person.get("kind", "")))
    if person.get("pupil"):
        return f"{label} (on the roll)"
    return f"{label} (on the register)" if person.get("adult") else label


def role_label(role: str) -> str:
    try:
        return PersonRole(role).label
    except ValueError:
        return role


def text_box(parent: QWidget, name: str, placeholder: str = "", lines: int = 3) -> QPlainTextEdit:
    """A plain-text box where Tab moves on (no keyboard trap)."""
    box = named(QPlainTextEdit(parent), name)
    box.setTabChangesFocus(True)
    box.setPlaceholderText(placeholder)
    height = box.fontMetrics().lineSpacing() * lines + 18
    box.setMinimumHeight(height)
    box.setMaximumHeight(height + box.fontMetrics().lineSpacing() * 3)
    return box
