"""Statuses, outcomes and the people in a case."""

from __future__ import annotations

import pytest

from safelog.domain.categories import CATEGORIES, category_by_code
from safelog.domain.category import Category
from safelog.domain.outcomes import (
    AllegationOutcome,
    CaseOutcome,
    CaseStatus,
    PersonKind,
    PersonRole,
    allowed_status_moves,
    can_move,
    outcome_choices,
    person_kinds,
    person_roles,
    pupil_is_victim,
)


def test_status_values() -> None:
    assert [s.value for s in CaseStatus] == ["new", "acknowledged", "open", "escalated", "closed"]


def test_allegation_outcome_values() -> None:
    assert [o.value for o in AllegationOutcome] == [
        "substantiated",
        "false",
        "malicious",
        "unsubstantiated",
        "unfounded",
    ]


def test_person_kind_and_role_values() -> None:
    assert [k.value for k in person_kinds()] == [
        "pupil",
        "staff",
        "parent",
        "external",
        "volunteer",
        "governor",
        "contractor",
    ]
    assert [r.value for r in person_roles()] == [
        "victim",
        "alleged-perpetrator",
        "witness",
        "reporter",
        "other",
    ]


@pytest.mark.parametrize(
    "member",
    [
        *CaseStatus,
        *AllegationOutcome,
        *CaseOutcome,
        *PersonKind,
        *PersonRole,
    ],
    ids=str,
)
def test_every_member_has_a_plain_label(
    member: CaseStatus | AllegationOutcome | CaseOutcome | PersonKind | PersonRole,
) -> None:
    assert member.label and member.label[0].isupper()


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (PersonRole.ALLEGED_PERPETRATOR, "Alleged perpetrator"),
        (PersonKind.PARENT, "Parent or carer"),
        (AllegationOutcome.UNSUBSTANTIATED, "Unsubstantiated"),
        (CaseStatus.CLOSED, "Closed"),
    ],
)
def test_some_labels(
    member: CaseStatus | AllegationOutcome | PersonKind | PersonRole, label: str
) -> None:
    assert member.label == label


@pytest.mark.parametrize(
    ("outcome", "removed"),
    [
        (AllegationOutcome.SUBSTANTIATED, False),
        (AllegationOutcome.FALSE, True),
        (AllegationOutcome.MALICIOUS, True),
        (AllegationOutcome.UNSUBSTANTIATED, False),
        (AllegationOutcome.UNFOUNDED, False),
    ],
)
def test_false_and_malicious_leave_the_personnel_file(
    outcome: AllegationOutcome, removed: bool
) -> None:
    assert outcome.removed_from_personnel_file is removed
    assert outcome.definition.endswith(".")


def test_malicious_means_a_deliberate_deceit() -> None:
    assert "deliberate act to deceive" in AllegationOutcome.MALICIOUS.definition
    assert "does not imply guilt or innocence" in AllegationOutcome.UNSUBSTANTIATED.definition


@pytest.mark.parametrize("category", [pytest.param(c, id=c.code) for c in CATEGORIES])
def test_allegation_outcomes_only_for_allegations_against_staff(category: Category) -> None:
    choices = outcome_choices(category)
    if category.allegation_against_staff:
        assert choices == tuple(AllegationOutcome)
    elif category.low_level:  # about staff, not an allegation (test_domain_low_level.py)
        assert not any(isinstance(c, AllegationOutcome) for c in choices)
    else:
        assert choices == tuple(CaseOutcome)
        assert not any(isinstance(c, AllegationOutcome) for c in choices)


def test_a_concern_about_staff_closes_with_an_allegation_outcome() -> None:
    category = category_by_code("online-abuse-disclosure")
    assert outcome_choices(category, about_staff=True) == tuple(AllegationOutcome)
    assert outcome_choices(category_by_code("staff-online-conduct")) == tuple(AllegationOutcome)


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (CaseStatus.NEW, CaseStatus.ACKNOWLEDGED, True),
        (CaseStatus.NEW, CaseStatus.CLOSED, True),
        (CaseStatus.ACKNOWLEDGED, CaseStatus.NEW, False),
        (CaseStatus.OPEN, CaseStatus.ESCALATED, True),
        (CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED, False),
        (CaseStatus.ESCALATED, CaseStatus.OPEN, True),
        (CaseStatus.CLOSED, CaseStatus.OPEN, True),
        (CaseStatus.CLOSED, CaseStatus.NEW, False),
        (CaseStatus.CLOSED, CaseStatus.CLOSED, False),
    ],
)
def test_status_moves(current: CaseStatus, new: CaseStatus, allowed: bool) -> None:
    assert can_move(current, new) is allowed
    assert (new in allowed_status_moves(current)) is allowed


def test_nothing_moves_back_to_new() -> None:
    assert all(CaseStatus.NEW not in allowed_status_moves(s) for s in CaseStatus)


@pytest.mark.parametrize(
    ("people", "expected"),
    [
        ([], False),
        ([{"name": "A", "kind": "pupil", "role": "victim"}], True),
        ([{"name": "A", "kind": "pupil", "role": "witness"}], False),
        ([{"name": "B", "kind": "staff", "role": "victim"}], False),
        (
            [
                {"name": "B", "kind": "staff", "role": "alleged-perpetrator"},
                {"name": "A", "kind": "pupil", "role": "victim"},
            ],
            True,
        ),
        ([{"name": "C"}], False),
    ],
)
def test_a_pupil_is_a_victim(people: list[dict[str, str]], expected: bool) -> None:
    assert pupil_is_victim(people) is expected
