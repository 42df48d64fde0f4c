"""What a device keeps of what it verified (safelog/audit/verified.py) cannot be turned into
a way round a check (DESIGN §3.5, §7).

Sign-in seals, with the user's profile key, the audit log's head it verified, a digest of
the entries up to it as stored, and what they name. The next sign-in on that device checks
only the entries after it, but only when the entries before it are still, byte for byte,
the ones it verified. These tests change the database or the sealed file after a device
cached its verification, and expect exactly what a device with no such file would say.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from offline_keys import user_identity
from sqlalchemy import delete, select, update
from support.school import PASSPHRASES, School

from safelog.audit import log as audit_log
from safelog.audit import verified
from safelog.crypto.encoding import unb64
from safelog.domain.roles import Role
from safelog.errors import TamperDetected
from safelog.store.schema import (
    AuditRow,
    Base,
    CaseFieldRow,
    CaseRow,
    CaseVersionRow,
    EvidenceRow,
    MembershipRow,
    UserRow,
)
from safelog.vault import membership, membership_snapshot
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases
from safelog.vault.evidence import add_evidence

REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Group chat bullying in Year 8",
    "description": "Screenshots of a group chat were shown to me.",
}


def report(school: School, name: str = "Sam Staff", summary: str = REPORT["summary"]) -> str:
    session = school.unlock(name)
    reference = add_case(session, CaseInput.from_json({**REPORT, "summary": summary}))
    session.lock()
    return reference


def head(vault: Any) -> audit_log.Head:
    with vault.engine.connect() as conn:
        return audit_log.read_head(conn)


def keys_of(school: School, name: str) -> tuple[str, bytes]:
    """(vault id, profile key) of a user, from their sealed keys."""
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        identity = user_identity(conn, name, PASSPHRASES[name])
    return identity.extra["vault_id"], unb64(identity.extra["profile_key"])


def cache_path(school: School, name: str) -> Path:
    vault_id, _ = keys_of(school, name)
    return verified.path(school.vault.data_dir, vault_id, school.ids[name])  # type: ignore[attr-defined]


def cached(school: School, name: str) -> verified.VerifiedAudit | None:
    vault_id, profile_key = keys_of(school, name)
    return verified.load(school.vault.data_dir, vault_id, school.ids[name], profile_key)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def renew_at_every_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """A device renews its record every RENEW_VERIFIED_AFTER entries; here, at every sign-in
    that verified anything new, so each test knows what the record covers."""
    from safelog.vault import audit_trail

    monkeypatch.setattr(audit_trail, "RENEW_VERIFIED_AFTER", 1)


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], int]]:
    """How many audit entries were hashed (checked or written) since the last call."""
    calls = [0]
    real = audit_log.entry_hash

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(audit_log, "entry_hash", counting)

    def taken() -> int:
        count, calls[0] = calls[0], 0
        return count

    yield taken


def dana_cached_everything(school: School) -> int:
    """Some activity, then Dana signs in: her device caches the log up to its head."""
    report(school)
    report(school, "Tess Teacher", "Threats on a gaming site")
    school.unlock("Dana DSL").lock()
    found = cached(school, "Dana DSL")
    assert found is not None
    # Her own sign-in entry came after what she verified, and nothing since.
    assert found.seq == head(school.vault).seq - 1
    return found.seq


# -- the cache is used, and only for what it covers -----------------------------------------


def test_a_later_sign_in_checks_only_the_entries_after_what_it_verified(
    school: School, hashed: Callable[[], int]
) -> None:
    seq = dana_cached_everything(school)
    report(school, summary="A third report")
    new = head(school.vault).seq - seq
    hashed()
    school.unlock("Dana DSL").lock()
    assert hashed() <= new + 2  # the new entries, and her own sign-in entry written
    assert seq > 2 * (new + 2)  # (so the assertion above means something)
    # With no cache, the same sign-in re-hashes the whole log.
    cache_path(school, "Dana DSL").unlink()
    school.unlock("Dana DSL").lock()
    assert hashed() >= head(school.vault).seq - 1


def test_the_record_is_renewed_only_every_so_often(
    school: School, monkeypatch: pytest.MonkeyPatch, hashed: Callable[[], int]
) -> None:
    """Between renewals the entries after the record are checked at each sign-in; what
    they name still counts (here: a case filed after the record, then deleted)."""
    from safelog.vault import audit_trail

    seq = dana_cached_everything(school)
    monkeypatch.setattr(audit_trail, "RENEW_VERIFIED_AFTER", 1000)
    reference = report(school, summary="Filed after the record")
    school.unlock("Dana DSL").lock()
    found = cached(school, "Dana DSL")
    assert found is not None and found.seq == seq  # not renewed for a few entries
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(update(CaseRow).where(CaseRow.reference == reference).values(head_version=0))
    hashed()
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert f"Case {reference} has been rolled back outside SafeLog" in str(caught.value)
    assert hashed() <= head(school.vault).seq - seq + 1
    monkeypatch.setattr(audit_trail, "RENEW_VERIFIED_AFTER", 2)
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(update(CaseRow).where(CaseRow.reference == reference).values(head_version=1))
        case_id = conn.execute(
            select(CaseRow.id).where(CaseRow.reference == reference)
        ).scalar_one()
    school.unlock("Dana DSL").lock()  # enough new entries now: renewed
    found = cached(school, "Dana DSL")
    assert found is not None and found.seq > seq
    assert found.manifest.versions[case_id] == 1


def test_the_cache_is_sealed_for_one_user_and_one_vault(school: School) -> None:
    dana_cached_everything(school)
    vault_id, dana_key = keys_of(school, "Dana DSL")
    data_dir = school.vault.data_dir  # type: ignore[attr-defined]
    dana_file = cache_path(school, "Dana DSL")
    # Dana's file put in place of Sam's opens neither with Sam's key nor with Dana's.
    cache_path(school, "Sam Staff").write_bytes(dana_file.read_bytes())
    assert cached(school, "Sam Staff") is None
    assert verified.load(data_dir, vault_id, school.ids["Sam Staff"], dana_key) is None
    # Nor in place of Dana's file for another vault.
    other = "00000000-0000-4000-8000-000000000000"
    verified.path(data_dir, other, school.ids["Dana DSL"]).write_bytes(dana_file.read_bytes())
    assert verified.load(data_dir, other, school.ids["Dana DSL"], dana_key) is None
    assert cached(school, "Dana DSL") is not None


# -- a database writer changes what the device verified -------------------------------------


def test_an_entry_changed_after_it_was_cached_still_stops_sign_in(school: School) -> None:
    seq = dana_cached_everything(school)
    target = seq - 3
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        body = conn.execute(select(AuditRow.body_ct).where(AuditRow.seq == target)).scalar_one()
        conn.execute(
            update(AuditRow)
            .where(AuditRow.seq == target)
            .values(body_ct=bytes([body[0] ^ 1]) + body[1:])
        )
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert f"audit entry {target} has been altered" in str(caught.value)


def test_backdating_an_entry_the_device_cached_is_detected(school: School) -> None:
    """The membership point an entry names (what case authority is checked against) is
    changed in place, the stored hashes left as they were."""
    seq = dana_cached_everything(school)
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        row = conn.execute(
            select(AuditRow.seq, AuditRow.item_ref)
            .where(AuditRow.seq <= seq, AuditRow.item_ref.like("v1>%@%"))
            .order_by(AuditRow.seq.desc())
            .limit(1)
        ).one()
        backdated = row.item_ref.rpartition("@")[0] + "@1"
        conn.execute(update(AuditRow).where(AuditRow.seq == row.seq).values(item_ref=backdated))
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert f"audit entry {row.seq} has been altered" in str(caught.value)


def test_deleting_an_entry_the_device_cached_is_detected(school: School) -> None:
    seq = dana_cached_everything(school)
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(delete(AuditRow).where(AuditRow.seq == seq - 2))
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert f"audit entry {seq - 2} is missing" in str(caught.value)


def test_deleting_a_case_after_its_entries_were_cached_is_detected(
    school: School, hashed: Callable[[], int]
) -> None:
    dana_cached_everything(school)
    reference = report(school, summary="The case that goes")
    school.unlock("Dana DSL").lock()  # cached, with the case in it
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        case_id = conn.execute(
            select(CaseRow.id).where(CaseRow.reference == reference)
        ).scalar_one()
        for table in reversed(Base.metadata.sorted_tables):
            if "case_id" in table.c and table.name != AuditRow.__tablename__:
                conn.execute(delete(table).where(table.c.case_id == case_id))
        conn.execute(delete(CaseRow).where(CaseRow.id == case_id))
    hashed()
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert "A case recorded in the audit log is missing from the database" in str(caught.value)
    assert hashed() <= 2  # found from the cached manifest, not from re-reading the log


def test_rolling_a_case_back_after_it_was_cached_is_detected(school: School) -> None:
    dana_cached_everything(school)
    reference = report(school, summary="The case rolled back")
    dana = school.unlock("Dana DSL")
    list_cases(dana)
    from safelog.vault.cases import update_case

    update_case(dana, reference, {"status": "acknowledged"})
    dana.lock()
    school.unlock("Dana DSL").lock()  # cached, with version 2
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        case_id = conn.execute(
            select(CaseRow.id).where(CaseRow.reference == reference)
        ).scalar_one()
        for table in (CaseFieldRow, CaseVersionRow):
            conn.execute(delete(table).where(table.case_id == case_id, table.version == 2))
        conn.execute(update(CaseRow).where(CaseRow.id == case_id).values(head_version=1))
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert f"Case {reference} has been rolled back outside SafeLog" in str(caught.value)


def test_deleting_evidence_after_it_was_cached_is_detected(school: School, tmp_path: Path) -> None:
    dana_cached_everything(school)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    note = tmp_path / "message.txt"
    note.write_text("the message, kept as evidence\n", encoding="utf-8")
    evidence_id = add_evidence(sam, reference, note)
    sam.lock()
    school.unlock("Dana DSL").lock()  # cached, with the item in it
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(delete(EvidenceRow).where(EvidenceRow.id == evidence_id))
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert f"Evidence {evidence_id} of case {reference} recorded in the audit log" in str(
        caught.value
    )


def test_a_membership_entry_changed_after_sign_in_is_still_detected(school: School) -> None:
    dana_cached_everything(school)
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        row = conn.execute(select(MembershipRow.__table__).where(MembershipRow.seq == 3)).one()
        conn.execute(
            update(MembershipRow)
            .where(MembershipRow.seq == 3)
            .values(body=row.body.replace(b'"type":', b'"type" :'))
        )
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert "entry 3 of the membership log has been altered" in str(caught.value)


# -- someone edits the sealed file -------------------------------------------------------------


def test_an_edited_cache_file_means_verifying_from_scratch(
    school: School, hashed: Callable[[], int]
) -> None:
    dana_cached_everything(school)
    path = cache_path(school, "Dana DSL")
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 1
    path.write_bytes(bytes(blob))
    assert cached(school, "Dana DSL") is None
    hashed()
    school.unlock("Dana DSL").lock()
    assert hashed() >= head(school.vault).seq - 1  # every entry, as with no file
    assert cached(school, "Dana DSL") is not None  # and a good one made again


def test_a_cache_whose_digest_does_not_match_is_not_trusted(
    school: School, hashed: Callable[[], int]
) -> None:
    """Even a file sealed with Dana's own key (which no attacker has) is only used when the
    rows are those it describes: here it claims a case has a version the log never named,
    which would make sign-in fail if it were believed."""
    seq = dana_cached_everything(school)
    real = cached(school, "Dana DSL")
    assert real is not None
    reference = report(school, summary="Any case")
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        case_id = conn.execute(
            select(CaseRow.id).where(CaseRow.reference == reference)
        ).scalar_one()
    claims = audit_log.Manifest(
        {**real.manifest.versions, case_id: 7}, dict(real.manifest.evidence), real.manifest.highest
    )
    vault_id, profile_key = keys_of(school, "Dana DSL")
    forged = verified.VerifiedAudit(seq, real.entry_hash, b"\x00" * 32, claims)
    verified.save(school.vault.data_dir, vault_id, school.ids["Dana DSL"], profile_key, forged)  # type: ignore[attr-defined]
    hashed()
    school.unlock("Dana DSL").lock()
    assert hashed() >= head(school.vault).seq - 1


def test_an_older_cache_file_still_gives_the_right_answer(school: School) -> None:
    """Putting back an earlier sealed file (say, with an old copy of the data directory)
    only means checking more: what came after it is still verified and counted."""
    dana_cached_everything(school)
    path = cache_path(school, "Dana DSL")
    old = path.read_bytes()
    reference = report(school, summary="Filed after the old file was made")
    school.unlock("Dana DSL").lock()
    path.write_bytes(old)
    school.unlock("Dana DSL").lock()  # fine: nothing is wrong
    path.write_bytes(old)
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(update(CaseRow).where(CaseRow.reference == reference).values(head_version=0))
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert f"Case {reference} has been rolled back outside SafeLog" in str(caught.value)


# -- the digest ------------------------------------------------------------------------------


def digest_of(*records: tuple[Any, ...]) -> bytes:
    digest = audit_log.ContentDigest()
    digest.update(records)
    return digest.digest()


def test_the_digest_tells_apart_any_change_to_any_column() -> None:
    from datetime import UTC, datetime

    at = "2026-11-20 10:00:00.000001"
    row = (5, b"p" * 32, b"h" * 32, "actor", at, "case", "k", "v1@3", b"b")
    base = digest_of(row)
    for index, value in enumerate(row):
        changed = list(row)
        if isinstance(value, int):
            changed[index] = value + 1
        elif isinstance(value, bytes):
            changed[index] = value + b"x"
        else:
            changed[index] = value + "x"
        assert digest_of(tuple(changed)) != base, index
        changed[index] = None
        assert digest_of(tuple(changed)) != base, index
    # Types count, and where one row ends and the next starts.
    assert digest_of((1, "a")) != digest_of(("1", "a"))
    assert digest_of(("ab",), ("c",)) != digest_of(("a",), ("bc",))
    assert digest_of(row, row) != digest_of(row)
    # Values a driver may return that marshal does not write (PostgreSQL times, buffers).
    when = datetime(2026, 11, 20, 10, 0, 0, 1, tzinfo=UTC)
    assert digest_of((when, memoryview(b"x"))) == digest_of((when, b"x"))
    assert digest_of((when,)) != digest_of((when.replace(microsecond=2),))
    assert digest_of((when,)) != digest_of((when.isoformat(),))


# -- the membership log's replay, kept by a device (vault/directory.py) ----------------------


def varied_membership_log(school: School) -> None:
    """Entries of every kind: invite, enrol, admit, decline, remove, reset (with a new
    enrolment), role-key epochs, and well-signed entries the rules refuse or cannot read."""
    vault: Any = school.vault
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, "Dee Deputy", frozenset({Role.DSL}))
    dana.lock()
    vault.enrol(code, "dee deputy passphrase").lock()
    vault.admit(school.unlock("Dana DSL"), "Dee Deputy")
    vault.remove_user(school.unlock("Dana DSL"), "Dee Deputy")
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, "Pat Parent", frozenset({Role.DSL}))
    dana.lock()
    vault.enrol(code, "pat parent passphrase").lock()
    vault.admit(school.unlock("Dana DSL"), "Pat Parent", decline=True)
    code = vault.reset_access(
        school.unlock("Dana DSL"), "Chris Chair", school.recovery["governors"]
    )
    vault.enrol(code, "a brand new chair passphrase").lock()
    with vault.engine.begin() as conn:
        sam = user_identity(conn, "Sam Staff", PASSPHRASES["Sam Staff"])
        for body in ({"type": "invite"}, {"type": "admit"}, {"type": "no-such-kind"}):
            membership.append(
                conn,
                signer=f"user:{school.ids['Sam Staff']}",
                body=body,
                sign=sam.sign,
                at=vault.clock(),
            )


def replay_keys(school: School) -> tuple[list[Any], membership.Keys]:
    vault: Any = school.vault
    vault_id, _ = keys_of(school, "Dana DSL")
    with vault.engine.connect() as conn:
        from safelog.vault.directory import vault_keys

        identity = user_identity(conn, "Dana DSL", PASSPHRASES["Dana DSL"])
        keys, _ = vault_keys(conn, identity.extra["ca_fp"], vault_id)
        return membership.read_rows(conn, stored_time=True), keys


def test_a_replayed_state_is_kept_and_taken_up_exactly(school: School) -> None:
    varied_membership_log(school)
    rows, keys = replay_keys(school)
    whole = membership.replay(rows, keys)
    assert len(whole.problems) == 3 and len(whole.members) == 7
    assert any(m.removed for m in whole.members.values())
    assert any(m.past_ed25519 for m in whole.members.values())
    assert any(m.declined for m in whole.members.values())
    assert sum(len(e) for e in whole.epochs.values()) >= 5
    # Every field of a member is kept.
    kept = membership_snapshot.state_to_dict(whole)
    member_fields = {f.name for f in dataclasses.fields(membership.Member)}
    assert all(set(m) == member_fields for m in kept["members"])
    assert membership_snapshot.state_from_dict(json.loads(json.dumps(kept))) == whole
    # Taken up after any entry, the replay ends where one from the start does.
    for done in range(1, len(rows)):
        before = membership.replay(rows[:done], keys)
        again = membership_snapshot.state_from_dict(
            json.loads(json.dumps(membership_snapshot.state_to_dict(before)))
        )
        assert membership.replay(rows[done:], keys, start=again) == whole, done


def test_a_sign_in_replays_only_the_membership_entries_it_has_not_kept(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    varied_membership_log(school)
    school.unlock("Dana DSL").lock()  # keeps the replay
    replayed: list[int] = []
    real = membership.replay

    def counting(rows: Any, keys: Any, start: Any = None) -> Any:
        rows = list(rows)
        replayed.append(len(rows))
        return real(rows, keys, start)

    monkeypatch.setattr(membership, "replay", counting)
    dana = school.unlock("Dana DSL")
    assert replayed == [0]
    from safelog.vault.directory import load_directory

    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        # The same directory, replayed from the start:
        fresh = load_directory(conn, dana.identity.extra["ca_fp"], dana.directory.vault_id)
        assert replayed[-1] == len(membership.read_rows(conn))
    assert fresh.membership == dana.directory.membership
    assert fresh.people == dana.directory.people and fresh.epochs == dana.directory.epochs
    assert fresh.problems == dana.directory.problems
    # An edited file is not used: everything is replayed again.
    path = cache_path(school, "Dana DSL").with_suffix(".membership")
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 1
    path.write_bytes(bytes(blob))
    replayed.clear()
    school.unlock("Dana DSL").lock()
    assert replayed[0] == fresh.membership.head.seq


def test_a_membership_signature_changed_after_it_was_kept_is_detected(school: School) -> None:
    varied_membership_log(school)
    school.unlock("Dana DSL").lock()
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        row = conn.execute(select(MembershipRow.__table__).where(MembershipRow.seq == 4)).one()
        flipped = bytes([row.signature[0] ^ 1]) + row.signature[1:]
        conn.execute(update(MembershipRow).where(MembershipRow.seq == 4).values(signature=flipped))
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert "The signature on entry 4 of the membership log does not check out" in str(caught.value)


def test_deleting_a_removal_after_it_was_kept_does_not_bring_anyone_back(school: School) -> None:
    varied_membership_log(school)
    school.unlock("Dana DSL").lock()
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        removal = next(r.seq for r in membership.read_rows(conn) if b'"type":"remove"' in r.body)
        conn.execute(delete(MembershipRow).where(MembershipRow.seq == removal))
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert f"Entry {removal} of the membership log is missing" in str(caught.value)


def test_a_certificate_swapped_after_it_was_found_good_is_still_refused(school: School) -> None:
    school.unlock("Sam Staff").lock()  # Sam's certificate is found good and remembered
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        tess = conn.execute(
            select(UserRow.certificate).where(UserRow.id == school.ids["Tess Teacher"])
        ).scalar_one()
        conn.execute(
            update(UserRow).where(UserRow.id == school.ids["Sam Staff"]).values(certificate=tess)
        )
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Sam Staff")
    assert "your signing certificate is damaged or altered" in str(caught.value)
    dana = school.unlock("Dana DSL")
    assert dana.directory.people[school.ids["Sam Staff"]].certificate_damaged


def test_a_kept_replay_from_another_version_of_safelog_is_not_used(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safelog.vault import directory

    varied_membership_log(school)
    school.unlock("Dana DSL").lock()
    replayed: list[int] = []
    real = membership.replay

    def counting(rows: Any, keys: Any, start: Any = None) -> Any:
        rows = list(rows)
        replayed.append(len(rows))
        return real(rows, keys, start)

    monkeypatch.setattr(membership, "replay", counting)
    monkeypatch.setattr(directory, "__version__", "99.0")
    school.unlock("Dana DSL").lock()
    assert replayed[0] > 10
