"""When a case is to be reviewed, from its fields, by the retention rule that applies to it
(safelog/domain/retention.py); written into the case list's summary of each case."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from safelog.domain.categories import category_by_code
from safelog.domain.deadlines import LONDON
from safelog.domain.outcomes import (
    ADULTS_WORKING_IN_SCHOOL,
    CaseStatus,
    PersonKind,
    PersonRole,
    allegation_against_staff,
)
from safelog.domain.retention import LOW_LEVEL_RULE, add_years, retention_decision
from safelog.errors import InvalidInput
from safelog.vault.case_schema import CaseField, CaseFields
from safelog.vault.records import CaseDetail, CaseRetention
from safelog.vault.staff_concern import about_staff_of


def _dates_of_birth(
    people: Any, kinds: frozenset[str], role: str | None = None
) -> tuple[list[date], int]:
    """The dates of birth recorded for the people of one of `kinds` (and `role`), and how
    many such people there are."""
    found, count = [], 0
    for person in people or []:
        if not isinstance(person, dict) or not isinstance(person.get("kind"), str):
            continue
        if person.get("kind") not in kinds:
            continue
        if role is not None and person.get("role") != role:
            continue
        count += 1
        try:
            found.append(date.fromisoformat(str(person.get("date_of_birth") or "")))
        except ValueError:
            continue
    return found, count


def case_retention(
    fields: CaseFields, created_at: datetime, closed_at: datetime | None = None
) -> CaseRetention:
    """When the case is to be reviewed, by the retention rule that applies to it
    (safelog/domain/retention.py), or what is missing to know.

    The facts: the dates of birth of the pupils in the case; for an allegation against staff
    (its category, or a concern about staff: vault/staff_concern.py), the day it was received
    and the date of birth of the member of staff (or volunteer, governor, contractor) recorded
    as the alleged perpetrator; and the day the case was closed. A pupil without a date of
    birth means no date yet, as the youngest pupil decides it and any other date could be
    too early.
    """
    try:
        category = category_by_code(fields.get(CaseField.CATEGORY, ""))
    except InvalidInput:
        return CaseRetention(None, "The category of this case is not known.", "Unknown category")
    people = fields.get(CaseField.PEOPLE)
    pupil_dobs, pupils = _dates_of_birth(people, frozenset({PersonKind.PUPIL}))
    staff_dobs, _ = _dates_of_birth(
        people, ADULTS_WORKING_IN_SCHOOL, PersonRole.ALLEGED_PERPETRATOR
    )
    received = created_at.astimezone(LONDON).date()
    # A low-level concern is not an allegation (KCSIE Part 4): it has its own rule.
    about_staff = allegation_against_staff(category, about_staff=about_staff_of(fields))
    closed_on = closed_at.astimezone(LONDON).date() if closed_at is not None else None
    if category.child_protection and len(pupil_dobs) < pupils:
        missing = pupils - len(pupil_dobs)
        whose = "the pupil" if pupils == 1 else f"{missing} of the {pupils} pupils"
        return CaseRetention(
            None,
            f"Add the date of birth of {whose} in the People tab: a child protection record "
            "is reviewed 25 years after the youngest pupil's date of birth.",
            "No review date yet: a pupil's date of birth is missing",
        )
    decision = retention_decision(
        category,
        pupil_dobs=pupil_dobs,
        allegation_date=received if about_staff else None,
        staff_dob=max(staff_dobs) if staff_dobs else None,
        closed_on=closed_on,
    )
    if decision is None:
        if category.low_level:
            return CaseRetention(None, LOW_LEVEL_RULE, "Kept until the member of staff leaves")
        if category.child_protection:
            return CaseRetention(
                None,
                "Add the pupils involved, with their dates of birth, in the People tab: a "
                "child protection record is reviewed 25 years after the youngest pupil's "
                "date of birth.",
                "No review date yet: no pupil's date of birth",
            )
        return CaseRetention(
            None,
            "The case is not closed yet: it is reviewed 6 years after it is closed.",
            "No review date yet: the case is not closed",
        )
    review_on = decision.review_on
    if category.child_protection and pupil_dobs and review_on == add_years(max(pupil_dobs), 25):
        short = "Child protection: youngest pupil's birth + 25 years"
    elif about_staff and review_on == add_years(received, 10):
        short = "Allegation against staff: 10 years from the allegation"
    elif about_staff:
        short = "Allegation against staff: until retirement age"
    else:
        short = "6 years after the case was closed"
    return CaseRetention(review_on, decision.rule, short)


def closed_at_of(detail: CaseDetail) -> datetime | None:
    """When a closed case was closed, from the case as read: the latest version that changed
    its status (the list works the same out from the stored versions, case_summary)."""
    if detail.fields.get(CaseField.STATUS) != CaseStatus.CLOSED:
        return None
    for version in reversed(detail.versions):
        if "status" in version.changed:
            return version.at
    return None


def retention_of(detail: CaseDetail) -> CaseRetention:
    """The review date as the case list has it, worked out from the case as read."""
    created = detail.versions[0].at if detail.versions else None
    if created is None:
        return CaseRetention(None, "The case has no versions.", "")
    return case_retention(detail.fields, created, closed_at_of(detail))
