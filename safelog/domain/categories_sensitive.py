"""The categories of concern that need the most care: nudes and semi-nudes shared by
pupils, indecent images involving adults, radicalisation, disclosures of abuse online,
adverse criticism of the school and personal data disclosed. Part of the table in
domain/categories.py; the module note of domain/category.py says how references in the
guidance are kept.
"""

from __future__ import annotations

from safelog.domain.category import Category
from safelog.domain.routes import Condition, Route, RouteRule

_UKCIS_IMAGES = (
    "Never view, copy, print, share, store or save the imagery, and never ask a child to "
    "show, send or download it. Do not delete it or ask the child to delete it. If you saw "
    "it by accident, tell the DSL. SafeLog does not accept images for this category: record "
    "a description of what was reported, who was told, and any police reference instead."
)

_IMAGES_TO_HEAD = "Where indecent images of children are found, the headteacher is told immediately"


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
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason=_IMAGES_TO_HEAD,
                policy_refs=("000 7.1",),
            ),
            RouteRule(
                Route.POLICE,
                required=False,
                reason="Refer to the police when the UKCIS criteria for referral are met",
                policy_refs=("UKCIS", "004 9.4"),
                when=(Condition.UKCIS_REFERRAL,),
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
            RouteRule(
                Route.POLICE,
                required=True,
                reason="Contact the police immediately for advice",
                policy_refs=("002 7.2.4", "000 7.1"),
            ),
            RouteRule(
                Route.DSL,
                required=True,
                reason="A matter of child safety: tell the DSL immediately",
                policy_refs=("002 8.1", "UKCIS"),
            ),
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason=_IMAGES_TO_HEAD,
                policy_refs=("000 7.1",),
            ),
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
        policy_refs=("000 10.6", "Prevent duty guidance"),
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
            ),
            RouteRule(
                Route.DSL,
                required=True,
                reason="Discuss the concern with the DSL under the normal safeguarding procedures",
                policy_refs=("000 10.6",),
            ),
            RouteRule(
                Route.PREVENT,
                required=False,
                reason="The DSL considers a Prevent referral",
                policy_refs=("000 10.6", "Prevent duty guidance"),
            ),
            RouteRule(
                Route.SOCIAL_CARE,
                required=False,
                reason="Where necessary, discuss it with children's social care",
                policy_refs=("000 10.6",),
                when=(Condition.SIGNIFICANT_HARM,),
            ),
            RouteRule(
                Route.POLICE,
                required=False,
                reason="Where necessary, involve the local police (999 if the risk is immediate)",
                policy_refs=("000 10.6",),
                when=(Condition.IMMEDIATE_RISK,),
            ),
            RouteRule(
                Route.PLATFORM_REPORT,
                required=False,
                reason="Ask the site to remove extremist material",
                policy_refs=("003 8.7", "002 App. 2"),
                when=(Condition.CONTENT_ONLINE,),
            ),
            RouteRule(
                Route.LADO,
                required=True,
                reason="A member of staff promoting extremism to pupils goes to the LADO",
                policy_refs=("KCSIE Part 4", "000 10.6"),
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
        policy_refs=("004 9.1", "004 9.3", "002 8.1"),
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
            RouteRule(
                Route.SOCIAL_CARE,
                required=False,
                reason="Refer a child at risk of significant harm to children's social care",
                policy_refs=("KCSIE Part 1", "004 9.1"),
                when=(Condition.SIGNIFICANT_HARM,),
            ),
            RouteRule(
                Route.POLICE,
                required=False,
                reason="Where illegal activity may have taken place, the police are contacted",
                policy_refs=("004 9.4", "003 8.8"),
                when=(Condition.ILLEGAL,),
            ),
            RouteRule(
                Route.PLATFORM_REPORT,
                required=False,
                reason="Report the abusive content or account to the site",
                policy_refs=("003 8.7",),
                when=(Condition.CONTENT_ONLINE,),
            ),
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
    Category(
        code="adverse-criticism",
        title="Adverse criticism of the school online",
        description=(
            "Criticism of the school or the trust, or of content staff have posted, has "
            "appeared on social media or elsewhere online."
        ),
        policy_refs=("004 8.1.9",),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            "Do not respond without the headteacher's express approval (004 8.1.9). Take a "
            "screen print and record the date, time and site."
        ),
        head_guidance=(
            "The concern is about the headteacher, so do not respond without the express "
            "approval of the chair of governors (004 8.1.9; 001 5(ii)). Do not tell the "
            "headteacher about it. Take a screen print and record the date, time and site."
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason="Inform the head of school; no response without their approval",
                policy_refs=("004 8.1.9",),
            ),
            RouteRule(
                Route.PLATFORM_REPORT,
                required=False,
                reason="If the content breaks the site's terms, report it through the site",
                policy_refs=("003 8.7",),
                when=(Condition.CONTENT_ONLINE,),
            ),
            RouteRule(
                Route.POLICE,
                required=False,
                reason="Consider the police if the content is threatening or a hate crime",
                policy_refs=("003 8.8",),
                when=(Condition.THREATENING_OR_HATE,),
            ),
        ),
    ),
    Category(
        code="personal-data-disclosed",
        title="Personal data disclosed online",
        description=(
            "Personal information about pupils, parents or staff (names, images, addresses, "
            "contact details) has been posted or shared online without authority."
        ),
        policy_refs=("003 4.16", "004 7.10", "000 6.21"),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            "Follow the data-breach procedure (003 4.16; 004 7.10): tell the data protection "
            "officer at once, because a breach that must be reported to the ICO has to be "
            "reported within 72 hours (UK GDPR Art. 33)."
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason="Report it to the headteacher so the data-breach procedure starts",
                policy_refs=("003 4.16", "004 7.10", "000 6.24"),
            ),
            RouteRule(
                Route.PLATFORM_REPORT,
                required=False,
                reason="Ask the site to take the post down",
                policy_refs=("003 4.7", "003 8.7"),
                when=(Condition.CONTENT_ONLINE,),
            ),
            RouteRule(
                Route.DSL,
                required=False,
                reason="If the disclosure could put a child at risk, tell the DSL",
                policy_refs=("002 8.1",),
                when=(Condition.CHILD_AT_RISK,),
            ),
        ),
    ),
)
