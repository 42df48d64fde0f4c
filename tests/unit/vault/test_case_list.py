"""The case list, as list_cases builds it for 10,000 cases (DESIGN §7): the same summaries,
decoded the same way, as the plain dataclass and JSON decoder would give. Both databases."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from safelog.crypto.encoding import canonical_json
from safelog.store.schema import CaseRow
from safelog.vault.case_engine import summary_aad
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, update_case
from safelog.vault.records import CaseSummary, case_summary


def report(session: Any, summary: str, **extra: Any) -> str:
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


def test_case_summary_makes_what_the_dataclass_makes() -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    fields = {
        "id": "c1",
        "reference": "SL-2026-00001",
        "category": "cyberbullying-pupil",
        "summary": "A concern",
        "status": "new",
        "created_at": now,
        "updated_at": now,
        "about_headteacher": False,
        "reporter_id": "u1",
    }
    made, plain = case_summary(**fields), CaseSummary(**fields)
    assert made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    assert made.review_rule == "" and made.next_due is None  # defaults, as in __init__
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.status = "closed"  # type: ignore[misc]


def test_every_listed_case_is_a_whole_summary(school: Any) -> None:
    dsl = school.unlock("Dana DSL")
    first = report(dsl, "Messages in a group chat")
    report(dsl, "A threat on a gaming site", subjects=["Tess Teacher"])
    update_case(dsl, first, {"summary": "Messages in a group chat, and a photo"})
    sam = school.unlock("Sam Staff")
    report(sam, "Shown to me at break")
    sam.lock()
    names = {f.name for f in dataclasses.fields(CaseSummary)}
    cases = list_cases(dsl)
    assert len(cases) == 3
    for case in cases:
        assert set(vars(case)) == names
        assert case == CaseSummary(**vars(case))
    assert [c.updated_at for c in cases] == sorted((c.updated_at for c in cases), reverse=True)
    assert "Messages in a group chat, and a photo" in {c.summary for c in cases}


def test_a_summary_with_white_space_lists_as_it_always_did(school: Any) -> None:
    """The JSON scanner is called without skipping white space; a summary that has some
    (not what SafeLog writes) still decodes as json.loads would decode it."""
    dsl = school.unlock("Dana DSL")
    reference = report(dsl, "Messages in a group chat")
    before = {c.reference: c for c in list_cases(dsl)}[reference]
    with school.vault.engine.begin() as conn:
        row = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
        cipher = dsl.audience_ciphers[row.audience_id]
        aad = summary_aad(row.id, row.audience_id, row.head_version)
        data = json.loads(cipher.open(row.summary_ct, aad))
        assert canonical_json(data) == cipher.open(row.summary_ct, aad)
        padded = b"  " + json.dumps(data, indent=1).encode("utf-8") + b"\n"
        conn.execute(
            update(CaseRow).where(CaseRow.id == row.id).values(summary_ct=cipher.seal(padded, aad))
        )
    after = {c.reference: c for c in list_cases(dsl)}[reference]
    assert after == before
