"""Reading a school roll from the CSV file an MIS exports (SIMS, Arbor, Bromcom, Scholarpack).

Choices:
- Headings are known by name, ignoring case, spaces and punctuation ("Date of Birth",
  "DATE_OF_BIRTH" and "D.O.B." all count); columns SafeLog does not use are ignored. When
  two columns mean the same thing (Surname and Legal Surname), the legal one wins.
- The heading row is the first row, of the first ten that are not blank, that has a surname
  and a forename column, so a report title above the headings does not matter. A file
  with no such row is refused as a whole.
- Line numbers are the spreadsheet's row numbers: the file's first row is 1, blank rows
  count, and a quoted cell that runs over several lines is one row.
- Bytes are read as UTF-8 (with or without a byte order mark), as UTF-16 when they start
  with its mark (Excel's "Unicode text"), and otherwise as Windows-1252 (Excel's "CSV" on
  a Windows PC). Cells are separated by commas, or by tabs or semicolons when the heading
  row has more of those.
- Dates are day first: dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, '1 Sep 2011', or ISO
  yyyy-mm-dd (a time after a date, as some exports add, is ignored). A two-digit year is
  refused rather than guessed.
- A row that cannot be read is listed with its line and why; the other rows are read.
  Callers import nothing while any row is rejected (issue 13: nothing half-imported),
  which also stops a pupil whose row was unreadable from being marked as left.
- Rows without a UPN are told apart by name and date of birth, so two such rows with the
  same name and date of birth are both rejected.
- A preferred forename that is the legal forename again is stored empty; the year is
  stored short ("Year 8" -> "8", "Reception" -> "R", "Nursery 1" -> "N1").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from safelog.domain.names import compact_name, fold_name, tidy_name
from safelog.domain.retention import MONTHS
from safelog.domain.upn import normalise_upn, upn_problem
from safelog.errors import InvalidInput

__all__ = [
    "FIELD_LABELS",
    "MAX_ROLL_BYTES",
    "YEAR_CODES",
    "RejectedRow",
    "RollEntry",
    "RollFileRefused",
    "RollImport",
    "normalise_year",
    "parse_date",
    "read_roll",
]

MAX_ROLL_BYTES = 20 * 1024 * 1024  # a roll of 2,000 pupils is about 200 KB
HEADING_SEARCH_ROWS = 10

# Field -> the headings that mean it, normalised (letters and digits only, lower case),
# most specific first.
HEADINGS: dict[str, tuple[str, ...]] = {
    "upn": ("upn", "uniquepupilnumber"),
    "legal_forename": ("legalforename", "legalfirstname", "forename", "firstname", "forenames"),
    "preferred_forename": (
        "preferredforename",
        "preferredfirstname",
        "preferredname",
        "knownas",
    ),
    "surname": ("legalsurname", "legallastname", "surname", "lastname", "familyname"),
    "date_of_birth": ("dob", "dateofbirth", "birthdate"),
    "year": ("ncyear", "yeargroup", "year", "curriculumyear"),
    "form": ("reggroup", "registrationgroup", "form", "formgroup", "tutorgroup", "class"),
    "gender": ("gender", "sex"),
}

FIELD_LABELS = {
    "upn": "UPN",
    "legal_forename": "legal forename",
    "preferred_forename": "preferred forename",
    "surname": "surname",
    "date_of_birth": "date of birth",
    "year": "year",
    "form": "form",
    "gender": "gender",
}


class RollFileRefused(InvalidInput):
    """The file as a whole cannot be read as a roll; the message says why and what to do."""


@dataclass(frozen=True, kw_only=True)
class RollEntry:
    """One pupil as the roll gives them, tidied: names as given, UPN in capitals."""

    upn: str = ""
    legal_forename: str
    preferred_forename: str = ""
    surname: str
    date_of_birth: date | None = None
    year: str = ""
    form: str = ""
    gender: str = ""
    line: int = field(default=0, compare=False)  # the spreadsheet row; 0 when typed by hand


@dataclass(frozen=True)
class RejectedRow:
    line: int  # the spreadsheet row: the heading row is 1 when it is the file's first
    reason: str  # plain words, several joined by "; "


@dataclass(frozen=True)
class RollImport:
    entries: tuple[RollEntry, ...]
    rejected: tuple[RejectedRow, ...]
    columns: tuple[str, ...]  # the fields the file has, in FIELD_LABELS order
    ignored_headings: tuple[str, ...]  # headings of columns SafeLog does not use

    @property
    def ok(self) -> bool:
        """Every row was read: the roll may be imported."""
        return not self.rejected


# -- years --------------------------------------------------------------------------------

# The short years normalise_year gives for the years it knows; others are kept as written.
YEAR_CODES = frozenset({"N", "N1", "N2", "R", *(str(n) for n in range(1, 15))})

_YEAR_WORD = r"(?:ncyear|year|yr|y)?"
_NUMBERED_YEAR = re.compile(_YEAR_WORD + r"0*(\d{1,2})")
_RECEPTION = re.compile(_YEAR_WORD + r"(?:r|rec|reception)")
_NURSERY = re.compile(_YEAR_WORD + r"(?:n|nur|nursery)([12]?)")


def normalise_year(text: str) -> str:
    """A year group written short: 'Year 8', 'Y8', 'Yr 08' -> '8'; 'Reception', 'YR' -> 'R';
    'Nursery 1', 'N1' -> 'N1'. Anything else is kept as written (tidied)."""
    key = compact_name(text)
    numbered = _NUMBERED_YEAR.fullmatch(key)
    if numbered and 1 <= int(numbered.group(1)) <= 14:
        return str(int(numbered.group(1)))
    if _RECEPTION.fullmatch(key):
        return "R"
    nursery = _NURSERY.fullmatch(key)
    if nursery:
        return "N" + nursery.group(1)
    return tidy_name(text)


# -- dates --------------------------------------------------------------------------------

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})" + _TIME)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_MONTH_NAMED = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]{3,9})\.?[ ,-]*(\d{4})")
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")


def _month_number(name: str) -> int | None:
    """'Sep', 'Sept', 'september' -> 9: a month's name or its first three letters or more."""
    name = name.casefold()
    for number, month in enumerate(MONTHS, start=1):
        if len(name) >= 3 and month.casefold().startswith(name):
            return number
    return None


