"""Review dates for records, including 29 February birthdays."""

from __future__ import annotations

import re
from datetime import date

import pytest

from safelog.domain.categories import CATEGORIES, category_by_code
from safelog.domain.category import Category
from safelog.domain.retention import (
    RetentionDecision,
    add_years,
    plain_date,
    retention_decision,
    retention_rule,
    review_date,
)

CP = category_by_code("nudes-sharing")
ALLEGATION = category_by_code("staff-online-conduct")
OTHER = category_by_code("adverse-criticism")


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (date(2008, 2, 29), 25, date(2033, 3, 1)),  # no 29 February in 2033
        (date(2008, 2, 29), 4, date(2012, 2, 29)),
        (date(2008, 2, 28), 25, date(2033, 2, 28)),
        (date(2008, 3, 1), 25, date(2033, 3, 1)),
        (date(1960, 2, 29), 67, date(2027, 3, 1)),
        (date(2011, 12, 31), 6, date(2017, 12, 31)),
    ],
)
def test_add_years(start: date, years: int, expected: date) -> None:
    assert add_years(start, years) == expected


@pytest.mark.parametrize(
    ("category", "kwargs", "expected", "rule_words"),
    [
        # Child protection: the youngest pupil's date of birth + 25 years.
        pytest.param(CP, {"pupil_dobs": [date(2010, 5, 1)]}, date(2035, 5, 1), "25 years", id="cp"),
        pytest.param(
            CP,
            {"pupil_dobs": [date(2010, 5, 1), date(2012, 2, 29), date(2011, 9, 30)]},
            date(2037, 3, 1),
            "born 29 February 2012.",
            id="cp-youngest-of-three-born-29-feb",
        ),
        pytest.param(
            CP, {"pupil_dobs": [date(2008, 2, 29)]}, date(2033, 3, 1), "25 years", id="cp-29-feb"
        ),
        pytest.param(
            CP, {"pupil_dobs": [date(2011, 2, 28)]}, date(2036, 2, 28), "25 years", id="cp-28-feb"
        ),
        pytest.param(
            CP,
            {"pupil_dobs": [date(2007, 2, 28)], "closed_on": date(2026, 6, 1)},
            date(2032, 2, 28),
            "25 years",
            id="cp-ignores-closure",
        ),
        # Allegations against staff: the later of retirement age or 10 years.
        pytest.param(
            ALLEGATION,
            {"allegation_date": date(2026, 3, 1), "staff_dob": date(1990, 2, 28)},
            date(2057, 2, 28),
            "retirement age (67)",
            id="allegation-retirement-later",
        ),
        pytest.param(
            ALLEGATION,
            {"allegation_date": date(2026, 1, 10), "staff_dob": date(1964, 2, 29)},
            date(2036, 1, 10),
            "10 years from the allegation on 10 January 2026.",
            id="allegation-ten-years-later",
        ),
        pytest.param(
            ALLEGATION,
            {"allegation_date": date(2026, 1, 10), "staff_dob": date(1972, 2, 29)},
            date(2039, 3, 1),
            "retirement age (67)",
            id="allegation-retirement-29-feb",
        ),
        pytest.param(
            ALLEGATION,
            {
                "allegation_date": date(2026, 1, 10),
                "staff_dob": date(1972, 2, 29),
                "retirement_age": 65,
            },
            date(2037, 3, 1),
            "retirement age (65)",
            id="allegation-retirement-age-65",
        ),
        pytest.param(
            ALLEGATION,
            {"allegation_date": date(2028, 2, 29)},
            date(2038, 3, 1),
            "date of birth is not recorded",
            id="allegation-no-staff-dob",
        ),
        pytest.param(
            ALLEGATION,
            {"staff_dob": date(1980, 1, 1)},
            date(2047, 1, 1),
            "date of the allegation is not recorded",
            id="allegation-no-date",
        ),
        # An allegation about staff in a child protection category: the latest rule wins.
        pytest.param(
            category_by_code("indecent-images-adult"),
            {
                "pupil_dobs": [date(2012, 1, 1)],
                "allegation_date": date(2026, 1, 1),
                "staff_dob": date(1980, 1, 1),
            },
            date(2047, 1, 1),
            "retirement age",
            id="cp-and-allegation-retirement-wins",
        ),
        pytest.param(
            category_by_code("online-abuse-disclosure"),
            {
                "pupil_dobs": [date(2015, 6, 1)],
                "allegation_date": date(2026, 1, 1),
                "staff_dob": date(1962, 1, 1),
            },
            date(2040, 6, 1),
            "25 years",
            id="cp-and-allegation-cp-wins",
        ),
        # An allegation about staff logged under a non-allegation category.
        pytest.param(
            category_by_code("cyberbullying-staff"),
            {"allegation_date": date(2026, 1, 1), "staff_dob": date(1990, 1, 1)},
            date(2057, 1, 1),
            "retirement age",
            id="allegation-elsewhere",
        ),
        # Everything else: 6 years after closure.
        pytest.param(
            OTHER, {"closed_on": date(2026, 7, 20)}, date(2032, 7, 20), "6 years", id="default"
        ),
        pytest.param(
            OTHER,
            {"closed_on": date(2028, 2, 29)},
            date(2034, 3, 1),
            "6 years",
            id="default-closed-29-feb",
        ),
    ],
)
def test_retention(
    category: Category, kwargs: dict[str, object], expected: date, rule_words: str
) -> None:
    decision = retention_decision(category, **kwargs)  # type: ignore[arg-type]
    assert decision is not None
    assert decision.review_on == expected
    assert rule_words in decision.rule
    assert review_date(category, **kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("category", "kwargs"),
    [
        pytest.param(CP, {}, id="cp-without-dob"),
        pytest.param(CP, {"closed_on": date(2026, 1, 1)}, id="cp-without-dob-closed"),
        pytest.param(
            CP,
            {"allegation_date": date(2026, 1, 1), "staff_dob": date(1990, 1, 1)},
            id="cp-allegation-without-dob",
        ),
        pytest.param(ALLEGATION, {}, id="allegation-without-dates"),
        pytest.param(ALLEGATION, {"closed_on": date(2026, 1, 1)}, id="allegation-closed-only"),
        pytest.param(OTHER, {}, id="default-not-closed"),
        pytest.param(OTHER, {"pupil_dobs": [date(2012, 1, 1)]}, id="default-dob-is-not-enough"),
    ],
)
def test_no_review_date_until_the_facts_are_known(
    category: Category, kwargs: dict[str, object]
) -> None:
    assert retention_decision(category, **kwargs) is None  # type: ignore[arg-type]
    assert review_date(category, **kwargs) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("age", [0, 15, 101])
