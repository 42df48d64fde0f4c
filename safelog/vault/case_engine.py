"""The case engine: every read and write of a case's versions and keys goes through here.

Keys: each case has a data key (DEK). The current DEK is wrapped by the key of the case's
reader group (audience); each older DEK is wrapped by its successor, so a re-keyed case
is unreadable with keys the excluded readers hold, while everything already recorded,
and its signature, stays exactly as it was.

Versions: each version is a signed statement naming the SHA-256 of every field it sets;
each field is sealed on its own, bound to the case, the version and its name. Reading a
case checks every signature, the chain of statements, every field, and (DESIGN §3.5) the
authority of every author and reader group (vault/authority.py): those checks are made
here and nowhere else, so no path to a case can skip them. Evidence items are checked here
too (`verify_evidence_row`), against the verified versions.

The use cases sit above: cases.py (record, list, show, update), workspace.py, evidence.py,
content_form.py, receipts.py, audit_view.py and export.py.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, func, insert, select, update

from safelog.audit import log as audit_log
from safelog.crypto.aead import Cipher, DecryptionFailed, binding, new_key
from safelog.crypto.encoding import canonical_json
from safelog.crypto.sealed_signature import SEALED_ACTOR, open_signature, seal_signature
from safelog.domain.access import AudiencePlan
from safelog.domain.outcomes import CaseStatus, can_move
from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput, NotFound, ReportBeingHandled, TamperDetected
from safelog.store.schema import AuditRow, CaseFieldRow, CaseKeyRow, CaseRow, CaseVersionRow
from safelog.vault.authority import (
    AUDIENCE_FIELDS,
    MANAGERS,
    CaseAuthority,
    VersionAuthor,
    check_evidence_author,
    writer_plan,
)
from safelog.vault.case_schema import (
    CaseField,
    CaseFields,
    EvidenceStatement,
    ListSummary,
    Stamp,
    VersionExtra,
    VersionStatement,
    version_author_sealed,
)
from safelog.vault.directory import Person
from safelog.vault.escalations import next_due
from safelog.vault.open_actions import summary_actions
from safelog.vault.out_of_reach import why_out_of_reach
from safelog.vault.receipt_store import (
    first_key_for_reporter,
    has_receipt,
    refresh_receipt,
    write_receipt,
)
from safelog.vault.records import Reply, Version
from safelog.vault.retention import case_retention
from safelog.vault.session import Session

# -- associated data: what each ciphertext is bound to ------------------------------------


def field_aad(case_id: str, version: int, name: str) -> bytes:
    return binding("field", case_id, version, name)


def summary_aad(case_id: str, audience_id: str, version: int) -> bytes:
    return binding("summary", case_id, audience_id, version)


def dek_aad(case_id: str, key_no: int, audience_id: str) -> bytes:
    return binding("case-key", case_id, key_no, audience_id)


def chain_aad(case_id: str, key_no: int) -> bytes:
    return binding("case-key-chain", case_id, key_no)


# -- opening ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedCase:
    """A case's versions as read and checked: signatures, chain, fields and authority."""

    fields: CaseFields  # after the last version
    history: list[Version]
    last_statement: bytes  # what the next version chains to
    changes: dict[int, CaseFields]  # version number -> what it set (versions that set any)
    # Who wrote each version and the status after it: what evidence is checked against.
    version_log: list[VersionAuthor]
    # What the audit log records of the case: item -> (entry, membership point).
    audit_items: dict[str, tuple[int, int | None]]
    first_manager_version: int


@dataclass
class OpenCase:
    """A case with its keys opened, for use inside one operation."""

    row: Any  # a row of the cases table; audience_id and key_no move on re-key
    ciphers: dict[int, Cipher]  # key_no -> cipher
    verified: VerifiedCase | None = None  # the last read_case, until a version is added

    @property
    def current(self) -> Cipher:
        return self.ciphers[self.row.key_no]

    def audit_ref(self) -> tuple[str, int, Cipher]:
        return (self.row.id, self.row.key_no, self.current)


