"""A pupil's page: every case the reader may open about one child, and one chronology
across them (KCSIE: a chronology for each child; cumulative harm is seen only together).

It respects the keys: the cases come from the reader's own list (what their keys open),
and each is opened and verified like any case view, so a case the reader cannot open does
not appear, not even as a count. The list summaries' pupil ids are only an index: a case
is shown only when its signed record names the pupil. Viewing the page is audited, and
so is each case it reads (with the case key, like any view of that case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from safelog.audit.actions import AuditAction
from safelog.domain.categories import UnknownCategory, category_by_code
from safelog.domain.chronology import ChronologyEntry, merge_chronologies
from safelog.domain.outcomes import outcome_label
from safelog.domain.retention import CHILD_PROTECTION_YEARS, add_years
from safelog.domain.roles import CASE_MANAGERS
from safelog.domain.roll import Pupil
from safelog.domain.routes import ROUTES, Route, not_needed_title
from safelog.errors import AccessDenied, UserFacingError
from safelog.vault.audit_trail import AuditEntry
from safelog.vault.case_engine import open_case
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import CaseField, CaseFields, EscalationRecord, PersonEntry
from safelog.vault.cases import list_cases
from safelog.vault.evidence_reading import list_evidence
from safelog.vault.records import EvidenceInfo
from safelog.vault.roll import load_roll
from safelog.vault.rows_ahead import read_ahead
from safelog.vault.session import Session
from safelog.vault.verified_cases import GroupRows


@dataclass(frozen=True)
class PupilCase:
    """One case about the pupil, as the page lists it."""

    reference: str
    category: str  # the category's title
    summary: str
    status: str
    roles: tuple[str, ...]  # the pupil's role(s) in this case
    created_at: datetime
    # Everyone the signed record names, the pupil too: whom an export pseudonymises.
    people: tuple[PersonEntry, ...] = ()


@dataclass(frozen=True)
class PupilPage:
    pupil: Pupil
    cases: tuple[PupilCase, ...]
    entries: tuple[ChronologyEntry, ...]  # date order
    review_on: date | None  # date of birth + 25 years (child protection records)
    problems: tuple[str, ...]  # cases listed but left out because they failed their checks

    def chronology(
        self, kinds: set[str] | None = None, start: date | None = None, end: date | None = None
    ) -> list[ChronologyEntry]:
        return merge_chronologies([self.entries], kinds=kinds, start=start, end=end)


def pupil_page(session: Session, id_or_upn: str, *, via: str = "pupil's page") -> PupilPage:
    """The pupil and what the reader may see of them; only those who manage cases see it.
    `via` is how each case's audit says it was read (the page, or an export of it)."""
    session.ensure_open()
    if not session.person.roles & CASE_MANAGERS:
        raise AccessDenied(
            "A pupil's chronology is for the DSL, the headteacher and the chair of governors; "
            "your reports are under My reports."
        )
    pupil = load_roll(session).find(id_or_upn)
    candidates = [c for c in list_cases(session) if pupil.id in c.pupils]
    cases: list[PupilCase] = []
    entries: list[list[ChronologyEntry]] = []
    problems = list(session.list_problems)
    views: list[AuditEntry] = []
    groups_read: dict[tuple[str, ...], GroupRows] = {}
    with session.write() as conn:
        ahead = read_ahead(conn, [summary.reference for summary in candidates])
        for summary in candidates:
            try:
                case = open_case(session, conn, summary.reference, ahead)
                verified = read_case(session, conn, case, groups_read=groups_read, ahead=ahead)
                evidence = list_evidence(session, conn, case, ahead)
            except UserFacingError as exc:
                problems.append(f"{summary.reference}: {exc}")
                continue
            fields = verified.fields
            roles = tuple(
                p["role"] for p in fields.get(CaseField.PEOPLE, []) if p.get("pupil") == pupil.id
            )
            if not roles:
                continue  # the list entry said so, the signed record does not
            views.append(
                AuditEntry(
                    AuditAction.CASE_VIEW,
                    {"reference": summary.reference, "via": via},
                    case=case.audit_ref(),
                )
            )
            cases.append(
                PupilCase(
                    summary.reference,
                    _category_title(fields.get(CaseField.CATEGORY, "")),
                    fields.get(CaseField.SUMMARY, ""),
                    fields.get(CaseField.STATUS, ""),
                    roles,
                    summary.created_at,
                    tuple(fields.get(CaseField.PEOPLE, [])),
                )
            )
            entries.append(
                case_chronology(summary.reference, fields, summary.created_at, evidence, session)
            )
        views.append(AuditEntry(AuditAction.PUPIL_VIEW, {"pupil": pupil.id, "cases": len(cases)}))
        session.audit_many(conn, views)
    review_on = (
        add_years(pupil.date_of_birth, CHILD_PROTECTION_YEARS) if pupil.date_of_birth else None
    )
    cases.sort(key=lambda c: c.created_at)
    return PupilPage(
        pupil, tuple(cases), tuple(merge_chronologies(entries)), review_on, tuple(problems)
    )


