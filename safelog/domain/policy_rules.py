"""Route rules that several categories share, each with the paragraph it comes from. The
categories (domain/categories_conduct.py, categories_sensitive.py, categories_school.py) use
them so that one policy sentence is one rule, worded once.
"""

from __future__ import annotations

from safelog.domain.deadline_rules import IMMEDIATELY
from safelog.domain.routes import Condition, Route, RouteRule

__all__ = ["HEAD_IMMEDIATELY", "platform_report", "police_if_illegal"]

# 000 6.24: "All concerns about communications, social contact or social media/social
# networking issues must be raised with the Headteacher immediately." 003 2.2 and 004 5:
# staff report "any social media misuse by staff, pupils or parents to the headteacher
# immediately". So it is required, and immediate, in the categories about pupils too.
HEAD_IMMEDIATELY = RouteRule(
    Route.HEADTEACHER,
    required=True,
    reason=(
        "Concerns about social media and online contact, and any social media misuse by "
        "pupils, must be raised with the headteacher immediately"
    ),
    policy_refs=("000 6.24", "003 2.2", "004 5"),
    deadline=IMMEDIATELY,
)


def police_if_illegal(reason: str, *refs: str) -> RouteRule:
    """004 9.4: "Where there is a concern that illegal activity has taken place, the
    Headteacher will contact the police." Required once that concern exists: the police are
    told, or, for a pupil, the DSL decides not to criminalise them and the decision is
    recorded with its reasons (the route's "not needed" record: domain/routes.py). No
    deadline: 004 9.4 sets none."""
    return RouteRule(
        Route.POLICE,
        required=True,
        reason=reason,
        policy_refs=("004 9.4", *refs),
        when=(Condition.ILLEGAL,),
    )


def platform_report(reason: str, *refs: str) -> RouteRule:
    """Asking a site to take content down: 002 appendix 2 ("Seek to have offensive online
    material removed through contact with the site"). 003 8.7 is narrower (an adult who
    refused to remove what they posted) and is cited only where that is the situation."""
    return RouteRule(
        Route.PLATFORM_REPORT,
        required=False,
        reason=reason,
        policy_refs=(*refs, "002 App. 2") if refs else ("002 App. 2",),
        when=(Condition.CONTENT_ONLINE,),
    )
