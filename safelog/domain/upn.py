"""Unique Pupil Numbers (UPN), as the DfE issues them.

A UPN is 13 characters: a check letter, then 12 digits. A temporary UPN, given while a
permanent one is awaited, ends in a letter instead of the last digit. Letters come from an
alphabet of 23 (no I, O or S, which are read as 1, 0 and 5).

The check letter (DfE, "Unique Pupil Numbers (UPN): guidance", annex): multiply characters
2 to 13 by weights 2 to 13, a final letter counting as its place in the alphabet (A = 0 ...
Z = 22); the sum modulo 23 is the place of the check letter. Worked examples from that
guidance: H801200001001 (permanent), G80120000101A (temporary).

The LA code in characters 2 to 4 is not checked: the list of codes changes and a roll from
the school's own MIS has already been checked against it.
"""

from __future__ import annotations

import re

__all__ = [
    "UPN_LETTERS",
    "is_temporary_upn",
    "normalise_upn",
    "upn_check_letter",
    "upn_problem",
]

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"

_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")


def normalise_upn(text: str) -> str:
    """A UPN as stored: capitals, no spaces ('h801 2000 01001' -> 'H801200001001')."""
    return "".join(text.split()).upper()


def upn_check_letter(upn: str) -> str:
    """The check letter that characters 2 to 13 of a well-shaped UPN call for."""
    total = 0
    for weight, char in enumerate(upn[1:13], start=2):
        value = int(char) if char.isdigit() else UPN_LETTERS.index(char)
        total += weight * value
    return UPN_LETTERS[total % 23]


def is_temporary_upn(upn: str) -> bool:
    return len(upn) == 13 and upn[-1].isalpha()


def upn_problem(upn: str, as_written: str | None = None) -> str | None:
    """Why `upn` (already normalised) is not a UPN, in plain words; None when it is one.
    The reason quotes `as_written` when given, so the user can find it in their file."""
    shown = upn if as_written is None else as_written
    if not _SHAPE.fullmatch(upn) or upn[0] not in UPN_LETTERS:
        return (
            f"UPN '{shown}' is not a valid UPN (a UPN is a letter and 12 digits, "
            "or 11 digits and a letter)"
        )
    if upn[-1].isalpha() and upn[-1] not in UPN_LETTERS:
        return f"UPN '{shown}' is not a valid UPN (it cannot end in I, O or S)"
    if upn_check_letter(upn) != upn[0]:
        return f"UPN '{shown}' is not a valid UPN (its first letter does not match its digits)"
    return None
