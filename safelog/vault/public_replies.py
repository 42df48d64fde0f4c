"""Replies the school made in public (online) to a concern such as adverse criticism, each
with who approved it and when (004, the paragraph after 8.1.9: "Staff should not respond
without the express approval of [the Head of School]").

Logging a reply is never refused for want of an approval: the record must say what
happened. A reply without an approval given before it carries a warning, which every reader
works out again from the signed entry and the case's category (domain/public_replies.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from safelog.audit.actions import AuditAction
from safelog.domain.categories import UnknownCategory, category_by_code
from safelog.domain.public_replies import replies_with_warnings
from safelog.errors import InvalidInput
from safelog.text import optional_text, required_text
from safelog.vault.case_input import MAX_TEXT
from safelog.vault.case_schema import CaseField, CaseFields, PublicReplyEntry
from safelog.vault.case_writing import amend_case, stamp
from safelog.vault.session import Session

__all__ = ["log_public_reply", "public_replies"]


def _when(value: datetime | None, what: str, now: datetime) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        raise InvalidInput(f"The time {what} needs a time zone.")
    if value > now:
        raise InvalidInput(f"The time {what} is in the future. Check the date and time.")
    return value.isoformat()


def log_public_reply(
    session: Session,
    reference: str,
    *,
    text: str,
    where: str = "",
    replied_at: datetime | None = None,
    approved_by: str = "",
    approved_at: datetime | None = None,
) -> int:
    """Record a reply made online: what was said, where and when, and who approved it and
    when (both, or neither). Returns the new version."""
    now = session.clock()
    approver = optional_text(approved_by, "name of who approved the reply", limit=300)
    if bool(approver) != (approved_at is not None):
        raise InvalidInput(
            "Give both who approved the reply and when, or neither if it was not approved."
        )
    entry: PublicReplyEntry = {
        "id": str(uuid.uuid4()),
        "text": required_text(text, "reply", limit=MAX_TEXT),
        "where": optional_text(where, "where it was posted", limit=300),
        "replied_at": _when(replied_at, "of the reply", now),
        "approved_by": approver,
        "approved_at": _when(approved_at, "of the approval", now),
        **stamp(session),
    }

    def compute(fields: CaseFields) -> CaseFields:
        return {CaseField.PUBLIC_REPLIES: [*(fields.get(CaseField.PUBLIC_REPLIES) or []), entry]}

    return amend_case(session, reference, compute, AuditAction.CASE_PUBLIC_REPLY)


def public_replies(fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The case's replies made online, oldest first, each with `warning`: what is wrong with
    its approval, or None."""
    try:
        category = category_by_code(str(fields.get(CaseField.CATEGORY) or ""))
        needs_approval = category.replies_need_approval
    except UnknownCategory:
        needs_approval = True  # an unknown category: ask for the approval rather than not
    entries = fields.get(CaseField.PUBLIC_REPLIES)
    return replies_with_warnings(
        entries if isinstance(entries, list) else [],
        needs_approval=needs_approval,
        about_headteacher=bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
    )
