"""The escalation routes of a case: suggested by the domain rules, with deadlines, merged
with what has been recorded against each route; and the case's next deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from safelog.domain.actions import action_due_at
from safelog.domain.categories import category_by_code
from safelog.domain.deadline_rules import NO_DEADLINE, DeadlineRule
from safelog.domain.deadlines import due_by_rule
from safelog.domain.outcomes import CaseStatus
from safelog.domain.routes import Route, SuggestedRoute, route_info, routes_for
from safelog.vault.case_schema import CaseField, CaseFields, EscalationRecord
from safelog.vault.records import CaseDetail
from safelog.vault.staff_concern import about_staff_of, pupil_victim_of


def _suggestions(fields: CaseFields) -> list[SuggestedRoute]:
    category = category_by_code(fields[CaseField.CATEGORY])
    return routes_for(
        category,
        about_headteacher=bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
        about_staff=about_staff_of(fields),
        pupil_victim=pupil_victim_of(fields),
    )


def _text(value: Any) -> str | None:
    """A recorded value as text; a blank one (or one that is not text, from a modified
    client) is not a record."""
    return value if isinstance(value, str) and value.strip() else None


def _entry(
    route: str,
    title: str,
    required: bool,
    reason: str,
    reference_label: str | None,
    due: datetime | None,
    record: EscalationRecord,
    *,
    deadline: DeadlineRule,
    policy_refs: tuple[str, ...],
    suggested: bool = True,
) -> dict[str, Any]:
    return {
        "route": route,
        "title": title,
        "required": required,
        "suggested": suggested,
        "reason": reason,
        "policy_refs": list(policy_refs),
        "deadline": deadline.view(),
        "reference_label": reference_label,
        "due": due.isoformat() if due else None,
        "done_at": record.get("done_at"),
        # A route is "not needed" only with its reason: a decision not to involve the police
        # or not to tell the ICO is recorded with its reasons (004 9.4; UK GDPR Art. 33(5)),
        # so every reader counts a blank one as nothing recorded.
        "not_needed": _text(record.get("not_needed")),
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
    hidden because the rules did not think of it. Each route's deadline is the one of the
    rule that suggested it."""
    recorded = fields.get(CaseField.ESCALATIONS) or {}
    out = []
    for suggestion in _suggestions(fields):
        route = suggestion.route.value
        rule = suggestion.deadline_rule
        due = due_by_rule(rule, raised_at) if raised_at else None
        out.append(
            _entry(
                route,
                suggestion.info.title,
                suggestion.required,
                suggestion.explanation,
                suggestion.info.reference_label,
                due,
                recorded.get(route, {}),
                deadline=rule,
                policy_refs=suggestion.policy_refs,
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
                    deadline=NO_DEADLINE,
                    policy_refs=(),
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
