"""Replies made in public (online) to criticism of the school, and their approval.

004, the paragraph after 8.1.9: "If staff become aware of adverse criticism of the Trust/ and
or a school ... they must inform Head of School ... Staff should not respond without the
express approval of [the Head of School]." So a reply logged in a category that asks for
approval (`Category.replies_need_approval`) records who approved it and when, and a reply
logged without an approval given before it is shown with a warning. The warning is worked
out by every reader from the signed entry, never stored. On a concern about the headteacher
the chair of governors approves instead (001 5(ii); 004 9.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

__all__ = ["APPROVAL_REF", "approver", "replies_with_warnings", "reply_warning"]

APPROVAL_REF = "004 8.1 (after 8.1.9)"


def approver(*, about_headteacher: bool) -> str:
    """Who gives the express approval, in words."""
    if about_headteacher:
        return "the chair of governors"
    return "the headteacher (the head of school)"


def reply_warning(
    *,
    needs_approval: bool,
    about_headteacher: bool,
    replied_at: datetime | None,
    approved_by: str,
    approved_at: datetime | None,
) -> str | None:
    """What is wrong with the approval of one reply, in plain words; None when nothing is
    (or the category does not ask for approval). A reply whose time is not known is
    judged by the approval alone."""
    if not needs_approval:
        return None
    who = approver(about_headteacher=about_headteacher)
    if not approved_by.strip() or approved_at is None:
        return (
            f"No approval is recorded for this reply. Staff should not respond without the "
            f"express approval of {who} ({APPROVAL_REF}): record who approved it and when."
        )
    if replied_at is not None and approved_at > replied_at:
        return (
            f"This reply was made before it was approved. Staff should not respond without "
            f"the express approval of {who} ({APPROVAL_REF})."
        )
    return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def replies_with_warnings(
    entries: Iterable[Any], *, needs_approval: bool, about_headteacher: bool
) -> list[dict[str, Any]]:
    """The recorded replies (as signed, from any client: what is not an object is left
    out), each with `warning`: what is wrong with its approval, or None."""
    out = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        approved_by = entry.get("approved_by")
        out.append(
            {
                **entry,
                "warning": reply_warning(
                    needs_approval=needs_approval,
                    about_headteacher=about_headteacher,
                    replied_at=_time(entry.get("replied_at")),
                    approved_by=approved_by if isinstance(approved_by, str) else "",
                    approved_at=_time(entry.get("approved_at")),
                ),
            }
        )
    return out
