"""The trust's chief executive (issue 18 point 6; policy 004 9.2: a concern about the
headteacher goes to the chair of governors and the CEO). A role whose key is never held by
the headteacher, admitted like the chair: by the chair or with the governors' recovery key,
never by a DSL or the head. The CEO reads concerns about the headteacher and nothing else.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.school import School

from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput, UserFacingError
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case

CEO = "Tara Trust"
CEO_PASSPHRASE = "tara trust board papers"  # not in the shared PASSPHRASES: others list it


def unlock_ceo(school: School) -> Any:
    return school.vault.unlock(CEO, CEO_PASSPHRASE)  # type: ignore[attr-defined]


def invite_ceo(school: School) -> Any:
    dana = school.unlock("Dana DSL")
    code = school.vault.invite(dana, CEO, frozenset({Role.TRUST_CEO}))  # type: ignore[attr-defined]
    dana.lock()  # type: ignore[attr-defined]
    tara = school.vault.enrol(code, CEO_PASSPHRASE)  # type: ignore[attr-defined]
    tara.lock()
    return code


def about_the_head(school: School) -> str:
    sam = school.unlock("Sam Staff")
    reference = add_case(
        sam,  # type: ignore[arg-type]
        CaseInput.from_json(
            {
                "category": "staff-online-conduct",
                "summary": "Head's posts about a parent",
                "description": "Posts seen on a public page.",
                "subjects": ["Hugh Head"],
            }
        ),
    )
    sam.lock()  # type: ignore[attr-defined]
    return reference


def test_the_ceo_is_admitted_by_the_chair_not_by_the_dsl_or_the_head(school: School) -> None:
    invite_ceo(school)
    dana = school.unlock("Dana DSL")
    with pytest.raises(UserFacingError):
        school.vault.admit(dana, CEO)  # type: ignore[attr-defined]
    dana.lock()  # type: ignore[attr-defined]
    hugh = school.unlock("Hugh Head")
    with pytest.raises(UserFacingError):
        school.vault.admit(hugh, CEO)  # type: ignore[attr-defined]
    hugh.lock()  # type: ignore[attr-defined]
    chris = school.unlock("Chris Chair")
    school.vault.admit(chris, CEO)  # type: ignore[attr-defined]
    chris.lock()  # type: ignore[attr-defined]
    tara = unlock_ceo(school)
    assert Role.TRUST_CEO in tara.person.roles  # type: ignore[attr-defined]
    tara.lock()  # type: ignore[attr-defined]


def test_the_ceo_reads_a_concern_about_the_head_and_the_head_does_not(school: School) -> None:
    invite_ceo(school)
    school.vault.admit_with_recovery(CEO, school.recovery["governors"])  # type: ignore[attr-defined]
    unlock_ceo(school).lock()  # type: ignore[attr-defined]
    school.unlock("Chris Chair").lock()  # type: ignore[attr-defined]  (hands on the key)
    reference = about_the_head(school)
    other = add_case(
        school.unlock("Sam Staff"),  # type: ignore[arg-type]
        CaseInput.from_json(
            {"category": "cyberbullying-pupil", "summary": "Pupil chat", "description": "Seen."}
        ),
    )
    tara = unlock_ceo(school)
    listed = [c.reference for c in list_cases(tara)]  # type: ignore[arg-type]
    assert listed == [reference]  # the concern about the head, and no other case
    assert show_case(tara, reference).fields["subjects"]  # type: ignore[arg-type]
    with pytest.raises(AccessDenied):
        show_case(tara, other)  # type: ignore[arg-type]
    tara.lock()  # type: ignore[attr-defined]
    hugh = school.unlock("Hugh Head")
    assert reference not in [c.reference for c in list_cases(hugh)]  # type: ignore[arg-type]
    with pytest.raises(UserFacingError):
        show_case(hugh, reference)  # type: ignore[arg-type]
    hugh.lock()  # type: ignore[attr-defined]


def test_the_school_safe_key_cannot_admit_a_ceo(school: School) -> None:
    invite_ceo(school)
    with pytest.raises(UserFacingError):
        school.vault.admit_with_recovery(CEO, school.recovery["school"])  # type: ignore[attr-defined]


def test_no_one_is_both_headteacher_and_ceo(school: School) -> None:
    dana = school.unlock("Dana DSL")
    with pytest.raises((InvalidInput, UserFacingError), match="headteacher and chief executive"):
        school.vault.invite(dana, "Pat Both", frozenset({Role.HEADTEACHER, Role.TRUST_CEO}))  # type: ignore[attr-defined]
    dana.lock()  # type: ignore[attr-defined]
