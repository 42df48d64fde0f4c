"""Attacks on the requests that wait for a decision (safelog/vault/approvals.py): blocked
content (003 7.5), family links (000 6.7-6.9) and monitoring (002 7.4), against the promises
of DESIGN §3 and §3.5.

The attacker runs their own client (Python calling safelog's internals with their own
session and keys: `forge` below is `approvals._append` without its checks, with every field
of the row theirs to choose) or edits the database. Every reader must re-check and either
show what was genuinely allowed or say "tampering" in plain words (TamperDetected); never
show forged content as genuine, never crash. The person a monitoring request is about must
never read it, even with the database file and their own keys.

Tests marked xfail(strict=True) are findings: the promise does not hold today. Each says
what is wrong in its reason; the report of the attack-approvals branch says how to fix it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from offline_keys import open_keyring, user_identity
from sqlalchemy import Connection, delete, insert, select, update
from support.cli import run_in_process
from support.school import PASSPHRASES, School, build_school

from safelog.crypto.aead import Cipher, DecryptionFailed
from safelog.crypto.encoding import canonical_json
from safelog.crypto.identity import Identity
from safelog.domain.approvals import KINDS, MAX_REASONS, ApprovalKind, readers
from safelog.domain.roles import Role
from safelog.errors import (
    AccessDenied,
    InvalidInput,
    NotFound,
    RollbackDetected,
    TamperDetected,
    UserFacingError,
)
from safelog.store.engine import DB_FILE_NAME, sqlite_url
from safelog.store.schema import ApprovalRow, AuditRow, MembershipRow
from safelog.vault import approval_rows as approvals_module
from safelog.vault.approval_rows import GENESIS, row_hash
from safelog.vault.approvals import (
    approvals,
    decide,
    find_approval,
    make_request,
    print_approval,
)
from safelog.vault.vault import Vault

BLOCKED = {
    "url": "https://example.org/lesson",
    "site_content": "a video for a Year 9 lesson",
    "reasons": "the video is needed for a history lesson",
    "risks": "watched with the class, sound checked beforehand",
}
FAMILY = {
    "pupil": "Jessica Adams",
    "relationship": "family member",
    "details": "she is my niece; no contact on social media",
}
MONITOR = {
    "scope": "school e-mail account",
    "grounds": "messages sent to a pupil at night",
    "discussion": "HR, ICT and audit services on 1 December",
    "assessment": "proportionate: the messages may be a crime",
}
SECRET_WORD = "nightmessages"  # in the monitoring request only, to look for it in the clear
MONITOR_SECRET = {**MONITOR, "grounds": f"{SECRET_WORD} sent to a pupil"}


# -- helpers ------------------------------------------------------------------------------


def unlock(school: School, name: str) -> Any:
    return school.unlock(name)


def read_as(school: School, name: str) -> list[Any]:
    """What `name` sees of the register after a fresh sign-in, as a reader would."""
    session = unlock(school, name)
    try:
        return approvals(session)
    finally:
        session.lock()


def read_outcome(school: School, name: str) -> Any:
    """The register as `name` sees it, or the UserFacingError they are shown. Anything else
    escaping is a crash and fails the test."""
    try:
        return read_as(school, name)
    except UserFacingError as exc:
        return exc


def engine_of(school: School) -> Any:
    return school.vault.engine  # type: ignore[attr-defined]


def last_row(conn: Connection) -> Any:
    return conn.execute(
        select(ApprovalRow.__table__).order_by(ApprovalRow.seq.desc()).limit(1)
    ).one()


def row_of(conn: Connection, seq: int) -> Any:
    return conn.execute(select(ApprovalRow.__table__).where(ApprovalRow.seq == seq)).one()


def monitoring_body(requester_id: str, school: School, about: str) -> dict[str, Any]:
    """The body a monitoring request about the member `about` has, as SafeLog writes it."""
    return {
        "type": "request",
        "kind": "monitoring",
        "fields": MONITOR,
        "requester": requester_id,
        "subject_id": school.ids[about],
        "subject_name": about,
    }


def forge(
    conn: Connection,
    *,
    cipher: Cipher,
    identity: Identity,
    signer_id: str,
    request_seq: int,
    audience_id: str,
    body: Any,
    membership_seq: int,
    at: datetime,
    raw_body: bytes | None = None,
) -> int:
    """A row written by an attacker's own client: `_append` with every check skipped and
    every field chosen; sealed and signed properly with the attacker's own keys."""
    last = conn.execute(
        select(ApprovalRow.seq, ApprovalRow.row_hash).order_by(ApprovalRow.seq.desc())
    ).first()
    seq = 1 if last is None else int(last.seq) + 1
    prev = GENESIS if last is None else bytes(last.row_hash)
    plain = raw_body if raw_body is not None else canonical_json(body)
    body_ct = cipher.seal(plain, approvals_module.body_aad(seq, request_seq, audience_id))
    digest = row_hash(seq, prev, request_seq, audience_id, membership_seq, signer_id, at, body_ct)
    conn.execute(
        insert(ApprovalRow).values(
            seq=seq,
            prev_hash=prev,
            row_hash=digest,
            request_seq=request_seq,
            audience_id=audience_id,
            membership_seq=membership_seq,
            signer_id=signer_id,
            body_ct=body_ct,
            signature=identity.sign(digest),
            created_at=at,
        )
    )
    return seq


def forge_as(
    session: Any,
    request_seq: int,
    audience_id: str,
    body: Any,
    *,
    membership_seq: int | None = None,
    at: datetime | None = None,
    raw_body: bytes | None = None,
    audited: bool = True,
) -> int:
    """`forge` by a signed-in member, with the reader-group key their session holds, and the
    audit entry naming the row that their client writes as SafeLog's does (the entry's
    membership point is the log's head: backdating it is refused at every sign-in)."""
    with session.write() as conn:
        session.reload_directory(conn)
        seq = forge(
            conn,
            cipher=session.audience_ciphers[audience_id],
            identity=session.identity,
            signer_id=session.user_id,
            request_seq=request_seq,
            audience_id=audience_id,
            body=body,
            membership_seq=membership_seq or session.directory.head_seq,
            at=at or session.clock(),
            raw_body=raw_body,
        )
        if audited:
            session.audit(conn, "approval.request", {}, item=f"approval:{seq}")
        return seq


