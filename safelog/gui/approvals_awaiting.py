"""On the inbox of a headteacher, chair of governors or trust chief executive: requests that
wait for their decision (blocked content, family links, monitoring), each with who asked and
when. The Records menu opens each kind to decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from safelog.domain.roles import Role
from safelog.gui.formatting import uk_datetime
from safelog.gui.inbox_notice import InboxNotice

if TYPE_CHECKING:
    from safelog.vault.approvals import Approval
    from safelog.vault.session import Session

DECIDERS = frozenset({Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO})


def waiting_line(a: Approval) -> str:
    about = f" about {a.subject_name}" if a.subject_name else ""
    return f"{a.rules.form_title}{about}, from {a.requester_name}, {uk_datetime(a.at)}"


class ApprovalsAwaiting(InboxNotice):
    TITLE = "Requests waiting for your decision"
    CANNOT_READ = "Requests cannot be read"
    HINT = "Open them from the Records menu to decide."

    def shown_to(self, session: Session) -> bool:
        return bool(DECIDERS & session.person.roles)

    def loader_for(self, session: Session) -> Callable[[], list[Approval]]:
        from safelog.vault.approvals import awaiting_me

        return lambda: awaiting_me(session)

    def show_items(self, items: list[Approval]) -> list[str]:
        return [waiting_line(a) for a in items]
