"""The register of adults who are not SafeLog users (domain/adults.py): what an adult typed
by hand must have, and picking one as you type."""

from __future__ import annotations

from datetime import date

import pytest

from safelog.domain.adults import Adult, match_adults, validate_adult
from safelog.errors import InvalidInput


def adult(
    forename: str, surname: str, kind: str = "volunteer", job: str = "", **kw: object
) -> Adult:
    return Adult(
        id=f"{forename}-{surname}", forename=forename, surname=surname, kind=kind, job=job, **kw
    )  # type: ignore[arg-type]


def test_an_adult_needs_names_and_a_known_kind_and_every_problem_is_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_adult({"forename": " ", "kind": "wizard", "age": "40"})
    text = str(caught.value)
    assert "a forename is needed" in text and "a surname is needed" in text
    assert "the kind must be one of: staff, volunteer, governor, contractor" in text
    assert "SafeLog does not keep 'age'" in text
    with pytest.raises(InvalidInput, match="should be written as text"):
        validate_adult({"forename": "Pat", "surname": "Jones", "kind": "staff", "job": 3})


def test_names_are_tidied_and_the_kind_folded() -> None:
    checked = validate_adult({"forename": "  Pat ", "surname": "O'Brien  Ng", "kind": "Governor"})
    assert checked == {
        "forename": "Pat",
        "surname": "O'Brien Ng",
        "kind": "governor",
        "job": "",
        "note": "",
    }


def test_picking_matches_the_start_of_names_kinds_and_jobs_those_here_first() -> None:
    people = [
        adult("Pat", "Smith-Jones", job="Football coach"),
        adult("Sam", "Jones", kind="contractor", job="Electrician", left_on=date(2026, 1, 1)),
        adult("Zoë", "O'Brien", kind="governor"),
        adult("Amy", "Jonas", kind="staff", job="Supply teacher"),
    ]
    assert [a.surname for a in match_adults(people, "jones")] == ["Smith-Jones", "Jones"]
    assert [a.forename for a in match_adults(people, "jon")] == ["Amy", "Pat", "Sam"]
    assert [a.forename for a in match_adults(people, "zoe obr")] == ["Zoë"]
    assert [a.forename for a in match_adults(people, "supply")] == ["Amy", "Sam"]  # his kind
    assert [a.forename for a in match_adults(people, "coach pat")] == ["Pat"]
    assert match_adults(people, "coach sam") == []
    assert match_adults(people, "   ") == []
    assert len(match_adults(people, "j", limit=2)) == 2
