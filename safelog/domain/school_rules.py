"""The school's own rules (issue 18): schools adopt different versions of the policies, so a
DSL may change a category's routes (which, required or not, by when, on what paragraph) and
add categories. The five seed policies stay the default; what a school sets is a signed
setting with its own history (vault/school_rules.py). Pure rules here: the document's
shape, its checks, and the categories it gives.

The document is what `safelog rules export` writes and `safelog rules import` reads:

    {"format": 1,
     "categories": [
       {"code": "public-threats",                      a seed category: its routes replaced
        "routes": [{"route": "police", "required": true,
                    "deadline": {"kind": "hours", "count": 24},
                    "policy_refs": ["Our policy 4.2"], "reason": "...",
                    "when": ["threatening-or-hate"]}]},
       {"code": "school-trip-photos", "title": "...",   a new category: every field given
        "description": "...", "guidance": "...", "child_protection": false,
        "allegation_against_staff": false, "blocks_image_import": false, "routes": [...]}]}

What a change can never do (checked here, and again by every reader of the setting):
- touch who may read a case: the iron rule is decided from who a concern is about
  (domain/access.py), never from a category's routes, and a concern about the headteacher
  still goes to the chair, never the head (domain/routes.py routes_for);
- lift the image block: a seed category that refuses pictures keeps refusing them, and its
  routes keep every required route the seed gives (the police, the UKCIS referral), since
  the law, not the school, requires them (002 7.2.4; 000 7.1); a new category may block
  images, never the reverse of a seed;
- change a seed category's title, description, flags or guidance: only its routes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from safelog.domain.category import Category
from safelog.domain.deadline_rules import DeadlineKind, DeadlineRule
from safelog.domain.routes import Condition, Route, RouteRule
from safelog.errors import InvalidInput

__all__ = ["FORMAT", "SchoolRules", "apply_rules", "parse_rules", "rules_document"]

FORMAT = 1
MAX_CATEGORIES = 100
MAX_ROUTES = 30
MAX_TEXT = 2_000
_CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")
_NEW_FIELDS = {
    "code",
    "title",
    "description",
    "guidance",
    "child_protection",
    "allegation_against_staff",
    "blocks_image_import",
    "routes",
}
_RULE_FIELDS = {"route", "title", "required", "deadline", "policy_refs", "reason", "when"}


@dataclass(frozen=True)
class SchoolRules:
    """Routes replaced per seed category, and categories the school added (in order)."""

    routes: Mapping[str, tuple[RouteRule, ...]]
    added: tuple[Category, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.routes and not self.added


def apply_rules(seeds: Sequence[Category], rules: SchoolRules | None) -> tuple[Category, ...]:
    """The categories in force: the seeds with the school's routes, then its own."""
    if rules is None:
        return tuple(seeds)
    out = [replace(c, routes=rules.routes[c.code]) if c.code in rules.routes else c for c in seeds]
    return (*out, *rules.added)


