"""Reading the register of requests (vault/approvals.py): every reader checks every row again
before showing anything (DESIGN §3.5).

For each row: its place in the chain; its signature, under a key its author held at the
point of the membership log the row names (a key retired by a reset signs nothing later);
the audit log entry that names it, which must give the same author and membership point, at
about the same time (a row no entry names, or backdated to an earlier point of the
membership log, is refused); then, for the rows this person can open: that the body is one
SafeLog writes, every field checked as the writer checks it; that the author could ask (or
decide) at that point; that it is sealed for exactly the readers the rules give; that a
request is decided at most once, never before it was made, and never by the person who
asked or the person it is about. A row this person cannot open is checked as far as its
ciphertext allows and not shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from safelog.audit.log import parse_item_ref
from safelog.crypto.aead import DecryptionFailed
from safelog.domain.access import AudiencePlan, NoOneCanRead, UnknownSubject
from safelog.domain.approvals import (
    ApprovalKind,
    NotAllowed,
    check_decision,
    check_fields,
    check_request,
    check_subject_name,
    deciders,
    looks_like,
    rules_for,
)
from safelog.errors import InvalidInput, TamperDetected
from safelog.store.schema import ApprovalRow, AuditRow
from safelog.vault.approval_rows import (
    GENESIS,
    ITEM_PREFIX,
    Approval,
    DecisionMade,
    body_aad,
    names_known_at,
    plan_for_request,
    row_hash,
)
from safelog.vault.authority import expected_slots
from safelog.vault.content_entry import check_url
from safelog.vault.directory import Directory
from safelog.vault.session import Session

# How far a row's time may be from its audit entry's: they are written in one transaction.
CLOCK_SLACK = timedelta(minutes=10)


def read_approvals(session: Session, conn: Connection) -> list[Approval]:
    """Every request this person may read, checked, oldest first."""
    session.reload_directory(conn)
    rows = list(conn.execute(select(ApprovalRow.__table__).order_by(ApprovalRow.seq)).all())
    entries = _audit_entries(conn)
    named = max(entries, default=0)  # the highest row the audit log names
    if named > len(rows):
        raise TamperDetected(
            f"The audit log records {named} requests and decisions but only {len(rows)} are "
            "in the database: the register was cut short outside SafeLog. It is not used."
        )
    if any(str(r.audience_id) not in session.audience_ciphers for r in rows):
        session.load_audiences(conn)  # groups made since sign-in
    reading = _Reading(session, conn, entries)
    prev = GENESIS
    for expected, row in enumerate(rows, start=1):
        reading.check(row, expected, prev)
        prev = bytes(row.row_hash)
    return [pending.request for pending in reading.requests.values()]


@dataclass(frozen=True)
class _Named:
    """The first audit entry naming a row: who wrote it, under which point, when."""

    actor_id: str
    point: int | None
    at: datetime


def _audit_entries(conn: Connection) -> dict[int, _Named]:
    rows = conn.execute(
        select(AuditRow.item_ref, AuditRow.actor_id, AuditRow.created_at)
        .where(AuditRow.case_id.is_(None), AuditRow.item_ref.like(f"{ITEM_PREFIX}%"))
        .order_by(AuditRow.seq)
    ).all()
    found: dict[int, _Named] = {}
    for ref, actor, at in rows:
        item, point = parse_item_ref(ref)
        number = item.removeprefix(ITEM_PREFIX)
        if number.isdigit() and int(number) not in found:
            found[int(number)] = _Named(str(actor), point, at)
    return found


@dataclass
class _Pending:
    request: Approval
    audience_id: str
    membership_seq: int


class _Reading:
    def __init__(self, session: Session, conn: Connection, named: dict[int, _Named]) -> None:
        self.session = session
        self.conn = conn
        self.named = named
        self.requests: dict[int, _Pending] = {}
        self.request_rows: set[int] = set()  # request rows seen (opened or not)
        self.labels: dict[str, frozenset[str] | None] = {}  # reader group -> who, checked once

    def check(self, row: Any, expected: int, prev: bytes) -> None:
        where = f"Row {expected} of the register of requests"
        if int(row.seq) != expected or bytes(row.prev_hash) != prev:
            raise TamperDetected(
                f"{where} is missing or out of order: the register was altered outside "
                "SafeLog, so it is not used. Tell your DSL."
            )
        request_seq = int(row.request_seq)
        point = int(row.membership_seq)
        digest = row_hash(
            expected,
            prev,
            request_seq,
            str(row.audience_id),
            point,
            str(row.signer_id),
            row.created_at,
            bytes(row.body_ct),
        )
        if digest != bytes(row.row_hash):
            raise TamperDetected(f"{where} has been altered outside SafeLog; it is not used.")
        directory = self.session.directory
        signer = directory.people.get(str(row.signer_id))
        if not 1 <= point <= directory.head_seq:
            raise TamperDetected(f"{where} names a point of the membership log that is not there.")
        if signer is None or not signer.verifies_at(bytes(row.signature), digest, point):
            raise TamperDetected(f"The signature on {where.lower()} does not check out.")
        self._check_audit_entry(expected, signer.id, point, row.created_at, where)
        if request_seq == 0:
            self.request_rows.add(expected)
        elif request_seq not in self.request_rows:
            raise TamperDetected(f"{where} decides a request that is not in the register.")
        cipher = self.session.audience_ciphers.get(str(row.audience_id))
        if cipher is None:
            # Not for this person. That its group's key slots are all still there is what
            # they can check (a row whose slots were deleted would vanish from its readers'
            # lists unnoticed otherwise).
            if row.audience_id not in self.labels:
                self.session.audience_slot_count(self.conn, str(row.audience_id))
                self.labels[str(row.audience_id)] = None
            return
        try:
            body = json.loads(
                cipher.open(bytes(row.body_ct), body_aad(expected, request_seq, row.audience_id))
            )
        except (DecryptionFailed, ValueError, RecursionError):
            raise TamperDetected(f"{where} is damaged and cannot be opened.") from None
        if not isinstance(body, dict):
            raise TamperDetected(f"{where} is not one SafeLog could have written.")
        if request_seq == 0:
            self._request(row, expected, body, where)
        else:
            self._decision(row, expected, request_seq, body, where)

    def _check_audit_entry(
        self, seq: int, signer_id: str, point: int, at: datetime, where: str
    ) -> None:
        named = self.named.get(seq)
        if named is None or named.actor_id != signer_id or named.point != point:
            raise TamperDetected(
                f"{where} is not the one the audit log records (its author or the point of "
                "the membership log it names differs, or no entry names it): it is not used."
            )
        if abs(named.at - at) > CLOCK_SLACK:
            raise TamperDetected(f"{where} is dated away from its audit log entry: not used.")

    def _request(self, row: Any, seq: int, body: dict[str, Any], where: str) -> None:
        directory = self.session.directory
        at = int(row.membership_seq)
        signer = directory.people[str(row.signer_id)]
        try:
            if body.get("type") != "request" or body.get("requester") != signer.id:
                raise NotAllowed("it does not say it was asked by the person who signed it")
            rules = rules_for(str(body.get("kind")))
            fields = check_fields(rules, _mapping(body.get("fields")))
            if rules.kind is ApprovalKind.BLOCKED_CONTENT:
                check_url(fields["url"])
            subject_id, subject_name = _subject(directory, body, at)
            check_request(rules, signer.id, signer.roles_at(at), subject_id, subject_name)
            plan = plan_for_request(directory, rules, signer.id, subject_id, at)
            pupil_id = body.get("pupil_id")
            if pupil_id is not None and not isinstance(pupil_id, str):
                raise NotAllowed("its pupil is not an id")
        except (NotAllowed, InvalidInput, NoOneCanRead, UnknownSubject, TypeError) as exc:
            raise TamperDetected(f"{where} is not accepted: {exc}") from None
        self._check_readers(str(row.audience_id), directory, plan, at, where)
        subject_roles = directory.people[subject_id].roles_at(at) if subject_id else frozenset()
        request = Approval(
            seq=seq,
            kind=rules.kind,
            fields=fields,
            requester_id=signer.id,
            requester_name=signer.name,
            subject_id=subject_id,
            subject_name=subject_name,
            at=row.created_at,
            decided_by=deciders(rules, signer.roles_at(at), subject_roles),
            decision=None,
            pupil_id=pupil_id,
        )
        self.requests[seq] = _Pending(request, str(row.audience_id), at)

    def _check_readers(
        self, audience_id: str, directory: Directory, plan: AudiencePlan, at: int, where: str
    ) -> None:
        expected = expected_slots(directory, plan, at)
        if audience_id not in self.labels:  # many requests share a reader group
            found = self.session.audience_recipients(self.conn, audience_id)
            self.labels[audience_id] = None if found is None else frozenset(found)
        labels = self.labels[audience_id]
        if labels is None or labels != expected:
            raise TamperDetected(
                f"{where} was sealed for readers other than the ones the rules give (someone "
                "may have tried to let the person it is about read it): it is not accepted."
            )

    def _decision(
        self, row: Any, seq: int, request_seq: int, body: dict[str, Any], where: str
    ) -> None:
        pending = self.requests.get(request_seq)
        if pending is None or str(row.audience_id) != pending.audience_id:
            raise TamperDetected(f"{where} was not sealed for the readers of its request.")
        request = pending.request
        signer = self.session.directory.people[str(row.signer_id)]
        at = int(row.membership_seq)
        if request.decision is not None:
            raise TamperDetected(f"{where} decides request {request_seq} a second time.")
        try:
            if body.get("type") != "decision":
                raise NotAllowed("it is not a decision")
            chosen = check_decision(request.rules, body.get("decision"), body.get("reasons"))
        except NotAllowed as exc:
            raise TamperDetected(f"{where} is not accepted: {exc}") from None
        if at < pending.membership_seq or row.created_at < request.at:
            raise TamperDetected(f"{where} says it was decided before the request was made.")
        if not signer.roles_at(at) & request.decided_by or signer.id in (
            request.requester_id,
            request.subject_id,
        ):
            raise TamperDetected(
                f"{where} was signed by {signer.name}, who was not the person to decide "
                f"request {request_seq} ({request.rules.decider_words}): it is not accepted."
            )
        reasons = str(body.get("reasons"))
        made = DecisionMade(chosen, reasons, signer.id, signer.name, row.created_at, seq)
        pending.request = replace(request, decision=made)


def _mapping(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise NotAllowed("its fields are not a form's")
    return value


def _subject(directory: Directory, body: dict[str, Any], at: int) -> tuple[str | None, str]:
    """Who the request is about: a member by id (their name as the log has it), or a name
    that was nobody's in SafeLog when it was written."""
    subject_id = body.get("subject_id")
    name = body.get("subject_name") or ""
    if not isinstance(name, str) or (subject_id is not None and not isinstance(subject_id, str)):
        raise NotAllowed("who it is about is not written as SafeLog writes it")
    if subject_id is not None:
        person = directory.people.get(subject_id)
        if person is None or name != person.name:
            raise NotAllowed("it is about someone SafeLog has no record of, or misnames them")
        return subject_id, person.name
    check_subject_name(name)
    if name and looks_like(name, names_known_at(directory, at)):
        raise NotAllowed("it names a member of SafeLog without keeping them from it")
    return None, name
