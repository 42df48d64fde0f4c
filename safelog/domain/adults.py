"""Adults on the school's register who are not SafeLog users: supply staff, volunteers,
governors, contractors, coaches (000 2.1 and 004 2.1 count them as staff for these
policies; KCSIE Part 4 covers allegations against any of them). A concern about one of
them is picked from the register like a pupil is, so the same person is the same entry in
every case, and their kind says whether the case is about staff.

Kept beside the pupils in the school roll's signed batches (vault/roll.py), told apart by
their record's `register`. Rules:
- An adult needs a forename and a surname, and one of ADULT_KINDS; what they do ("Supply
  teacher", "Football coach") is optional.
- The same name (folded as names.py does) and kind twice is refused: add a note to tell
  two people of one name apart.
- Nothing is deleted: someone who no longer works at the school is marked as left.
- Picking: every word typed must start one of their names, or their kind or what they do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from safelog.domain.names import compact_name, fold_name, tidy_name
from safelog.domain.outcomes import PersonKind
from safelog.errors import InvalidInput

__all__ = [
    "ADULT_KINDS",
    "REGISTER",
    "Adult",
    "adult_kind_label",
    "match_adults",
    "validate_adult",
]

REGISTER = "adults"  # the `register` of an adult's record in a roll batch

# Stored values are the case-person kinds (domain/outcomes.py PersonKind) these adults are.
ADULT_KINDS: Mapping[str, str] = MappingProxyType(
    {
        PersonKind.STAFF.value: "Member of staff (no SafeLog account)",
        **{
            kind.value: kind.label
            for kind in (PersonKind.VOLUNTEER, PersonKind.GOVERNOR, PersonKind.CONTRACTOR)
        },
    }
)
MAX_TEXT = 200


def adult_kind_label(kind: str) -> str:
    return ADULT_KINDS.get(kind, kind)


@dataclass(frozen=True, kw_only=True)
class Adult:
    id: str
    forename: str
    surname: str
    kind: str  # one of ADULT_KINDS
    job: str = ""  # what they do here: "Supply teacher", "Football coach"
    note: str = ""
    added_on: date | None = None
    left_on: date | None = None

    @property
    def display_name(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def sort_name(self) -> str:
        return f"{self.surname}, {self.forename}"

    @property
    def described(self) -> str:
        """'Volunteer, Football coach': who they are, for a picker or a list."""
        return ", ".join(part for part in (adult_kind_label(self.kind), self.job) if part)

    def key(self) -> tuple[str, str, str]:
        return (fold_name(self.surname), fold_name(self.forename), self.kind)


def validate_adult(values: Mapping[str, object]) -> dict[str, str]:
    """An adult typed by hand, checked and tidied (keys: forename, surname, kind, job,
    note). Raises InvalidInput naming every problem."""
    problems: list[str] = []
    known = {"forename", "surname", "kind", "job", "note"}
    problems += [
        f"SafeLog does not keep '{name}' for an adult" for name in values if name not in known
    ]
    out: dict[str, str] = {}
    for name in sorted(known):
        value = values.get(name, "")
        if not isinstance(value, str):
            problems.append(f"the {name} should be written as text")
            value = ""
        value = tidy_name(value) if name != "note" else value.strip()
        if len(value) > MAX_TEXT * (5 if name == "note" else 1):
            problems.append(f"the {name} is too long")
        out[name] = value
    if not out["forename"]:
        problems.append("a forename is needed")
    if not out["surname"]:
        problems.append("a surname is needed")
    out["kind"] = out["kind"].lower()
    if out["kind"] not in ADULT_KINDS:
        problems.append(f"the kind must be one of: {', '.join(ADULT_KINDS)}")
    if problems:
        raise InvalidInput("The adult cannot be added: " + "; ".join(problems) + ".")
    return out


def match_adults(adults: Iterable[Adult], text: str, limit: int = 20) -> list[Adult]:
    """The adults every word of `text` starts a name, the kind or the job of: those still
    here first, then by surname. (A register of a few hundred: a plain scan is quick.)"""
    words = [compact_name(word) for word in text.split()]
    words = [word for word in words if word]
    if not words:
        return []
    found = []
    for adult in adults:
        haystack = " " + " ".join(
            compact_name(part)
            for part in (
                *adult.forename.split(),
                *adult.surname.replace("-", " ").split(),
                adult.surname,
                *adult_kind_label(adult.kind).split(),
                *adult.job.split(),
            )
        )
        if all(" " + word in haystack for word in words):
            found.append(adult)
    found.sort(key=lambda a: (a.left_on is not None, a.sort_name.casefold(), a.id))
    return found[:limit]


def sorted_adults(adults: Sequence[Adult]) -> list[Adult]:
    return sorted(adults, key=lambda a: (a.sort_name.casefold(), a.id))
