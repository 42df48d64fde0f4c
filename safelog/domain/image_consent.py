"""Consent to post pupils' images and videos (003 4.1-4.8, 4.15; 004 7.1-7.9): given or
refused each academic year by the pupil or whoever holds parental responsibility, for each
medium separately (images may be allowed and videos not, 4.5), withdrawn or amended in
writing at any time (4.4), and posts removed where practicable once it is withdrawn (4.7).
The school posts only where consent stands for this academic year (4.8).

Each event is one record on the school roll (vault/image_consent.py): nothing is rewritten,
and the latest event for a pupil and medium decides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from safelog.errors import InvalidInput

REGISTER = "image-consent"
POLICY_REFS = ("003 4.1-4.8", "003 4.15", "004 7.1-7.9")

MEDIA: Mapping[str, str] = {
    "website-images": "Images on the school website",
    "website-video": "Videos on the school website",
    "social-images": "Images on the school's social media",
    "social-video": "Videos on the school's social media",
    "print": "Images in the newsletter and prospectus",
    "press": "Images given to the press",
}
GIVEN, REFUSED, WITHDRAWN, REMOVED = "given", "refused", "withdrawn", "removed"
STATUSES: Mapping[str, str] = {
    GIVEN: "Consent given",
    REFUSED: "Consent refused",
    WITHDRAWN: "Consent withdrawn in writing",
    REMOVED: "A post removed after withdrawal",
}
MAX_TEXT = 300


def academic_year(day: date) -> str:
    """'2026/27' for any day from 1 September 2026 to 31 August 2027."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{str(start + 1)[-2:]}"


@dataclass(frozen=True)
class ConsentEvent:
    id: str
    pupil: str  # the pupil's id on the roll
    medium: str
    status: str
    on: date
    by: str  # who gave, refused or withdrew it (a parent's name, "the pupil"), or who removed
    year: str  # the academic year a consent or refusal is for
    note: str = ""
    seq: int = 0  # the roll batch it came in, for the order of events on one day


def validate_event(values: Mapping[str, Any], today: date) -> dict[str, Any]:
    medium = str(values.get("medium") or "")
    if medium not in MEDIA:
        raise InvalidInput(f"The medium must be one of: {', '.join(MEDIA)}.")
    status = str(values.get("status") or "")
    if status not in STATUSES:
        raise InvalidInput(f"The status must be one of: {', '.join(STATUSES)}.")
    try:
        on = date.fromisoformat(str(values.get("on") or today.isoformat()))
    except ValueError:
        raise InvalidInput("The date must look like 2026-09-14.") from None
    if on > today:
        raise InvalidInput(f"The date {on.isoformat()} is in the future.")
    by = str(values.get("by") or "").strip()
    if status in (GIVEN, REFUSED, WITHDRAWN) and not by:
        raise InvalidInput(
            "Say who gave, refused or withdrew consent (the pupil, or a parent by name): "
            "a withdrawal must be in writing (003 4.4)."
        )
    note = str(values.get("note") or "").strip()
    for text, what in ((by, "who"), (note, "note")):
        if len(text) > MAX_TEXT or "\n" in text:
            raise InvalidInput(f"The {what} must be one line of at most {MAX_TEXT} characters.")
    return {"medium": medium, "status": status, "on": on, "by": by, "note": note}


def current(events: Iterable[ConsentEvent]) -> dict[str, ConsentEvent]:
    """The deciding event per medium (the latest given, refused or withdrawn)."""
    out: dict[str, ConsentEvent] = {}
    for event in sorted(events, key=lambda e: (e.on, e.seq)):
        if event.status != REMOVED:
            out[event.medium] = event
    return out


def may_post(events: Iterable[ConsentEvent], medium: str, today: date) -> bool:
    """003 4.8: only where consent was given for this academic year and not withdrawn."""
    deciding = current(events).get(medium)
    return (
        deciding is not None and deciding.status == GIVEN and deciding.year == academic_year(today)
    )


def consent_summary(events: Iterable[ConsentEvent], today: date) -> dict[str, str]:
    """For each medium: 'may post', 'refused', 'withdrawn' or 'not asked' (this academic year; a
    consent or refusal holds for its academic year, 4.1; a withdrawal until consent is given
    again, 4.4)."""
    deciding = current(events)
    this_year = academic_year(today)
    out = {}
    for medium in MEDIA:
        event = deciding.get(medium)
        if event is None or (event.status != WITHDRAWN and event.year != this_year):
            out[medium] = "not asked"
        elif event.status == GIVEN:
            out[medium] = "may post"
        else:
            out[medium] = event.status
    return out
