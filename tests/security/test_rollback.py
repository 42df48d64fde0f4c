"""Rollback and fork detection (DESIGN §3.4): each user's sealed profile on each device keeps
a checkpoint (size, head hash) of the audit log; at unlock the log must still extend it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from offline_keys import user_identity
from sqlalchemy import delete, select, update
from support.school import PASSPHRASES

from safelog.audit import checkpoint as checkpoints
from safelog.audit import log as audit_log
from safelog.crypto.encoding import unb64
from safelog.errors import RollbackDetected, TamperDetected
from safelog.store.schema import AuditHeadRow, AuditRow, UserRow
from safelog.vault.audit_view import verify_whole_log
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases

SUMMARY = "Pupil sent threatening messages"


def report(school: Any, name: str = "Sam Staff", summary: str = SUMMARY) -> str:
    session = school.unlock(name)
    reference = add_case(
        session,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": summary,
                "description": "Screenshots were shown to me.",
            }
        ),
    )
    session.lock()
    return reference


def head(vault: Any) -> audit_log.Head:
    with vault.engine.connect() as conn:
        return audit_log.read_head(conn)


def checkpoint_of(vault: Any, name: str) -> checkpoints.Checkpoint | None:
    """The checkpoint in this user's sealed profile on this device, read with their keys."""
    with vault.engine.connect() as conn:
        identity = user_identity(conn, name, PASSPHRASES[name])
        user_id = conn.execute(select(UserRow.id).where(UserRow.name == name)).scalar_one()
    path = checkpoints.profile_path(vault.data_dir, identity.extra["vault_id"], user_id)
    return checkpoints.load(path, unb64(identity.extra["profile_key"]), user_id)


