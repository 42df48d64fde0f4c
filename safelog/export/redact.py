"""Pseudonymising other pupils for disclosure (DOMAIN: data minimisation, seed 003 4.10).

Every person of kind "pupil" in the case who is not a victim becomes "Pupil A", "Pupil B",
... in the order they are listed, and stays that pseudonym everywhere in the file: the people
table, every free-text field, evidence details and file names, the audit extract. Only their
exact recorded name is replaced (ignoring case, as a whole name, not inside a longer word):
a nickname or first name on its own is not recognised, and images and attached originals are
not altered, which the case file says on its first page.

A subject access disclosure (export/sar_disclosure.py) letters everyone but the subject and
the requester in the order the reader first meets them (`labels_in_order`), records which
labels it used (`Pseudonymiser.used`, for the redaction log kept in SafeLog), and replaces an
evidence file name that holds any part of another person's name (`name_free_file_name`).

A pupil's chronology (export/pupil_chronology.py) goes further: everyone named in the cases
but the pupil becomes a label of their kind ("Pupil A", "Parent or carer A", "Staff member
A", "Person A"), under every form of their name the roll knows, while the pupil's own names
are never replaced (`aliases_for_others`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from safelog.domain.outcomes import PersonKind, PersonRole

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# A name ends where a letter or digit run ends: "liam_obrien" and "liam.obrien@" hold names.
_BEFORE, _AFTER = r"(?<![^\W_])", r"(?![^\W_])"


def fold(text: str) -> str:
    """Text as names are matched in it: composed (NFC), typographic apostrophes plain."""
    return unicodedata.normalize("NFC", text).translate(_APOSTROPHES)


def plain_letters(text: str) -> str:
    """`text` without its accents ("Zoë" -> "Zoe"), for a name typed without them."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _spellings(name: str) -> set[str]:
    """The forms a name is matched in: as recorded, without accents, without apostrophes."""
    folded = fold(name)
    forms = {folded, plain_letters(folded)}
    forms |= {f.replace("'", "") for f in forms if "'" in f}
    return forms


def _key(name: Any) -> str:
    return " ".join(fold(str(name)).split()).casefold()


def letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, ..."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def pupils_to_pseudonymise(people: Iterable[Mapping[str, Any]]) -> list[str]:
    names: list[str] = []
    for person in people:
        name = str(person.get("name", "")).strip()
        other_pupil = (
            person.get("kind") == PersonKind.PUPIL and person.get("role") != PersonRole.VICTIM
        )
        if other_pupil and name and _key(name) not in {_key(n) for n in names}:
            names.append(name)
    return names


_KIND_WORDS: Mapping[str, str] = {
    PersonKind.PUPIL: "Pupil",
    PersonKind.PARENT: "Parent or carer",
    PersonKind.STAFF: "Staff member",
    PersonKind.EXTERNAL: "Person",
    PersonKind.VOLUNTEER: "Volunteer",
    PersonKind.GOVERNOR: "Governor",
    PersonKind.CONTRACTOR: "Contractor",
}


@dataclass(frozen=True)
class OtherPerson:
    """Someone named in a pupil's cases who is not the pupil."""

    kind: str  # a PersonKind value
    names: tuple[str, ...]  # the recorded name first, then other forms of it (the roll's)


def aliases_for_others(others: Iterable[OtherPerson], keep: Iterable[str]) -> dict[str, str]:
    """Each person's names -> their label, lettered by kind in the order given ("Pupil A",
    "Pupil B", "Parent or carer A"); a name in `keep` (the pupil's own) is never replaced."""
    kept = {_key(name) for name in keep}
    counts: dict[str, int] = {}
    out: dict[str, str] = {}
    for person in others:
        names = [n for n in person.names if _key(n) and _key(n) not in kept and _key(n) not in out]
        if not names:
            continue
        word = _KIND_WORDS.get(person.kind, "Person")
        label = f"{word} {letters(counts.get(word, 0))}"
        counts[word] = counts.get(word, 0) + 1
        for name in names:
            for form in _spellings(name):
                if _key(form) not in kept:
                    out.setdefault(_key(form), label)
    return out


