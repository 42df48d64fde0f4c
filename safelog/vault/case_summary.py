"""A case's entry in the case list: what the list shows of it (status, dates due, review
date, people), sealed for its reader group and refreshed with every version.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, select, update

from safelog.crypto.aead import Cipher
from safelog.crypto.encoding import canonical_json
from safelog.domain.outcomes import CaseStatus
from safelog.store.schema import CaseRow, CaseVersionRow
from safelog.vault.case_engine import summary_aad
from safelog.vault.case_reading import signed_version
from safelog.vault.case_schema import CaseField, CaseFields, ListSummary
from safelog.vault.escalations import next_due
from safelog.vault.open_actions import summary_actions
from safelog.vault.retention import case_retention


def _closed_at(conn: Connection, case_id: str, ciphers: dict[int, Cipher]) -> datetime | None:
    """When the case was last closed: the time of the latest version that changed its status
    (read from the signed statements, which name the fields each version set)."""
    rows = conn.execute(
        select(CaseVersionRow.__table__)
        .where(CaseVersionRow.case_id == case_id)
        .order_by(CaseVersionRow.version.desc())
    ).all()
    for v in rows:
        signed = signed_version(v, ciphers, f"version {v.version}")
        data = json.loads(signed.statement)
        if CaseField.STATUS in data.get("fields", {}):
            return datetime.fromisoformat(data["at"])
    return None


def write_summary(
    conn: Connection,
    case_id: str,
    reference: str,
    audience_id: str,
    audience: Cipher,
    version: int,
    fields: CaseFields,
    created_at: datetime,
    updated_at: datetime,
    *,
    ciphers: dict[int, Cipher] | None = None,
) -> None:
    """The case's entry in the case list, sealed for its reader group. `ciphers`: the case's
    keys, to read when a closed case was closed."""
    closed_at = (
        _closed_at(conn, case_id, ciphers or {})
        if fields.get(CaseField.STATUS) == CaseStatus.CLOSED
        else None
    )
    retention = case_retention(fields, created_at, closed_at)
    summary: ListSummary = {
        "reference": reference,
        "category": fields.get(CaseField.CATEGORY, ""),
        "summary": fields.get(CaseField.SUMMARY, ""),
        "status": fields.get(CaseField.STATUS, ""),
        "about_headteacher": bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
        "escalated_to_leadership": bool(fields.get(CaseField.ESCALATED_TO_LEADERSHIP)),
        "reporter": fields.get(CaseField.REPORTER, ""),
        "next_due": next_due(fields, created_at),
        "review_on": retention.review_on.isoformat() if retention.review_on else None,
        "review_rule": retention.short,
        "created_at": created_at.isoformat(),
        "updated_at": updated_at.isoformat(),
        "version": version,
    }
    actions = summary_actions(fields)
    if actions:  # left out when none: most cases, and the list reads 10,000 of them
        summary["actions"] = actions
    people = fields.get(CaseField.PEOPLE) or []
    if people:
        summary["people"] = [p["name"] for p in people]
        pupils = sorted({p["pupil"] for p in people if p.get("pupil")})
        if pupils:
            summary["pupils"] = pupils
    conn.execute(
        update(CaseRow)
        .where(CaseRow.id == case_id)
        .values(
            summary_ct=audience.seal(
                canonical_json(summary), summary_aad(case_id, audience_id, version)
            )
        )
    )
