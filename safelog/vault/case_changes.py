"""Has anything changed in the cases table? A question another PC's work answers: the case
lists follow changes made in this process by signal, but a concern reported on another PC
sharing the database is only seen by asking the database.

The answer is a small mark of the table's state read from its plain columns alone (how many
cases, their version numbers and key numbers added up, the latest change time): nothing is
decrypted, so asking every few seconds costs milliseconds even with thousands of cases.
Every change to a case adds a version (its head version goes up) and every re-key moves its
key number on, so any write anywhere moves the mark; reading a case does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from safelog.store.schema import CaseRow
from safelog.vault.session import Session


@dataclass(frozen=True)
class CasesMark:
    """Compared for equality only; says nothing about any one case."""

    count: int
    versions: int
    keys: int
    latest: datetime | None


def cases_mark(session: Session) -> CasesMark:
    """The cases table's mark now (one aggregate query, no decryption)."""
    session.ensure_open()
    with session.engine.connect() as conn:
        count, versions, keys, latest = conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(CaseRow.head_version), 0),
                func.coalesce(func.sum(CaseRow.key_no), 0),
                func.max(CaseRow.updated_at),
            ).select_from(CaseRow)
        ).one()
    return CasesMark(int(count), int(versions), int(keys), latest)
