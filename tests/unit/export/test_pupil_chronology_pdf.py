"""A pupil's chronology as a signed PDF (issue 13, point 4): two cases about one pupil in
one file, in date order, signed like a case file (SafeLog's own check and pyHanko's agree),
pseudonymised on request without ever hiding the pupil, refused to a member of staff, and
its export audited."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from export_support import flat, needs_tools, pages_text, pyhanko_status, signature_parts
from sqlalchemy import select
from support.roll_files import SIMS_CSV
from support.school import School

from safelog.audit.actions import AuditAction
from safelog.errors import AccessDenied, InvalidInput
from safelog.export.signing import ca_pem_from_der
from safelog.export.verify import verify_case_file
from safelog.store.schema import AuditRow
from safelog.vault.audit_view import case_audit
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.pupil_export import VIA, export_pupil_chronology
from safelog.vault.roll import import_roll
from safelog.vault.workspace import add_chronology, record_decision

pytestmark = [pytest.mark.parametrize("db_url", ["sqlite"], indirect=True), pytest.mark.slow]

JESS = "B201201001010"  # Jess (Jessica) Smith
LIAM = "P201201001020"  # Liam O'Brien
OLLY = "D201201001050"  # Olly (Oliver) Smith-Jones
ROLL = SIMS_CSV.replace("31/02/2011", "28/02/2011").encode()
OTHERS = ("Liam O'Brien", "Olly Smith-Jones", "Oliver Smith-Jones", "Ben Pupil", "Karen Hill")


@pytest.fixture
def two_cases(school: School, clock: Any) -> tuple[str, str]:
    dana = school.unlock("Dana DSL")
    assert import_roll(dana, ROLL).imported
    dana.lock()
    sam = school.unlock("Sam Staff")
    first = add_case(
        sam,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Unkind messages",
                "description": "Liam O'Brien sent Jess unkind messages; Ben Pupil saw them.",
                "occurred_at": "2026-11-02T09:00:00+00:00",
                "people": [
                    {"pupil": JESS, "role": "victim"},
                    {"pupil": LIAM, "role": "alleged-perpetrator"},
                    {"name": "Ben Pupil", "kind": "pupil", "role": "witness"},
                    {"name": "Karen Hill", "kind": "parent", "role": "other"},
                ],
            }
        ),
    )
    sam.lock()
    clock.advance(days=2)
    tess = school.unlock("Tess Teacher")
    second = add_case(
        tess,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Left out of a group chat",
                "description": "Olly Smith-Jones told me Jess was removed from the form chat.",
                "people": [{"pupil": JESS, "role": "victim"}, {"pupil": OLLY, "role": "witness"}],
            }
        ),
    )
    tess.lock()
    dana = school.unlock("Dana DSL")
    record_decision(dana, first, "Speak to Liam O'Brien and his parents", "First incident")
    add_chronology(
        dana,
        first,
        "Spoke to Jess; Karen Hill was there.",
        occurred_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
    )
    dana.lock()
    return first, second


def export(school: School, out: Path, who: str = "Dana DSL", **kwargs: Any) -> Any:
    session = school.unlock(who)
    try:
        return export_pupil_chronology(session, JESS, out, **kwargs)
    finally:
        session.lock()


def ca_pem(school: School) -> bytes:
    session = school.unlock("Dana DSL")
    try:
        return ca_pem_from_der(session.directory.ca_der)
    finally:
        session.lock()


def test_both_cases_in_one_signed_chronology_in_date_order(
    school: School, two_cases: tuple[str, str], tmp_path: Path
) -> None:
    needs_tools()
    first, second = two_cases
    out = tmp_path / "jess.pdf"
    result = export(school, out)
    assert result.path == out and out.exists() and result.pages >= 3
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    report = verify_case_file(out, ca_pem(school))
    assert report.ok, report.lines
    lines = "\n".join(report.lines)
    assert "covers the whole file" in lines and "issued by the school CA you gave" in lines
    assert report.signer == "Dana DSL (Ravens Wood School)"

    from pyhanko.sign.validation.status import SignatureCoverageLevel

    sig, status = pyhanko_status(out, ca_pem(school))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "Safeguarding chronology" in str(sig.sig_object["/Reason"])

    pages = pages_text(out)
    assert len(pages) == result.pages
    cover = flat(pages[0])
    for words in (
        "Ravens Wood School",
        "Safeguarding chronology",
        "Jess (Jessica) Smith",
        "14 March 2012",  # date of birth
        JESS,
        "Year 8, 8B",
        "Review on 14 March 2037",
        "2 cases, ",
        "Printed by Dana DSL",
        "OFFICIAL-SENSITIVE",
        "Digitally signed by Dana DSL",  # the visible signature, in the box on the cover
    ):
        assert words in cover, words
    body = flat(" ".join(pages[1:]))
    assert first in body and second in body and "Victim" in body
    # The chronology: both cases' entries, one after the other in date order.
    order = [
        body.index("Liam O'Brien sent Jess"),  # first report, 2 November
        body.index("Spoke to Jess; Karen Hill was there."),  # 3 November
        body.index("Olly Smith-Jones told me"),  # second report, two days after the first
    ]
    assert order == sorted(order)
    assert "Decision: Speak to Liam O'Brien" in body
    assert "How to check this file" in flat(pages[-1])


def test_pseudonymised_names_no_one_else_but_keeps_the_pupil(
    school: School, two_cases: tuple[str, str], tmp_path: Path
) -> None:
    needs_tools()
    out = tmp_path / "jess-pseudonymised.pdf"
    export(school, out, pseudonymise=True)
    assert verify_case_file(out, ca_pem(school)).ok
    text = flat(" ".join(pages_text(out)))
    for name in (*OTHERS, "O'Brien", "Smith-Jones"):
        assert name not in text, name
    assert "Jess (Jessica) Smith" in text
    # One label each, the same wherever the person appears (a roll pupil under every form
    # of their name: Olly is recorded as "Olly (Oliver) Smith-Jones", written "Olly ...").
    assert "Pupil A sent Jess unkind messages; Pupil B saw them." in text
    assert "Decision: Speak to Pupil A and his parents" in text
    assert "Spoke to Jess; Parent or carer A was there." in text
    assert "Pupil C told me Jess was removed" in text
    assert "Pseudonymised" in text


def test_a_member_of_staff_is_refused_and_no_file_is_written(
    school: School, two_cases: tuple[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "staff.pdf"
    with pytest.raises(AccessDenied, match="chronology is for the DSL"):
        export(school, out, who="Sam Staff")
    assert not out.exists()


def test_an_existing_file_is_not_overwritten(
    school: School, two_cases: tuple[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "there.pdf"
    out.write_bytes(b"keep me")
    with pytest.raises(InvalidInput, match="already exists"):
        export(school, out)
    assert out.read_bytes() == b"keep me"


def test_one_changed_byte_fails_verification(
    school: School, two_cases: tuple[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "jess.pdf"
    export(school, out)
    data = bytearray(out.read_bytes())
    start, length, _, _ = signature_parts(bytes(data)).byte_range
    spot = start + length // 2  # inside the signed bytes, before the signature itself
    data[spot] ^= 0x01
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    report = verify_case_file(changed, ca_pem(school))
    assert not report.ok
    assert report.problems


def test_the_export_is_audited(school: School, two_cases: tuple[str, str], tmp_path: Path) -> None:
    first, second = two_cases
    result = export(school, tmp_path / "jess.pdf", pseudonymise=True)
    dana = school.unlock("Dana DSL")
    with dana.engine.connect() as conn:
        rows = conn.execute(select(AuditRow.__table__).where(AuditRow.case_id.is_(None))).all()
    bodies = [dana.open_audit_body(r.key_ref, r.created_at, r.body_ct, None) for r in rows]
    [entry] = [b for b in bodies if b and b["action"] == AuditAction.PUPIL_EXPORT]
    details = entry["details"]
    assert details["sha256"] == result.sha256 and details["cases"] == 2
    assert details["pages"] == result.pages and details["pseudonymised"] is True
    for reference in (first, second):
        views = [e for e in case_audit(dana, reference) if e.action == AuditAction.CASE_VIEW]
        assert any(e.details.get("via") == VIA for e in views)
    dana.lock()
    assert AuditAction.PUPIL_EXPORT.label == "Pupil's chronology exported"