def parse_date(text: str, what: str = "date of birth") -> date:
    """A date as a UK school writes it. Raises ValueError with a plain-words reason that
    starts with `what` and quotes the text."""
    text = text.strip()
    parts: tuple[int, int, int] | None = None
    if match := _DAY_FIRST.fullmatch(text):
        parts = (int(match.group(4)), int(match.group(3)), int(match.group(1)))
    elif match := _ISO.fullmatch(text):
        parts = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    elif (match := _MONTH_NAMED.fullmatch(text)) and (month := _month_number(match.group(2))):
        parts = (int(match.group(3)), month, int(match.group(1)))
    if parts is None:
        if _TWO_DIGIT_YEAR.fullmatch(text):
            raise ValueError(f"{what} '{text}' has a two-digit year: write the year in full")
        raise ValueError(f"{what} '{text}' is not a date SafeLog can read (use dd/mm/yyyy)")
    try:
        return date(*parts)
    except ValueError:
        raise ValueError(f"{what} '{text}' is not a real date") from None


# -- the file -----------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RollFileRefused("The file could not be read as text.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 reads every byte.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _columns(headings: Sequence[str]) -> dict[str, int]:
    """Field -> column index, the most specific heading winning, then the leftmost."""
    found: dict[str, tuple[int, int]] = {}  # field -> (rank of the heading, column)
    for column, heading in enumerate(headings):
        key = compact_name(heading)
        for name, keys in HEADINGS.items():
            if key in keys:
                rank = keys.index(key)
                if name not in found or rank < found[name][0]:
                    found[name] = (rank, column)
    return {name: column for name, (_, column) in found.items()}


def _refusal(headings: Sequence[str]) -> RollFileRefused:
    shown = [h.strip() or "(blank)" for h in headings[:15]]
    more = f" and {len(headings) - 15} more" if len(headings) > 15 else ""
    return RollFileRefused(
        "SafeLog could not find the pupils' names in this file. Its headings are: "
        f"{', '.join(shown)}{more}. It needs a surname column (Legal Surname, Surname or "
        "Last name) and a forename column (Legal Forename, Forename or First name); it also "
        "reads UPN, Preferred Forename, DOB, Year, Reg Group and Gender. Export the roll "
        "from your MIS as CSV with a heading row."
    )


