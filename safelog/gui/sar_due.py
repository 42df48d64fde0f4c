"""On the DSL's inbox: subject access requests not yet answered that are due within 7 days
or overdue (domain/subject_access.py), overdue ones said so. Hidden when none is; loaded
in the worker with the rest of the inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from safelog.domain.deadlines import LONDON
from safelog.domain.retention import plain_date
from safelog.domain.roles import Role
from safelog.gui.inbox_notice import InboxNotice
from safelog.gui.theme import set_style_property

if TYPE_CHECKING:
    from datetime import date

    from safelog.vault.session import Session
    from safelog.vault.subject_access import SubjectAccessRequest

TITLE = "Subject access requests due"


def due_line(r: SubjectAccessRequest, today: date) -> str:
    return (
        f"{r.id}: {r.subject_name}, asked by {r.requester}; due by {plain_date(r.due)}, "
        f"{r.status(today)}"
    )


class SarDue(InboxNotice):
    TITLE = TITLE
    CANNOT_READ = "Subject access requests cannot be read"

    def shown_to(self, session: Session) -> bool:
        return Role.DSL in session.person.roles

    def loader_for(self, session: Session) -> Callable[[], list[SubjectAccessRequest]]:
        from safelog.vault.subject_access import requests_needing_attention

        return lambda: requests_needing_attention(session)

    def show_items(self, items: list[SubjectAccessRequest]) -> list[str]:
        today = self.context.clock().astimezone(LONDON).date()
        overdue = any(today > r.due for r in items)
        set_style_property(self.text, "role", "warning" if overdue else "")
        return [due_line(r, today) for r in items]
