"""The cases table's mark (vault/case_changes.py), what the app polls to notice work done on
another PC: it moves when a case is recorded or changed there, and stays put when nothing
was written (reading, listing, signing in). Both databases; the other PC is a second Vault
object on the same database, with its own engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.school import PASSPHRASES

from safelog.errors import AccessDenied
from safelog.vault.case_changes import cases_mark
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case, update_case
from safelog.vault.receipts import show_receipt
from safelog.vault.vault import Vault
from safelog.vault.workspace import acknowledge

REPORT = {"category": "cyberbullying-pupil", "summary": "Comments", "description": "Text"}


@pytest.fixture
def other_pc(school: Any, clock: Any) -> Iterator[Vault]:
    vault = Vault(school.vault.data_dir, school.vault.url, clock=clock)
    yield vault
    vault.close()


def test_the_mark_moves_with_work_done_on_another_pc(school: Any, other_pc: Vault) -> None:
    dana = school.unlock("Dana DSL")
    empty = cases_mark(dana)
    assert empty.count == 0
    assert cases_mark(dana) == empty, "asking again changes nothing"

    sam = other_pc.unlock("Sam Staff", PASSPHRASES["Sam Staff"])
    reference = add_case(sam, CaseInput.from_json(REPORT))
    reported = cases_mark(dana)
    assert reported != empty and reported.count == 1

    # A DSL reading a report for the first time moves it to keys of its own: a change.
    show_case(dana, reference)
    opened = cases_mark(dana)
    assert opened != reported

    # Nothing written: listing, reading again, the reporter reading their receipt, signing in.
    list_cases(dana)
    show_case(dana, reference)
    show_receipt(sam, reference)
    other_pc.unlock("Hugh Head", PASSPHRASES["Hugh Head"]).lock()
    assert cases_mark(dana) == opened

    # Changes made elsewhere: acknowledging, an update (same count, new versions).
    other_dana = other_pc.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
    acknowledge(other_dana, reference)
    acknowledged = cases_mark(dana)
    assert acknowledged != opened and acknowledged.count == 1
    update_case(other_dana, reference, {"summary": "Comments and photos"})
    assert cases_mark(dana) not in (acknowledged, opened)

    # A second report moves it again, seen by everyone asking.
    add_case(sam, CaseInput.from_json(REPORT))
    assert cases_mark(dana).count == 2
    assert cases_mark(other_dana) == cases_mark(dana)
    for session in (dana, sam, other_dana):
        session.lock()


def test_a_locked_session_is_not_answered(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    dana.lock()
    with pytest.raises(AccessDenied):
        cases_mark(dana)
