"""Telling the DSL that SafeLog was updated on this PC: the version now running, and whether
the vault's schema was upgraded, with the copy of the database made before it.

Kept in `<data dir>/updates.json`, beside the vault and not in it, like backups.json: it is
about this PC's install, and it holds no record content (versions, schema names, a file name,
a time, and the ids of the people it was shown to). Each DSL or admin is shown a notice once.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from safelog import __version__
from safelog.store.engine import SchemaUpgrade, open_engine
from safelog.store.files import write_private_file

FILE_NAME = "updates.json"


@dataclass(frozen=True)
class Notice:
    version: str
    previous_version: str | None
    at: str
    schema_from: str | None = None
    schema_to: str | None = None
    backup: str | None = None

    def text(self) -> str:
        when = f"{datetime.fromisoformat(self.at):%d/%m/%Y %H:%M}"
        updated = self.previous_version and self.previous_version != self.version
        if not self.schema_to:
            previous = self.previous_version
            return f"SafeLog was updated from version {previous} to {self.version} on {when}."
        who = f"SafeLog {self.version}" + (
            f" (updated from {self.previous_version})" if updated else ""
        )
        kept = (
            f"a copy from before the upgrade is kept in the data folder as {self.backup}."
            if self.backup
            else "the database server's own backups hold the copy from before it."
        )
        return (
            f"{who} upgraded the vault's database on {when}, from schema "
            f"{self.schema_from or 'unknown'} to {self.schema_to}; {kept}"
        )


def _read(data_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((data_dir / FILE_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write(data_dir: Path, data: dict[str, Any]) -> None:
    write_private_file(data_dir / FILE_NAME, json.dumps(data, indent=1).encode())


def open_noting(url: str, data_dir: Path, clock: Callable[[], datetime]) -> Engine:
    """`open_engine`, noting this version and any schema upgrade for the DSL."""

    def noted(upgrade: SchemaUpgrade | None) -> None:
        with contextlib.suppress(OSError):  # a notice is not worth refusing the vault over
            note_opened(data_dir, __version__, clock(), upgrade)

    return open_engine(url, noted)


def note_opened(data_dir: Path, version: str, at: datetime, upgrade: SchemaUpgrade | None) -> None:
    """Called whenever the vault's database is opened on this PC: a new notice when the schema
    was upgraded or the version differs from the last one that opened it. The first version
    seen on a PC without an upgrade makes no notice (a new install, not an update)."""
    data = _read(data_dir)
    previous = str(data["version"]) if data and "version" in data else None
    if upgrade is None and (previous is None or previous == version):
        if data is None:
            _write(data_dir, {"version": version, "notice": None, "shown_to": []})
        return
    notice: dict[str, Any] = {"version": version, "previous_version": previous}
    notice["at"] = at.isoformat()
    if upgrade is not None:
        notice.update(
            schema_from=upgrade.from_revision,
            schema_to=upgrade.to_revision,
            backup=upgrade.backup.name if upgrade.backup is not None else None,
        )
    _write(data_dir, {"version": version, "notice": notice, "shown_to": []})


def pending(data_dir: Path, user_id: str) -> Notice | None:
    """The notice this person has not been shown yet, if any."""
    data = _read(data_dir)
    if not data or not isinstance(data.get("notice"), dict):
        return None
    if user_id in data.get("shown_to", []):
        return None
    try:
        notice = Notice(**data["notice"])
        notice.text()
    except (TypeError, ValueError):  # a damaged file: nothing to show, nothing lost
        return None
    return notice


def mark_shown(data_dir: Path, user_id: str) -> None:
    data = _read(data_dir)
    if data is None:
        return
    shown = [str(x) for x in data.get("shown_to", [])]
    if user_id not in shown:
        _write(data_dir, {**data, "shown_to": [*shown, user_id]})
