"""The case workspace: chronology, actions, decisions with reasons, escalations, outcome
and status. Each call appends a signed version; nothing recorded is overwritten, and the
history shows what each version set."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from safelog.audit.actions import AuditAction
from safelog.domain.categories import category_by_code
from safelog.domain.outcomes import CaseStatus, outcome_choices
from safelog.domain.roles import Role
from safelog.domain.routes import BARRED_ON_HEAD_CASE, Route, barred_routes
from safelog.errors import AccessDenied, InvalidInput
from safelog.text import optional_text, required_text
from safelog.vault.case_engine import open_case
from safelog.vault.case_input import MAX_TEXT
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import (
    ActionEntry,
    CaseField,
    CaseFields,
    ChronologyEntry,
    DecisionEntry,
    EscalationRecord,
    ReplyEntry,
)
from safelog.vault.case_writing import amend_case, checked_move, stamp
from safelog.vault.session import Session
from safelog.vault.staff_concern import about_staff_of


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
    recorded = stamp(session)

    def compute(fields: CaseFields) -> CaseFields:
        escalations = dict(fields.get(CaseField.ESCALATIONS) or {})
        escalations.setdefault(
            Route.DSL,
            {
                "done_at": recorded["recorded_at"],
                "told": session.person.name,
                "how": "in SafeLog",
                **recorded,
            },
        )
        changes: CaseFields = {
            CaseField.ACKNOWLEDGED: recorded,
            CaseField.ESCALATIONS: escalations,
        }
        if fields.get(CaseField.STATUS) == CaseStatus.NEW:
            changes[CaseField.STATUS] = CaseStatus.ACKNOWLEDGED
        return changes

    return amend_case(session, reference, compute, AuditAction.CASE_ACKNOWLEDGE)


def add_chronology(
    session: Session, reference: str, text: str, occurred_at: datetime | None = None
) -> int:
    entry: ChronologyEntry = {
        "id": str(uuid.uuid4()),
        "text": required_text(text, "entry", limit=MAX_TEXT),
        "occurred_at": _when(occurred_at),
        **stamp(session),
    }

    def compute(fields: CaseFields) -> CaseFields:
        entries = [*(fields.get(CaseField.CHRONOLOGY) or []), entry]
        entries.sort(key=lambda e: e.get("occurred_at") or e["recorded_at"])
        return {CaseField.CHRONOLOGY: entries}

    return amend_case(session, reference, compute, AuditAction.CASE_CHRONOLOGY)


def add_action(
    session: Session, reference: str, text: str, owner: str, due: date | None = None
) -> int:
    action: ActionEntry = {
        "id": str(uuid.uuid4()),
        "text": required_text(text, "action", limit=MAX_TEXT),
        "owner": required_text(owner, "owner's name", limit=200),
        "due": due.isoformat() if due else "",
        "done_at": "",
        **stamp(session),
    }
    return amend_case(
        session,
        reference,
        lambda fields: {CaseField.ACTIONS: [*(fields.get(CaseField.ACTIONS) or []), action]},
        AuditAction.CASE_ACTION,
    )


def complete_action(session: Session, reference: str, action_id: str, note: str = "") -> int:
    recorded = stamp(session)
    note = optional_text(note, "note", limit=MAX_TEXT)

    def compute(fields: CaseFields) -> CaseFields:
        actions: list[ActionEntry] = [{**a} for a in fields.get(CaseField.ACTIONS) or []]
        for action in actions:
            if action["id"] == action_id:
                if action.get("done_at"):
                    raise InvalidInput("That action is already done.")
                action["done_at"] = recorded["recorded_at"]
                action["done_by"] = recorded["recorded_by"]
                action["done_note"] = note
                return {CaseField.ACTIONS: actions}
        raise InvalidInput("There is no such action on this case.")

    return amend_case(session, reference, compute, AuditAction.CASE_ACTION_DONE)


def record_decision(session: Session, reference: str, decision: str, reason: str) -> int:
    """KCSIE: decisions are recorded with the reasons for them; a reason is required."""
    entry: DecisionEntry = {
        "id": str(uuid.uuid4()),
        "decision": required_text(decision, "decision", limit=MAX_TEXT),
        "reason": required_text(reason, "reason for the decision", limit=MAX_TEXT),
        **stamp(session),
    }
    return amend_case(
        session,
        reference,
        lambda fields: {CaseField.DECISIONS: [*(fields.get(CaseField.DECISIONS) or []), entry]},
        AuditAction.CASE_DECISION,
    )


# Telling anyone beyond the DSL moves a case in these states to "escalated". (A tuple: a
# status read back from a case is compared, never hashed.)
_BEFORE_REFERRAL = (CaseStatus.NEW, CaseStatus.ACKNOWLEDGED, CaseStatus.OPEN)


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
        chosen = Route(route)
    except ValueError:
        raise InvalidInput(f"'{route}' is not an escalation route.") from None
    recorded = stamp(session)
    record: EscalationRecord
    if not_needed_reason.strip():
        record = {
            "not_needed": optional_text(not_needed_reason, "reason", limit=MAX_TEXT),
            **recorded,
        }
    else:
        record = {
            "told": required_text(told, "name of who was told", limit=300),
            "how": optional_text(how, "way they were told", limit=MAX_TEXT),
            "done_at": _when(done_at) or recorded["recorded_at"],
            "reference": optional_text(reference_number, "reference", limit=MAX_TEXT),
            "response": optional_text(response, "response", limit=MAX_TEXT),
            **recorded,
        }

    def compute(fields: CaseFields) -> CaseFields:
        # On a concern about the headteacher, "told the headteacher" is refused whoever
        # asks (the GUI does not offer it): see `barred_routes`.
        about_head = bool(fields.get(CaseField.ABOUT_HEADTEACHER))
        if chosen in barred_routes(about_headteacher=about_head):
            raise InvalidInput(BARRED_ON_HEAD_CASE)
        escalations = dict(fields.get(CaseField.ESCALATIONS) or {})
        escalations[route] = record
        changes: CaseFields = {CaseField.ESCALATIONS: escalations}
        if route == Route.HEADTEACHER and not fields.get(CaseField.ESCALATED_TO_LEADERSHIP):
            changes[CaseField.ESCALATED_TO_LEADERSHIP] = not not_needed_reason.strip()
        referred_on = record.get("done_at") and route != Route.DSL
        if referred_on and fields.get(CaseField.STATUS) in _BEFORE_REFERRAL:
            changes[CaseField.STATUS] = CaseStatus.ESCALATED
        return changes

    return amend_case(session, reference, compute, AuditAction.CASE_ESCALATION, {"route": route})


def set_outcome(session: Session, reference: str, outcome: str, note: str = "") -> int:
    note = optional_text(note, "note", limit=MAX_TEXT)

    def compute(fields: CaseFields) -> CaseFields:
        category = category_by_code(fields[CaseField.CATEGORY])
        choices = {o.value for o in outcome_choices(category, about_staff=about_staff_of(fields))}
        if outcome not in choices:
            raise InvalidInput(
                f"'{outcome}' is not an outcome for this case; choose one of: "
                f"{', '.join(sorted(choices))}."
            )
        return {CaseField.OUTCOME: {"code": outcome, "note": note, **stamp(session)}}

    return amend_case(session, reference, compute, AuditAction.CASE_OUTCOME)


def set_status(session: Session, reference: str, status: str) -> int:
    return amend_case(
        session,
        reference,
        lambda fields: {
            CaseField.STATUS: checked_move(fields.get(CaseField.STATUS, CaseStatus.NEW), status)
        },
        AuditAction.CASE_STATUS,
    )


def reply_to_reporter(session: Session, reference: str, text: str) -> int:
    """A message to the person who reported the concern: the only thing written after their
    report that they can read (sealed with the case's first key, vault/receipts.py). Keep it
    to what they need: the reporter does not see the case's notes, decisions or outcome."""
    message = required_text(text, "reply", limit=MAX_TEXT)
    recorded = stamp(session)
    entry: ReplyEntry = {
        "id": str(uuid.uuid4()),
        "text": message,
        "by": recorded["recorded_by"],
        "at": recorded["recorded_at"],
    }

    def compute(fields: CaseFields) -> CaseFields:
        if fields.get(CaseField.REPORTER) == session.user_id:
            raise InvalidInput("This is your own report; there is no one to reply to.")
        return {CaseField.REPLIES: [*(fields.get(CaseField.REPLIES) or []), entry]}

    return amend_case(session, reference, compute, AuditAction.CASE_REPLY_TO_REPORTER)


def record_printed(session: Session, reference: str) -> None:
    """Printing a working copy of a case is a disclosure: the case's audit log records who
    printed it and when (a case they may not open cannot be printed)."""
    session.ensure_open()
    with session.write() as conn:
        case = open_case(session, conn, reference)
        read_case(session, conn, case)
        session.audit(
            conn, AuditAction.CASE_PRINT, {"reference": case.row.reference}, case=case.audit_ref()
        )
