"""Entries typed into a case but not yet added: kept, sealed for their writer, when SafeLog
locks or closes or the case's tab is closed (vault/drafts.py), and put back into the same
boxes when the writer next opens the case on this PC.

Each workspace tab names the boxes worth keeping (`WorkspacePanel.kept_fields`): the
chronology entry, the action, the decision and its reason, the outcome note. Choices that
depend on what is selected (an escalation route, a person in the list) are not kept: put back
on their own they could land on the wrong thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

if TYPE_CHECKING:
    from safelog.gui.workspace.panel import WorkspacePanel

PUT_BACK = (
    "You had not added what you typed here when SafeLog locked or closed. It is back in: "
    "{tabs}. Check it and add it, or clear it."
)


def _box(panel: WorkspacePanel, name: str) -> QLineEdit | QPlainTextEdit | None:
    box = getattr(panel, name, None)
    return box if isinstance(box, QLineEdit | QPlainTextEdit) else None


def typed_entries(panels: Iterable[WorkspacePanel]) -> dict[str, dict[str, str]]:
    """What is typed and not yet added, by tab title then box name; empty boxes left out."""
    typed: dict[str, dict[str, str]] = {}
    for panel in panels:
        boxes = {}
        for name in panel.kept_fields:
            box = _box(panel, name)
            if box is None:
                continue
            text = box.toPlainText() if isinstance(box, QPlainTextEdit) else box.text()
            if text.strip():
                boxes[name] = text
        if boxes:
            typed[panel.title] = boxes
    return typed


def put_back(panels: Iterable[WorkspacePanel], typed: dict[str, object]) -> list[str]:
    """Fill the boxes from a kept draft (never over something typed since); returns the
    titles of the tabs that got text back."""
    filled = []
    for panel in panels:
        boxes = typed.get(panel.title)
        if not isinstance(boxes, dict):
            continue
        for name, text in boxes.items():
            box = _box(panel, name) if name in panel.kept_fields else None
            if box is None or not isinstance(text, str):
                continue
            if isinstance(box, QPlainTextEdit):
                if box.toPlainText().strip():
                    continue
                box.setPlainText(text)
            else:
                if box.text().strip():
                    continue
                box.setText(text)
            if panel.title not in filled:
                filled.append(panel.title)
    return filled


def put_back_notice(titles: list[str]) -> str:
    if len(titles) > 1:
        tabs = ", ".join(titles[:-1]) + " and " + titles[-1]
    else:
        tabs = titles[0] if titles else ""
    return PUT_BACK.format(tabs=tabs)