def test_retirement_age_must_be_plausible(age: int) -> None:
    with pytest.raises(ValueError, match="retirement age"):
        review_date(ALLEGATION, allegation_date=date(2026, 1, 1), retirement_age=age)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("nudes-sharing", "25 years after the youngest pupil's date of birth"),
        ("staff-online-conduct", "normal retirement age or for 10 years from the allegation"),
        ("cyberbullying-staff", "6 years after the case was closed"),
    ],
)
def test_retention_rule_in_plain_words(code: str, words: str) -> None:
    assert words in retention_rule(category_by_code(code))


@pytest.mark.parametrize("category", [pytest.param(c, id=c.code) for c in CATEGORIES])
def test_every_category_has_a_rule(category: Category) -> None:
    assert retention_rule(category).endswith(".")


def test_decision_is_a_value() -> None:
    assert RetentionDecision(date(2030, 1, 1), "x") == RetentionDecision(date(2030, 1, 1), "x")


def test_the_rules_words_give_dates_as_people_write_them() -> None:
    """The reason shown with a review date (GUI, case file) has no ISO dates in it; the CLI's
    JSON keeps its ISO `review_on` (tests/unit/vault/test_case_review_dates.py)."""
    assert plain_date(date(2013, 3, 14)) == "14 March 2013"
    assert plain_date(date(2012, 2, 29)) == "29 February 2012"
    decisions = [
        retention_decision(CP, pupil_dobs=[date(2013, 3, 14), date(2010, 1, 2)]),
        retention_decision(
            ALLEGATION, allegation_date=date(2026, 1, 10), staff_dob=date(1964, 2, 29)
        ),
        retention_decision(ALLEGATION, allegation_date=date(2026, 1, 10)),
        retention_decision(OTHER, closed_on=date(2026, 6, 1)),
    ]
    for decision in decisions:
        assert decision is not None
        assert not re.search(r"\d{4}-\d{2}-\d{2}", decision.rule), decision.rule
    assert decisions[0] is not None and "Youngest pupil born 14 March 2013." in decisions[0].rule
