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

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from safelog.audit.actions import AuditAction
from safelog.crypto.encoding import canonical_json
from safelog.domain.access import NoOneCanRead
from safelog.domain.approvals import (
    ApprovalKind,
    NotAllowed,
    check_decision,
    check_fields,
    check_request,
    check_subject_name,
    looks_like,
    rules_for,
)
from safelog.errors import AccessDenied, InvalidInput, NotFound
from safelog.store.engine import snapshot
from safelog.store.schema import ApprovalRow
from safelog.vault.approval_reading import read_approvals
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
from safelog.vault.content_entry import check_url
from safelog.vault.session import Session

__all__ = ["Approval", "DecisionMade", "approvals", "awaiting_me", "decide", "make_request"]


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
            check_subject_name(subject_name)
            if subject is None and subject_name:
                meant = looks_like(subject_name, names_known_at(directory, None))
                if meant:
                    raise NotAllowed(
                        f"“{subject_name}” looks like {meant}, who is in SafeLog: choose them "
                        "by their name exactly as SafeLog has it, so that they cannot read it."
                    )
            check_request(rules, session.user_id, session.person.roles, subject_id, subject_name)
            plan = plan_for_request(directory, rules, session.user_id, subject_id, None)
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
    with session.write() as conn:
        request = find_approval(session, seq, conn)
        rules = request.rules
        try:
            chosen = check_decision(rules, decision, text)
        except NotAllowed as exc:
            raise InvalidInput(str(exc)) from None
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
    body_ct = cipher.seal(canonical_json(body), body_aad(seq, request_seq, audience_id))
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


# -- reading ------------------------------------------------------------------------------


def approvals(session: Session, conn: Connection | None = None) -> list[Approval]:
    """Every request this person may read, checked (vault/approval_reading.py), oldest
    first."""
    session.ensure_open()
    if conn is None:
        with snapshot(session.engine) as own:
            return read_approvals(session, own)
    return read_approvals(session, conn)


def find_approval(session: Session, seq: int, conn: Connection | None = None) -> Approval:
    for approval in approvals(session, conn):
        if approval.seq == seq:
            return approval
    raise NotFound(f"There is no request {seq} that you can read.")


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
    from safelog.vault.export import sign_printed_form

    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    if not out.parent.is_dir():
        raise InvalidInput(f"There is no folder {out.parent} to save the form in.")
    approval = find_approval(session, seq)
    rendered = render_approval_form(
        session.directory.school, approval, session.person.name, session.clock()
    )
    pdf = sign_printed_form(
        session, rendered, f"{approval.rules.form_title} (request {seq}), printed from SafeLog"
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
