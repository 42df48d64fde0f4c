"""Subject access requests in the vault (vault/subject_access.py, vault/sar_export.py): sealed
for the DSL role, signed by the DSL, checked by every reader (DESIGN §3.5). Staff, the
headteacher, the chair and an administrator can neither read nor write them; a changed
byte, a row cut off the end, a swapped signer and a forged row from someone who is not a DSL
are refused; the inbox's list follows the clock; the redaction log stays in the vault."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from support.roll_files import SIMS_CSV

from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput, NotFound, TamperDetected
from safelog.store.schema import TransferRow
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.roll import import_roll, load_roll
from safelog.vault.sar_export import disclosure_items, export_disclosure, withhold
from safelog.vault.subject_access import (
    extend_request,
    find_request,
    list_requests,
    record_request,
    request_for_subject,
    requests_needing_attention,
)
from safelog.vault.workspace import add_chronology, record_decision

JESS_UPN = "B201201001010"


@pytest.fixture
def jess(school: Any) -> str:
    dana = school.unlock("Dana DSL")
    assert import_roll(dana, SIMS_CSV.replace("31/02/2011", "28/02/2011").encode()).imported
    return load_roll(dana).find(JESS_UPN).id


def _record(session: Any, received: date = date(2026, 11, 2)) -> Any:
    return record_request(
        session,
        requester="Karen Smith",
        relationship="parent",
        subject=JESS_UPN,
        received_on=received,
        note="Letter handed in at reception",
    )


def test_recorded_listed_extended_and_on_the_inbox_by_the_clock(
    school: Any, jess: str, clock: Any
) -> None:
    dana = school.unlock("Dana DSL")
    request = _record(dana)
    assert (request.id, request.subject_pupil, request.subject_name) == (
        "SAR-1",
        jess,
        "Jess (Jessica) Smith",
    )
    assert request.due == date(2026, 12, 2) and request.recorded_by == "Dana DSL"
    assert requests_needing_attention(dana) == []  # 20 November: 12 days left
    clock.advance(days=6)
    assert [r.id for r in requests_needing_attention(dana)] == ["SAR-1"]
    extended = extend_request(dana, "sar-1", 2, "Many records across three cases")
    assert extended.due == date(2027, 2, 2) and extended.extension is not None
    assert requests_needing_attention(dana) == []
    with pytest.raises(InvalidInput, match="already been extended"):
        extend_request(dana, "SAR-1", 1, "again")
    second = record_request(
        dana,
        requester="Jordan Price",
        relationship="pupil",
        subject="Jordan Price",
        received_on=date(2026, 11, 25),
    )
    assert second.id == "SAR-2" and second.subject_pupil == ""
    assert [r.id for r in list_requests(dana)] == ["SAR-2", "SAR-1"]  # the sooner due first
    assert request_for_subject(dana, "Jess Smith").id == "SAR-1"
    with pytest.raises(NotFound, match="No subject access request about Aisha Khan"):
        request_for_subject(dana, "Q201201001040")
    with pytest.raises(NotFound):
        find_request(dana, "SAR-9")
    with pytest.raises(InvalidInput, match="after today"):
        _record(dana, date(2027, 1, 1))


def test_no_one_but_a_dsl_reads_or_writes_them(school: Any, jess: str, vault: Any) -> None:
    dana = school.unlock("Dana DSL")
    _record(dana)
    code = vault.invite(dana, "Ann Admin", frozenset({Role.ADMIN}))
    vault.enrol(code, "ann admin passphrase").lock()
    dana.lock()
    sessions = [school.unlock(n) for n in ("Sam Staff", "Hugh Head", "Chris Chair")]
    sessions.append(vault.unlock("Ann Admin", "ann admin passphrase"))
    for session in sessions:
        with pytest.raises(AccessDenied, match="only a DSL"):
            list_requests(session)
        with pytest.raises(AccessDenied):
            _record(session)
        with pytest.raises(AccessDenied):
            extend_request(session, "SAR-1", 1, "complex")
        with pytest.raises(AccessDenied):
            export_disclosure(session, Path("never.pdf"), subject=JESS_UPN)
        session.lock()
    assert not Path("never.pdf").exists()


def _dsl_rows(vault: Any) -> int:
    with vault.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(TransferRow)).scalar_one())


def test_a_changed_byte_a_cut_row_and_a_swapped_signer_are_refused(
    school: Any, jess: str, vault: Any
) -> None:
    dana = school.unlock("Dana DSL")
    _record(dana)
    extend_request(dana, "SAR-1", 1, "complex")
    assert _dsl_rows(vault) == 2
    with vault.engine.begin() as conn:
        body = conn.execute(select(TransferRow.body_ct).where(TransferRow.seq == 1)).scalar_one()
        changed = bytearray(body)
        changed[len(changed) // 2] ^= 1
        conn.execute(update(TransferRow).where(TransferRow.seq == 1).values(body_ct=bytes(changed)))
    with pytest.raises(TamperDetected, match="altered"):
        list_requests(dana)
    with vault.engine.begin() as conn:
        conn.execute(update(TransferRow).where(TransferRow.seq == 1).values(body_ct=body))
    assert [r.id for r in list_requests(dana)] == ["SAR-1"]
    # The headteacher's signature on a DSL's row: a swapped signer is not a DSL's word.
    with vault.engine.begin() as conn:
        conn.execute(
            update(TransferRow)
            .where(TransferRow.seq == 2)
            .values(signer_id=school.ids["Hugh Head"])
        )
    with pytest.raises(TamperDetected):
        list_requests(dana)
    with vault.engine.begin() as conn:
        conn.execute(delete(TransferRow).where(TransferRow.seq == 2))
    with pytest.raises(TamperDetected, match="rolled back or cut"):
        list_requests(dana)


def test_the_log_stays_in_the_vault_and_items_can_be_withheld(
    school: Any, jess: str, tmp_path: Path
) -> None:
    dana = school.unlock("Dana DSL")
    reference = add_case(
        dana,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Messages in the group chat",
                "description": "Jordan Price sent them; Tess Teacher saw them.",
                "people": [
                    {"pupil": JESS_UPN, "role": "victim"},
                    {"name": "Jordan Price", "kind": "pupil", "role": "alleged-perpetrator"},
                ],
            }
        ),
    )
    add_chronology(dana, reference, "Spoke to Jordan; Jess's mum rang Hugh Head.")
    record_decision(dana, reference, "Sanction for Jordan Price", "Repeated messages")
    _record(dana)
    assert disclosure_items(dana, "SAR-1") == []
    with pytest.raises(InvalidInput, match="SL-2099-0001 is neither a case nor an evidence"):
        withhold(dana, "SAR-1", "SL-2099-0001", "a typo")
    withhold(dana, "SAR-1", reference, "Police investigation under way")
    with pytest.raises(InvalidInput, match="already withheld"):
        withhold(dana, "SAR-1", reference, "again")
    made = export_disclosure(dana, tmp_path / "sar.pdf", request_id="SAR-1")
    assert made.cases == 0 and made.path.read_bytes()[:5] == b"%PDF-"
    log = find_request(dana, "SAR-1").disclosures[0].log
    assert {
        "item": reference,
        "what": "left out entirely",
        "reason": "serious harm",
        "detail": "Police investigation under way",
    } in log
    with pytest.raises(InvalidInput, match="already exists"):
        export_disclosure(dana, tmp_path / "sar.pdf", request_id="SAR-1")
    with pytest.raises(InvalidInput, match="not an evidence item"):
        export_disclosure(dana, tmp_path / "b.pdf", request_id="SAR-1", include=["nope"])
    assert not (tmp_path / "b.pdf").exists()


def test_a_member_of_staff_asks_for_what_is_held_about_them(
    school: Any, jess: str, tmp_path: Path
) -> None:
    import subprocess

    dana = school.unlock("Dana DSL")
    reference = add_case(
        dana,
        CaseInput.from_json(
            {
                "category": "inappropriate-content",
                "summary": "Adult site on a classroom PC",
                "description": "Tess Teacher saw it on Sam Staff's screen; Jess Smith too.",
                "subjects": ["Sam Staff"],
                "people": [{"pupil": JESS_UPN, "role": "witness"}],
            }
        ),
    )
    add_chronology(dana, reference, "Hugh Head and Sam met; Sam apologised.")
    record_request(
        dana,
        requester="Sam Staff",
        relationship="staff",
        subject="Sam Staff",
        received_on=date(2026, 11, 19),
    )
    made = export_disclosure(dana, tmp_path / "sam.pdf", subject="Sam Staff")
    assert made.cases == 1
    done = subprocess.run(["pdftotext", str(made.path), "-"], capture_output=True, check=True)
    text = " ".join(done.stdout.decode().split())
    assert "Sam Staff's screen" in text and "The person the concern is about" in text
    for name in ("Tess Teacher", "Hugh Head", "Jess", "Smith"):
        assert name not in text, name
    assert "Staff member A saw it on Sam Staff's screen; Pupil A too." in text
    assert "Staff member C and Sam met; Sam apologised." in text  # B: the DSL, met before


def test_the_roll_record_names_the_family_by_label_but_the_requester(
    school: Any, jess: str, tmp_path: Path
) -> None:
    import subprocess

    from safelog.vault.roll import link_family

    dana = school.unlock("Dana DSL")
    link_family(dana, JESS_UPN, "parent or carer", name="Karen Smith", note="lives with mum")
    link_family(dana, JESS_UPN, "parent or carer", name="Dave Smith", note="no contact")
    link_family(dana, JESS_UPN, "sibling", pupil="D201201001050")
    _record(dana)
    made = export_disclosure(dana, tmp_path / "jess.pdf", subject=JESS_UPN)
    done = subprocess.run(["pdftotext", str(made.path), "-"], capture_output=True, check=True)
    text = " ".join(done.stdout.decode().split())
    assert "Family: parent or carer Karen Smith (lives with mum)" in text
    assert "Family: parent or carer Parent or carer A (no contact)" in text
    assert "Family: sibling Pupil A" in text
    for name in ("Dave", "Oliver", "Olly", "Smith-Jones"):
        assert name not in text, name
    assert "No consent has been recorded." in text
    labels = {
        e["item"]: e["names"]
        for e in find_request(dana, "SAR-1").disclosures[0].log
        if e["what"] == "names replaced by a label"
    }
    assert labels["Parent or carer A"] == ["Dave Smith"]
    assert "Olly Smith-Jones" in labels["Pupil A"]