@dataclass
class Offline:
    """What a person holds with the database file and their own passphrase, no session."""

    user_id: str
    identity: Identity
    audiences: dict[str, bytes]


def offline(school: School, name: str) -> Offline:
    with engine_of(school).connect() as conn:
        identity = user_identity(conn, name, PASSPHRASES[name])
        ring = open_keyring(conn, [identity.x25519])
    return Offline(school.ids[name], identity, ring.audiences)


def opens(key: bytes, row: Any) -> bool:
    aad = approvals_module.body_aad(int(row.seq), int(row.request_seq), str(row.audience_id))
    try:
        Cipher(key).open(bytes(row.body_ct), aad)
    except DecryptionFailed:
        return False
    return True


def assert_refused(outcome: Any) -> None:
    assert isinstance(outcome, TamperDetected), f"accepted as genuine: {outcome!r}"
    words = str(outcome)  # plain words: one sentence or two, no internals
    assert 20 < len(words) < 400 and "\n" not in words and "Traceback" not in words, words
    assert "register" in words or "reader" in words or "case" in words, words


def blocked_request_by_sam(school: School) -> Any:
    sam = unlock(school, "Sam Staff")
    try:
        return make_request(sam, "blocked-content", dict(BLOCKED))
    finally:
        sam.lock()


def monitoring_by_dana(school: School, about: str, fields: dict[str, str] = MONITOR) -> Any:
    dana = unlock(school, "Dana DSL")
    try:
        return make_request(dana, "monitoring", dict(fields), about=about)
    finally:
        dana.lock()


# -- the person a monitoring request is about ---------------------------------------------


@pytest.mark.parametrize("subject", ["Sam Staff", "Hugh Head", "Chris Chair", "Dana DSL"])
def test_subject_cannot_open_monitoring_request_with_db_and_own_keys(
    school: School, subject: str
) -> None:
    """The subject takes the database file and their own passphrase and tries every key it
    leads them to (own key, every role key, every reader-group key) on every row."""
    asker = "Hugh Head" if subject == "Dana DSL" else "Dana DSL"
    session = unlock(school, asker)
    made = make_request(session, "monitoring", dict(MONITOR_SECRET), about=subject)
    session.lock()
    chair = unlock(school, "Chris Chair")
    if subject != "Chris Chair":  # about the chair: the trust CEO decides (none here)
        decide(chair, made.seq, "approved", f"{SECRET_WORD}: approved")
    chair.lock()
    own = offline(school, subject)
    with engine_of(school).connect() as conn:
        rows = conn.execute(select(ApprovalRow.__table__)).all()
    mine = [r for r in rows if r.seq == made.seq or r.request_seq == made.seq]
    assert mine
    for row in mine:
        assert not any(opens(key, row) for key in own.audiences.values()), (
            f"{subject} opened row {row.seq} of a monitoring request about them"
        )
    # ... and their own SafeLog shows nothing of it, by number or in the list.
    session = unlock(school, subject)
    try:
        assert all(a.seq != made.seq for a in approvals(session))
        with pytest.raises(NotFound):
            find_approval(session, made.seq)
        with pytest.raises(NotFound):
            print_approval(session, made.seq, school.vault.data_dir / "x.pdf")  # type: ignore[attr-defined]
        with pytest.raises((NotFound, AccessDenied)):
            decide(session, made.seq, "refused", "not me")
    finally:
        session.lock()


def test_secret_words_never_in_the_database_file(school: School) -> None:
    monitoring_by_dana(school, "Sam Staff", MONITOR_SECRET)
    data_dir = Path(school.vault.data_dir)  # type: ignore[attr-defined]
    if not (data_dir / DB_FILE_NAME).exists():
        pytest.skip("SQLite only")
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert SECRET_WORD.encode() not in path.read_bytes(), path.name


@pytest.mark.xfail(
    strict=True,
    reason="FINDING: least metadata: approvals.signer_id, request_seq and created_at are in "
    "the clear, so a database reader (or the head as subject) learns who asked, that the "
    "chair decided it and when; DSL-asked + chair-decided means a monitoring request",
)
def test_db_reader_cannot_tell_who_asked_or_who_decided(school: School) -> None:
    made = monitoring_by_dana(school, "Hugh Head")
    chair = unlock(school, "Chris Chair")
    decide(chair, made.seq, "approved", "proportionate")
    chair.lock()
    hugh = offline(school, "Hugh Head")
    with engine_of(school).connect() as conn:
        rows = conn.execute(select(ApprovalRow.__table__)).all()
    unopened = [r for r in rows if not any(opens(k, r) for k in hugh.audiences.values())]
    assert unopened  # the head cannot read them (held above)
    # What Hugh (or anyone with the file) reads without a key about those rows:
    clear = {str(r.signer_id) for r in unopened} | {str(r.request_seq) for r in unopened}
    assert school.ids["Dana DSL"] not in clear, "who asked is readable without a key"
    assert school.ids["Chris Chair"] not in clear, "who decided is readable without a key"


# -- the subject named in other words -----------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["Mr Hugh Head", "Hugh Head\u200b", "Hugh H\u0435ad"],  # title; zero-width; Cyrillic e
    ids=["title", "zero-width", "lookalike"],
)
def test_head_cannot_read_request_that_names_him_in_other_words(
    school: School, written: str
) -> None:
    try:
        made = monitoring_by_dana(school, written)
    except InvalidInput:
        return  # refused in plain words: held
    assert all(a.seq != made.seq for a in read_as(school, "Hugh Head"))


def test_subject_name_must_match_the_excluded_member(school: School) -> None:
    genuine = monitoring_by_dana(school, "Sam Staff")
    dana = unlock(school, "Dana DSL")
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, genuine.seq).audience_id)
    body = {
        "type": "request",
        "kind": "monitoring",
        "fields": MONITOR,
        "requester": school.ids["Dana DSL"],
        "subject_id": school.ids["Sam Staff"],
        "subject_name": "Hugh Head",
    }
    forged = forge_as(dana, 0, audience, body)
    dana.lock()
    outcome = read_outcome(school, "Chris Chair")
    if isinstance(outcome, TamperDetected):
        return
    shown = next(a for a in outcome if a.seq == forged)
    assert shown.subject_name == "Sam Staff"