class Pseudonymiser:
    """Replaces the exact names of other pupils (and of the names in `aliases`, with the
    labels given there); a no-op when not enabled."""

    def __init__(
        self,
        people: Iterable[Mapping[str, Any]],
        enabled: bool,
        *,
        aliases: Mapping[str, str] | None = None,
        forenames: Mapping[str, str] | None = None,
    ) -> None:
        self.enabled = enabled
        self.aliases: dict[str, str] = {}
        if enabled:
            for index, name in enumerate(pupils_to_pseudonymise(people)):
                self.aliases[_key(name)] = f"Pupil {letters(index)}"
            for name, label in (aliases or {}).items():
                if _key(name):
                    self.aliases.setdefault(_key(name), label)
        self.used: set[str] = set()  # the labels printed so far
        # A forename or surname on its own ("Jess said", "O'Brien took it", "LIAM"): as
        # written, capitalised or in capitals, since "will" or "young" may be words; inside
        # an e-mail address or web address, in any case ("liam.obrien@", "/liam_obrien").
        self.forenames: dict[str, str] = {}
        for word, label in (forenames or {}).items() if enabled else ():
            for form in _spellings(word):
                for cased in (form, form.upper()):
                    self.forenames.setdefault(cased, label)
        self._pattern = _names_pattern(self.aliases, self.forenames)
        self._in_addresses = {w.casefold(): label for w, label in self.forenames.items()}
        self._address_words = _words_pattern(self._in_addresses, re.IGNORECASE)

    def alias(self, name: str) -> str | None:
        label = self.aliases.get(_key(name))
        if label is not None:
            self.used.add(label)
        return label

    def name(self, name: str) -> str:
        """How a person's name is printed."""
        return self.alias(name) or self.text(name)

    def text(self, value: Any) -> str:
        text = "" if value is None else str(value)
        if not self.enabled:
            return text  # a file that is not pseudonymised keeps every character as written
        text = fold(text)
        if self._pattern is not None:
            # One pass: a label put in is never read again as a name ("Staff member A").
            text = self._pattern.sub(self._replace, text)
        if self._address_words is not None:
            text = _ADDRESS.sub(self._replace_in_address, text)
        return text

    def _replace(self, match: re.Match[str]) -> str:
        found = match.group(0)
        label = self.aliases.get(_key(found)) or self.forenames.get(found)
        if label is None:
            return found
        self.used.add(label)
        return label

    def _replace_in_address(self, match: re.Match[str]) -> str:
        assert self._address_words is not None

        def one(word: re.Match[str]) -> str:
            label = self._in_addresses[word.group(0).casefold()]
            self.used.add(label)
            return label.replace(" ", "-")

        return self._address_words.sub(one, match.group(0))


# An e-mail address or a web address, where names are run together with dots and underscores.
_ADDRESS = re.compile(r"[\w.+'-]+@[\w.-]+|(?:https?://|www\.)\S+|\b[\w-]+\.[a-z]{2,}/\S*")


def _names_pattern(names: Iterable[str], words: Iterable[str] = ()) -> re.Pattern[str] | None:
    """Any of `names` as a whole name, any case, any spacing between its words; or any of
    `words` exactly as given (a forename or surname on its own)."""
    ordered = sorted(names, key=len, reverse=True)  # "Ben Smith Jr" before "Ben Smith"
    exact = sorted(words, key=len, reverse=True)
    if not ordered and not exact:
        return None
    whole = "|".join(r"\s+".join(re.escape(part) for part in name.split()) for name in ordered)
    parts = ([f"(?i:{whole})"] if ordered else []) + [re.escape(w) for w in exact]
    return re.compile(rf"{_BEFORE}(?:{'|'.join(parts)}){_AFTER}")


