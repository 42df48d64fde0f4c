"""Retention review dates in the case list: worked out when each version is written, from the
case's own facts, and kept inside the encrypted list summary (never in a plaintext column).
Both databases (the `school` fixture)."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from support.school import PASSPHRASES, Clock

from safelog.crypto.encoding import canonical_json
from safelog.store.schema import CaseRow
from safelog.vault.case_engine import summary_aad
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, update_case
from safelog.vault.records import CaseSummary


def pupil(name: str, dob: str | None = None, role: str = "victim") -> dict[str, str]:
    person = {"name": name, "kind": "pupil", "role": role}
    if dob:
        person["date_of_birth"] = dob
    return person


def new_case(session: Any, category: str, people: list[dict[str, str]], **extra: Any) -> str:
    return add_case(
        session,
        CaseInput.from_json(
            {
                "category": category,
                "summary": "A concern",
                "description": "What was seen.",
                "people": people,
                **extra,
            }
        ),
    )


def listed(session: Any, reference: str) -> CaseSummary:
    [case] = [c for c in list_cases(session) if c.reference == reference]
    return case


def test_child_protection_case_with_two_pupils_is_reviewed_25_years_after_the_youngest(
    school: Any,
) -> None:
    dsl = school.unlock("Dana DSL")
    reference = new_case(
        dsl,
        "cyberbullying-pupil",
        [pupil("Amy", "2012-05-01"), pupil("Ben", "2014-02-28", "alleged-perpetrator")],
    )
    case = listed(dsl, reference)
    assert case.review_on == date(2039, 2, 28)
    assert case.review_rule == "Child protection: youngest pupil's birth + 25 years"


def test_a_missing_date_of_birth_means_no_date_until_it_is_added(school: Any) -> None:
    dsl = school.unlock("Dana DSL")
    reference = new_case(dsl, "online-abuse-disclosure", [pupil("Amy", "2012-05-01"), pupil("Cal")])
    case = listed(dsl, reference)
    assert case.review_on is None, "Cal may be the youngest: any date could be too early"
    assert case.review_rule == "No review date yet: a pupil's date of birth is missing"

    update_case(
        dsl, reference, {"people": [pupil("Amy", "2012-05-01"), pupil("Cal", "2015-09-30")]}
    )
    assert listed(dsl, reference).review_on == date(2040, 9, 30)

    no_pupils = new_case(dsl, "nudes-sharing", [])
    assert listed(dsl, no_pupils).review_on is None
    assert listed(dsl, no_pupils).review_rule == "No review date yet: no pupil's date of birth"


@pytest.mark.parametrize(
    ("staff_dob", "review_on", "rule"),
    [
        # Received on 20 November 2026: 10 years from the allegation ...
        (None, date(2036, 11, 20), "Allegation against staff: 10 years from the allegation"),
        (
            "1965-01-10",
            date(2036, 11, 20),
            "Allegation against staff: 10 years from the allegation",
        ),
        # ... unless the member of staff reaches retirement age (67) later.
        ("1990-03-15", date(2057, 3, 15), "Allegation against staff: until retirement age"),
    ],
)
def test_an_allegation_against_staff_is_kept_10_years_or_to_retirement(
    school: Any, staff_dob: str | None, review_on: date, rule: str
) -> None:
    dsl = school.unlock("Dana DSL")
    teacher = {"name": "Mr T", "kind": "staff", "role": "alleged-perpetrator"}
    if staff_dob:
        teacher["date_of_birth"] = staff_dob
    reference = new_case(dsl, "staff-online-conduct", [teacher])
    case = listed(dsl, reference)
    assert (case.review_on, case.review_rule) == (review_on, rule)


def test_other_cases_are_reviewed_6_years_after_closing(school: Any, clock: Clock) -> None:
    dsl = school.unlock("Dana DSL")
    reference = new_case(dsl, "public-threats", [])
    assert listed(dsl, reference).review_on is None
    assert listed(dsl, reference).review_rule == "No review date yet: the case is not closed"

    clock.advance(days=40)  # closed on 30 December 2026
    update_case(dsl, reference, {"outcome": "Resolved", "status": "closed"})
    assert listed(dsl, reference).review_on == date(2032, 12, 30)
    clock.advance(days=100)  # a later note does not move the day it was closed
    update_case(dsl, reference, {"summary": "A concern, with a note added after closing"})
    assert listed(dsl, reference).review_on == date(2032, 12, 30)
    update_case(dsl, reference, {"status": "open"})  # reopened: no date until closed again
    assert listed(dsl, reference).review_on is None


def test_the_review_date_is_only_in_the_encrypted_summary(school: Any) -> None:
    dsl = school.unlock("Dana DSL")
    reference = new_case(dsl, "cyberbullying-pupil", [pupil("Amy", "2012-05-01")])
    with dsl.engine.connect() as conn:
        row = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
    for value in row:
        if isinstance(value, bytes | str):
            raw = value if isinstance(value, bytes) else value.encode()
            assert b"2037" not in raw and b"review" not in raw


def test_summaries_written_before_review_dates_still_load(school: Any) -> None:
    dsl = school.unlock("Dana DSL")
    reference = new_case(dsl, "cyberbullying-pupil", [pupil("Amy", "2012-05-01")])
    with dsl.engine.begin() as conn:
        row = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
        cipher = dsl.audience_ciphers[row.audience_id]
        aad = summary_aad(row.id, row.audience_id, row.head_version)
        old = json.loads(cipher.open(row.summary_ct, aad))
        del old["review_on"], old["review_rule"]
        conn.execute(
            update(CaseRow)
            .where(CaseRow.id == row.id)
            .values(summary_ct=cipher.seal(canonical_json(old), aad))
        )
    case = listed(dsl, reference)
    assert (case.review_on, case.review_rule) == (None, "")
    assert case.summary == "A concern"


def test_case_list_json_has_the_review_date(
    school: Any,
    db_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from safelog.cli import main

    dsl = school.unlock("Dana DSL")
    dated = new_case(dsl, "cyberbullying-pupil", [pupil("Amy", "2012-05-01")])
    undated = new_case(dsl, "public-threats", [])
    dsl.lock()
    school.vault.close()
    monkeypatch.setenv("SAFELOG_DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSPHRASES["Dana DSL"] + "\n"))
    code = main(["case", "list", "--as", "Dana DSL", "--json", "--data-dir", str(data_dir)])
    assert code == 0
    listing = {c["reference"]: c for c in json.loads(capsys.readouterr().out)}
    assert listing[dated]["review_on"] == "2037-05-01"
    assert listing[undated]["review_on"] is None
