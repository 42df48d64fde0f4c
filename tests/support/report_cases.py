"""Cases for the reports for governors and inspectors (issue 15 point 3), on dates chosen so
that every figure can be worked out by hand (tests/unit/vault/test_reports.py says how).

The period is 1 to 13 November 2026 (GMT, so UTC is London time). Case A's referral is made
just before it, case E's just after it; case D is about the headteacher."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from support.roll_files import SIMS_CSV
from support.school import Clock, School

START = "2026-11-01"
END = "2026-11-13"
ROLL = SIMS_CSV.replace("31/02/2011", "28/02/2011").encode()
JESS, LIAM, OLLY = "B201201001010", "P201201001020", "D201201001050"
# Every name of a person in the test school, of a pupil on its roll, and the one pupil typed
# by hand.
STAFF_NAMES = (
    "Dana DSL", "Hugh Head", "Chris Chair", "Sam Staff", "Tess Teacher",
    "Dana", "Hugh", "Chris", "Sam", "Tess",
)  # fmt: skip
PUPIL_NAMES = (
    "Jess", "Jessica", "Smith", "Liam", "O'Brien", "Zoë", "Nowak", "Aisha", "Khan",
    "Oliver", "Olly", "Smith-Jones", "Aarav", "Patel", "Ruby", "Green",
)  # fmt: skip
SCHOOL_START = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _report(school: School, clock: Clock, when: datetime, case: dict[str, Any]) -> str:
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case

    clock.now = when
    sam = school.unlock("Sam Staff")
    try:
        return add_case(sam, CaseInput.from_json({"description": "As reported.", **case}))  # type: ignore[arg-type]
    finally:
        sam.lock()  # type: ignore[attr-defined]


def build_report_cases(school: School, clock: Clock) -> dict[str, str]:
    """Cases A to E (their references by letter), with their escalations recorded by the
    DSL. The clock ends on 14 November."""
    from safelog.vault.roll import import_roll
    from safelog.vault.workspace import record_escalation, set_outcome

    dana = school.unlock("Dana DSL")
    import_roll(dana, ROLL)  # type: ignore[arg-type]
    dana.lock()  # type: ignore[attr-defined]
    jess = {"pupil": JESS, "role": "victim"}
    refs = {
        "A": _report(school, clock, at(30, 10, month=10),
                     {"category": "cyberbullying-pupil", "summary": "A", "people": [jess]}),
        "B": _report(school, clock, at(2, 10), {
            "category": "online-abuse-disclosure", "summary": "B",
            "people": [jess, {"name": "Ruby Green", "kind": "pupil", "role": "witness"}]}),
        "C": _report(school, clock, at(3, 10), {
            "category": "radicalisation", "summary": "C",
            "people": [{"pupil": LIAM, "role": "other"}]}),
        "D": _report(school, clock, at(5, 10), {
            "category": "staff-online-conduct", "summary": "D", "subjects": ["Hugh Head"],
            "people": [{"pupil": OLLY, "role": "victim"}]}),
        "E": _report(school, clock, at(13, 10),
                     {"category": "cyberbullying-pupil", "summary": "E", "people": [jess]}),
    }  # fmt: skip
    clock.now = at(14, 9)
    dana = school.unlock("Dana DSL")
    made = [
        ("A", "social-care", at(31, 23, 30, month=10), "MASH-BEFORE"),  # just before the period
        ("B", "headteacher", at(2, 10, 30), ""),  # immediately: by 18:00, met
        ("B", "social-care", at(2, 12), "MASH-0001"),  # same day: met
        ("B", "police", at(2, 13), "CR/2026/117"),  # no deadline
        ("C", "prevent", at(3, 11), "PREV-42"),  # no deadline
        ("C", "social-care", at(4, 9), "=HYPERLINK(1)"),  # due 3 Nov 18:00: late
        ("D", "lado", at(5, 15), "LADO-7"),  # one working day: met
        ("E", "social-care", at(14, 0, 30), "MASH-AFTER"),  # just after the period
    ]
    for letter, route, when, number in made:
        record_escalation(
            dana,  # type: ignore[arg-type]
            refs[letter],
            route,
            told="The duty worker",
            done_at=when,
            reference_number=number,
        )
    set_outcome(dana, refs["B"], "referred-on")  # type: ignore[arg-type]
    dana.lock()  # type: ignore[attr-defined]
    return refs


NAMES = STAFF_NAMES + PUPIL_NAMES
