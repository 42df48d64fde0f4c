"""The chain of custody of evidence: for each item, the audit entries that name it
("evidence.add", "evidence.sighting", "evidence.view", "evidence.extract", and
"evidence.export" from the PDF export), from the verified audit log.
"""

from __future__ import annotations

from safelog.errors import NotFound
from safelog.vault.audit_view import AuditEntry, case_audit
from safelog.vault.session import Session


def _names_item(entry: AuditEntry, evidence_id: str) -> bool:
    details = entry.details
    return details.get("evidence_id") == evidence_id or evidence_id in (
        details.get("evidence_ids") or []
    )


def custody_by_item(session: Session, reference: str) -> dict[str, list[AuditEntry]]:
    """For each item of a case, the audit entries that name it (add, sightings, views,
    extracts, exports, listings), oldest first; from the verified audit log."""
    out: dict[str, list[AuditEntry]] = {}
    for entry in case_audit(session, reference):
        ids = [entry.details.get("evidence_id"), *(entry.details.get("evidence_ids") or [])]
        for evidence_id in dict.fromkeys(i for i in ids if isinstance(i, str)):
            out.setdefault(evidence_id, []).append(entry)
    return out


def evidence_custody(session: Session, reference: str, evidence_id: str) -> list[AuditEntry]:
    """The chain of custody of one item: every audit entry about it, oldest first."""
    entries = [e for e in case_audit(session, reference) if _names_item(e, evidence_id)]
    if not entries:
        raise NotFound(f"Case {reference} has no evidence {evidence_id}.")
    return entries
