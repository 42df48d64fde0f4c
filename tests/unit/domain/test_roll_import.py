"""Reading the roll an MIS exports: headings, dates, years, UPNs and the rows that cannot be
read, each with the spreadsheet line and why."""

from __future__ import annotations

from datetime import date

import pytest
from support.roll_files import ARBOR_CSV, SIMS_CSV

from safelog.domain.roll_import import (
    MAX_ROLL_BYTES,
    RejectedRow,
    RollEntry,
    RollFileRefused,
    normalise_year,
    parse_date,
    read_roll,
)
from safelog.domain.upn import is_temporary_upn, normalise_upn, upn_check_letter, upn_problem
from safelog.errors import InvalidInput


def test_a_sims_export_is_read_with_its_bad_row_listed() -> None:
    roll = read_roll(SIMS_CSV.encode())

    assert [e.surname for e in roll.entries] == [
        "Smith",
        "O'Brien",
        "Nowak",
        "Smith-Jones",
        "Patel",
    ]
    assert roll.entries[0] == RollEntry(
        upn="B201201001010",
        legal_forename="Jessica",
        preferred_forename="Jess",
        surname="Smith",
        date_of_birth=date(2012, 3, 14),
        year="8",
        form="8B",
        gender="Female",
    )
    assert roll.entries[0].line == 2
    # A preferred forename that repeats the legal one is no preferred forename.
    assert roll.entries[1].preferred_forename == ""
    assert roll.entries[2].legal_forename == "Zoë"
    assert roll.entries[2].date_of_birth == date(2013, 2, 7)  # 7/2/2013 is 7 February
    assert roll.entries[3].date_of_birth == date(2012, 11, 22)  # 22-11-2012
    assert roll.entries[4].upn == ""
    assert roll.rejected == (RejectedRow(5, "date of birth '31/02/2011' is not a real date"),)
    assert not roll.ok
    assert roll.columns == (
        "upn",
        "legal_forename",
        "preferred_forename",
        "surname",
        "date_of_birth",
        "year",
        "form",
        "gender",
    )


def test_an_arbor_export_is_read_with_its_bad_row_listed() -> None:
    roll = read_roll(ARBOR_CSV.encode())

    assert [(e.legal_forename, e.surname) for e in roll.entries] == [
        ("Mia", "Jones"),
        ("Ava", "Williams"),
        ("Leo", "Taylor"),
    ]
    mia, ava, leo = roll.entries
    assert mia.date_of_birth == date(2014, 4, 2)
    assert (mia.year, mia.form, mia.upn) == ("6", "6J", "R201201001060")
    assert (ava.year, ava.form) == ("R", "RB")
    assert (leo.year, leo.form, leo.upn) == ("N2", "Nursery", "")
    assert roll.rejected == (RejectedRow(3, "no surname"),)
    assert "preferred_forename" not in roll.columns


def test_a_clean_file_is_ok_and_unused_columns_are_named() -> None:
    data = (
        b"Surname,Forename,Ethnicity,DOB,SEN Status\r\n"
        b"Smith,Jessica,WBRI,14/03/2012,K\r\n"
        b"Jones,Mia,,02/04/2014,\r\n"
    )
    roll = read_roll(data)
    assert roll.ok
    assert len(roll.entries) == 2
    assert roll.ignored_headings == ("Ethnicity", "SEN Status")


@pytest.mark.parametrize(
    ("headings", "cell", "field", "value"),
    [
        ("  legal SURNAME ,Forename", "", "surname", "Smith"),
        ("last_name,FIRST NAME", "", "legal_forename", "Jessica"),
        ("Surname,Legal Forename,Known As", "Jess", "preferred_forename", "Jess"),
        ("Surname,Forename,Preferred first name", "Jess", "preferred_forename", "Jess"),
        ("Surname,Forename,Date Of Birth", "14/03/2012", "date_of_birth", date(2012, 3, 14)),
        ("Surname,Forename,D.O.B.", "14/03/2012", "date_of_birth", date(2012, 3, 14)),
        ("Surname,Forename,NC Year", "Year 8", "year", "8"),
        ("Surname,Forename,Year Group", "Y8", "year", "8"),
        ("Surname,Forename,Tutor Group", "8B", "form", "8B"),
        ("Surname,Forename,Registration Group", "8B", "form", "8B"),
        ("Surname,Forename,Form", "8B", "form", "8B"),
        ("Surname,Forename,Sex", "F", "gender", "F"),
        ("Surname,Forename,Unique Pupil Number", "B201201001010", "upn", "B201201001010"),
    ],
)
def test_heading_spellings_are_recognised(
    headings: str, cell: str, field: str, value: object
) -> None:
    roll = read_roll(f"{headings}\nSmith,Jessica,{cell}\n".encode())
    assert roll.ok
    assert getattr(roll.entries[0], field) == value


