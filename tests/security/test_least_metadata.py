"""Least metadata (DESIGN §3.5, issue 10 point 6): a copy of the database does not say who
may read each case, and so not which cases are about the headteacher.

The attacker here has every table and no key: the test reads the reader-group rows
(records and key slots) as they are stored and looks for anything that names a person, a
role or a recovery key, then checks that the members of a group still find and open it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import School
from sqlalchemy import select

from safelog.errors import TamperDetected
from safelog.store.schema import AudienceKeyRow, AudienceRow, CaseRow
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case

ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "Head messaging a pupil",
    "description": "Messages from the headteacher's account.",
    "subjects": ["Hugh Head"],
}
ABOUT_STAFF = {**ABOUT_HEAD, "summary": "Teacher messaging a pupil", "subjects": ["Sam Staff"]}
PUPIL = {"category": "cyberbullying-pupil", "summary": "Group chat", "description": "Chat."}

GIVEAWAYS = ("role:", "user:", "recovery:", "dsl", "governors", "leadership", "headteacher")


def _stored_groups(school: School) -> tuple[list[Any], list[Any]]:
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        groups = conn.execute(select(AudienceRow.__table__)).all()
        slots = conn.execute(select(AudienceKeyRow.__table__)).all()
    return groups, slots


def test_reader_groups_name_no_one_in_the_clear(school: School) -> None:
    references = {}
    for name, data in (("Sam Staff", ABOUT_HEAD), ("Dana DSL", ABOUT_STAFF), ("Sam Staff", PUPIL)):
        session = school.unlock(name)
        references[data["summary"]] = add_case(session, CaseInput.from_json(data))
        session.lock()
    dana = school.unlock("Dana DSL")
    for reference in references.values():
        show_case(dana, reference)  # the DSL's first open moves a report to a group of theirs
    dana.lock()

    groups, slots = _stored_groups(school)
    assert groups and slots
    user_ids = set(school.ids.values())
    for slot in slots:
        assert all(word not in slot.recipient for word in GIVEAWAYS), slot.recipient
        assert len(slot.recipient) == 64 and int(slot.recipient, 16) >= 0  # a bare tag
    for group in groups:
        record = json.loads(group.record)
        text = json.dumps({k: v for k, v in record.items() if k != "created_by"})
        for word in GIVEAWAYS:
            assert word not in text, (word, text)
        for user_id in user_ids - {group.signer_id}:
            assert user_id not in text
        assert set(record) == {"type", "vault_id", "id", "slots", "labels", "created_by"}
        assert "about_headteacher" not in group.record.decode()


def test_members_still_find_their_groups_and_see_who_reads(school: School) -> None:
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    sam.lock()
    dana = school.unlock("Dana DSL")
    assert reference in {c.reference for c in list_cases(dana)}
    detail = show_case(dana, reference)
    assert detail.audience and all("Hugh" not in reader for reader in detail.audience)
    assert any("governors" in reader for reader in detail.audience)
    dana.lock()
    chris = school.unlock("Chris Chair")
    assert reference in {c.reference for c in list_cases(chris)}
    chris.lock()
    hugh = school.unlock("Hugh Head")
    assert reference not in {c.reference for c in list_cases(hugh)}
    hugh.lock()


def test_a_slot_copied_into_another_group_opens_nothing(school: School) -> None:
    """A database writer copies the headteacher's slot of one group into the group of a
    concern about him: the key in it is bound to the other group, so he opens nothing, his
    sign-in still works, and his list says a slot of his does not open; the group's members
    see that its slots no longer match its signed record."""
    sam = school.unlock("Sam Staff")
    about_head = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    about_staff = add_case(sam, CaseInput.from_json(ABOUT_STAFF))
    sam.lock()
    vault = school.vault
    with vault.engine.connect() as conn:  # type: ignore[attr-defined]
        head_group, staff_group = (
            conn.execute(select(CaseRow.audience_id).where(CaseRow.reference == r)).scalar_one()
            for r in (about_head, about_staff)
        )
    hugh = school.unlock("Hugh Head")
    assert about_staff in {c.reference for c in list_cases(hugh)}
    hugh_tag = hugh._my_slots[staff_group][0]  # the slot he opens the other group through
    hugh.lock()
    with vault.engine.begin() as conn:  # type: ignore[attr-defined]
        extra = conn.execute(
            select(AudienceKeyRow.__table__).where(
                AudienceKeyRow.audience_id == staff_group, AudienceKeyRow.recipient == hugh_tag
            )
        ).one()
        conn.execute(
            AudienceKeyRow.__table__.insert().values(
                audience_id=head_group, recipient=extra.recipient, wrapped=extra.wrapped
            )
        )
    hugh = school.unlock("Hugh Head")
    assert about_head not in {c.reference for c in list_cases(hugh)}
    assert any("does not open" in p for p in hugh.list_problems)
    hugh.lock()
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected, match="added or removed a key slot"):
        show_case(dana, about_head)
    dana.lock()
