"""Backups the app makes on its own (issue 14): into a folder chosen on this PC (a USB drive
or a network share), daily and at sign-out, keeping the last N, with what happened last.

The plan lives in the data directory (`backups.json`, owner-only), not in the vault: the
folder is a place on this PC (another PC has its own drive letters and shares), and the
file holds no record content, only a folder, times, file names, sizes and SHA-256. Every
backup made is audited in the vault, with its SHA-256, when someone is signed in, and
otherwise at the next sign-in (vault/pending_audit.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from safelog.backup.make import BackupMade, make_backup
from safelog.errors import UserFacingError
from safelog.store.files import write_private_file

PLAN_FILE = "backups.json"
SUFFIX = ".safelog-backup"
_OURS = re.compile(r"^safelog-(\d{4}-\d{2}-\d{2}-\d{6})" + re.escape(SUFFIX) + "$")
DAILY = timedelta(days=1)
RETRY_AFTER_FAILURE = timedelta(hours=1)  # a missing USB drive is not tried every minute
STALE = timedelta(days=7)  # the inbox warns beyond this (issue 14)
MIN_KEEP, MAX_KEEP, DEFAULT_KEEP = 1, 365, 14


@dataclass(frozen=True)
class Outcome:
    at: str  # ISO time
    ok: bool
    file: str = ""  # the file name, in the folder
    size: int = 0
    sha256: str = ""
    message: str = ""  # why it failed, in plain words


@dataclass(frozen=True)
class BackupPlan:
    folder: str = ""
    daily: bool = True
    at_sign_out: bool = True
    keep: int = DEFAULT_KEEP
    last: Outcome | None = None  # the last attempt
    last_good: Outcome | None = None
    problems: list[str] = field(default_factory=list)  # a plan file that could not be read

    @property
    def configured(self) -> bool:
        return bool(self.folder)


def load_plan(data_dir: Path) -> BackupPlan:
    path = data_dir / PLAN_FILE
    if not path.exists():
        return BackupPlan()
    try:
        data = json.loads(path.read_text("utf-8"))
        return BackupPlan(
            folder=str(data.get("folder") or ""),
            daily=bool(data.get("daily", True)),
            at_sign_out=bool(data.get("at_sign_out", True)),
            keep=_keep(data.get("keep", DEFAULT_KEEP)),
            last=_outcome(data.get("last")),
            last_good=_outcome(data.get("last_good")),
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return BackupPlan(
            problems=[f"The backup settings in {path} could not be read; set them again."]
        )


def _keep(value: Any) -> int:
    keep = int(value)
    if not MIN_KEEP <= keep <= MAX_KEEP:
        raise ValueError(keep)
    return keep


def _outcome(value: Any) -> Outcome | None:
    if not value:
        return None
    return Outcome(
        at=str(value["at"]),
        ok=bool(value["ok"]),
        file=str(value.get("file", "")),
        size=int(value.get("size", 0)),
        sha256=str(value.get("sha256", "")),
        message=str(value.get("message", "")),
    )


def save_plan(data_dir: Path, plan: BackupPlan) -> None:
    body = asdict(plan)
    body.pop("problems")
    write_private_file(data_dir / PLAN_FILE, json.dumps(body, indent=1).encode())


def set_plan(
    data_dir: Path, folder: str, *, daily: bool, at_sign_out: bool, keep: int
) -> BackupPlan:
    """The folder must exist and be writable now (checked by writing nothing but a test)."""
    path = Path(folder).expanduser()
    if not folder or not path.is_dir():
        raise UserFacingError(f"There is no folder {folder or '(none chosen)'} to back up into.")
    try:
        keep = _keep(keep)
    except (ValueError, TypeError):
        raise UserFacingError(f"Keep between {MIN_KEEP} and {MAX_KEEP} backups.") from None
    if path.resolve() == data_dir.resolve() or data_dir.resolve() in path.resolve().parents:
        raise UserFacingError(
            "Choose a folder outside SafeLog's own data folder (a USB drive or a network "
            "share): a backup beside the records is lost with them."
        )
    plan = replace(
        load_plan(data_dir),
        folder=str(path.absolute()),
        daily=daily,
        at_sign_out=at_sign_out,
        keep=keep,
        problems=[],
    )
    save_plan(data_dir, plan)
    return plan


def due(plan: BackupPlan, now: datetime, *, signing_out: bool = False) -> bool:
    """Whether an automatic backup should be made now."""
    if not plan.configured:
        return False
    failed = plan.last is not None and not plan.last.ok
    if failed and now - datetime.fromisoformat(plan.last.at) < RETRY_AFTER_FAILURE:  # type: ignore[union-attr]
        return False
    if signing_out and plan.at_sign_out:
        return True
    if not plan.daily:
        return False
    if plan.last_good is None:
        return True
    return now - datetime.fromisoformat(plan.last_good.at) >= DAILY


def file_name(now: datetime) -> str:
    return f"safelog-{now.strftime('%Y-%m-%d-%H%M%S')}{SUFFIX}"


def backups_in(folder: Path) -> list[Path]:
    """Backups this schedule made, oldest first (by the time in their names)."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if _OURS.match(p.name) and p.is_file()]
    return sorted(found, key=lambda p: p.name)


