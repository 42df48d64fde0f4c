"""What a reader gets back: plain dataclasses, decrypted in memory, never written out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from safelog.domain.actions import OpenAction
from safelog.vault.case_schema import CaseFields


@dataclass(frozen=True)
class CaseSummary:
    id: str
    reference: str
    category: str
    summary: str
    status: str
    created_at: datetime
    updated_at: datetime
    about_headteacher: bool
    reporter_id: str
    escalated_to_leadership: bool = False
    next_due: datetime | None = None  # the earliest open deadline (action or escalation)
    # When the record is to be reviewed under the retention rule that applies (None while the
    # facts the rule needs are missing), and that rule in a few words, or what is missing.
    review_on: date | None = None
    review_rule: str = ""
    # The actions not yet done (for "My actions"), from an entry written by those who manage
    # the case; never from one a reporter's client wrote (vault/cases.py).
    open_actions: tuple[OpenAction, ...] = ()
    # Who is involved, by name, and the roll ids of the pupils among them (an index only: the
    # pupil's page opens each case, whose signed record is what counts).
    people: tuple[str, ...] = ()
    pupils: tuple[str, ...] = ()


def case_summary(**fields: Any) -> CaseSummary:
    """CaseSummary(**fields), made as a list of 10,000 needs it (DESIGN §7): a frozen
    dataclass's __init__ sets each field through object.__setattr__, which here costs more
    than decrypting the summary. The object is the same (frozen, equal, hashable); a field
    left out has its default, as in __init__. Callers pass every field by name."""
    summary = object.__new__(CaseSummary)
    summary.__dict__.update(fields)
    return summary


@dataclass(frozen=True)
class CaseRetention:
    """When a case is to be reviewed and why (`rule`), or, with no date, what is missing."""

    review_on: date | None
    rule: str  # in full, with the fact that decided the date
    short: str  # a few words, for lists


@dataclass(frozen=True)
class Version:
    number: int
    author_id: str
    author: str
    at: datetime
    changed: tuple[str, ...]
    rekeyed: bool


@dataclass(frozen=True)
class Reply:
    """A reply to the person who reported a concern, as they read it."""

    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class EvidenceInfo:
    id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    added_by: str
    added_at: datetime
    metadata: dict[str, Any]


@dataclass
class CaseDetail:
    id: str
    reference: str
    fields: CaseFields
    versions: list[Version]
    evidence: list[EvidenceInfo] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    # version number -> the values that version set, to show what changed
    changes: dict[int, CaseFields] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)