# -- decisions by the wrong person, twice, or backdated ------------------------------------


def test_head_cannot_decide_monitoring_request_with_own_client(school: School) -> None:
    made = monitoring_by_dana(school, "Sam Staff")
    hugh = unlock(school, "Hugh Head")
    with pytest.raises(AccessDenied):
        decide(hugh, made.seq, "approved", "")
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
    forge_as(hugh, made.seq, audience, {"type": "decision", "decision": "approved", "reasons": ""})
    hugh.lock()
    for reader in ("Dana DSL", "Chris Chair", "Hugh Head"):
        assert_refused(read_outcome(school, reader))


def test_dsl_cannot_decide_blocked_content_with_own_client(school: School) -> None:
    made = blocked_request_by_sam(school)
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
    dana = unlock(school, "Dana DSL")
    forge_as(dana, made.seq, audience, {"type": "decision", "decision": "approved", "reasons": ""})
    dana.lock()
    for reader in ("Hugh Head", "Sam Staff", "Dana DSL"):
        assert_refused(read_outcome(school, reader))


def test_head_cannot_decide_own_blocked_content_request(school: School) -> None:
    hugh = unlock(school, "Hugh Head")
    made = make_request(hugh, "blocked-content", dict(BLOCKED))
    assert made.decided_by == frozenset({Role.CHAIR})
    with pytest.raises(AccessDenied):
        decide(hugh, made.seq, "approved", "")
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
    forge_as(hugh, made.seq, audience, {"type": "decision", "decision": "approved", "reasons": ""})
    hugh.lock()
    assert_refused(read_outcome(school, "Chris Chair"))


def test_acknowledgement_kind_cannot_be_approved(school: School) -> None:
    sam = unlock(school, "Sam Staff")
    made = make_request(sam, "family-link", dict(FAMILY))
    sam.lock()
    hugh = unlock(school, "Hugh Head")
    with pytest.raises(InvalidInput):
        decide(hugh, made.seq, "approved", "")
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
    forge_as(hugh, made.seq, audience, {"type": "decision", "decision": "approved", "reasons": ""})
    hugh.lock()
    assert_refused(read_outcome(school, "Sam Staff"))


def test_second_decision_never_overrides_the_first(school: School) -> None:
    made = blocked_request_by_sam(school)
    hugh = unlock(school, "Hugh Head")
    decide(hugh, made.seq, "refused", "not suitable for Year 9")
    with pytest.raises(InvalidInput, match="already refused"):
        decide(hugh, made.seq, "approved", "changed my mind")
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
    forge_as(hugh, made.seq, audience, {"type": "decision", "decision": "approved", "reasons": ""})
    hugh.lock()
    for reader in ("Sam Staff", "Dana DSL", "Hugh Head"):
        outcome = read_outcome(school, reader)
        assert_refused(outcome)


def test_decision_cannot_decide_a_decision_or_a_later_request(school: School) -> None:
    made = blocked_request_by_sam(school)
    hugh = unlock(school, "Hugh Head")
    decide(hugh, made.seq, "approved", "fine")
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
        decision_seq = int(last_row(conn).seq)
    forge_as(
        hugh, decision_seq, audience, {"type": "decision", "decision": "approved", "reasons": ""}
    )
    hugh.lock()
    assert_refused(read_outcome(school, "Sam Staff"))


def test_decision_sealed_for_other_readers_refused(school: School) -> None:
    """The head decides Sam's request but seals the decision for a group Sam is not in."""
    made = blocked_request_by_sam(school)
    other = monitoring_by_dana(school, "Tess Teacher")
    with engine_of(school).connect() as conn:
        wrong = str(row_of(conn, other.seq).audience_id)
    hugh = unlock(school, "Hugh Head")
    forge_as(hugh, made.seq, wrong, {"type": "decision", "decision": "approved", "reasons": ""})
    hugh.lock()
    assert_refused(read_outcome(school, "Dana DSL"))


def removed_head_forges(school: School, body_of: Any, *, request_seq: int) -> int:
    """Hugh is taken out of SafeLog; with the database file and his own passphrase he writes
    a row naming the point of the membership log at which he was still the head."""
    with engine_of(school).connect() as conn:
        target = row_of(conn, request_seq)
    dana = unlock(school, "Dana DSL")
    school.vault.remove_user(dana, "Hugh Head")  # type: ignore[attr-defined]
    dana.lock()
    unlock(school, "Dana DSL").lock()  # a new epoch of the keys he held
    hugh = offline(school, "Hugh Head")
    key = hugh.audiences[str(target.audience_id)]  # he held it while he was head
    with engine_of(school).begin() as conn:
        return forge(
            conn,
            cipher=Cipher(key),
            identity=hugh.identity,
            signer_id=hugh.user_id,
            request_seq=body_of[0],
            audience_id=str(target.audience_id),
            body=body_of[1],
            membership_seq=int(target.membership_seq),  # backdated: he was head then
            at=datetime.fromisoformat("2026-11-20T10:05:00+00:00"),
        )


def test_removed_head_cannot_decide_later(school: School) -> None:
    made = blocked_request_by_sam(school)
    decision = {"type": "decision", "decision": "approved", "reasons": "fine"}
    removed_head_forges(school, (made.seq, decision), request_seq=made.seq)
    outcome = read_outcome(school, "Dana DSL")
    if isinstance(outcome, TamperDetected):
        return
    shown = next(a for a in outcome if a.seq == made.seq)
    assert shown.decision is None, f"accepted: {shown.decision}"


def test_removed_head_cannot_file_new_request(school: School) -> None:
    hugh = unlock(school, "Hugh Head")
    first = make_request(hugh, "monitoring", dict(MONITOR), about="Sam Staff")
    hugh.lock()
    body = {
        "type": "request",
        "kind": "monitoring",
        "fields": {**MONITOR, "grounds": "filed after I was removed"},
        "requester": school.ids["Hugh Head"],
        "subject_id": school.ids["Tess Teacher"],
        "subject_name": "Tess Teacher",
    }
    forged = removed_head_forges(school, (0, body), request_seq=first.seq)
    outcome = read_outcome(school, "Chris Chair")
    if isinstance(outcome, TamperDetected):
        return
    assert all(a.seq != forged for a in outcome), "a removed member's new request shown"


