"""The reports' pure rules (domain/reports.py) on hand-built cases: what counts in a period,
deadlines met, missed and outstanding, whose copy counts concerns about the headteacher,
the twelve months of the trend, initials, and the inspection pack's referrals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from safelog.domain.reports import (
    ReportCase,
    ReportEscalation,
    ReportPupil,
    check_period,
    default_period,
    governors_figures,
    initials,
    inspection_rows,
    month_starts,
    report_copy,
)
from safelog.domain.roles import Role

START, END = date(2026, 9, 1), date(2026, 12, 18)


def t(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def esc(route: str, due: datetime | None, done: datetime | None, **kw: object) -> ReportEscalation:
    required, not_needed = bool(kw.get("required")), bool(kw.get("not_needed"))
    return ReportEscalation(route, required, due, done, not_needed, str(kw.get("reference", "")))


CASES = [
    ReportCase("SL-1", "Cyberbullying of a pupil", t(9, 8), False, "Resolved in school", (
        esc("social-care", t(9, 8, 18), t(9, 8, 12), reference="M1"),  # met
        esc("dsl", t(9, 8, 18), None, required=True),  # outstanding
    ), (ReportPupil("J.S.", "8"),)),
    ReportCase("SL-2", "Cyberbullying of a pupil", t(10, 1), False, "", (
        esc("social-care", t(10, 1, 18), t(10, 2), reference="M2"),  # missed
        esc("police", None, t(10, 1, 11), reference="CR1"),  # no deadline
        esc("headteacher", t(10, 1, 18), None, required=True, not_needed=True),  # not needed
    )),
    ReportCase("SL-3", "Radicalisation or extremism concern", t(11, 2), False, "", (
        esc("prevent", None, t(11, 3)),
        esc("lado", t(12, 17, 18), t(12, 19)),  # made after the period: neither here
        esc("headteacher", t(12, 17, 18), t(12, 19), required=True),  # late, after the end
    )),
    ReportCase("SL-4", "Staff online conduct", t(11, 5), True, "Unfounded", (
        esc("lado", t(11, 6, 18), t(11, 6, 9), reference="L1"),
    )),
    ReportCase("SL-5", "Cyberbullying of a pupil", t(8, 20), False, "", (
        esc("social-care", t(8, 20, 18), t(9, 1, 8), reference="M0"),  # made in the period
    )),
    ReportCase("SL-6", "Cyberbullying of a pupil", t(12, 19), False, "", (
        esc("social-care", t(12, 21, 18), t(12, 21, 9), reference="M9"),
    )),
]  # fmt: skip


def test_whose_copy_counts_the_concerns_about_the_head() -> None:
    assert report_copy({Role.CHAIR}).counts_head_cases
    assert report_copy({Role.TRUST_CEO}).counts_head_cases
    assert not report_copy({Role.DSL}).counts_head_cases
    assert not report_copy({Role.HEADTEACHER, Role.DSL}).counts_head_cases
    assert report_copy({Role.DSL, Role.CHAIR}).label == "Copy for the chair of governors"
    assert report_copy({Role.HEADTEACHER}).label == "Copy for the headteacher"
    for refused in ({Role.STAFF}, {Role.ADMIN}, {Role.STAFF, Role.ADMIN}, set()):
        with pytest.raises(PermissionError):
            report_copy(refused)


def test_figures_by_hand_for_the_dsls_copy_and_the_chairs() -> None:
    dsl = governors_figures(CASES, START, END, report_copy({Role.DSL}))
    assert dsl.concerns == 3  # SL-1, 2, 3: SL-4 is about the head, SL-5 before, SL-6 after
    assert dsl.by_category == [
        ("Cyberbullying of a pupil", 2),
        ("Radicalisation or extremism concern", 1),
    ]
    assert dict(dsl.outcomes) == {"Resolved in school": 1, "No outcome recorded yet": 2}
    routes = {r.route: (r.made, r.met, r.missed, r.outstanding, r.no_deadline) for r in dsl.routes}
    assert routes == {
        "social-care": (3, 1, 2, 0, 0),  # SL-1 met; SL-2 late; SL-5 late (made 1 Sep)
        "police": (1, 0, 0, 0, 1),
        "prevent": (1, 0, 0, 0, 1),
        "dsl": (0, 0, 0, 1, 0),
        "headteacher": (0, 0, 0, 1, 0),  # SL-3: due 17 Dec, made only on 19 Dec
        "lado": (0, 0, 0, 0, 0),  # SL-4's is about the head; SL-3's after the end
    }
    assert (dsl.escalations_made, dsl.deadlines_met, dsl.deadlines_missed) == (5, 1, 4)

    chair = governors_figures(CASES, START, END, report_copy({Role.CHAIR}))
    assert chair.concerns == 4
    lado = next(r for r in chair.routes if r.route == "lado")
    assert (lado.made, lado.met) == (1, 1)
    assert "Staff online conduct" in dict(chair.by_category)
    assert [r.route for r in dsl.routes][:4] == ["social-care", "lado", "police", "prevent"]


def test_twelve_months_end_with_the_periods_month() -> None:
    assert month_starts(date(2026, 2, 14)) == [
        *(date(2025, m, 1) for m in range(3, 13)),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    dsl = governors_figures(CASES, START, END, report_copy({Role.DSL}))
    by_month = dict(zip(dsl.months, dsl.concerns_by_month, strict=True))
    assert by_month[date(2026, 8, 1)] == 1 and by_month[date(2026, 12, 1)] == 0  # SL-6 after
    referrals = dict(zip(dsl.months, dsl.referrals_by_month, strict=True))
    assert referrals[date(2026, 9, 1)] == 2  # SL-1's and SL-5's social care
    assert referrals[date(2026, 10, 1)] == 2  # SL-2's social care and police
    assert referrals[date(2026, 11, 1)] == 1  # SL-3's Prevent; SL-4 about the head
    assert referrals[date(2026, 12, 1)] == 0  # SL-6's and SL-3's LADO after the end


def test_inspection_rows_are_the_four_routes_made_in_the_period() -> None:
    rows = inspection_rows(CASES, START, END, report_copy({Role.CHAIR}))
    assert [(r.route, r.case_reference) for r in rows] == [
        ("social-care", "SL-5"),
        ("social-care", "SL-1"),
        ("social-care", "SL-2"),
        ("lado", "SL-4"),
        ("police", "SL-2"),
        ("prevent", "SL-3"),
    ]
    # The DSL's and the head's copies leave out the referral on the concern about the head.
    for roles in ({Role.DSL}, {Role.HEADTEACHER}):
        mine = inspection_rows(CASES, START, END, report_copy(roles))
        assert [r.case_reference for r in mine] == ["SL-5", "SL-1", "SL-2", "SL-2", "SL-3"]
    assert rows[1].pupils_shown == "J.S. (Year 8)" and rows[1].external_reference == "M1"
    assert rows[0].outcome == "No outcome recorded yet"


def test_initials_and_periods() -> None:
    assert initials("Jess Smith") == "J.S."
    assert initials("  zoë   nowak ") == "Z.N."
    assert initials("Olly Smith-Jones") == "O.S.J."
    assert initials("") == ""
    assert ReportPupil("R.G.").shown == "R.G."
    check_period(START, START)
    with pytest.raises(ValueError, match="is after its end"):
        check_period(END, START)


def test_default_periods_are_this_term_and_the_last_twelve_months() -> None:
    assert default_period(True, date(2026, 12, 4)) == (date(2026, 9, 1), date(2026, 12, 4))
    assert default_period(True, date(2027, 2, 10)) == (date(2027, 1, 1), date(2027, 2, 10))
    assert default_period(True, date(2027, 6, 30)) == (date(2027, 4, 1), date(2027, 6, 30))
    assert default_period(False, date(2026, 12, 4)) == (date(2025, 12, 5), date(2026, 12, 4))
    assert default_period(False, date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))
