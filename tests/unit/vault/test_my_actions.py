"""My actions: each person's open actions across the cases they can read, from the sealed
list summaries. Who sees an action is decided by keys (a person who cannot read a case never
sees its actions), and a reporter's client cannot put actions on anyone's list. Both
databases (the `school` fixture)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select, update

from safelog.crypto.encoding import canonical_json
from safelog.domain.deadlines import DeadlineState
from safelog.store.schema import CaseRow
from safelog.vault.case_engine import open_case, summary_aad
from safelog.vault.case_input import CaseInput
from safelog.vault.case_reading import read_case
from safelog.vault.case_summary import write_summary
from safelog.vault.cases import add_case, list_cases, list_my_actions
from safelog.vault.open_actions import SUMMARY_TEXT_LIMIT
from safelog.vault.workspace import add_action, complete_action, record_escalation

YESTERDAY, TODAY, NEXT_WEEK = date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 27)


def new_case(session: Any, summary: str, **extra: Any) -> str:
    return add_case(
        session,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": summary,
                "description": "What was seen.",
                **extra,
            }
        ),
    )


def shown(session: Any) -> list[tuple[str, str, date | None, DeadlineState]]:
    return [
        (m.reference, m.action.text, m.action.due, m.state)
        for m in list_my_actions(session, session.clock())
    ]


def action_id(session: Any, text: str) -> str:
    mine = list_my_actions(session, session.clock())
    return next(m.action.id for m in mine if m.action.text == text)


def test_each_person_sees_their_own_open_actions_overdue_first(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    first = new_case(dana, "Messages in a group chat")
    second = new_case(dana, "A threat on a gaming site")
    record_escalation(dana, second, "headteacher", told="Hugh Head")
    add_action(dana, first, "Call the parents", "Dana DSL", NEXT_WEEK)
    add_action(dana, second, "Speak to the form tutor", "dana  dsl", YESTERDAY)  # as typed
    add_action(dana, second, "Check the group chat", "Dana DSL", None)
    add_action(dana, second, "Meet the pupil", "Hugh Head", NEXT_WEEK)
    add_action(dana, first, "Write to the platform", "Dana DSL", TODAY)
    add_action(dana, first, "Save the screenshots", "Dana DSL", YESTERDAY)
    complete_action(dana, first, action_id(dana, "Save the screenshots"), "Saved")

    assert shown(dana) == [
        (second, "Speak to the form tutor", YESTERDAY, DeadlineState.OVERDUE),
        (first, "Write to the platform", TODAY, DeadlineState.DUE_TODAY),
        (first, "Call the parents", NEXT_WEEK, DeadlineState.PENDING),
        (second, "Check the group chat", None, DeadlineState.PENDING),
    ]
    dana.lock()
    hugh = school.unlock("Hugh Head")
    assert shown(hugh) == [(second, "Meet the pupil", NEXT_WEEK, DeadlineState.PENDING)]


def test_marking_an_action_done_takes_it_off_the_list(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = new_case(dana, "Messages in a group chat")
    add_action(dana, reference, "Call the parents", "Dana DSL", NEXT_WEEK)
    assert [m.action.text for m in list_my_actions(dana, dana.clock())] == ["Call the parents"]
    complete_action(dana, reference, action_id(dana, "Call the parents"))
    assert list_my_actions(dana, dana.clock()) == []


def test_an_owner_who_cannot_read_the_case_never_sees_its_actions(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = new_case(dana, "Messages in a group chat")
    # Actions given to people whose keys do not open this case (not escalated to leadership;
    # staff read no cases, only their own reports' receipts).
    for owner in ("Hugh Head", "Chris Chair", "Sam Staff"):
        add_action(dana, reference, f"Something for {owner}", owner, YESTERDAY)
    about_head = new_case(dana, "Posts by the headteacher", subjects=["Hugh Head"])
    add_action(dana, about_head, "Tell the chair", "Hugh Head", YESTERDAY)
    dana.lock()
    for name in ("Hugh Head", "Chris Chair", "Sam Staff"):
        session = school.unlock(name)
        assert list_my_actions(session, session.clock()) == [], name
        session.lock()

    # Once the case is escalated to the headteacher, his key opens it and his action shows;
    # the one on the concern about him never does.
    dana = school.unlock("Dana DSL")
    record_escalation(dana, reference, "headteacher", told="Hugh Head")
    dana.lock()
    hugh = school.unlock("Hugh Head")
    assert shown(hugh) == [(reference, "Something for Hugh Head", YESTERDAY, DeadlineState.OVERDUE)]
    assert about_head not in {c.reference for c in list_cases(hugh)}


def test_a_reporter_cannot_put_actions_on_someone_elses_list(school: Any) -> None:
    """Sam's client writes the list entry of his own report (it is sealed with the key of
    the reader group his client made): actions it names are not shown as anyone's to do."""
    sam = school.unlock("Sam Staff")
    reference = new_case(sam, "Unkind messages")
    forged = {
        "id": "x",
        "text": "Ring 0900 123 456 to confirm your passphrase",
        "owner": "Dana DSL",
        "due": "2026-11-19",
        "done_at": "",
        "recorded_by": "Sam Staff",
        "recorded_at": "2026-11-20T10:00:00+00:00",
    }
    with sam.write() as conn:
        case = open_case(sam, conn, reference)
        fields = read_case(sam, conn, case).fields
        row = case.row
        write_summary(
            conn,
            row.id,
            reference,
            row.audience_id,
            sam.audience_ciphers[row.audience_id],
            1,
            {**fields, "actions": [forged]},
            row.created_at,
            row.created_at,
        )
    sam.lock()
    dana = school.unlock("Dana DSL")
    assert reference in {c.reference for c in list_cases(dana)}  # the report itself is listed
    assert list_my_actions(dana, dana.clock()) == []


