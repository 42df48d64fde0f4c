"""What SafeLog holds about the subject of an access request, as the DSL's keys read it:
every case where they are a person in the case or a subject of the concern (its record,
chronology, actions, decisions, escalations, outcome and evidence listing), their record on
the school roll, image consent and child protection file transfers.

Only cases the DSL's keys open are read, each verified and audited like any view ("via
subject access request"); a case that fails its checks is named in `problems`, not shown.
`others` is everyone else whose name might appear (other pupils on the roll, people named
in the cases, parents and carers, SafeLog's users, the adults' register): the disclosure
labels them (export/redact.py), and the redaction log records who became which label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from safelog.audit.actions import AuditAction
from safelog.domain.categories import UnknownCategory, category_by_code
from safelog.domain.chronology import ChronologyEntry, merge_chronologies
from safelog.domain.image_consent import ConsentEvent
from safelog.domain.names import fold_name
from safelog.domain.outcomes import PersonKind
from safelog.domain.roll import Pupil
from safelog.errors import UserFacingError
from safelog.export.redact import OtherPerson
from safelog.vault.audit_trail import AuditEntry
from safelog.vault.case_engine import open_case
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import CaseField, CaseFields
from safelog.vault.cases import list_cases
from safelog.vault.evidence_reading import list_evidence
from safelog.vault.pupils import case_chronology
from safelog.vault.records import EvidenceInfo
from safelog.vault.roll import Roll, load_roll
from safelog.vault.rows_ahead import read_ahead
from safelog.vault.session import Session
from safelog.vault.subject_access import SubjectAccessRequest, require_dsl
from safelog.vault.transfers import TransferSummary, list_transfers
from safelog.vault.verified_cases import GroupRows

VIA = "subject access request"
SUBJECT_ROLE = "subject of the concern"


@dataclass(frozen=True)
class HeldCase:
    reference: str
    category: str
    summary: str
    description: str
    status: str
    roles: tuple[str, ...]  # the subject's role(s) in it
    created_at: datetime
    fields: CaseFields
    evidence: tuple[EvidenceInfo, ...]
    entries: tuple[ChronologyEntry, ...]  # its record as chronology entries, evidence aside


@dataclass(frozen=True)
class SubjectData:
    request: SubjectAccessRequest
    pupil: Pupil | None
    cases: tuple[HeldCase, ...]
    consent: tuple[ConsentEvent, ...]
    transfers: tuple[TransferSummary, ...]
    others: tuple[OtherPerson, ...]  # everyone who may be named, not the subject or requester
    close: tuple[OtherPerson, ...]  # of those, the people in the cases and the family
    keep: tuple[str, ...]  # names never replaced: the subject's and the requester's
    problems: tuple[str, ...]
    roll: Roll

    @property
    def entries(self) -> list[ChronologyEntry]:
        return merge_chronologies([list(c.entries) for c in self.cases])

    def evidence_ids(self) -> set[str]:
        return {item.id for case in self.cases for item in case.evidence}


def _subject_roles(
    session: Session, fields: CaseFields, pupil: Pupil | None, name: str
) -> tuple[str, ...]:
    wanted = {fold_name(f) for f in (pupil.name_forms if pupil else (name,))}
    roles: list[str] = []
    for person in fields.get(CaseField.PEOPLE, []):
        linked = person.get("pupil")
        if pupil is not None and linked:
            match = linked == pupil.id
        else:
            match = fold_name(str(person.get("name", ""))) in wanted
        if match:
            roles.append(str(person.get("role", "")))
    people = session.directory.people
    for user_id in fields.get(CaseField.SUBJECTS, []):
        user = people.get(user_id)
        if user is not None and fold_name(user.name) in wanted:
            roles.append(SUBJECT_ROLE)
    return tuple(dict.fromkeys(roles))


def gather_subject_data(session: Session, request: SubjectAccessRequest) -> SubjectData:
    """Read everything held about the request's subject (DSL only)."""
    require_dsl(session)
    roll = load_roll(session)
    pupil = roll.pupils.get(request.subject_pupil) if request.subject_pupil else None
    cases: list[HeldCase] = []
    problems = list(session.list_problems)
    views: list[AuditEntry] = []
    groups_read: dict[tuple[str, ...], GroupRows] = {}
    summaries = list_cases(session)
    with session.write() as conn:
        ahead = read_ahead(conn, [s.reference for s in summaries])
        for summary in summaries:
            try:
                case = open_case(session, conn, summary.reference, ahead)
                verified = read_case(session, conn, case, groups_read=groups_read, ahead=ahead)
                fields = verified.fields
                roles = _subject_roles(session, fields, pupil, request.subject_name)
                if not roles:
                    continue
                evidence = list_evidence(session, conn, case, ahead)
            except UserFacingError as exc:
                problems.append(f"{summary.reference}: {exc}")
                continue
            views.append(
                AuditEntry(
                    AuditAction.CASE_VIEW,
                    {"reference": summary.reference, "via": VIA},
                    case=case.audit_ref(),
                )
            )
            entries = case_chronology(summary.reference, fields, summary.created_at, [], session)
            cases.append(
                HeldCase(
                    summary.reference,
                    _category_title(fields.get(CaseField.CATEGORY, "")),
                    fields.get(CaseField.SUMMARY, ""),
                    fields.get(CaseField.DESCRIPTION, ""),
                    fields.get(CaseField.STATUS, ""),
                    roles,
                    summary.created_at,
                    fields,
                    tuple(evidence),
                    tuple(entries),
                )
            )
        session.audit_many(conn, views)
    cases.sort(key=lambda c: c.created_at)
    transfers = tuple(
        t for t in list_transfers(session) if pupil is not None and t.pupil_id == pupil.id
    )
    keep = (*(pupil.name_forms if pupil else (request.subject_name,)), request.requester)
    others = _others(session, roll, pupil, cases)
    return SubjectData(
        request,
        pupil,
        tuple(cases),
        roll.consents.get(pupil.id, ()) if pupil else (),
        transfers,
        tuple(others),
        tuple(others[: _close_count(session, roll, pupil, cases)]),
        keep,
        tuple(dict.fromkeys(problems)),
        roll,
    )


