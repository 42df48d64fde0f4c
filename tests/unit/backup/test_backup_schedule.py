"""The app's own backups (issue 14): daily and at sign-out into a chosen folder, the last N
kept, failures remembered and said, the inbox's warning after 7 days; every backup audited
with its SHA-256. An injected clock stands in for the days passing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.school import Clock

from safelog.backup.check import check_backup
from safelog.backup.schedule import (
    back_up_now,
    backups_in,
    due,
    load_plan,
    set_plan,
    warning,
)
from safelog.errors import UserFacingError
from safelog.store.schema import AuditRow
from safelog.vault.pending_audit import audit_backup


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    usb = tmp_path / "usb"
    usb.mkdir()
    return usb


def test_nothing_is_due_until_a_folder_is_chosen(school: Any, clock: Clock) -> None:
    data_dir = school.vault.data_dir
    plan = load_plan(data_dir)
    assert not plan.configured and not due(plan, clock(), signing_out=True)
    assert "No backups are made on this PC" in warning(plan, clock())


def test_daily_and_at_sign_out_with_an_injected_clock(
    school: Any, clock: Clock, folder: Path
) -> None:
    vault = school.vault
    set_plan(vault.data_dir, str(folder), daily=True, at_sign_out=False, keep=5)
    assert due(load_plan(vault.data_dir), clock())  # never made: due at once
    first = back_up_now(vault.data_dir, vault.url, clock)
    report, opened = check_backup(first.path)
    opened.close()
    assert report.cases == first.cases
    plan = load_plan(vault.data_dir)
    assert plan.last_good is not None and plan.last_good.sha256 == first.sha256
    assert warning(plan, clock()) == ""
    clock.advance(hours=23)
    assert not due(load_plan(vault.data_dir), clock())
    assert not due(load_plan(vault.data_dir), clock(), signing_out=True)  # not chosen
    clock.advance(hours=2)
    assert due(load_plan(vault.data_dir), clock())
    set_plan(vault.data_dir, str(folder), daily=False, at_sign_out=True, keep=5)
    assert not due(load_plan(vault.data_dir), clock())
    assert due(load_plan(vault.data_dir), clock(), signing_out=True)


def test_the_last_n_are_kept_and_nothing_else_in_the_folder_is_touched(
    school: Any, clock: Clock, folder: Path
) -> None:
    vault = school.vault
    theirs = folder / "timetable.xlsx"
    theirs.write_bytes(b"the school's own file")
    set_plan(vault.data_dir, str(folder), daily=True, at_sign_out=True, keep=2)
    made = []
    for _ in range(4):
        made.append(back_up_now(vault.data_dir, vault.url, clock).path)
        clock.advance(days=1)
    assert backups_in(folder) == made[-2:]
    assert theirs.read_bytes() == b"the school's own file"


def test_a_missing_drive_is_remembered_said_and_not_retried_every_minute(
    school: Any, clock: Clock, folder: Path
) -> None:
    vault = school.vault
    set_plan(vault.data_dir, str(folder), daily=True, at_sign_out=True, keep=3)
    back_up_now(vault.data_dir, vault.url, clock)
    folder.rename(folder.with_name("unplugged"))
    clock.advance(days=1, minutes=1)
    with pytest.raises(UserFacingError, match="USB drive plugged in"):
        back_up_now(vault.data_dir, vault.url, clock)
    plan = load_plan(vault.data_dir)
    assert plan.last is not None and not plan.last.ok
    assert "failed" in warning(plan, clock()) and "USB drive" in warning(plan, clock())
    clock.advance(minutes=30)
    assert not due(plan, clock(), signing_out=True)
    clock.advance(minutes=31)
    assert due(plan, clock())
    # After a week without a good one the inbox says how old the last good backup is.
    folder.with_name("unplugged").rename(folder)
    plan = load_plan(vault.data_dir)
    stale = replace(plan, last=plan.last_good)
    clock.advance(days=7)
    assert "days old" in warning(stale, clock())


def test_a_folder_must_exist_and_lie_outside_the_data_folder(school: Any, tmp_path: Path) -> None:
    data_dir = school.vault.data_dir
    with pytest.raises(UserFacingError, match="There is no folder"):
        set_plan(data_dir, str(tmp_path / "nowhere"), daily=True, at_sign_out=True, keep=3)
    inside = data_dir / "backups"
    inside.mkdir()
    with pytest.raises(UserFacingError, match="outside SafeLog's own data folder"):
        set_plan(data_dir, str(inside), daily=True, at_sign_out=True, keep=3)
    with pytest.raises(UserFacingError, match="Keep between"):
        set_plan(data_dir, str(tmp_path), daily=True, at_sign_out=True, keep=0)


def test_a_damaged_settings_file_is_said_not_a_crash(school: Any, clock: Clock) -> None:
    (school.vault.data_dir / "backups.json").write_text("{not json", "utf-8")
    plan = load_plan(school.vault.data_dir)
    assert not plan.configured and "could not be read" in warning(plan, clock())


def test_every_backup_is_audited_with_its_sha256(school: Any, clock: Clock, folder: Path) -> None:
    vault = school.vault
    set_plan(vault.data_dir, str(folder), daily=True, at_sign_out=True, keep=3)
    dana = school.unlock("Dana DSL")
    made = back_up_now(
        vault.data_dir, vault.url, clock, lambda m: audit_backup(dana, vault.data_dir, m)
    )
    # One made at sign-out, with nobody signed in: audited at the next sign-in.
    dana.lock()
    clock.advance(minutes=5)
    later = back_up_now(
        vault.data_dir, vault.url, clock, lambda m: audit_backup(None, vault.data_dir, m)
    )
    dana = school.unlock("Dana DSL")
    with dana.engine.connect() as conn:
        rows = conn.execute(select(AuditRow.__table__).where(AuditRow.case_id.is_(None))).all()
    bodies = [dana.open_audit_body(r.key_ref, r.created_at, r.body_ct, None) for r in rows]
    found = [b["details"] for b in bodies if b and b["action"] == "backup.made"]
    assert [d["manifest_sha256"] for d in found] == [made.sha256, later.sha256]
    assert [d["by"] for d in found] == ["the app", "the app"]
