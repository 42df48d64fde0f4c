"""Cases: record, list, show and update them. The use cases; every read and write of a
case's versions and keys goes through the case engine (vault/case_engine.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from itertools import chain
from operator import attrgetter
from typing import Any

import orjson
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from safelog.audit import log as audit_log
from safelog.audit.actions import AuditAction
from safelog.crypto.aead import DecryptionFailed, binding
from safelog.crypto.encoding import length_prefixed
from safelog.domain.actions import MyAction, my_open_actions
from safelog.domain.categories import category_by_code
from safelog.domain.outcomes import CaseStatus
from safelog.domain.roles import Role
from safelog.domain.routes import Route
from safelog.errors import InvalidInput, TamperDetected
from safelog.store.engine import keep_planner_statistics
from safelog.store.schema import CaseRow
from safelog.vault import membership
from safelog.vault.authority import MANAGERS, writer_plan
from safelog.vault.case_engine import open_case
from safelog.vault.case_input import CaseInput, validate_changes
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import CaseField
from safelog.vault.case_writing import (
    amend_case,
    checked_move,
    create_case,
    seal_from_reporter,
    stamp,
)
from safelog.vault.content_entry import entry_from_case_input
from safelog.vault.evidence_reading import list_evidence
from safelog.vault.open_actions import actions_from_summary
from safelog.vault.out_of_reach import moved_away_problems
from safelog.vault.quarantine import quarantine_record, take_locked_away, with_quarantine
from safelog.vault.receipts import my_receipts
from safelog.vault.records import CaseDetail, CaseSummary, case_summary
from safelog.vault.retention import case_retention
from safelog.vault.roll import resolve_pupils
from safelog.vault.session import Session

# case_retention lives below the case engine, which writes it into each list summary.
__all__ = [
    "add_case",
    "case_retention",
    "list_cases",
    "list_my_actions",
    "show_case",
    "update_case",
]


def add_case(session: Session, case: CaseInput) -> str:
    """Record a new case; returns its reference."""
    session.ensure_open()
    category_by_code(case.category)
    subjects = _resolve_subjects(session, case.subjects)
    case = replace(case, people=resolve_pupils(session, case.people))
    is_dsl = Role.DSL in session.person.roles
    fields = case.to_fields(
        subjects,
        reporter_id=session.user_id,
        status=CaseStatus.OPEN if is_dsl else CaseStatus.NEW,
    )
    if is_dsl:
        # The DSL is recording it: they have been told, and have seen it.
        recorded = stamp(session)
        fields[CaseField.ACKNOWLEDGED] = recorded
        fields[CaseField.ESCALATIONS] = {
            Route.DSL: {
                "done_at": recorded["recorded_at"],
                "told": session.person.name,
                "how": "recorded by the DSL",
                **recorded,
            }
        }
    if case.content_report is not None:
        fields[CaseField.CONTENT_REPORTS] = [
            entry_from_case_input(session, case.content_report, case.occurred_at)
        ]
    writer_plan(session, session.user_id, fields)  # refuse early, before any write
    for attempt in range(20):
        try:
            with session.write() as conn:
                session.sync_membership(conn)
                plan = writer_plan(session, session.user_id, fields)
                fields[CaseField.ABOUT_HEADTEACHER] = plan.about_headteacher
                return create_case(session, conn, fields, plan, attempt)
        except IntegrityError:
            continue  # another client took the same reference; take the next one
    raise InvalidInput("Could not allocate a case reference; try again.")


def _resolve_subjects(session: Session, names: list[str]) -> list[str]:
    ids = []
    for name in names:
        person = session.directory.by_name(name)
        if person is None:
            raise InvalidInput(
                f"'{name}' is not a SafeLog user. 'subjects' names users the concern is about; "
                "list anyone else under 'people'."
            )
        ids.append(person.id)
    return sorted(set(ids))


_load_json = orjson.loads
_LEFT_OUT = "it was changed outside SafeLog and is left out of the list. Tell your DSL."


class _Unreadable(Exception):
    """A list entry that decrypted but is not a whole summary of its case."""


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("not a list of names")
    return tuple(value)


def _summary_of(case_id: str, reference: str, raw: bytes) -> CaseSummary:
    """One list entry decoded (a reporter's client writes its own report's entry, so
    anything may be in it: missing or mistyped keys leave that case out, never the list).
    orjson takes the bytes as they are: invalid UTF-8, extra data, NaN or nesting past its
    limit are errors (ValueError), so such an entry is left out."""
    try:
        data = _load_json(raw)
        if data["reference"] != reference:
            raise _Unreadable("belongs to another case")
        parse_time, parse_date = datetime.fromisoformat, date.fromisoformat
        created_text, updated_text = data["created_at"], data["updated_at"]
        created = parse_time(created_text)
        # Often the same instant (a case not changed since, its first deadline now).
        updated = created if updated_text == created_text else parse_time(updated_text)
        return case_summary(
            id=case_id,
            reference=reference,
            category=data["category"],
            summary=data["summary"],
            status=data["status"],
            created_at=created,
            updated_at=updated,
            about_headteacher=data["about_headteacher"],
            reporter_id=data["reporter"],
            escalated_to_leadership=bool(data.get("escalated_to_leadership")),
            next_due=(created if due == created_text else parse_time(due))
            if (due := data.get("next_due"))
            else None,
            # Summaries written before review dates were kept have neither key.
            review_on=parse_date(review) if (review := data.get("review_on")) else None,
            review_rule=data.get("review_rule") or "",
            open_actions=actions_from_summary(actions) if (actions := data.get("actions")) else (),
            people=_names(people) if (people := data.get("people")) else (),
            pupils=_names(pupils) if (pupils := data.get("pupils")) else (),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _Unreadable("cannot be read") from None


def list_cases(session: Session) -> list[CaseSummary]:
    """Every case this user can read, from the per-reader-group summaries (no public-key
    operation per case). An entry that fails its check is left out and named in
    `session.list_problems`, never the reason the whole list fails."""
    session.ensure_open()
    with session.engine.connect() as conn:
        session.load_audiences(conn)  # reader groups made since sign-in (new reporters)
        state = _list_state(session, conn)
    kept = session.memo.get(_LISTED)
    if kept is not None and kept[0] == state:
        session.list_problems = list(kept[2])
        return list(kept[1])
    ciphers = session.audience_ciphers
    out = []
    # 10,000 summaries per sign-in (DESIGN §7): orjson decodes them from the bytes as
    # decrypted, and absent or repeated dates skip their parser. The associated data is
    # summary_aad's, length-prefixed parts joined, built here from its fixed start, the
    # case id, and an end (reader group, version) that many cases share.
    aad_start = binding("summary")
    aad_ends: dict[tuple[str, int], bytes] = {}
    audience_of: dict[str, str] = {}
    damaged: list[str] = []
    opens = {audience_id: cipher.open for audience_id, cipher in ciphers.items()}
    with session.engine.connect() as conn:
        result = conn.execute(
            select(
                CaseRow.id,
                CaseRow.audience_id,
                CaseRow.head_version,
                CaseRow.summary_ct,
                CaseRow.reference,
            ).where(CaseRow.audience_id.in_(list(ciphers)))
        )
        # Read in batches, so rows already decoded are freed as the list grows: holding all
        # 10,000 at once would set off a collection of the whole process's objects mid-list.
        # Straight from the driver's cursor, as the plain tuples it makes: these columns are
        # strings, an int and bytes, which SQLAlchemy's rows would hand over unchanged, at a
        # fifth of the list's time (issue 17).
        cursor = result.cursor
        rows = chain.from_iterable(iter(lambda: cursor.fetchmany(500), []))
        for case_id, audience_id, version, summary_ct, reference in rows:
            aad_end = aad_ends.get((audience_id, version))
            if aad_end is None:
                aad_end = length_prefixed(audience_id.encode("utf-8"), str(version).encode("utf-8"))
                aad_ends[(audience_id, version)] = aad_end
            raw_id = case_id.encode("utf-8")
            aad = b"".join((aad_start, len(raw_id).to_bytes(4, "big"), raw_id, aad_end))
            try:
                raw = opens[audience_id](summary_ct, aad)
            except DecryptionFailed:
                damaged.append(f"The list entry of case {reference} is damaged: {_LEFT_OUT}")
                continue
            try:
                summary = _summary_of(case_id, reference, raw)
            except _Unreadable as exc:
                damaged.append(f"The list entry of case {reference} {exc}: {_LEFT_OUT}")
                continue
            audience_of[case_id] = audience_id
            out.append(summary)
    with session.engine.connect() as conn:
        out = _unopened_reports_checked(session, conn, out, audience_of)
        session.list_problems += damaged + session.key_problems
        session.list_problems += moved_away_problems(session, conn, len(audience_of) + len(damaged))
        if Role.DSL not in session.person.roles:  # a DSL reads their own reports as a DSL
            out += my_receipts(session, conn, skip={c.id for c in out})
    out.sort(key=attrgetter("updated_at"), reverse=True)
    session.memo[_LISTED] = (state, tuple(out), tuple(session.list_problems))
    keep_planner_statistics(session.engine)  # for the next list's read (once per engine)
    return out


_LISTED = "cases-listed"


def _list_state(session: Session, conn: Connection) -> tuple[object, ...]:
    """What the list depends on: every change to a case (a version, evidence, a re-key) is
    an entry of the audit log, every change to who holds which key one of the membership
    log. While both heads and this session's keys are as they were, the list is too."""
    return (
        audit_log.read_head(conn),
        membership.read_head(conn),
        frozenset(session.audience_ciphers),
        len(session.key_problems),
    )


