"""Staff declarations of having read the policies (issue 18, 002 8.1, 9.1, appendix 2): each
signs their own with their own key; the DSL and admin see who has and has not signed and
print the register; staff cannot read it; an entry altered, moved to another person or
removed in the database is refused, never listed."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update

from safelog.errors import AccessDenied, InvalidInput, TamperDetected
from safelog.store.schema import AuditRow
from safelog.vault.declarations import declaration_register, print_register, sign_declaration


def test_each_signs_their_own_and_the_dsl_sees_who_has_not(school: Any) -> None:
    sign_declaration(school.unlock("Sam Staff"), "acceptable-use")
    sign_declaration(school.unlock("Sam Staff"), "social-media")
    sign_declaration(school.unlock("Tess Teacher"), "acceptable-use")
    with pytest.raises(InvalidInput, match="There is no declaration"):
        sign_declaration(school.unlock("Tess Teacher"), "fire-drill")
    register = declaration_register(school.unlock("Dana DSL"))
    signed = sorted((s.declaration, s.name) for s in register.signatures)
    assert signed == [
        ("acceptable-use", "Sam Staff"),
        ("acceptable-use", "Tess Teacher"),
        ("social-media", "Sam Staff"),
    ]
    assert "Sam Staff" not in register.not_signed["social-media"]
    assert "Tess Teacher" in register.not_signed["social-media"]
    assert {"Dana DSL", "Hugh Head", "Chris Chair"} <= set(register.not_signed["acceptable-use"])


def test_staff_cannot_read_the_register(school: Any) -> None:
    for name in ("Sam Staff", "Hugh Head", "Chris Chair"):
        with pytest.raises(AccessDenied):
            declaration_register(school.unlock(name))


def _declaration_rows(session: Any) -> list[int]:
    from safelog.audit import log as audit_log

    with session.engine.connect() as conn:
        rows = audit_log.rows_after(conn, 0)
    found = []
    for row in rows:
        body = session.open_audit_body(row.key_ref, row.created_at, row.body_ct, None)
        if body and body.get("action") == "declaration.signed":
            found.append(row.seq)
    return found


@pytest.mark.parametrize(
    "how", ["body changed", "given to someone else", "removed", "the end of the log cut off"]
)
def test_a_declaration_altered_in_the_database_is_refused(school: Any, how: str) -> None:
    sign_declaration(school.unlock("Sam Staff"), "acceptable-use")
    dana = school.unlock("Dana DSL")
    [seq] = _declaration_rows(dana)
    with dana.engine.begin() as conn:
        if how == "body changed":
            row = conn.execute(AuditRow.__table__.select().where(AuditRow.seq == seq)).one()
            body = bytearray(row.body_ct)
            body[len(body) // 2] ^= 1
            conn.execute(update(AuditRow).where(AuditRow.seq == seq).values(body_ct=bytes(body)))
        elif how == "given to someone else":
            tess = school.ids["Tess Teacher"]
            conn.execute(update(AuditRow).where(AuditRow.seq == seq).values(actor_id=tess))
        elif how == "removed":
            conn.execute(delete(AuditRow).where(AuditRow.seq == seq))
        else:
            conn.execute(delete(AuditRow).where(AuditRow.seq >= seq))
    with pytest.raises(TamperDetected, match="audit"):
        declaration_register(school.unlock("Dana DSL"))


def test_the_register_prints_and_the_print_is_audited(school: Any, tmp_path: Path) -> None:
    sign_declaration(school.unlock("Sam Staff"), "social-media")
    dana = school.unlock("Dana DSL")
    out = tmp_path / "declarations.pdf"
    digest = print_register(dana, out)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(out), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )
    assert "Register of policy declarations" in text
    assert "School social media policy (002 8.1)" in text
    assert "Sam Staff" in text and "Not signed yet:" in text and "Tess Teacher" in text
    with pytest.raises(InvalidInput, match="already exists"):
        print_register(dana, out)
    prints = [s for s in _audit_bodies(dana) if s["action"] == "declaration.print"]
    assert prints and prints[-1]["details"]["sha256"] == digest


def _audit_bodies(session: Any) -> list[dict[str, Any]]:
    from safelog.audit import log as audit_log

    with session.engine.connect() as conn:
        rows = audit_log.rows_after(conn, 0)
    bodies = [session.open_audit_body(r.key_ref, r.created_at, r.body_ct, None) for r in rows]
    return [b for b in bodies if b]
