"""Pseudonymising other pupils for disclosure (DOMAIN: data minimisation, seed 003 4.10).

Every person of kind "pupil" in the case who is not a victim becomes "Pupil A", "Pupil B",
... in the order they are listed, and stays that pseudonym everywhere in the file: the people
table, every free-text field, evidence details and file names, the audit extract. Only their
exact recorded name is replaced (ignoring case, as a whole name, not inside a longer word):
a nickname or first name on its own is not recognised, and images and attached originals are
not altered, which the case file says on its first page.

A pupil's chronology (export/pupil_chronology.py) goes further: everyone named in the cases
but the pupil becomes a label of their kind ("Pupil A", "Parent or carer A", "Staff member
A", "Person A"), under every form of their name the roll knows, while the pupil's own names
are never replaced (`aliases_for_others`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from safelog.domain.outcomes import PersonKind, PersonRole


def _key(name: Any) -> str:
    return " ".join(str(name).split()).casefold()


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
            out[_key(name)] = label
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
    ) -> None:
        self.enabled = enabled
        self.aliases: dict[str, str] = {}
        if enabled:
            for index, name in enumerate(pupils_to_pseudonymise(people)):
                self.aliases[_key(name)] = f"Pupil {letters(index)}"
            for name, label in (aliases or {}).items():
                if _key(name):
                    self.aliases.setdefault(_key(name), label)
        self._pattern: re.Pattern[str] | None = None
        if self.aliases:
            names = sorted(self.aliases, key=len, reverse=True)  # "Ben Smith Jr" before "Ben Smith"
            alternatives = "|".join(
                r"\s+".join(re.escape(part) for part in name.split()) for name in names
            )
            self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def alias(self, name: str) -> str | None:
        return self.aliases.get(_key(name))

    def name(self, name: str) -> str:
        """How a person's name is printed."""
        return self.alias(name) or self.text(name)

    def text(self, value: Any) -> str:
        text = "" if value is None else str(value)
        if self._pattern is None:
            return text
        return self._pattern.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        return self.aliases.get(_key(match.group(0)), match.group(0))
