"""The pupil register's rules: who a pupil is, how their name is shown, how a new roll is
matched against the register kept, and what a pupil added by hand must have.

Choices:
- Names shown: the preferred forename first, the legal one after it in brackets when it
  differs: "Jess (Jessica) Smith". The DSL and staff know the child as Jess; agencies and
  the MIS know Jessica, and both are there to be recognised. Lists sort by surname, then
  the forename shown ("Smith, Jess").
- Matching a roll row to a pupil kept: by UPN; otherwise by surname, legal forename and
  date of birth, compared as names.py folds them. A row that has a UPN is matched by name
  only to a pupil with no UPN or a temporary one (the permanent UPN replacing it); a
  different permanent UPN is a different child.
- Nothing is deleted. A pupil missing from the new roll is marked as left today; one who has
  already left stays as they are; a pupil who had left and is on the roll again rejoins.
- A blank cell, or a column the file does not have, keeps what is recorded: an export
  without a Gender column must not wipe every pupil's gender. Details are cleared by hand.
- A row that matches two pupils kept (same name and date of birth, neither told apart by a
  UPN) is rejected, and neither pupil is marked as left because of it.
- A pupil added by hand needs a surname and a forename; a date of birth, when given, is
  not in the future and not more than 25 years ago (the roll is of children; staff who
  are not SafeLog users are kept elsewhere).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from safelog.domain.names import fold_name, tidy_name
from safelog.domain.retention import add_years, plain_date
from safelog.domain.roll_import import (
    FIELD_LABELS,
    RejectedRow,
    RollEntry,
    normalise_year,
    parse_date,
)
from safelog.domain.upn import is_temporary_upn, normalise_upn, upn_problem
from safelog.errors import InvalidInput

__all__ = [
    "OLDEST_PUPIL_YEARS",
    "FamilyLink",
    "FieldChange",
    "ImportPlan",
    "Pupil",
    "PupilChange",
    "PupilInvalid",
    "already_on_roll",
    "family_link",
    "plan_import",
    "pupil_from_entry",
    "pupil_key",
    "validate_pupil",
]

OLDEST_PUPIL_YEARS = 25

FieldValue = str | date | None


RELATIONS = ("sibling", "parent or carer", "other family")


@dataclass(frozen=True)
class FamilyLink:
    """A sibling on the roll (`pupil`: their id) or a parent or carer (`name`, not on it)."""

    relation: str  # one of RELATIONS
    pupil: str = ""
    name: str = ""
    note: str = ""  # e.g. "lives with dad in the week", "no contact order"


def family_link(relation: str, *, pupil: str = "", name: str = "", note: str = "") -> FamilyLink:
    """A link checked: a known relation, and exactly one of a pupil or a name."""
    relation = relation.strip().lower()
    if relation not in RELATIONS:
        raise InvalidInput(
            f"'{relation}' is not a family link; use one of: {', '.join(RELATIONS)}."
        )
    pupil, name, note = pupil.strip(), tidy_name(name), note.strip()
    if bool(pupil) == bool(name):
        raise InvalidInput("A family link is either a pupil on the roll or a named person.")
    if len(name) > 200 or len(note) > 500:
        raise InvalidInput("A family link's name or note is too long.")
    return FamilyLink(relation, pupil, name, note)


@dataclass(frozen=True, kw_only=True)
class Pupil:
    id: str
    upn: str = ""
    legal_forename: str
    preferred_forename: str = ""
    surname: str
    date_of_birth: date | None = None
    year: str = ""  # short: "8", "R", "N1" (roll_import.normalise_year)
    form: str = ""
    gender: str = ""
    added_on: date | None = None
    left_on: date | None = None
    links: tuple[FamilyLink, ...] = ()

    @property
    def forename(self) -> str:
        """The forename the child is known by."""
        return self.preferred_forename or self.legal_forename

    @property
    def legal_name(self) -> str:
        return f"{self.legal_forename} {self.surname}"

    @property
    def display_name(self) -> str:
        """'Jess (Jessica) Smith', or 'Jessica Smith' when there is no other forename."""
        if self.preferred_forename and fold_name(self.preferred_forename) != fold_name(
            self.legal_forename
        ):
            return f"{self.preferred_forename} ({self.legal_forename}) {self.surname}"
        return self.legal_name

    @property
    def name_forms(self) -> tuple[str, ...]:
        """Every form of the name a record may use: as shown, legal, and as known."""
        forms = [self.display_name, self.legal_name, f"{self.forename} {self.surname}"]
        return tuple(dict.fromkeys(forms))

    @property
    def sort_name(self) -> str:
        return f"{self.surname}, {self.forename}"

    @property
    def on_roll(self) -> bool:
        return self.left_on is None


@dataclass(frozen=True)
class FieldChange:
    field: str  # a Pupil attribute
    old: FieldValue
    new: FieldValue

    @property
    def label(self) -> str:
        return "left on" if self.field == "left_on" else FIELD_LABELS[self.field]

    def describe(self) -> str:
        """'form: 8B → 9B', for a summary shown before the import is confirmed."""
        return f"{self.label}: {_shown(self.old)} → {_shown(self.new)}"


def _shown(value: FieldValue) -> str:
    if value is None or value == "":
        return "(none)"
    return plain_date(value) if isinstance(value, date) else value


@dataclass(frozen=True)
class PupilChange:
    before: Pupil
    after: Pupil  # what to store
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class ImportPlan:
    """What importing a roll would do. Nothing is removed: every pupil kept appears once in
    updated, unchanged, left, rejoined or already_left."""

    added: tuple[RollEntry, ...]  # new pupils, made with pupil_from_entry
    updated: tuple[PupilChange, ...]
    unchanged: tuple[Pupil, ...]
    left: tuple[PupilChange, ...]  # not on the new roll: left today
    rejoined: tuple[PupilChange, ...]  # had left, back on the roll
    already_left: tuple[Pupil, ...]  # had left, still not on the roll: untouched
    rejected: tuple[RejectedRow, ...]  # rows that could not be matched safely

    @property
    def ok(self) -> bool:
        return not self.rejected

    def counts(self) -> dict[str, int]:
        """How many of each, as the CLI prints them."""
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "left": len(self.left),
            "rejoined": len(self.rejoined),
            "rejected": len(self.rejected),
        }


def pupil_key(surname: str, legal_forename: str, born: date | None) -> tuple[str, str, str]:
    """Who a pupil without a UPN is: folded surname and forename, and date of birth."""
    return (fold_name(surname), fold_name(legal_forename), born.isoformat() if born else "")


def pupil_from_entry(entry: RollEntry, pupil_id: str, today: date) -> Pupil:
    return Pupil(
        id=pupil_id,
        added_on=today,
        **{name: getattr(entry, name) for name in FIELD_LABELS},
    )


def _merged(pupil: Pupil, entry: RollEntry) -> PupilChange:
    """The pupil as the roll row has them; blanks in the row keep what is recorded."""
    updates: dict[str, FieldValue] = {}
    changes: list[FieldChange] = []
    for name in FIELD_LABELS:
        new = getattr(entry, name)
        old = getattr(pupil, name)
        if new not in ("", None) and new != old:
            updates[name] = new
            changes.append(FieldChange(name, old, new))
    if pupil.left_on is not None:
        updates["left_on"] = None
        changes.append(FieldChange("left_on", pupil.left_on, None))
    return PupilChange(pupil, replace(pupil, **updates), tuple(changes))  # type: ignore[arg-type]


def plan_import(existing: Sequence[Pupil], entries: Sequence[RollEntry], today: date) -> ImportPlan:
    """Match a roll read by roll_import.read_roll against the pupils kept (module docstring)."""
    by_upn = {p.upn: p for p in existing if p.upn}
    by_person: dict[tuple[str, str, str], list[Pupil]] = {}
    for pupil in existing:
        key = pupil_key(pupil.surname, pupil.legal_forename, pupil.date_of_birth)
        by_person.setdefault(key, []).append(pupil)

    matched: dict[str, tuple[Pupil, RollEntry]] = {}  # pupil id -> the pupil and their row
    held: set[str] = set()  # pupils an ambiguous row might be: never marked left for it
    added: list[RollEntry] = []
    rejected: list[RejectedRow] = []

    by_name: list[RollEntry] = []
    for entry in entries:
        kept = by_upn.get(entry.upn) if entry.upn else None
        if kept is None:
            by_name.append(entry)
        elif kept.id in matched:
            first = matched[kept.id][1].line
            rejected.append(
                RejectedRow(
                    entry.line, f"UPN '{entry.upn}' appears twice (lines {first} and {entry.line})"
                )
            )
        else:
            matched[kept.id] = (kept, entry)

    for entry in by_name:
        key = pupil_key(entry.surname, entry.legal_forename, entry.date_of_birth)
        candidates = [
            p
            for p in by_person.get(key, ())
            if p.id not in matched and (not entry.upn or not p.upn or is_temporary_upn(p.upn))
        ]
        if not candidates:
            added.append(entry)
        elif len(candidates) == 1:
            matched[candidates[0].id] = (candidates[0], entry)
        else:
            held.update(p.id for p in candidates)
            rejected.append(
                RejectedRow(
                    entry.line,
                    f"matches {len(candidates)} pupils already on the roll by name and date "
                    "of birth; give the row a UPN to tell them apart",
                )
            )

    updated: list[PupilChange] = []
    unchanged: list[Pupil] = []
    left: list[PupilChange] = []
    rejoined: list[PupilChange] = []
    already_left: list[Pupil] = []
    for pupil in existing:
        if pupil.id in matched:
            change = _merged(*matched[pupil.id])
            if pupil.left_on is not None:
                rejoined.append(change)
            elif change.changes:
                updated.append(change)
            else:
                unchanged.append(pupil)
        elif pupil.left_on is not None:
            already_left.append(pupil)
        elif pupil.id in held:
            unchanged.append(pupil)
        else:
            left.append(
                PupilChange(
                    pupil, replace(pupil, left_on=today), (FieldChange("left_on", None, today),)
                )
            )
    return ImportPlan(
        added=tuple(added),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        left=tuple(left),
        rejoined=tuple(rejoined),
        already_left=tuple(already_left),
        rejected=tuple(sorted(rejected, key=lambda r: r.line)),
    )


class PupilInvalid(InvalidInput):
    """A pupil typed by hand that cannot be kept; `problems` says why, field by field."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = dict(problems)


