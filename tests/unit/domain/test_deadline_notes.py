"""The notes SafeLog adds to a case's history when a deadline passes: worked out from the
deadlines (England and Wales working days, London time) and the time now."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safelog.domain.deadline_notes import (
    Deadline,
    action_deadlines,
    case_deadlines,
    deadline_notes,
    describe_lateness,
    route_deadlines,
    working_days_between,
)
from safelog.domain.deadlines import LONDON, due_at
from safelog.domain.routes import Route


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def lado(raised: datetime, done_at: datetime | None = None, not_needed: bool = False) -> Deadline:
    due = due_at(Route.LADO, raised)
    assert due is not None
    return Deadline("The LADO referral deadline", due, done_at=done_at, not_needed=not_needed)


# Friday 20 November 2026: the LADO referral is due at 18:00 on Monday 23 November.
FRIDAY = london(2026, 11, 20, 15, 0)
# Christmas Eve 2026 is a Thursday; Friday 25 and Monday 28 December (Boxing Day observed)
# are bank holidays, so the next working day is Tuesday 29 December.
CHRISTMAS_EVE = london(2026, 12, 24, 15, 0)

PASSED_MONDAY = "The LADO referral deadline passed on Mon 23 Nov 18:00"
PASSED_TUESDAY = "The LADO referral deadline passed on Tue 29 Dec 18:00"


@pytest.mark.parametrize(
    ("deadline", "now", "expected"),
    [
        # Across a weekend: nothing until Monday 18:00 has passed.
        (lado(FRIDAY), london(2026, 11, 21, 12), []),
        (lado(FRIDAY), london(2026, 11, 23, 17, 59), []),
        (lado(FRIDAY), london(2026, 11, 23, 18, 0), []),  # due at, not yet past
        (
            lado(FRIDAY),
            london(2026, 11, 23, 18, 1),
            [f"{PASSED_MONDAY} without it being recorded as done."],
        ),
        # Across Christmas and Boxing Day (observed): due Tuesday 29 December.
        (lado(CHRISTMAS_EVE), london(2026, 12, 28, 20), []),
        (
            lado(CHRISTMAS_EVE),
            london(2026, 12, 29, 18, 30),
            [f"{PASSED_TUESDAY} without it being recorded as done."],
        ),
        # Done in time: no note.
        (lado(FRIDAY, done_at=london(2026, 11, 23, 9)), london(2026, 12, 1), []),
        # Done late, the same evening: hours.
        (
            lado(FRIDAY, done_at=london(2026, 11, 23, 21, 15)),
            london(2026, 11, 24),
            [f"{PASSED_MONDAY}; it was recorded as done 3 hours after its deadline."],
        ),
        # Done late, minutes.
        (
            lado(FRIDAY, done_at=london(2026, 11, 23, 18, 40)),
            london(2026, 11, 24),
            [f"{PASSED_MONDAY}; it was recorded as done 40 minutes after its deadline."],
        ),
        # Done late by days: working days (Tuesday and Wednesday).
        (
            lado(FRIDAY, done_at=london(2026, 11, 25, 9)),
            london(2026, 11, 26),
            [f"{PASSED_MONDAY}; it was recorded as done 2 working days after its deadline."],
        ),
        # Over the New Year: Wednesday 30, Thursday 31 December and Monday 4 January
        # (Friday 1 January is a bank holiday).
        (
            lado(CHRISTMAS_EVE, done_at=london(2027, 1, 4, 10)),
            london(2027, 1, 5),
            [
                "The LADO referral deadline passed on Tue 29 Dec 2026 18:00; it was recorded "
                "as done 3 working days after its deadline."
            ],
        ),
        # Recorded as done later than "now" (a time typed ahead): still open now.
        (
            lado(FRIDAY, done_at=london(2026, 11, 27)),
            london(2026, 11, 24),
            [f"{PASSED_MONDAY} without it being recorded as done."],
        ),
        # Not needed (whenever that was decided): no note.
        (lado(FRIDAY, not_needed=True), london(2026, 12, 1), []),
    ],
)
def test_lado_referral_notes(deadline: Deadline, now: datetime, expected: list[str]) -> None:
    notes = deadline_notes([deadline], now)
    assert [n.text for n in notes] == expected
    for note in notes:
        assert note.at == deadline.due  # the moment it passed


@pytest.mark.parametrize(
    ("due", "done", "expected"),
    [
        (london(2026, 11, 23, 18), london(2026, 11, 23, 18, 0), None),
        (london(2026, 11, 23, 18), london(2026, 11, 23, 18).replace(second=59), None),
        (london(2026, 11, 23, 18), london(2026, 11, 23, 17), None),  # early
        (london(2026, 11, 23, 18), london(2026, 11, 23, 18, 1), "1 minute"),
        (london(2026, 11, 23, 18), london(2026, 11, 23, 19, 0), "1 hour"),
        (london(2026, 11, 23, 18), london(2026, 11, 24, 17, 59), "23 hours"),
        (london(2026, 11, 23, 18), london(2026, 11, 24, 18, 0), "1 working day"),
        # Friday evening to Sunday evening: no working day in between, so hours.
        (london(2026, 11, 20, 18), london(2026, 11, 22, 20, 0), "50 hours"),
        (london(2026, 11, 20, 18), london(2026, 11, 23, 9, 0), "1 working day"),
    ],
)
def test_lateness(due: datetime, done: datetime, expected: str | None) -> None:
    assert describe_lateness(due, done) == expected


def test_working_days_between_skips_weekends_and_bank_holidays() -> None:
    assert working_days_between(london(2026, 12, 24).date(), london(2026, 12, 29).date()) == 1
    assert working_days_between(london(2026, 11, 20).date(), london(2026, 11, 20).date()) == 0
    assert working_days_between(london(2026, 11, 20).date(), london(2026, 11, 27).date()) == 5


ACTIONS = [
    {"id": "a1", "text": "Call the pupil's parents", "due": "2026-11-25", "done_at": ""},
    {"id": "a2", "text": "Check the class chat", "due": "", "done_at": ""},
    {
        "id": "a3",
        "text": "Meet the form tutor",
        "due": "2026-11-24",
        "done_at": london(2026, 11, 24, 16).isoformat(),
    },
    {
        "id": "a4",
        "text": "Write to the platform",
        "due": "2026-11-20",
        "done_at": london(2026, 11, 24, 10).isoformat(),
    },
]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (
            london(2026, 11, 20, 23, 0),  # a4 is due by the end of today
            [],
        ),
        (
            london(2026, 11, 25, 23, 0),  # a1 due by the end of today; a4 done late
            [
                "The deadline for the action “Write to the platform” passed at the end of "
                "Fri 20 Nov; it was recorded as done 2 working days after its deadline."
            ],
        ),
        (
            london(2026, 11, 26, 9, 0),  # a1 now overdue
            [
                "The deadline for the action “Write to the platform” passed at the end of "
                "Fri 20 Nov; it was recorded as done 2 working days after its deadline.",
                "The deadline for the action “Call the pupil's parents” passed at the end of "
                "Wed 25 Nov without it being recorded as done.",
            ],
        ),
    ],
)
def test_action_notes(now: datetime, expected: list[str]) -> None:
    notes = deadline_notes(action_deadlines(ACTIONS), now)
    assert [n.text for n in notes] == expected
    assert [n.at for n in notes] == sorted(n.at for n in notes)


def _escalations(raised: datetime, **records: dict[str, str]) -> list[dict[str, object]]:
    from safelog.vault.escalations import escalations_from

    # A pupil discloses online abuse by a member of staff: the DSL, the headteacher and the
    # LADO are required.
    fields = {"category": "online-abuse-disclosure", "subjects": ["x"], "escalations": records}
    return escalations_from(fields, raised)


def test_routes_as_the_inbox_counts_them() -> None:
    raised = FRIDAY
    done = {"done_at": london(2026, 11, 20, 15, 0).isoformat(), "told": "Hugh Head"}
    items = _escalations(raised, headteacher=done, dsl=done)
    deadlines = route_deadlines(items)
    # Only required routes with a deadline: not social care or the police, which are
    # suggestions for the DSL to judge (the inbox does not count them either).
    subjects = sorted(d.subject for d in deadlines)
    assert subjects == [
        "The LADO referral deadline (within 1 working day)",
        "The deadline to tell the designated safeguarding lead (immediately)",
        "The deadline to tell the headteacher (immediately)",
    ]
    notes = deadline_notes(deadlines, london(2026, 11, 24, 9))
    assert [n.text for n in notes] == [
        "The LADO referral deadline (within 1 working day) passed on Mon 23 Nov 18:00 "
        "without it being recorded as done."
    ]
    items = _escalations(
        raised, headteacher=done, dsl=done, lado={"not_needed": "Below the threshold"}
    )
    assert deadline_notes(route_deadlines(items), london(2026, 11, 24, 9)) == []


@pytest.mark.parametrize(
    ("told_at", "now", "expected"),
    [
        # Told the same afternoon: the inbox showed it overdue meanwhile, the history is quiet.
        (london(2026, 11, 20, 17, 30), london(2026, 11, 23, 9), []),
        # Not told by the end of the working day: noted, from the moment of the report.
        (None, london(2026, 11, 20, 17, 59), []),
        (
            None,
            london(2026, 11, 20, 18, 1),
            [
                "The deadline to tell the headteacher (immediately) passed on Fri 20 Nov "
                "15:00 without it being recorded as done."
            ],
        ),
        # Told on Monday morning: one working day late.
        (
            london(2026, 11, 23, 9),
            london(2026, 11, 23, 10),
            [
                "The deadline to tell the headteacher (immediately) passed on Fri 20 Nov "
                "15:00; it was recorded as done 1 working day after its deadline."
            ],
        ),
    ],
)
def test_an_immediate_deadline_is_noted_when_open_at_the_end_of_the_day(
    told_at: datetime | None, now: datetime, expected: list[str]
) -> None:
    on_time = {"done_at": FRIDAY.isoformat(), "told": "Dana DSL"}
    lado_not_needed = {"not_needed": "Below the threshold"}
    records: dict[str, dict[str, str]] = {"dsl": on_time, "lado": lado_not_needed}
    if told_at is not None:
        records["headteacher"] = {"done_at": told_at.isoformat(), "told": "Hugh Head"}
    notes = deadline_notes(route_deadlines(_escalations(FRIDAY, **records)), now)
    assert [n.text for n in notes] == expected
    assert all(n.at == FRIDAY for n in notes)


def test_no_note_for_a_deadline_after_the_case_was_closed() -> None:
    deadlines = case_deadlines([], ACTIONS)
    closed = london(2026, 11, 22, 12)
    notes = deadline_notes(deadlines, london(2026, 12, 1), closed_at=closed)
    # a1 (due 25 Nov) fell after closure; a4 was due before it and done late.
    assert [n.text.split("”")[0] for n in notes] == [
        "The deadline for the action “Write to the platform"
    ]


def test_times_must_carry_a_zone() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Deadline("The deadline", datetime(2026, 11, 20, 18))
    with pytest.raises(ValueError, match="timezone"):
        deadline_notes([], datetime(2026, 11, 20, 18))
    # Any zone will do: the text is in London time.
    due = datetime(2026, 7, 1, 17, 0, tzinfo=UTC)  # 18:00 in summer time
    [note] = deadline_notes([Deadline("The deadline", due)], datetime(2026, 7, 2, tzinfo=UTC))
    assert "Wed 1 Jul 18:00" in note.text
