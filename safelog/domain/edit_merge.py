"""Two people changing one case at once (issue 14: many PCs, one server). A change is made
from the version its writer was looking at (`base`); if others have written since, what
they wrote (`theirs`) is kept, and the change is applied on top of it, field by field:

- a field only one side changed takes that side's value;
- a list (people, subjects, ...) changed by both keeps both: what others added stays, what
  this writer added is added, and an item either side removed is removed;
- any other field changed by both to different values is a conflict: nothing is written,
  and the writer is told in plain words (their own text stays where they typed it).

Pure rules: no keys, no database. `EditConflict` names fields, never their content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from safelog.errors import UserFacingError

__all__ = ["EditConflict", "merge_edits"]


class EditConflict(UserFacingError):
    def __init__(self, fields: list[str]) -> None:
        self.fields = fields
        names = ", ".join(name.replace("_", " ") for name in fields)
        super().__init__(
            f"Someone else changed the {names} of this case while you were working on it, "
            "so your change was not saved. The case now shows theirs; yours is still where "
            "you typed it: compare them and save again."
        )


def merge_edits(
    base: Mapping[str, Any], theirs: Mapping[str, Any], yours: Mapping[str, Any]
) -> dict[str, Any]:
    """The changes to write on top of `theirs`, for `yours` made from `base`."""
    out: dict[str, Any] = {}
    clashes: list[str] = []
    for name, mine in yours.items():
        before, now = base.get(name), theirs.get(name)
        if mine in (before, now):
            continue  # nothing of mine to apply
        if now == before:
            out[name] = mine
        elif (
            isinstance(mine, list)
            and isinstance(now, list | None)
            and isinstance(before, list | None)
        ):
            out[name] = _merged_list(before or [], now or [], mine)
        else:
            clashes.append(name)
    if clashes:
        raise EditConflict(sorted(clashes))
    return out


def _merged_list(base: list[Any], theirs: list[Any], mine: list[Any]) -> list[Any]:
    removed = [item for item in base if item not in mine]
    added = [item for item in mine if item not in base]
    kept = [item for item in theirs if item not in removed]
    return kept + [item for item in added if item not in kept]
