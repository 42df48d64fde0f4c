"""On the DSL's inbox: child protection files sent and awaiting the receiving school's
receipt, each with its 5-school-day deadline (domain/transfers.py), overdue ones said so.
Hidden when nothing waits; loaded in the worker with the rest of the inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from safelog.domain.roles import Role
from safelog.domain.transfers import said_at
from safelog.gui.inbox_notice import InboxNotice
from safelog.gui.theme import set_style_property

if TYPE_CHECKING:
    from safelog.vault.session import Session
    from safelog.vault.transfers import TransferSummary

TITLE = "Child protection files sent, awaiting receipt"


def awaiting_line(s: TransferSummary, now: object) -> str:
    school = f"to {s.school}" if s.school else "to a school without SafeLog"
    due = s.due
    late = " — OVERDUE" if due is not None and now > due else ""  # type: ignore[operator]
    when = f"; due by {said_at(due)}{late}" if due is not None else ""
    return f"{s.pupil} {school}: sent {said_at(s.at)}, awaiting receipt{when}"


class TransfersAwaiting(InboxNotice):
    TITLE = TITLE
    CANNOT_READ = "Files awaiting receipt cannot be read"

    def shown_to(self, session: Session) -> bool:
        return Role.DSL in session.person.roles

    def loader_for(self, session: Session) -> Callable[[], list[TransferSummary]]:
        from safelog.vault.transfers import awaiting_receipt

        return lambda: awaiting_receipt(session)

    def show_items(self, items: list[TransferSummary]) -> list[str]:
        now = self.context.clock()
        overdue = any(s.due is not None and now > s.due for s in items)
        set_style_property(self.text, "role", "warning" if overdue else "")
        return [awaiting_line(s, now) for s in items]
