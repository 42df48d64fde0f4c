"""A pupil from the school roll in the words the windows show: the year written out, the
one line a picker offers ("Jess (Jessica) Smith — Year 8, 8B, born 14/03/2012"), and a
family link ("Sibling: Liam O'Brien (Year 9, 9X)").

Names and forms come from the school's MIS export, so they pass through `visible` like any
other stored text: a control or direction-override character is written out, never obeyed.
"""

from __future__ import annotations

from collections.abc import Mapping

from safelog.domain.adults import Adult
from safelog.domain.roll import FamilyLink, Pupil
from safelog.gui.formatting import uk_date
from safelog.text import visible

# The short years domain/roll_import.py stores ("8", "R", "N1") as a teacher says them.
_YEAR_NAMES = {"R": "Reception", "N": "Nursery", "N1": "Nursery 1", "N2": "Nursery 2"}


def year_label(year: str) -> str:
    """'8' -> 'Year 8', 'R' -> 'Reception', 'N1' -> 'Nursery 1'; anything else as stored."""
    if not year:
        return ""
    if year.isdigit():
        return f"Year {year}"
    return _YEAR_NAMES.get(year, visible(year))


def pupil_name(pupil: Pupil) -> str:
    return visible(pupil.display_name)


def pupil_facts(pupil: Pupil) -> str:
    """'Year 8, 8B, born 14/03/2012', or 'left 20/11/2026' added for a leaver."""
    parts = [year_label(pupil.year), visible(pupil.form)]
    if pupil.date_of_birth is not None:
        parts.append(f"born {uk_date(pupil.date_of_birth)}")
    if pupil.left_on is not None:
        parts.append(f"left {uk_date(pupil.left_on)}")
    return ", ".join(p for p in parts if p)


def pupil_line(pupil: Pupil) -> str:
    """One pupil on one line, for a picker's list."""
    facts = pupil_facts(pupil)
    return f"{pupil_name(pupil)} — {facts}" if facts else pupil_name(pupil)


def family_line(link: FamilyLink, pupils: Mapping[str, Pupil]) -> str:
    """A family link in words; a sibling by the roll's name for them."""
    relation = link.relation[:1].upper() + link.relation[1:]
    other = pupils.get(link.pupil) if link.pupil else None
    if other is not None:
        facts = pupil_facts(other)
        who = pupil_name(other) + (f" ({facts})" if facts else "")
    elif link.pupil:
        who = "a pupil no longer on the roll"
    else:
        who = visible(link.name)
    note = f" — {visible(link.note)}" if link.note else ""
    return f"{relation}: {who}{note}"


def adult_line(adult: Adult) -> str:
    """'Pat Jones — Volunteer, Football coach', with 'left 20/11/2026' for a leaver."""
    line = f"{visible(adult.display_name)} — {visible(adult.described)}"
    if adult.left_on is not None:
        line += f", left {uk_date(adult.left_on)}"
    return line
