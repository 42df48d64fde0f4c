"""A case moved into a category that may involve indecent images of children
(domain/image_block.py): what it already holds beyond plain text notes is quarantined (never
viewed, extracted or exported; every reader judges that from the category, see
evidence_reading.py), and the manager who moves it records where the device holding the
images is locked away (002 7.2.4), as field `quarantine` of the same version."""

from __future__ import annotations

from typing import Any

from safelog.domain.categories import category_by_code
from safelog.domain.image_block import quarantined
from safelog.errors import InvalidInput
from safelog.vault.case_engine import open_case
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import CaseField, CaseFields, QuarantineRecord
from safelog.vault.evidence_reading import case_category, list_evidence
from safelog.vault.evidence_rules import one_line
from safelog.vault.session import Session

# The key `case update` takes beside "category" (CLI JSON and the app).
LOCKED_AWAY_KEY = "device_locked_away"


def take_locked_away(changes: Any) -> tuple[Any, str | None]:
    """The changes without LOCKED_AWAY_KEY, and its text (None when not given)."""
    if not isinstance(changes, dict) or LOCKED_AWAY_KEY not in changes:
        return changes, None
    rest = dict(changes)
    where = rest.pop(LOCKED_AWAY_KEY)
    if not isinstance(where, str):
        raise InvalidInput(f"{LOCKED_AWAY_KEY} must be text: where the device is locked away.")
    return rest, where


def newly_quarantined(session: Session, reference: str, category_code: str) -> list[str]:
    """Ids of the items moving `reference` into `category_code` would quarantine (none when
    the case is already in a category that quarantines them)."""
    new = category_by_code(category_code)
    if not new.blocks_image_import:
        return []
    with session.engine.connect() as conn:
        case = open_case(session, conn, reference)
        if case_category(read_case(session, conn, case).fields).blocks_image_import:
            return []
        return [e.id for e in list_evidence(session, conn, case) if quarantined(new, e.media_type)]


def quarantine_record(
    session: Session, reference: str, checked: CaseFields, where: str | None
) -> QuarantineRecord | None:
    """Refuse a move into an image category that would quarantine items without saying where
    the device is locked away; otherwise the record to add (None when nothing moves)."""
    code = checked.get(CaseField.CATEGORY)
    items = newly_quarantined(session, reference, code) if code else []
    if not items:
        if where:
            raise InvalidInput(
                f"{LOCKED_AWAY_KEY} is only recorded when a case moves into a category "
                "that quarantines what it holds."
            )
        return None
    text = one_line(where or "", "place where the device is locked away", 300)
    if not text:
        count = f"{len(items)} item" + ("s" if len(items) != 1 else "")
        raise InvalidInput(
            f"Case {reference} holds {count} that a concern of this kind may not keep in view "
            "(anything but plain text notes): SafeLog will quarantine them. Say where the "
            "device holding the images is locked away (002 7.2.4: a secure location such as "
            f"a locked cupboard), with {LOCKED_AWAY_KEY}."
        )
    record: QuarantineRecord = {
        "category": str(code),
        "evidence_ids": items,
        "device_locked_away": text,
        "recorded_by": session.person.name,
        "recorded_at": session.clock().isoformat(),
    }
    return record


def with_quarantine(fields: CaseFields, record: QuarantineRecord | None) -> CaseFields:
    """The field to set beside the change: earlier records kept."""
    out: CaseFields = {}
    if record is not None:
        out["quarantine"] = [*(fields.get("quarantine") or []), record]
    return out