def _words_pattern(words: Iterable[str], flags: int) -> re.Pattern[str] | None:
    ordered = sorted(words, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(rf"{_BEFORE}(?:{'|'.join(map(re.escape, ordered))}){_AFTER}", flags)


def labels_in_order(
    others: Sequence[OtherPerson],
    keep: Iterable[str],
    texts: Iterable[Any],
    close: Iterable[OtherPerson] = (),
) -> dict[str, str]:
    """`aliases_for_others`, lettered in the order the people are first named in `texts`
    (then everyone not named there, so a name printed anywhere else is still replaced). For
    the people in `close`, a forename on its own counts as naming them (see `forenames_of`)."""
    keep = list(keep)
    kept = {_key(name) for name in keep}
    owner: dict[str, int] = {}
    for index, person in enumerate(others):
        for name in person.names:
            if _key(name) and _key(name) not in kept:
                owner.setdefault(_key(name), index)
    near = set(close)
    short: dict[str, set[int]] = {}
    for index, person in enumerate(others):
        if person in near:
            for word in _forename_forms(person, keep):
                short.setdefault(_key(word), set()).add(index)
    for word, owners in short.items():
        if len(owners) == 1 and word not in owner:
            owner[word] = owners.pop()
    pattern = _names_pattern(owner)
    first: dict[int, None] = {}
    if pattern is not None:
        for text in texts:
            for match in pattern.finditer("" if text is None else str(text)):
                first.setdefault(owner[_key(match.group(0))], None)
    order = [*first, *(i for i in range(len(others)) if i not in first)]
    return aliases_for_others([others[i] for i in order], keep)


_WORD = re.compile(r"[^\W_]+")


def _forename_forms(person: OtherPerson, keep: Iterable[str]) -> set[str]:
    """The first and last word of each form of the name ("Liam", "O'Brien"), and one in
    brackets ('Jess (Jessica) Smith'), three letters or more, capitalised, and not a word of
    a kept name."""
    kept = {w.casefold() for name in keep for w in fold(name).replace("'", " ").split()}
    kept |= {w.casefold() for name in keep for w in _WORD.findall(fold(name))}
    forms: set[str] = set()
    for name in person.names:
        tokens = [t.strip('.,;:()[]"-') for t in fold(name).split()]
        tokens = [t for t in tokens if t]
        found = {tokens[0], tokens[-1]} if tokens else set()
        found |= set(re.findall(r"\(([^\W_]+)\)", name))
        forms |= {
            w[0].upper() + w[1:]
            for w in found
            if len(w.replace("'", "")) >= 3 and w.casefold() not in kept
        }
    return forms


def forenames_of(
    people: Iterable[OtherPerson], aliases: Mapping[str, str], keep: Iterable[str]
) -> dict[str, str]:
    """Each person's forenames -> their label, for people close to the record (named in its
    cases, its family): matched as written, so "Will" is replaced and "will" is not. A
    forename two labels share, or a word of a kept name, is left alone."""
    keep = list(keep)
    found: dict[str, set[str]] = {}
    for person in people:
        label = next((aliases[_key(n)] for n in person.names if _key(n) in aliases), None)
        if label is None:
            continue
        for word in _forename_forms(person, keep):
            found.setdefault(word, set()).add(label)
    return {word: labels.pop() for word, labels in found.items() if len(labels) == 1}


def name_free_file_name(
    file_name: str, number: int, others: Iterable[OtherPerson], keep: Iterable[str]
) -> str:
    """The file name as recorded, or "Evidence N.ext" when any word of another person's name
    (three letters or more, not also a word of a kept name) is in it: "jordan_chat.png"
    names Jordan Price even though the whole name is not there."""
    kept = {w.casefold() for name in keep for w in _WORD.findall(name)}
    words = {
        w.casefold()
        for person in others
        for name in person.names
        for w in _WORD.findall(plain_letters(fold(name)).replace("'", ""))
        if len(w) >= 3 and w.casefold() not in kept
    }
    plain = plain_letters(fold(file_name)).casefold().replace("'", "")
    named = {w.casefold() for w in _WORD.findall(plain)}
    # A name run into other letters ("LiamOB_chat", "from-LOBrien") counts too, for a word
    # of four letters or more.
    if not words & named and not any(len(w) >= 4 and w in plain for w in words):
        return file_name
    suffix = PurePath(file_name).suffix
    return f"Evidence {number}{suffix if _WORD.fullmatch(suffix[1:] or '_') else ''}"