def list_my_actions(session: Session, now: datetime) -> list[MyAction]:
    """The signed-in person's actions not yet done, across every case they can read, in the
    order to do them (domain/actions.py). From the list summaries, so only cases this
    session's keys open; cases left out of the list are named in `session.list_problems`."""
    cases = list_cases(session)
    return my_open_actions(
        ((case.reference, case.open_actions) for case in cases if case.open_actions),
        session.person.name,
        now,
    )


def _unopened_reports_checked(
    session: Session, conn: Connection, listed: list[CaseSummary], audience_of: dict[str, str]
) -> list[CaseSummary]:
    """A report nobody who manages cases has opened yet is still in its reporter's own
    reader group, so its list entry was written by the reporter: check its versions before
    listing it (only these few; once opened, a case's entry is written by its managers).
    One that fails is left out and named in `session.list_problems`."""
    session.list_problems.clear()
    # One row per reader group (a few dozen), not per case.
    group_signer: dict[str, str | None] = {}
    broken = set()
    for audience_id in set(audience_of.values()):
        try:
            group_signer[audience_id] = session.group_maker(conn, audience_id)
        except TamperDetected:
            broken.add(audience_id)
    # The groups whose list entries someone who does not manage cases wrote (a reporter's
    # own group, or a group whose maker is unknown): only their cases may need a check.
    unmanaged = set()
    for audience_id, signer in group_signer.items():
        person = session.directory.people.get(signer) if signer else None
        if signer is not None and not (person is not None and MANAGERS & person.roles):
            unmanaged.add(audience_id)
    # A DSL reads every report anyway: for them only a report that claims more than a fresh
    # report (a later version, or a status other than new) needs its versions checked; the
    # words of a fresh one are the reporter's own, but not who it says sent it: that must be
    # who made its reader group (the reporter's client makes it as it sends the report; a
    # report whose group is not the one its first version names is refused on opening).
    # Anyone else checks every such report they can read (e.g. a headteacher, whom a
    # reporter might try to give a concern).
    dsl = Role.DSL in session.person.roles
    # Every other group's entries are kept as they are (10,000 at sign-in: one set lookup).
    special = broken | unmanaged | {g for g, signer in group_signer.items() if signer is None}
    kept = []
    for summary in listed:
        group = audience_of.get(summary.id)
        if group is not None and group not in special:
            kept.append(summary)
            continue
        fresh = summary.status == CaseStatus.NEW and summary.updated_at == summary.created_at
        if group in broken:
            session.list_problems.append(
                f"The record of who may read case {summary.reference} was changed outside "
                f"SafeLog: {_LEFT_OUT}"
            )
            continue
        unopened = group in unmanaged
        if summary.open_actions and (unopened or group_signer.get(group or "") is None):
            # A reporter's client wrote this entry, and a report has no actions: whatever
            # it says of any is not shown as someone's to do.
            summary = replace(summary, open_actions=())
        if not unopened or (dsl and fresh):
            if unopened and group_signer.get(group or "") != summary.reporter_id:
                session.list_problems.append(
                    f"The list entry of report {summary.reference} names someone other than "
                    f"who sent it: {_LEFT_OUT}"
                )
                continue
            kept.append(summary)
            continue
        try:
            read_case(session, conn, open_case(session, conn, summary.reference))
        except TamperDetected as exc:
            session.list_problems.append(str(exc))
            continue
        kept.append(summary)
    return kept


