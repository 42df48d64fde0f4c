"""Low-level concerns about staff (KCSIE Part 4, section two), as pure rules.

A low-level concern is about one or more members of staff, and they must never read it: so
it must name them as subjects, and the iron rule (domain/access.py) keeps their keys out.
`missing_staff_subject` is that rule; the writer refuses such a case and every reader
refuses it again (vault/authority.py).

KCSIE asks that low-level concerns are reviewed so that patterns are seen: repeated concerns
about the same adult may together meet the harm threshold, and go to the LADO. `patterns`
groups concerns by the member of staff they are about, most concerns first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from safelog.domain.categories import category_by_code
from safelog.domain.roles import Role
from safelog.errors import InvalidInput

__all__ = [
    "NO_STAFF_SUBJECT",
    "STAFF_ROLES",
    "LowLevelConcern",
    "StaffPattern",
    "is_low_level",
    "missing_staff_subject",
    "patterns",
]

# Who counts as a member of staff: anyone holding a role in SafeLog, since everyone it knows
# works in or for the school. KCSIE's low-level concerns cover staff, supply staff,
# volunteers and contractors, and governors are volunteers.
STAFF_ROLES = frozenset(Role)

NO_STAFF_SUBJECT = (
    "A low-level concern must name the member of staff it is about, so that they can never read it."
)


def is_low_level(category_code: str) -> bool:
    """Is this category code a low-level concern about staff? An unknown code is not."""
    try:
        return category_by_code(category_code).low_level
    except InvalidInput:
        return False


def missing_staff_subject(category_code: str, subject_roles: Iterable[frozenset[Role]]) -> bool:
    """True when a case of this category must name a member of staff and names none:
    `subject_roles` gives the roles of each person the case is about."""
    if not is_low_level(category_code):
        return False
    return not any(roles & STAFF_ROLES for roles in subject_roles)


@dataclass(frozen=True)
class LowLevelConcern:
    """One low-level concern, as the review lists it."""

    reference: str
    raised_at: datetime
    summary: str
    status: str
    staff: tuple[str, ...]  # the names of the members of staff it is about


@dataclass(frozen=True)
class StaffPattern:
    """The low-level concerns about one member of staff, oldest first."""

    staff: str
    concerns: tuple[LowLevelConcern, ...]

    @property
    def count(self) -> int:
        return len(self.concerns)

    @property
    def first(self) -> datetime:
        return self.concerns[0].raised_at

    @property
    def latest(self) -> datetime:
        return self.concerns[-1].raised_at

    @property
    def repeated(self) -> bool:
        """More than one concern: a pattern to consider against the harm threshold."""
        return self.count > 1


def patterns(concerns: Sequence[LowLevelConcern]) -> list[StaffPattern]:
    """The concerns grouped by member of staff (a concern about two people is in both
    groups): the most concerns first, then the most recent, then by name."""
    by_staff: dict[str, list[LowLevelConcern]] = {}
    for concern in concerns:
        for name in dict.fromkeys(concern.staff):
            by_staff.setdefault(name, []).append(concern)
    groups = [
        StaffPattern(name, tuple(sorted(items, key=lambda c: (c.raised_at, c.reference))))
        for name, items in by_staff.items()
    ]
    groups.sort(key=lambda g: g.staff.casefold())
    groups.sort(key=lambda g: (g.count, g.latest), reverse=True)
    return groups
