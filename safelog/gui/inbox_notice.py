"""A box on the inbox listing what waits on someone (files awaiting receipt, requests
awaiting a decision): hidden when nothing waits, loaded in the worker, emptied on lock.
Subclasses say who sees it, what to load and how each item reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from safelog.gui.widgets import named, plain_label, set_plain_text
from safelog.gui.worker import LatestOnly

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.session import Session


class InboxNotice(QGroupBox):
    TITLE = ""
    CANNOT_READ = "cannot be read"  # "<what> cannot be read: <why>"
    HINT = ""  # a muted line under the items, when set

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(self.TITLE, parent)
        self.context = context
        self.setAccessibleName(self.TITLE)
        layout = QVBoxLayout(self)
        self.text = plain_label("", self, selectable=True)
        named(self.text, self.TITLE)
        layout.addWidget(self.text)
        if self.HINT:
            layout.addWidget(plain_label(self.HINT, self, role="muted"))
        self.lines: list[str] = []
        self.loader = LatestOnly(context, self, self._loaded, self._failed, reload=self.refresh)
        self.hide()

    def shown_to(self, session: Session) -> bool:
        raise NotImplementedError

    def loader_for(self, session: Session) -> Callable[[], list[Any]]:
        raise NotImplementedError

    def show_items(self, items: list[Any]) -> list[str]:
        """Each item's line (and any styling); called on the GUI thread."""
        raise NotImplementedError

    def refresh(self) -> None:
        session = self.context.session
        if session is None or session.locked or not self.shown_to(session):
            self.clear()
            return
        if self.loader.defer():
            return
        self.loader.run(self.loader_for(session))

    def _loaded(self, items: list[Any]) -> None:
        self.lines = self.show_items(items)
        set_plain_text(self.text, "\n".join(self.lines))
        self.setVisible(bool(self.lines))

    def _failed(self, exc: BaseException) -> None:
        from safelog.gui.errors import error_text

        self.lines = []
        set_plain_text(self.text, f"{self.CANNOT_READ}: {error_text(exc)}")
        self.show()

    def clear(self) -> None:
        self.loader.reset()
        self.lines = []
        set_plain_text(self.text, "")
        self.hide()