def validate_pupil(fields: Mapping[str, object], today: date) -> RollEntry:
    """Check and tidy a pupil typed by hand (keys: the names in roll_import.FIELD_LABELS;
    values text, a year may be a number, the date of birth a date or text parse_date reads).
    Raises PupilInvalid."""
    problems: dict[str, str] = {}
    for name in fields:
        if name not in FIELD_LABELS:
            problems[name] = f"SafeLog does not keep '{name}' for a pupil"

    def text(name: str) -> str:
        value = fields.get(name)
        if value is None:
            return ""
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return tidy_name(str(value))
        problems[name] = f"the {FIELD_LABELS[name]} should be written as text"
        return ""

    surname, legal, preferred = text("surname"), text("legal_forename"), text("preferred_forename")
    if not surname:
        problems.setdefault("surname", "a surname is needed")
    if not legal:
        problems.setdefault("legal_forename", "a forename is needed")

    written_upn = text("upn")
    upn = normalise_upn(written_upn)
    if upn and (problem := upn_problem(upn, as_written=written_upn)):
        problems["upn"] = problem

    born = _typed_date(fields.get("date_of_birth"), today, problems)
    year, form, gender = normalise_year(text("year")), text("form"), text("gender")
    if problems:
        raise PupilInvalid(problems)
    return RollEntry(
        upn=upn,
        legal_forename=legal,
        preferred_forename="" if fold_name(preferred) == fold_name(legal) else preferred,
        surname=surname,
        date_of_birth=born,
        year=year,
        form=form,
        gender=gender,
    )


