"""The categories of concern, as data."""

from __future__ import annotations

import re

import pytest

from safelog.domain.categories import (
    CATEGORIES,
    UnknownCategory,
    category_by_code,
    category_codes,
)
from safelog.domain.category import ABOUT_HEAD_GUIDANCE, Category
from safelog.domain.routes import Condition, Route
from safelog.errors import InvalidInput, UserFacingError

EXPECTED_CODES = (
    "cyberbullying-pupil",
    "cyberbullying-staff",
    "public-threats",
    "inappropriate-content",
    "unwanted-contact",
    "staff-online-conduct",
    "low-level-staff",
    "nudes-sharing",
    "indecent-images-adult",
    "radicalisation",
    "online-abuse-disclosure",
    "adverse-criticism",
    "personal-data-disclosed",
)

# A seed section ("000 9.2", "001 5(ii)", "002 App. 2", "003 appendix b") or national guidance.
# "004 8.1 (after 8.1.9)" names the unnumbered paragraph after 8.1.9 (adverse criticism).
REF = re.compile(
    r"^(00[0-4] (\d+(\.\d+)*|\d+\([ivx]+\)|App\. \d|appendix [ab]|8\.1 \(after 8\.1\.9\))"
    r"|KCSIE Part [1-5]|UKCIS|Prevent duty guidance|UK GDPR Art\. 3[38])$"
)

BY_ID = [pytest.param(c, id=c.code) for c in CATEGORIES]


def test_codes_are_the_documented_ones_in_order() -> None:
    assert category_codes() == EXPECTED_CODES
    assert tuple(c.code for c in CATEGORIES) == EXPECTED_CODES


@pytest.mark.parametrize("category", BY_ID)
def test_code_is_kebab_case(category: Category) -> None:
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", category.code)


@pytest.mark.parametrize("category", BY_ID)
def test_has_plain_words(category: Category) -> None:
    assert category.title and category.title[0].isupper()
    assert len(category.description) > 40
    assert len(category.guidance) > 40


@pytest.mark.parametrize("category", BY_ID)
def test_policy_refs_are_well_formed(category: Category) -> None:
    assert category.policy_refs
    for ref in category.policy_refs:
        assert REF.match(ref), ref


@pytest.mark.parametrize("category", BY_ID)
def test_has_routes_each_with_a_reason_and_a_policy(category: Category) -> None:
    assert category.routes
    for rule in category.routes:
        assert len(rule.reason) > 15
        assert rule.policy_refs
        for ref in rule.policy_refs:
            assert REF.match(ref), ref
            assert ref in rule.explanation


@pytest.mark.parametrize("category", BY_ID)
def test_someone_must_always_be_told(category: Category) -> None:
    """Every category has at least one route that is required whatever the facts."""
    assert any(rule.required and not rule.when for rule in category.routes)


@pytest.mark.parametrize("category", BY_ID)
def test_no_route_twice_under_the_same_conditions(category: Category) -> None:
    keys = [(rule.route, rule.when) for rule in category.routes]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("code", "child_protection", "allegation", "blocks_images"),
    [
        ("cyberbullying-pupil", True, False, False),
        ("cyberbullying-staff", False, False, False),
        ("public-threats", False, False, False),
        ("inappropriate-content", False, False, False),
        ("unwanted-contact", False, False, False),
        ("staff-online-conduct", False, True, False),
        ("nudes-sharing", True, False, True),
        ("indecent-images-adult", True, False, True),
        ("radicalisation", True, False, False),
        ("online-abuse-disclosure", True, False, False),
        ("adverse-criticism", False, False, False),
        ("personal-data-disclosed", False, False, False),
    ],
)
def test_flags(code: str, child_protection: bool, allegation: bool, blocks_images: bool) -> None:
    category = category_by_code(code)
    assert category.child_protection is child_protection
    assert category.allegation_against_staff is allegation
    assert category.blocks_image_import is blocks_images


@pytest.mark.parametrize("code", ["nudes-sharing", "indecent-images-adult"])
def test_image_categories_carry_the_ukcis_rule(code: str) -> None:
    guidance = category_by_code(code).guidance.lower()
    assert "never view, copy, print, share, store or save" in guidance
    assert "does not accept images" in guidance


def test_indecent_images_guidance_quotes_the_offence() -> None:
    assert (
        "offence to save, send or alter an image"
        in category_by_code("indecent-images-adult").guidance
    )


@pytest.mark.parametrize(
    "category",
    [pytest.param(c, id=c.code) for c in CATEGORIES if c.child_protection],
)
def test_child_protection_categories_reach_the_lado_when_about_staff(category: Category) -> None:
    lado = [rule for rule in category.routes if rule.route is Route.LADO]
    assert lado
    assert all(Condition.ABOUT_STAFF in rule.when for rule in lado)


