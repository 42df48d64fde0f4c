"""Attacks by someone who can write to the database (DESIGN §3.5, issue 10), and by someone
who copies the whole data directory and later puts the old copy back.

A "database writer" edits the tables directly (UPDATE / DELETE / INSERT) with no key of
anyone's; then honest users sign in and read. Each attack must be refused or reported as
tampering in plain words, and must bring back nothing the attacker wanted: no removed DSL,
no older role key, no quietly missing case, version or evidence, no lock-out.

Checkpoints live in each user's sealed profile in the data directory and in their state
directory (XDG_STATE_HOME, isolated per test by the fixture in tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from offline_keys import case_deks, open_keyring, user_identity
from sqlalchemy import delete, insert, select, update
from support.school import PASSPHRASES, School, build_school

from safelog.audit import checkpoint as checkpoints
from safelog.audit import log as audit_log
from safelog.crypto.aead import Cipher
from safelog.crypto.encoding import canonical_json, unb64
from safelog.domain.roles import KeyRole, Role
from safelog.errors import (
    AccessDenied,
    RollbackDetected,
    TamperDetected,
    TooManyAttempts,
)
from safelog.store.chunks import delete_orphans
from safelog.store.schema import (
    AuditHeadRow,
    AuditRow,
    Base,
    CaseFieldRow,
    CaseRow,
    CaseVersionRow,
    EvidenceChunkRow,
    EvidenceRow,
    FailedUnlockRow,
    MembershipRow,
    RoleGrantRow,
    UserRow,
)
from safelog.vault import membership
from safelog.vault.case_engine import field_aad
from safelog.vault.case_input import CaseInput
from safelog.vault.case_reading import signed_version
from safelog.vault.cases import add_case, list_cases, show_case
from safelog.vault.evidence import add_evidence
from safelog.vault.vault import MAX_WAIT_SECONDS
from safelog.vault.workspace import acknowledge, add_chronology

DEE = "Dee Deputy"
DEE_PASSPHRASE = "dee deputy safeguarding"
ALL = {**PASSPHRASES, DEE: DEE_PASSPHRASE}
REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Group chat bullying in Year 8",
    "description": "Screenshots of a group chat were shown to me.",
}
EVIDENCE_TEXT = "the message the pupil was sent, kept as evidence\n" * 20


# -- helpers ------------------------------------------------------------------------------


def unlock(school: School, name: str) -> Any:
    return school.vault.unlock(name, ALL[name])  # type: ignore[attr-defined]


def report(school: School, summary: str = REPORT["summary"]) -> str:
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json({**REPORT, "summary": summary}))
    sam.lock()
    return reference


def school_with_removed_deputy(vault: Any) -> tuple[School, int]:
    """Dana admits Dee as deputy DSL, then removes her (which starts DSL key epoch 2 at
    once); Sam then signs in, so his device has seen the removal too. Returns the school
    and the seq of the `remove` entry."""
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, DEE, frozenset({Role.DSL}))
    dana.lock()
    school.ids[DEE] = vault.enrol(code, DEE_PASSPHRASE).user_id
    vault.admit(school.unlock("Dana DSL"), DEE)
    unlock(school, DEE).lock()
    dana = school.unlock("Dana DSL")
    vault.remove_user(dana, DEE)
    dana.lock()
    with vault.engine.connect() as conn:
        rows = membership.read_rows(conn)
    removal = next(r for r in rows if b'"type":"remove"' in r.body)
    after = [r for r in rows if r.seq > removal.seq]
    # The removal starts new DSL and members' keys at once, and nothing else comes after it.
    assert {b'"type":"epoch"' in r.body for r in after} == {True}
    assert any(b'"role":"dsl"' in r.body for r in after)
    school.unlock("Sam Staff").lock()
    return school, int(removal.seq)


def membership_row(vault: Any, seq: int) -> Any:
    with vault.engine.connect() as conn:
        return conn.execute(select(MembershipRow.__table__).where(MembershipRow.seq == seq)).one()


def assert_refused(school: School, name: str, error: type[Exception], *words: str) -> str:
    with pytest.raises(error) as caught:
        unlock(school, name)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert "Traceback" not in message
    return message


def evidence_chunks_present(vault: Any, evidence_id: str) -> bool:
    return vault.chunks.read(evidence_id, 0) is not None


def age_evidence_chunks(vault: Any, evidence_id: str) -> None:
    """Make the stored ciphertext old enough for the orphan sweep to consider it."""
    two_hours_ago = time.time() - 7200
    if vault.engine.dialect.name == "sqlite":
        path = vault.data_dir / "evidence" / evidence_id
        assert path.exists()
        os.utime(path, (two_hours_ago, two_hours_ago))
        return
    with vault.engine.begin() as conn:
        conn.execute(
            update(EvidenceChunkRow)
            .where(EvidenceChunkRow.evidence_id == evidence_id)
            .values(written_at=int(two_hours_ago))
        )


def checkpoint_in_data_dir(vault: Any, name: str, user_id: str) -> checkpoints.Checkpoint | None:
    with vault.engine.connect() as conn:
        identity = user_identity(conn, name, ALL[name])
    path = checkpoints.profile_path(vault.data_dir, identity.extra["vault_id"], user_id)
    return checkpoints.load(path, unb64(identity.extra["profile_key"]), user_id)


def checkpoint_outside(vault: Any, name: str, user_id: str) -> checkpoints.Checkpoint | None:
    with vault.engine.connect() as conn:
        identity = user_identity(conn, name, ALL[name])
    path = checkpoints.outside_path(identity.extra["vault_id"], user_id)
    return checkpoints.load(path, unb64(identity.extra["profile_key"]), user_id)


# -- 4. a database writer: the membership log ---------------------------------------------


def test_a_vault_with_no_membership_log_is_refused_in_plain_words(vault: Any) -> None:
    """What a vault from before the membership log looks like (and one whose log a database
    writer deleted): no one signs in, and the message says why without a traceback."""
    school = build_school(vault)
    with vault.engine.begin() as conn:
        conn.execute(delete(MembershipRow))
    message = assert_refused(school, "Dana DSL", TamperDetected, "no membership log", "Upgrading")
    assert "Nothing was changed" in message


def test_deleting_the_removal_entry_does_not_bring_a_removed_dsl_back(vault: Any) -> None:
    school, removal = school_with_removed_deputy(vault)
    with vault.engine.begin() as conn:
        conn.execute(delete(MembershipRow).where(MembershipRow.seq == removal))
        conn.execute(update(UserRow).where(UserRow.name == DEE).values(status="active"))
    for name in (DEE, "Dana DSL", "Sam Staff", "Chris Chair"):
        assert_refused(
            school,
            name,
            membership.MembershipTampered,
            f"Entry {removal} of the membership log is missing",
            "SafeLog will not use it",
        )


def test_editing_the_removal_entry_does_not_bring_a_removed_dsl_back(vault: Any) -> None:
    school, removal = school_with_removed_deputy(vault)
    original = membership_row(vault, removal)
    # As it is: the body now removes Tess instead, the stored hash left alone...
    body = original.body.replace(school.ids[DEE].encode(), school.ids["Tess Teacher"].encode())
    with vault.engine.begin() as conn:
        conn.execute(update(MembershipRow).where(MembershipRow.seq == removal).values(body=body))
    assert_refused(
        school,
        DEE,
        membership.MembershipTampered,
        f"entry {removal} of the membership log has been altered",
    )
    # ...and with the hash recomputed (and the next entry re-linked to it): the signature
    # no longer matches the entry, and nobody but Dana could sign it again.
    digest = membership.entry_hash(
        removal, original.prev_hash, original.signer, original.created_at, body
    )
    with vault.engine.begin() as conn:
        conn.execute(
            update(MembershipRow).where(MembershipRow.seq == removal).values(entry_hash=digest)
        )
        conn.execute(
            update(MembershipRow).where(MembershipRow.seq == removal + 1).values(prev_hash=digest)
        )
    for name in (DEE, "Dana DSL", "Tess Teacher"):
        assert_refused(
            school,
            name,
            membership.MembershipTampered,
            f"The signature on entry {removal} of the membership log does not check out",
        )


def test_the_status_column_alone_does_not_bring_a_removed_dsl_back(vault: Any) -> None:
    school, _ = school_with_removed_deputy(vault)
    with vault.engine.begin() as conn:
        conn.execute(
            update(UserRow)
            .where(UserRow.name == DEE)
            .values(status="active", removal=None, removal_sig=None)
        )
    assert_refused(school, DEE, AccessDenied, f"{DEE} has been removed from SafeLog.")
    reference = report(school)  # filed after the edit, by a device that never saw it
    dana = school.unlock("Dana DSL")
    assert dana.directory.people[school.ids[DEE]].state == membership.REMOVED
    assert dana.directory.current_epoch(KeyRole.DSL).epoch == 2  # type: ignore[union-attr]
    assert show_case(dana, reference).get("summary") == REPORT["summary"]
    dana.lock()
    with vault.engine.connect() as conn:
        dee = open_keyring(conn, [user_identity(conn, DEE, DEE_PASSPHRASE).x25519])
        assert case_deks(conn, reference, dee) == {}


def test_cutting_the_removal_off_the_end_of_the_log_is_detected_where_it_was_seen(
    vault: Any,
) -> None:
    """The removal and the DSL key epoch after it are cut off the end of the log (and the
    epoch's key grants deleted), so the log is well formed again without them. Only a device
    that saw the longer log can tell, and every one that did refuses it. (A device that
    last signed in before the removal cannot tell: checkpoints are per user and device.)"""
    school, removal = school_with_removed_deputy(vault)
    with vault.engine.begin() as conn:
        conn.execute(delete(MembershipRow).where(MembershipRow.seq >= removal))
        conn.execute(delete(RoleGrantRow).where(RoleGrantRow.epoch == 2))
        conn.execute(update(UserRow).where(UserRow.name == DEE).values(status="active"))
    for name in ("Dana DSL", "Sam Staff"):
        assert_refused(
            school,
            name,
            RollbackDetected,
            "The membership log is older than the one this computer last saw",
            "Nothing was changed",
        )


def test_deleting_the_newest_role_key_epoch_is_detected_where_it_was_seen(vault: Any) -> None:
    """The key epochs started at Dee's removal (DSL and members') are deleted (their entries
    at the end of the log and their grants), which would put new cases back under the key
    Dee still holds."""
    school, removal = school_with_removed_deputy(vault)
    with vault.engine.begin() as conn:
        conn.execute(delete(MembershipRow).where(MembershipRow.seq > removal))
        conn.execute(delete(RoleGrantRow).where(RoleGrantRow.epoch == 2))
    for name in ("Dana DSL", "Sam Staff"):
        assert_refused(
            school,
            name,
            RollbackDetected,
            "The membership log is older than the one this computer last saw",
        )
    assert_refused(school, DEE, AccessDenied, f"{DEE} has been removed from SafeLog.")


def test_deleting_the_newest_role_key_epoch_but_keeping_its_grants_is_detected(
    vault: Any,
) -> None:
    school, removal = school_with_removed_deputy(vault)
    with vault.engine.begin() as conn:
        conn.execute(delete(MembershipRow).where(MembershipRow.seq > removal))
    assert_refused(school, "Dana DSL", TamperDetected, "role key (epoch 2)")


def append_version_directly(
    vault: Any, reference: str, name: str, changed: dict[str, Any], point: str
) -> None:
    """Someone with the database and their own (old) keys appends a signed version to a
    case their keys still open, in the exact format of the honest client, naming as the
    membership-log point it was written under the log's head now (point="now") or the one
    the case's previous version names (point="previous")."""
    with vault.engine.begin() as conn:
        identity = user_identity(conn, name, ALL[name])
        author = conn.execute(select(UserRow.id).where(UserRow.name == name)).scalar_one()
        deks = case_deks(conn, reference, open_keyring(conn, [identity.x25519]))
        case = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
        last = conn.execute(
            select(CaseVersionRow.__table__)
            .where(CaseVersionRow.case_id == case.id)
            .order_by(CaseVersionRow.version.desc())
        ).first()
        # Under a case's first key the statement is sealed with its author: these keys open it.
        last_statement = signed_version(last, {n: Cipher(k) for n, k in deks.items()}, "").statement
        previous = json.loads(last_statement)
        version = int(last.version) + 1
        cipher = Cipher(deks[case.key_no])
        cts = {
            field: cipher.seal(canonical_json(value), field_aad(case.id, version, field))
            for field, value in changed.items()
        }
        membership_seq = (
            membership.read_head(conn).seq if point == "now" else int(previous["membership"])
        )
        statement = canonical_json(
            {
                "type": "case-version",
                "vault_id": previous["vault_id"],
                "case_id": case.id,
                "reference": reference,
                "version": version,
                "key_no": case.key_no,
                "author": author,
                "at": vault.clock().isoformat(),
                "prev": hashlib.sha256(last_statement).hexdigest(),
                "membership": membership_seq,
                "fields": {f: hashlib.sha256(ct).hexdigest() for f, ct in cts.items()},
            }
        )
        conn.execute(
            insert(CaseVersionRow).values(
                case_id=case.id,
                version=version,
                key_no=case.key_no,
                author_id=author,
                created_at=vault.clock(),
                statement=statement,
                signature=identity.sign(statement),
            )
        )
        for field, ct in cts.items():
            conn.execute(
                insert(CaseFieldRow).values(
                    case_id=case.id, version=version, field=field, value_ct=ct
                )
            )
        conn.execute(update(CaseRow).where(CaseRow.id == case.id).values(head_version=version))


