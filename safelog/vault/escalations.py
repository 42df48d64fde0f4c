"""The escalation routes of a case: suggested by the domain rules, with deadlines, merged
with what has been recorded against each route."""

from __future__ import annotations

from typing import Any

from safelog.domain.categories import category_by_code
from safelog.domain.deadlines import due_at
from safelog.domain.routes import routes_for
from safelog.vault.records import CaseDetail


def escalations_for(detail: CaseDetail) -> list[dict[str, Any]]:
    fields = detail.fields
    category = category_by_code(fields["category"])
    raised_at = detail.versions[0].at if detail.versions else None
    recorded: dict[str, Any] = fields.get("escalations") or {}
    out = []
    for suggestion in routes_for(
        category,
        about_headteacher=bool(fields.get("about_headteacher")),
        about_staff=bool(fields.get("subjects")),
    ):
        route = suggestion.route.value
        record = recorded.get(route, {})
        due = due_at(suggestion.route, raised_at) if raised_at else None
        out.append(
            {
                "route": route,
                "title": suggestion.info.title,
                "required": suggestion.required,
                "reason": suggestion.explanation,
                "due": due.isoformat() if due else None,
                "done_at": record.get("done_at"),
                "reference": record.get("reference"),
            }
        )
    return out