def _others(
    session: Session, roll: Roll, pupil: Pupil | None, cases: list[HeldCase]
) -> list[OtherPerson]:
    """Every person whose name the disclosure may hold, but the subject: the subject's and
    the requester's names are kept by the caller."""
    out: list[OtherPerson] = []
    for case in cases:
        for person in case.fields.get(CaseField.PEOPLE, []):
            linked = person.get("pupil")
            if pupil is not None and linked == pupil.id:
                continue
            names = [str(person.get("name", ""))]
            if linked and linked in roll.pupils:
                names += roll.pupils[linked].name_forms
            out.append(OtherPerson(str(person.get("kind", "")), tuple(n for n in names if n)))
    siblings = []
    if pupil is not None:
        out += [OtherPerson(PersonKind.PARENT, (link.name,)) for link in pupil.links if link.name]
        siblings = [roll.pupils[k.pupil] for k in pupil.links if k.pupil in roll.pupils]
        out += [OtherPerson(PersonKind.PUPIL, s.name_forms) for s in siblings]
    # Staff and adults working in school are met by first name or surname alone ("Tess told
    # me", "I, Sam, saw"): they are close to every record, as are the family.
    out += [OtherPerson(PersonKind.STAFF, (p.name,)) for p in session.directory.people.values()]
    out += [OtherPerson(_adult_kind(a.kind), (a.display_name,)) for a in roll.adults.values()]
    for other in roll.sorted():
        if (pupil is None or other.id != pupil.id) and other not in siblings:
            out.append(OtherPerson(PersonKind.PUPIL, other.name_forms))
    return out


def _close_count(session: Session, roll: Roll, pupil: Pupil | None, cases: list[HeldCase]) -> int:
    """How many of `_others` come first: the people in the cases, the family, the staff and
    the adults working in school."""
    people = sum(
        1
        for case in cases
        for person in case.fields.get(CaseField.PEOPLE, [])
        if pupil is None or person.get("pupil") != pupil.id
    )
    family = (
        sum(1 for link in pupil.links if link.name or link.pupil in roll.pupils)
        if pupil is not None
        else 0
    )
    return people + family + len(session.directory.people) + len(roll.adults)


def _category_title(code: str) -> str:
    try:
        return category_by_code(code).title
    except UnknownCategory:  # a category from a newer SafeLog: show its code
        return code


def _adult_kind(kind: str) -> str:
    try:
        return PersonKind(kind).value
    except ValueError:
        return PersonKind.EXTERNAL.value


def texts_of(data: SubjectData) -> list[Any]:
    """Every piece of text the disclosure prints, in the order it prints them: what orders
    the labels ("Pupil A" is the first other pupil the reader meets)."""
    out: list[Any] = []
    if data.pupil is not None:
        for link in data.pupil.links:
            sibling = data.roll.pupils.get(link.pupil) if link.pupil else None
            out.append(sibling.display_name if sibling else link.name)
    for case in data.cases:
        out += [case.summary, case.description]
        out += [p.get("name", "") for p in case.fields.get(CaseField.PEOPLE, [])]
        for entry in case.entries:
            out += [entry.text, entry.by]
        out += [e.file_name for e in case.evidence]
    for event in data.consent:
        out += [event.by, event.note]
    return out
