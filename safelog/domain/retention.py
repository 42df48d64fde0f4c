"""How long a case is kept before it is reviewed.

Rules, in plain words, each applying when its facts are known:
- child protection records: until 25 years after the date of birth of the youngest
  pupil in the case (IRMS Information Management Toolkit for Schools);
- allegations against staff: until the member of staff reaches normal retirement age,
  or 10 years from the date of the allegation, whichever is later (KCSIE Part 4);
- low-level concerns about staff: at least until the member of staff leaves the school
  (KCSIE Part 4). SafeLog does not know when someone leaves, so such a case has no review
  date: it is reviewed when they leave, never on a date that could come first;
- anything else: 6 years after the case was closed. This is SafeLog's default, the
  period the IRMS toolkit uses for many school records that have no rule of their own.

When more than one rule applies, the latest date wins. When the facts a rule needs are
missing (no pupil date of birth on a child protection case, or a case not yet closed),
there is no review date yet, rather than one that is too early.

The date is when a person reviews the record, never when it is deleted.

Birthdays on 29 February fall on 1 March in other years, the later of the two
readings, so a record is never reviewed early.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from safelog.domain.category import Category

__all__ = [
    "ALLEGATION_YEARS",
    "CHILD_PROTECTION_YEARS",
    "DEFAULT_RETIREMENT_AGE",
    "DEFAULT_YEARS_AFTER_CLOSURE",
    "LOW_LEVEL_RULE",
    "RetentionDecision",
    "add_years",
    "plain_date",
    "retention_decision",
    "retention_rule",
    "review_date",
]

CHILD_PROTECTION_YEARS = 25
ALLEGATION_YEARS = 10
DEFAULT_RETIREMENT_AGE = 67
DEFAULT_YEARS_AFTER_CLOSURE = 6

_CP_RULE = (
    "Child protection record: review 25 years after the youngest pupil's date of birth "
    "(IRMS Toolkit for Schools)."
)
_ALLEGATION_RULE = (
    "Allegation against staff: keep until the member of staff reaches normal retirement age "
    "or for 10 years from the allegation, whichever is later (KCSIE Part 4). Records of "
    "allegations of sexual abuse must be kept while a national inquiry requires it."
)
LOW_LEVEL_RULE = (
    "Low-level concern about staff: keep at least until the member of staff leaves the "
    "school, then review it (KCSIE Part 4). SafeLog does not know when that is, so there is "
    "no review date."
)
_DEFAULT_RULE = (
    "Review 6 years after the case was closed (SafeLog default, in line with the IRMS "
    "Toolkit for Schools)."
)


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def plain_date(d: date) -> str:
    """'14 March 2013': a date as people write it in the UK (the same in any locale). The
    rules' words use it; machine output (the CLI's JSON) keeps ISO dates."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


@dataclass(frozen=True)
class RetentionDecision:
    review_on: date
    rule: str  # in plain words, including which fact decided the date


def add_years(d: date, years: int) -> date:
    """The anniversary of `d` after `years` years; 29 February becomes 1 March."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(d.year + years, 3, 1)


def retention_rule(category: Category) -> str:
    """The rule that will decide the review date of a case in `category`, in plain words."""
    if category.allegation_against_staff:
        return _ALLEGATION_RULE
    if category.low_level:
        return LOW_LEVEL_RULE
    if category.child_protection:
        return _CP_RULE
    return _DEFAULT_RULE


def retention_decision(
    category: Category,
    *,
    pupil_dobs: Sequence[date] = (),
    allegation_date: date | None = None,
    staff_dob: date | None = None,
    retirement_age: int = DEFAULT_RETIREMENT_AGE,
    closed_on: date | None = None,
) -> RetentionDecision | None:
    """When a case is to be reviewed, and why; None while the deciding facts are missing.

    The allegation rule applies to a category that is an allegation against staff, and to
    any case with an `allegation_date` (an allegation about staff logged elsewhere).
    """
    if not 16 <= retirement_age <= 100:
        raise ValueError("retirement age must be between 16 and 100")
    candidates: list[RetentionDecision] = []

    if category.child_protection:
        if not pupil_dobs:
            return None  # the rule needs a date of birth; any other date could be too early
        youngest = max(pupil_dobs)
        candidates.append(
            RetentionDecision(
                add_years(youngest, CHILD_PROTECTION_YEARS),
                f"{_CP_RULE} Youngest pupil born {plain_date(youngest)}.",
            )
        )

    if category.allegation_against_staff or allegation_date is not None:
        options: list[RetentionDecision] = []
        if allegation_date is not None:
            options.append(
                RetentionDecision(
                    add_years(allegation_date, ALLEGATION_YEARS),
                    f"{_ALLEGATION_RULE} Here: 10 years from the allegation on "
                    f"{plain_date(allegation_date)}.",
                )
            )
        if staff_dob is not None:
            options.append(
                RetentionDecision(
                    add_years(staff_dob, retirement_age),
                    f"{_ALLEGATION_RULE} Here: the member of staff reaches retirement "
                    f"age ({retirement_age}).",
                )
            )
        if options:
            best = max(options, key=lambda o: o.review_on)
            missing = None
            if staff_dob is None:
                missing = "member of staff's date of birth"
            elif allegation_date is None:
                missing = "date of the allegation"
            if missing is not None:
                best = RetentionDecision(
                    best.review_on,
                    f"{best.rule} The {missing} is not recorded, so the other half of the "
                    "rule could not be checked: add it to confirm this date.",
                )
            candidates.append(best)

    specific_rule_applies = (
        category.child_protection or category.allegation_against_staff or category.low_level
    )
    if not specific_rule_applies and not candidates and closed_on is not None:
        candidates.append(
            RetentionDecision(add_years(closed_on, DEFAULT_YEARS_AFTER_CLOSURE), _DEFAULT_RULE)
        )

    if not candidates:
        return None
    return max(candidates, key=lambda c: c.review_on)


def review_date(
    category: Category,
    *,
    pupil_dobs: Sequence[date] = (),
    allegation_date: date | None = None,
    staff_dob: date | None = None,
    retirement_age: int = DEFAULT_RETIREMENT_AGE,
    closed_on: date | None = None,
) -> date | None:
    """The date of `retention_decision`, without the reason."""
    decision = retention_decision(
        category,
        pupil_dobs=pupil_dobs,
        allegation_date=allegation_date,
        staff_dob=staff_dob,
        retirement_age=retirement_age,
        closed_on=closed_on,
    )
    return None if decision is None else decision.review_on
