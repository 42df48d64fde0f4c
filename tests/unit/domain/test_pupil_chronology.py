"""One pupil's chronology across their cases: merged in date order, filtered by kind and by
London days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from safelog.domain.chronology import KINDS, ChronologyEntry, merge_chronologies
from safelog.domain.deadlines import LONDON

FIRST = "SL-2026-00012"
SECOND = "SL-2026-00031"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def item(when: datetime, case: str, kind: str, text: str = "") -> ChronologyEntry:
    return ChronologyEntry(at=when, case=case, kind=kind, text=text or kind, by="Dana DSL")


FIRST_CASE = [
    item(at(2, 9), FIRST, "report", "Jess said an older pupil asked for photos"),
    item(at(2, 11), FIRST, "decision", "Refer to children's social care"),
    item(at(2, 12), FIRST, "escalation", "MASH referral, reference 4471"),
    item(at(20, 15), FIRST, "outcome", "Closed: support in school"),
]
SECOND_CASE = [
    item(at(10, 8, 40), SECOND, "report", "Jess upset after messages in a group chat"),
    item(at(10, 10), SECOND, "evidence", "Screenshots of the group chat"),
    item(at(11, 16), SECOND, "action", "Speak to parents"),
]


def test_two_cases_about_one_pupil_are_one_list_in_date_order() -> None:
    merged = merge_chronologies([SECOND_CASE, FIRST_CASE])
    assert [(e.case, e.kind) for e in merged] == [
        (FIRST, "report"),
        (FIRST, "decision"),
        (FIRST, "escalation"),
        (SECOND, "report"),
        (SECOND, "evidence"),
        (SECOND, "action"),
        (FIRST, "outcome"),
    ]


def test_times_in_other_zones_are_compared_as_moments() -> None:
    # 09:30 UTC on 1 July is 10:30 in London: after 10:00 London.
    london = item(datetime(2026, 7, 1, 10, 0, tzinfo=LONDON), FIRST, "entry")
    utc = item(datetime(2026, 7, 1, 9, 30, tzinfo=UTC), SECOND, "entry")
    assert merge_chronologies([[utc], [london]]) == [london, utc]


def test_entries_at_the_same_moment_are_ordered_by_case_then_kind_then_as_given() -> None:
    same = at(5, 9)
    entries = [
        item(same, SECOND, "report"),
        item(same, FIRST, "outcome"),
        item(same, FIRST, "entry", "first entry"),
        item(same, FIRST, "report"),
        item(same, FIRST, "entry", "second entry"),
    ]
    merged = merge_chronologies([entries])
    assert [(e.case, e.kind, e.text) for e in merged] == [
        (FIRST, "report", "report"),
        (FIRST, "entry", "first entry"),
        (FIRST, "entry", "second entry"),
        (FIRST, "outcome", "outcome"),
        (SECOND, "report", "report"),
    ]
    assert merge_chronologies([list(reversed(entries))])[1:3] == [
        item(same, FIRST, "entry", "second entry"),
        item(same, FIRST, "entry", "first entry"),
    ]


def test_filtered_by_kind() -> None:
    merged = merge_chronologies([FIRST_CASE, SECOND_CASE], kinds={"report", "outcome"})
    assert [(e.case, e.kind) for e in merged] == [
        (FIRST, "report"),
        (SECOND, "report"),
        (FIRST, "outcome"),
    ]
    assert merge_chronologies([FIRST_CASE], kinds=()) == []
    with pytest.raises(ValueError, match="unknown chronology kinds"):
        merge_chronologies([FIRST_CASE], kinds={"report", "gossip"})


def test_filtered_by_london_days_both_ends_included() -> None:
    merged = merge_chronologies(
        [FIRST_CASE, SECOND_CASE], start=date(2026, 3, 10), end=date(2026, 3, 11)
    )
    assert [e.kind for e in merged] == ["report", "evidence", "action"]
    assert [e.kind for e in merge_chronologies([FIRST_CASE], start=date(2026, 3, 20))] == [
        "outcome"
    ]
    assert len(merge_chronologies([FIRST_CASE], end=date(2026, 3, 2))) == 3


def test_a_late_evening_in_summer_belongs_to_its_london_day() -> None:
    # 23:30 in London on 3 June is 22:30 UTC; 00:30 in London on 4 June is 23:30 UTC on 3 June.
    late = item(datetime(2026, 6, 3, 22, 30, tzinfo=UTC), FIRST, "entry")
    after_midnight = item(datetime(2026, 6, 3, 23, 30, tzinfo=UTC), FIRST, "entry")
    on_the_third = merge_chronologies(
        [[late, after_midnight]], start=date(2026, 6, 3), end=date(2026, 6, 3)
    )
    assert on_the_third == [late]


def test_entries_must_have_a_timezone_and_a_known_kind() -> None:
    with pytest.raises(ValueError, match="timezone"):
        item(datetime(2026, 3, 2, 9, 0), FIRST, "report")
    with pytest.raises(ValueError, match="unknown chronology kind"):
        item(at(2, 9), FIRST, "rumour")
    assert KINDS == ("report", "entry", "action", "decision", "escalation", "evidence", "outcome")
