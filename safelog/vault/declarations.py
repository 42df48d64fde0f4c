"""Staff declarations (002 8.1, 9.1, appendix 2): each member signs, in SafeLog, that they
have read a policy and will follow it; the DSL and admin see who has signed each declaration
and who has not.

A declaration is an audit-log entry written by the member themself, so it is signed with
their own key and chained with every other entry: nobody can sign one for someone else, and
one cannot be taken away without breaking the chain. Its body is sealed, like every entry
not about a case, for the DSL and admin role keys: the register is theirs to read. Each
reader checks the whole chain and every signature before listing anything (DESIGN §3.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from safelog.audit import log as audit_log
from safelog.audit.actions import AuditAction
from safelog.crypto.aead import DecryptionFailed
from safelog.domain.declarations import DECLARATIONS, Declaration, declaration_by_code
from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput, TamperDetected
from safelog.store.engine import snapshot
from safelog.store.files import write_atomically
from safelog.vault.session import Session

REGISTER_READERS = frozenset({Role.DSL, Role.ADMIN})


@dataclass(frozen=True)
class Signature:
    declaration: str  # its code
    user_id: str
    name: str
    at: datetime
    text_sha256: str
    seq: int  # the audit entry


@dataclass
class Register:
    """Who signed which declaration, and who has not (members now enrolled)."""

    signatures: list[Signature] = field(default_factory=list)
    not_signed: dict[str, list[str]] = field(default_factory=dict)  # code -> names
    adults: list[str] = field(default_factory=list)  # staff on the adults register: on paper


def _check(code: str) -> Declaration:
    try:
        return declaration_by_code(code)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _signatures(session: Session) -> list[Signature]:
    """Every declaration in the audit log, after the whole chain and every signature on it
    has been checked. Only the DSL and admin can open the entries."""
    found = []
    seen = session.last_checkpoint()
    with snapshot(session.engine) as conn:
        session.reload_directory(conn)
        rows = audit_log.rows_after(conn, 0)
        try:
            end = audit_log.verify_chain(
                rows,
                start=audit_log.Head(0, audit_log.GENESIS),
                verify_signature=session.verify_actor_signature,
            )
        except audit_log.ChainBroken as exc:
            raise TamperDetected(f"The audit log is damaged: {exc}.") from None
        head = audit_log.read_head(conn)
        if (head.seq, head.entry_hash) != (end.seq, end.entry_hash):  # entries cut off the end
            raise TamperDetected("The audit log's head does not match its last entry.")
        session.check_audit_log(conn, seen)  # nor an older copy of the log put back
    for row in rows:
        if row.case_id is not None:
            continue
        try:
            body = session.open_audit_body(row.key_ref, row.created_at, row.body_ct, None)
        except (DecryptionFailed, ValueError, KeyError):
            raise TamperDetected(f"Audit entry {row.seq} is damaged.") from None
        if not body or body.get("action") != AuditAction.DECLARATION_SIGNED:
            continue
        details = body.get("details") or {}
        person = session.directory.people.get(row.actor_id)
        found.append(
            Signature(
                declaration=str(details.get("declaration", "")),
                user_id=row.actor_id,  # the signer the chain checked, not what the body says
                name=person.name if person else "(a former member)",
                at=row.created_at,
                text_sha256=str(details.get("text_sha256", "")),
                seq=row.seq,
            )
        )
    return found


def my_signatures(session: Session) -> dict[str, datetime]:
    """The declarations this person has signed, with when: known to the DSL and admin, who
    can open the entries (for others the app says what they signed this time; signing again
    adds a newer signature, which is harmless)."""
    if not REGISTER_READERS & session.person.roles:
        return {}
    return {s.declaration: s.at for s in _signatures(session) if s.user_id == session.user_id}


def sign_declaration(session: Session, code: str) -> Signature:
    """Sign `code` as the person signed in: an audit entry signed with their key."""
    session.ensure_open()
    declaration = _check(code)
    details = {
        "declaration": declaration.code,
        "title": declaration.title,
        "text_sha256": declaration.text_sha256,
        "policy_refs": list(declaration.policy_refs),
    }
    with session.write() as conn:
        session.audit(conn, AuditAction.DECLARATION_SIGNED, details)
        seq = audit_log.read_head(conn).seq
    now = session.clock()
    return Signature(
        declaration.code, session.user_id, session.person.name, now, declaration.text_sha256, seq
    )


def declaration_register(session: Session) -> Register:
    """For the DSL and admin: every signature (the latest wording's), and who has not signed."""
    session.ensure_open()
    if not REGISTER_READERS & session.person.roles:
        raise AccessDenied("The register of policy declarations is for the DSL and the admin.")
    signatures = _signatures(session)
    members = {pid: p.name for pid, p in session.directory.people.items() if p.status == "active"}
    register = Register(signatures=signatures)
    for declaration in DECLARATIONS:
        signed = {
            s.user_id
            for s in signatures
            if s.declaration == declaration.code and s.text_sha256 == declaration.text_sha256
        }
        register.not_signed[declaration.code] = sorted(
            name for pid, name in members.items() if pid not in signed
        )
    from safelog.vault.roll import load_roll

    adults = load_roll(session).adults.values()
    register.adults = sorted(a.display_name for a in adults if a.left_on is None)
    return register


def print_register(session: Session, out: Path) -> str:
    """The register as a printable PDF (export/declarations_form.py); audited with its
    SHA-256. Returns the SHA-256."""
    from safelog.export.declarations_form import render_register

    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    register = declaration_register(session)
    pdf = render_register(session.directory.school, register, session.clock())
    digest = write_atomically(out, pdf)
    with session.write() as conn:
        session.audit(
            conn,
            AuditAction.DECLARATION_PRINT,
            {"file": out.name, "sha256": digest, "signatures": len(register.signatures)},
        )
    return digest