def _case_row(conn: Connection, reference: str) -> Any:
    row = conn.execute(
        select(CaseRow.__table__).where(CaseRow.reference == reference.strip().upper())
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no case {reference}.")
    return row


def open_case(session: Session, conn: Connection, reference: str) -> OpenCase:
    """The case with every data key this user can open: through its reader group, or, for
    the reporter of a report not yet opened by those who manage cases, their receipt."""
    row = _case_row(conn, reference)
    audience = session.audience_ciphers.get(row.audience_id)
    if audience is None:
        session.load_audiences(conn)
        audience = session.audience_ciphers.get(row.audience_id)
    if audience is None:
        first = first_key_for_reporter(session, conn, row.id)
        if first is None:
            manager = MANAGERS & session.person.roles
            moved = why_out_of_reach(session, conn, row) if manager else None
            raise moved or AccessDenied(f"You do not have access to case {row.reference}.")
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
        dek = audience.open(keys[row.key_no], dek_aad(row.id, row.key_no, row.audience_id))
        ciphers[row.key_no] = Cipher(dek)
        for key_no in range(row.key_no - 1, 0, -1):
            dek = Cipher(dek).open(keys[key_no], chain_aad(row.id, key_no))
            ciphers[key_no] = Cipher(dek)
    except (DecryptionFailed, KeyError):
        raise TamperDetected(f"The key that opens case {row.reference} is damaged.") from None
    return OpenCase(row, ciphers)


def lock_case(conn: Connection, reference: str) -> None:
    """On PostgreSQL, hold the case row for the rest of the transaction, so that two
    imports of the same file into one case cannot both miss each other."""
    conn.execute(
        select(CaseRow.id).where(CaseRow.reference == reference.strip().upper()).with_for_update()
    )


def open_as_reporter(session: Session, conn: Connection, reference: str) -> OpenCase:
    """A report as its reporter holds it: the case's first key only, from their receipt."""
    row = _case_row(conn, reference)
    first = first_key_for_reporter(session, conn, row.id)
    if first is None:
        raise AccessDenied(f"{row.reference} is not one of your reports.")
    return OpenCase(row, {1: first})


# -- reading ------------------------------------------------------------------------------


def _versions(conn: Connection, case_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(CaseVersionRow.__table__)
            .where(CaseVersionRow.case_id == case_id)
            .order_by(CaseVersionRow.version)
        ).all()
    )


def version_author_aad(case_id: str, version: int) -> bytes:
    return binding("version-author", case_id, version)


@dataclass(frozen=True)
class SignedVersion:
    """A version row's author, signed statement and signature, opened if sealed."""

    author_id: str
    statement: bytes
    signature: bytes


def signed_version(v: Any, ciphers: dict[int, Cipher], where: str) -> SignedVersion:
    if v.author_id is not None:
        return SignedVersion(v.author_id, bytes(v.statement), bytes(v.signature))
    cipher = ciphers.get(v.key_no)
    if cipher is None:
        raise TamperDetected(f"The key for {where} is missing.")
    try:
        sealed = open_signature(cipher, v.statement, version_author_aad(v.case_id, v.version))
    except DecryptionFailed:
        raise TamperDetected(f"The record of who wrote {where} is damaged.") from None
    return SignedVersion(sealed.author_id, sealed.statement, sealed.signature)


def _signed_by(
    session: Session,
    conn: Connection,
    v: Any,
    expected: int,
    where: str,
    ciphers: dict[int, Cipher],
) -> tuple[Person, SignedVersion]:
    """The author of version row `v`, whose signature on it must check out."""
    signed = signed_version(v, ciphers, where)
    author = session.known_person(conn, signed.author_id)
    if (
        v.version != expected
        or author is None
        or not author.verifies(signed.signature, signed.statement)
    ):
        raise TamperDetected(f"The signature on {where} does not check out.")
    return author, signed


