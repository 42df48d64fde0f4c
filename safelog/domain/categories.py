"""What gets logged: the categories of concern, as data.

Each category carries its escalation rules (`RouteRule`s) with the reason and the
policy each comes from, so the user is always told why a route is shown. Policy
references name the seed policies by file number ("000 9.2") or national guidance
(KCSIE: Keeping Children Safe in Education; UKCIS: sharing nudes and semi-nudes).

Guidance is written for the member of staff reporting, who does not know section numbers:
the references written into the guidance text, like "(000 9.2; 003 8.4)", are taken out of
`guidance` when a category is made and kept, with `policy_refs`, for the DSL's `policy` line
("Policy: 003 8.1; 004 11.1"). The data below keeps them beside the words they support.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from safelog.domain.routes import Condition, Route, RouteRule
from safelog.errors import InvalidInput

__all__ = [
    "ABOUT_HEAD_GUIDANCE",
    "CATEGORIES",
    "Category",
    "UnknownCategory",
    "category_by_code",
    "category_codes",
    "split_policy_refs",
]


@dataclass(frozen=True)
class Category:
    code: str  # stable kebab-case code used in JSON and the CLI
    title: str  # plain English, as a DSL would say it
    description: str
    policy_refs: tuple[str, ...]
    # Child protection record: kept until the youngest pupil's date of birth + 25 years.
    child_protection: bool
    # An allegation against a member of staff: allegation outcomes and the staff retention rule.
    allegation_against_staff: bool
    # May involve indecent images of children: images are never imported, only described.
    blocks_image_import: bool
    guidance: str  # for the person reporting: plain words, references taken out
    routes: tuple[RouteRule, ...]
    # The guidance when the concern is about the headteacher, for a category whose
    # `guidance` has the headteacher decide or approve: the chair of governors does instead
    # (KCSIE Part 4; 001 5(ii); 004 9.2). Empty when `guidance` does not name the head.
    head_guidance: str = ""
    # A low-level concern about a member of staff (KCSIE Part 4, section two): it must name
    # the member of staff as a subject, so that they never read it, and is kept at least
    # until they leave (domain/low_level.py; domain/retention.py).
    low_level: bool = False
    # The references that were in the guidance text, in order (see the module note).
    guidance_refs: tuple[str, ...] = field(default=(), init=False)
    head_guidance_refs: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        plain, refs = split_policy_refs(self.guidance)
        object.__setattr__(self, "guidance", plain)
        object.__setattr__(self, "guidance_refs", refs)
        plain, refs = split_policy_refs(self.head_guidance)
        object.__setattr__(self, "head_guidance", plain)
        object.__setattr__(self, "head_guidance_refs", refs)

    @property
    def policy(self) -> str:
        """The policy line for the DSL: every section this category's rules rest on."""
        refs = list(dict.fromkeys((*self.guidance_refs, *self.policy_refs)))
        return "Policy: " + "; ".join(refs)

    def guidance_for(self, *, about_headteacher: bool) -> str:
        """The guidance to show for one concern. On a concern about the headteacher it
        never has the headteacher decide, approve or be told: it names the chair of
        governors, who handles such concerns, instead."""
        if not about_headteacher:
            return self.guidance
        if self.head_guidance:
            return self.head_guidance
        return ABOUT_HEAD_GUIDANCE + " " + self.guidance

    def policy_for(self, *, about_headteacher: bool) -> str:
        """The DSL's policy line for one concern: on a concern about the headteacher, with
        the sections that send it to the chair of governors."""
        if not about_headteacher:
            return self.policy
        refs = (*self.head_guidance_refs, *self.guidance_refs, *self.policy_refs, *_HEAD_REFS)
        return "Policy: " + "; ".join(dict.fromkeys(refs))