def test_row_not_recorded_in_the_audit_log_refused(school: School) -> None:
    made = blocked_request_by_sam(school)
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
    hugh = unlock(school, "Hugh Head")
    decision = {"type": "decision", "decision": "approved", "reasons": ""}
    forge_as(hugh, made.seq, audience, decision, audited=False)
    hugh.lock()
    assert_refused(read_outcome(school, "Sam Staff"))


def test_decision_cannot_be_dated_before_its_request(school: School) -> None:
    made = blocked_request_by_sam(school)
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
    hugh = unlock(school, "Hugh Head")
    forge_as(
        hugh,
        made.seq,
        audience,
        {"type": "decision", "decision": "approved", "reasons": "fine"},
        at=made.at - timedelta(days=30),
    )
    hugh.lock()
    outcome = read_outcome(school, "Sam Staff")
    if isinstance(outcome, TamperDetected):
        return
    shown = next(a for a in outcome if a.seq == made.seq)
    assert shown.decision is None or shown.decision.at >= shown.at


# -- requests no one may make, or made for the wrong readers ------------------------------


def test_staff_cannot_file_monitoring_request_with_own_client(school: School) -> None:
    sam = unlock(school, "Sam Staff")
    with pytest.raises(InvalidInput):
        make_request(sam, "monitoring", dict(MONITOR), about="Tess Teacher")
    mine = make_request(sam, "blocked-content", dict(BLOCKED))
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, mine.seq).audience_id)
    body = monitoring_body(sam.user_id, school, "Tess Teacher")
    forge_as(sam, 0, audience, body)
    sam.lock()
    assert_refused(read_outcome(school, "Sam Staff"))


def test_request_claiming_another_requester_refused(school: School) -> None:
    sam = unlock(school, "Sam Staff")
    mine = make_request(sam, "blocked-content", dict(BLOCKED))
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, mine.seq).audience_id)
    body = {
        "type": "request",
        "kind": "blocked-content",
        "fields": BLOCKED,
        "requester": school.ids["Tess Teacher"],
        "subject_id": None,
        "subject_name": "",
    }
    forge_as(sam, 0, audience, body)
    sam.lock()
    assert_refused(read_outcome(school, "Hugh Head"))


def test_monitoring_request_resealed_so_the_subject_reads_it_refused(school: School) -> None:
    """Dana's modified client seals a monitoring request about Hugh for a group that holds
    the leadership key: every reader who can open it refuses it."""
    genuine = monitoring_by_dana(school, "Sam Staff")  # a group with leadership in it
    with engine_of(school).connect() as conn:
        leaky = str(row_of(conn, genuine.seq).audience_id)
    body = monitoring_body(school.ids["Dana DSL"], school, "Hugh Head")
    dana = unlock(school, "Dana DSL")
    forge_as(dana, 0, leaky, body)
    dana.lock()
    for reader in ("Hugh Head", "Chris Chair", "Dana DSL"):
        assert_refused(read_outcome(school, reader))


def test_reader_group_made_for_plan_without_the_subject_refused(school: School) -> None:
    """As above with a new group made for exactly the readers a request about no member
    would have (the DSL, leadership, governors) by Dana's own client."""
    dana = unlock(school, "Dana DSL")
    rules = KINDS[ApprovalKind.MONITORING]
    with dana.write() as conn:
        dana.reload_directory(conn)
        d = dana.directory
        plan = readers(
            rules,
            requester_id=dana.user_id,
            subject_id=None,
            members=d.active_members(None),
            subject_roles_of=d.subject_roles(None),
            established=d.established_roles(None),
        )
        audience = dana.audience_for(conn, plan)
    body = monitoring_body(dana.user_id, school, "Hugh Head")
    forge_as(dana, 0, audience, body)
    dana.lock()
    assert_refused(read_outcome(school, "Chris Chair"))


# -- rule checks that live only in the writer ---------------------------------------------


def forged_decision_by_head(school: School, decision: dict[str, Any]) -> Any:
    made = blocked_request_by_sam(school)
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
    hugh = unlock(school, "Hugh Head")
    forge_as(hugh, made.seq, audience, decision)
    hugh.lock()
    outcome = read_outcome(school, "Sam Staff")
    return made, outcome


def test_refusal_without_reasons_refused_by_readers(school: School) -> None:
    _, outcome = forged_decision_by_head(
        school, {"type": "decision", "decision": "refused", "reasons": "  "}
    )
    assert_refused(outcome)


def test_oversized_reasons_refused_by_readers(school: School) -> None:
    _, outcome = forged_decision_by_head(
        school, {"type": "decision", "decision": "approved", "reasons": "x " * (50 * MAX_REASONS)}
    )
    assert_refused(outcome)


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.domain)", "https://exa\u202emple.org"], ids=["js", "bidi"]
)
def test_bad_url_refused_by_readers(school: School, url: str) -> None:
    sam = unlock(school, "Sam Staff")
    with pytest.raises(InvalidInput):
        make_request(sam, "blocked-content", {**BLOCKED, "url": url})
    mine = make_request(sam, "blocked-content", dict(BLOCKED))
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, mine.seq).audience_id)
    body = {
        "type": "request",
        "kind": "blocked-content",
        "fields": {**BLOCKED, "url": url},
        "requester": sam.user_id,
        "subject_id": None,
        "subject_name": "",
    }
    forge_as(sam, 0, audience, body)
    sam.lock()
    assert_refused(read_outcome(school, "Hugh Head"))


def test_about_has_a_limit(school: School) -> None:
    with pytest.raises(InvalidInput):
        monitoring_by_dana(school, "Sam " + "x" * 1_000_000)


# -- bodies no SafeLog could have written: plain words, not a crash -----------------------