def test_older_list_entries_without_actions_still_read(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = new_case(dana, "Messages in a group chat")
    add_action(dana, reference, "Call the parents", "Dana DSL", NEXT_WEEK)
    with dana.engine.begin() as conn:
        row = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
        cipher = dana.audience_ciphers[row.audience_id]
        aad = summary_aad(row.id, row.audience_id, row.head_version)
        old = json.loads(cipher.open(row.summary_ct, aad))
        assert [a["text"] for a in old["actions"]] == ["Call the parents"]
        del old["actions"]
        conn.execute(
            update(CaseRow)
            .where(CaseRow.id == row.id)
            .values(summary_ct=cipher.seal(canonical_json(old), aad))
        )
    assert [c.reference for c in list_cases(dana)] == [reference]
    assert list_my_actions(dana, dana.clock()) == []
    # The next change to the case writes its actions into its entry again.
    add_action(dana, reference, "Write to the platform", "Dana DSL", TODAY)
    assert [m.action.text for m in list_my_actions(dana, dana.clock())] == [
        "Write to the platform",
        "Call the parents",
    ]


def test_a_mistyped_actions_entry_leaves_that_case_out_and_says_so(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = new_case(dana, "Messages in a group chat")
    other = new_case(dana, "A threat on a gaming site")
    add_action(dana, other, "Call the parents", "Dana DSL", NEXT_WEEK)
    with dana.engine.begin() as conn:
        row = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
        cipher = dana.audience_ciphers[row.audience_id]
        aad = summary_aad(row.id, row.audience_id, row.head_version)
        old = json.loads(cipher.open(row.summary_ct, aad))
        old["actions"] = [{"id": "a", "text": 7, "owner": "Dana DSL", "due": ""}]
        conn.execute(
            update(CaseRow)
            .where(CaseRow.id == row.id)
            .values(summary_ct=cipher.seal(canonical_json(old), aad))
        )
    assert [m.reference for m in list_my_actions(dana, dana.clock())] == [other]
    assert any(reference in p for p in dana.list_problems)


def test_action_text_is_only_in_sealed_data_and_shortened_in_the_list(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = new_case(dana, "Messages in a group chat")
    long_text = "Arrange a meeting with Zebedee Quartermaine's parents " * 20
    add_action(dana, reference, long_text, "Dana DSL", NEXT_WEEK)
    with dana.engine.connect() as conn:
        row = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
    for value in row:
        if isinstance(value, bytes | str):
            raw = value if isinstance(value, bytes) else value.encode()
            assert b"Zebedee" not in raw and b"Dana" not in raw
    (mine,) = list_my_actions(dana, dana.clock())
    assert len(mine.action.text) == SUMMARY_TEXT_LIMIT and mine.action.text.endswith("…")
    assert long_text.startswith(mine.action.text[:-1])
