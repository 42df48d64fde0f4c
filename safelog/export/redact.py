"""Pseudonymising other pupils for disclosure (DOMAIN: data minimisation, seed 003 4.10).

Every person of kind "pupil" in the case who is not a victim becomes "Pupil A", "Pupil B",
... in the order they are listed, and stays that pseudonym everywhere in the file: the people
table, every free-text field, evidence details and file names, the audit extract. Only their
exact recorded name is replaced (ignoring case, as a whole name, not inside a longer word):
a nickname or first name on its own is not recognised, and images and attached originals are
not altered, which the case file says on its first page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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


class Pseudonymiser:
    """Replaces the exact names of other pupils; a no-op when not enabled."""

    def __init__(self, people: Iterable[Mapping[str, Any]], enabled: bool) -> None:
        self.enabled = enabled
        self.aliases: dict[str, str] = {}
        if enabled:
            for index, name in enumerate(pupils_to_pseudonymise(people)):
                self.aliases[_key(name)] = f"Pupil {letters(index)}"
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