@pytest.mark.parametrize(
    ("as_decision", "raw"),
    [(False, b"[]"), (False, b'"request"'), (True, b"[1]"), (True, b"[" * 100_000)],
    ids=["request-list", "request-string", "decision-list", "deep"],
)
def test_non_object_body_is_tampering_not_a_crash(
    school: School, as_decision: bool, raw: bytes
) -> None:
    made = blocked_request_by_sam(school)
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
    who = "Hugh Head" if as_decision else "Sam Staff"
    author = unlock(school, who)
    forge_as(author, made.seq if as_decision else 0, audience, None, raw_body=raw)
    author.lock()
    session = unlock(school, "Dana DSL")
    try:
        with pytest.raises(TamperDetected):
            approvals(session)
    finally:
        session.lock()


@pytest.mark.parametrize("fields", ["abc", [["url", 1]], {"url": ["x"]}, None, 7])
def test_field_of_wrong_type_is_tampering(school: School, fields: Any) -> None:
    sam = unlock(school, "Sam Staff")
    mine = make_request(sam, "blocked-content", dict(BLOCKED))
    with engine_of(school).connect() as conn:
        audience = str(row_of(conn, mine.seq).audience_id)
    body = {
        "type": "request",
        "kind": "blocked-content",
        "fields": fields,
        "requester": sam.user_id,
        "subject_id": None,
        "subject_name": "",
    }
    forge_as(sam, 0, audience, body)
    sam.lock()
    assert_refused(read_outcome(school, "Hugh Head"))


# -- database writer: delete, reorder, duplicate, swap ------------------------------------


def decided_register(school: School) -> tuple[Any, Any]:
    """Sam's blocked content request refused by the head, then Dana's monitoring request."""
    made = blocked_request_by_sam(school)
    hugh = unlock(school, "Hugh Head")
    decide(hugh, made.seq, "refused", "not suitable")
    hugh.lock()
    other = monitoring_by_dana(school, "Tess Teacher")
    for name in ("Dana DSL", "Hugh Head", "Sam Staff", "Chris Chair"):
        read_as(school, name)  # everyone has seen the register (checkpoints)
    return made, other


def test_deleting_a_refusal_is_noticed(school: School) -> None:
    made, _ = decided_register(school)
    with engine_of(school).begin() as conn:
        conn.execute(delete(ApprovalRow).where(ApprovalRow.request_seq == made.seq))
    assert_refused(read_outcome(school, "Sam Staff"))


def test_deleting_the_last_row_is_noticed(school: School) -> None:
    decided_register(school)
    with engine_of(school).begin() as conn:
        conn.execute(delete(ApprovalRow).where(ApprovalRow.seq == last_row(conn).seq))
    assert_refused(read_outcome(school, "Dana DSL"))


def test_deleting_last_row_and_renaming_its_audit_entry_is_noticed(school: School) -> None:
    """The refusal is the last row; its audit entry is made to name the row before it."""
    made = blocked_request_by_sam(school)
    hugh = unlock(school, "Hugh Head")
    decide(hugh, made.seq, "refused", "not suitable")
    hugh.lock()
    read_as(school, "Sam Staff")
    with engine_of(school).begin() as conn:
        refusal = int(last_row(conn).seq)
        conn.execute(delete(ApprovalRow).where(ApprovalRow.seq == refusal))
        for entry in conn.execute(select(AuditRow.__table__)).all():
            ref = entry.item_ref or ""
            if ref.startswith(f"approval:{refusal}"):
                conn.execute(
                    update(AuditRow)
                    .where(AuditRow.seq == entry.seq)
                    .values(item_ref=ref.replace(f"approval:{refusal}", f"approval:{made.seq}"))
                )
    outcome = read_outcome(school, "Sam Staff")
    assert isinstance(outcome, TamperDetected | RollbackDetected), outcome


def test_deleting_last_row_with_the_audit_tail_is_noticed(school: School) -> None:
    made = blocked_request_by_sam(school)
    with engine_of(school).connect() as conn:
        before = int(conn.execute(select(AuditRow.seq).order_by(AuditRow.seq.desc())).first()[0])
    hugh = unlock(school, "Hugh Head")
    decide(hugh, made.seq, "refused", "not suitable")
    hugh.lock()
    read_as(school, "Sam Staff")
    with engine_of(school).begin() as conn:
        conn.execute(delete(ApprovalRow).where(ApprovalRow.request_seq == made.seq))
        conn.execute(delete(AuditRow).where(AuditRow.seq > before))
    outcome = read_outcome(school, "Sam Staff")
    assert isinstance(outcome, TamperDetected | RollbackDetected), outcome


ALTERED = {
    "audience_id": lambda row, other: other.audience_id,
    "signer_id": lambda row, other: other.signer_id,
    "request_seq": lambda row, other: 3,
    "membership_seq": lambda row, other: int(row.membership_seq) - 1,
    "created_at": lambda row, other: row.created_at - timedelta(days=1),
}


@pytest.mark.parametrize("column", sorted(ALTERED))
def test_changing_a_column_is_noticed(school: School, column: str) -> None:
    """One clear column of Sam's request changed to another plausible value."""
    made, other = decided_register(school)
    with engine_of(school).begin() as conn:
        row, theirs = row_of(conn, made.seq), row_of(conn, other.seq)
        value = ALTERED[column](row, theirs)
        assert value != row._mapping[column]
        conn.execute(update(ApprovalRow).where(ApprovalRow.seq == made.seq).values({column: value}))
    for reader in ("Dana DSL", "Sam Staff"):
        assert_refused(read_outcome(school, reader))


def test_reordering_rows_is_noticed(school: School) -> None:
    made, other = decided_register(school)
    with engine_of(school).begin() as conn:
        conn.execute(update(ApprovalRow).where(ApprovalRow.seq == made.seq).values(seq=-1))
        conn.execute(update(ApprovalRow).where(ApprovalRow.seq == other.seq).values(seq=made.seq))
        conn.execute(update(ApprovalRow).where(ApprovalRow.seq == -1).values(seq=other.seq))
    assert_refused(read_outcome(school, "Dana DSL"))


