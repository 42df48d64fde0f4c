"""What gets logged: the categories of concern, in the order they are offered, and finding
one by its code.

Each category (domain/category.py) carries its escalation rules (`RouteRule`s) with the
reason and the policy each comes from, so the user is always told why a route is shown. The
table itself is data, in three parts: domain/categories_conduct.py,
domain/categories_sensitive.py and domain/categories_school.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from safelog.domain.categories_conduct import CONDUCT_CATEGORIES
from safelog.domain.categories_school import SCHOOL_CATEGORIES
from safelog.domain.categories_sensitive import SENSITIVE_CATEGORIES
from safelog.domain.category import Category
from safelog.errors import InvalidInput

__all__ = [
    "CATEGORIES",
    "UnknownCategory",
    "category_by_code",
    "category_codes",
]


class UnknownCategory(ValueError, InvalidInput):
    """No category has this code. The message lists the valid codes and is safe to show."""

    def __init__(self, code: str) -> None:
        self.code = code
        valid = ", ".join(category_codes())
        super().__init__(f"'{code}' is not a category; use one of: {valid}")


CATEGORIES: tuple[Category, ...] = (*CONDUCT_CATEGORIES, *SENSITIVE_CATEGORIES, *SCHOOL_CATEGORIES)

_BY_CODE: Mapping[str, Category] = MappingProxyType({c.code: c for c in CATEGORIES})


def category_codes() -> tuple[str, ...]:
    return tuple(c.code for c in CATEGORIES)


def category_by_code(code: str) -> Category:
    """The category with this code; raises `UnknownCategory` listing the valid codes."""
    try:
        return _BY_CODE[code.strip().lower()]
    except KeyError:
        raise UnknownCategory(code) from None
