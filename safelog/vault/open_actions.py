"""A case's actions not yet done, as its list summary carries them for "My actions": written
by the case engine with each version (`summary_actions`), read back by the case list
(`actions_from_summary`).

Why in the list summary rather than read from each whole case: "My actions" looks across
every case a person can read, and opening each case means checking every version's
signature (DESIGN §7: 10,000 cases listed in well under a second). The summary is sealed to
the case's reader group like the rest of its entry, so nobody learns more than they could
read in the case; the text is shortened, the whole of it is in the case.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from safelog.domain.actions import OpenAction
from safelog.vault.case_schema import CaseField, CaseFields, SummaryAction

# Long enough for any sensible action; an action is a line, not a report.
SUMMARY_TEXT_LIMIT = 300


def _shortened(text: str) -> str:
    if len(text) <= SUMMARY_TEXT_LIMIT:
        return text
    return text[: SUMMARY_TEXT_LIMIT - 1].rstrip() + "…"


def summary_actions(fields: CaseFields) -> list[SummaryAction]:
    """The case's actions not yet done, for its list summary."""
    return [
        {
            "id": str(action.get("id", "")),
            "text": _shortened(str(action.get("text", ""))),
            "owner": str(action.get("owner", "")),
            "due": str(action.get("due") or "")[:10],
        }
        for action in fields.get(CaseField.ACTIONS) or []
        if not action.get("done_at")
    ]


def actions_from_summary(value: Any) -> tuple[OpenAction, ...]:
    """The open actions a list summary names. Anything but the shape `summary_actions`
    writes raises (TypeError, KeyError, ValueError): the caller leaves that entry out."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise TypeError("actions")
    found = []
    for item in value:
        parts = (item["id"], item["text"], item["owner"], item["due"])
        if not all(isinstance(part, str) for part in parts):
            raise TypeError("action")
        found.append(
            OpenAction(
                id=parts[0],
                text=parts[1],
                owner=parts[2],
                due=date.fromisoformat(parts[3]) if parts[3] else None,
            )
        )
    return tuple(found)
