"""On the DSL's inbox: child protection files sent and awaiting the receiving school's
receipt, each with its 5-school-day deadline (domain/transfers.py), overdue ones said so.
Hidden when nothing waits; loaded in the worker with the rest of the inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from safelog.domain.roles import Role
from safelog.domain.transfers import said_at
from safelog.gui.theme import set_style_property
from safelog.gui.widgets import named, plain_label, set_plain_text
from safelog.gui.worker import LatestOnly

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.transfers import TransferSummary

TITLE = "Child protection files sent, awaiting receipt"


def awaiting_line(s: TransferSummary, now: object) -> str:
    school = f"to {s.school}" if s.school else "to a school without SafeLog"
    due = s.due
    late = " — OVERDUE" if due is not None and now > due else ""  # type: ignore[operator]
    when = f"; due by {said_at(due)}{late}" if due is not None else ""
    return f"{s.pupil} {school}: sent {said_at(s.at)}, awaiting receipt{when}"


class TransfersAwaiting(QGroupBox):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(TITLE, parent)
        self.context = context
        self.setAccessibleName(TITLE)
        layout = QVBoxLayout(self)
        self.text = plain_label("", self, selectable=True)
        named(self.text, TITLE)
        layout.addWidget(self.text)
        self.lines: list[str] = []
        self.loader = LatestOnly(context, self, self._loaded, self._failed, reload=self.refresh)
        self.hide()

    def refresh(self) -> None:
        session = self.context.session
        if session is None or session.locked or Role.DSL not in session.person.roles:
            self.clear()
            return
        if self.loader.defer():
            return
        from safelog.vault.transfers import awaiting_receipt

        self.loader.run(lambda: awaiting_receipt(session))

    def _loaded(self, waiting: list[TransferSummary]) -> None:
        now = self.context.clock()
        self.lines = [awaiting_line(s, now) for s in waiting]
        overdue = any(s.due is not None and now > s.due for s in waiting)
        set_plain_text(self.text, "\n".join(self.lines))
        set_style_property(self.text, "role", "warning" if overdue else "")
        self.setVisible(bool(self.lines))

    def _failed(self, exc: BaseException) -> None:
        from safelog.gui.errors import error_text

        self.lines = []
        set_plain_text(self.text, f"Files awaiting receipt cannot be read: {error_text(exc)}")
        self.show()

    def clear(self) -> None:
        self.loader.reset()
        self.lines = []
        set_plain_text(self.text, "")
        self.hide()
