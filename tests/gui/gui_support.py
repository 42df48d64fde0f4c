"""Fixtures and helpers for the GUI tests, imported by test modules as they need them.

The modal guard (`modals`) applies to every GUI test through tests/gui/conftest.py. Every
test gets a fresh SQLite vault (GUI tests do not repeat on PostgreSQL: the vault core's
own tests do), an AppContext on it with the test's movable clock, and a guard that records
message boxes and crash dialogs instead of letting a modal exec() hang the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QWidget
from support.school import Clock


@dataclass
class Modals:
    """What modal dialogs would have shown. `answers` decides message boxes (default: the
    box's default button); crash dialogs fail the test unless `expect_crash` is set."""

    notices: list[tuple[str, str]] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    answers: list[QMessageBox.StandardButton] = field(default_factory=list)
    expect_crash: bool = False


@pytest.fixture(autouse=True)
def modals(monkeypatch: pytest.MonkeyPatch) -> Iterator[Modals]:
    from safelog.gui.crash_dialog import CrashDialog
    from safelog.gui.dialogs import Notice

    seen = Modals()

    def notice_launch(self: Notice) -> QMessageBox.StandardButton:
        seen.notices.append((self.windowTitle(), self.text()))
        if seen.answers:
            return seen.answers.pop(0)
        return self.standardButton(self.defaultButton())

    def crash_launch(self: CrashDialog) -> None:
        seen.crashes.append(self.details.toPlainText())

    monkeypatch.setattr(Notice, "launch", notice_launch)
    monkeypatch.setattr(CrashDialog, "launch", crash_launch)
    yield seen
    if not seen.expect_crash:
        assert not seen.crashes, f"an unexpected crash dialog was shown:\n{seen.crashes}"


@pytest.fixture
def gui_vault(data_dir: Path, clock: Clock) -> Iterator[Any]:
    from safelog.store.engine import sqlite_url
    from safelog.vault.vault import Vault

    vault = Vault(data_dir, sqlite_url(data_dir), clock=clock)
    yield vault
    vault.close()


@pytest.fixture
def context(qapp: Any, gui_vault: Any, clock: Clock) -> Iterator[Any]:
    from safelog.gui.context import AppContext, SessionEvents
    from safelog.gui.worker import Runner

    runner = Runner()
    ctx = AppContext(vault=gui_vault, runner=runner, events=SessionEvents(), clock=clock)
    yield ctx
    runner.wait()
    if ctx.session is not None and not ctx.session.locked:
        ctx.session.lock()


def visible_text(root: QWidget) -> str:
    """Every piece of text a person could read in this window, in widget order."""
    parts = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        if isinstance(widget, QLabel | QLineEdit):
            parts.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            parts.append(widget.toPlainText())
    return "\n".join(p for p in parts if p)


def all_text(root: QWidget) -> str:
    """Every label, field and text box's text, visible or not (what memory-wise remains)."""
    parts = []
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel | QLineEdit):
            parts.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            parts.append(widget.toPlainText())
    return "\n".join(p for p in parts if p)


def wait_for(qtbot: Any, condition: Callable[[], object], timeout: int = 20000) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=timeout)


def cut_off(root: QWidget) -> list[str]:
    """Text on show that a person could not read in full: a label shorter than its wrapped
    text needs or narrower than a word it cannot break, or a field squashed below one line."""
    problems = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or widget.width() <= 0:
            continue
        name = widget.accessibleName() or type(widget).__name__
        if isinstance(widget, QLabel) and widget.text():
            hint = widget.minimumSizeHint()
            if widget.wordWrap():
                needed = max(widget.heightForWidth(widget.width()), hint.height())
            else:
                needed = widget.sizeHint().height()
                if widget.sizeHint().width() > widget.width() + 1:
                    problems.append(f"{name}: {widget.text()!r} cut at the side")
            if needed > widget.height() + 1:
                problems.append(f"{name}: {widget.text()!r} {widget.height()}px of {needed}px")
        elif isinstance(widget, QLineEdit):
            needed = widget.minimumSizeHint().height()
            if widget.height() < needed:
                problems.append(f"{name}: field {widget.height()}px high, needs {needed}px")
    return problems