@pytest.mark.parametrize("code", EXPECTED_CODES)
def test_lookup_round_trips(code: str) -> None:
    assert category_by_code(code).code == code


def test_lookup_forgives_case_and_spaces() -> None:
    assert category_by_code("  Radicalisation ").code == "radicalisation"


@pytest.mark.parametrize("bad", ["", "cyberbullying", "nudes_sharing", "LADO"])
def test_unknown_category_lists_the_valid_codes(bad: str) -> None:
    with pytest.raises(UnknownCategory) as caught:
        category_by_code(bad)
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, InvalidInput)
    assert isinstance(error, UserFacingError)
    assert error.code == bad
    message = str(error)
    assert message.startswith(f"'{bad}' is not a category; use one of: ")
    for code in EXPECTED_CODES:
        assert code in message


@pytest.mark.parametrize("category", BY_ID)
def test_guidance_is_plain_and_the_policy_line_keeps_the_sections(category: Category) -> None:
    """Staff read the guidance without section numbers; the DSL's policy line has them all."""
    assert not re.search(r"\b00[0-4] \d|\(\s*\)|\s[.,:;]", category.guidance), category.guidance
    assert category.policy.startswith("Policy: ")
    listed = category.policy.removeprefix("Policy: ").split("; ")
    assert len(listed) == len(set(listed))
    assert set(category.policy_refs) <= set(listed)
    assert set(category.guidance_refs) <= set(listed)


def test_references_come_out_of_the_text_whole() -> None:
    from safelog.domain.category import split_policy_refs

    text, refs = split_policy_refs(
        "Fill in the form (003 5.6, appendix b). Do not reply (003 8.3; 002 App. 2): keep "
        "records (if known) within 72 hours (UK GDPR Art. 33)."
    )
    assert text == "Fill in the form. Do not reply: keep records (if known) within 72 hours."
    assert refs == ("003 5.6", "003 appendix b", "003 8.3", "002 App. 2", "UK GDPR Art. 33")


# -- a concern about the headteacher (issue 11) ---------------------------------------------

# Words that have the headteacher decide, approve or be told: never in guidance about them.
HEAD_ACTS = re.compile(
    r"headteacher decides|headteacher's|tell the headteacher and|report it to the headteacher"
    r"|contact the headteacher|inform the head"
)


@pytest.mark.parametrize("category", BY_ID)
def test_guidance_about_the_headteacher_names_the_chair_of_governors(category: Category) -> None:
    about_head = category.guidance_for(about_headteacher=True)
    assert "chair of governors" in about_head
    assert not HEAD_ACTS.search(about_head), about_head
    assert not re.search(r"\b00[0-4] \d|\(\s*\)|\s[.,:;]", about_head), about_head
    assert category.guidance_for(about_headteacher=False) == category.guidance


def test_the_headteacher_no_longer_decides_on_a_concern_about_them() -> None:
    category = category_by_code("staff-online-conduct")
    assert "The headteacher decides" in category.guidance
    about_head = category.guidance_for(about_headteacher=True)
    assert "headteacher decides" not in about_head
    assert "The chair of governors" in about_head and "decides the course of action" in about_head
    assert "do not investigate or tell the headteacher yourself" in about_head


@pytest.mark.parametrize("code", ["radicalisation", "adverse-criticism", "staff-online-conduct"])
def test_guidance_that_names_the_headteacher_has_its_own_wording_about_them(code: str) -> None:
    category = category_by_code(code)
    assert "headteacher" in category.guidance
    assert category.guidance_for(about_headteacher=True) == category.head_guidance
    assert "001 5(ii)" in category.head_guidance_refs


def test_other_guidance_about_the_headteacher_leads_with_the_chair() -> None:
    category = category_by_code("cyberbullying-pupil")
    assert category.head_guidance == ""
    about_head = category.guidance_for(about_headteacher=True)
    assert about_head.startswith(ABOUT_HEAD_GUIDANCE)
    assert about_head.endswith(category.guidance)


@pytest.mark.parametrize("category", BY_ID)
def test_the_policy_line_about_the_headteacher_cites_the_chair_sections(
    category: Category,
) -> None:
    line = category.policy_for(about_headteacher=True)
    listed = line.removeprefix("Policy: ").split("; ")
    assert len(listed) == len(set(listed))
    assert {"001 5(ii)", "004 9.2", "KCSIE Part 4"} <= set(listed)
    assert set(category.head_guidance_refs) <= set(listed)
    assert category.policy_for(about_headteacher=False) == category.policy