@pytest.fixture
def snapshot(db_url: str, tmp_path: Path) -> Iterator[Callable[[Any], Callable[[], None]]]:
    """take(vault) copies the whole database now and returns restore(), which puts that
    copy back: the file (with -wal/-shm) on SQLite, a template copy on PostgreSQL."""
    made: list[str] = []
    admin = None
    if not db_url.startswith("sqlite"):
        from sqlalchemy import create_engine

        admin = create_engine(
            os.environ["SAFELOG_TEST_PG_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )

    def take(vault: Any) -> Callable[[], None]:
        vault.close()  # SQLite: the last connection closing checkpoints the WAL
        if admin is None:
            database = Path(db_url.split("///", 1)[1])
            saved = tmp_path / f"snapshot-{len(made)}"
            saved.mkdir()
            made.append(str(saved))
            for suffix in ("", "-wal", "-shm"):
                source = Path(f"{database}{suffix}")
                if source.exists():
                    shutil.copy2(source, saved / source.name)

            def restore_file() -> None:
                vault.close()
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{database}{suffix}").unlink(missing_ok=True)
                for copy in saved.iterdir():
                    shutil.copy2(copy, database.parent / copy.name)

            return restore_file
        from sqlalchemy import text

        name = db_url.rsplit("/", 1)[1]
        copy_name = f"{name}_snap{len(made)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"'))
        made.append(copy_name)

        def restore_database() -> None:
            vault.close()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{copy_name}"'))

        return restore_database

    yield take
    if admin is not None:
        from sqlalchemy import text

        with admin.connect() as conn:
            for copy_name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
        admin.dispose()


def old_copy_then_more_activity(
    school: Any, snapshot: Any
) -> tuple[Callable[[], None], audit_log.Head]:
    vault = school.vault
    report(school)
    school.unlock("Tess Teacher").lock()
    restore = snapshot(vault)
    old = head(vault)
    report(school, summary="Second report")
    report(school, summary="Third report")
    school.unlock("Sam Staff").lock()
    assert head(vault).seq > old.seq
    seen = checkpoint_of(vault, "Sam Staff")
    assert seen is not None and seen.seq == head(vault).seq
    return restore, old


def test_restored_old_copy_is_refused_for_a_user_who_saw_the_newer_state(
    school: Any, snapshot: Any
) -> None:
    vault = school.vault
    restore, old = old_copy_then_more_activity(school, snapshot)
    newer = head(vault).seq
    restore()
    assert head(vault) == old  # the old copy really is back
    with pytest.raises(RollbackDetected) as caught:
        school.unlock("Sam Staff")
    message = str(caught.value)
    assert "older than the one this computer last saw" in message
    assert f"has {old.seq} entries, but {newer} were seen" in message
    assert SUMMARY not in message and "Traceback" not in message
    assert head(vault) == old  # nothing was written by the refused sign-in
    with pytest.raises(RollbackDetected):
        school.unlock("Sam Staff")  # and it stays refused


def test_user_whose_device_never_saw_the_newer_state_can_unlock_the_old_copy(
    school: Any, snapshot: Any
) -> None:
    """Expected, not a hole: checkpoints are per user and per device. Tess last signed in
    before the copy was taken, so the old copy is exactly what her device saw. Whoever saw
    the newer state is still refused, and once the old copy grows past what they saw, the
    difference is reported as a rewritten log."""
    vault = school.vault
    restore, old = old_copy_then_more_activity(school, snapshot)
    sams = checkpoint_of(vault, "Sam Staff")
    assert sams is not None
    tess_seen = checkpoint_of(vault, "Tess Teacher")
    assert tess_seen is not None and tess_seen.seq <= old.seq
    restore()
    tess = school.unlock("Tess Teacher")
    assert list_cases(tess) == []
    tess.lock()
    while head(vault).seq < sams.seq:
        school.unlock("Tess Teacher").lock()
    with pytest.raises(RollbackDetected) as caught:
        school.unlock("Sam Staff")
    assert f"no longer contains entry {sams.seq}" in str(caught.value)


def test_deleted_newest_audit_entries_are_detected(school: Any) -> None:
    """A rollback done inside the database (works the same on PostgreSQL): the newest audit
    rows are deleted and the head row is reset to an older entry."""
    vault = school.vault
    report(school)
    old = head(vault)
    report(school, summary="Second report")
    assert head(vault).seq > old.seq
    with vault.engine.begin() as conn:
        conn.execute(delete(AuditRow).where(AuditRow.seq > old.seq))
        conn.execute(
            update(AuditHeadRow)
            .where(AuditHeadRow.id == 1)
            .values(seq=old.seq, entry_hash=old.entry_hash)
        )
    with pytest.raises(RollbackDetected) as caught:
        school.unlock("Sam Staff")
    assert "older than the one this computer last saw" in str(caught.value)
    assert head(vault) == old


def rewrite_entry(vault: Any, seq: int, *, relink_from_here_as: str | None = None) -> None:
    """Replace entry `seq`'s body and hash. With relink_from_here_as, re-chain and re-sign
    every later entry with that user's own key (a fork a legitimate user could make)."""
    with vault.engine.begin() as conn:
        signer = None
        actor = None
        if relink_from_here_as is not None:
            signer = user_identity(conn, relink_from_here_as, PASSPHRASES[relink_from_here_as])
            actor = conn.execute(
                select(UserRow.id).where(UserRow.name == relink_from_here_as)
            ).scalar_one()
        rows = conn.execute(
            select(AuditRow.__table__).where(AuditRow.seq >= seq).order_by(AuditRow.seq)
        ).all()
        prev = rows[0].prev_hash
        for row in rows if signer else rows[:1]:
            body = os.urandom(len(row.body_ct))
            who = actor or row.actor_id
            digest = audit_log.entry_hash(
                row.seq, prev, who, row.created_at, row.case_id, row.key_ref, body, row.item_ref
            )
            values: dict[str, Any] = {
                "body_ct": body,
                "entry_hash": digest,
                "prev_hash": prev,
                "actor_id": who,
            }
            if signer is not None:
                values["signature"] = signer.sign(audit_log.signing_message(digest))
            conn.execute(update(AuditRow).where(AuditRow.seq == row.seq).values(**values))
            prev = digest
            if row.seq == rows[-1].seq:
                conn.execute(
                    update(AuditHeadRow).where(AuditHeadRow.id == 1).values(entry_hash=digest)
                )


def sam_checkpoint_after_activity(school: Any) -> checkpoints.Checkpoint:
    report(school)
    report(school, summary="Second report")
    seen = checkpoint_of(school.vault, "Sam Staff")
    now = head(school.vault)
    assert seen is not None and (seen.seq, seen.entry_hash) == (now.seq, now.entry_hash)
    return seen


def test_rewritten_checkpoint_entry_is_detected(school: Any) -> None:
    seen = sam_checkpoint_after_activity(school)
    rewrite_entry(school.vault, seen.seq)
    with pytest.raises(RollbackDetected) as caught:
        school.unlock("Sam Staff")
    assert f"no longer contains entry {seen.seq}" in str(caught.value)


def test_fork_signed_by_a_real_user_is_detected(school: Any) -> None:
    """Tess (a real user, with her own signing key) forks the log before Sam's checkpoint
    and re-signs everything after. The chain is valid again; only Sam's checkpoint can tell,
    and it does."""
    vault = school.vault
    back = 3
    seen = sam_checkpoint_after_activity(school)
    chris = checkpoint_of(vault, "Chris Chair")
    assert chris is not None and chris.seq < seen.seq - back
    rewrite_entry(vault, seen.seq - back, relink_from_here_as="Tess Teacher")
    with pytest.raises(RollbackDetected) as caught:
        school.unlock("Sam Staff")
    assert f"no longer contains entry {seen.seq}" in str(caught.value)
    # The fork itself is well formed: a device that never saw the original accepts it.
    school.unlock("Chris Chair").lock()


def test_tampered_entry_before_the_checkpoint_is_caught_by_full_verification(
    school: Any,
) -> None:
    seen = sam_checkpoint_after_activity(school)
    rewrite_entry(school.vault, seen.seq - 3)
    with pytest.raises(TamperDetected) as caught:
        verify_whole_log(school.unlock("Sam Staff"))  # unlock itself already refuses
    assert f"audit entry {seen.seq - 3}" in str(caught.value)


def test_tampered_entry_before_the_checkpoint_stops_unlock(school: Any) -> None:
    seen = sam_checkpoint_after_activity(school)
    rewrite_entry(school.vault, seen.seq - 3)
    with pytest.raises(TamperDetected):
        school.unlock("Sam Staff")


def test_a_fresh_device_profile_is_not_a_way_round(school: Any) -> None:
    """Deleting the profile file is not silent: the user signs in as on a new device, and the
    checkpoint is rebuilt from the whole, verified log."""
    vault = school.vault
    seen = sam_checkpoint_after_activity(school)
    rewrite_entry(vault, seen.seq - 3)
    with vault.engine.connect() as conn:
        identity = user_identity(conn, "Sam Staff", PASSPHRASES["Sam Staff"])
    for profile in checkpoints.paths(
        vault.data_dir, identity.extra["vault_id"], school.ids["Sam Staff"]
    ):
        assert profile.exists()
        profile.unlink()
    with pytest.raises(TamperDetected, match=f"audit entry {seen.seq - 3}"):
        school.unlock("Sam Staff")


def test_an_entry_another_pc_appends_during_a_sign_in_is_not_taken_for_tampering(
    school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a shared server another PC may write between this PC reading the log's head and
    reading its entries: that is the next sign-in's business, not damage."""
    if school.vault.url.startswith("sqlite"):
        pytest.skip("SQLite is one PC's file: a sign-in's reads and another write do not race")
    from safelog.vault import audit_trail
    from safelog.vault.vault import Vault

    report(school)
    other = Vault(school.vault.data_dir, school.vault.url, clock=clock)
    original = audit_log.rows_after
    raced: list[str] = []

    def racing(conn: Any, seq: int, until: int | None = None, **kwargs: Any) -> Any:
        if not raced:
            raced.append("writing")  # the other PC's own sign-in reads the log too
            raced.append(report(school_on(other), summary="Written on the other PC"))
        return original(conn, seq, until, **kwargs)

    def school_on(vault: Any) -> Any:
        return type(school)(vault, school.recovery, school.ids)

    monkeypatch.setattr(audit_trail.audit_log, "rows_after", racing)
    try:
        school.unlock("Dana DSL").lock()
    finally:
        monkeypatch.undo()
        other.close()
    assert len(raced) == 2, "the other PC did not write during the sign-in"
    school.unlock("Dana DSL").lock()  # and the next sign-in checks those entries too


def test_a_row_slipped_in_past_the_head_is_tampering(school: Any) -> None:
    report(school)
    vault = school.vault
    with vault.engine.begin() as conn:
        last = conn.execute(select(AuditRow.__table__).order_by(AuditRow.seq.desc())).first()
        assert last is not None
        row = dict(last._mapping)
        row["seq"] += 1
        row["prev_hash"] = row["entry_hash"]
        conn.execute(AuditRow.__table__.insert().values(**row))
    with pytest.raises(TamperDetected, match="head does not account for"):
        school.unlock("Dana DSL")
