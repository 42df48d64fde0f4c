"""How people's names are compared: the same person's name typed or exported differently
should compare equal.

Folding ignores case and accents (Zoë = Zoe, Ståle = Stale, Łukasz = Lukasz, ß = ss),
drops apostrophes (O'Brien = OBrien = O’Brien) and treats any other punctuation as a space
(Smith-Jones = Smith Jones). Folding is for comparing and searching only; names are stored
and shown as they were given.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["compact_name", "fold_name", "tidy_name"]

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`\u00b4]")
_NOT_WORD = re.compile(r"[\W_]+")
# Latin letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def tidy_name(text: str) -> str:
    """A name as stored: outer spaces gone, inner runs of spaces made one."""
    return " ".join(text.split())


def fold_name(text: str) -> str:
    """Lower-case ASCII words separated by single spaces ('Zoë O'Brien-Ng' -> 'zoe obrien ng').

    Letters with no ASCII form (Greek, Cyrillic, Chinese...) are kept, folded for case.
    """
    bare = text.casefold()
    if not bare.isascii():  # most names are: skip the slower Unicode work for them
        decomposed = unicodedata.normalize("NFKD", bare)
        bare = "".join(c for c in decomposed if not unicodedata.combining(c))
        bare = bare.translate(_UNDECOMPOSED)
    return " ".join(_NOT_WORD.split(_APOSTROPHES.sub("", bare))).strip()


def compact_name(text: str) -> str:
    """The folded name with no spaces at all ('Smith-Jones' -> 'smithjones', '10 X' -> '10x')."""
    return fold_name(text).replace(" ", "")
