"""The categories of concern that need the most care: nudes and semi-nudes shared by
pupils, indecent images involving adults, radicalisation and disclosures of abuse online.
Part of the table in
domain/categories.py; the module note of domain/category.py says how references in the
guidance are kept.
"""

from __future__ import annotations

from safelog.domain.category import Category
from safelog.domain.deadline_rules import IMMEDIATELY
from safelog.domain.policy_rules import HEAD_IMMEDIATELY, platform_report, police_if_illegal
from safelog.domain.routes import Condition, Route, RouteRule

_UKCIS_IMAGES = (
    "Never view, copy, print, share, store or save the imagery, and never ask a child to "
    "show, send or download it. Do not delete it or ask the child to delete it. If you saw "
    "it by accident, tell the DSL. SafeLog does not accept images for this category: record "
    "a description of what was reported, who was told, and any police reference instead."
)

# 000 7.1: "Where indecent images of children are found by any adult, the Headteacher must
# be informed immediately."
_IMAGES_HEAD_RULE = RouteRule(
    Route.HEADTEACHER,
    required=True,
    reason="Where indecent images of children are found, the headteacher is told immediately",
    policy_refs=("000 7.1",),
    deadline=IMMEDIATELY,
)


def _ceop(reason: str, *refs: str) -> RouteRule:
    """CEOP: the seed policies do not name it, so it is only ever offered (never required),
    where a child may have been sexually abused or groomed online."""
    return RouteRule(
        Route.CEOP,
        required=False,
        reason=reason,
        policy_refs=refs,
        when=(Condition.ONLINE_SEXUAL_ABUSE,),
    )