def _open_fields(
    case_id: str,
    version: int,
    statement: VersionStatement,
    stored: dict[str, bytes],
    cipher: Cipher | None,
    where: str,
) -> CaseFields:
    """The fields one version set: exactly those its statement names, each unaltered."""
    if set(stored) != set(statement["fields"]):
        raise TamperDetected(f"Fields of {where} are missing or were added.")
    if cipher is None:
        raise TamperDetected(f"The key for {where} is missing.")
    changed: dict[str, Any] = {}
    for name, ct in stored.items():
        if hashlib.sha256(ct).hexdigest() != statement["fields"][name]:
            raise TamperDetected(f"The field '{name}' of {where} has been altered.")
        try:
            changed[name] = json.loads(cipher.open(ct, field_aad(case_id, version, name)))
        except DecryptionFailed:
            raise TamperDetected(f"The field '{name}' of {where} is damaged.") from None
    return cast(CaseFields, changed)


def _chained(prev: bytes) -> str:
    return hashlib.sha256(prev).hexdigest() if prev else ""


def read_case(session: Session, conn: Connection, case: OpenCase) -> VerifiedCase:
    """Verify and decrypt every version, checking each author's authority (DESIGN §3.5)."""
    row = case.row
    versions = _versions(conn, row.id)
    by_version: dict[int, dict[str, bytes]] = {}
    for f in conn.execute(
        select(CaseFieldRow.__table__).where(CaseFieldRow.case_id == row.id)
    ).all():
        by_version.setdefault(f.version, {})[f.field] = f.value_ct
    fields: CaseFields = {}
    changes: dict[int, CaseFields] = {}
    history: list[Version] = []
    prev = b""
    if len(versions) != row.head_version:
        raise TamperDetected(f"Case {row.reference} has versions missing.")
    authority = CaseAuthority(session, conn, row.reference, row.audience_id, row.id)
    log: list[VersionAuthor] = []
    for expected, v in enumerate(versions, start=1):
        where = f"case {row.reference}, version {v.version}"
        author, signed = _signed_by(session, conn, v, expected, where, case.ciphers)
        statement: VersionStatement = json.loads(signed.statement)
        if (
            statement["author"] != signed.author_id
            or statement["case_id"] != row.id
            or statement["version"] != v.version
            or statement["key_no"] != v.key_no
            or statement["prev"] != _chained(prev)
        ):
            raise TamperDetected(
                f"The history of case {row.reference} has been altered at version {v.version}."
            )
        stored = by_version.get(v.version, {})
        changed = _open_fields(
            row.id, v.version, statement, stored, case.ciphers.get(v.key_no), where
        )
        authority.check_version(v.version, statement, author, fields, changed)
        fields.update(changed)
        log.append(VersionAuthor(author.id, fields.get(CaseField.STATUS, CaseStatus.NEW)))
        if changed:
            changes[v.version] = changed
        history.append(
            Version(
                v.version,
                author.id,
                author.name,
                datetime.fromisoformat(statement["at"]),
                tuple(sorted(stored)),
                bool(statement.get("rekeyed")),
            )
        )
        prev = signed.statement
    authority.finish()
    checked_audit_rows(session, conn, case)
    case.verified = VerifiedCase(
        fields,
        history,
        prev,
        changes,
        log,
        authority.items,
        authority.first_manager_version,
    )
    return case.verified