def removed_deputy_with_an_old_case(vault: Any) -> tuple[School, str]:
    """Sam reports while Dee is deputy DSL; then Dana removes Dee. Dee keeps her keys and
    her access to the database file."""
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, DEE, frozenset({Role.DSL}))
    dana.lock()
    school.ids[DEE] = vault.enrol(code, DEE_PASSPHRASE).user_id
    vault.admit(school.unlock("Dana DSL"), DEE)
    unlock(school, DEE).lock()
    reference = report(school)
    dana = school.unlock("Dana DSL")
    vault.remove_user(dana, DEE)
    dana.lock()
    return school, reference


def test_a_removed_dsl_cannot_append_to_a_case_under_the_log_as_it_is(vault: Any) -> None:
    """Without an audit entry the version is caught at sign-in (every version must be in the
    audit log); with one, the DSL opening the case is told who wrote it without a role."""
    school, reference = removed_deputy_with_an_old_case(vault)
    append_version_directly(vault, reference, DEE, {"status": "closed"}, point="now")
    with pytest.raises(TamperDetected) as caught:
        school.unlock("Dana DSL")
    assert f"Case {reference} has a version the audit log does not record" in str(caught.value)


def test_a_removed_dsl_cannot_append_to_a_case_by_naming_an_older_point_of_the_log(
    vault: Any,
) -> None:
    school, reference = removed_deputy_with_an_old_case(vault)
    append_version_directly(vault, reference, DEE, {"status": "closed"}, point="previous")
    with pytest.raises(TamperDetected) as caught:
        show_case(school.unlock("Dana DSL"), reference)
    assert reference in str(caught.value)


