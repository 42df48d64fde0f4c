"""Many cases' rows read ahead, one query per table, for a caller that reads all of those
cases in one transaction (a pupil's page reads 30): each case is then opened and verified
exactly as it would be alone (vault/case_engine.py, case_reading.py, evidence_reading.py),
from these rows instead of its own queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from safelog.store.schema import (
    AuditRow,
    CaseFieldRow,
    CaseKeyRow,
    CaseRow,
    CaseVersionRow,
    EvidenceRow,
    EvidenceThumbnailRow,
)


@dataclass(frozen=True)
class RowsAhead:
    cases: dict[str, Any]  # by reference
    keys: dict[str, list[Any]]  # each by case id
    versions: dict[str, list[Any]]  # in version order
    fields: dict[str, list[Any]]
    audit: dict[str, list[Any]]  # in log order
    evidence: dict[str, list[Any]]  # in the order added
    thumbnails: dict[str, list[Any]]  # made after their items (vault/evidence_thumbnails.py)


def read_ahead(conn: Connection, references: Sequence[str]) -> RowsAhead:
    cases = {
        row.reference: row
        for row in conn.execute(
            select(CaseRow.__table__).where(CaseRow.reference.in_(list(references)))
        ).all()
    }
    ids = [row.id for row in cases.values()]

    def by_case(table: Any, *order: Any) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {case_id: [] for case_id in ids}
        for row in conn.execute(
            select(table.__table__).where(table.case_id.in_(ids)).order_by(*order)
        ).all():
            out[row.case_id].append(row)
        return out

    return RowsAhead(
        cases,
        by_case(CaseKeyRow, CaseKeyRow.key_no),
        by_case(CaseVersionRow, CaseVersionRow.version),
        by_case(CaseFieldRow, CaseFieldRow.version, CaseFieldRow.field),
        by_case(AuditRow, AuditRow.seq),
        by_case(EvidenceRow, EvidenceRow.added_at, EvidenceRow.id),
        by_case(EvidenceThumbnailRow, EvidenceThumbnailRow.evidence_id),
    )
