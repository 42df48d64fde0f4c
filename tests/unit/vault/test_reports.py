"""Reports for governors and inspectors from real cases (vault/reports.py): the figures of
each role's copy worked out by hand from tests/support/report_cases.py, the headteacher rule
(the DSL's copy leaves out the case about the head its key opens; the chair's counts it; the
head's keys never open it), the inspection pack's referrals in the period and no others,
staff and admin refused, and every file audited with its SHA-256."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from support.report_cases import END, SCHOOL_START, START, build_report_cases
from support.school import Clock, School

from safelog.audit.actions import AuditAction
from safelog.errors import AccessDenied, InvalidInput
from safelog.vault.reports import GOVERNORS, INSPECTION, make_report

FROM, TO = date.fromisoformat(START), date.fromisoformat(END)


@pytest.fixture
def clock() -> Clock:
    return Clock(SCHOOL_START)


@pytest.fixture
def refs(school: School, clock: Clock) -> dict[str, str]:
    return build_report_cases(school, clock)


def _routes(result: Any) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        r.route: (r.made, r.met, r.missed, r.outstanding, r.no_deadline)
        for r in result.figures.routes
    }


def test_the_dsls_copy_counts_by_hand_and_leaves_out_the_case_about_the_head(
    school: School, refs: dict[str, str], tmp_path: Path
) -> None:
    dana = school.unlock("Dana DSL")
    result = make_report(dana, GOVERNORS, FROM, TO, tmp_path / "g.pdf", tmp_path / "g.csv")
    figures = result.figures
    assert result.copy.label == "Copy for the designated safeguarding lead"
    assert not result.copy.counts_head_cases
    assert figures.concerns == 3  # B, C, E (A before the period; D about the head)
    assert dict(figures.by_category) == {
        "Online abuse, exploitation or grooming disclosed by a pupil": 1,
        "Radicalisation or extremism concern": 1,
        "Cyberbullying of a pupil": 1,
    }
    assert _routes(result) == {
        "social-care": (2, 1, 1, 0, 0),  # B in time, C late; A's and E's outside the period
        "police": (1, 0, 0, 0, 1),
        "prevent": (1, 0, 0, 0, 1),
        "headteacher": (1, 1, 0, 2, 0),  # B told; C and E never
        "dsl": (0, 0, 0, 3, 0),  # required on B, C and E, never recorded
        "lado": (0, 0, 0, 0, 0),  # D's is not counted here; the four referral routes always are
    }
    assert figures.deadlines_met == 2 and figures.deadlines_missed == 6
    assert (figures.made_late, figures.outstanding, figures.no_deadline) == (1, 5, 2)
    assert dict(figures.outcomes) == {
        "Referred on: another agency leads": 1,
        "No outcome recorded yet": 2,
    }
    october, november = (
        figures.months.index(date(2026, 10, 1)),
        figures.months.index(date(2026, 11, 1)),
    )
    assert figures.months[-1] == date(2026, 11, 1) and len(figures.months) == 12
    assert figures.concerns_by_month[october] == 1 and figures.concerns_by_month[november] == 3
    assert figures.referrals_by_month[october] == 1  # A's, on 31 October
    assert figures.referrals_by_month[november] == 4  # B 2, C 2; E's after the period ends
    assert sum(figures.concerns_by_month) == 4
    entries, head = result.checkpoint
    assert entries > 10 and len(head) == 64
    dana.lock()


def test_the_chairs_copy_counts_the_case_about_the_head_and_the_heads_cannot(
    school: School, refs: dict[str, str], tmp_path: Path
) -> None:
    chris = school.unlock("Chris Chair")
    chair = make_report(chris, GOVERNORS, FROM, TO, tmp_path / "chair.pdf")
    assert chair.copy.counts_head_cases and chair.copy.label == "Copy for the chair of governors"
    assert chair.figures.concerns == 1  # D: all the chair's keys open
    assert _routes(chair)["lado"] == (1, 1, 0, 0, 0)
    assert _routes(chair)["chair-of-governors"] == (0, 0, 0, 1, 0)
    chris.lock()

    hugh = school.unlock("Hugh Head")
    head = make_report(hugh, GOVERNORS, FROM, TO, tmp_path / "head.pdf")
    assert head.copy.label == "Copy for the headteacher" and not head.copy.counts_head_cases
    assert head.figures.concerns == 1  # B, told to the head; never D
    assert _routes(head)["lado"] == (0, 0, 0, 0, 0)
    pack = make_report(hugh, INSPECTION, FROM, TO, tmp_path / "head-pack.pdf")
    assert refs["D"] not in {r.case_reference for r in pack.rows}
    hugh.lock()


def test_the_inspection_pack_lists_exactly_the_referrals_in_the_period(
    school: School, refs: dict[str, str], tmp_path: Path
) -> None:
    dana = school.unlock("Dana DSL")
    result = make_report(dana, INSPECTION, FROM, TO, tmp_path / "p.pdf", tmp_path / "p.csv")
    got = [(r.route, r.case_reference, r.external_reference) for r in result.rows]
    assert got == [  # not D's LADO referral: it is about the headteacher
        ("social-care", refs["B"], "MASH-0001"),
        ("social-care", refs["C"], "=HYPERLINK(1)"),
        ("police", refs["B"], "CR/2026/117"),
        ("prevent", refs["C"], "PREV-42"),
    ]
    b = result.rows[0]
    assert b.pupils_shown == "J.S. (Year 8), R.G."  # on the roll; typed by hand
    assert b.outcome == "Referred on: another agency leads"
    chris = school.unlock("Chris Chair")
    chair = make_report(chris, INSPECTION, FROM, TO, tmp_path / "chair.pdf")
    assert [(r.route, r.case_reference, r.external_reference) for r in chair.rows] == [
        ("lado", refs["D"], "LADO-7")  # all the chair's keys open
    ]
    assert chair.rows[0].pupils_shown == "O.S.J. (Year 8)"  # Olly Smith-Jones
    chris.lock()
    csv_text = (tmp_path / "p.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK(1)" in csv_text  # never a formula in a spreadsheet
    assert "MASH-BEFORE" not in csv_text and "MASH-AFTER" not in csv_text
    dana.lock()


def test_staff_and_admin_are_refused_and_bad_periods_and_paths_lose_nothing(
    school: School, refs: dict[str, str], tmp_path: Path
) -> None:
    sam = school.unlock("Sam Staff")
    with pytest.raises(AccessDenied, match="for the DSL, the headteacher and the chair"):
        make_report(sam, GOVERNORS, FROM, TO, tmp_path / "s.pdf")
    sam.lock()
    dana = school.unlock("Dana DSL")
    with pytest.raises(InvalidInput, match="is after its end"):
        make_report(dana, GOVERNORS, TO, FROM, tmp_path / "x.pdf")
    existing = tmp_path / "there.pdf"
    existing.write_bytes(b"keep me")
    with pytest.raises(InvalidInput, match="already exists"):
        make_report(dana, INSPECTION, FROM, TO, tmp_path / "y.pdf", existing)
    assert existing.read_bytes() == b"keep me" and not (tmp_path / "y.pdf").exists()
    assert not (tmp_path / "x.pdf").exists()
    dana.lock()


def test_every_file_is_audited_with_its_sha256(
    school: School, refs: dict[str, str], tmp_path: Path
) -> None:
    from safelog.vault.audit_trail import AuditTrail  # noqa: F401  (the session's trail)

    dana = school.unlock("Dana DSL")
    result = make_report(dana, GOVERNORS, FROM, TO, tmp_path / "g.pdf", tmp_path / "g.csv")
    pdf_sha = hashlib.sha256((tmp_path / "g.pdf").read_bytes()).hexdigest()
    csv_sha = hashlib.sha256((tmp_path / "g.csv").read_bytes()).hexdigest()
    assert (result.sha256, result.csv_sha256) == (pdf_sha, csv_sha)
    details = _last_entry(dana, AuditAction.REPORT_GOVERNORS)
    assert details["sha256"] == pdf_sha and details["csv_sha256"] == csv_sha
    assert details["from"] == START and details["to"] == END and details["copy"] == "dsl"
    assert details["audit_entries"] == result.checkpoint[0]
    dana.lock()


def _last_entry(session: Any, action: str) -> dict[str, Any]:
    from safelog.audit import log as audit_log

    with session.engine.connect() as conn:
        rows = list(audit_log.rows_after(conn, 0))
    for row in reversed(rows):
        if row.case_id is not None:
            continue
        body = session.open_audit_body(row.key_ref, row.created_at, row.body_ct, None)
        if body and body.get("action") == action:
            return dict(body["details"])
    raise AssertionError(f"no {action} entry")


@pytest.mark.parametrize("how", ["an entry changed", "the end of the log cut off"])
def test_a_rewritten_audit_log_is_refused_before_any_report_is_written(
    school: School, refs: dict[str, str], tmp_path: Path, how: str
) -> None:
    from sqlalchemy import delete, update

    from safelog.errors import TamperDetected
    from safelog.store.schema import AuditRow

    dana = school.unlock("Dana DSL")
    with dana.engine.begin() as conn:
        row = conn.execute(AuditRow.__table__.select().where(AuditRow.seq == 5)).one()
        if how == "an entry changed":
            body = bytearray(row.body_ct)
            body[len(body) // 2] ^= 1
            conn.execute(update(AuditRow).where(AuditRow.seq == 5).values(body_ct=bytes(body)))
        else:
            conn.execute(delete(AuditRow).where(AuditRow.seq >= 5))
    with pytest.raises(TamperDetected):
        make_report(dana, GOVERNORS, FROM, TO, tmp_path / "g.pdf", tmp_path / "g.csv")
    assert not (tmp_path / "g.pdf").exists() and not (tmp_path / "g.csv").exists()


def test_a_case_changed_in_the_database_is_left_out_and_said_so_without_its_reference(
    school: School, refs: dict[str, str], tmp_path: Path
) -> None:
    import subprocess

    from sqlalchemy import select, update

    from safelog.store.schema import CaseFieldRow, CaseRow

    dana = school.unlock("Dana DSL")
    with dana.engine.begin() as conn:
        case = conn.execute(select(CaseRow.id).where(CaseRow.reference == refs["C"])).scalar_one()
        row = conn.execute(
            select(CaseFieldRow.__table__).where(
                CaseFieldRow.case_id == case, CaseFieldRow.field == "category"
            )
        ).one()
        conn.execute(
            update(CaseFieldRow)
            .where(
                CaseFieldRow.case_id == case,
                CaseFieldRow.version == row.version,
                CaseFieldRow.field == "category",
            )
            .values(value_ct=bytes([row.value_ct[0] ^ 1]) + row.value_ct[1:])
        )
    out = tmp_path / "g.pdf"
    result = make_report(dana, GOVERNORS, FROM, TO, out)
    assert result.figures.concerns == 2  # B and E: C failed its checks
    assert [p.split(":")[0] for p in result.problems] == [refs["C"]]
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout
    assert b"1 case failed SafeLog's checks and is not counted" in text.replace(b"\n", b" ")
    assert refs["C"].encode() not in text
    pack = make_report(dana, INSPECTION, FROM, TO, tmp_path / "p.pdf")
    assert refs["C"] not in {r.case_reference for r in pack.rows}
    assert pack.problems and pack.problems[0].startswith(refs["C"])
    dana.lock()
