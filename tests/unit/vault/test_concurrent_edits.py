"""Two DSL PCs changing one case at once (issue 14): a change made from the version its
writer was looking at keeps what others wrote since; a real clash writes nothing and says
so in plain words."""

from __future__ import annotations

from typing import Any

import pytest
from support.school import School

from safelog.domain.edit_merge import EditConflict
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case, update_case
from safelog.vault.workspace import acknowledge

JESS = {"name": "Jess Smith", "kind": "pupil", "role": "victim"}


def handled(school: School) -> tuple[str, int]:
    sam = school.unlock("Sam Staff")
    reference = add_case(
        sam,  # type: ignore[arg-type]
        CaseInput.from_json(
            {"category": "cyberbullying-pupil", "summary": "Chat", "description": "Seen."}
        ),
    )
    sam.lock()  # type: ignore[attr-defined]
    dana = school.unlock("Dana DSL")
    acknowledge(dana, reference)  # type: ignore[arg-type]
    update_case(dana, reference, {"people": [JESS]})  # type: ignore[arg-type]
    version = show_case(dana, reference).versions[-1].number  # type: ignore[arg-type]
    dana.lock()  # type: ignore[attr-defined]
    return reference, version


def dsl(school: School) -> Any:
    return school.unlock("Dana DSL")


def test_people_added_on_two_pcs_from_the_same_version_are_both_kept(school: School) -> None:
    reference, seen = handled(school)
    first, second = dsl(school), dsl(school)  # two PCs, both showing version `seen`
    liam = {"name": "Liam Brown", "kind": "pupil", "role": "witness"}
    karen = {"name": "Karen Smith", "kind": "parent", "role": "reporter"}
    update_case(first, reference, {"people": [JESS, liam]}, based_on=seen)
    update_case(second, reference, {"people": [JESS, karen]}, based_on=seen)
    people = show_case(first, reference).fields["people"]
    assert [p["name"] for p in people] == ["Jess Smith", "Liam Brown", "Karen Smith"]


def test_the_same_text_changed_on_two_pcs_is_refused_and_nothing_written(school: School) -> None:
    reference, seen = handled(school)
    first, second = dsl(school), dsl(school)
    update_case(first, reference, {"description": "As the pupil told me."}, based_on=seen)
    head = show_case(first, reference).versions[-1].number
    with pytest.raises(EditConflict, match="Someone else changed the description"):
        update_case(second, reference, {"description": "On Monday."}, based_on=seen)
    detail = show_case(second, reference)
    assert detail.versions[-1].number == head
    assert detail.fields["description"] == "As the pupil told me."


def test_a_change_without_a_version_seen_is_applied_as_given(school: School) -> None:
    """The command line sets fields as given (`case update`): the last write is the value."""
    reference, _ = handled(school)
    first = dsl(school)
    update_case(first, reference, {"description": "One."})
    update_case(first, reference, {"description": "Two."})
    assert show_case(first, reference).fields["description"] == "Two."
