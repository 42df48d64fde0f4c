"""The categories of concern about conduct online: bullying of pupils and staff, public
threats, harmful content, unwanted contact, and the conduct of staff (allegations and
low-level concerns). Part of the table in domain/categories.py; the module note of
domain/category.py says how references in the guidance are kept.
"""

from __future__ import annotations

from safelog.domain.category import Category
from safelog.domain.deadline_rules import IMMEDIATELY
from safelog.domain.policy_rules import HEAD_IMMEDIATELY, platform_report, police_if_illegal
from safelog.domain.routes import Condition, Route, RouteRule

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

CONDUCT_CATEGORIES: tuple[Category, ...] = (
    Category(
        code="cyberbullying-pupil",
        title="Cyberbullying of a pupil",
        description=(
            "A pupil is being bullied, threatened, humiliated or harassed online or by "
            "phone, by other pupils or anyone else."
        ),
        policy_refs=("003 8.1", "004 11.1", "004 9.3", "002 8.1", "000 6.24", "003 2.2", "004 5"),
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
            HEAD_IMMEDIATELY,
            platform_report("Ask the site to remove the content through its reporting tool"),
            police_if_illegal(
                "Where there is a concern that illegal activity has taken place (threats, "
                "sexual or hate material), the headteacher contacts the police; the DSL may "
                "decide not to, so as not to criminalise a pupil unnecessarily, and records why",
                "003 8.8",
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
            platform_report(
                "Seek to have the offensive material removed through the site, where the "
                "person who posted it (an adult asked to remove it) refuses",
                "003 8.6",
                "003 8.7",
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
            platform_report("Report the content to the site so that it is removed"),
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
        policy_refs=(
            "003 5.6",
            "003 7.3",
            "003 appendix b",
            "002 4.3",
            "004 8.1.9",
            "004 10.4",
        ),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            "Complete the Inappropriate Content Report Form: who is submitting it, who "
            "accessed the content (if known), the date, the full URL(s) and the nature of "
            "the content (003 5.6, appendix b). Report it straight away to the IT technician "
            "or the IT provider so that the site is blocked (004 8.1.9; 004 10.4; 003 7.3). "
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
                Route.IT_FILTERING,
                required=True,
                reason=(
                    "Inappropriate content accessed online is reported to the IT technician "
                    "or the IT provider immediately, so that the site can be blocked"
                ),
                policy_refs=("004 8.1.9", "004 10.4", "002 4.3"),
                deadline=IMMEDIATELY,
            ),
            police_if_illegal(
                "Where there is a concern that illegal activity has taken place, the "
                "headteacher contacts the police"
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
            police_if_illegal(
                "Where there is a concern that illegal activity has taken place, the "
                "headteacher contacts the police",
                "003 5.22",
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
)
