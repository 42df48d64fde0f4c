"""Writing a case: a new case with its first key and version, each signed version after it,
re-keying when who may read it changes, and sealing a report from its reporter the first
time someone who manages cases opens it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, func, insert, select, update

from safelog.audit.actions import AuditAction
from safelog.crypto.aead import Cipher, new_key
from safelog.crypto.encoding import canonical_json
from safelog.crypto.sealed_signature import seal_signature
from safelog.domain.access import AudiencePlan
from safelog.domain.edit_merge import merge_edits
from safelog.domain.outcomes import CaseStatus, can_move
from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput, TamperDetected
from safelog.store.notify import announce_case_change
from safelog.store.schema import CaseFieldRow, CaseKeyRow, CaseRow, CaseVersionRow
from safelog.vault.authority import AUDIENCE_FIELDS, MANAGERS, writer_plan
from safelog.vault.case_engine import (
    OpenCase,
    chain_aad,
    dek_aad,
    field_aad,
    open_case,
    version_author_aad,
)
from safelog.vault.case_reading import chained, read_case
from safelog.vault.case_schema import (
    CaseField,
    CaseFields,
    Stamp,
    VersionExtra,
    VersionStatement,
    version_author_sealed,
)
from safelog.vault.case_summary import write_summary
from safelog.vault.left_out import left_out_markers
from safelog.vault.receipt_store import has_receipt, refresh_receipt, write_receipt
from safelog.vault.session import Session


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
        AuditAction.CASE_CREATE,
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
        "prev": chained(prev_statement),
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
    announce_case_change(conn)  # other PCs on a shared server look again at once


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
    extra: VersionExtra = {
        "rekeyed": True,
        "audience": audience_id,
        "sealed_from_reporter": True,
        "left_out": left_out_markers(session, plan, case.row.id, case.row.key_no),
    }
    version = commit_version(session, conn, case, fields, verified.last_statement, {}, extra)
    case.row.head_version = version  # rekey made the row a mutable copy
    session.audit(
        conn,
        AuditAction.CASE_SEAL_FROM_REPORTER,
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


def fields_as_of(changes: dict[int, CaseFields], version: int) -> CaseFields:
    """A case's fields as they were after `version`, from what each version set."""
    out: CaseFields = {}
    for number in sorted(changes):
        if number <= version:
            out.update(changes[number])
    return out


def amend_case(
    session: Session,
    reference: str,
    compute: Callable[[CaseFields], CaseFields],
    action: str,
    audit_details: dict[str, Any] | None = None,
    based_on: int | None = None,
) -> int:
    """Append a version whose changes are computed from the current fields inside the
    same transaction (so two people adding entries at once both keep theirs); re-key when
    who may read it changes. Only those who manage cases amend one. `based_on`: the version
    the writer was looking at; what others wrote since is kept (domain/edit_merge.py)."""
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
        if based_on is not None and based_on < case.row.head_version:
            base = fields_as_of(verified.changes, based_on)
            changes = cast(CaseFields, merge_edits(base, fields, changes))
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
                extra = {
                    "rekeyed": True,
                    "audience": audience_id,
                    "left_out": left_out_markers(session, plan, case.row.id, case.row.key_no),
                }
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