# -- 4. a database writer: cases and evidence ------------------------------------------


def case_with_evidence(school: School, tmp_path: Path) -> tuple[str, str]:
    """Sam reports with a file attached; Dana acknowledges and adds two entries (v2-v4)."""
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    note = tmp_path / "message.txt"
    note.write_text(EVIDENCE_TEXT, encoding="utf-8")
    evidence_id = add_evidence(sam, reference, note)
    sam.lock()
    dana = school.unlock("Dana DSL")
    acknowledge(dana, reference)
    add_chronology(dana, reference, "Spoke to the pupil")
    add_chronology(dana, reference, "Parents informed")
    dana.lock()
    return reference, evidence_id


def head_version(vault: Any, reference: str) -> int:
    with vault.engine.connect() as conn:
        return int(
            conn.execute(
                select(CaseRow.head_version).where(CaseRow.reference == reference)
            ).scalar_one()
        )


def test_deleting_a_whole_case_is_detected_at_sign_in(vault: Any, tmp_path: Path) -> None:
    school = build_school(vault)
    reference, _ = case_with_evidence(school, tmp_path)
    other = report(school, "Another report")
    with vault.engine.begin() as conn:
        case_id = conn.execute(
            select(CaseRow.id).where(CaseRow.reference == reference)
        ).scalar_one()
        # Every row of the case in every table that has one (the audit log aside).
        for table in reversed(Base.metadata.sorted_tables):
            if "case_id" in table.c and table.name != AuditRow.__tablename__:
                conn.execute(delete(table).where(table.c.case_id == case_id))
        conn.execute(delete(CaseRow).where(CaseRow.id == case_id))
    # Everyone, even Tess, whose device never saw the case: the audit log names it.
    for name in ("Dana DSL", "Sam Staff", "Tess Teacher", "Chris Chair"):
        assert_refused(
            school,
            name,
            TamperDetected,
            "A case recorded in the audit log is missing from the database",
            "deleted outside SafeLog",
        )
    assert head_version(vault, other) == 1  # nothing else was touched