def _typed_date(value: object, today: date, problems: dict[str, str]) -> date | None:
    """The date of birth typed by hand, or None with the reason in `problems`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = parse_date(value)
        except ValueError as error:
            problems["date_of_birth"] = str(error)
            return None
    if not isinstance(value, date):
        problems["date_of_birth"] = "the date of birth should be a date"
        return None
    if value > today:
        problems["date_of_birth"] = "the date of birth is in the future"
    elif value < add_years(today, -OLDEST_PUPIL_YEARS):
        problems["date_of_birth"] = f"the date of birth is more than {OLDEST_PUPIL_YEARS} years ago"
    else:
        return value
    return None


def already_on_roll(existing: Sequence[Pupil], entry: RollEntry) -> Pupil | None:
    """The pupil kept that `entry` would be (same UPN, or same name and date of birth where
    either has no UPN), so a pupil typed by hand is not kept twice."""
    key = pupil_key(entry.surname, entry.legal_forename, entry.date_of_birth)
    for pupil in existing:
        if entry.upn and pupil.upn == entry.upn:
            return pupil
    for pupil in existing:
        if (not entry.upn or not pupil.upn) and key == pupil_key(
            pupil.surname, pupil.legal_forename, pupil.date_of_birth
        ):
            return pupil
    return None
