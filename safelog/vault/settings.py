"""School-wide settings: plain values, each signed by the DSL who set it, so a database
writer cannot, say, switch the idle lock off."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select

from safelog.audit.actions import AuditAction
from safelog.crypto.encoding import canonical_json
from safelog.domain.roles import Role
from safelog.errors import AccessDenied, InvalidInput
from safelog.evidence.intake import describe_size
from safelog.store.schema import SettingRow
from safelog.vault.session import Session

IDLE_LOCK_MINUTES = "idle_lock_minutes"
DEFAULT_IDLE_MINUTES = 5
IDLE_RANGE = (1, 60)

EVIDENCE_LIMIT_BYTES = "evidence_limit_bytes"
DEFAULT_EVIDENCE_LIMIT = 2 * 1024**3  # 2 GiB: a long screen recording
EVIDENCE_LIMIT_RANGE = (1024, 64 * 1024**3)


@dataclass(frozen=True)
class Settings:
    idle_lock_minutes: int = DEFAULT_IDLE_MINUTES
    problems: tuple[str, ...] = ()
    # The largest evidence file accepted, enforced while the file is streamed in.
    evidence_limit_bytes: int = DEFAULT_EVIDENCE_LIMIT


def load_settings(session: Session) -> Settings:
    """Settings whose signature checks out; others fall back to their defaults (and say so)."""
    values: dict[str, Any] = {}
    problems = []
    with session.engine.connect() as conn:
        rows = conn.execute(select(SettingRow.__table__)).all()
    for row in rows:
        if row.key.startswith("school-rules/"):
            continue  # a chain of its own, checked by vault/school_rules.py
        signer = session.directory.people.get(row.signer_id)
        signed = (
            signer is not None
            and Role.DSL in signer.roles
            and signer.verifies(row.signature, row.record)
        )
        record = json.loads(row.record) if signed else {}  # signed, so well formed
        if (
            not signed
            or record.get("key") != row.key
            or record.get("vault_id") != session.directory.vault_id
        ):
            problems.append(f"the setting '{row.key}' failed its signature check")
            continue
        values[row.key] = record["value"]
    minutes = values.get(IDLE_LOCK_MINUTES, DEFAULT_IDLE_MINUTES)
    if not isinstance(minutes, int) or not IDLE_RANGE[0] <= minutes <= IDLE_RANGE[1]:
        minutes = DEFAULT_IDLE_MINUTES
    limit = values.get(EVIDENCE_LIMIT_BYTES, DEFAULT_EVIDENCE_LIMIT)
    if (
        not isinstance(limit, int)
        or isinstance(limit, bool)
        or not EVIDENCE_LIMIT_RANGE[0] <= limit <= EVIDENCE_LIMIT_RANGE[1]
    ):
        limit = DEFAULT_EVIDENCE_LIMIT
    return Settings(idle_lock_minutes=minutes, problems=tuple(problems), evidence_limit_bytes=limit)


def set_idle_lock_minutes(session: Session, minutes: int) -> None:
    if Role.DSL not in session.person.roles:
        raise AccessDenied("Only a DSL can change when SafeLog locks itself.")
    low, high = IDLE_RANGE
    if not low <= minutes <= high:
        raise InvalidInput(f"Choose between {low} and {high} minutes.")
    _save(session, IDLE_LOCK_MINUTES, minutes)


def set_evidence_limit_bytes(session: Session, limit: int) -> None:
    """The largest evidence file the school accepts (DSL only)."""
    if Role.DSL not in session.person.roles:
        raise AccessDenied("Only a DSL can change the size limit for evidence files.")
    low, high = EVIDENCE_LIMIT_RANGE
    if isinstance(limit, bool) or not isinstance(limit, int) or not low <= limit <= high:
        raise InvalidInput(
            f"Choose a limit between {describe_size(low)} and {describe_size(high)}."
        )
    _save(session, EVIDENCE_LIMIT_BYTES, limit)


def _save(session: Session, key: str, value: Any) -> None:
    record = canonical_json(
        {
            "key": key,
            "value": value,
            "vault_id": session.directory.vault_id,
            "by": session.user_id,
            "at": session.clock().isoformat(),
        }
    )
    with session.write() as conn:
        conn.execute(delete(SettingRow).where(SettingRow.key == key))
        conn.execute(
            insert(SettingRow).values(
                key=key,
                record=record,
                signer_id=session.user_id,
                signature=session.identity.sign(record),
                updated_at=session.clock(),
            )
        )
        session.audit(conn, AuditAction.SETTINGS_CHANGE, {"key": key, "value": value})