def test_deleting_one_evidence_item_is_detected_and_its_ciphertext_kept(
    vault: Any, tmp_path: Path
) -> None:
    school = build_school(vault)
    reference, evidence_id = case_with_evidence(school, tmp_path)
    age_evidence_chunks(vault, evidence_id)
    with vault.engine.begin() as conn:
        conn.execute(delete(EvidenceRow).where(EvidenceRow.id == evidence_id))
    for name in ("Dana DSL", "Tess Teacher"):
        assert_refused(
            school,
            name,
            TamperDetected,
            f"Evidence {evidence_id} of case {reference} recorded in the audit log is missing",
        )
    assert evidence_chunks_present(vault, evidence_id)  # the sign-ins swept nothing away
    # The sweep itself, as sign-in runs it, with what the audit log names kept:
    with vault.engine.connect() as conn:
        named = audit_log.manifest(conn)
    assert evidence_id in named.evidence
    assert delete_orphans(vault.chunks, vault.engine, keep=named.evidence) == 0
    assert evidence_chunks_present(vault, evidence_id)


def test_rolling_one_case_back_to_an_earlier_version_is_detected(
    vault: Any, tmp_path: Path
) -> None:
    school = build_school(vault)
    reference, _ = case_with_evidence(school, tmp_path)
    latest = head_version(vault, reference)
    with vault.engine.begin() as conn:
        case_id = conn.execute(
            select(CaseRow.id).where(CaseRow.reference == reference)
        ).scalar_one()
        for table in (CaseFieldRow, CaseVersionRow):
            conn.execute(delete(table).where(table.case_id == case_id, table.version == latest))
        conn.execute(update(CaseRow).where(CaseRow.id == case_id).values(head_version=latest - 1))
    for name in ("Dana DSL", "Tess Teacher"):
        assert_refused(
            school,
            name,
            TamperDetected,
            f"Case {reference} has been rolled back outside SafeLog",
            f"the audit log records version {latest}",
        )