def parse_rules(document: Any, seeds: Sequence[Category]) -> SchoolRules:
    """The rules a document gives, checked; raises InvalidInput naming every problem."""
    problems: list[str] = []
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvalidInput(f'The rules file must be a JSON object with "format": {FORMAT}.')
    entries = document.get("categories")
    if not isinstance(entries, list) or not 0 < len(entries) <= MAX_CATEGORIES:
        raise InvalidInput(f'"categories" must list 1 to {MAX_CATEGORIES} categories.')
    by_code = {c.code: c for c in seeds}
    routes: dict[str, tuple[RouteRule, ...]] = {}
    added: list[Category] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"category {index}"
        if not isinstance(entry, dict):
            problems.append(f"{where} is not an object")
            continue
        code = entry.get("code")
        if not isinstance(code, str) or not code or set(code) - _CODE_CHARS or len(code) > 60:
            problems.append(f"{where} needs a code of lower-case letters, digits and hyphens")
            continue
        where = f"category '{code}'"
        if code in seen:
            problems.append(f"{where} is listed twice")
            continue
        seen.add(code)
        if unknown := set(entry) - _NEW_FIELDS:
            problems.append(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
        rules = _route_rules(entry.get("routes"), where, problems)
        seed = by_code.get(code)
        if seed is not None:
            _check_seed_kept(seed, entry, rules, where, problems)
            # Compared as written: a route's usual deadline written out is no change.
            if rules is not None and [_rule_document(r) for r in rules] != [
                _rule_document(r) for r in seed.routes
            ]:
                routes[code] = rules
        elif rules is not None:
            made = _new_category(code, entry, rules, where, problems)
            if made is not None:
                added.append(made)
    if problems:
        raise InvalidInput("The rules were not changed: " + "; ".join(problems) + ".")
    return SchoolRules(routes, tuple(added))


def rules_document(categories: Sequence[Category], seeds: Sequence[Category]) -> dict[str, Any]:
    """The document for the categories in force (what `rules export` writes): every
    category with its routes, new ones with all their fields, so a school can edit it."""
    seed_codes = {c.code for c in seeds}
    out = []
    for category in categories:
        entry: dict[str, Any] = {"code": category.code, "title": category.title}
        if category.code not in seed_codes:
            entry.update(
                description=category.description,
                guidance=category.guidance,
                child_protection=category.child_protection,
                allegation_against_staff=category.allegation_against_staff,
                blocks_image_import=category.blocks_image_import,
            )
        entry["routes"] = [_rule_document(rule) for rule in category.routes]
        out.append(entry)
    return {"format": FORMAT, "categories": out}


def _rule_document(rule: RouteRule) -> dict[str, Any]:
    deadline = rule.deadline_rule
    return {
        "route": rule.route.value,
        "required": rule.required,
        "deadline": {"kind": deadline.kind.value, "count": deadline.count},
        "policy_refs": list(rule.policy_refs),
        "reason": rule.reason,
        "when": [c.value for c in rule.when],
    }


def _route_rules(value: Any, where: str, problems: list[str]) -> tuple[RouteRule, ...] | None:
    if not isinstance(value, list) or len(value) > MAX_ROUTES:
        problems.append(f'{where} needs "routes": a list of at most {MAX_ROUTES} routes')
        return None
    rules = []
    for number, item in enumerate(value, start=1):
        at = f"{where}, route {number}"
        if not isinstance(item, dict):
            problems.append(f"{at} is not an object")
            continue
        if unknown := set(item) - _RULE_FIELDS:
            problems.append(f"{at} has unknown keys: {', '.join(sorted(unknown))}")
        try:
            route = Route(str(item.get("route")))
        except ValueError:
            problems.append(f'{at}: "route" must be one of {", ".join(r.value for r in Route)}')
            continue
        required = item.get("required")
        refs = item.get("policy_refs")
        reason = item.get("reason")
        when = item.get("when", [])
        if not isinstance(required, bool):
            problems.append(f'{at}: "required" must be true or false')
        if not (
            isinstance(refs, list)
            and refs
            and all(isinstance(r, str) and r.strip() and len(r) <= 80 for r in refs)
        ):
            problems.append(f'{at}: "policy_refs" must name the paragraph(s) it rests on')
            refs = ["?"]
        if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_TEXT:
            problems.append(f'{at}: "reason" must say why, in at most {MAX_TEXT} characters')
            reason = "?"
        conditions = _conditions(when, at, problems)
        deadline = _deadline(item.get("deadline"), at, problems)
        rules.append(
            RouteRule(
                route=route,
                required=bool(required),
                reason=reason.strip(),
                policy_refs=tuple(r.strip() for r in refs),
                when=conditions,
                deadline=deadline,
            )
        )
    return tuple(rules)


def _conditions(value: Any, at: str, problems: list[str]) -> tuple[Condition, ...]:
    if not isinstance(value, list):
        problems.append(f'{at}: "when" must be a list of conditions')
        return ()
    out = []
    for item in value:
        try:
            out.append(Condition(item))
        except ValueError:
            valid = ", ".join(c.value for c in Condition)
            problems.append(f"{at}: '{item}' is not a condition; use one of: {valid}")
    return tuple(out)


def _deadline(value: Any, at: str, problems: list[str]) -> DeadlineRule | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(f'{at}: "deadline" must be like {{"kind": "hours", "count": 24}}')
        return None
    try:
        kind = DeadlineKind(str(value.get("kind")))
        count = value.get("count")
        if kind is DeadlineKind.WORKING_DAYS:
            return DeadlineRule(kind, working_days=_count(count, 30))
        if kind is DeadlineKind.HOURS:
            return DeadlineRule(kind, hours=_count(count, 24 * 30))
        return DeadlineRule(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in DeadlineKind)
        problems.append(
            f"{at}: the deadline's kind is one of {kinds}, with a count for days or hours"
        )
        return None


def _count(value: Any, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValueError("count")
    return value


def _check_seed_kept(
    seed: Category,
    entry: Mapping[str, Any],
    rules: tuple[RouteRule, ...] | None,
    where: str,
    problems: list[str],
) -> None:
    for name in ("description", "guidance", "child_protection", "allegation_against_staff"):
        if name in entry and entry[name] != getattr(seed, name):
            problems.append(f"{where}: only a category's routes can be changed, not its {name}")
    if "title" in entry and entry["title"] != seed.title:
        problems.append(f"{where}: only a category's routes can be changed, not its title")
    if "blocks_image_import" in entry and entry["blocks_image_import"] != seed.blocks_image_import:
        problems.append(f"{where}: whether a category refuses pictures cannot be changed")
    if rules is None or not seed.blocks_image_import:
        return
    # Where images of children may be involved, the law requires these routes: kept as given.
    kept = {(r.route, r.when) for r in rules if r.required}
    for rule in seed.routes:
        if rule.required and (rule.route, rule.when) not in kept:
            problems.append(
                f"{where}: the required route '{rule.route.value}' ({', '.join(rule.policy_refs)}) "
                "must stay required: it is the law's, not the school's, in this category"
            )


def _new_category(
    code: str,
    entry: Mapping[str, Any],
    rules: tuple[RouteRule, ...],
    where: str,
    problems: list[str],
) -> Category | None:
    texts = {}
    for name in ("title", "description", "guidance"):
        value = entry.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            problems.append(f'{where} is new, so it needs a "{name}" (text)')
            return None
        texts[name] = value.strip()
    flags = {}
    for name in ("child_protection", "allegation_against_staff", "blocks_image_import"):
        value = entry.get(name, False)
        if not isinstance(value, bool):
            problems.append(f'{where}: "{name}" must be true or false')
            return None
        flags[name] = value
    refs = tuple(dict.fromkeys(ref for rule in rules for ref in rule.policy_refs))
    return Category(
        code=code,
        title=texts["title"],
        description=texts["description"],
        policy_refs=refs or ("School's own rules",),
        child_protection=flags["child_protection"],
        allegation_against_staff=flags["allegation_against_staff"],
        blocks_image_import=flags["blocks_image_import"],
        guidance=texts["guidance"],
        routes=rules,
    )
