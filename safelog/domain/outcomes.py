"""Case statuses, outcomes, and the people in a case, with plain-English labels.

Enum values are stable strings: they are stored and used by the CLI and JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from safelog.domain.category import Category

__all__ = [
    "ADULTS_WORKING_IN_SCHOOL",
    "AllegationOutcome",
    "CaseOutcome",
    "CaseStatus",
    "Outcome",
    "PersonKind",
    "PersonRole",
    "adult_accused",
    "allegation_against_staff",
    "allowed_status_moves",
    "can_move",
    "concern_about_staff",
    "outcome_choices",
    "person_kinds",
    "person_roles",
    "pupil_is_victim",
]


class CaseStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    OPEN = "open"
    ESCALATED = "escalated"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS: Mapping[CaseStatus, str] = MappingProxyType(
    {
        CaseStatus.NEW: "New: not yet seen by the DSL",
        CaseStatus.ACKNOWLEDGED: "Acknowledged: the DSL has seen it",
        CaseStatus.OPEN: "Open: being dealt with",
        CaseStatus.ESCALATED: "Escalated: referred on and awaiting others",
        CaseStatus.CLOSED: "Closed",
    }
)

# A closed case can be reopened; nothing moves back to "new".
_STATUS_MOVES: Mapping[CaseStatus, frozenset[CaseStatus]] = MappingProxyType(
    {
        CaseStatus.NEW: frozenset(
            {CaseStatus.ACKNOWLEDGED, CaseStatus.OPEN, CaseStatus.ESCALATED, CaseStatus.CLOSED}
        ),
        CaseStatus.ACKNOWLEDGED: frozenset(
            {CaseStatus.OPEN, CaseStatus.ESCALATED, CaseStatus.CLOSED}
        ),
        CaseStatus.OPEN: frozenset({CaseStatus.ESCALATED, CaseStatus.CLOSED}),
        CaseStatus.ESCALATED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
        CaseStatus.CLOSED: frozenset({CaseStatus.OPEN}),
    }
)


def allowed_status_moves(status: CaseStatus) -> frozenset[CaseStatus]:
    return _STATUS_MOVES[status]


def can_move(current: CaseStatus, new: CaseStatus) -> bool:
    return new in _STATUS_MOVES[current]


class AllegationOutcome(StrEnum):
    """Outcome of an allegation against a member of staff (KCSIE Part 4)."""

    SUBSTANTIATED = "substantiated"
    FALSE = "false"
    MALICIOUS = "malicious"
    UNSUBSTANTIATED = "unsubstantiated"
    UNFOUNDED = "unfounded"

    @property
    def label(self) -> str:
        return _ALLEGATION_LABELS[self][0]

    @property
    def definition(self) -> str:
        return _ALLEGATION_LABELS[self][1]

    @property
    def removed_from_personnel_file(self) -> bool:
        """Malicious or false allegations are removed from personnel files."""
        return self in (AllegationOutcome.FALSE, AllegationOutcome.MALICIOUS)


_ALLEGATION_LABELS: Mapping[AllegationOutcome, tuple[str, str]] = MappingProxyType(
    {
        AllegationOutcome.SUBSTANTIATED: (
            "Substantiated",
            "There is sufficient evidence to prove the allegation.",
        ),
        AllegationOutcome.FALSE: (
            "False",
            "There is sufficient evidence to disprove the allegation.",
        ),
        AllegationOutcome.MALICIOUS: (
            "Malicious",
            "There is sufficient evidence to disprove the allegation and there has been a "
            "deliberate act to deceive.",
        ),
        AllegationOutcome.UNSUBSTANTIATED: (
            "Unsubstantiated",
            "There is insufficient evidence either to prove or disprove the allegation; "
            "this does not imply guilt or innocence.",
        ),
        AllegationOutcome.UNFOUNDED: (
            "Unfounded",
            "There is no evidence or proper basis to support the allegation.",
        ),
    }
)


class CaseOutcome(StrEnum):
    """Outcome of a case that is not an allegation against staff."""

    RESOLVED_IN_SCHOOL = "resolved-in-school"
    REFERRED_ON = "referred-on"
    CONTENT_REMOVED = "content-removed"
    NO_FURTHER_ACTION = "no-further-action"

    @property
    def label(self) -> str:
        return _CASE_OUTCOME_LABELS[self]


_CASE_OUTCOME_LABELS: Mapping[CaseOutcome, str] = MappingProxyType(
    {
        CaseOutcome.RESOLVED_IN_SCHOOL: "Resolved in school",
        CaseOutcome.REFERRED_ON: "Referred on: another agency leads",
        CaseOutcome.CONTENT_REMOVED: "Content removed",
        CaseOutcome.NO_FURTHER_ACTION: "No further action",
    }
)

Outcome = AllegationOutcome | CaseOutcome


def outcome_label(code: str) -> str:
    """The words for an outcome code (a case's or an allegation's); the code if unknown."""
    for kind in (AllegationOutcome, CaseOutcome):
        try:
            return str(kind(code).label)
        except ValueError:
            continue
    return code


def outcome_choices(category: Category, *, about_staff: bool = False) -> tuple[Outcome, ...]:
    """The outcomes a case may close with.

    Allegation outcomes are only for allegations against staff: the category is one, or
    the concern (in any category) is about a member of staff. A low-level concern is about
    staff but is not an allegation (KCSIE Part 4): it is never found "substantiated" or
    "malicious"; one that turns out to meet the harm threshold is referred on.
    """
    if category.low_level:
        return (
            CaseOutcome.RESOLVED_IN_SCHOOL,
            CaseOutcome.REFERRED_ON,
            CaseOutcome.NO_FURTHER_ACTION,
        )
    if allegation_against_staff(category, about_staff=about_staff):
        return tuple(AllegationOutcome)
    return tuple(CaseOutcome)


def allegation_against_staff(category: Category, *, about_staff: bool) -> bool:
    """Is a case an allegation against staff, for its outcomes and its retention? Its
    category is one, or the concern (in any category) is about staff (`concern_about_staff`);
    never a low-level concern, which has rules of its own (KCSIE Part 4)."""
    return not category.low_level and (category.allegation_against_staff or about_staff)


class PersonKind(StrEnum):
    PUPIL = "pupil"
    STAFF = "staff"
    PARENT = "parent"
    EXTERNAL = "external"
    # Adults the policies apply to as staff who are not employees (000 2.1; 004 2.1), kept
    # on the school's register of adults who are not SafeLog users (domain/adults.py).
    VOLUNTEER = "volunteer"
    GOVERNOR = "governor"
    CONTRACTOR = "contractor"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS: Mapping[PersonKind, str] = MappingProxyType(
    {
        PersonKind.PUPIL: "Pupil",
        PersonKind.STAFF: "Member of staff",
        PersonKind.PARENT: "Parent or carer",
        PersonKind.EXTERNAL: "Someone outside the school",
        PersonKind.VOLUNTEER: "Volunteer",
        PersonKind.GOVERNOR: "Governor or trustee",
        PersonKind.CONTRACTOR: "Supply or agency staff, or a contractor",
    }
)

# Everyone a concern "about staff" can be about: "all staff within the Trust ... teaching
# staff, support staff, supply staff, local governors, trustees, central team staff,
# contractors and volunteers" (004 2.1; also 000 2.1: agency staff, consultants, volunteers,
# governors). An allegation against any of them is an allegation against staff (KCSIE Part 4).
ADULTS_WORKING_IN_SCHOOL = frozenset(
    {PersonKind.STAFF, PersonKind.VOLUNTEER, PersonKind.GOVERNOR, PersonKind.CONTRACTOR}
)


class PersonRole(StrEnum):
    """The part one person plays in one case; each person has their own role per case."""

    VICTIM = "victim"
    ALLEGED_PERPETRATOR = "alleged-perpetrator"
    WITNESS = "witness"
    REPORTER = "reporter"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS: Mapping[PersonRole, str] = MappingProxyType(
    {
        PersonRole.VICTIM: "Victim",
        PersonRole.ALLEGED_PERPETRATOR: "Alleged perpetrator",
        PersonRole.WITNESS: "Witness",
        PersonRole.REPORTER: "Reported the concern",
        PersonRole.OTHER: "Other",
    }
)


def person_kinds() -> tuple[PersonKind, ...]:
    return tuple(PersonKind)


def person_roles() -> tuple[PersonRole, ...]:
    return tuple(PersonRole)


def adult_accused(people: Iterable[Mapping[str, object]]) -> bool:
    """Is anyone in the case who works in the school (staff, supply staff, a contractor, a
    volunteer or a governor: `ADULTS_WORKING_IN_SCHOOL`) named as alleged perpetrator? Such
    a concern is about staff even when that person has no SafeLog account."""
    return any(
        # A kind that is not text (from a modified client) is nobody's: never hashed.
        isinstance(p.get("kind"), str)
        and p.get("kind") in ADULTS_WORKING_IN_SCHOOL
        and p.get("role") == PersonRole.ALLEGED_PERPETRATOR
        for p in people
    )


def concern_about_staff(
    *,
    subjects: Iterable[object],
    people: Iterable[Mapping[str, object]],
    about_headteacher: bool = False,
) -> bool:
    """Is a concern about staff? The one rule, for its routes (the headteacher, and the LADO
    where a child is harmed or at risk), its outcomes (those of an allegation) and its
    retention (that of an allegation): it names a SafeLog user as its subject, it is about
    the headteacher, or someone who works in the school is named among its people as the
    alleged perpetrator (000 2.1; 004 2.1; KCSIE Part 4). Readers decide it again from the
    signed fields (vault/staff_concern.py), never from what a writer said."""
    return bool(list(subjects)) or about_headteacher or adult_accused(people)


def pupil_is_victim(people: Iterable[Mapping[str, object]]) -> bool:
    """Is any person in the case a pupil whose role in it is victim? With a concern about a
    member of staff, that is an allegation of harm to a child (KCSIE Part 4)."""
    return any(
        p.get("kind") == PersonKind.PUPIL and p.get("role") == PersonRole.VICTIM for p in people
    )
