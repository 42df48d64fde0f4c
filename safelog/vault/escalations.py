"""The escalation routes of a case: suggested by the domain rules, with deadlines, merged
with what has been recorded against each route; and the case's next deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from safelog.domain.actions import action_due_at
from safelog.domain.categories import category_by_code
from safelog.domain.deadlines import due_at
from safelog.domain.outcomes import CaseStatus, pupil_is_victim, staff_member_accused
from safelog.domain.routes import Route, route_info, routes_for
from safelog.vault.case_schema import CaseField, CaseFields, EscalationRecord
from safelog.vault.records import CaseDetail


def _suggestions(fields: CaseFields) -> list[Any]:
    category = category_by_code(fields[CaseField.CATEGORY])
    people = fields.get(CaseField.PEOPLE) or []
    return routes_for(
        category,
        about_headteacher=bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
        about_staff=bool(fields.get(CaseField.SUBJECTS)) or staff_member_accused(people),
        pupil_victim=pupil_is_victim(people),
    )


def _entry(
    route: str,
    title: str,
    required: bool,
    reason: str,
    reference_label: str | None,
    due: datetime | None,
    record: EscalationRecord,
    *,
    suggested: bool = True,
) -> dict[str, Any]:
    return {
        "route": route,
        "title": title,
        "required": required,
        "suggested": suggested,
        "reason": reason,
        "reference_label": reference_label,
        "due": due.isoformat() if due else None,
        "done_at": record.get("done_at"),
        "not_needed": record.get("not_needed"),
        "reference": record.get("reference"),
        "told": record.get("told"),
        "how": record.get("how"),
        "response": record.get("response"),
        "recorded_by": record.get("recorded_by"),
        "recorded_at": record.get("recorded_at"),
    }


def escalations_from(fields: CaseFields, raised_at: datetime | None) -> list[dict[str, Any]]:
    """The suggested routes with what was recorded on each, then any route recorded that
    the rules did not suggest (a DSL may always tell the police, say): a record is never
    hidden because the rules did not think of it."""
    recorded = fields.get(CaseField.ESCALATIONS) or {}
    out = []
    for suggestion in _suggestions(fields):
        route = suggestion.route.value
        due = due_at(suggestion.route, raised_at) if raised_at else None
        out.append(
            _entry(
                route,
                suggestion.info.title,
                suggestion.required,
                suggestion.explanation,
                suggestion.info.reference_label,
                due,
                recorded.get(route, {}),
            )
        )
    suggested = {item["route"] for item in out}
    for route in Route:
        if route.value in recorded and route.value not in suggested:
            info = route_info(route)
            out.append(
                _entry(
                    route.value,
                    info.title,
                    False,
                    "Not suggested for this category; recorded by the safeguarding team.",
                    info.reference_label,
                    None,
                    recorded[route.value],
                    suggested=False,
                )
            )
    return out


def escalations_for(detail: CaseDetail) -> list[dict[str, Any]]:
    raised_at = detail.versions[0].at if detail.versions else None
    return escalations_from(detail.fields, raised_at)


def next_due(fields: CaseFields, created_at: datetime) -> str | None:
    """The earliest deadline still open: a required route not yet done, or an action."""
    dues: list[datetime] = []
    if fields.get(CaseField.STATUS) != CaseStatus.CLOSED:
        for item in escalations_from(fields, created_at):
            if item["required"] and item["due"] and not (item["done_at"] or item["not_needed"]):
                dues.append(datetime.fromisoformat(item["due"]))
        for action in fields.get(CaseField.ACTIONS) or []:
            if action.get("due") and not action.get("done_at"):
                dues.append(action_due_at(datetime.fromisoformat(action["due"]).date()))
    return min(dues).isoformat() if dues else None


__all__ = ["Route", "escalations_for", "escalations_from", "next_due"]