def test_rolling_a_case_back_with_the_audit_entries_after_it_is_detected_where_seen(
    vault: Any, tmp_path: Path
) -> None:
    """The writer also cuts the audit log back to before the newest version, so the log no
    longer names it: every device that saw the longer log refuses the database."""
    school = build_school(vault)
    reference, _ = case_with_evidence(school, tmp_path)
    latest = head_version(vault, reference)
    with vault.engine.begin() as conn:
        case_id = conn.execute(
            select(CaseRow.id).where(CaseRow.reference == reference)
        ).scalar_one()
        naming = conn.execute(
            select(AuditRow.seq).where(
                AuditRow.case_id == case_id, AuditRow.item_ref.like(f"v{latest}@%")
            )
        ).scalar_one()
        before = conn.execute(select(AuditRow.__table__).where(AuditRow.seq == naming - 1)).one()
        conn.execute(delete(AuditRow).where(AuditRow.seq >= naming))
        conn.execute(
            update(AuditHeadRow)
            .where(AuditHeadRow.id == 1)
            .values(seq=before.seq, entry_hash=before.entry_hash)
        )
        for table in (CaseFieldRow, CaseVersionRow):
            conn.execute(delete(table).where(table.case_id == case_id, table.version == latest))
        conn.execute(update(CaseRow).where(CaseRow.id == case_id).values(head_version=latest - 1))
    assert_refused(
        school,
        "Dana DSL",
        RollbackDetected,
        "The database is older than the one this computer last saw",
    )


# -- 5. a copier of the data directory ---------------------------------------------------