def show_case(session: Session, reference: str) -> CaseDetail:
    """Open and verify a whole case; the view is audited."""
    session.ensure_open()
    with session.write() as conn:
        case = open_case(session, conn, reference)
        seal_from_reporter(session, conn, case)
        verified = read_case(session, conn, case)
        evidence = list_evidence(session, conn, case)
        readers = session.audience_recipients(conn, case.row.audience_id)
        session.audit(
            conn, AuditAction.CASE_VIEW, {"reference": case.row.reference}, case=case.audit_ref()
        )
    # A reporter reading through their receipt is not one of the readers: not shown who is.
    audience = [session.describe_recipient(slot) for slot in readers or []]
    return CaseDetail(
        case.row.id,
        case.row.reference,
        verified.fields,
        verified.history,
        evidence,
        audience,
        verified.changes,
    )


def update_case(
    session: Session, reference: str, changes: dict[str, Any], based_on: int | None = None
) -> int:
    """Add a version with the changed fields; re-key when who may read it changes.
    Returns the new version number. `based_on`: the version the writer was looking at, so
    that what others changed since is kept (domain/edit_merge.py). A move into a category
    that quarantines evidence needs `device_locked_away` (vault/quarantine.py)."""
    changes, locked_away = take_locked_away(changes)
    checked = validate_changes(changes)
    quarantine = quarantine_record(session, reference, checked, locked_away)
    if CaseField.SUBJECTS in checked:
        checked[CaseField.SUBJECTS] = _resolve_subjects(session, checked[CaseField.SUBJECTS])
    if CaseField.PEOPLE in checked:
        checked[CaseField.PEOPLE] = resolve_pupils(session, checked[CaseField.PEOPLE])
    if CaseField.STATUS in checked:
        requested = checked[CaseField.STATUS]
        return amend_case(
            session,
            reference,
            lambda fields: {
                **checked,
                **with_quarantine(fields, quarantine),
                CaseField.STATUS: checked_move(
                    fields.get(CaseField.STATUS, CaseStatus.NEW), requested
                ),
            },
            AuditAction.CASE_UPDATE,
            based_on=based_on,
        )
    return amend_case(
        session,
        reference,
        lambda fields: {**checked, **with_quarantine(fields, quarantine)},
        AuditAction.CASE_UPDATE,
        based_on=based_on,
    )
