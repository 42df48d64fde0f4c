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
from safelog.domain.school_rules import SchoolRules, apply_rules
from safelog.errors import InvalidInput

__all__ = [
    "CATEGORIES",
    "UnknownCategory",
    "all_categories",
    "category_by_code",
    "category_codes",
    "use_school_rules",
]


class UnknownCategory(ValueError, InvalidInput):
    """No category has this code. The message lists the valid codes and is safe to show."""

    def __init__(self, code: str) -> None:
        self.code = code
        valid = ", ".join(category_codes())
        super().__init__(f"'{code}' is not a category; use one of: {valid}")


# The five seed policies' categories: the default, and what a school's rules start from.
CATEGORIES: tuple[Category, ...] = (*CONDUCT_CATEGORIES, *SENSITIVE_CATEGORIES, *SCHOOL_CATEGORIES)


class _InForce:
    """The categories in force in this process: the seeds, or the seeds with the school's
    own rules once a vault's signed rules have been read and checked at sign-in
    (vault/school_rules.py: one vault per app or command). Replaced whole, never edited."""

    categories: tuple[Category, ...] = CATEGORIES
    by_code: Mapping[str, Category] = MappingProxyType({c.code: c for c in CATEGORIES})


def use_school_rules(rules: SchoolRules | None) -> None:
    """Put a school's checked rules in force (None: the seed policies)."""
    categories = apply_rules(CATEGORIES, rules)
    _InForce.by_code = MappingProxyType({c.code: c for c in categories})
    _InForce.categories = categories


def all_categories() -> tuple[Category, ...]:
    """Every category in force, in the order they are offered."""
    return _InForce.categories


def category_codes() -> tuple[str, ...]:
    return tuple(c.code for c in _InForce.categories)


def category_by_code(code: str) -> Category:
    """The category with this code; raises `UnknownCategory` listing the valid codes."""
    try:
        return _InForce.by_code[code.strip().lower()]
    except KeyError:
        raise UnknownCategory(code) from None
