"""What a device keeps of the cases it verified (safelog/vault/verified_cases.py) cannot be
turned into a way round a check (DESIGN §3.5, §7).

After a case is verified in full, the device seals a digest of its rows as verified; a
later read skips the signatures and authority checks only while the rows are, byte for
byte, those rows. These tests change the database or the sealed file after a device
cached a case, and expect exactly what a device with no such file would say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from offline_keys import user_identity
from sqlalchemy import insert, select, update
from support.school import PASSPHRASES, School

from safelog.crypto.encoding import unb64
from safelog.errors import TamperDetected
from safelog.store.schema import AudienceKeyRow, AuditRow, CaseFieldRow, CaseRow, CaseVersionRow
from safelog.vault import verified_cases
from safelog.vault.authority import CaseAuthority
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.workspace import acknowledge, add_chronology

# About a member of staff, so the headteacher reads it too.
REPORT = {
    "category": "staff-online-conduct",
    "summary": "Group chat posts by a teacher",
    "description": "Screenshots of a group chat were shown to me.",
    "subjects": ["Tess Teacher"],
}


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], int]]:
    """How many case versions had their author's authority checked (a full verification
    checks every version) since the last call."""
    calls = [0]
    real = CaseAuthority.check_version

    def counting(self: CaseAuthority, *args: Any, **kwargs: Any) -> None:
        calls[0] += 1
        real(self, *args, **kwargs)

    monkeypatch.setattr(CaseAuthority, "check_version", counting)

    def taken() -> int:
        count, calls[0] = calls[0], 0
        return count

    yield taken


def handled_case(school: School) -> str:
    """A report Sam sent, which the DSL opened and worked on: versions by two people."""
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))  # type: ignore[arg-type]
    sam.lock()  # type: ignore[attr-defined]
    dana = school.unlock("Dana DSL")
    acknowledge(dana, reference)  # type: ignore[arg-type]
    add_chronology(dana, reference, "Spoke to the pupil.")  # type: ignore[arg-type]
    dana.lock()  # type: ignore[attr-defined]
    return reference


def read(school: School, reference: str, name: str = "Dana DSL") -> Any:
    session = school.unlock(name)
    try:
        return show_case(session, reference)  # type: ignore[arg-type]
    finally:
        session.lock()  # type: ignore[attr-defined]


def case_id(school: School, reference: str) -> str:
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        return str(
            conn.execute(select(CaseRow.id).where(CaseRow.reference == reference)).scalar_one()
        )


def cache_file(school: School, name: str) -> Any:
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        identity = user_identity(conn, name, PASSPHRASES[name])
    return verified_cases.path(
        school.vault.data_dir,  # type: ignore[attr-defined]
        identity.extra["vault_id"],
        school.ids[name],
    ), unb64(identity.extra["profile_key"])


def cached_read(school: School, checked: Callable[[], int]) -> tuple[str, int, int]:
    """A case read twice by the DSL: (reference, signatures checked the first time, the
    second time)."""
    reference = handled_case(school)
    path, _ = cache_file(school, "Dana DSL")
    path.unlink(missing_ok=True)
    checked()
    read(school, reference)
    first = checked()
    assert path.exists()
    read(school, reference)
    return reference, first, checked()


# -- the record is used, and only while the rows are the rows verified ---------------------


def test_a_case_read_again_is_not_verified_again_while_its_rows_are_unchanged(
    school: School, checked: Callable[[], int]
) -> None:
    _, first, again = cached_read(school, checked)
    # The second read checks only what is new: the first read's own audit entry (and
    # sign-in's own checks, the same both times).
    assert first >= 3  # every version, the first time
    assert again == 0


def test_the_record_is_sealed_for_its_user_and_is_no_use_to_anyone_else(
    school: School, checked: Callable[[], int]
) -> None:
    reference, first, _ = cached_read(school, checked)
    dana_file, _ = cache_file(school, "Dana DSL")
    assert b"Group chat" not in dana_file.read_bytes()
    # Copied to the headteacher's place, it is not his: his read is a full one.
    hugh_file, _ = cache_file(school, "Hugh Head")
    hugh_file.unlink(missing_ok=True)
    hugh_file.write_bytes(dana_file.read_bytes())
    read(school, reference, "Hugh Head")
    assert checked() == first


def test_a_damaged_record_is_ignored_and_the_case_still_reads(
    school: School, checked: Callable[[], int]
) -> None:
    reference, first, _ = cached_read(school, checked)
    path, _ = cache_file(school, "Dana DSL")
    path.write_bytes(b"\x00" * 64)
    detail = read(school, reference)
    assert detail.fields["summary"] == REPORT["summary"]
    assert checked() == first


def test_a_field_changed_after_the_case_was_cached_is_still_detected(
    school: School, checked: Callable[[], int]
) -> None:
    reference, _, _ = cached_read(school, checked)
    case = case_id(school, reference)
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        field_row = conn.execute(
            select(CaseFieldRow.__table__).where(CaseFieldRow.case_id == case)
        ).first()
        assert field_row is not None
        flipped = bytes([field_row.value_ct[0] ^ 1]) + field_row.value_ct[1:]
        conn.execute(
            update(CaseFieldRow)
            .where(
                CaseFieldRow.case_id == field_row.case_id,
                CaseFieldRow.version == field_row.version,
                CaseFieldRow.field == field_row.field,
            )
            .values(value_ct=flipped)
        )
    with pytest.raises(TamperDetected):
        read(school, reference)


def test_a_signature_changed_after_the_case_was_cached_is_still_detected(
    school: School, checked: Callable[[], int]
) -> None:
    reference, _, _ = cached_read(school, checked)
    case = case_id(school, reference)
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        signature = conn.execute(
            select(CaseVersionRow.signature).where(
                CaseVersionRow.case_id == case, CaseVersionRow.version == 2
            )
        ).scalar_one()
        conn.execute(
            update(CaseVersionRow)
            .where(CaseVersionRow.case_id == case, CaseVersionRow.version == 2)
            .values(signature=bytes([signature[0] ^ 1]) + signature[1:])
        )
    with pytest.raises(TamperDetected):
        read(school, reference)


def test_a_key_slot_added_after_the_case_was_cached_is_still_detected(
    school: School, checked: Callable[[], int]
) -> None:
    """Someone with the database adds a slot to the case's reader group for a key of
    their own: the group no longer matches its signed record."""
    reference, _, _ = cached_read(school, checked)
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        audience = conn.execute(
            select(CaseRow.audience_id).where(CaseRow.reference == reference)
        ).scalar_one()
        conn.execute(
            insert(AudienceKeyRow).values(
                audience_id=audience, recipient="slot-of-an-attacker", wrapped=b"\x01" * 80
            )
        )
    with pytest.raises(TamperDetected):
        read(school, reference)


def test_an_audit_entry_changed_after_the_case_was_cached_is_still_detected(
    school: School, checked: Callable[[], int]
) -> None:
    reference, _, _ = cached_read(school, checked)
    case = case_id(school, reference)
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        seq, signature = conn.execute(
            select(AuditRow.seq, AuditRow.signature)
            .where(AuditRow.case_id == case)
            .order_by(AuditRow.seq)
        ).first()  # type: ignore[misc]
        conn.execute(
            update(AuditRow)
            .where(AuditRow.seq == seq)
            .values(signature=bytes([signature[0] ^ 1]) + signature[1:])
        )
    # Sign-in or the read of the case names it; nothing reads it as sound.
    with pytest.raises(TamperDetected):
        read(school, reference)


def test_a_new_version_by_someone_else_is_verified_in_full(
    school: School, checked: Callable[[], int]
) -> None:
    reference, first, _ = cached_read(school, checked)
    hugh = school.unlock("Hugh Head")
    add_chronology(hugh, reference, "Head spoke to parents.")  # type: ignore[arg-type]
    hugh.lock()  # type: ignore[attr-defined]
    checked()
    detail = read(school, reference)
    assert checked() == first + 1  # every version again, not just the new one
    assert any(e["text"] == "Head spoke to parents." for e in detail.fields["chronology"])
