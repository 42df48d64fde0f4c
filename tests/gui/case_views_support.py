"""Helpers for the tests of the case views (lists, inbox, my reports, report form, workspace).

Imported by those test modules (a helper module, not fixtures for every GUI test). Each test gets
the root conftest's `school` on a fresh SQLite vault (`sqlite_only`), and signs people in with
`Desk.sign_in`, which gives every person their own AppContext, as their own PC would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QWidget,
)

from safelog.gui.context import AppContext, SessionEvents
from safelog.gui.worker import Runner
from safelog.vault.records import CaseSummary

# GUI tests run on SQLite only: the vault core's own tests repeat on PostgreSQL.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

LOAD_MS = 20_000


class Desk:
    """Sign people in, each with their own context; close everything at the end.

    A half-written report asks before it is thrown away (a modal box); closing the test's
    widgets at teardown must not wait on it, so here the answer is always "discard"."""

    def __init__(self, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        from safelog.gui.report_form import ReportConcernDialog

        self.school = school
        self.clock = clock
        self.contexts: list[AppContext] = []
        monkeypatch.setattr(ReportConcernDialog, "confirm_discard", lambda _self: True)

    def sign_in(self, name: str) -> AppContext:
        context = AppContext(
            vault=self.school.vault,
            runner=Runner(),
            events=SessionEvents(),
            clock=self.clock,
            session=self.school.unlock(name),
        )
        self.contexts.append(context)
        return context

    def close(self) -> None:
        for context in self.contexts:
            context.runner.wait()
            if context.session is not None and not context.session.locked:
                context.session.lock()


def bare_context(clock: Callable[[], datetime]) -> AppContext:
    """A context with no vault, for views fed with prepared rows."""
    return AppContext(vault=None, runner=Runner(), events=SessionEvents(), clock=clock)  # type: ignore[arg-type]


def summary(
    reference: str,
    *,
    category: str = "cyberbullying-pupil",
    text: str = "Unkind messages",
    status: str = "new",
    created: datetime | None = None,
    next_due: datetime | None = None,
    reporter: str = "someone",
    about_headteacher: bool = False,
) -> CaseSummary:
    created = created or datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    return CaseSummary(
        id=reference,
        reference=reference,
        category=category,
        summary=text,
        status=status,
        created_at=created,
        updated_at=created,
        about_headteacher=about_headteacher,
        reporter_id=reporter,
        next_due=next_due,
    )


def lock(context: AppContext) -> None:
    """What the app does on lock: drop the keys, then tell every view."""
    session, context.session = context.session, None
    if session is not None:
        session.lock()
    context.events.locked.emit()


def shown_text(root: QWidget) -> str:
    """Every piece of text a person could read in this widget, visible or scrolled."""
    parts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QLabel | QLineEdit):
            parts.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            parts.append(widget.toPlainText())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for row in range(model.rowCount()):
                for column in range(model.columnCount()):
                    value = model.index(row, column).data(Qt.ItemDataRole.DisplayRole)
                    if value:
                        parts.append(str(value))
    return "\n".join(p for p in parts if p)


def _inside_composite(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox | QTabBar):
            return True
        parent = parent.parentWidget()
    return False


def unnamed_controls(root: QWidget) -> list[str]:
    """Controls a keyboard or screen-reader user reaches that have no accessible name."""
    missing = []
    for widget in root.findChildren(QWidget):
        # Parts of a composite control (a combo's line edit and pop-up list, a date edit's
        # editor and calendar, tab bar scroll buttons) are announced through the control.
        if _inside_composite(widget):
            continue
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        control = QAbstractButton | QLineEdit | QPlainTextEdit | QComboBox | QAbstractSpinBox
        if isinstance(widget, control | QAbstractItemView) and not widget.accessibleName().strip():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def rich_labels(root: QWidget, marker: str) -> list[str]:
    """Labels showing `marker` (text a user typed) that would read it as rich text."""
    return [
        label.text()
        for label in root.findChildren(QLabel)
        if marker in label.text() and label.textFormat() != Qt.TextFormat.PlainText
    ]


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A shared-PC desk on the test's school (import it into a test module to use it)."""
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


def open_workspace(qtbot: Any, context: AppContext, reference: str) -> Any:
    """The case workspace, shown and loaded with one case."""
    from safelog.gui.workspace import CaseWorkspace

    workspace = CaseWorkspace(context)
    qtbot.addWidget(workspace)
    workspace.resize(1200, 800)
    workspace.show()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(reference)
    return workspace