def checked_audit_rows(
    session: Session, conn: Connection, case: OpenCase
) -> list[tuple[Any, Cipher | None]]:
    """Every audit entry about the case, in order, each with the key its body is sealed
    with: its hash checked, and who signed it (sealed with that key for all but the case's
    readers, crypto/sealed_signature.py) checked against their signature."""
    rows = conn.execute(
        select(AuditRow.__table__).where(AuditRow.case_id == case.row.id).order_by(AuditRow.seq)
    ).all()
    checked = []
    for row in rows:
        _, _, key_no = row.key_ref.rpartition(":")
        cipher = case.ciphers.get(int(key_no)) if key_no.isdigit() else None
        expected = audit_log.row_hash(row)
        named_key = row.key_ref == f"case:{row.case_id}:{key_no}"
        if expected != row.entry_hash or not _audit_signed(
            session, row, expected, cipher if named_key else None
        ):
            raise TamperDetected(
                f"The audit log is damaged: audit entry {row.seq}, about case "
                f"{case.row.reference}, has been altered."
            )
        checked.append((row, cipher))
    return checked


def _audit_signed(session: Session, row: Any, digest: bytes, cipher: Cipher | None) -> bool:
    message = audit_log.signing_message(digest)
    try:
        if row.actor_id != SEALED_ACTOR:
            return session.verify_actor_signature(row.actor_id, row.signature, message)
        if cipher is None:
            return False
        sealed = open_signature(
            cipher, row.signature, audit_log.sealed_signature_aad(row.key_ref, message)
        )
        return session.verify_actor_signature(sealed.author_id, sealed.signature, message)
    except (DecryptionFailed, audit_log.UnknownActor):
        return False


@dataclass(frozen=True)
class ReporterView:
    """What a reporter reads of their report: what they sent and the replies sent to them."""

    sent: CaseFields
    sent_at: datetime
    replies: list[Reply]


def read_as_reporter(session: Session, conn: Connection, case: OpenCase) -> ReporterView:
    """The versions readable with the case's first key, each checked: signature, and the
    chain wherever the reporter can follow it (who wrote the versions sealed with later
    keys is sealed with them too); the first sent by this user; replies only from someone
    who managed cases at the point of the membership log their version names."""
    row, first = case.row, case.ciphers[1]
    versions = _versions(conn, row.id)
    if len(versions) != row.head_version or not versions:
        raise TamperDetected(f"Case {row.reference} has versions missing.")
    prev: bytes | None = b""
    sent: CaseFields = {}
    replies: list[Reply] = []
    sent_at = row.created_at
    for expected, v in enumerate(versions, start=1):
        where = f"case {row.reference}, version {v.version}"
        if v.key_no != 1 and v.author_id is None:
            prev = None  # sealed for the case's readers, not for the reporter
            continue
        author, signed = _signed_by(session, conn, v, expected, where, case.ciphers)
        statement: VersionStatement = json.loads(signed.statement)
        if (prev is not None and statement["prev"] != _chained(prev)) or statement[
            "author"
        ] != author.id:
            raise TamperDetected(f"The history of case {row.reference} has been altered.")
        prev = signed.statement
        if v.key_no != 1:
            continue  # sealed for the case's readers, not for the reporter
        stored = dict(
            conn.execute(
                select(CaseFieldRow.field, CaseFieldRow.value_ct).where(
                    CaseFieldRow.case_id == row.id, CaseFieldRow.version == v.version
                )
            ).all()
        )
        fields = _open_fields(row.id, v.version, statement, stored, first, where)
        if v.version == 1:
            if author.id != session.user_id:
                raise TamperDetected(f"{where} was not sent by you.")
            sent, sent_at = fields, datetime.fromisoformat(statement["at"])
        elif CaseField.REPLIES in fields:
            seq = int(statement.get("membership", 0))
            if not MANAGERS & author.roles_at(seq):
                raise TamperDetected(
                    f"A reply on {row.reference} was written by {author.name}, who does not "
                    "manage cases: it is not accepted."
                )
            replies = [
                Reply(str(r["text"]), str(r["by"]), datetime.fromisoformat(r["at"]))
                for r in fields[CaseField.REPLIES]
            ]
    return ReporterView(sent, sent_at, replies)


