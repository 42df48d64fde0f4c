"""Requests that wait for a named person's decision (domain/approvals.py): blocked content
access, family links and social contacts with pupils, monitoring or interception.

Each request is sealed with the key of a reader group made for exactly the readers its rules
give (the DSL, whoever decides, the person who asked; never a key held by the person a
monitoring request is about), signed by the person who asked, and chained to the row before
it. A decision is a row of its own, sealed for the same readers and signed by the person
who decided. An entry in the audit log names every row (and nothing of what it says), so
rows cut off the end are noticed.

Every reader checks everything again before showing a request (DESIGN §3.5): the chain, each
signature against its author's logged key, that the author was allowed to ask or to decide
at the point of the membership log the row names, that the reader group is exactly the one
the rules give, and that each request is decided at most once. A row this person cannot open
is checked as far as its ciphertext allows (its place in the chain) and not shown.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from safelog.audit.actions import AuditAction
from safelog.audit.log import highest_item_named
from safelog.crypto.aead import DecryptionFailed, binding
from safelog.crypto.encoding import canonical_json, length_prefixed
from safelog.domain.access import NoOneCanRead, UnknownSubject
from safelog.domain.approvals import (
    ApprovalKind,
    Decision,
    KindRules,
    NotAllowed,
    check_fields,
    check_request,
    deciders,
    readers,
    rules_for,
)
from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput, NotFound, TamperDetected
from safelog.store.engine import snapshot
from safelog.store.schema import ApprovalRow
from safelog.vault.authority import expected_slots
from safelog.vault.content_entry import check_url
from safelog.vault.directory import Directory
from safelog.vault.session import Session

GENESIS = b"\x00" * 32
ITEM_PREFIX = "approval:"  # what the audit entry of a row names: "approval:<seq>"
MAX_REASONS = 2000


@dataclass(frozen=True)
class DecisionMade:
    decision: Decision
    reasons: str
    by_id: str
    by_name: str
    at: datetime
    seq: int


@dataclass(frozen=True)
class Approval:
    """A request as its readers see it, checked."""

    seq: int  # its number in the register, shown as "request N"
    kind: ApprovalKind
    fields: dict[str, str]
    requester_id: str
    requester_name: str
    subject_id: str | None  # a member of SafeLog it is about (kept from reading it)
    subject_name: str  # who it is about, as written ("" when about no one)
    at: datetime
    decided_by: frozenset[Role]  # whose decision it waits for
    decision: DecisionMade | None
    pupil_id: str | None = None  # a family link's pupil, when they are on the school roll

    @property
    def rules(self) -> KindRules:
        return rules_for(self.kind)

    @property
    def status(self) -> str:
        return "awaiting decision" if self.decision is None else self.decision.decision.value


def row_hash(
    seq: int,
    prev: bytes,
    request_seq: int,
    audience_id: str,
    membership_seq: int,
    signer_id: str,
    at: datetime,
    body_ct: bytes,
) -> bytes:
    return hashlib.sha256(
        length_prefixed(
            b"safelog/v1/approval",
            str(seq).encode(),
            prev,
            str(request_seq).encode(),
            audience_id.encode(),
            str(membership_seq).encode(),
            signer_id.encode(),
            at.astimezone(UTC).isoformat().encode(),
            hashlib.sha256(body_ct).digest(),
        )
    ).digest()


def _body_aad(seq: int, request_seq: int, audience_id: str) -> bytes:
    return binding("approval", seq, request_seq, audience_id)


# -- writing ------------------------------------------------------------------------------


def make_request(
    session: Session, kind: str, fields: dict[str, str], *, about: str = ""
) -> Approval:
    """Record a request as the person signed in; `about`: the name of the person a
    monitoring request is about (a member of SafeLog, or someone without an account)."""
    session.ensure_open()
    try:
        rules = rules_for(kind)
        checked = check_fields(rules, fields)
    except NotAllowed as exc:
        raise InvalidInput(str(exc)) from None
    if rules.kind is ApprovalKind.BLOCKED_CONTENT:
        checked["url"] = check_url(checked["url"])
    pupil_id = None
    if rules.kind is ApprovalKind.FAMILY_LINK:
        pupil_id, checked["pupil"] = _on_the_roll(session, checked["pupil"])
    subject_name = " ".join(about.split())
    with session.write() as conn:
        session.reload_directory(conn)
        directory = session.directory
        subject = directory.by_name(subject_name) if subject_name else None
        subject_id = subject.id if subject else None
        try:
            check_request(rules, session.user_id, session.person.roles, subject_id, subject_name)
            plan = _plan(directory, rules, session.user_id, subject_id, None)
        except (NotAllowed, NoOneCanRead) as exc:
            raise InvalidInput(str(exc)) from None
        audience_id = session.audience_for(conn, plan)
        body = {
            "type": "request",
            "kind": rules.kind.value,
            "fields": checked,
            "requester": session.user_id,
            "subject_id": subject_id,
            "subject_name": subject.name if subject else subject_name,
            "pupil_id": pupil_id,
        }
        seq = _append(session, conn, 0, audience_id, body)
        session.audit(conn, AuditAction.APPROVAL_REQUEST, {}, item=f"{ITEM_PREFIX}{seq}")
    return find_approval(session, seq)


def decide(session: Session, seq: int, decision: str, reasons: str) -> Approval:
    """Record the decision on request `seq` as the person signed in."""
    session.ensure_open()
    text = reasons.strip()
    if len(text) > MAX_REASONS:
        raise InvalidInput(f"The reasons are longer than {MAX_REASONS} characters.")
    with session.write() as conn:
        request = find_approval(session, seq, conn)
        rules = request.rules
        try:
            chosen = Decision(decision)
        except ValueError:
            chosen = None
        if chosen not in rules.decisions:
            words = " or ".join(d.value for d in rules.decisions)
            raise InvalidInput(f"A {rules.form_title.lower()} is {words}.")
        if chosen is Decision.REFUSED and not text:
            raise InvalidInput("Give the reasons for refusing the request.")
        if request.decision is not None:
            raise InvalidInput(
                f"Request {seq} was already {request.decision.decision.value} by "
                f"{request.decision.by_name}; a decision is not changed."
            )
        if not session.person.roles & request.decided_by or session.user_id in (
            request.requester_id,
            request.subject_id,
        ):
            raise AccessDenied(f"Request {seq} is for {rules.decider_words} to decide.")
        audience_id = _audience_of(conn, seq)
        body = {"type": "decision", "decision": chosen.value, "reasons": text}
        new = _append(session, conn, seq, audience_id, body)
        session.audit(conn, AuditAction.APPROVAL_DECISION, {}, item=f"{ITEM_PREFIX}{new}")
    return find_approval(session, seq)


def _on_the_roll(session: Session, text: str) -> tuple[str | None, str]:
    """A family link's pupil found on the roll by UPN, id or their whole name (one pupil
    only): their id and name as the roll has it. Otherwise the words as typed (a former
    pupil, say), with no link."""
    from safelog.domain.roll import Pupil
    from safelog.vault.roll import load_roll

    roll = load_roll(session)
    found: list[Pupil] = []
    try:
        found = [roll.find(text)]
    except InvalidInput:
        wanted = " ".join(text.split()).casefold()
        found = [p for p in roll.search(text) if p.display_name.casefold() == wanted]
    if len(found) != 1:
        return None, text
    pupil = found[0]
    year = f" (year {pupil.year})" if pupil.year else ""
    return pupil.id, f"{pupil.display_name}{year}"


def _append(
    session: Session, conn: Connection, request_seq: int, audience_id: str, body: dict[str, Any]
) -> int:
    last = conn.execute(
        select(ApprovalRow.seq, ApprovalRow.row_hash).order_by(ApprovalRow.seq.desc())
    ).first()
    seq = 1 if last is None else int(last.seq) + 1
    prev = GENESIS if last is None else bytes(last.row_hash)
    at = session.clock()
    membership_seq = session.directory.head_seq
    cipher = session.audience_cipher(audience_id, "this request")
    body_ct = cipher.seal(canonical_json(body), _body_aad(seq, request_seq, audience_id))
    digest = row_hash(
        seq, prev, request_seq, audience_id, membership_seq, session.user_id, at, body_ct
    )
    conn.execute(
        insert(ApprovalRow).values(
            seq=seq,
            prev_hash=prev,
            row_hash=digest,
            request_seq=request_seq,
            audience_id=audience_id,
            membership_seq=membership_seq,
            signer_id=session.user_id,
            body_ct=body_ct,
            signature=session.identity.sign(digest),
            created_at=at,
        )
    )
    return seq


def _audience_of(conn: Connection, seq: int) -> str:
    row = conn.execute(select(ApprovalRow.audience_id).where(ApprovalRow.seq == seq)).first()
    if row is None:
        raise NotFound(f"There is no request {seq}.")
    return str(row.audience_id)


def _plan(
    directory: Directory,
    rules: KindRules,
    requester_id: str,
    subject_id: str | None,
    at: int | None,
) -> Any:
    return readers(
        rules,
        requester_id=requester_id,
        subject_id=subject_id,
        members=directory.active_members(at),
        subject_roles_of=directory.subject_roles(at),
        established=directory.established_roles(at),
    )


# -- reading ------------------------------------------------------------------------------


def approvals(session: Session, conn: Connection | None = None) -> list[Approval]:
    """Every request this person may read, checked, oldest first."""
    session.ensure_open()
    if conn is None:
        with snapshot(session.engine) as own:
            return approvals(session, own)
    session.reload_directory(conn)
    rows = list(conn.execute(select(ApprovalRow.__table__).order_by(ApprovalRow.seq)).all())
    _check_none_missing(conn, len(rows))
    if any(str(r.audience_id) not in session.audience_ciphers for r in rows):
        session.load_audiences(conn)  # groups made since sign-in
    reading = _Reading(session, conn)
    prev = GENESIS
    for expected, row in enumerate(rows, start=1):
        reading.check(row, expected, prev)
        prev = bytes(row.row_hash)
    return [reading.finished(r) for r in reading.requests.values()]


def find_approval(session: Session, seq: int, conn: Connection | None = None) -> Approval:
    for approval in approvals(session, conn):
        if approval.seq == seq:
            return approval
    raise NotFound(f"There is no request {seq} that you can read.")


@dataclass
class _Pending:
    request: Approval
    audience_id: str
    membership_seq: int


class _Reading:
    """Walks the rows in order, checking each as DESIGN §3.5 asks."""

    def __init__(self, session: Session, conn: Connection) -> None:
        self.session = session
        self.conn = conn
        self.requests: dict[int, _Pending] = {}
        self.kinds_of: dict[int, str] = {}  # request rows seen (opened or not)
        self.labels: dict[str, frozenset[str] | None] = {}  # reader group -> who, checked once

    def check(self, row: Any, expected: int, prev: bytes) -> None:
        where = f"Row {expected} of the register of requests"
        if int(row.seq) != expected or bytes(row.prev_hash) != prev:
            raise TamperDetected(
                f"{where} is missing or out of order: the register was altered outside "
                "SafeLog, so it is not used. Tell your DSL."
            )
        request_seq = int(row.request_seq)
        digest = row_hash(
            expected,
            prev,
            request_seq,
            str(row.audience_id),
            int(row.membership_seq),
            str(row.signer_id),
            row.created_at,
            bytes(row.body_ct),
        )
        if digest != bytes(row.row_hash):
            raise TamperDetected(f"{where} has been altered outside SafeLog; it is not used.")
        directory = self.session.directory
        signer = directory.people.get(str(row.signer_id))
        if signer is None or not signer.verifies(bytes(row.signature), digest):
            raise TamperDetected(f"The signature on {where.lower()} does not check out.")
        membership_seq = int(row.membership_seq)
        if not 1 <= membership_seq <= directory.head_seq:
            raise TamperDetected(f"{where} names a point of the membership log that is not there.")
        if request_seq == 0:
            self.kinds_of[expected] = "request"
        elif self.kinds_of.get(request_seq) != "request":
            raise TamperDetected(f"{where} decides a request that is not in the register.")
        cipher = self.session.audience_ciphers.get(str(row.audience_id))
        if cipher is None:
            return  # not for this person: its place in the chain is all they can check
        try:
            body = json.loads(
                cipher.open(
                    bytes(row.body_ct), _body_aad(expected, request_seq, str(row.audience_id))
                )
            )
        except (DecryptionFailed, ValueError):
            raise TamperDetected(f"{where} is damaged and cannot be opened.") from None
        if request_seq == 0:
            self._request(row, expected, body, where)
        else:
            self._decision(row, expected, request_seq, body, where)

    def _request(self, row: Any, seq: int, body: dict[str, Any], where: str) -> None:
        directory = self.session.directory
        at = int(row.membership_seq)
        signer = directory.people[str(row.signer_id)]
        try:
            if body.get("type") != "request" or body.get("requester") != signer.id:
                raise NotAllowed("it does not say it was asked by the person who signed it")
            rules = rules_for(str(body.get("kind")))
            fields = check_fields(rules, dict(body.get("fields") or {}))
            subject_id = body.get("subject_id")
            if subject_id is not None and str(subject_id) not in directory.people:
                raise NotAllowed("it is about someone SafeLog has no record of")
            subject_id = str(subject_id) if subject_id is not None else None
            subject_name = str(body.get("subject_name") or "")
            if subject_id is None and subject_name and directory.by_name(subject_name):
                raise NotAllowed("it names a member of SafeLog without keeping them from it")
            check_request(rules, signer.id, signer.roles_at(at), subject_id, subject_name)
            plan = _plan(directory, rules, signer.id, subject_id, at)
        except (NotAllowed, NoOneCanRead, UnknownSubject, TypeError, ValueError) as exc:
            raise TamperDetected(f"{where} is not accepted: {exc}.") from None
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
            pupil_id=_text_or_none(body.get("pupil_id")),
        )
        self.requests[seq] = _Pending(request, str(row.audience_id), at)

    def _check_readers(
        self, audience_id: str, directory: Directory, plan: Any, at: int, where: str
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
            chosen = Decision(str(body.get("decision")))
        except ValueError:
            chosen = None
        reasons = body.get("reasons")
        if (
            body.get("type") != "decision"
            or chosen not in request.rules.decisions
            or not isinstance(reasons, str)
            or at < pending.membership_seq
        ):
            raise TamperDetected(f"{where} is not a decision SafeLog could have written.")
        if not signer.roles_at(at) & request.decided_by or signer.id in (
            request.requester_id,
            request.subject_id,
        ):
            raise TamperDetected(
                f"{where} was signed by {signer.name}, who was not the person to decide "
                f"request {request_seq} ({request.rules.decider_words}): it is not accepted."
            )
        made = DecisionMade(chosen, reasons, signer.id, signer.name, row.created_at, seq)
        pending.request = _with_decision(request, made)

    def finished(self, pending: _Pending) -> Approval:
        return pending.request


def _text_or_none(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TamperDetected("A request in the register is not one SafeLog could have written.")
    return value


def _with_decision(request: Approval, made: DecisionMade) -> Approval:
    return replace(request, decision=made)


def _check_none_missing(conn: Connection, held: int) -> None:
    """The audit log names every row: fewer rows than it names is a register cut short."""
    named = highest_item_named(conn, ITEM_PREFIX)
    if named > held:
        raise TamperDetected(
            f"The audit log records {named} requests and decisions but only {held} are in the "
            "database: the register was cut short outside SafeLog. It is not used."
        )


def links_with_pupil(session: Session, pupil_id: str) -> list[Approval]:
    """The family links and social contacts with this pupil that this person may read."""
    return [
        a
        for a in approvals(session)
        if a.kind is ApprovalKind.FAMILY_LINK and a.pupil_id == pupil_id
    ]


def awaiting_me(session: Session) -> list[Approval]:
    """Requests waiting for this person's decision (for the inbox)."""
    mine = session.person.roles
    return [
        a
        for a in approvals(session)
        if a.decision is None
        and a.decided_by & mine
        and session.user_id not in (a.requester_id, a.subject_id)
    ]


def print_approval(session: Session, seq: int, out: Path) -> str:
    """Request `seq` as its printable form (export/approval_form.py), saved atomically and
    audited with its SHA-256 (and nothing of what it says). Returns the SHA-256."""
    from safelog.export.approval_form import render_approval_form
    from safelog.store.files import write_atomically

    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    if not out.parent.is_dir():
        raise InvalidInput(f"There is no folder {out.parent} to save the form in.")
    approval = find_approval(session, seq)
    pdf = render_approval_form(
        session.directory.school, approval, session.person.name, session.clock()
    )
    digest = write_atomically(out, pdf)
    try:
        with session.write() as conn:
            session.audit(
                conn,
                AuditAction.APPROVAL_PRINT,
                {"sha256": digest},  # no file name: it may say who a request is about
                item=f"{ITEM_PREFIX}{seq}",
            )
    except BaseException:
        out.unlink(missing_ok=True)  # a printout that could not be recorded is not left
        raise
    return digest
