"""Reading a case: every version verified (signature, chain of statements, each field,
and the authority of its author, vault/authority.py) and decrypted, with the audit entries
about it checked; a report as its reporter reads it; the digests of signed statements.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, select

from safelog.audit import log as audit_log
from safelog.crypto.aead import Cipher, DecryptionFailed
from safelog.crypto.sealed_signature import SEALED_ACTOR, open_signature
from safelog.domain.outcomes import CaseStatus
from safelog.errors import TamperDetected
from safelog.store.schema import AuditRow, CaseFieldRow, CaseVersionRow
from safelog.vault import verified_cases
from safelog.vault.authority import MANAGERS, CaseAuthority, VersionAuthor
from safelog.vault.case_engine import (
    OpenCase,
    VerifiedCase,
    field_aad,
    open_case,
    version_author_aad,
)
from safelog.vault.case_schema import CaseField, CaseFields, VersionStatement
from safelog.vault.directory import Person, membership_point
from safelog.vault.records import Reply, Version
from safelog.vault.rows_ahead import RowsAhead
from safelog.vault.session import Session


def _versions(conn: Connection, case_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(CaseVersionRow.__table__)
            .where(CaseVersionRow.case_id == case_id)
            .order_by(CaseVersionRow.version)
        ).all()
    )


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


def chained(prev: bytes) -> str:
    return hashlib.sha256(prev).hexdigest() if prev else ""


def read_case(
    session: Session,
    conn: Connection,
    case: OpenCase,
    *,
    in_full: bool = False,
    groups_read: dict[tuple[str, ...], verified_cases.GroupRows] | None = None,
    ahead: RowsAhead | None = None,
) -> VerifiedCase:
    """Verify and decrypt every version, checking each author's authority (DESIGN §3.5).
    Rows this device already verified, unchanged since, are not checked again
    (vault/verified_cases.py) unless `in_full`. `groups_read`: reader groups already read
    in this transaction, for a caller reading many cases (most share a few groups), as
    `ahead` holds their rows (vault/rows_ahead.py)."""
    row = case.row
    if ahead is not None and row.id in ahead.versions:
        versions, field_rows = ahead.versions[row.id], ahead.fields[row.id]
        audit_rows = ahead.audit[row.id]
    else:
        versions = _versions(conn, row.id)
        field_rows = list(
            conn.execute(select(CaseFieldRow.__table__).where(CaseFieldRow.case_id == row.id)).all()
        )
        audit_rows = _audit_rows(conn, row.id)
    by_version: dict[int, dict[str, bytes]] = {}
    for f in field_rows:
        by_version.setdefault(f.version, {})[f.field] = f.value_ct
    if len(versions) != row.head_version:
        raise TamperDetected(f"Case {row.reference} has versions missing.")
    signed = [
        signed_version(v, case.ciphers, f"case {row.reference}, version {v.version}")
        for v in versions
    ]
    statements = [
        _statement(s, f"case {row.reference}, version {n}") for n, s in enumerate(signed, 1)
    ]
    named = {row.audience_id} | {str(st["audience"]) for st in statements if st.get("audience")}
    wanted = tuple(sorted(named))
    groups = groups_read.get(wanted) if groups_read is not None else None
    if groups is None:
        groups = verified_cases.read_groups(conn, wanted)
        if groups_read is not None:
            groups_read[wanted] = groups
    records = verified_cases.held(session)
    known = None if in_full else records.get(row.id)
    last_seq = audit_rows[-1].seq if audit_rows else 0
    digests = verified_cases.rows_digests(
        row,
        versions,
        field_rows,
        groups,
        audit_rows,
        (last_seq,) if known is None else (known.audit_seq, last_seq),
    )
    if known is not None and (
        known.groups != groups.ids
        or _names_an_item(audit_rows, after=known.audit_seq)
        or digests[known.audit_seq] != known.digest
    ):
        known = None
    authority = (
        None
        if known is not None
        else CaseAuthority(session, conn, row.reference, row.audience_id, row.id)
    )
    fields: CaseFields = {}
    changes: dict[int, CaseFields] = {}
    history: list[Version] = []
    log: list[VersionAuthor] = []
    prev = b""
    for expected, (v, version_signed, statement) in enumerate(
        zip(versions, signed, statements, strict=True), start=1
    ):
        where = f"case {row.reference}, version {v.version}"
        author = session.known_person(conn, version_signed.author_id)
        if (
            v.version != expected
            or author is None
            or (
                authority is not None
                and not author.verifies_at(
                    version_signed.signature, version_signed.statement, membership_point(statement)
                )
            )
        ):
            raise TamperDetected(f"The signature on {where} does not check out.")
        if (
            statement["author"] != version_signed.author_id
            or statement["case_id"] != row.id
            or statement["version"] != v.version
            or statement["key_no"] != v.key_no
            or statement["prev"] != chained(prev)
        ):
            raise TamperDetected(
                f"The history of case {row.reference} has been altered at version {v.version}."
            )
        stored = by_version.get(v.version, {})
        changed = _open_fields(
            row.id, v.version, statement, stored, case.ciphers.get(v.key_no), where
        )
        if authority is not None:
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
        prev = version_signed.statement
    if authority is not None:
        authority.finish()
        first_manager = authority.first_manager_version
    else:
        assert known is not None
        first_manager = known.first_manager_version
    checked_audit_rows(
        session, conn, case, [a for a in audit_rows if known is None or a.seq > known.audit_seq]
    )
    # A full check is kept only if the reader groups it checked were the ones digested
    # (the checks read them again: another writer might have changed them in between).
    if (known is None and verified_cases.read_groups(conn, groups.ids) == groups) or (
        known is not None and last_seq != known.audit_seq
    ):
        records.put(
            row.id, verified_cases.CaseCheck(digests[last_seq], last_seq, groups.ids, first_manager)
        )
    case.verified = VerifiedCase(
        fields,
        history,
        prev,
        changes,
        log,
        audit_log.items_of(audit_rows),
        first_manager,
    )
    return case.verified


def _statement(signed: SignedVersion, where: str) -> VersionStatement:
    """A version's statement, parsed before its signature is checked (to find the reader
    groups it names): what is not a statement fails as a bad signature would."""
    try:
        statement = json.loads(signed.statement)
    except ValueError:
        raise TamperDetected(f"The signature on {where} does not check out.") from None
    if not isinstance(statement, dict):
        raise TamperDetected(f"The signature on {where} does not check out.")
    return cast(VersionStatement, statement)


def _audit_rows(conn: Connection, case_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(AuditRow.__table__).where(AuditRow.case_id == case_id).order_by(AuditRow.seq)
        ).all()
    )


def _names_an_item(audit_rows: list[Any], *, after: int) -> bool:
    """Does an audit entry after `after` record a version or evidence item? Then the rows
    it is about changed, and the case is verified in full."""
    return any(audit_log.parse_item_ref(a.item_ref)[0] for a in audit_rows if a.seq > after)


def checked_audit_rows(
    session: Session, conn: Connection, case: OpenCase, rows: list[Any] | None = None
) -> list[tuple[Any, Cipher | None]]:
    """Every audit entry about the case (or `rows` of them), in order, each with the key its
    body is sealed with: its hash checked, and who signed it (sealed with that key for all
    but the case's readers, crypto/sealed_signature.py) checked against their signature."""
    if rows is None:
        rows = _audit_rows(conn, case.row.id)
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
        if (prev is not None and statement["prev"] != chained(prev)) or statement[
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
