"""Two people changing one case at once: what each wrote is kept where it can be, and a
real clash is refused in plain words (domain/edit_merge.py)."""

from __future__ import annotations

import pytest

from safelog.domain.edit_merge import EditConflict, merge_edits

JESS = {"name": "Jess", "kind": "pupil", "role": "victim"}
LIAM = {"name": "Liam", "kind": "pupil", "role": "witness"}
KAREN = {"name": "Karen", "kind": "parent", "role": "reporter"}


def test_people_added_on_two_pcs_at_once_are_both_kept() -> None:
    base = {"people": [JESS]}
    theirs = {"people": [JESS, LIAM]}  # saved first, on the other PC
    mine = {"people": [JESS, KAREN]}
    assert merge_edits(base, theirs, mine) == {"people": [JESS, LIAM, KAREN]}


def test_a_person_removed_here_goes_and_one_added_there_stays() -> None:
    base = {"people": [JESS, LIAM]}
    theirs = {"people": [JESS, LIAM, KAREN]}
    mine = {"people": [JESS]}
    assert merge_edits(base, theirs, mine) == {"people": [JESS, KAREN]}


def test_a_field_only_i_changed_is_applied_and_one_only_they_changed_is_left() -> None:
    base = {"summary": "A", "description": "B"}
    theirs = {"summary": "A2", "description": "B"}
    mine = {"summary": "A", "description": "B2"}
    assert merge_edits(base, theirs, mine) == {"description": "B2"}


def test_the_same_text_changed_differently_on_both_is_refused_naming_the_field_only() -> None:
    base = {"description": "What happened."}
    theirs = {"description": "What happened, as the pupil told me."}
    mine = {"description": "What happened on Monday."}
    with pytest.raises(EditConflict) as caught:
        merge_edits(base, theirs, mine)
    assert caught.value.fields == ["description"]
    assert "Someone else changed the description" in str(caught.value)
    assert "Monday" not in str(caught.value) and "pupil told" not in str(caught.value)


def test_both_making_the_same_change_is_no_clash() -> None:
    assert merge_edits({"status": "open"}, {"status": "closed"}, {"status": "closed"}) == {}
