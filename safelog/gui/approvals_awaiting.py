"""On the inbox of a headteacher, chair of governors or trust chief executive: requests that
wait for their decision (blocked content, family links, monitoring), each with who asked and
when. Hidden when nothing waits; loaded in the worker; the Records menu opens each kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from safelog.domain.roles import Role
from safelog.gui.formatting import uk_datetime
from safelog.gui.widgets import named, plain_label, set_plain_text
from safelog.gui.worker import LatestOnly

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.approvals import Approval

TITLE = "Requests waiting for your decision"
DECIDERS = frozenset({Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO})


def waiting_line(a: Approval) -> str:
    about = f" about {a.subject_name}" if a.subject_name else ""
    return f"{a.rules.form_title}{about}, from {a.requester_name}, {uk_datetime(a.at)}"


class ApprovalsAwaiting(QGroupBox):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(TITLE, parent)
        self.context = context
        self.setAccessibleName(TITLE)
        layout = QVBoxLayout(self)
        self.text = plain_label("", self, selectable=True)
        named(self.text, TITLE)
        layout.addWidget(self.text)
        layout.addWidget(
            plain_label("Open them from the Records menu to decide.", self, role="muted")
        )
        self.lines: list[str] = []
        self.loader = LatestOnly(context, self, self._loaded, self._failed, reload=self.refresh)
        self.hide()

    def refresh(self) -> None:
        session = self.context.session
        if session is None or session.locked or not DECIDERS & session.person.roles:
            self.clear()
            return
        if self.loader.defer():
            return
        from safelog.vault.approvals import awaiting_me

        self.loader.run(lambda: awaiting_me(session))

    def _loaded(self, waiting: list[Approval]) -> None:
        self.lines = [waiting_line(a) for a in waiting]
        set_plain_text(self.text, "\n".join(self.lines))
        self.setVisible(bool(self.lines))

    def _failed(self, exc: BaseException) -> None:
        from safelog.gui.errors import error_text

        self.lines = []
        set_plain_text(self.text, f"Requests cannot be read: {error_text(exc)}")
        self.show()

    def clear(self) -> None:
        self.loader.reset()
        self.lines = []
        set_plain_text(self.text, "")
        self.hide()