def _rows(data: bytes) -> list[list[str]]:
    if len(data) > MAX_ROLL_BYTES:
        raise RollFileRefused(
            f"The file is larger than the {MAX_ROLL_BYTES // (1024 * 1024)} MB a school roll "
            "could be. Check that you chose the roll exported from your MIS."
        )
    if data.startswith(b"PK\x03\x04"):
        raise RollFileRefused(
            "This is an Excel workbook or another zipped file, not CSV. Open it in Excel "
            "and save it as 'CSV (Comma delimited)', then import that file."
        )
    text = _decode(data)
    if not text.strip():
        raise RollFileRefused("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return list(reader)
    except csv.Error as error:
        raise RollFileRefused(
            f"The file could not be read as CSV at line {reader.line_num} ({error})."
        ) from None


def _find_headings(rows: Sequence[Sequence[str]]) -> tuple[int, dict[str, int]]:
    """The index of the heading row and its columns."""
    non_blank = [i for i, row in enumerate(rows) if any(cell.strip() for cell in row)]
    for index in non_blank[:HEADING_SEARCH_ROWS]:
        columns = _columns(rows[index])
        if "surname" in columns and "legal_forename" in columns:
            return index, columns
    raise _refusal(rows[non_blank[0]] if non_blank else [])


def _times(count: int) -> str:
    return "twice" if count == 2 else f"{count} times"


def _line_list(lines: Sequence[int]) -> str:
    words = [str(n) for n in lines]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def read_roll(data: bytes) -> RollImport:
    """Read a roll exported as CSV. Raises RollFileRefused when the file as a whole cannot
    be read; rows that cannot be read are in `rejected`."""
    rows = _rows(data)
    heading_index, columns = _find_headings(rows)
    headings = rows[heading_index]

    read: list[tuple[int, dict[str, str], date | None]] = []
    problems: dict[int, list[str]] = {}
    for index in range(heading_index + 1, len(rows)):
        row = rows[index]
        if not any(cell.strip() for cell in row):
            continue
        line = index + 1
        cells = {
            name: row[column].strip() if column < len(row) else ""
            for name, column in columns.items()
        }
        found = problems.setdefault(line, [])
        if not tidy_name(cells.get("surname", "")):
            found.append("no surname")
        if not tidy_name(cells.get("legal_forename", "")):
            found.append("no forename")
        upn = normalise_upn(cells.get("upn", ""))
        if upn and (problem := upn_problem(upn, as_written=cells["upn"])):
            found.append(problem)
        cells["upn"] = upn
        born: date | None = None
        if raw_date := cells.get("date_of_birth", ""):
            try:
                born = parse_date(raw_date)
            except ValueError as error:
                found.append(str(error))
        read.append((line, cells, born))

    _note_duplicates(read, problems)

    entries: list[RollEntry] = []
    for line, cells, born in read:
        if problems[line]:
            continue
        legal = tidy_name(cells["legal_forename"])
        preferred = tidy_name(cells.get("preferred_forename", ""))
        entries.append(
            RollEntry(
                upn=cells["upn"],
                legal_forename=legal,
                preferred_forename="" if fold_name(preferred) == fold_name(legal) else preferred,
                surname=tidy_name(cells["surname"]),
                date_of_birth=born,
                year=normalise_year(cells.get("year", "")),
                form=tidy_name(cells.get("form", "")),
                gender=tidy_name(cells.get("gender", "")),
                line=line,
            )
        )
    used = set(columns.values())
    return RollImport(
        entries=tuple(entries),
        rejected=tuple(
            RejectedRow(line, "; ".join(found)) for line, found in problems.items() if found
        ),
        columns=tuple(name for name in FIELD_LABELS if name in columns),
        ignored_headings=tuple(
            h.strip() for i, h in enumerate(headings) if i not in used and h.strip()
        ),
    )


def _note_duplicates(
    read: Sequence[tuple[int, dict[str, str], date | None]], problems: dict[int, list[str]]
) -> None:
    """A UPN on two rows rejects both; so do a name and date of birth on two rows when a row
    has no UPN to tell it apart."""
    by_upn: dict[str, list[int]] = {}
    by_person: dict[tuple[str, str, date | None], list[int]] = {}
    without_upn: set[int] = set()
    for line, cells, born in read:
        upn = cells["upn"]
        if upn and upn_problem(upn) is None:
            by_upn.setdefault(upn, []).append(line)
        if not upn:
            without_upn.add(line)
        person = (
            fold_name(cells.get("surname", "")),
            fold_name(cells.get("legal_forename", "")),
            born,
        )
        if person[0] and person[1]:
            by_person.setdefault(person, []).append(line)
    for upn, lines in by_upn.items():
        if len(lines) > 1:
            for line in lines:
                problems[line].append(
                    f"UPN '{upn}' appears {_times(len(lines))} (lines {_line_list(lines)})"
                )
    for lines in by_person.values():
        if len(lines) > 1:
            for line in lines:
                if line in without_upn:
                    others = [n for n in lines if n != line]
                    word = "line" if len(others) == 1 else "lines"
                    problems[line].append(
                        f"the same name and date of birth as {word} {_line_list(others)}, "
                        "and no UPN to tell them apart"
                    )