def back_up_now(
    data_dir: Path,
    url: str,
    clock: Callable[[], datetime],
    record: Callable[[BackupMade], None] | None = None,
) -> BackupMade:
    """One backup into the plan's folder, then the oldest beyond `keep` removed (only once
    the new one is whole). The outcome is saved either way; a failure is re-raised in plain
    words. `record` audits the backup (in the vault when someone is signed in)."""
    plan = load_plan(data_dir)
    if not plan.configured:
        raise UserFacingError("Choose a folder for backups first.")
    now = clock()
    folder = Path(plan.folder)
    try:
        if not folder.is_dir():
            raise UserFacingError(
                f"The backup folder {folder} is not there (is the USB drive plugged in, or the "
                "network share reachable?)."
            )
        made = make_backup(url, folder / file_name(now), clock)
    except (UserFacingError, OSError) as exc:
        message = str(exc) if isinstance(exc, UserFacingError) else f"{folder}: {exc.strerror}"
        failed = Outcome(at=now.isoformat(), ok=False, message=message)
        save_plan(data_dir, replace(load_plan(data_dir), last=failed))
        raise UserFacingError(f"The backup failed: {message}") from None
    good = Outcome(
        at=made.created_at.isoformat(),
        ok=True,
        file=made.path.name,
        size=made.size,
        sha256=made.sha256,
    )
    save_plan(data_dir, replace(load_plan(data_dir), last=good, last_good=good))
    if record is not None:
        record(made)
    for old in backups_in(folder)[: -plan.keep]:
        if old != made.path:
            old.unlink(missing_ok=True)
    return made


def warning(plan: BackupPlan, now: datetime) -> str:
    """What the inbox says to the DSL or admin about backups on this PC ('' when all is
    well): never made, the last one failed, or the last good one older than 7 days."""
    if plan.problems:
        return plan.problems[0]
    if not plan.configured:
        return (
            "No backups are made on this PC: choose a backup folder (Records > Backups…) so "
            "that nothing is lost with the computer."
        )
    if plan.last is not None and not plan.last.ok:
        when = datetime.fromisoformat(plan.last.at)
        return f"The last backup, at {when:%d/%m/%Y %H:%M}, failed: {plan.last.message}"
    if plan.last_good is None:
        return "No backup has been made yet: use Back up now in Records > Backups…."
    age = now - datetime.fromisoformat(plan.last_good.at)
    if age > STALE:
        return (
            f"The last good backup is {age.days} days old ({plan.last_good.file}); back up now "
            "in Records > Backups…."
        )
    return ""