def statement_digests(session: Session, reference: str, numbers: list[int]) -> dict[int, str]:
    """The SHA-256 of the signed statements of these versions, each signature checked
    again as it is read (for a printout that names them)."""
    with session.engine.connect() as conn:
        case = open_case(session, conn, reference)
        rows = conn.execute(
            select(CaseVersionRow.__table__).where(
                CaseVersionRow.case_id == case.row.id, CaseVersionRow.version.in_(numbers)
            )
        ).all()
        digests: dict[int, str] = {}
        for v in rows:
            where = f"case {reference}, version {v.version}"
            _, signed = _signed_by(session, conn, v, v.version, where, case.ciphers)
            digests[v.version] = hashlib.sha256(signed.statement).hexdigest()
    return digests


def _closed_at(conn: Connection, case_id: str, ciphers: dict[int, Cipher]) -> datetime | None:
    """When the case was last closed: the time of the latest version that changed its status
    (read from the signed statements, which name the fields each version set)."""
    rows = conn.execute(
        select(CaseVersionRow.__table__)
        .where(CaseVersionRow.case_id == case_id)
        .order_by(CaseVersionRow.version.desc())
    ).all()
    for v in rows:
        signed = signed_version(v, ciphers, f"version {v.version}")
        data = json.loads(signed.statement)
        if CaseField.STATUS in data.get("fields", {}):
            return datetime.fromisoformat(data["at"])
    return None


# -- writing ------------------------------------------------------------------------------


def stamp(session: Session) -> Stamp:
    """Who is recording something, and when."""
    return {"recorded_by": session.person.name, "recorded_at": session.clock().isoformat()}


def checked_move(current: str, new: str) -> str:
    """`new`, if a case that is `current` may be marked so (domain/outcomes.py)."""
    if current != new and not can_move(CaseStatus(current), CaseStatus(new)):
        raise InvalidInput(f"A case that is {current} cannot be marked {new}.")
    return new


def _next_reference(conn: Connection, now: datetime, attempt: int) -> str:
    prefix = f"SL-{now.year}-"
    count = conn.execute(
        select(func.count()).select_from(CaseRow).where(CaseRow.reference.like(prefix + "%"))
    ).scalar_one()
    return f"{prefix}{count + 1 + attempt:04d}"


def create_case(
    session: Session, conn: Connection, fields: CaseFields, plan: AudiencePlan, attempt: int
) -> str:
    """Insert a new case with its first key, first version and list summary (and, for a
    reporter who is not a DSL, their receipt); returns its reference. `attempt` moves the
    reference on when another client took the one this would have had."""
    now = session.clock()
    audience_id = session.audience_for(conn, plan, hide_maker=True)
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
            case_id=case_id, key_no=1, wrapped=audience.seal(dek, dek_aad(case_id, 1, audience_id))
        )
    )
    cipher = Cipher(dek)
    append_version(
        session, conn, case_id, reference, 1, 1, cipher, fields, b"", {"audience": audience_id}
    )
    if Role.DSL not in session.person.roles:
        write_receipt(session, conn, case_id, reference, dek, fields, now)
    write_summary(
        conn, case_id, reference, audience_id, audience, 1, fields, now, now, ciphers={1: cipher}
    )
    session.audit(
        conn,
        "case.create",
        {"reference": reference},
        case=(case_id, 1, cipher),
        item="v1",
        sent_to=audience_id,
    )
    return reference


