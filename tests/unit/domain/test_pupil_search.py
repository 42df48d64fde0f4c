"""Picking a pupil as you type: by any name, form or year, surnames first, leavers last, and
fast enough for every keystroke."""

from __future__ import annotations

import random
import time
from datetime import date

import pytest

from safelog.domain.pupil_search import PupilIndex, match_pupils, query_words
from safelog.domain.roll import Pupil

LEFT = date(2026, 7, 20)

ROLL = [
    Pupil(
        id="jess",
        legal_forename="Jessica",
        preferred_forename="Jess",
        surname="Smith",
        year="8",
        form="8B",
    ),
    Pupil(
        id="olly",
        legal_forename="Oliver",
        preferred_forename="Olly",
        surname="Smith-Jones",
        year="8",
        form="8B",
    ),
    Pupil(id="liam", legal_forename="Liam", surname="O'Brien", year="9", form="9X"),
    Pupil(id="zoe", legal_forename="Zoë", surname="Nowak", year="7", form="7A"),
    Pupil(id="smilla", legal_forename="Smilla", surname="Adams", year="10", form="10X"),
    Pupil(id="sam", legal_forename="Sam", surname="Smart", year="8", form="8C", left_on=LEFT),
    Pupil(id="aarav", legal_forename="Aarav", surname="Patel", year="8", form="8C"),
    Pupil(id="ava", legal_forename="Ava", surname="Williams", year="R", form="RB"),
    Pupil(id="lukasz", legal_forename="Łukasz", surname="Wójcik", year="8", form="8B"),
]
INDEX = PupilIndex(ROLL)


def ids(text: str, limit: int = 20) -> list[str]:
    return [p.id for p in INDEX.match(text, limit)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("jess", ["jess"]),  # preferred forename
        ("jessica", ["jess"]),  # legal forename
        ("JES", ["jess"]),
        ("liam o", ["liam"]),
        ("obr", ["liam"]),  # apostrophes do not count
        ("o'b", ["liam"]),
        ("o’brien", ["liam"]),
        ("zoe", ["zoe"]),  # accents do not count
        ("ZOË", ["zoe"]),
        ("lukasz wojcik", ["lukasz"]),
        ("jones", ["olly"]),  # each part of a double-barrelled name
        ("smith-j", ["olly"]),
        ("smithj", ["olly"]),
        ("ith", []),  # the start of a word, not the middle
        ("xyz", []),
        ("", []),
        ("   ", []),
    ],
)
def test_every_word_is_the_start_of_a_name(text: str, found: list[str]) -> None:
    assert ids(text) == found


def test_forms_and_years() -> None:
    assert ids("8B") == ["jess", "olly", "lukasz"]
    assert ids("8b") == ids("8B")
    assert ids("10X") == ["smilla"]
    assert ids("10") == ["smilla"]  # year 10
    year_8 = ["aarav", "jess", "olly", "lukasz", "sam"]  # alphabetical, the leaver last
    assert ids("Y8") == year_8
    assert ids("year 8") == year_8
    assert ids("Year 8") == year_8
    assert ids("yr8") == year_8
    assert ids("8") == year_8
    assert ids("Reception") == ["ava"]
    assert ids("8") != ids("8B")  # a form is matched whole: 8 is a year, not a form


def test_words_narrow_the_list() -> None:
    assert ids("smith 8b") == ["jess", "olly"]
    assert ids("y8 sm") == ["jess", "olly", "sam"]
    assert ids("jess 9x") == []


def test_surnames_that_start_with_what_is_typed_come_first_then_current_pupils() -> None:
    # Smart, Smith and Smith-Jones by surname; Smilla Adams by her forename only.
    assert ids("smi") == ["jess", "olly", "smilla"]
    assert ids("sm") == ["jess", "olly", "sam", "smilla"]  # Sam Smart has left: after Smiths
    assert ids("s") == ["jess", "olly", "sam", "smilla"]


def test_leavers_are_offered_after_pupils_on_the_roll() -> None:
    roll = [
        Pupil(id="a", legal_forename="Amy", surname="Lee", left_on=LEFT),
        Pupil(id="b", legal_forename="Ben", surname="Lee"),
    ]
    assert [p.id for p in match_pupils(roll, "lee")] == ["b", "a"]


def test_the_limit_keeps_the_best() -> None:
    assert ids("8", limit=2) == ["aarav", "jess"]
    assert ids("8", limit=0) == []
    assert [p.id for p in match_pupils(ROLL, "y8", limit=1)] == ["aarav"]


def test_query_words_join_year_and_its_number() -> None:
    assert [w.year for w in query_words("Year 8 smith")] == ["8", None]
    assert [w.compact for w in query_words("Yr R - jo")] == ["yrr", "jo"]
    assert [(w.compact, w.year) for w in query_words("year")] == [("year", None)]


# Common names in English schools, with accents and punctuation among them.
FORENAMES = [
    *("Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia"),
    *("Grace", "Freya", "Willow", "Florence", "Emily", "Ella", "Poppy", "Evie", "Chloé", "Zoë"),
    *("Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie"),
    *("Henry", "Theodore", "Freddie", "Jack", "Charlie", "Alfie", "Łukasz", "Aarav", "Yusuf"),
]
SURNAMES = [
    *("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel"),
    *("Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall"),
    *("Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper"),
    *("Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee"),
    *("Khan", "Scott", "Watson", "Davis", "Parker", "James", "Bennett", "Young", "Singh", "Kaur"),
    *("Begum", "Hussain", "Ali", "Ahmed", "Murphy", "Kelly", "O'Brien", "Smith-Jones", "Nowak"),
    *("Wójcik", "Nguyễn", "Da Silva", "MacDonald", "Fitzgerald-Hughes", "Okafor", "Adeyemi"),
]


def synthetic_roll(count: int) -> list[Pupil]:
    rng = random.Random(13)
    pupils = []
    for n in range(count):
        year = rng.randint(7, 13)
        pupils.append(
            Pupil(
                id=f"p{n}",
                legal_forename=rng.choice(FORENAMES),
                preferred_forename=rng.choice(FORENAMES) if rng.random() < 0.1 else "",
                surname=rng.choice(SURNAMES),
                year=str(year),
                form=f"{year}{rng.choice('ABCDXY')}",
                left_on=LEFT if rng.random() < 0.1 else None,
            )
        )
    return pupils


def test_a_keystroke_over_two_thousand_pupils_is_fast() -> None:
    """Issue 13 asks for under 20 ms a keystroke on a slow PC; the bound here is generous
    so that a busy test machine does not fail it, and the figure is printed."""
    pupils = synthetic_roll(2000)
    started = time.perf_counter()
    index = PupilIndex(pupils)
    built_ms = (time.perf_counter() - started) * 1000

    # What someone types, a keystroke at a time: names, forms, years, accents.
    typed = ["jessica smith", "o'brien", "y8 kh", "10x", "year 9 p", "zoe now", "wój", "ali"]
    queries = [t[:n] for t in typed for n in range(1, len(t) + 1)]
    queries = (queries * (100 // len(queries) + 1))[:100]
    started = time.perf_counter()
    for query in queries:
        index.match(query)
    per_keystroke_ms = (time.perf_counter() - started) * 1000 / len(queries)

    print(
        f"\npupil picking over 2,000 pupils: {per_keystroke_ms:.2f} ms a keystroke "
        f"(100 keystrokes), index built in {built_ms:.1f} ms"
    )
    assert per_keystroke_ms < 50
    assert index.match("khan y8")  # the synthetic roll is searchable at all