def test_legal_names_win_over_other_columns_meaning_the_same() -> None:
    data = b"Surname,Legal Surname,Forename,Legal Forename\nSmyth,Smith,Jess,Jessica\n"
    entry = read_roll(data).entries[0]
    assert (entry.surname, entry.legal_forename) == ("Smith", "Jessica")


def test_encodings_byte_order_marks_and_excel_windows_csv() -> None:
    text = "Legal Surname,Legal Forename\nNowak,Zoë\nMüller,Jürgen\n"
    for data in (
        text.encode("utf-8"),
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        text.encode("cp1252"),  # Excel's "CSV (Comma delimited)" on Windows
        text.replace(",", "\t").encode("utf-16"),  # Excel's "Unicode Text", with its BOM
    ):
        roll = read_roll(data)
        assert [(e.surname, e.legal_forename) for e in roll.entries] == [
            ("Nowak", "Zoë"),
            ("Müller", "Jürgen"),
        ]
    # Bytes that are not UTF-8 and not defined in Windows-1252 are still read.
    assert read_roll(b"Surname,Forename\nA\x81b,Cd\n").entries[0].surname == "A\x81b"


def test_line_numbers_are_the_spreadsheet_rows() -> None:
    data = (
        b"Surname,Forename,Notes\n"  # 1
        b"Smith,Jess,\n"  # 2
        b"\n"  # 3: blank, still a row in a spreadsheet
        b'"Jones, the younger",Mia,"two\nlines"\n'  # 4: one row over two lines of text
        b",,\n"  # 5: empty cells only
        b",Noah,\n"  # 6
    )
    roll = read_roll(data)
    assert [e.line for e in roll.entries] == [2, 4]
    assert roll.entries[1].surname == "Jones, the younger"
    assert roll.rejected == (RejectedRow(6, "no surname"),)


def test_a_title_above_the_headings_is_skipped_and_lines_still_count_from_the_top() -> None:
    data = b"Student List - printed 01/09/2026\n\nSurname,Forename\nSmith,Jess\n,Noah\n"
    roll = read_roll(data)
    assert roll.entries[0].line == 4
    assert roll.rejected == (RejectedRow(5, "no surname"),)


def test_short_rows_and_semicolons() -> None:
    assert read_roll(b"Surname,Forename,DOB\nSmith,Jess\n").entries[0].date_of_birth is None
    roll = read_roll(b"Surname;Forename;DOB\nSmith;Jess;14/03/2012\n")
    assert roll.entries[0].date_of_birth == date(2012, 3, 14)


def test_several_reasons_for_one_row_are_given_together() -> None:
    roll = read_roll(b"UPN,Surname,Forename,DOB\nabc,,,2012-13-01\n")
    assert roll.rejected == (
        RejectedRow(
            2,
            "no surname; no forename; UPN 'abc' is not a valid UPN (a UPN is a letter and "
            "12 digits, or 11 digits and a letter); date of birth '2012-13-01' is not a real "
            "date",
        ),
    )


def test_a_upn_on_two_rows_rejects_both() -> None:
    data = (
        b"UPN,Surname,Forename\n"
        b"B201201001010,Smith,Jess\n"
        b"P201201001020,O'Brien,Liam\n"
        b"C201201001030,Nowak,Zoe\n"
        b"Q201201001040,Khan,Aisha\n"
        b"D201201001050,Jones,Mia\n"
        b"R201201001060,Brown,Ella\n"
        b"E201201001070,Green,Finn\n"
        b"b201201001010,Smith,Jessica\n"
    )
    roll = read_roll(data)
    reason = "UPN 'B201201001010' appears twice (lines 2 and 9)"
    assert roll.rejected == (RejectedRow(2, reason), RejectedRow(9, reason))
    assert len(roll.entries) == 6


def test_rows_without_a_upn_are_told_apart_by_name_and_birthday() -> None:
    data = (
        b"UPN,Surname,Forename,DOB\n"
        b",Patel,Aarav,06/05/2012\n"
        b",PATEL,aarav,2012-05-06\n"
        b",Patel,Aarav,07/05/2012\n"  # another birthday: another child
        b"B201201001010,Patel,Aarav,06/05/2012\n"
    )
    roll = read_roll(data)
    assert roll.rejected == (
        RejectedRow(
            2, "the same name and date of birth as lines 3 and 5, and no UPN to tell them apart"
        ),
        RejectedRow(
            3, "the same name and date of birth as lines 2 and 5, and no UPN to tell them apart"
        ),
    )
    assert [e.line for e in roll.entries] == [4, 5]