SENSITIVE_CATEGORIES: tuple[Category, ...] = (
    Category(
        code="nudes-sharing",
        title="Sharing nudes and semi-nudes (child-produced)",
        description=(
            "Nude or semi-nude images or videos made by a child have been shared, or a "
            "child has been asked to share them."
        ),
        policy_refs=("UKCIS", "004 9.4", "000 7.1"),
        child_protection=True,
        allegation_against_staff=False,
        blocks_image_import=True,
        guidance=(
            _UKCIS_IMAGES + " Pupils are not to be criminalised unnecessarily: the DSL "
            "decides whether the police are needed (004 9.4)."
        ),
        routes=(
            RouteRule(
                Route.DSL,
                required=True,
                reason="Tell the DSL immediately; the DSL decides the response",
                policy_refs=("UKCIS", "004 9.4", "002 8.1"),
            ),
            _IMAGES_HEAD_RULE,
            # 004 9.4 names this very case: a pupil who took and shared an image of
            # themselves need not be criminalised, and the DSL decides. Sharing a child's
            # nude image is an offence, so the decision is always due: tell the police, or
            # record why not (the route's "not needed" record).
            RouteRule(
                Route.POLICE,
                required=True,
                reason=(
                    "Refer to the police immediately when the UKCIS criteria are met (an adult, "
                    "coercion or blackmail, a child under 13, violent imagery, immediate "
                    "risk); otherwise the DSL may decide not to, so as not to criminalise a "
                    "pupil unnecessarily, and records that decision with its reasons"
                ),
                policy_refs=("004 9.4", "UKCIS"),
                deadline=IMMEDIATELY,
            ),
            RouteRule(
                Route.SOCIAL_CARE,
                required=False,
                reason="Refer to children's social care when the UKCIS criteria are met",
                policy_refs=("UKCIS", "KCSIE Part 1"),
                when=(Condition.UKCIS_REFERRAL,),
            ),
            RouteRule(
                Route.REPORT_REMOVE,
                required=False,
                reason="Help the young person use Report Remove to get their images taken down",
                policy_refs=("UKCIS",),
                when=(Condition.OWN_IMAGES_ONLINE,),
            ),
            _ceop(
                "Where an adult has groomed, coerced or blackmailed the child, it can also be "
                "reported to CEOP, alongside the police",
                "UKCIS",
            ),
            RouteRule(
                Route.LADO,
                required=True,
                reason="A member of staff involved with a child's nude images goes to the LADO",
                policy_refs=("KCSIE Part 4", "000 7.1"),
                when=(Condition.ABOUT_STAFF,),
            ),
        ),
    ),
    Category(
        code="indecent-images-adult",
        title="Indecent images of children involving an adult",
        description=(
            "An adult has made, holds, has sent or has asked for indecent images of a child, "
            "or such images have been found on a device or account."
        ),
        policy_refs=("002 7.2.4", "000 7.1"),
        child_protection=True,
        allegation_against_staff=False,
        blocks_image_import=True,
        guidance=(
            "It is an offence to save, send or alter an image or to show it to anyone else "
            "(002 7.2.4). " + _UKCIS_IMAGES + " Keep any device somewhere secure where "
            "others cannot see it, and contact the police immediately for advice."
        ),
        routes=(
            # 002 7.2.4: the only "immediately" for the police in the policies.
            RouteRule(
                Route.POLICE,
                required=True,
                reason="Contact the police immediately for advice",
                policy_refs=("002 7.2.4", "000 7.1"),
                deadline=IMMEDIATELY,
            ),
            RouteRule(
                Route.DSL,
                required=True,
                reason="A matter of child safety: tell the DSL immediately",
                policy_refs=("002 8.1", "UKCIS"),
            ),
            _IMAGES_HEAD_RULE,
            RouteRule(
                Route.LADO,
                required=True,
                reason=(
                    "A member of staff with indecent images of children may pose a risk of "
                    "harm to children: refer to the LADO"
                ),
                policy_refs=("KCSIE Part 4", "000 7.1"),
                when=(Condition.ABOUT_STAFF,),
            ),
            RouteRule(
                Route.SOCIAL_CARE,
                required=False,
                reason="Refer a child at risk of significant harm to children's social care",
                policy_refs=("KCSIE Part 1", "000 7.1"),
                when=(Condition.SIGNIFICANT_HARM,),
            ),
            _ceop(
                "An adult asking a child online for images is grooming: it can also be "
                "reported to CEOP, alongside the police",
                "UKCIS",
            ),
            RouteRule(
                Route.REPORT_REMOVE,
                required=False,
                reason="Help the young person use Report Remove to get their images taken down",
                policy_refs=("UKCIS",),
                when=(Condition.OWN_IMAGES_ONLINE,),
            ),
        ),
    ),
    Category(
        code="radicalisation",
        title="Radicalisation or extremism concern",
        description=(
            "A pupil or group of pupils may be at risk of radicalisation or terrorist "
            "exploitation, through social media or otherwise."
        ),
        policy_refs=("000 10.6", "000 10.1", "Prevent duty guidance"),
        child_protection=True,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            "Follow the school's normal safeguarding procedures under the Prevent duty: tell "
            "the headteacher and discuss it with the DSL immediately (000 10.6). If anyone is "
            "at immediate risk, ring 999."
        ),
        head_guidance=(
            "Follow the school's normal safeguarding procedures under the Prevent duty. The "
            "concern is about the headteacher, so tell the chair of governors instead, and "
            "discuss it with the DSL immediately (000 10.6; 001 5(ii)). Do not tell the "
            "headteacher. If anyone is at immediate risk, ring 999."
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason="Contact the headteacher immediately",
                policy_refs=("000 10.6",),
                deadline=IMMEDIATELY,
            ),
            RouteRule(
                Route.DSL,
                required=True,
                reason="Discuss the concern with the DSL under the normal safeguarding procedures",
                policy_refs=("000 10.6",),
            ),
            # 000 10.1: the Prevent duty itself; 10.6 names the headteacher, the DSL, social
            # care and the police, not a Prevent referral.
            RouteRule(
                Route.PREVENT,
                required=False,
                reason="The DSL considers a Prevent referral under the Prevent duty",
                policy_refs=("000 10.1", "Prevent duty guidance"),
            ),
            RouteRule(
                Route.SOCIAL_CARE,
                required=False,
                reason="Where necessary, discuss it with children's social care",
                policy_refs=("000 10.6",),
                when=(Condition.SIGNIFICANT_HARM,),
            ),
            police_if_illegal(
                "Where there is a concern that illegal activity has taken place (such as "
                "sharing terrorist material), the headteacher contacts the local police; ring "
                "999 if anyone is at immediate risk",
                "000 10.6",
            ),
            platform_report("Ask the site to remove extremist material"),
            # 000 6.18: staff must not express personal beliefs in ways that exploit pupils'
            # vulnerability or might lead them to break the law; 000 3.4: harm or distress
            # is dealt with under the safeguarding policy. (10.6 is about a pupil at risk.)
            RouteRule(
                Route.LADO,
                required=True,
                reason="A member of staff promoting extremism to pupils goes to the LADO",
                policy_refs=("KCSIE Part 4", "000 6.18", "000 3.4"),
                when=(Condition.ABOUT_STAFF, Condition.HARM_THRESHOLD),
            ),
        ),
    ),
    Category(
        code="online-abuse-disclosure",
        title="Online abuse, exploitation or grooming disclosed by a pupil",
        description=(
            "A pupil tells a member of staff about online abuse, harassment, exploitation "
            "or grooming, of themselves or of another child."
        ),
        policy_refs=("004 9.1", "004 9.3", "002 8.1", "000 6.24"),
        child_protection=True,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            "Handle it under the Child Protection and Safeguarding Policy (004 9.1). Listen, "
            "do not promise to keep it secret, write down the child's own words, and pass it "
            "to the DSL straight away. Do not investigate yourself."
        ),
        routes=(
            RouteRule(
                Route.DSL,
                required=True,
                reason=(
                    "Disclosures of online abuse go to the DSL under the child protection policy"
                ),
                policy_refs=("004 9.1", "004 9.3", "002 8.1"),
            ),
            HEAD_IMMEDIATELY,
            RouteRule(
                Route.SOCIAL_CARE,
                required=False,
                reason="Refer a child at risk of significant harm to children's social care",
                policy_refs=("KCSIE Part 1", "004 9.1"),
                when=(Condition.SIGNIFICANT_HARM,),
            ),
            police_if_illegal(
                "Where there is a concern that illegal activity has taken place, the "
                "headteacher contacts the police; the DSL may decide not to, so as not to "
                "criminalise a pupil unnecessarily, and records why",
                "003 8.8",
            ),
            platform_report("Report the abusive content or account to the site"),
            RouteRule(
                Route.REPORT_REMOVE,
                required=False,
                reason="Help the young person use Report Remove to get their images taken down",
                policy_refs=("UKCIS",),
                when=(Condition.OWN_IMAGES_ONLINE,),
            ),
            _ceop(
                "Online sexual abuse or grooming can also be reported to CEOP, alongside the "
                "police and children's social care",
                "004 9.1",
                "UKCIS",
            ),
            RouteRule(
                Route.LADO,
                required=True,
                reason="A disclosure of abuse by a member of staff is an allegation for the LADO",
                policy_refs=("KCSIE Part 4", "004 2.3"),
                when=(Condition.ABOUT_STAFF,),
            ),
        ),
    ),
)