@pytest.fixture
def copy_data_dir(db_url: str, tmp_path: Path) -> Iterator[Callable[[Any], Callable[[], None]]]:
    """take(vault) copies the whole data directory now (the SQLite database, evidence and
    profiles; on PostgreSQL the server's database too) and returns restore()."""
    made: list[str] = []
    admin = None
    if not db_url.startswith("sqlite"):
        from sqlalchemy import create_engine

        admin = create_engine(
            os.environ["SAFELOG_TEST_PG_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )

    def take(vault: Any) -> Callable[[], None]:
        from sqlalchemy import text

        vault.close()  # SQLite: the last connection closing checkpoints the WAL
        saved = tmp_path / f"copy-{len(made)}"
        shutil.copytree(vault.data_dir, saved)
        database = db_url.rsplit("/", 1)[1]
        copy_name = f"{database}_copy{len(made)}"
        made.append(copy_name)
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{copy_name}" TEMPLATE "{database}"'))

        def restore() -> None:
            vault.close()
            shutil.rmtree(vault.data_dir)
            shutil.copytree(saved, vault.data_dir)
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
                    conn.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{copy_name}"'))

        return restore

    yield take
    if admin is not None:
        from sqlalchemy import text

        with admin.connect() as conn:
            for copy_name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
        admin.dispose()


def test_restoring_an_old_copy_of_the_whole_data_directory_is_detected(
    vault: Any, copy_data_dir: Any
) -> None:
    school = build_school(vault)
    first = report(school)
    restore = copy_data_dir(vault)
    second = report(school, "A second report")
    dana = school.unlock("Dana DSL")
    acknowledge(dana, second)
    dana.lock()
    sam_id = school.ids["Sam Staff"]
    newer = checkpoint_outside(vault, "Sam Staff", sam_id)
    restore()
    # The profile in the data directory went back with the copy; the one outside did not.
    older = checkpoint_in_data_dir(vault, "Sam Staff", sam_id)
    assert newer is not None and older is not None and older.seq < newer.seq
    for name in ("Sam Staff", "Dana DSL"):
        message = assert_refused(
            school,
            name,
            RollbackDetected,
            "older than the one this computer last saw",
            "Nothing was changed",
        )
        assert REPORT["summary"] not in message
    # Tess did nothing after the copy was taken: the copy is what her device last saw.
    tess = school.unlock("Tess Teacher")
    assert list_cases(tess) == []
    tess.lock()
    with vault.engine.connect() as conn:
        assert conn.execute(select(CaseRow.reference)).scalars().all() == [first]


def test_restoring_a_copy_from_before_a_removal_is_detected_by_the_remover(
    vault: Any, copy_data_dir: Any
) -> None:
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, DEE, frozenset({Role.DSL}))
    dana.lock()
    school.ids[DEE] = vault.enrol(code, DEE_PASSPHRASE).user_id
    vault.admit(school.unlock("Dana DSL"), DEE)
    restore = copy_data_dir(vault)
    dana = school.unlock("Dana DSL")
    vault.remove_user(dana, DEE)
    dana.lock()
    restore()
    assert_refused(
        school,
        "Dana DSL",
        RollbackDetected,
        "The membership log is older than the one this computer last saw",
    )


# -- 7. failed-unlock records planted by a database writer ------------------------------


def plant_failures(vault: Any, user_id: str, at: datetime, count: int = 1000) -> None:
    with vault.engine.begin() as conn:
        conn.execute(
            insert(FailedUnlockRow),
            [{"user_id": user_id, "at": at, "device": "planted"} for _ in range(count)],
        )


def test_planted_failed_unlocks_never_ask_for_more_than_the_longest_wait(
    vault: Any, clock: Any
) -> None:
    school = build_school(vault)
    plant_failures(vault, school.ids["Dana DSL"], clock.now)
    with pytest.raises(TooManyAttempts) as caught:
        school.unlock("Dana DSL")
    assert 0 < caught.value.wait_seconds <= MAX_WAIT_SECONDS == 300
    assert "Too many wrong passphrases. Wait" in str(caught.value)


def test_planted_failed_unlocks_dated_now_stop_counting_after_the_longest_wait(
    vault: Any, clock: Any
) -> None:
    school = build_school(vault)
    plant_failures(vault, school.ids["Dana DSL"], clock.now)
    with pytest.raises(TooManyAttempts):
        school.unlock("Dana DSL")
    clock.advance(seconds=MAX_WAIT_SECONDS + 1)
    school.unlock("Dana DSL").lock()
    with vault.engine.connect() as conn:  # the sign-in cleared them
        assert not conn.execute(select(FailedUnlockRow.id)).first()


def test_planted_failed_unlocks_dated_in_the_future_are_not_counted(vault: Any, clock: Any) -> None:
    """No client here wrote a failure dated in 2099: such records never lock anyone out (they
    used to count as 'now' at every attempt, for ever)."""
    school = build_school(vault)
    plant_failures(vault, school.ids["Dana DSL"], datetime(2099, 1, 1, tzinfo=UTC))
    school.unlock("Dana DSL").lock()


def test_planted_failed_unlocks_for_everyone_do_not_outlast_the_longest_wait(
    vault: Any, clock: Any
) -> None:
    """The writer plants records for every user, a little in the past; a whole school is
    never locked out for longer than the throttle's longest wait."""
    school = build_school(vault)
    for user_id in school.ids.values():
        plant_failures(vault, user_id, clock.now - timedelta(seconds=5), count=200)
    clock.advance(seconds=MAX_WAIT_SECONDS)
    for name in ("Dana DSL", "Chris Chair", "Sam Staff"):
        school.unlock(name).lock()
