"""A low-level concern's list entry says it is kept until the member of staff leaves: never
the allegation rule's dates, nor 6 years after closing."""

from __future__ import annotations

from datetime import UTC, datetime

from safelog.domain.retention import LOW_LEVEL_RULE
from safelog.vault.case_schema import CaseFields
from safelog.vault.retention import case_retention


def test_kept_until_the_member_of_staff_leaves() -> None:
    fields: CaseFields = {
        "category": "low-level-staff",
        "subjects": ["a-staff-id"],
        "people": [
            {
                "name": "Sam Staff",
                "kind": "staff",
                "role": "alleged-perpetrator",
                "date_of_birth": "1980-01-01",
            }
        ],
        "status": "closed",
    }
    created = datetime(2026, 11, 19, 10, tzinfo=UTC)
    closed = datetime(2026, 12, 1, 10, tzinfo=UTC)
    retention = case_retention(fields, created, closed)
    assert retention.review_on is None
    assert retention.rule == LOW_LEVEL_RULE
    assert retention.short == "Kept until the member of staff leaves"
    # The same case as an allegation is reviewed on the allegation rule's date.
    allegation = case_retention({**fields, "category": "staff-online-conduct"}, created, closed)
    assert allegation.review_on is not None