# What a concern about the headteacher adds to a category's guidance (001 5(ii); 002 8.1;
# 004 9.2; KCSIE Part 4): said plainly, for the person reporting.
ABOUT_HEAD_GUIDANCE = (
    "This concern is about the headteacher, so it goes to the chair of governors (in a "
    "trust, also the CEO), who decides what happens, not to the headteacher. Do not tell the "
    "headteacher about it."
)
_HEAD_REFS = ("001 5(ii)", "002 8.1", "004 9.2", "KCSIE Part 4")


# A parenthesised reference: a seed policy section ("000 9.2", "001 4(i)", "003 5.6,
# appendix b") or national law or guidance, possibly several separated by ";".
_REFERENCE_IN_TEXT = re.compile(r"\s*\(((?:00[0-4] |UK GDPR |KCSIE |UKCIS)(?:[^()]|\([ivx]+\))*)\)")


def split_policy_refs(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` without its parenthesised policy references, and the references."""
    refs: list[str] = []
    for match in _REFERENCE_IN_TEXT.finditer(text):
        for group in match.group(1).split(";"):
            document = ""
            for part in (p.strip() for p in group.split(",")):
                if not part:
                    continue
                if re.match(r"00[0-4] ", part):
                    document = part[:4]
                elif document and not part[:1].isdigit() and part.startswith("appendix"):
                    part = document + part  # "003 5.6, appendix b": both in policy 003
                refs.append(part)
    return _REFERENCE_IN_TEXT.sub("", text), tuple(refs)


class UnknownCategory(ValueError, InvalidInput):
    """No category has this code. The message lists the valid codes and is safe to show."""

    def __init__(self, code: str) -> None:
        self.code = code
        valid = ", ".join(category_codes())
        super().__init__(f"'{code}' is not a category; use one of: {valid}")


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


_CONDUCT_EVIDENCE = (
    "Keep the evidence: take screen prints of messages or web pages and record the time, "
    "date and location of the site. Do not delete messages (000 9.2; 003 8.4)."
)

# For the person reporting a low-level concern: when it is not one (KCSIE Part 4).
_NOT_LOW_LEVEL = (
    "If you think they may have harmed a child, committed an offence against a child, or may "
    "pose a risk to children, it is not a low-level concern but an allegation: tell the DSL "
    "straight away and report it under the kind of concern that fits it (such as staff "
    "online conduct), so that the LADO is told within one working day (KCSIE Part 4)."
)

_CATEGORIES: tuple[Category, ...] = (
    Category(
        code="cyberbullying-pupil",
        title="Cyberbullying of a pupil",
        description=(
            "A pupil is being bullied, threatened, humiliated or harassed online or by "
            "phone, by other pupils or anyone else."
        ),
        policy_refs=("003 8.1", "004 11.1", "004 9.3", "002 8.1"),
        child_protection=True,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            "Handle it under the Anti-Bullying Policy (003 8.1; 004 11.1). " + _CONDUCT_EVIDENCE
        ),
        routes=(
            RouteRule(
                Route.DSL,
                required=True,
                reason=(
                    "Concerns about pupils' online behaviour go to the DSL, and anything "
                    "touching a child's safety must be reported to the DSL"
                ),
                policy_refs=("004 9.3", "002 8.1"),
            ),
            RouteRule(
                Route.HEADTEACHER,
                required=False,
                reason="Social media misuse by pupils is reported to the headteacher",
                policy_refs=("003 2.2", "000 6.24"),
            ),
            RouteRule(
                Route.PLATFORM_REPORT,
                required=False,
                reason="Ask the site to remove the content through its reporting tool",
                policy_refs=("003 8.7", "002 App. 2"),
                when=(Condition.CONTENT_ONLINE,),
            ),
            RouteRule(
                Route.POLICE,
                required=False,
                reason=(
                    "Consider the police for threatening, sexual or hate material, without "
                    "unnecessarily criminalising pupils"
                ),
                policy_refs=("003 8.8", "004 9.4"),
                when=(Condition.THREATENING_OR_HATE,),
            ),
            RouteRule(
                Route.SOCIAL_CARE,
                required=False,
                reason="Refer a child at risk of significant harm to children's social care",
                policy_refs=("KCSIE Part 1",),
                when=(Condition.SIGNIFICANT_HARM,),
            ),
            RouteRule(
                Route.LADO,
                required=False,
                reason="An allegation that a member of staff harmed a child goes to the LADO",
                policy_refs=("KCSIE Part 4", "004 2.3"),
                when=(Condition.ABOUT_STAFF, Condition.HARM_THRESHOLD),
            ),
        ),
    ),
    Category(
        code="cyberbullying-staff",
        title="Cyberbullying or trolling of a member of staff",
        description=(
            "A member of staff is being bullied, trolled, harassed or defamed online, "
            "by a pupil, a parent, a colleague or anyone else."
        ),
        policy_refs=("000 9.2", "000 9.5", "001 5(ii)", "002 8.2", "003 8.2", "004 11.2"),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            _CONDUCT_EVIDENCE
            + " Do not reply or retaliate (003 8.3; 002 App. 2). Support is available from "
            "your union or professional association and the Professionals Online Safety "
            "Helpline (000 9.5; 002 8.2)."
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason=(
                    "All cyberbullying and trolling of staff is reported to the headteacher, "
                    "immediately, with the evidence"
                ),
                policy_refs=("000 9.5", "001 5(ii)", "002 8.2", "002 App. 2"),
            ),
            RouteRule(
                Route.PLATFORM_REPORT,
                required=False,
                reason="Seek to have the offensive material removed through the site",
                policy_refs=("003 8.7", "002 App. 2"),
                when=(Condition.CONTENT_ONLINE,),
            ),
            RouteRule(
                Route.POLICE,
                required=False,
                reason="Report threatening or intimidating behaviour to the police",
                policy_refs=("003 8.8", "002 7.2.4", "002 App. 2"),
                when=(Condition.THREATENING_OR_HATE,),
            ),
            RouteRule(
                Route.DSL,
                required=False,
                reason="Anything that concerns a child's safety is also reported to the DSL",
                policy_refs=("002 8.1",),
                when=(Condition.CHILD_AT_RISK,),
            ),
        ),
    ),
    Category(
        code="public-threats",
        title="Threats, abuse or harassment from the public",
        description=(
            "A member of staff receives threats, abuse or harassment from members of the "
            "public through social media or other online channels."
        ),
        policy_refs=("002 7.1.4", "003 8.8"),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=_CONDUCT_EVIDENCE + " Do not reply or retaliate (003 8.3; 002 App. 2).",
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason=(
                    "Threats, abuse or harassment from the public are reported through the "
                    "school's procedures, to the headteacher, immediately"
                ),
                policy_refs=("002 7.1.4", "000 6.24"),
            ),
            RouteRule(
                Route.POLICE,
                required=False,
                reason="Consider contacting the police about threatening or hateful material",
                policy_refs=("003 8.8", "002 7.2.4", "002 App. 2"),
                when=(Condition.THREATENING_OR_HATE,),
            ),
            RouteRule(
                Route.PLATFORM_REPORT,
                required=False,
                reason="Report the content to the site so that it is removed",
                policy_refs=("003 8.7", "002 App. 2"),
                when=(Condition.CONTENT_ONLINE,),
            ),
            RouteRule(
                Route.DSL,
                required=False,
                reason="Threats that touch a child's safety are also reported to the DSL",
                policy_refs=("002 8.1",),
                when=(Condition.CHILD_AT_RISK,),
            ),
        ),
    ),
    Category(
        code="inappropriate-content",
        title="Inappropriate content accessed on school systems",
        description=(
            "Offensive, pornographic or otherwise unsuitable content was accessed, received "
            "or shown on school computers, devices or network."
        ),
        policy_refs=("003 5.6", "003 7.3", "003 appendix b", "002 4.3", "004 8.1.9"),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            "Complete the Inappropriate Content Report Form: who is submitting it, who "
            "accessed the content (if known), the date, the full URL(s) and the nature of "
            "the content (003 5.6, appendix b). Ask IT to block the site (003 7.3; 004 10.4). "
            "If the content may include indecent images of children, do not capture it: "
            "log it as indecent images instead."
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason=(
                    "Inappropriate content accessed on school systems is reported to the "
                    "headteacher immediately, on the report form"
                ),
                policy_refs=("003 5.6", "002 4.3", "000 7.3"),
            ),
            RouteRule(
                Route.DSL,
                required=True,
                reason="The DSLs are told so that the site can be blocked",
                policy_refs=("003 7.3",),
            ),
            RouteRule(
                Route.POLICE,
                required=False,
                reason="Where illegal activity may have taken place, the police are contacted",
                policy_refs=("004 9.4", "002 7.2.4"),
                when=(Condition.ILLEGAL,),
            ),
            RouteRule(
                Route.LADO,
                required=False,
                reason=(
                    "A member of staff accessing such material raises concerns about their "
                    "suitability to work with children: consult the LADO"
                ),
                policy_refs=("000 7.2", "000 7.4", "KCSIE Part 4"),
                when=(Condition.ABOUT_STAFF, Condition.HARM_THRESHOLD),
            ),
        ),
    ),
    Category(
        code="unwanted-contact",
        title="Unwanted contact: friend or follow requests from pupils or parents",
        description=(
            "A pupil or parent has tried to 'friend', follow or otherwise contact a member "
            "of staff through their personal social media."
        ),
        policy_refs=("003 5.13", "003 6.3", "004 8.2.3", "004 8.4.2"),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            "Do not accept the request or reply from a personal account (000 6.7; 001 4(i); "
            "002 3.2). Take a screen print of the request and note the date and platform."
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason=(
                    "Friend or follow requests from pupils or parents are reported to the "
                    "headteacher"
                ),
                policy_refs=("003 5.13", "004 8.2.3", "004 8.4.2", "002 App. 2"),
            ),
            RouteRule(
                Route.DSL,
                required=False,
                reason="If the contact raises a concern about a child's safety, tell the DSL",
                policy_refs=("002 8.1", "004 9.3"),
                when=(Condition.CHILD_AT_RISK,),
            ),
        ),
    ),
    Category(
        code="staff-online-conduct",
        title="Staff online conduct (breach of the social media policy)",
        description=(
            "A member of staff's online behaviour may breach the social media policy: "
            "contact with pupils, offensive or damaging posts, sharing pupils' images or "
            "information, bullying colleagues."
        ),
        policy_refs=("004 9.2", "001 5(iii)", "002 8.1", "000 3.4", "004 2.3"),
        child_protection=False,
        allegation_against_staff=True,
        blocks_image_import=False,
        guidance=(
            "This is a concern about a member of staff: record facts, not opinions, and do "
            "not investigate or tell the member of staff yourself. The headteacher decides "
            "the course of action under the staff code of conduct, the allegations against "
            "staff policy and the disciplinary policy (004 9.2). At the end, record the "
            "outcome: substantiated, false, malicious, unsubstantiated or unfounded."
        ),
        head_guidance=(
            "This is a concern about the headteacher: record facts, not opinions, and do not "
            "investigate or tell the headteacher yourself. The chair of governors (in a trust, "
            "the chair of local governors and the CEO) decides the course of action under the "
            "staff code of conduct, the allegations against staff policy and the disciplinary "
            "policy (004 9.2; 001 5(ii)). At the end, record the outcome: substantiated, "
            "false, malicious, unsubstantiated or unfounded."
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason="Concerns about a member of staff's online behaviour go to the headteacher",
                policy_refs=("004 9.2", "001 5(iii)", "002 8.1"),
            ),
            RouteRule(
                Route.LADO,
                required=False,
                reason=(
                    "An allegation that meets the harm threshold is referred to the LADO "
                    "within one working day"
                ),
                policy_refs=("KCSIE Part 4", "004 2.3"),
                when=(Condition.HARM_THRESHOLD,),
            ),
            RouteRule(
                Route.DSL,
                required=False,
                reason="If a child's safety is concerned, the DSL is told as well",
                policy_refs=("002 8.1",),
                when=(Condition.CHILD_AT_RISK,),
            ),
            RouteRule(
                Route.POLICE,
                required=False,
                reason="Where illegal activity may have taken place, the police are contacted",
                policy_refs=("004 9.4", "003 5.22"),
                when=(Condition.ILLEGAL,),
            ),
        ),
    ),
    Category(
        code="low-level-staff",
        title="Low-level concern about a member of staff",
        description=(
            "A member of staff (or a supply teacher, volunteer or contractor) has behaved in "
            "a way that does not fit the staff code of conduct, but that does not harm or put "
            "a child at risk of harm."
        ),
        policy_refs=("KCSIE Part 4", "004 9.2", "001 5(iii)", "002 8.1"),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        low_level=True,
        guidance=(
            "A low-level concern is any worry, however small, even just a sense of unease, "
            "that an adult working in the school has acted in a way that does not fit the "
            "staff code of conduct, in or out of work, but that does not meet the harm "
            "threshold (KCSIE Part 4). For example: being over-friendly with pupils, having "
            "favourites, taking photos of pupils on their personal phone, being alone with a "
            "pupil behind a closed door, or using words that humiliate pupils. Choose the "
            "member of staff below: they will never be able to read this. Write facts, not "
            "opinions, and do not tell them or look into it yourself. The headteacher, with "
            "the DSL, decides what happens and looks for a pattern of concerns (004 9.2; "
            "001 5(iii); 002 8.1). " + _NOT_LOW_LEVEL
        ),
        head_guidance=(
            "A low-level concern is any worry, however small, that an adult working in the "
            "school has acted in a way that does not fit the staff code of conduct, but that "
            "does not meet the harm threshold (KCSIE Part 4). This one is about the "
            "headteacher, so it goes to the chair of governors (in a trust, also the CEO), "
            "who decides what happens with the DSL; the headteacher will never be able to "
            "read it. Write facts, not opinions, and do not tell the headteacher or look "
            "into it yourself (001 5(iii); 004 9.2). " + _NOT_LOW_LEVEL
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason=(
                    "Low-level concerns about staff are shared with the headteacher, who "
                    "decides what happens and reviews them for patterns"
                ),
                policy_refs=("KCSIE Part 4", "004 9.2", "001 5(iii)"),
            ),
            RouteRule(
                Route.DSL,
                required=True,
                reason=(
                    "The DSL is told of every low-level concern, so that a pattern of "
                    "concerns about the same adult is seen"
                ),
                policy_refs=("KCSIE Part 4", "002 8.1"),
            ),
            RouteRule(
                Route.LADO,
                required=False,
                reason=(
                    "A concern, or a pattern of concerns, that meets the harm threshold is an "
                    "allegation, not a low-level concern: refer it to the LADO within one "
                    "working day"
                ),
                policy_refs=("KCSIE Part 4", "004 2.3"),
                when=(Condition.HARM_THRESHOLD,),
            ),
        ),
    ),
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

CATEGORIES: tuple[Category, ...] = _CATEGORIES

_BY_CODE: Mapping[str, Category] = MappingProxyType({c.code: c for c in _CATEGORIES})


def category_codes() -> tuple[str, ...]:
    return tuple(c.code for c in _CATEGORIES)


def category_by_code(code: str) -> Category:
    """The category with this code; raises `UnknownCategory` listing the valid codes."""
    try:
        return _BY_CODE[code.strip().lower()]
    except KeyError:
        raise UnknownCategory(code) from None
