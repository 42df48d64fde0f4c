"""Cases: create, list, open, amend (append-only, signed versions) and re-key.

Keys: each case has a data key (DEK). The current DEK is wrapped by the key of the case's
reader group (audience); each older DEK is wrapped by its successor, so a re-keyed case
is unreadable with keys the excluded readers hold, while everything already recorded,
and its signature, stays exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from safelog.crypto.aead import Cipher, DecryptionFailed, binding, new_key
from safelog.crypto.encoding import canonical_json
from safelog.domain.access import AudiencePlan
from safelog.domain.categories import category_by_code
from safelog.domain.deadlines import LONDON
from safelog.domain.retention import add_years, retention_decision
from safelog.domain.roles import Role
from safelog.errors import (
    AccessDenied,
    InvalidInput,
    NotFound,
    ReportBeingHandled,
    TamperDetected,
)
from safelog.store.schema import CaseFieldRow, CaseKeyRow, CaseRow, CaseVersionRow
from safelog.vault.authority import AUDIENCE_FIELDS, MANAGERS, CaseAuthority, writer_plan
from safelog.vault.case_input import CaseInput, validate_changes
from safelog.vault.escalations import next_due
from safelog.vault.records import CaseDetail, CaseRetention, CaseSummary, Version
from safelog.vault.session import Session

__all__ = ["AUDIENCE_FIELDS", "MANAGERS"]


@dataclass
class OpenCase:
    """A case with its keys opened, for use inside one operation."""

    row: Any  # a row of the cases table; audience_id and key_no move on re-key
    ciphers: dict[int, Cipher]  # key_no -> cipher
    # (author id, status after it) per verified version, once the versions were read:
    # what evidence authority is checked against.
    version_log: list[tuple[str, dict[str, Any]]] | None = None
    audit_items: dict[str, tuple[int, int | None]] | None = None
    first_manager_version: int = 0

    @property
    def current(self) -> Cipher:
        return self.ciphers[self.row.key_no]

    def audit_ref(self) -> tuple[str, int, Cipher]:
        return (self.row.id, self.row.key_no, self.current)


def _field_aad(case_id: str, version: int, name: str) -> bytes:
    return binding("field", case_id, version, name)


def _summary_aad(case_id: str, audience_id: str, version: int) -> bytes:
    return binding("summary", case_id, audience_id, version)


def _dek_aad(case_id: str, key_no: int, audience_id: str) -> bytes:
    return binding("case-key", case_id, key_no, audience_id)


def _chain_aad(case_id: str, key_no: int) -> bytes:
    return binding("case-key-chain", case_id, key_no)


def _next_reference(conn: Connection, now: datetime, attempt: int) -> str:
    prefix = f"SL-{now.year}-"
    count = conn.execute(
        select(func.count()).select_from(CaseRow).where(CaseRow.reference.like(prefix + "%"))
    ).scalar_one()
    return f"{prefix}{count + 1 + attempt:04d}"


def add_case(session: Session, case: CaseInput) -> str:
    """Record a new case; returns its reference."""
    session.ensure_open()
    category_by_code(case.category)
    subjects = _resolve_subjects(session, case.subjects)
    is_dsl = Role.DSL in session.person.roles
    fields = case.to_fields(
        subjects, reporter_id=session.user_id, status="open" if is_dsl else "new"
    )
    if is_dsl:
        # The DSL is recording it: they have been told, and have seen it.
        stamp = {"recorded_by": session.person.name, "recorded_at": session.clock().isoformat()}
        fields["acknowledged"] = stamp
        fields["escalations"] = {
            "dsl": {
                "done_at": stamp["recorded_at"],
                "told": session.person.name,
                "how": "recorded by the DSL",
                **stamp,
            }
        }
    if case.content_report is not None:
        from safelog.vault.content_form import FIELD, entry_from_case_input

        fields[FIELD] = [entry_from_case_input(session, case.content_report, case.occurred_at)]
    writer_plan(session, session.user_id, fields)  # refuse early, before any write
    for attempt in range(20):
        try:
            with session.write() as conn:
                session.sync_membership(conn)
                plan = writer_plan(session, session.user_id, fields)
                fields["about_headteacher"] = plan.about_headteacher
                return _insert_case(session, conn, fields, plan, attempt)
        except IntegrityError:
            continue  # another client took the same reference; take the next one
    raise InvalidInput("Could not allocate a case reference; try again.")


def _insert_case(
    session: Session, conn: Connection, fields: dict[str, Any], plan: AudiencePlan, attempt: int
) -> str:
    now = session.clock()
    audience_id = session.audience_for(conn, plan)
    audience = session.audience_ciphers[audience_id]
    case_id = str(uuid.uuid4())
    reference = _next_reference(conn, now, attempt)
    dek = new_key()
    conn.execute(
        insert(CaseRow).values(
            id=case_id,
            reference=reference,
            audience_id=audience_id,
            key_no=1,
            head_version=0,
            summary_ct=b"",
            created_at=now,
            updated_at=now,
        )
    )
    conn.execute(
        insert(CaseKeyRow).values(
            case_id=case_id, key_no=1, wrapped=audience.seal(dek, _dek_aad(case_id, 1, audience_id))
        )
    )
    cipher = Cipher(dek)
    _append_version(
        session, conn, case_id, reference, 1, 1, cipher, fields, b"", {"audience": audience_id}
    )
    if Role.DSL not in session.person.roles:
        from safelog.vault.receipts import write_receipt

        write_receipt(session, conn, case_id, reference, dek, fields, now)
    _write_summary(conn, case_id, reference, audience_id, audience, 1, fields, now, now)
    session.audit(
        conn, "case.create", {"reference": reference}, case=(case_id, 1, cipher), item="v1"
    )
    return reference


def _append_version(
    session: Session,
    conn: Connection,
    case_id: str,
    reference: str,
    version: int,
    key_no: int,
    cipher: Cipher,
    changed: dict[str, Any],
    prev_statement: bytes,
    extra: dict[str, Any],
) -> None:
    now = session.clock()
    cts = {
        name: cipher.seal(canonical_json(value), _field_aad(case_id, version, name))
        for name, value in changed.items()
    }
    statement = canonical_json(
        {
            "type": "case-version",
            "vault_id": session.directory.vault_id,
            "case_id": case_id,
            "reference": reference,
            "version": version,
            "key_no": key_no,
            "author": session.user_id,
            "at": now.isoformat(),
            "prev": hashlib.sha256(prev_statement).hexdigest() if prev_statement else "",
            # The point of the membership log the author wrote under: readers check the
            # author's authority there (vault/authority.py).
            "membership": session.directory.head_seq,
            "fields": {name: hashlib.sha256(ct).hexdigest() for name, ct in cts.items()},
            **extra,
        }
    )
    conn.execute(
        insert(CaseVersionRow).values(
            case_id=case_id,
            version=version,
            key_no=key_no,
            author_id=session.user_id,
            created_at=now,
            statement=statement,
            signature=session.identity.sign(statement),
        )
    )
    if cts:
        conn.execute(
            insert(CaseFieldRow),
            [
                {"case_id": case_id, "version": version, "field": name, "value_ct": ct}
                for name, ct in cts.items()
            ],
        )
    conn.execute(
        update(CaseRow).where(CaseRow.id == case_id).values(head_version=version, updated_at=now)
    )


def _dates_of_birth(people: Any, kind: str, role: str | None = None) -> tuple[list[date], int]:
    """The dates of birth recorded for the people of `kind` (and `role`), and how many such
    people there are."""
    found, count = [], 0
    for person in people or []:
        if not isinstance(person, dict) or person.get("kind") != kind:
            continue
        if role is not None and person.get("role") != role:
            continue
        count += 1
        try:
            found.append(date.fromisoformat(str(person.get("date_of_birth") or "")))
        except ValueError:
            continue
    return found, count


def case_retention(
    fields: dict[str, Any], created_at: datetime, closed_at: datetime | None = None
) -> CaseRetention:
    """When the case is to be reviewed, by the retention rule that applies to it
    (safelog/domain/retention.py), or what is missing to know.

    The facts: the dates of birth of the pupils in the case; for an allegation against staff
    (its category, or a concern about a member of staff), the day it was received and the
    date of birth of a member of staff recorded as the alleged perpetrator; and the day the
    case was closed. A pupil without a date of birth means no date yet, as the youngest pupil
    decides it and any other date could be too early.
    """
    try:
        category = category_by_code(fields.get("category", ""))
    except InvalidInput:
        return CaseRetention(None, "The category of this case is not known.", "Unknown category")
    people = fields.get("people")
    pupil_dobs, pupils = _dates_of_birth(people, "pupil")
    staff_dobs, _ = _dates_of_birth(people, "staff", "alleged-perpetrator")
    received = created_at.astimezone(LONDON).date()
    about_staff = category.allegation_against_staff or bool(fields.get("subjects"))
    closed_on = closed_at.astimezone(LONDON).date() if closed_at is not None else None
    if category.child_protection and len(pupil_dobs) < pupils:
        missing = pupils - len(pupil_dobs)
        whose = "the pupil" if pupils == 1 else f"{missing} of the {pupils} pupils"
        return CaseRetention(
            None,
            f"Add the date of birth of {whose} in the People tab: a child protection record "
            "is reviewed 25 years after the youngest pupil's date of birth.",
            "No review date yet: a pupil's date of birth is missing",
        )
    decision = retention_decision(
        category,
        pupil_dobs=pupil_dobs,
        allegation_date=received if about_staff else None,
        staff_dob=max(staff_dobs) if staff_dobs else None,
        closed_on=closed_on,
    )
    if decision is None:
        if category.child_protection:
            return CaseRetention(
                None,
                "Add the pupils involved, with their dates of birth, in the People tab: a "
                "child protection record is reviewed 25 years after the youngest pupil's "
                "date of birth.",
                "No review date yet: no pupil's date of birth",
            )
        return CaseRetention(
            None,
            "The case is not closed yet: it is reviewed 6 years after it is closed.",
            "No review date yet: the case is not closed",
        )
    review_on = decision.review_on
    if category.child_protection and pupil_dobs and review_on == add_years(max(pupil_dobs), 25):
        short = "Child protection: youngest pupil's birth + 25 years"
    elif about_staff and review_on == add_years(received, 10):
        short = "Allegation against staff: 10 years from the allegation"
    elif about_staff:
        short = "Allegation against staff: until retirement age"
    else:
        short = "6 years after the case was closed"
    return CaseRetention(review_on, decision.rule, short)


def _closed_at(conn: Connection, case_id: str) -> datetime | None:
    """When the case was last closed: the time of the latest version that changed its status
    (read from the signed statements, which name the fields each version set)."""
    statements = conn.execute(
        select(CaseVersionRow.statement)
        .where(CaseVersionRow.case_id == case_id)
        .order_by(CaseVersionRow.version.desc())
    ).scalars()
    for statement in statements:
        data = json.loads(statement)
        if "status" in data.get("fields", {}):
            return datetime.fromisoformat(data["at"])
    return None


def _write_summary(
    conn: Connection,
    case_id: str,
    reference: str,
    audience_id: str,
    audience: Cipher,
    version: int,
    fields: dict[str, Any],
    created_at: datetime,
    updated_at: datetime,
) -> None:
    closed_at = _closed_at(conn, case_id) if fields.get("status") == "closed" else None
    retention = case_retention(fields, created_at, closed_at)
    summary = canonical_json(
        {
            "reference": reference,
            "category": fields.get("category", ""),
            "summary": fields.get("summary", ""),
            "status": fields.get("status", ""),
            "about_headteacher": bool(fields.get("about_headteacher")),
            "escalated_to_leadership": bool(fields.get("escalated_to_leadership")),
            "reporter": fields.get("reporter", ""),
            "next_due": next_due(fields, created_at),
            "review_on": retention.review_on.isoformat() if retention.review_on else None,
            "review_rule": retention.short,
            "created_at": created_at.isoformat(),
            "updated_at": updated_at.isoformat(),
            "version": version,
        }
    )
    conn.execute(
        update(CaseRow)
        .where(CaseRow.id == case_id)
        .values(summary_ct=audience.seal(summary, _summary_aad(case_id, audience_id, version)))
    )


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


_SUMMARY_DECODER = json.JSONDecoder()


def list_cases(session: Session) -> list[CaseSummary]:
    """Every case this user can read, from the per-reader-group summaries (no public-key
    operation per case)."""
    session.ensure_open()
    ciphers = session.audience_ciphers
    out = []
    # 10,000 summaries per sign-in (DESIGN §7): the JSON decoder's scanner is called directly
    # on text (summaries have no white space to skip), and absent dates skip their parser. The
    # associated data is _summary_aad's, length-prefixed parts joined, built here from its
    # fixed start, the case id, and an end (reader group, version) that many cases share.
    from itertools import chain
    from operator import attrgetter

    from safelog.crypto.encoding import length_prefixed
    from safelog.vault.records import case_summary

    decode, scan = _SUMMARY_DECODER.decode, _SUMMARY_DECODER.raw_decode
    parse_time, parse_date = datetime.fromisoformat, date.fromisoformat
    aad_start = binding("summary")
    aad_ends: dict[tuple[str, int], bytes] = {}
    audience_of: dict[str, str] = {}
    with session.engine.connect() as conn:
        session.load_audiences(conn)  # reader groups made since sign-in (new reporters)
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
        rows = chain.from_iterable(result.partitions(500))
        for case_id, audience_id, version, summary_ct, reference in rows:
            audience_of[case_id] = audience_id
            aad_end = aad_ends.get((audience_id, version))
            if aad_end is None:
                aad_end = length_prefixed(audience_id.encode("utf-8"), str(version).encode("utf-8"))
                aad_ends[(audience_id, version)] = aad_end
            raw_id = case_id.encode("utf-8")
            aad = b"".join((aad_start, len(raw_id).to_bytes(4, "big"), raw_id, aad_end))
            try:
                raw = ciphers[audience_id].open(summary_ct, aad)
            except DecryptionFailed:
                raise TamperDetected(f"The list entry of case {reference} is damaged.") from None
            text = raw.decode("utf-8")
            try:  # the scanner alone; decode() again gives the same answer, or error, if it fails
                data, end = scan(text)
                if end != len(text):
                    raise ValueError("extra data")
            except ValueError:
                data = decode(text)
            if data["reference"] != reference:
                raise TamperDetected(f"The list entry of case {reference} belongs to another case.")
            out.append(
                case_summary(
                    id=case_id,
                    reference=reference,
                    category=data["category"],
                    summary=data["summary"],
                    status=data["status"],
                    created_at=parse_time(data["created_at"]),
                    updated_at=parse_time(data["updated_at"]),
                    about_headteacher=data["about_headteacher"],
                    reporter_id=data["reporter"],
                    escalated_to_leadership=bool(data.get("escalated_to_leadership")),
                    next_due=parse_time(due) if (due := data.get("next_due")) else None,
                    # Summaries written before review dates were kept have neither key.
                    review_on=parse_date(review) if (review := data.get("review_on")) else None,
                    review_rule=data.get("review_rule") or "",
                )
            )
    from safelog.vault.receipts import my_receipts

    with session.engine.connect() as conn:
        out = _unopened_reports_checked(session, conn, out, audience_of)
        if Role.DSL not in session.person.roles:  # a DSL reads their own reports as a DSL
            out += my_receipts(session, conn, skip={c.id for c in out})
    out.sort(key=attrgetter("updated_at"), reverse=True)
    return out


def _unopened_reports_checked(
    session: Session, conn: Connection, listed: list[CaseSummary], audience_of: dict[str, str]
) -> list[CaseSummary]:
    """A report nobody who manages cases has opened yet is still in its reporter's own
    reader group, so its list entry was written by the reporter: check its versions before
    listing it (only these few; once opened, a case's entry is written by its managers).
    One that fails is left out and named in `session.list_problems`."""
    from safelog.store.schema import AudienceRow

    session.list_problems.clear()
    # One row per reader group (a few dozen), not per case.
    group_signer = dict(
        conn.execute(
            select(AudienceRow.id, AudienceRow.signer_id).where(
                AudienceRow.id.in_(set(audience_of.values()))
            )
        ).all()
    )
    # The groups whose list entries someone who does not manage cases wrote (a reporter's
    # own group, or a group whose maker is unknown): only their cases may need a check.
    unmanaged = set()
    for audience_id, signer in group_signer.items():
        person = session.directory.people.get(signer) if signer else None
        if signer is not None and not (person is not None and MANAGERS & person.roles):
            unmanaged.add(audience_id)
    # A DSL reads every report anyway: for them only a report that claims more than a fresh
    # report (a later version, or a status other than new) needs its versions checked; the
    # words of a fresh one are the reporter's own. Anyone else checks every such report
    # they can read (e.g. a headteacher, whom a reporter might try to give a concern).
    dsl = Role.DSL in session.person.roles
    kept = []
    for summary in listed:
        fresh = summary.status == "new" and summary.updated_at == summary.created_at
        if audience_of.get(summary.id) not in unmanaged or (dsl and fresh):
            kept.append(summary)
            continue
        try:
            _read_versions(session, conn, open_case(session, conn, summary.reference))
        except TamperDetected as exc:
            session.list_problems.append(str(exc))
            continue
        kept.append(summary)
    return kept


def open_case(session: Session, conn: Connection, reference: str) -> OpenCase:
    row = conn.execute(
        select(CaseRow.__table__).where(CaseRow.reference == reference.strip().upper())
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no case {reference}.")
    audience = session.audience_ciphers.get(row.audience_id)
    if audience is None:
        session.load_audiences(conn)
        audience = session.audience_ciphers.get(row.audience_id)
    if audience is None:
        from safelog.vault.receipts import first_key_for_reporter

        first = first_key_for_reporter(session, conn, row.id)
        if first is None:
            raise AccessDenied(f"You do not have access to case {row.reference}.")
        if row.key_no != 1:
            raise ReportBeingHandled(
                f"Report {row.reference} is now being handled, so you cannot add to it; tell "
                "your DSL about anything new, or make a new report."
            )
        return OpenCase(row, {1: first})
    keys = {
        k.key_no: k.wrapped
        for k in conn.execute(
            select(CaseKeyRow.__table__).where(CaseKeyRow.case_id == row.id)
        ).all()
    }
    ciphers: dict[int, Cipher] = {}
    try:
        dek = audience.open(keys[row.key_no], _dek_aad(row.id, row.key_no, row.audience_id))
        ciphers[row.key_no] = Cipher(dek)
        for key_no in range(row.key_no - 1, 0, -1):
            dek = Cipher(dek).open(keys[key_no], _chain_aad(row.id, key_no))
            ciphers[key_no] = Cipher(dek)
    except (DecryptionFailed, KeyError):
        raise TamperDetected(f"The key that opens case {row.reference} is damaged.") from None
    return OpenCase(row, ciphers)


def _read_versions(
    session: Session, conn: Connection, case: OpenCase
) -> tuple[dict[str, Any], list[Version], bytes, dict[int, dict[str, Any]]]:
    """Verify and decrypt every version: (current fields, history, last statement,
    what each version set)."""
    row = case.row
    versions = conn.execute(
        select(CaseVersionRow.__table__)
        .where(CaseVersionRow.case_id == row.id)
        .order_by(CaseVersionRow.version)
    ).all()
    field_rows = conn.execute(
        select(CaseFieldRow.__table__).where(CaseFieldRow.case_id == row.id)
    ).all()
    by_version: dict[int, dict[str, bytes]] = {}
    for f in field_rows:
        by_version.setdefault(f.version, {})[f.field] = f.value_ct
    fields: dict[str, Any] = {}
    changes: dict[int, dict[str, Any]] = {}
    history: list[Version] = []
    prev = b""
    if len(versions) != row.head_version:
        raise TamperDetected(f"Case {row.reference} has versions missing.")
    authority = CaseAuthority(session, conn, row.reference, row.audience_id, row.id)
    log: list[tuple[str, dict[str, Any]]] = []
    for expected, v in enumerate(versions, start=1):
        where = f"case {row.reference}, version {v.version}"
        author = session.known_person(conn, v.author_id)
        if v.version != expected or author is None or not author.verifies(v.signature, v.statement):
            raise TamperDetected(f"The signature on {where} does not check out.")
        statement = json.loads(v.statement)
        if (
            statement["case_id"] != row.id
            or statement["version"] != v.version
            or statement["key_no"] != v.key_no
            or statement["prev"] != (hashlib.sha256(prev).hexdigest() if prev else "")
        ):
            raise TamperDetected(
                f"The history of case {row.reference} has been altered at version {v.version}."
            )
        stored = by_version.get(v.version, {})
        if set(stored) != set(statement["fields"]):
            raise TamperDetected(f"Fields of {where} are missing or were added.")
        cipher = case.ciphers.get(v.key_no)
        if cipher is None:
            raise TamperDetected(f"The key for {where} is missing.")
        changed: dict[str, Any] = {}
        for name, ct in stored.items():
            if hashlib.sha256(ct).hexdigest() != statement["fields"][name]:
                raise TamperDetected(f"The field '{name}' of {where} has been altered.")
            try:
                changed[name] = json.loads(cipher.open(ct, _field_aad(row.id, v.version, name)))
            except DecryptionFailed:
                raise TamperDetected(f"The field '{name}' of {where} is damaged.") from None
        authority.check_version(v.version, statement, author, fields, changed)
        fields.update(changed)
        log.append((v.author_id, {"status": fields.get("status", "new")}))
        if changed:
            changes[v.version] = changed
        history.append(
            Version(
                v.version,
                v.author_id,
                author.name,
                datetime.fromisoformat(statement["at"]),
                tuple(sorted(stored)),
                bool(statement.get("rekeyed")),
            )
        )
        prev = v.statement
    authority.finish()
    case.version_log = log
    case.audit_items = authority.items
    case.first_manager_version = authority.first_manager_version
    return fields, history, prev, changes


def show_case(session: Session, reference: str) -> CaseDetail:
    """Open and verify a whole case; the view is audited."""
    from safelog.vault.evidence import list_evidence

    session.ensure_open()
    with session.write() as conn:
        case = open_case(session, conn, reference)
        seal_from_reporter(session, conn, case)
        fields, history, _, changes = _read_versions(session, conn, case)
        evidence = list_evidence(session, conn, case)
        readers = session.audience_recipients(conn, case.row.audience_id)
        session.audit(conn, "case.view", {"reference": case.row.reference}, case=case.audit_ref())
    audience = [session.describe_recipient(slot) for slot in readers]
    return CaseDetail(case.row.id, case.row.reference, fields, history, evidence, audience, changes)


def update_case(session: Session, reference: str, changes: dict[str, Any]) -> int:
    """Add a version with the changed fields; re-key when who may read it changes.
    Returns the new version number."""
    changes = validate_changes(changes)
    if "subjects" in changes:
        changes["subjects"] = _resolve_subjects(session, changes["subjects"])
    if "status" in changes:
        requested = changes["status"]
        return amend_case(
            session,
            reference,
            lambda fields: {
                **changes,
                "status": _checked_move(fields.get("status", "new"), requested),
            },
            "case.update",
        )
    return amend_case(session, reference, lambda _fields: changes, "case.update")


def _checked_move(current: str, new: str) -> str:
    from safelog.domain.outcomes import CaseStatus, can_move

    if current != new and not can_move(CaseStatus(current), CaseStatus(new)):
        raise InvalidInput(f"A case that is {current} cannot be marked {new}.")
    return new


def amend_case(
    session: Session,
    reference: str,
    compute: Callable[[dict[str, Any]], dict[str, Any]],
    action: str,
    audit_details: dict[str, Any] | None = None,
) -> int:
    """Append a version whose changes are computed from the current fields inside the
    same transaction (so two people adding entries at once both keep theirs)."""
    session.ensure_open()
    if not MANAGERS & session.person.roles:
        raise AccessDenied(
            "A report cannot be changed once it has been sent; tell your DSL what to add."
        )
    with session.write() as conn:
        session.sync_membership(conn)
        case = open_case(session, conn, reference)
        seal_from_reporter(session, conn, case)
        fields, _, prev, _ = _read_versions(session, conn, case)
        changes = compute(fields)
        changed = {k: v for k, v in changes.items() if fields.get(k) != v}
        if not changed:
            return int(case.row.head_version)
        merged = {**fields, **changed}
        extra: dict[str, Any] = {}
        if AUDIENCE_FIELDS & changed.keys():
            plan = writer_plan(session, merged.get("reporter", session.user_id), merged)
            merged["about_headteacher"] = changed["about_headteacher"] = plan.about_headteacher
            audience_id = session.audience_for(conn, plan)
            if audience_id != case.row.audience_id:
                _rekey(session, conn, case, audience_id)
                extra = {"rekeyed": True, "audience": audience_id}
        version = commit_version(session, conn, case, merged, prev, changed, extra)
        session.audit(
            conn,
            action,
            {
                "reference": case.row.reference,
                "version": version,
                "changed": sorted(changed),
                **extra,
                **(audit_details or {}),
            },
            case=case.audit_ref(),
            item=f"v{version}",
        )
        return version


def commit_version(
    session: Session,
    conn: Connection,
    case: OpenCase,
    merged: dict[str, Any],
    prev: bytes,
    changed: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> int:
    """Append the signed version that sets `changed` (merged = the fields after it) and
    refresh the case's list summary; returns the new version number."""
    from safelog.vault.receipts import REPLIES, has_receipt, refresh_receipt

    version = int(case.row.head_version) + 1
    # Replies to the reporter are sealed with the case's first key, which the reporter holds;
    # everything else with the current key, which they never do.
    key_no = 1 if set(changed) == {REPLIES} else case.row.key_no
    _append_version(
        session,
        conn,
        case.row.id,
        case.row.reference,
        version,
        key_no,
        case.ciphers[key_no],
        changed,
        prev,
        extra or {},
    )
    if has_receipt(conn, case.row.id):
        refresh_receipt(
            conn,
            case.row.id,
            case.row.reference,
            case.ciphers[1],
            merged,
            case.row.created_at,
            session.clock(),
        )
    _write_summary(
        conn,
        case.row.id,
        case.row.reference,
        case.row.audience_id,
        session.audience_ciphers[case.row.audience_id],
        version,
        merged,
        case.row.created_at,
        session.clock(),
    )
    return version


def _rekey(session: Session, conn: Connection, case: OpenCase, audience_id: str) -> None:
    """Give the case a new data key for a new reader group; chain the old key under it."""
    row = case.row
    old_no, new_no = row.key_no, row.key_no + 1
    dek = new_key()
    new_cipher = Cipher(dek)
    old_dek_wrapped = conn.execute(
        select(CaseKeyRow.wrapped).where(CaseKeyRow.case_id == row.id, CaseKeyRow.key_no == old_no)
    ).scalar_one()
    old_dek = session.audience_ciphers[row.audience_id].open(
        old_dek_wrapped, _dek_aad(row.id, old_no, row.audience_id)
    )
    conn.execute(
        update(CaseKeyRow)
        .where(CaseKeyRow.case_id == row.id, CaseKeyRow.key_no == old_no)
        .values(wrapped=new_cipher.seal(old_dek, _chain_aad(row.id, old_no)))
    )
    conn.execute(
        insert(CaseKeyRow).values(
            case_id=row.id,
            key_no=new_no,
            wrapped=session.audience_ciphers[audience_id].seal(
                dek, _dek_aad(row.id, new_no, audience_id)
            ),
        )
    )
    conn.execute(
        update(CaseRow).where(CaseRow.id == row.id).values(audience_id=audience_id, key_no=new_no)
    )
    data = row._asdict() if hasattr(row, "_asdict") else dict(vars(row))
    case.row = SimpleNamespace(**{**data, "audience_id": audience_id, "key_no": new_no})
    case.ciphers[new_no] = new_cipher


def seal_from_reporter(session: Session, conn: Connection, case: OpenCase) -> None:
    """The first time someone who manages cases opens a report, move it to a new data key and
    a reader group of their own: the reporter made the first key and group, so nothing
    written from now on may be sealed with what they could have kept (DESIGN §3.5)."""
    if case.row.key_no != 1 or not MANAGERS & session.person.roles:
        return
    from safelog.store.schema import AudienceRow

    signer = conn.execute(
        select(AudienceRow.signer_id).where(AudienceRow.id == case.row.audience_id)
    ).scalar_one_or_none()
    if signer is None or signer == session.user_id or _holds_group(session, conn, case, signer):
        return
    fields, _, prev, _ = _read_versions(session, conn, case)
    plan = writer_plan(session, fields.get("reporter", ""), fields)
    audience_id = session.audience_for(conn, plan)
    if audience_id == case.row.audience_id:
        return
    _rekey(session, conn, case, audience_id)
    extra = {"rekeyed": True, "audience": audience_id, "sealed_from_reporter": True}
    version = commit_version(session, conn, case, fields, prev, {}, extra)
    case.row.head_version = version  # _rekey made the row a mutable copy
    session.audit(
        conn,
        "case.seal-from-reporter",
        {"reference": case.row.reference, "version": version},
        case=case.audit_ref(),
        item=f"v{version}",
    )
    case.version_log = None


def _holds_group(session: Session, conn: Connection, case: OpenCase, signer: str) -> bool:
    """Is the maker of the case's reader group one of its readers (by name or role key)?"""
    person = session.directory.people.get(signer)
    if person is None:
        return False
    for slot in session.audience_recipients(conn, case.row.audience_id):
        kind, _, rest = slot.partition(":")
        if kind == "user" and rest == signer:
            return True
        if kind == "role" and any(r.value == rest.split(":")[0] for r in person.key_roles):
            return True
    return False