def test_replaying_a_decision_onto_another_request_is_noticed(school: School) -> None:
    """The head's approval of one request copied, byte for byte, as the decision of another
    (its seq, prev_hash and request_seq rewritten: the attacker has no key)."""
    first = blocked_request_by_sam(school)
    second = blocked_request_by_sam(school)
    hugh = unlock(school, "Hugh Head")
    decide(hugh, first.seq, "approved", "fine")
    hugh.lock()
    with engine_of(school).begin() as conn:
        approval = last_row(conn)
        values = dict(approval._mapping)
        values.update(seq=int(approval.seq) + 1, prev_hash=bytes(approval.row_hash))
        values["request_seq"] = second.seq
        conn.execute(insert(ApprovalRow).values(**values))
    outcome = read_outcome(school, "Sam Staff")
    assert_refused(outcome)


def test_copying_a_row_to_the_end_is_noticed(school: School) -> None:
    made, _ = decided_register(school)
    with engine_of(school).begin() as conn:
        end = last_row(conn)
        copy = dict(row_of(conn, made.seq)._mapping)
        copy.update(seq=int(end.seq) + 1, prev_hash=bytes(end.row_hash))
        conn.execute(insert(ApprovalRow).values(**copy))
    assert_refused(read_outcome(school, "Sam Staff"))


def test_junk_row_reported_not_crash(school: School) -> None:
    """A row of garbage appended by a database writer: every reader says tampering."""
    decided_register(school)
    with engine_of(school).begin() as conn:
        end = last_row(conn)
        conn.execute(
            insert(ApprovalRow).values(
                seq=int(end.seq) + 1,
                prev_hash=bytes(end.row_hash),
                row_hash=b"\x00" * 32,
                request_seq=0,
                audience_id="not-a-group",
                membership_seq=10**12,
                signer_id="nobody",
                body_ct=b"",
                signature=b"",
                created_at=datetime(1970, 1, 1, tzinfo=UTC),
            )
        )
    for reader in ("Dana DSL", "Sam Staff", "Chris Chair"):
        assert_refused(read_outcome(school, reader))


# -- the printed form ----------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(done.stdout.split())


def test_printed_form_says_what_the_vault_says(school: School, tmp_path: Path) -> None:
    made = blocked_request_by_sam(school)
    sam = unlock(school, "Sam Staff")
    waiting = tmp_path / "waiting.pdf"
    print_approval(sam, made.seq, waiting)
    sam.lock()
    text = pdf_text(waiting)
    assert "Awaiting the decision" in text and "Approved" not in text
    hugh = unlock(school, "Hugh Head")
    decide(hugh, made.seq, "refused", "not suitable for Year 9")
    hugh.lock()
    sam = unlock(school, "Sam Staff")
    refused = tmp_path / "refused.pdf"
    print_approval(sam, made.seq, refused)
    with pytest.raises(InvalidInput):
        print_approval(sam, made.seq, refused)  # never overwritten
    sam.lock()
    text = pdf_text(refused)
    assert "Refused" in text and "Hugh Head" in text and "not suitable for Year 9" in text
    assert "Approved Reasons" not in text and "\u2713" not in text


def test_form_with_many_lines_prints_or_says_why(school: School, tmp_path: Path) -> None:
    """Every field at its limit, all line breaks: a form, or a plain message, not a crash."""
    sam = unlock(school, "Sam Staff")
    lines = "a\n" * 999 + "a"
    made = make_request(
        sam,
        "blocked-content",
        {"url": BLOCKED["url"], "site_content": lines, "reasons": lines, "risks": lines},
    )
    out = tmp_path / "long.pdf"
    try:
        print_approval(sam, made.seq, out)
    except UserFacingError:
        assert not out.exists()
    else:
        assert out.read_bytes().startswith(b"%PDF")
    finally:
        sam.lock()


def test_form_with_control_characters_prints(school: School, tmp_path: Path) -> None:
    sam = unlock(school, "Sam Staff")
    odd = "ok\x00\x07\x1b[31mred\x1b[0m \u202etxt.exe <b>&amp;</b> \ud7ff"
    try:
        made = make_request(
            sam,
            "blocked-content",
            {"url": BLOCKED["url"], "site_content": odd, "reasons": odd, "risks": odd},
        )
    except InvalidInput:
        sam.lock()
        return
    out = tmp_path / "odd.pdf"
    try:
        print_approval(sam, made.seq, out)
    finally:
        sam.lock()
    assert out.read_bytes().startswith(b"%PDF")


# -- the command line ----------------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir(mode=0o700)
    vault = Vault(tmp_path / "data", sqlite_url(tmp_path / "data"))
    try:
        build_school(vault)
    finally:
        vault.close()
    return tmp_path


