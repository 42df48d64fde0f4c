"""Who can read each kind of case, worked out twice: through the vault's API as each person,
and at the crypto level from the database tables and each person's own passphrase alone, as
someone who copied the database file would (see offline_keys.py).

The iron rule (DESIGN §3.2): no key held by the subject of a concern may unwrap that case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from offline_keys import (
    GOVERNORS_KEY,
    SCHOOL_KEY,
    case_deks,
    open_keyring,
    recovery_private_key,
    user_identity,
    who_can_decrypt,
)
from sqlalchemy import update
from support.school import PASSPHRASES, build_school

from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput, TamperDetected
from safelog.store.schema import UserRow
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case, update_case

DEE = "Dee Deputy"
DEE_PASSPHRASE = "dee deputy safeguarding"
SUMMARY = "Messages sent to a pupil late at night"
DESCRIPTION = "A pupil showed me messages on her phone."


@dataclass
class Scenario:
    school: Any
    reference: str
    passphrases: dict[str, str]


def school_with_deputy(vault: Any) -> tuple[Any, dict[str, str]]:
    """The standard school plus a deputy DSL (dsl + staff) who holds the dsl role key."""
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, DEE, frozenset({Role.DSL}))
    dana.lock()
    vault.enrol(code, DEE_PASSPHRASE).lock()
    vault.admit(school.unlock("Dana DSL"), DEE)  # hands the dsl role key to the deputy
    return school, {**PASSPHRASES, DEE: DEE_PASSPHRASE}


def file_report(vault: Any, passphrases: dict[str, str], subjects: list[str]) -> str:
    """Sam Staff reports; about a pupil, or about the named users."""
    sam = vault.unlock("Sam Staff", passphrases["Sam Staff"])
    reference = add_case(
        sam,
        CaseInput.from_json(
            {
                "category": "staff-online-conduct" if subjects else "cyberbullying-pupil",
                "summary": SUMMARY,
                "description": DESCRIPTION,
                "subjects": subjects,
            }
        ),
    )
    sam.lock()
    return reference


def make_case(vault: Any, kind: str) -> Scenario:
    if kind == "dsl-subject":
        school, passphrases = school_with_deputy(vault)
    else:
        school = build_school(vault, head_is_dsl=kind == "head-is-dsl")
        passphrases = dict(PASSPHRASES)
    subjects = {
        "about-head": ["Hugh Head"],
        "head-is-dsl": ["Hugh Head"],
        "dsl-subject": [DEE],
    }.get(kind, [])
    reference = file_report(vault, passphrases, subjects)
    if kind == "escalated":
        dana = school.unlock("Dana DSL")
        update_case(dana, reference, {"escalated_to_leadership": True})
        dana.lock()
    return Scenario(school, reference, passphrases)


# kind, people who may read it, recovery keys that may read it. The reporter (Sam) is never a
# reader: he keeps a receipt of what he sent (tests/security/test_reporter_receipts.py).
MATRIX = [
    pytest.param("pupil-report", {"Dana DSL"}, {GOVERNORS_KEY}, id="a-staff-report-about-pupil"),
    pytest.param(
        "about-head",
        {"Dana DSL", "Chris Chair"},
        {GOVERNORS_KEY},
        id="b-concern-about-headteacher",
    ),
    pytest.param(
        "dsl-subject",
        {"Dana DSL", "Hugh Head"},
        {SCHOOL_KEY, GOVERNORS_KEY},
        id="c-concern-about-deputy-dsl",
    ),
    pytest.param(
        "escalated",
        {"Dana DSL", "Hugh Head"},
        {SCHOOL_KEY, GOVERNORS_KEY},
        id="d-escalated-to-leadership",
    ),
    pytest.param(
        "head-is-dsl",
        {"Dana DSL", "Chris Chair"},
        {GOVERNORS_KEY},
        id="e-head-is-dsl-concern-about-head",
    ),
]


def api_readers(vault: Any, case: Scenario) -> tuple[set[str], set[str], set[str]]:
    """(listed, opened, refused): signing in as each person in turn."""
    listed, opened, denied = set(), set(), set()
    for name, passphrase in case.passphrases.items():
        session = vault.unlock(name, passphrase)
        summaries = {c.reference: c.summary for c in list_cases(session)}
        if case.reference in summaries:
            assert summaries[case.reference] == SUMMARY
            listed.add(name)
        try:
            detail = show_case(session, case.reference)
        except AccessDenied as exc:
            assert SUMMARY not in str(exc) and DESCRIPTION not in str(exc)
            denied.add(name)
        else:
            assert detail.get("description") == DESCRIPTION
            opened.add(name)
        session.lock()
    return listed, opened, denied


@pytest.mark.parametrize(("kind", "readers", "recovery_readers"), MATRIX)
def test_who_can_read(
    vault: Any, subtests: Any, kind: str, readers: set[str], recovery_readers: set[str]
) -> None:
    case = make_case(vault, kind)
    with subtests.test(msg="crypto level: each secret against the raw tables"):
        with vault.engine.connect() as conn:
            got = who_can_decrypt(
                conn,
                case.reference,
                case.passphrases,
                case.school.recovery,
                expected_summary=SUMMARY,
            )
        assert got == readers | recovery_readers
    with subtests.test(msg="through the API: list_cases and show_case as each person"):
        listed, opened, denied = api_readers(vault, case)
        assert listed == readers | {"Sam Staff"}  # the reporter lists it from his receipt
        assert opened == readers
        assert denied == set(case.passphrases) - readers
    if kind in ("about-head", "head-is-dsl"):
        # The database file, their own passphrase (so every role key granted to them) and
        # the school-safe recovery key, all together.
        with (
            subtests.test(msg="the head with everything they can reach at once"),
            vault.engine.connect() as conn,
        ):
            start = [
                user_identity(conn, "Hugh Head", PASSPHRASES["Hugh Head"]).x25519,
                recovery_private_key(case.school.recovery["school"]),
            ]
            ring = open_keyring(conn, start)
            assert len(ring.private) >= 3  # own key, school key, role keys they unwrapped
            assert case_deks(conn, case.reference, ring) == {}
    if kind == "dsl-subject":
        with subtests.test(msg="the subject DSL's own dsl role key works, but not here"):
            other = file_report(vault, case.passphrases, [])  # an ordinary report
            with vault.engine.connect() as conn:
                dee = open_keyring(conn, [user_identity(conn, DEE, DEE_PASSPHRASE).x25519])
                assert case_deks(conn, other, dee)
                assert case_deks(conn, case.reference, dee) == {}


def test_staff_read_only_their_own_reports(vault: Any) -> None:
    school = build_school(vault)
    sams = file_report(vault, PASSPHRASES, [])
    tess = vault.unlock("Tess Teacher", PASSPHRASES["Tess Teacher"])
    tess_ref = add_case(
        tess,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Another report",
                "description": "Other.",
            }
        ),
    )
    assert [c.reference for c in list_cases(tess)] == [tess_ref]
    with pytest.raises(AccessDenied):
        show_case(tess, sams)
    tess.lock()
    staff = {"Sam Staff": PASSPHRASES["Sam Staff"], "Tess Teacher": PASSPHRASES["Tess Teacher"]}
    with vault.engine.connect() as conn:
        sams_readers = who_can_decrypt(conn, sams, staff, school.recovery)
        tess_readers = who_can_decrypt(conn, tess_ref, staff, school.recovery)
    # Not even their own: a reporter keeps a receipt of what they sent, not the case's keys.
    assert sams_readers & set(staff) == set()
    assert tess_readers & set(staff) == set()


@pytest.mark.parametrize(("subject", "status"), [("Hugh Head", "removed"), (DEE, "invited")])
def test_subject_cannot_escape_the_iron_rule_by_editing_their_own_status(
    vault: Any, subject: str, status: str
) -> None:
    """Threat model: the subject has the database file. One plain UPDATE of their own row,
    before a concern about them is filed, must not let them read it."""
    school, passphrases = school_with_deputy(vault)
    with vault.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.name == subject).values(status=status))
    try:
        reference = file_report(vault, passphrases, [subject])
    except (TamperDetected, InvalidInput):
        return  # refusing to file is safe
    with vault.engine.connect() as conn:
        readers = who_can_decrypt(conn, reference, passphrases, school.recovery)
    assert subject not in readers
    if subject == "Hugh Head":
        assert "Chris Chair" in readers
        assert SCHOOL_KEY not in readers
