"""The school roll: pupils every enrolled member can pick, kept by the DSL or administrator.

Importing an MIS export (domain/roll_import.py) is planned against the roll kept
(domain/roll.py) and written as one batch (vault/roll_store.py): all of it or none of it,
and none of it while any row cannot be read, so a pupil whose row was unreadable is never
marked as left. Re-importing updates by UPN, or by name and date of birth; nothing is ever
deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import Connection

from safelog.audit.actions import AuditAction
from safelog.domain.adults import REGISTER, Adult, match_adults, validate_adult
from safelog.domain.deadlines import LONDON
from safelog.domain.image_consent import REGISTER as CONSENT_REGISTER
from safelog.domain.image_consent import ConsentEvent
from safelog.domain.pupil_search import PupilIndex, match_pupils
from safelog.domain.roll import (
    FamilyLink,
    Pupil,
    already_on_roll,
    family_link,
    plan_import,
    pupil_from_entry,
    validate_pupil,
)
from safelog.domain.roll_import import RejectedRow, read_roll
from safelog.domain.upn import normalise_upn
from safelog.errors import InvalidInput
from safelog.vault.case_schema import PersonEntry
from safelog.vault.roll_store import (
    ITEM_PREFIX,
    append_batch,
    batch_rows,
    load_batches,
    require_roll_keeper,
    rows_fingerprint,
)
from safelog.vault.session import Session

IMPORT = "import"
ADD = "add"
LINK = "link"
ADULT = "adult"

_DATE_FIELDS = frozenset({"date_of_birth", "added_on", "left_on"})
_FIELDS = tuple(f.name for f in fields(Pupil))


def consent_from_record(record: Mapping[str, Any], seq: int) -> ConsentEvent:
    return ConsentEvent(
        id=str(record["id"]),
        pupil=str(record["pupil"]),
        medium=str(record["medium"]),
        status=str(record["status"]),
        on=date.fromisoformat(str(record["on"])),
        by=str(record.get("by", "")),
        year=str(record.get("year", "")),
        note=str(record.get("note", "")),
        seq=seq,
    )


def pupil_record(pupil: Pupil) -> dict[str, Any]:
    """A pupil as stored in a batch (JSON types)."""
    out: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(pupil, name)
        if name == "links":
            out[name] = [asdict(link) for link in value]
        else:
            out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def pupil_from_record(record: Mapping[str, Any]) -> Pupil:
    # Called for every pupil on the roll at each sign-in: one pass, no per-field branching.
    values = {name: record[name] for name in _FIELDS if name in record}
    if "links" in values:
        values["links"] = tuple(FamilyLink(**link) for link in values["links"])
    for name in _DATE_FIELDS:
        if name in values:
            values[name] = date.fromisoformat(values[name]) if values[name] else None
    return Pupil(**values)


@dataclass(frozen=True)
class Roll:
    pupils: Mapping[str, Pupil]  # by id; read-only, as a session may hand it out again
    # Adults who are not SafeLog users (domain/adults.py), by id.
    adults: Mapping[str, Adult] = field(default_factory=lambda: MappingProxyType({}))
    # Image and video consent events (domain/image_consent.py), by pupil id, oldest first.
    consents: Mapping[str, tuple[ConsentEvent, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def find_adult(self, adult_id: str) -> Adult:
        found = self.adults.get(adult_id.strip())
        if found is None:
            raise InvalidInput(f"No adult with the id '{adult_id.strip()}' is on the register.")
        return found

    def search_adults(self, text: str, limit: int = 20) -> list[Adult]:
        return match_adults(self.adults.values(), text, limit)

    def sorted(self) -> list[Pupil]:
        return sorted(self.pupils.values(), key=lambda p: (p.sort_name.casefold(), p.id))

    def find(self, id_or_upn: str) -> Pupil:
        """A pupil by SafeLog id or UPN; a clear error when neither is on the roll."""
        text = id_or_upn.strip()
        if text in self.pupils:
            return self.pupils[text]
        upn = normalise_upn(text)
        for pupil in self.pupils.values():
            if upn and pupil.upn == upn:
                return pupil
        raise InvalidInput(f"No pupil with the id or UPN '{text}' is on the school roll.")

    def search(self, text: str, limit: int = 20) -> list[Pupil]:
        return match_pupils(PupilIndex(self.sorted()), text, limit=limit)


def load_roll(session: Session) -> Roll:
    """The roll as its checked batches give it, later records replacing earlier ones."""
    session.ensure_open()
    with session.engine.connect() as conn:
        return load_roll_in(session, conn)


def load_roll_in(session: Session, conn: Connection) -> Roll:
    # Checked and opened once a session while its batches stay the very rows they were.
    rows = batch_rows(conn)
    fingerprint = rows_fingerprint(rows)
    kept = session.memo.get(_ROLL)
    if kept is not None and kept[0] == fingerprint:
        return cast(Roll, kept[1])
    pupils: dict[str, Pupil] = {}
    adults: dict[str, Adult] = {}
    consents: dict[str, list[ConsentEvent]] = {}
    for batch in load_batches(session, conn, rows):
        for record in batch.records:
            if record.get("register") == REGISTER:
                adult = adult_from_record(record)
                adults[adult.id] = adult
            elif record.get("register") == CONSENT_REGISTER:
                event = consent_from_record(record, batch.seq)
                consents.setdefault(event.pupil, []).append(event)
            else:
                pupil = pupil_from_record(record)
                pupils[pupil.id] = pupil
    roll = Roll(
        MappingProxyType(pupils),
        MappingProxyType(adults),
        MappingProxyType({k: tuple(v) for k, v in consents.items()}),
    )
    session.memo[_ROLL] = (fingerprint, roll)
    return roll


_ROLL = "school-roll"


def _today(session: Session) -> date:
    return session.clock().astimezone(LONDON).date()


@dataclass(frozen=True)
class RollImported:
    """What an import did (`counts`: added, updated, unchanged, left, rejoined), or the rows
    that stopped it (`rejected`: then nothing was imported)."""

    counts: dict[str, int]
    rejected: tuple[RejectedRow, ...]
    ignored_headings: tuple[str, ...] = ()

    @property
    def imported(self) -> bool:
        return not self.rejected


def import_roll(session: Session, data: bytes) -> RollImported:
    """Read an MIS export and bring the roll up to date with it, in one signed batch."""
    require_roll_keeper(session)
    read = read_roll(data)
    today = _today(session)
    with session.write() as conn:
        pupils = list(load_roll_in(session, conn).pupils.values())
        plan = plan_import(pupils, read.entries, today)
        rejected = tuple(sorted((*read.rejected, *plan.rejected), key=lambda r: r.line))
        ignored = tuple(read.ignored_headings)
        if rejected:
            return RollImported(plan.counts(), rejected, ignored)
        changed = [pupil_from_entry(e, str(uuid.uuid4()), today) for e in plan.added]
        changed += [c.after for c in (*plan.updated, *plan.left, *plan.rejoined)]
        if changed:
            seq = append_batch(session, conn, IMPORT, [pupil_record(p) for p in changed])
            session.audit(conn, AuditAction.ROLL_IMPORT, plan.counts(), item=f"{ITEM_PREFIX}{seq}")
    return RollImported(plan.counts(), (), ignored)


def add_pupil(session: Session, values: Mapping[str, object]) -> Pupil:
    """One pupil added by hand (surname and forename at least); refused when already on it."""
    require_roll_keeper(session)
    today = _today(session)
    entry = validate_pupil(values, today)
    with session.write() as conn:
        roll = load_roll_in(session, conn)
        same = already_on_roll(list(roll.pupils.values()), entry)
        if same is not None:
            raise InvalidInput(
                f"{same.display_name} is already on the roll (id {same.id}); nothing was added."
            )
        pupil = pupil_from_entry(entry, str(uuid.uuid4()), today)
        seq = append_batch(session, conn, ADD, [pupil_record(pupil)])
        session.audit(conn, AuditAction.ROLL_ADD, {"pupil": pupil.id}, item=f"{ITEM_PREFIX}{seq}")
    return pupil


def adult_record(adult: Adult) -> dict[str, Any]:
    """An adult as stored in a batch (JSON types), told from a pupil by its register."""
    out: dict[str, Any] = {"register": REGISTER}
    for name in _ADULT_FIELDS:
        value = getattr(adult, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def adult_from_record(record: Mapping[str, Any]) -> Adult:
    values = {name: record[name] for name in _ADULT_FIELDS if name in record}
    for name in ("added_on", "left_on"):
        if name in values:
            values[name] = date.fromisoformat(values[name]) if values[name] else None
    return Adult(**values)


_ADULT_FIELDS = tuple(f.name for f in fields(Adult))


def add_adult(session: Session, values: Mapping[str, object]) -> Adult:
    """An adult who is not a SafeLog user (supply staff, a volunteer, a governor, a
    contractor) added to the register by hand; refused when already on it."""
    require_roll_keeper(session)
    checked = validate_adult(values)
    with session.write() as conn:
        roll = load_roll_in(session, conn)
        adult = Adult(
            id=str(uuid.uuid4()),
            forename=checked["forename"],
            surname=checked["surname"],
            kind=checked["kind"],
            job=checked["job"],
            note=checked["note"],
            added_on=_today(session),
        )
        same = next((a for a in roll.adults.values() if a.key() == adult.key()), None)
        if same is not None:
            raise InvalidInput(
                f"{same.display_name} ({same.described}) is already on the register (id "
                f"{same.id}); nothing was added. Give a note to tell two people apart."
            )
        seq = append_batch(session, conn, ADULT, [adult_record(adult)])
        session.audit(conn, AuditAction.ROLL_ADULT, {"adult": adult.id}, item=f"{ITEM_PREFIX}{seq}")
    return adult


def mark_adult_left(session: Session, adult_id: str) -> Adult:
    """Someone who no longer works at the school: kept, marked as left today."""
    require_roll_keeper(session)
    with session.write() as conn:
        adult = load_roll_in(session, conn).find_adult(adult_id)
        if adult.left_on is not None:
            return adult
        adult = replace(adult, left_on=_today(session))
        seq = append_batch(session, conn, ADULT, [adult_record(adult)])
        session.audit(conn, AuditAction.ROLL_ADULT, {"adult": adult.id}, item=f"{ITEM_PREFIX}{seq}")
    return adult


def resolve_pupils(session: Session, people: list[PersonEntry]) -> list[PersonEntry]:
    """People picked from the roll (`"pupil": id or UPN`) with the roll's name and date of
    birth, and the pupil's id kept; adults picked from the register (`"adult": id`) with
    its name and their kind (staff, volunteer, governor, contractor). Someone not on it is
    a clear error."""
    if not any("pupil" in person or "adult" in person for person in people):
        return people
    roll = load_roll(session)
    out: list[PersonEntry] = []
    for index, person in enumerate(people, start=1):
        if "adult" in person:
            try:
                adult = roll.find_adult(person["adult"])
            except InvalidInput as exc:
                raise InvalidInput(f"person {index}: {exc}") from None
            out.append(
                {**person, "name": adult.display_name, "kind": adult.kind, "adult": adult.id}
            )
            continue
        if "pupil" not in person:
            out.append(person)
            continue
        try:
            pupil = roll.find(person["pupil"])
        except InvalidInput as exc:
            raise InvalidInput(f"person {index}: {exc}") from None
        linked: PersonEntry = {**person, "name": pupil.display_name, "pupil": pupil.id}
        if pupil.date_of_birth is not None:
            linked["date_of_birth"] = pupil.date_of_birth.isoformat()
        out.append(linked)
    return out


def link_family(
    session: Session,
    id_or_upn: str,
    relation: str,
    *,
    pupil: str = "",
    name: str = "",
    note: str = "",
) -> Pupil:
    """Record a sibling (a pupil on the roll, linked both ways) or a parent or carer."""
    require_roll_keeper(session)
    with session.write() as conn:
        roll = load_roll_in(session, conn)
        child = roll.find(id_or_upn)
        other = roll.find(pupil) if pupil else None
        if other is not None and other.id == child.id:
            raise InvalidInput("A pupil cannot be linked to themself.")
        link = family_link(relation, pupil=other.id if other else "", name=name, note=note)
        if link in child.links:
            return child
        changed = [replace(child, links=(*child.links, link))]
        if other is not None:
            back = FamilyLink(link.relation, child.id, "", link.note)
            if back not in other.links:
                changed.append(replace(other, links=(*other.links, back)))
        seq = append_batch(session, conn, LINK, [pupil_record(p) for p in changed])
        session.audit(conn, AuditAction.ROLL_LINK, {"pupil": child.id}, item=f"{ITEM_PREFIX}{seq}")
    return changed[0]