def cli(root: Path, who: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
    env["SAFELOG_INSECURE_TEST_KDF"] = "1"
    return run_in_process(
        ["--data-dir", str(root / "data"), "approval", *args, "--as", who],
        stdin=PASSPHRASES[who] + "\n",
        env=env,
        cwd=root,
    )


def plain_refusal(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode in (1, 3), (done.returncode, done.stdout, done.stderr)
    assert "unexpected error" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def blocked_args(**over: str) -> list[str]:
    values = {**BLOCKED, **over}
    return [
        "request",
        "blocked-content",
        "--url",
        values["url"],
        "--site-content",
        values["site_content"],
        "--reasons",
        values["reasons"],
        "--risks",
        values["risks"],
    ]


def test_cli_refuses_odd_input_in_plain_words(root: Path) -> None:
    plain_refusal(cli(root, "Sam Staff", *blocked_args(url="javascript:alert(1)")), "web address")
    plain_refusal(cli(root, "Sam Staff", *blocked_args(url="x" * 5000)), "longer")
    plain_refusal(cli(root, "Sam Staff", *blocked_args(reasons="r" * 2001)), "longer than 2000")
    plain_refusal(cli(root, "Sam Staff", *blocked_args(risks="   ")), "Fill in")
    plain_refusal(
        cli(root, "Sam Staff", *blocked_args(), "--about", "Tess Teacher"), "not about another"
    )
    monitoring = ["request", "monitoring", "--scope", "s", "--grounds", "g"]
    monitoring += ["--discussion", "d", "--assessment", "a"]
    plain_refusal(cli(root, "Sam Staff", *monitoring, "--about", "Tess Teacher"), "DSL")
    plain_refusal(cli(root, "Dana DSL", *monitoring), "which member")
    plain_refusal(cli(root, "Dana DSL", *monitoring, "--about", "Dana DSL"), "person making it")
    family = ["request", "family-link", "--pupil", "J", "--details", "d"]
    plain_refusal(cli(root, "Sam Staff", *family, "--relationship", "cousin"), "must be one of")
    for number in ("99", "-1", "0", str(10**30)):
        plain_refusal(
            cli(root, "Hugh Head", "decide", number, "--decision", "approved"), "no request"
        )
    made = cli(root, "Sam Staff", *blocked_args())
    assert made.returncode == 0, made.stderr
    plain_refusal(
        cli(root, "Hugh Head", "decide", "1", "--decision", "refused"), "reasons for refusing"
    )
    plain_refusal(
        cli(root, "Hugh Head", "decide", "1", "--decision", "approved", "--reasons", "x" * 3000),
        "longer than",
    )
    plain_refusal(cli(root, "Sam Staff", "decide", "1", "--decision", "approved"), "headteacher")
    plain_refusal(
        cli(root, "Hugh Head", "print", "1", "--out", str(root / "no" / "such" / "f.pdf")),
        "no folder",
    )
    done = cli(root, "Hugh Head", "decide", "1", "--decision", "approved")
    assert done.returncode == 0, done.stderr
    plain_refusal(
        cli(root, "Hugh Head", "decide", "1", "--decision", "refused", "--reasons", "no"),
        "already approved",
    )


def test_cli_list_cannot_drive_the_terminal(root: Path) -> None:
    hostile = "Sam\x1b[2J\x1b]0;owned\x07 Staff\r\nrequest 99 approved\u202e"
    monitoring = ["request", "monitoring", "--scope", hostile, "--grounds", "g"]
    monitoring += ["--discussion", "d", "--assessment", "a", "--about", hostile]
    made = cli(root, "Dana DSL", *monitoring)
    if made.returncode != 0:
        plain_refusal(made)
        return
    for extra in ((), ("--json",)):
        listed = cli(root, "Dana DSL", "list", *extra)
        assert listed.returncode == 0, listed.stderr
        assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout
        assert "\u202e" not in listed.stdout
        assert "request 99 approved" not in listed.stdout.splitlines()[-1:]


def test_cli_about_the_head_hidden_from_him(root: Path) -> None:
    monitoring = ["request", "monitoring", "--scope", "s", "--grounds", SECRET_WORD]
    monitoring += ["--discussion", "d", "--assessment", "a", "--about", "  hugh   HEAD "]
    made = cli(root, "Dana DSL", *monitoring, "--json")
    assert made.returncode == 0, made.stderr
    listed = cli(root, "Hugh Head", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert SECRET_WORD not in listed.stdout and "monitoring" not in listed.stdout
    plain_refusal(cli(root, "Hugh Head", "print", "1", "--out", str(root / "f.pdf")), "no request")
    assert not (root / "f.pdf").exists()
    chair = cli(root, "Chris Chair", "list", "--json", "--waiting")
    assert SECRET_WORD in chair.stdout
    db = sqlite3.connect(root / "data" / DB_FILE_NAME)
    try:
        blobs = b"".join(bytes(r[0]) for r in db.execute("select body_ct from approvals"))
    finally:
        db.close()
    assert SECRET_WORD.encode() not in blobs


# -- the person it is about joins SafeLog later --------------------------------------------

PAT = "Pat Deputy"
PAT_PASSPHRASE = "pat deputy passphrase"


def pat_joins(school: School, roles: frozenset[Role]) -> None:
    vault: Any = school.vault
    dana = unlock(school, "Dana DSL")
    code = vault.invite(dana, PAT, roles)
    dana.lock()
    vault.enrol(code, PAT_PASSPHRASE).lock()
    if roles != frozenset({Role.STAFF}):
        dana = unlock(school, "Dana DSL")
        vault.admit(dana, PAT)
        dana.lock()
    unlock(school, "Dana DSL").lock()  # hands the role keys over


def test_subject_who_joins_later_as_dsl_cannot_read_it(school: School) -> None:
    made = monitoring_by_dana(school, PAT, MONITOR_SECRET)
    pat_joins(school, frozenset({Role.DSL}))
    with engine_of(school).connect() as conn:
        identity = user_identity(conn, PAT, PAT_PASSPHRASE)
        ring = open_keyring(conn, [identity.x25519])
        row = row_of(conn, made.seq)
    assert not any(opens(key, row) for key in ring.audiences.values())


def test_register_still_readable_after_the_person_named_joins(school: School) -> None:
    monitoring_by_dana(school, PAT)
    blocked_request_by_sam(school)
    pat_joins(school, frozenset({Role.STAFF}))
    for reader, count in (("Dana DSL", 2), ("Hugh Head", 2), ("Sam Staff", 1)):
        outcome = read_outcome(school, reader)
        assert not isinstance(outcome, UserFacingError), f"{reader}: {outcome}"
        assert len(outcome) == count


def test_subject_who_is_head_and_dsl_cannot_read_it(vault: Any) -> None:
    """A small primary: the head is also a DSL. A monitoring request about him is kept from
    both the DSL and the leadership keys he holds."""
    school = build_school(vault, head_is_dsl=True)
    made = monitoring_by_dana(school, "Hugh Head", MONITOR_SECRET)
    hugh = offline(school, "Hugh Head")
    with engine_of(school).connect() as conn:
        row = row_of(conn, made.seq)
    assert not any(opens(key, row) for key in hugh.audiences.values())
    assert all(a.seq != made.seq for a in read_as(school, "Hugh Head"))
    assert any(a.seq == made.seq for a in read_as(school, "Chris Chair"))


def test_removed_head_refused_by_his_own_client(school: School) -> None:
    """Hugh is taken out of SafeLog with a request waiting for him: SafeLog as shipped
    neither lets him decide it nor records anything for him."""
    made = blocked_request_by_sam(school)
    dana = unlock(school, "Dana DSL")
    school.vault.remove_user(dana, "Hugh Head")  # type: ignore[attr-defined]
    dana.lock()
    try:
        hugh = unlock(school, "Hugh Head")
    except UserFacingError:
        pass
    else:
        with pytest.raises((AccessDenied, InvalidInput, NotFound)):
            decide(hugh, made.seq, "approved", "")
        hugh.lock()
    shown = next(a for a in read_as(school, "Sam Staff") if a.seq == made.seq)
    assert shown.decision is None and shown.status == "awaiting decision"


CEO = "Tara Trust"
CEO_PASSPHRASE = "tara trust board papers"


def test_monitoring_the_chair_goes_to_the_ceo_and_never_to_the_chair(school: School) -> None:
    vault: Any = school.vault
    dana = unlock(school, "Dana DSL")
    code = vault.invite(dana, CEO, frozenset({Role.TRUST_CEO}))
    dana.lock()
    vault.enrol(code, CEO_PASSPHRASE).lock()
    chris = unlock(school, "Chris Chair")
    vault.admit(chris, CEO)
    chris.lock()
    unlock(school, "Chris Chair").lock()  # hands the governors' key over
    made = monitoring_by_dana(school, "Chris Chair", MONITOR_SECRET)
    assert made.decided_by == frozenset({Role.TRUST_CEO})
    chris = unlock(school, "Chris Chair")
    with pytest.raises((NotFound, AccessDenied)):
        decide(chris, made.seq, "approved", "")
    chris.lock()
    hugh = unlock(school, "Hugh Head")
    with pytest.raises(AccessDenied):
        decide(hugh, made.seq, "approved", "")
    hugh.lock()
    tara = vault.unlock(CEO, CEO_PASSPHRASE)
    done = decide(tara, made.seq, "refused", "not proportionate yet")
    tara.lock()
    assert done.decision is not None and done.decision.by_name == CEO
    own = offline(school, "Chris Chair")
    with engine_of(school).connect() as conn:
        rows = [r for r in conn.execute(select(ApprovalRow.__table__)).all()]
    assert rows and not any(opens(k, r) for r in rows for k in own.audiences.values())
    shown = next(a for a in read_as(school, "Dana DSL") if a.seq == made.seq)
    assert shown.status == "refused" and shown.decision.by_name == CEO  # type: ignore[union-attr]


def test_printed_form_claims_only_what_can_be_checked(school: School, tmp_path: Path) -> None:
    made = blocked_request_by_sam(school)
    hugh = unlock(school, "Hugh Head")
    decide(hugh, made.seq, "refused", "not suitable")
    out = tmp_path / "form.pdf"
    print_approval(hugh, made.seq, out)
    hugh.lock()
    pdf = out.read_bytes()
    says_signed = "signed with its author's own key" in pdf_text(out)
    assert not says_signed or (b"/ByteRange" in pdf and b"/Sig" in pdf)


def test_old_key_after_reset_cannot_sign_a_decision(school: School) -> None:
    vault: Any = school.vault
    made = blocked_request_by_sam(school)
    stolen = offline(school, "Hugh Head")  # his keys, as on the lost laptop
    dana = unlock(school, "Dana DSL")
    code = vault.reset_access(dana, "Hugh Head", school.recovery["school"])
    dana.lock()
    vault.enrol(code, "hugh new passphrase here").lock()
    dana = unlock(school, "Dana DSL")
    with contextlib.suppress(UserFacingError):  # the recovery key admitted him already
        vault.admit(dana, "Hugh Head")
    dana.lock()
    unlock(school, "Dana DSL").lock()
    with engine_of(school).connect() as conn:
        target = row_of(conn, made.seq)
        head_seq = int(
            conn.execute(
                select(MembershipRow.seq).order_by(MembershipRow.seq.desc()).limit(1)
            ).scalar_one()
        )
    with engine_of(school).begin() as conn:
        forge(
            conn,
            cipher=Cipher(stolen.audiences[str(target.audience_id)]),
            identity=stolen.identity,
            signer_id=stolen.user_id,
            request_seq=made.seq,
            audience_id=str(target.audience_id),
            body={"type": "decision", "decision": "approved", "reasons": "fine"},
            membership_seq=head_seq,  # now, when Hugh is the head with his new key
            at=datetime.now(UTC),
        )
    outcome = read_outcome(school, "Sam Staff")
    if isinstance(outcome, TamperDetected):
        return
    shown = next(a for a in outcome if a.seq == made.seq)
    assert shown.decision is None, f"accepted under the old key: {shown.decision}"


def test_invited_subject_with_a_dsl_role_never_gets_it(school: School) -> None:
    """Pat is invited as a deputy DSL but has not enrolled when a monitoring request about
    them is made: it is kept from the DSL key they will be handed, not only from them now."""
    vault: Any = school.vault
    blocked_request_by_sam(school)  # a group sealed to the DSL key, which Pat will read
    dana = unlock(school, "Dana DSL")
    code = vault.invite(dana, PAT, frozenset({Role.DSL}))
    dana.lock()
    made = monitoring_by_dana(school, PAT, MONITOR_SECRET)
    assert made.subject_id is not None
    vault.enrol(code, PAT_PASSPHRASE).lock()
    dana = unlock(school, "Dana DSL")
    vault.admit(dana, PAT)
    dana.lock()
    unlock(school, "Dana DSL").lock()
    with engine_of(school).connect() as conn:
        identity = user_identity(conn, PAT, PAT_PASSPHRASE)
        ring = open_keyring(conn, [identity.x25519])
        row = row_of(conn, made.seq)
    assert ring.audiences  # Pat holds the DSL key and reads other groups
    assert not any(opens(key, row) for key in ring.audiences.values())
    assert any(a.seq == made.seq for a in read_as(school, "Dana DSL"))


def test_request_whose_key_slots_are_deleted_is_not_quietly_missing(school: School) -> None:
    from safelog.store.schema import AudienceKeyRow

    made = blocked_request_by_sam(school)
    for name in ("Sam Staff", "Hugh Head"):
        assert any(a.seq == made.seq for a in read_as(school, name))
    with engine_of(school).begin() as conn:
        audience = str(row_of(conn, made.seq).audience_id)
        conn.execute(delete(AudienceKeyRow).where(AudienceKeyRow.audience_id == audience))
    for name in ("Sam Staff", "Hugh Head"):
        outcome = read_outcome(school, name)
        if isinstance(outcome, UserFacingError):
            continue  # said so: held
        assert any(a.seq == made.seq for a in outcome), f"{name}: the request quietly vanished"
