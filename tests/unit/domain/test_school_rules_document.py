"""The school's own rules as a document (domain/school_rules.py): exported, edited and
read back; what a change may not do is refused, every problem named."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from safelog.domain.categories import CATEGORIES
from safelog.domain.routes import Route
from safelog.domain.school_rules import apply_rules, parse_rules, rules_document
from safelog.errors import InvalidInput


def seeds_document() -> dict[str, Any]:
    return rules_document(CATEGORIES, CATEGORIES)


def entry(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in document["categories"] if c["code"] == code)


def test_the_seed_policies_read_back_as_no_change() -> None:
    rules = parse_rules(seeds_document(), CATEGORIES)
    assert rules.empty
    assert apply_rules(CATEGORIES, rules) == CATEGORIES


def test_a_school_makes_the_police_required_within_24_hours_for_threats() -> None:
    document = seeds_document()
    police = next(r for r in entry(document, "public-threats")["routes"] if r["route"] == "police")
    police.update(required=True, deadline={"kind": "hours", "count": 24}, when=[])
    police["policy_refs"] = ["Ravens Wood behaviour policy 4.2"]
    rules = parse_rules(document, CATEGORIES)
    assert list(rules.routes) == ["public-threats"]
    threats = next(c for c in apply_rules(CATEGORIES, rules) if c.code == "public-threats")
    rule = next(r for r in threats.routes if r.route is Route.POLICE)
    assert rule.required and rule.deadline_rule.hours == 24
    assert rule.policy_refs == ("Ravens Wood behaviour policy 4.2",)


def test_a_school_adds_a_category_of_its_own() -> None:
    document = seeds_document()
    document["categories"].append(
        {
            "code": "trip-photos",
            "title": "Photos from a school trip posted without consent",
            "description": "Pictures of pupils on a trip shared online.",
            "guidance": "Say where the pictures are; do not save or share them.",
            "child_protection": False,
            "allegation_against_staff": False,
            "blocks_image_import": True,
            "routes": [
                {
                    "route": "platform-report",
                    "required": True,
                    "deadline": {"kind": "working-days", "count": 1},
                    "policy_refs": ["Trip policy 3"],
                    "reason": "Ask the site to take the pictures down",
                    "when": [],
                }
            ],
        }
    )
    categories = apply_rules(CATEGORIES, parse_rules(document, CATEGORIES))
    added = categories[-1]
    assert added.code == "trip-photos" and added.blocks_image_import
    assert added.routes[0].deadline_rule.working_days == 1


def test_what_a_change_may_not_do_is_refused_with_every_reason() -> None:
    document = seeds_document()
    nudes = entry(document, "nudes-sharing")
    nudes["blocks_image_import"] = False  # lift the image block
    for rule in nudes["routes"]:
        rule["required"] = False  # and drop the law's routes
    entry(document, "public-threats")["title"] = "Something else"
    bad = copy.deepcopy(entry(document, "public-threats")["routes"][0])
    bad.update(route="the-mayor", required="yes")
    entry(document, "unwanted-contact")["routes"].append(bad)
    with pytest.raises(InvalidInput) as caught:
        parse_rules(document, CATEGORIES)
    said = str(caught.value)
    assert said.startswith("The rules were not changed")
    assert "whether a category refuses pictures cannot be changed" in said
    assert "must stay required: it is the law's" in said
    assert "not its title" in said
    assert '"route" must be one of' in said


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"format": 2, "categories": []},
        {"format": 1, "categories": []},
        {"format": 1, "categories": [{"code": "Bad Code!", "routes": []}]},
        {"format": 1, "categories": [{"code": "new-one", "routes": []}]},
    ],
)
def test_a_malformed_document_is_refused_in_plain_words(document: Any) -> None:
    with pytest.raises(InvalidInput):
        parse_rules(document, CATEGORIES)