def _category_title(code: str) -> str:
    try:
        return category_by_code(code).title
    except UnknownCategory:  # a category from a newer SafeLog: show its code
        return code


def _when(text: str | None, fallback: datetime) -> datetime:
    if text:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return fallback
        if parsed.tzinfo is not None:
            return parsed
    return fallback


def case_chronology(
    reference: str,
    fields: CaseFields,
    created_at: datetime,
    evidence: list[EvidenceInfo],
    session: Session,
) -> list[ChronologyEntry]:
    """One case's record as chronology entries: the report, then what was done."""
    reporter = session.directory.people.get(fields.get(CaseField.REPORTER, ""))
    text = fields.get(CaseField.SUMMARY, "")
    if fields.get(CaseField.DESCRIPTION):
        text += "\n" + fields.get(CaseField.DESCRIPTION, "")
    out = [
        ChronologyEntry(
            _when(fields.get(CaseField.OCCURRED_AT), created_at),
            reference,
            "report",
            text,
            reporter.name if reporter is not None else "",
        )
    ]
    for entry in fields.get(CaseField.CHRONOLOGY, []):
        at = _when(entry.get("occurred_at") or entry.get("recorded_at"), created_at)
        out.append(ChronologyEntry(at, reference, "entry", entry["text"], entry["recorded_by"]))
    for action in fields.get(CaseField.ACTIONS, []):
        due = f" (due {action['due']})" if action.get("due") else ""
        owner = f", for {action['owner']}" if action.get("owner") else ""
        at = _when(action.get("recorded_at"), created_at)
        out.append(
            ChronologyEntry(
                at,
                reference,
                "action",
                f"Action{owner}: {action['text']}{due}",
                action["recorded_by"],
            )
        )
        if action.get("done_at"):
            note = f" — {action['done_note']}" if action.get("done_note") else ""
            out.append(
                ChronologyEntry(
                    _when(action["done_at"], at),
                    reference,
                    "action",
                    f"Action done: {action['text']}{note}",
                    action.get("done_by", ""),
                )
            )
    for decision in fields.get(CaseField.DECISIONS, []):
        out.append(
            ChronologyEntry(
                _when(decision.get("recorded_at"), created_at),
                reference,
                "decision",
                f"Decision: {decision['decision']}\nReason: {decision['reason']}",
                decision["recorded_by"],
            )
        )
    for route, record in (fields.get(CaseField.ESCALATIONS) or {}).items():
        out.append(_escalation_entry(reference, route, record, created_at))
    for item in evidence:
        out.append(
            ChronologyEntry(
                item.added_at,
                reference,
                "evidence",
                f"Evidence: {item.file_name} (SHA-256 {item.sha256})",
                item.added_by,
            )
        )
    outcome = fields.get(CaseField.OUTCOME)
    if isinstance(outcome, str) and outcome:  # set as text with `safelog case update`
        out.append(ChronologyEntry(created_at, reference, "outcome", f"Outcome: {outcome}", ""))
    elif isinstance(outcome, dict):
        note = f": {outcome['note']}" if outcome.get("note") else ""
        out.append(
            ChronologyEntry(
                _when(outcome.get("recorded_at"), created_at),
                reference,
                "outcome",
                f"Outcome: {outcome_label(outcome['code'])}{note}",
                outcome.get("recorded_by", ""),
            )
        )
    return out


def _escalation_entry(
    reference: str, route: str, record: EscalationRecord, created_at: datetime
) -> ChronologyEntry:
    try:
        title = ROUTES[Route(route)].title
    except ValueError:
        title = route
    if record.get("not_needed"):
        decided = not_needed_title(route)
        if decided == "Not needed":
            text = f"{title}: not needed. Reason: {record['not_needed']}"
        else:  # a decision (the police, the ICO), with its reasons
            text = f"{decided}. Reasons: {record['not_needed']}"
        at = _when(record.get("recorded_at"), created_at)
    else:
        parts = [f"{title}: {record.get('told', '')} told"]
        if record.get("how"):
            parts.append(f"({record['how']})")
        if record.get("reference"):
            parts.append(f"reference {record['reference']}")
        text = " ".join(parts)
        at = _when(record.get("done_at") or record.get("recorded_at"), created_at)
    return ChronologyEntry(at, reference, "escalation", text, record.get("recorded_by", ""))
