"""The school's own rules as a signed setting with its own history (vault/school_rules.py):
a DSL's version is in force for everyone at their next sign-in; a version forged by anyone
else, or a rollback to an older version, is not used, and the seed policies stay in force."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import delete, insert
from support.school import School

from safelog.crypto.encoding import canonical_json
from safelog.domain.categories import CATEGORIES, category_by_code
from safelog.domain.routes import Route
from safelog.domain.school_rules import rules_document
from safelog.errors import AccessDenied
from safelog.store.schema import SettingRow
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.escalations import escalations_for
from safelog.vault.school_rules import import_rules, read_rules


def police_required_in_24_hours() -> dict[str, Any]:
    document = rules_document(CATEGORIES, CATEGORIES)
    threats = next(c for c in document["categories"] if c["code"] == "public-threats")
    police = next(r for r in threats["routes"] if r["route"] == "police")
    police.update(required=True, deadline={"kind": "hours", "count": 24}, when=[])
    police["policy_refs"] = ["Our safeguarding policy 9.4"]
    return document


def police_rule_now() -> Any:
    return next(r for r in category_by_code("public-threats").routes if r.route is Route.POLICE)


def threat_case(school: School) -> str:
    sam = school.unlock("Sam Staff")
    reference = add_case(
        sam,  # type: ignore[arg-type]
        CaseInput.from_json(
            {"category": "public-threats", "summary": "Threat at the gate", "description": "x"}
        ),
    )
    sam.lock()  # type: ignore[attr-defined]
    return reference


def test_a_dsls_rules_are_in_force_for_everyone_at_sign_in(school: School) -> None:
    reference = threat_case(school)
    dana = school.unlock("Dana DSL")
    version = import_rules(dana, police_required_in_24_hours())  # type: ignore[arg-type]
    dana.lock()  # type: ignore[attr-defined]
    assert version.number == 1 and version.changed == ("public-threats",)
    from safelog.domain.categories import use_school_rules

    use_school_rules(None)  # as another PC would start
    hugh = school.unlock("Hugh Head")
    assert police_rule_now().required
    found = read_rules(hugh)  # type: ignore[arg-type]
    assert [(v.number, v.by) for v in found.history] == [(1, "Dana DSL")]
    hugh.lock()  # type: ignore[attr-defined]
    dana = school.unlock("Dana DSL")
    police = next(
        e
        for e in escalations_for(show_case(dana, reference))
        if e["route"] == "police"  # type: ignore[arg-type]
    )
    assert police["required"] and police["deadline"]["kind"] == "hours"
    assert police["policy_refs"] == ["Our safeguarding policy 9.4"]
    dana.lock()  # type: ignore[attr-defined]


def test_only_a_dsl_changes_the_rules(school: School) -> None:
    for name in ("Sam Staff", "Hugh Head", "Chris Chair"):
        session = school.unlock(name)
        with pytest.raises(AccessDenied):
            import_rules(session, police_required_in_24_hours())  # type: ignore[arg-type]
        session.lock()  # type: ignore[attr-defined]


def test_a_version_signed_by_someone_who_is_not_a_dsl_is_not_used(school: School) -> None:
    """A member of staff's own client writes a version signed with their own key."""
    sam = school.unlock("Sam Staff")
    record = canonical_json(
        {
            "key": "school-rules/000001",
            "seq": 1,
            "prev": "",
            "vault_id": sam.directory.vault_id,  # type: ignore[attr-defined]
            "by": sam.user_id,  # type: ignore[attr-defined]
            "at": "2026-12-01T10:00:00+00:00",
            "membership": sam.directory.head_seq,  # type: ignore[attr-defined]
            "changed": ["public-threats"],
            "document": police_required_in_24_hours(),
        }
    )
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(
            insert(SettingRow).values(
                key="school-rules/000001",
                record=record,
                signer_id=sam.user_id,  # type: ignore[attr-defined]
                signature=sam.identity.sign(record),  # type: ignore[attr-defined]
                updated_at=sam.clock(),  # type: ignore[attr-defined]
            )
        )
    sam.lock()  # type: ignore[attr-defined]
    dana = school.unlock("Dana DSL")
    assert not police_rule_now().required  # the seed policies' rule
    assert any("was not a DSL at the time" in p for p in dana.key_problems)  # type: ignore[attr-defined]
    dana.lock()  # type: ignore[attr-defined]


def test_rolling_the_rules_back_to_an_older_version_is_noticed(school: School) -> None:
    dana = school.unlock("Dana DSL")
    import_rules(dana, police_required_in_24_hours())  # type: ignore[arg-type]
    stricter = police_required_in_24_hours()
    threats = next(c for c in stricter["categories"] if c["code"] == "public-threats")
    next(r for r in threats["routes"] if r["route"] == "police")["deadline"]["count"] = 2
    import_rules(dana, stricter)  # type: ignore[arg-type]
    dana.lock()  # type: ignore[attr-defined]
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(delete(SettingRow).where(SettingRow.key == "school-rules/000002"))
    hugh = school.unlock("Hugh Head")
    assert any("rolled back" in p for p in hugh.key_problems)  # type: ignore[attr-defined]
    assert not police_rule_now().required  # neither version: the seeds, until it is put right
    hugh.lock()  # type: ignore[attr-defined]


def test_the_document_is_stored_in_the_clear_and_signed(school: School) -> None:
    dana = school.unlock("Dana DSL")
    import_rules(dana, police_required_in_24_hours())  # type: ignore[arg-type]
    dana.lock()  # type: ignore[attr-defined]
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        record = conn.execute(
            SettingRow.__table__.select().where(SettingRow.key == "school-rules/000001")
        ).one()
    assert json.loads(record.record)["document"]["format"] == 1
