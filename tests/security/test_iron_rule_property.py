"""Property: whatever edits and reclassifications a case goes through, a concern about a
person is never decryptable with any key that person holds (their passphrase, and for the
headteacher the school-safe recovery key), worked out from the database tables alone."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from offline_keys import SCHOOL_KEY, who_can_decrypt
from support.school import PASSPHRASES, Clock, build_school

from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput
from safelog.store.engine import sqlite_url
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, update_case
from safelog.vault.vault import Vault

DEE = "Dee Deputy"
PEOPLE = {**PASSPHRASES, DEE: "dee deputy safeguarding"}
SUBJECTS = ("Hugh Head", "Tess Teacher", DEE, "Dana DSL", "Chris Chair")
MANAGERS = ("Dana DSL", DEE, "Chris Chair", "Hugh Head")
CATEGORIES = ("cyberbullying-pupil", "staff-online-conduct", "unwanted-contact", "low-level-staff")

steps = st.lists(
    st.one_of(
        st.tuples(st.just("subjects"), st.sets(st.sampled_from(SUBJECTS), max_size=2)),
        st.tuples(st.just("escalated_to_leadership"), st.booleans()),
        st.tuples(st.just("category"), st.sampled_from(CATEGORIES)),
    ),
    min_size=1,
    max_size=4,
)


def _school(root: Path) -> tuple[Any, Vault]:
    data = Path(tempfile.mkdtemp(dir=root))
    vault = Vault(data, sqlite_url(data), clock=Clock())
    school = build_school(vault)
    dsl = school.unlock("Dana DSL")
    vault.enrol(vault.invite(dsl, DEE, frozenset({Role.DSL})), PEOPLE[DEE]).lock()
    school.unlock("Dana DSL").lock()  # hands the DSL key to the deputy
    return school, vault


def _check(vault: Vault, school: Any, reference: str, subjects: set[str]) -> None:
    with vault.engine.connect() as conn:
        readers = who_can_decrypt(conn, reference, PEOPLE, school.recovery)
    assert readers, "someone must still be able to read the case"
    assert not readers & subjects, f"{readers & subjects} can decrypt a concern about them"
    if "Hugh Head" in subjects:
        assert SCHOOL_KEY not in readers, "the head could open it with the school-safe key"


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=st.sets(st.sampled_from(SUBJECTS), max_size=2), edits=steps)
def test_a_subject_never_holds_a_key_to_their_case(
    tmp_path: Path, first: set[str], edits: list[tuple[str, Any]]
) -> None:
    school, vault = _school(tmp_path)
    try:
        reference = add_case(
            school.unlock("Sam Staff"),
            CaseInput.from_json(
                {
                    "category": "staff-online-conduct",
                    "summary": "Concern",
                    "description": "Details",
                    "subjects": sorted(first),
                }
            ),
        )
        subjects = set(first)
        _check(vault, school, reference, subjects)
        for field, value in edits:
            change = {field: sorted(value) if field == "subjects" else value}
            changed = False
            for manager in MANAGERS:
                if manager in subjects:
                    continue
                try:
                    update_case(vault.unlock(manager, PEOPLE[manager]), reference, change)
                except AccessDenied:
                    continue  # this manager cannot read the case (as intended); try another
                except InvalidInput:
                    break  # refused as it stands (a low-level concern naming no one)
                changed = True
                break
            if not changed:
                continue  # nobody left who may change it, or refused: nothing changed
            if field == "subjects":
                subjects = set(value)
            _check(vault, school, reference, subjects)
    finally:
        vault.close()