def append_version(
    session: Session,
    conn: Connection,
    case_id: str,
    reference: str,
    version: int,
    key_no: int,
    cipher: Cipher,
    changed: CaseFields,
    prev_statement: bytes,
    extra: VersionExtra,
) -> None:
    """Seal the fields `changed` sets and add the signed version that names them."""
    now = session.clock()
    cts = {
        name: cipher.seal(canonical_json(value), field_aad(case_id, version, name))
        for name, value in changed.items()
    }
    statement: VersionStatement = {
        "type": "case-version",
        "vault_id": session.directory.vault_id,
        "case_id": case_id,
        "reference": reference,
        "version": version,
        "key_no": key_no,
        "author": session.user_id,
        "at": now.isoformat(),
        "prev": _chained(prev_statement),
        # The point of the membership log the author wrote under: readers check the
        # author's authority there (vault/authority.py).
        "membership": session.directory.head_seq,
        "fields": {name: hashlib.sha256(ct).hexdigest() for name, ct in cts.items()},
        **extra,
    }
    signed = canonical_json(statement)
    signature = session.identity.sign(signed)
    stored: dict[str, Any]
    if version_author_sealed(version, extra):
        stored = {
            "author_id": None,
            "statement": seal_signature(
                cipher, version_author_aad(case_id, version), session.user_id, signature, signed
            ),
            "signature": b"",
        }
    else:
        stored = {"author_id": session.user_id, "statement": signed, "signature": signature}
    conn.execute(
        insert(CaseVersionRow).values(
            case_id=case_id, version=version, key_no=key_no, created_at=now, **stored
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


def commit_version(
    session: Session,
    conn: Connection,
    case: OpenCase,
    merged: CaseFields,
    prev: bytes,
    changed: CaseFields,
    extra: VersionExtra | None = None,
) -> int:
    """Append the signed version that sets `changed` (merged = the fields after it) and
    refresh the case's list summary; returns the new version number."""
    version = int(case.row.head_version) + 1
    # Replies to the reporter are sealed with the case's first key, which the reporter holds;
    # everything else with the current key, which they never do.
    key_no = 1 if set(changed) == {CaseField.REPLIES} else case.row.key_no
    append_version(
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
    write_summary(
        conn,
        case.row.id,
        case.row.reference,
        case.row.audience_id,
        session.audience_ciphers[case.row.audience_id],
        version,
        merged,
        case.row.created_at,
        session.clock(),
        ciphers=case.ciphers,
    )
    return version


def write_summary(
    conn: Connection,
    case_id: str,
    reference: str,
    audience_id: str,
    audience: Cipher,
    version: int,
    fields: CaseFields,
    created_at: datetime,
    updated_at: datetime,
    *,
    ciphers: dict[int, Cipher] | None = None,
) -> None:
    """The case's entry in the case list, sealed for its reader group. `ciphers`: the case's
    keys, to read when a closed case was closed."""
    closed_at = (
        _closed_at(conn, case_id, ciphers or {})
        if fields.get(CaseField.STATUS) == CaseStatus.CLOSED
        else None
    )
    retention = case_retention(fields, created_at, closed_at)
    summary: ListSummary = {
        "reference": reference,
        "category": fields.get(CaseField.CATEGORY, ""),
        "summary": fields.get(CaseField.SUMMARY, ""),
        "status": fields.get(CaseField.STATUS, ""),
        "about_headteacher": bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
        "escalated_to_leadership": bool(fields.get(CaseField.ESCALATED_TO_LEADERSHIP)),
        "reporter": fields.get(CaseField.REPORTER, ""),
        "next_due": next_due(fields, created_at),
        "review_on": retention.review_on.isoformat() if retention.review_on else None,
        "review_rule": retention.short,
        "created_at": created_at.isoformat(),
        "updated_at": updated_at.isoformat(),
        "version": version,
    }
    actions = summary_actions(fields)
    if actions:  # left out when none: most cases, and the list reads 10,000 of them
        summary["actions"] = actions
    people = fields.get(CaseField.PEOPLE) or []
    if people:
        summary["people"] = [p["name"] for p in people]
        pupils = sorted({p["pupil"] for p in people if p.get("pupil")})
        if pupils:
            summary["pupils"] = pupils
    conn.execute(
        update(CaseRow)
        .where(CaseRow.id == case_id)
        .values(
            summary_ct=audience.seal(
                canonical_json(summary), summary_aad(case_id, audience_id, version)
            )
        )
    )


def rekey(session: Session, conn: Connection, case: OpenCase, audience_id: str) -> None:
    """Give the case a new data key for a new reader group; chain the old key under it."""
    row = case.row
    old_no, new_no = row.key_no, row.key_no + 1
    dek = new_key()
    new_cipher = Cipher(dek)
    old_dek_wrapped = conn.execute(
        select(CaseKeyRow.wrapped).where(CaseKeyRow.case_id == row.id, CaseKeyRow.key_no == old_no)
    ).scalar_one()
    old_dek = session.audience_ciphers[row.audience_id].open(
        old_dek_wrapped, dek_aad(row.id, old_no, row.audience_id)
    )
    conn.execute(
        update(CaseKeyRow)
        .where(CaseKeyRow.case_id == row.id, CaseKeyRow.key_no == old_no)
        .values(wrapped=new_cipher.seal(old_dek, chain_aad(row.id, old_no)))
    )
    conn.execute(
        insert(CaseKeyRow).values(
            case_id=row.id,
            key_no=new_no,
            wrapped=session.audience_ciphers[audience_id].seal(
                dek, dek_aad(row.id, new_no, audience_id)
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
    try:
        signer = session.group_maker(conn, case.row.audience_id)
    except TamperDetected as exc:
        raise TamperDetected(f"Case {case.row.reference}: {exc}") from None
    if signer is None or signer == session.user_id or _holds_group(session, conn, case, signer):
        return
    verified = read_case(session, conn, case)
    fields = verified.fields
    plan = writer_plan(session, fields.get(CaseField.REPORTER, ""), fields)
    audience_id = session.audience_for(conn, plan)
    if audience_id == case.row.audience_id:
        return
    rekey(session, conn, case, audience_id)
    extra: VersionExtra = {"rekeyed": True, "audience": audience_id, "sealed_from_reporter": True}
    version = commit_version(session, conn, case, fields, verified.last_statement, {}, extra)
    case.row.head_version = version  # rekey made the row a mutable copy
    session.audit(
        conn,
        "case.seal-from-reporter",
        {"reference": case.row.reference, "version": version},
        case=case.audit_ref(),
        item=f"v{version}",
    )
    case.verified = None


def _holds_group(session: Session, conn: Connection, case: OpenCase, signer: str) -> bool:
    """Is the maker of the case's reader group one of its readers (by name or role key)?"""
    person = session.directory.people.get(signer)
    if person is None:
        return False
    for slot in session.audience_recipients(conn, case.row.audience_id) or []:
        kind, _, rest = slot.partition(":")
        if kind == "user" and rest == signer:
            return True
        if kind == "role" and any(r.value == rest.split(":")[0] for r in person.key_roles):
            return True
    return False


def amend_case(
    session: Session,
    reference: str,
    compute: Callable[[CaseFields], CaseFields],
    action: str,
    audit_details: dict[str, Any] | None = None,
) -> int:
    """Append a version whose changes are computed from the current fields inside the
    same transaction (so two people adding entries at once both keep theirs); re-key when
    who may read it changes. Only those who manage cases amend one."""
    session.ensure_open()
    if not MANAGERS & session.person.roles:
        raise AccessDenied(
            "A report cannot be changed once it has been sent; tell your DSL what to add."
        )
    with session.write() as conn:
        session.sync_membership(conn)
        case = open_case(session, conn, reference)
        seal_from_reporter(session, conn, case)
        verified = read_case(session, conn, case)
        fields = verified.fields
        changes = compute(fields)
        changed = cast(CaseFields, {k: v for k, v in changes.items() if fields.get(k) != v})
        if not changed:
            return int(case.row.head_version)
        merged: CaseFields = {**fields, **changed}
        extra: VersionExtra = {}
        if AUDIENCE_FIELDS & changed.keys():
            plan = writer_plan(session, merged.get(CaseField.REPORTER, session.user_id), merged)
            merged[CaseField.ABOUT_HEADTEACHER] = plan.about_headteacher
            changed[CaseField.ABOUT_HEADTEACHER] = plan.about_headteacher
            audience_id = session.audience_for(conn, plan)
            if audience_id != case.row.audience_id:
                rekey(session, conn, case, audience_id)
                extra = {"rekeyed": True, "audience": audience_id}
        version = commit_version(
            session, conn, case, merged, verified.last_statement, changed, extra
        )
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


# -- evidence items -----------------------------------------------------------------------


def evidence_statement(
    evidence_id: str,
    case_id: str,
    key_no: int,
    size: int,
    chunks: int,
    meta_ct: bytes,
    wrapped: bytes,
    thumbnail_ct: bytes | None,
    author: str,
    at: datetime,
    membership: int | None,
    case_version: int | None,
) -> bytes:
    """The signed statement of an evidence item (canonical JSON)."""
    statement: EvidenceStatement = {
        "type": "evidence",
        "id": evidence_id,
        "case_id": case_id,
        "key_no": key_no,
        "size": size,
        "chunks": chunks,
        "meta": hashlib.sha256(meta_ct).hexdigest(),
        "key": hashlib.sha256(wrapped).hexdigest(),
        "thumbnail": hashlib.sha256(thumbnail_ct).hexdigest() if thumbnail_ct else "",
        "author": author,
        "at": at.isoformat(),
    }
    # Where in the membership log and in the case the item was added: readers check the
    # author's authority there (vault/authority.py).
    if membership is not None:
        statement["membership"] = membership
    if case_version is not None:
        statement["case_version"] = case_version
    return canonical_json(statement)


def evidence_author_aad(evidence_id: str, case_id: str) -> bytes:
    return binding("evidence-author", evidence_id, case_id)


def signed_evidence(
    session: Session, cipher: Cipher, evidence_id: str, statement: bytes
) -> dict[str, Any]:
    """The author columns of a new evidence row: who added it is sealed with the case key
    together with the signed statement (case_schema.version_author_sealed)."""
    signature = session.identity.sign(statement)
    case_id = json.loads(statement)["case_id"]
    sealed = seal_signature(
        cipher, evidence_author_aad(evidence_id, case_id), session.user_id, signature, statement
    )
    return {"added_by": None, "statement": sealed, "signature": b""}


def verify_evidence_row(session: Session, conn: Connection, case: OpenCase, row: Any) -> None:
    """An evidence row must be exactly what its author signed, and its author must have
    been allowed to add it at the point of the case and membership log it names."""
    reference = case.row.reference
    where = f"evidence {row.id} of case {reference}"
    added_by, statement, signature = row.added_by, bytes(row.statement), bytes(row.signature)
    if added_by is None:
        cipher = case.ciphers.get(row.key_no)
        try:
            if cipher is None:
                raise DecryptionFailed("no key")
            sealed = open_signature(cipher, statement, evidence_author_aad(row.id, row.case_id))
        except DecryptionFailed:
            raise TamperDetected(f"The record of who added {where} is damaged.") from None
        added_by, statement, signature = sealed.author_id, sealed.statement, sealed.signature
    author = session.known_person(conn, added_by)
    try:
        placed = json.loads(statement)
    except ValueError:
        raise TamperDetected(f"The record of {where} has been altered.") from None
    expected = evidence_statement(
        row.id,
        row.case_id,
        row.key_no,
        row.size,
        row.chunk_count,
        row.metadata_ct,
        row.file_key_wrapped,
        row.thumbnail_ct,
        added_by,
        row.added_at,
        placed.get("membership") if isinstance(placed, dict) else None,
        placed.get("case_version") if isinstance(placed, dict) else None,
    )
    if author is None or expected != statement or not author.verifies(signature, statement):
        raise TamperDetected(f"The record of {where} has been altered.")
    verified = case.verified or read_case(session, conn, case)
    check_evidence_author(
        session,
        author,
        placed,
        verified.version_log,
        f"Evidence {row.id} of case {reference}",
        verified.audit_items,
        verified.first_manager_version,
    )