def test_a_file_without_names_is_refused_naming_what_it_found_and_what_it_needs() -> None:
    with pytest.raises(RollFileRefused) as refused:
        read_roll(b"UPN,Name,DOB\nB201201001010,Jess Smith,14/03/2012\n")
    message = str(refused.value)
    assert "UPN, Name, DOB" in message
    assert "Legal Surname" in message
    assert "Legal Forename" in message
    assert isinstance(refused.value, InvalidInput)  # shown to the user as it is


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"x" * (MAX_ROLL_BYTES + 1), "larger than the 20 MB"),
        (b"Surname,Forename\nSmith," + b"J" * 200_000, "could not be read as CSV at line 2"),
    ],
)
def test_files_that_are_not_a_roll_are_refused(data: bytes, words: str) -> None:
    with pytest.raises(RollFileRefused, match=words):
        read_roll(data)


def test_two_thousand_pupils_are_read() -> None:
    lines = ["UPN,Legal Surname,Legal Forename,DOB,Year,Reg Group"]
    for n in range(2000):
        lines.append(f",Surname{n},Forename{n},01/09/2011,Year 9,9X")
    roll = read_roll("\n".join(lines).encode())
    assert roll.ok
    assert len(roll.entries) == 2000


@pytest.mark.parametrize(
    ("written", "short"),
    [
        ("Year 8", "8"),
        ("Y8", "8"),
        ("Yr 08", "8"),
        ("8", "8"),
        ("NC Year 10", "10"),
        ("Year 13", "13"),
        ("R", "R"),
        ("YR", "R"),
        ("Year R", "R"),
        ("Reception", "R"),
        ("N1", "N1"),
        ("Nursery 2", "N2"),
        ("Nursery", "N"),
        ("", ""),
        ("X", "X"),  # outside the national curriculum: kept as written
        ("Year 15", "Year 15"),
        ("  Sixth   Form ", "Sixth Form"),
    ],
)
def test_years_are_written_short(written: str, short: str) -> None:
    assert normalise_year(written) == short


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("14/03/2012", date(2012, 3, 14)),
        ("4/3/2012", date(2012, 3, 4)),
        ("04-03-2012", date(2012, 3, 4)),
        ("04.03.2012", date(2012, 3, 4)),
        ("2012-03-04", date(2012, 3, 4)),
        ("2012-03-04T00:00:00", date(2012, 3, 4)),
        ("2012-03-04 00:00:00", date(2012, 3, 4)),
        ("14/03/2012 00:00", date(2012, 3, 14)),
        ("4 Mar 2012", date(2012, 3, 4)),
        ("4th September 2012", date(2012, 9, 4)),
        ("29/02/2012", date(2012, 2, 29)),
    ],
)
def test_dates_are_read_day_first(written: str, meant: date) -> None:
    assert parse_date(written) == meant


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("31/02/2011", "date of birth '31/02/2011' is not a real date"),
        ("29/02/2011", "date of birth '29/02/2011' is not a real date"),
        ("14/13/2012", "date of birth '14/13/2012' is not a real date"),
        ("14/03/12", "date of birth '14/03/12' has a two-digit year: write the year in full"),
        ("03/14/2012 ", "date of birth '03/14/2012' is not a real date"),  # not month first
        ("14/03-2012", "date of birth '14/03-2012' is not a date SafeLog can read"),
        ("next Tuesday", "date of birth 'next Tuesday' is not a date SafeLog can read"),
        ("4 Smarch 2012", "date of birth '4 Smarch 2012' is not a date SafeLog can read"),
    ],
)
def test_dates_that_cannot_be_read_say_why(written: str, reason: str) -> None:
    with pytest.raises(ValueError) as problem:
        parse_date(written)
    assert str(problem.value).startswith(reason)


# -- UPNs ---------------------------------------------------------------------------------


def test_upn_check_letters_follow_the_dfe_worked_examples() -> None:
    assert upn_check_letter("H801200001001") == "H"
    assert upn_problem("H801200001001") is None
    assert upn_problem("G80120000101A") is None  # temporary
    assert is_temporary_upn("G80120000101A")
    assert not is_temporary_upn("H801200001001")


@pytest.mark.parametrize(
    ("upn", "why"),
    [
        ("Z801200001001", "its first letter does not match its digits"),
        ("H80120000100", "a UPN is a letter and 12 digits"),
        ("H8012000010011", "a UPN is a letter and 12 digits"),
        ("1801200001001", "a UPN is a letter and 12 digits"),
        ("H8012000A1001", "a UPN is a letter and 12 digits"),
        ("I801200001001", "a UPN is a letter and 12 digits"),
        ("G80120000101I", "it cannot end in I, O or S"),
    ],
)
def test_upns_that_are_not_valid(upn: str, why: str) -> None:
    problem = upn_problem(upn)
    assert problem is not None
    assert problem.startswith(f"UPN '{upn}' is not a valid UPN")
    assert why in problem


def test_upns_are_stored_in_capitals_without_spaces() -> None:
    assert normalise_upn(" h801 2000 01001 ") == "H801200001001"
    assert read_roll(b"UPN,Surname,Forename\nh801200001001,Smith,Jess\n").entries[0].upn == (
        "H801200001001"
    )
