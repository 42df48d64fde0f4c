"""The school roll in the vault (vault/roll.py, vault/roll_store.py): every enrolled member
reads it, only a DSL or administrator changes it, an import is all or nothing, re-imports
update and mark leavers, and a database writer can neither read it nor slip a pupil in."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, update
from support.roll_files import ARBOR_CSV, SIMS_CSV, SIMS_CSV_NEXT_TERM
from support.school import School

from safelog.domain.roles import KeyRole, Role
from safelog.errors import AccessDenied, InvalidInput, TamperDetected
from safelog.store.schema import RollBatchRow
from safelog.vault import roll_store
from safelog.vault.roll import add_pupil, import_roll, load_roll
from safelog.vault.roll_store import load_batches


def fixed(csv: str, bad_line: str, good_line: str) -> bytes:
    assert bad_line in csv
    return csv.replace(bad_line, good_line).encode()


SIMS_GOOD = fixed(SIMS_CSV, "31/02/2011", "28/02/2011")


def imported(school: School, data: bytes = SIMS_GOOD, who: str = "Dana DSL") -> Any:
    session = school.unlock(who)
    try:
        return import_roll(session, data)
    finally:
        session.lock()


def names(school: School, who: str) -> dict[str, Any]:
    session = school.unlock(who)
    try:
        return {p.display_name: p for p in load_roll(session).pupils.values()}
    finally:
        session.lock()


def test_a_sims_roll_is_imported_and_every_member_reads_it(school: School) -> None:
    result = imported(school)
    assert result.imported and result.counts["added"] == 6
    for who in ("Dana DSL", "Hugh Head", "Chris Chair", "Sam Staff", "Tess Teacher"):
        pupils = names(school, who)
        assert "Jess (Jessica) Smith" in pupils, who
        jess = pupils["Jess (Jessica) Smith"]
        assert (jess.upn, jess.form, jess.year) == ("B201201001010", "8B", "8")


def test_a_roll_with_a_bad_row_imports_nothing_and_names_the_line(school: School) -> None:
    result = imported(school, SIMS_CSV.encode())
    assert not result.imported
    assert [r.line for r in result.rejected] == [5]
    assert "31/02/2011" in result.rejected[0].reason
    assert names(school, "Dana DSL") == {}


def test_a_re_import_updates_by_upn_and_marks_leavers_never_deleting(
    school: School, clock: Any
) -> None:
    imported(school)
    result = imported(school, SIMS_CSV_NEXT_TERM.encode())
    assert result.counts["left"] == 1 and result.counts["added"] == 1
    pupils = names(school, "Sam Staff")
    assert pupils["Jess (Jessica) Smith"].form == "8C"
    liam = pupils["Liam O'Brien"]
    assert liam.left_on == clock().date() and not liam.on_roll
    assert len(pupils) == 7
    # The same roll again changes nothing and writes nothing.
    dana = school.unlock("Dana DSL")
    with dana.engine.connect() as conn:
        before = len(load_batches(dana, conn))
    again = import_roll(dana, SIMS_CSV_NEXT_TERM.encode())
    with dana.engine.connect() as conn:
        assert len(load_batches(dana, conn)) == before
    assert again.counts["unchanged"] == 6


def test_an_arbor_roll_with_iso_dates(school: School) -> None:
    result = imported(school, fixed(ARBOR_CSV, "Noah,,", "Noah,Brown,"))
    assert result.imported
    pupils = names(school, "Dana DSL")
    assert pupils["Ava Williams"].year == "R"
    assert str(pupils["Mia Jones"].date_of_birth) == "2014-04-02"


def test_staff_and_the_head_cannot_change_the_roll(school: School) -> None:
    for who in ("Sam Staff", "Hugh Head", "Chris Chair"):
        with pytest.raises(AccessDenied, match="Only a DSL or an administrator"):
            imported(school, who=who)
        session = school.unlock(who)
        with pytest.raises(AccessDenied):
            add_pupil(session, {"surname": "Ghost", "legal_forename": "Gary"})
        session.lock()
    assert names(school, "Dana DSL") == {}


def test_a_pupil_added_by_hand_and_a_duplicate_refused(school: School) -> None:
    dana = school.unlock("Dana DSL")
    pupil = add_pupil(
        dana, {"surname": "Reed", "legal_forename": "Ruby", "date_of_birth": "2013-06-01"}
    )
    with pytest.raises(InvalidInput, match="already on the roll"):
        add_pupil(
            dana, {"surname": "REED", "legal_forename": "ruby", "date_of_birth": "2013-06-01"}
        )
    assert load_roll(dana).find(pupil.id).display_name == "Ruby Reed"
    with pytest.raises(InvalidInput, match="No pupil with the id or UPN"):
        load_roll(dana).find("B201201001010")
    dana.lock()


def test_the_database_holds_no_name_in_the_clear(school: School) -> None:
    imported(school)
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(select(RollBatchRow.__table__)).all()
    blob = b"".join(bytes(v) for row in rows for v in row if isinstance(v, bytes))
    # Words long enough that random ciphertext does not hold them by chance ("8B" did).
    for word in (b"Jessica", b"Smith", b"B201201001010", b"Oliver"):
        assert word not in blob


def test_a_changed_byte_a_deleted_batch_or_a_forged_batch_is_refused(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported(school)
    dana = school.unlock("Dana DSL")
    add_pupil(dana, {"surname": "Reed", "legal_forename": "Ruby"})
    dana.lock()
    engine = school.vault.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(select(RollBatchRow.__table__).order_by(RollBatchRow.seq)).all()
    first, last = rows

    # A flipped byte in the sealed records.
    body = bytearray(first.body_ct)
    body[len(body) // 2] ^= 1
    with engine.begin() as conn:
        conn.execute(update(RollBatchRow).where(RollBatchRow.seq == 1).values(body_ct=bytes(body)))
    sam = school.unlock("Sam Staff")
    with pytest.raises(TamperDetected, match="altered outside SafeLog"):
        load_roll(sam)
    sam.lock()
    with engine.begin() as conn:
        conn.execute(
            update(RollBatchRow).where(RollBatchRow.seq == 1).values(body_ct=first.body_ct)
        )

    # The newest batch deleted: the audit log names it.
    with engine.begin() as conn:
        conn.execute(delete(RollBatchRow).where(RollBatchRow.seq == 2))
    sam = school.unlock("Sam Staff")
    with pytest.raises(TamperDetected, match="rolled back"):
        load_roll(sam)
    sam.lock()
    with engine.begin() as conn:
        conn.execute(RollBatchRow.__table__.insert().values(**last._mapping))

    # A batch made by a member of staff's patched client (his own real keys, a correct hash
    # and signature, the members' key he holds) is not the roll: he does not keep it.
    sam = school.unlock("Sam Staff")
    with monkeypatch.context() as patched:
        patched.setattr(roll_store, "ROLL_KEEPERS", frozenset(Role))
        with sam.write() as conn:
            roll_store.append_batch(sam, conn, "add", [{"id": "x", "surname": "Ghost"}])
    with pytest.raises(TamperDetected, match="Sam Staff, who did not keep the roll"):
        load_roll(sam)
    sam.lock()


def test_a_new_member_reads_the_roll_once_a_member_has_signed_in_since(school: School) -> None:
    imported(school)
    vault: Any = school.vault
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, "Nina New", frozenset({Role.STAFF}))
    dana.lock()
    nina = vault.enrol(code, "nina first day here")
    with pytest.raises(AccessDenied, match="does not hold the key to the school roll yet"):
        load_roll(nina)
    nina.lock()
    school.unlock("Sam Staff").lock()  # any member holding the key hands it on
    nina = vault.unlock("Nina New", "nina first day here")
    assert "Jess (Jessica) Smith" in {p.display_name for p in load_roll(nina).pupils.values()}
    nina.lock()


def test_a_removed_member_cannot_open_what_the_roll_gained_after_they_left(
    school: School,
) -> None:
    imported(school)
    vault: Any = school.vault
    tess_keys = school.unlock("Tess Teacher")
    held = dict(tess_keys.role_keys)
    tess_keys.lock()
    dana = school.unlock("Dana DSL")
    vault.remove_user(dana, "Tess Teacher")
    add_pupil(dana, {"surname": "Reed", "legal_forename": "Ruby"})
    with dana.engine.connect() as conn:
        rows = conn.execute(select(RollBatchRow.__table__).order_by(RollBatchRow.seq)).all()
    dana.lock()
    newest = rows[-1]
    # Tess kept every key she ever held; none of them opens the batch written after.
    assert (KeyRole.MEMBERS, newest.epoch) not in held
    assert {epoch for role, epoch in held if role == KeyRole.MEMBERS} == {rows[0].epoch}


def test_a_case_names_a_pupil_from_the_roll_by_upn_and_an_unknown_upn_is_refused(
    school: School,
) -> None:
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case, list_cases, show_case, update_case

    imported(school)
    case = {
        "category": "cyberbullying-pupil",
        "summary": "Messages in a group chat",
        "description": "Jess was sent unkind messages.",
        "people": [{"pupil": "B201201001010", "role": "victim"}],
    }
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(case))
    unknown = {**case, "people": [{"pupil": "A123456789012", "role": "victim"}]}
    with pytest.raises(InvalidInput, match="person 1: No pupil with the id or UPN"):
        add_case(sam, CaseInput.from_json(unknown))
    sam.lock()
    dana = school.unlock("Dana DSL")
    jess = load_roll(dana).find("B201201001010")
    (person,) = show_case(dana, reference).fields["people"]
    assert person == {
        "name": "Jess (Jessica) Smith",
        "kind": "pupil",
        "role": "victim",
        "pupil": jess.id,
        "date_of_birth": "2012-03-14",
    }
    liam = load_roll(dana).find("P201201001020")
    update_case(dana, reference, {"people": [person, {"pupil": liam.id, "role": "witness"}]})
    people = show_case(dana, reference).fields["people"]
    assert [(p["name"], p["role"], p["pupil"]) for p in people] == [
        ("Jess (Jessica) Smith", "victim", jess.id),
        ("Liam O'Brien", "witness", liam.id),
    ]
    # The list knows who is involved (search by name) and which pupils (their page).
    (listed,) = [c for c in list_cases(dana) if c.reference == reference]
    assert listed.people == ("Jess (Jessica) Smith", "Liam O'Brien")
    assert set(listed.pupils) == {jess.id, liam.id}
    dana.lock()


def test_family_links_are_kept_both_ways_and_survive_a_re_import(school: School) -> None:
    from safelog.vault.roll import link_family

    imported(school)
    dana = school.unlock("Dana DSL")
    link_family(dana, "B201201001010", "sibling", pupil="D201201001050", note="half-brother")
    link_family(dana, "B201201001010", "parent or carer", name="Ms K Smith", note="mum")
    with pytest.raises(InvalidInput, match="is not a family link"):
        link_family(dana, "B201201001010", "cousin", name="Cal")
    with pytest.raises(InvalidInput, match="either a pupil on the roll or a named person"):
        link_family(dana, "B201201001010", "sibling")
    import_roll(dana, SIMS_CSV_NEXT_TERM.encode())
    roll = load_roll(dana)
    dana.lock()
    jess, olly = roll.find("B201201001010"), roll.find("D201201001050")
    assert jess.form == "8C"  # updated by the re-import, links kept
    assert [(link.relation, link.pupil, link.name) for link in jess.links] == [
        ("sibling", olly.id, ""),
        ("parent or carer", "", "Ms K Smith"),
    ]
    assert [(link.relation, link.pupil) for link in olly.links] == [("sibling", jess.id)]
    sam = school.unlock("Sam Staff")
    with pytest.raises(AccessDenied):
        link_family(sam, "B201201001010", "sibling", pupil="P201201001020")
    sam.lock()
