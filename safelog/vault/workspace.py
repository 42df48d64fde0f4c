"""The case workspace: chronology, actions, decisions with reasons, escalations, outcome
and status. Each call appends a signed version; nothing recorded is overwritten, and the
history shows what each version set."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from safelog.domain.categories import category_by_code
from safelog.domain.outcomes import outcome_choices
from safelog.domain.roles import Role
from safelog.domain.routes import Route
from safelog.errors import AccessDenied, InvalidInput
from safelog.text import check_typed
from safelog.vault.case_input import MAX_TEXT
from safelog.vault.cases import _checked_move, amend_case
from safelog.vault.session import Session


def _text(value: str, what: str, *, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"Write the {what}.")
    return _optional(value, what, limit=limit)


def _optional(value: str, what: str, *, limit: int = MAX_TEXT) -> str:
    """Typed text that may be left empty (a note, a reference)."""
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    return check_typed(value, f"The {what}", multi_line=True)


def _stamp(session: Session) -> dict[str, str]:
    return {"recorded_by": session.person.name, "recorded_at": session.clock().isoformat()}


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        raise InvalidInput("A time needs a time zone.")
    return value.isoformat()


def acknowledge(session: Session, reference: str) -> int:
    """The DSL has seen a new concern: its status moves on and the DSL route is done."""
    if Role.DSL not in session.person.roles:
        raise AccessDenied("Only a DSL acknowledges new concerns.")
    stamp = _stamp(session)

    def compute(fields: dict[str, Any]) -> dict[str, Any]:
        escalations = dict(fields.get("escalations") or {})
        escalations.setdefault(
            Route.DSL.value,
            {
                "done_at": stamp["recorded_at"],
                "told": session.person.name,
                "how": "in SafeLog",
                **stamp,
            },
        )
        changes: dict[str, Any] = {"acknowledged": stamp, "escalations": escalations}
        if fields.get("status") == "new":
            changes["status"] = "acknowledged"
        return changes

    return amend_case(session, reference, compute, "case.acknowledge")


def add_chronology(
    session: Session, reference: str, text: str, occurred_at: datetime | None = None
) -> int:
    entry = {
        "id": str(uuid.uuid4()),
        "text": _text(text, "entry"),
        "occurred_at": _when(occurred_at),
        **_stamp(session),
    }

    def compute(fields: dict[str, Any]) -> dict[str, Any]:
        entries = [*(fields.get("chronology") or []), entry]
        entries.sort(key=lambda e: e.get("occurred_at") or e["recorded_at"])
        return {"chronology": entries}

    return amend_case(session, reference, compute, "case.chronology")


def add_action(
    session: Session, reference: str, text: str, owner: str, due: date | None = None
) -> int:
    action = {
        "id": str(uuid.uuid4()),
        "text": _text(text, "action"),
        "owner": _text(owner, "owner's name", limit=200),
        "due": due.isoformat() if due else "",
        "done_at": "",
        **_stamp(session),
    }
    return amend_case(
        session,
        reference,
        lambda fields: {"actions": [*(fields.get("actions") or []), action]},
        "case.action",
    )


def complete_action(session: Session, reference: str, action_id: str, note: str = "") -> int:
    stamp = _stamp(session)
    note = _optional(note, "note")

    def compute(fields: dict[str, Any]) -> dict[str, Any]:
        actions = [dict(a) for a in fields.get("actions") or []]
        for action in actions:
            if action["id"] == action_id:
                if action.get("done_at"):
                    raise InvalidInput("That action is already done.")
                action.update(
                    done_at=stamp["recorded_at"],
                    done_by=stamp["recorded_by"],
                    done_note=note,
                )
                return {"actions": actions}
        raise InvalidInput("There is no such action on this case.")

    return amend_case(session, reference, compute, "case.action-done")


def record_decision(session: Session, reference: str, decision: str, reason: str) -> int:
    """KCSIE: decisions are recorded with the reasons for them; a reason is required."""
    entry = {
        "id": str(uuid.uuid4()),
        "decision": _text(decision, "decision"),
        "reason": _text(reason, "reason for the decision"),
        **_stamp(session),
    }
    return amend_case(
        session,
        reference,
        lambda fields: {"decisions": [*(fields.get("decisions") or []), entry]},
        "case.decision",
    )


def record_escalation(
    session: Session,
    reference: str,
    route: str,
    *,
    told: str = "",
    how: str = "",
    done_at: datetime | None = None,
    reference_number: str = "",
    response: str = "",
    not_needed_reason: str = "",
) -> int:
    """Record who was told on a route, when, how, their reference and response; or that
    the route was not needed, with the reason."""
    try:
        Route(route)
    except ValueError:
        raise InvalidInput(f"'{route}' is not an escalation route.") from None
    stamp = _stamp(session)
    if not_needed_reason.strip():
        record = {"not_needed": _optional(not_needed_reason, "reason"), **stamp}
    else:
        record = {
            "told": _text(told, "name of who was told", limit=300),
            "how": _optional(how, "way they were told"),
            "done_at": _when(done_at) or stamp["recorded_at"],
            "reference": _optional(reference_number, "reference"),
            "response": _optional(response, "response"),
            **stamp,
        }

    def compute(fields: dict[str, Any]) -> dict[str, Any]:
        escalations = dict(fields.get("escalations") or {})
        escalations[route] = record
        changes: dict[str, Any] = {"escalations": escalations}
        if route in (Route.HEADTEACHER.value,) and not fields.get("escalated_to_leadership"):
            changes["escalated_to_leadership"] = not not_needed_reason.strip()
        referred_on = record.get("done_at") and route != Route.DSL.value
        if referred_on and fields.get("status") in ("new", "acknowledged", "open"):
            changes["status"] = "escalated"
        return changes

    return amend_case(session, reference, compute, "case.escalation", {"route": route})


def set_outcome(session: Session, reference: str, outcome: str, note: str = "") -> int:
    note = _optional(note, "note")

    def compute(fields: dict[str, Any]) -> dict[str, Any]:
        category = category_by_code(fields["category"])
        choices = {
            o.value for o in outcome_choices(category, about_staff=bool(fields.get("subjects")))
        }
        if outcome not in choices:
            raise InvalidInput(
                f"'{outcome}' is not an outcome for this case; choose one of: "
                f"{', '.join(sorted(choices))}."
            )
        return {"outcome": {"code": outcome, "note": note, **_stamp(session)}}

    return amend_case(session, reference, compute, "case.outcome")


def set_status(session: Session, reference: str, status: str) -> int:
    return amend_case(
        session,
        reference,
        lambda fields: {"status": _checked_move(fields.get("status", "new"), status)},
        "case.status",
    )


def reply_to_reporter(session: Session, reference: str, text: str) -> int:
    """A message to the person who reported the concern: the only thing written after their
    report that they can read (sealed with the case's first key, vault/receipts.py). Keep it
    to what they need: the reporter does not see the case's notes, decisions or outcome."""
    from safelog.vault.receipts import REPLIES

    message = _text(text, "reply")
    stamp = _stamp(session)
    entry = {
        "id": str(uuid.uuid4()),
        "text": message,
        "by": stamp["recorded_by"],
        "at": stamp["recorded_at"],
    }

    def compute(fields: dict[str, Any]) -> dict[str, Any]:
        if fields.get("reporter") == session.user_id:
            raise InvalidInput("This is your own report; there is no one to reply to.")
        return {REPLIES: [*(fields.get(REPLIES) or []), entry]}

    return amend_case(session, reference, compute, "case.reply-to-reporter")
