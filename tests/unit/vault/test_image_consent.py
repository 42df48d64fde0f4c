"""Consent to post pupils' images and videos (issue 18; 003 4.1-4.8, 4.15): per pupil and
medium, for an academic year, withdrawn in writing, posts removed; recorded by the DSL or
admin and read by every member; the case about personal data disclosed online shows it; a
member of staff cannot record it, nor a database editor change it unseen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import update
from support.roll_files import SIMS_CSV

from safelog.domain.image_consent import academic_year, consent_summary, may_post
from safelog.errors import AccessDenied, InvalidInput, TamperDetected
from safelog.store.schema import RollBatchRow
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.image_consent import consent_of, consent_register, record_consent
from safelog.vault.roll import import_roll, load_roll
from safelog.vault.views import case_view


@pytest.fixture
def jess(school: Any) -> str:
    dana = school.unlock("Dana DSL")
    assert import_roll(dana, SIMS_CSV.replace("31/02/2011", "28/02/2011").encode()).imported
    return load_roll(dana).sorted()[0].id


def test_the_academic_year_and_the_rules() -> None:
    assert academic_year(date(2026, 9, 1)) == "2026/27"
    assert academic_year(date(2026, 8, 31)) == "2025/26"


def test_consent_per_medium_withdrawn_in_writing(school: Any, jess: str) -> None:
    dana = school.unlock("Dana DSL")
    for medium in ("website-images", "social-images"):
        record_consent(dana, jess, {"medium": medium, "status": "given", "by": "Mrs Smith",
                                    "on": "2026-11-02"})  # fmt: skip
    record_consent(dana, jess, {"medium": "social-video", "status": "refused", "by": "Mrs Smith",
                                "on": "2026-11-02"})  # fmt: skip
    sam = school.unlock("Sam Staff")  # any member reads it before posting
    summary = consent_of(sam, jess).summary
    assert summary["website-images"] == summary["social-images"] == "may post"
    assert summary["social-video"] == "refused" and summary["press"] == "not asked"
    with pytest.raises(InvalidInput, match="in writing"):
        record_consent(dana, jess, {"medium": "social-images", "status": "withdrawn"})
    record_consent(dana, jess, {"medium": "social-images", "status": "withdrawn",
                                "by": "Mrs Smith, letter", "on": "2026-11-20"})  # fmt: skip
    record_consent(dana, jess, {"medium": "social-images", "status": "removed",
                                "by": "Dana DSL", "note": "Sports day post"})  # fmt: skip
    found = consent_of(sam, jess)
    assert found.summary["social-images"] == "withdrawn"
    assert found.summary["website-images"] == "may post"
    assert [e.status for e in found.events][-2:] == ["withdrawn", "removed"]
    assert not may_post(found.events, "social-images", date(2026, 11, 21))
    # Next academic year a new form is needed, but a withdrawal stands until consent again.
    later = consent_summary(found.events, date(2027, 9, 10))
    assert later["website-images"] == "not asked"
    assert later["social-images"] == "withdrawn"
    assert [c.pupil.id for c in consent_register(sam)].count(jess) == 1


def test_only_the_dsl_or_admin_record_it(school: Any, jess: str) -> None:
    for name in ("Sam Staff", "Hugh Head"):
        with pytest.raises(AccessDenied):
            record_consent(school.unlock(name), jess, {"medium": "press", "status": "given",
                                                       "by": "Mr Smith"})  # fmt: skip
    with pytest.raises(InvalidInput, match="medium must be one of"):
        record_consent(school.unlock("Dana DSL"), jess, {"medium": "tv", "status": "given"})


def test_a_consent_changed_in_the_database_is_refused(school: Any, jess: str) -> None:
    dana = school.unlock("Dana DSL")
    record_consent(dana, jess, {"medium": "press", "status": "refused", "by": "Mr Smith"})
    with dana.engine.begin() as conn:
        last = conn.execute(RollBatchRow.__table__.select().order_by(RollBatchRow.seq.desc()))
        row = last.first()
        body = bytearray(row.body_ct)
        body[len(body) // 2] ^= 1
        conn.execute(
            update(RollBatchRow).where(RollBatchRow.seq == row.seq).values(body_ct=bytes(body))
        )
    with pytest.raises(TamperDetected, match="school roll"):
        consent_of(school.unlock("Sam Staff"), jess)


def test_the_case_about_personal_data_online_shows_the_consent(school: Any, jess: str) -> None:
    dana = school.unlock("Dana DSL")
    record_consent(dana, jess, {"medium": "social-images", "status": "refused", "by": "Mrs Smith"})
    reference = add_case(
        dana,
        CaseInput.from_json(
            {
                "category": "personal-data-disclosed",
                "summary": "A photo of a pupil posted by a parent group",
                "description": "x",
                "people": [{"pupil": jess, "role": "victim"}],
            }
        ),
    )
    view = case_view(show_case(dana, reference), dana)
    assert view["image_consent"][jess]["social-images"] == "refused"
