"""Whether a case is about staff, decided from its signed fields by the one domain rule
(`safelog.domain.outcomes.concern_about_staff`): its routes, its outcomes and its retention
all ask here, so a volunteer named as alleged perpetrator counts the same everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from safelog.domain.outcomes import concern_about_staff, pupil_is_victim
from safelog.vault.case_schema import CaseField


def _people(fields: Mapping[str, Any]) -> list[Mapping[str, object]]:
    # Signed JSON from any client: only objects count as people.
    people = fields.get(CaseField.PEOPLE)
    return [p for p in people if isinstance(p, Mapping)] if isinstance(people, list) else []


def about_staff_of(fields: Mapping[str, Any]) -> bool:
    """Is the case about staff: a SafeLog user as its subject, the headteacher, or someone
    who works in the school among its people as the alleged perpetrator?"""
    subjects = fields.get(CaseField.SUBJECTS)
    return concern_about_staff(
        subjects=subjects if isinstance(subjects, list) else [],
        people=_people(fields),
        about_headteacher=bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
    )


def pupil_victim_of(fields: Mapping[str, Any]) -> bool:
    """Is a pupil a victim in the case?"""
    return pupil_is_victim(_people(fields))
