"""The review of low-level concerns about staff for patterns (KCSIE Part 4, section two):
the low-level concerns this person reads, grouped by the member of staff each is about
(domain/low_level.py).

Who a concern is about is read from the verified case itself, never from its list entry: a
report nobody has opened yet has a list entry its reporter's own client wrote, which could
name anyone. Low-level concerns are few, so each is opened and checked (signatures, authors,
readers, and that it names a member of staff); one that fails its check is named in
`problems` and left out, never the reason the review fails. Nothing of a case is written or
changed, as for the case list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from safelog.domain.low_level import LowLevelConcern, StaffPattern, is_low_level, patterns
from safelog.errors import AccessDenied, TamperDetected
from safelog.vault.authority import MANAGERS
from safelog.vault.case_engine import open_case
from safelog.vault.case_reading import read_case
from safelog.vault.case_schema import CaseField
from safelog.vault.cases import list_cases
from safelog.vault.session import Session

__all__ = ["LowLevelReview", "low_level_review"]

UNKNOWN_PERSON = "Someone no longer in SafeLog"


@dataclass(frozen=True)
class LowLevelReview:
    groups: list[StaffPattern]
    problems: list[str] = field(default_factory=list)

    @property
    def concerns(self) -> int:
        """How many low-level concerns there are (one about two people counts once)."""
        return len({c.reference for g in self.groups for c in g.concerns})


def low_level_review(session: Session) -> LowLevelReview:
    """The low-level concerns this person can read, grouped by member of staff. Only for
    those who manage cases: the DSL, the headteacher and the chair of governors."""
    session.ensure_open()
    if not MANAGERS & session.person.roles:
        raise AccessDenied(
            "Only the DSL, the headteacher and the chair of governors review low-level concerns."
        )
    listed = [c for c in list_cases(session) if is_low_level(c.category)]
    people = session.directory.people
    concerns: list[LowLevelConcern] = []
    problems: list[str] = []
    with session.engine.connect() as conn:
        for summary in listed:
            try:
                verified = read_case(session, conn, open_case(session, conn, summary.reference))
            except AccessDenied:
                continue  # only their own report, through its receipt: not theirs to review
            except TamperDetected as exc:
                problems.append(str(exc))
                continue
            fields = verified.fields
            if not is_low_level(str(fields.get(CaseField.CATEGORY) or "")):
                continue  # its list entry was stale or wrong: the signed category decides
            staff = tuple(
                person.name if (person := people.get(str(s))) is not None else UNKNOWN_PERSON
                for s in fields.get(CaseField.SUBJECTS) or []
            )
            concerns.append(
                LowLevelConcern(
                    summary.reference,
                    verified.history[0].at,  # when it was sent, as its signed first version says
                    str(fields.get(CaseField.SUMMARY) or ""),
                    str(fields.get(CaseField.STATUS) or ""),
                    staff,
                )
            )
    return LowLevelReview(patterns(concerns), problems)
