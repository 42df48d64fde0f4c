"""The categories of concern about the school itself: adverse criticism of it online, and
breaches of the personal data it holds. Part of the table in domain/categories.py; the
module note of domain/category.py says how references in the guidance are kept.

Personal data breaches are one category, whatever the breach: data disclosed online, a lost
or stolen memory stick or laptop (002 6.8), data e-mailed to the wrong person, a hacked
account or other cyber incident. The policies send every one of them down the same
procedure (003 4.16: the Breach and Non-Compliance procedure; 004 7.10: the Data and
Cyber-Security Breach Prevention and Management Plan), with the same duties: the DPO, and
the ICO decision within 72 hours (UK GDPR Art. 33). One category keeps one set of routes
and spares the person reporting a choice between overlapping ones; its code stays
`personal-data-disclosed` because codes are stored and used by the CLI, and the cases
already logged under it get the DPO and ICO routes they always needed.
"""

from __future__ import annotations

from safelog.domain.category import Category
from safelog.domain.deadline_rules import IMMEDIATELY
from safelog.domain.policy_rules import platform_report, police_if_illegal
from safelog.domain.public_replies import APPROVAL_REF
from safelog.domain.routes import Condition, Route, RouteRule

# 004, the unnumbered paragraph after 8.1.9: "If staff become aware of adverse criticism of
# the Trust/ and or a school ... they must inform Head of School ... Staff should not
# respond without the express approval of [the Head of School]." (8.1.9 itself sends
# inappropriate content to the IT provider.)
ADVERSE_CRITICISM_REF = APPROVAL_REF

SCHOOL_CATEGORIES: tuple[Category, ...] = (
    Category(
        code="adverse-criticism",
        title="Adverse criticism of the school online",
        description=(
            "Criticism of the school or the trust, or of content staff have posted, has "
            "appeared on social media or elsewhere online."
        ),
        policy_refs=(ADVERSE_CRITICISM_REF,),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        replies_need_approval=True,
        guidance=(
            "Tell the headteacher (the head of school), and do not respond without the "
            "headteacher's express approval (004 8.1 (after 8.1.9)). If a reply is made, "
            "record who approved it and when. Take a screen print and record the date, time "
            "and site."
        ),
        head_guidance=(
            "The concern is about the headteacher, so do not respond without the express "
            "approval of the chair of governors (004 8.1 (after 8.1.9); 001 5(ii)), and record "
            "who approved a reply and when. Do not tell the headteacher about it. Take a "
            "screen print and record the date, time and site."
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason=(
                    "Inform the head of school; no one responds without their express approval"
                ),
                policy_refs=(ADVERSE_CRITICISM_REF,),
            ),
            platform_report("If the content breaks the site's terms, report it through the site"),
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
        title="Personal data breach: disclosed online, lost, stolen or hacked",
        description=(
            "Personal information about pupils, parents or staff (names, images, addresses, "
            "records) has been posted or shared online without authority, lost or stolen "
            "(a memory stick, laptop or papers), sent to the wrong person, or exposed by a "
            "cyber incident such as a hacked account."
        ),
        policy_refs=("003 4.16", "004 7.10", "002 6.8", "000 6.21", "UK GDPR Art. 33"),
        child_protection=False,
        allegation_against_staff=False,
        blocks_image_import=False,
        guidance=(
            "Follow the data-breach procedure (003 4.16; 004 7.10): tell the headteacher and "
            "the data protection officer at once. Whether the breach must be reported to the "
            "ICO has to be decided, and the decision recorded with its reasons, within 72 "
            "hours of it being discovered (UK GDPR Art. 33). Note what data, whose, how it "
            "was lost or disclosed, and when it was found out."
        ),
        head_guidance=(
            "Follow the data-breach procedure (003 4.16; 004 7.10). The concern is about the "
            "headteacher, so tell the chair of governors and the data protection officer at "
            "once, not the headteacher (001 5(ii)). Whether the breach must be reported to the "
            "ICO has to be decided, and the decision recorded with its reasons, within 72 "
            "hours of it being discovered (UK GDPR Art. 33). Note what data, whose, how it "
            "was lost or disclosed, and when it was found out."
        ),
        routes=(
            RouteRule(
                Route.HEADTEACHER,
                required=True,
                reason="Report it to the headteacher so the data-breach procedure starts",
                policy_refs=("003 4.16", "004 7.10", "000 6.24"),
                deadline=IMMEDIATELY,
            ),
            RouteRule(
                Route.DPO,
                required=True,
                reason=(
                    "Breaches are handled under the breach procedure, which the data "
                    "protection officer leads alongside the headteacher: tell the DPO at once"
                ),
                policy_refs=("003 4.16", "004 7.10", "003 2.1"),
                deadline=IMMEDIATELY,
            ),
            RouteRule(
                Route.ICO,
                required=True,
                reason=(
                    "Decide whether to report the breach to the ICO, and record the decision "
                    "with its reasons: a breach likely to put people's rights and freedoms at "
                    "risk is reported within 72 hours of its discovery"
                ),
                policy_refs=("UK GDPR Art. 33", "003 4.16", "004 7.10"),
            ),
            RouteRule(
                Route.IT_FILTERING,
                required=False,
                reason=(
                    "Ask the IT technician or IT provider to contain a cyber incident (reset "
                    "passwords, lock accounts, wipe a lost device)"
                ),
                policy_refs=("004 5", "004 7.10"),
                when=(Condition.CYBER_INCIDENT,),
            ),
            police_if_illegal(
                "Where there is a concern that illegal activity has taken place (a cyber "
                "attack, the theft of data or of a device), the headteacher contacts the police"
            ),
            platform_report("Ask the site to take the post down", "003 4.16", "004 7.10"),
            RouteRule(
                Route.DSL,
                required=False,
                reason="If the breach could put a child at risk, tell the DSL",
                policy_refs=("002 8.1",),
                when=(Condition.CHILD_AT_RISK,),
            ),
        ),
    ),
)
