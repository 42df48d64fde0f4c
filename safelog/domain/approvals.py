"""Requests that wait for a named person's decision, as the policies ask for them:

- a blocked content access request (003 7.5 and its appendix a form), approved or refused
  by the headteacher;
- a family link or social contact with a pupil (000 6.7-6.9, 004 8.2.3), acknowledged by
  the headteacher;
- a request to monitor or intercept a member of staff's communications (002 7.4, 003 7.4,
  004 10.2), approved or refused by the chair of governors after the discussion with HR,
  ICT and audit services, and never readable by the person it is about.

Here is what each holds, who may ask, who decides and who reads it: pure rules, which the
writer follows and every reader checks again (vault/approvals.py, DESIGN §3.5). No one
decides their own request: a headteacher's goes to the chair of governors, and a request
to monitor the chair goes to the chief executive of the trust.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from safelog.domain.access import AudiencePlan, Recipient, plan_audience
from safelog.domain.roles import KeyRole, Role, key_roles_of
from safelog.text import hidden_character, normalise_line_breaks

MAX_NAME = 200  # who a request is about
MAX_REASONS = 2000


class ApprovalKind(StrEnum):
    BLOCKED_CONTENT = "blocked-content"
    FAMILY_LINK = "family-link"
    MONITORING = "monitoring"


class Decision(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # the form's words
    limit: int = 2000
    choices: tuple[str, ...] = ()  # when set, the value is one of these
    required: bool = True


@dataclass(frozen=True)
class KindRules:
    kind: ApprovalKind
    title: str  # the register's name
    form_title: str  # what the printed form is called
    policy_refs: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    askers: frozenset[Role] | None  # None: any member of staff
    decisions: tuple[Decision, ...]
    decider_words: str  # who decides, in plain words
    about_a_member: bool = False  # names a person the request is about (kept from it)


RELATIONSHIPS = (
    "family member",
    "social contact (same social circle)",
    "former pupil",
    "contact through an outside interest",
)

KINDS: dict[ApprovalKind, KindRules] = {
    ApprovalKind.BLOCKED_CONTENT: KindRules(
        ApprovalKind.BLOCKED_CONTENT,
        "Blocked content access requests",
        "Blocked content access request form",
        ("003 7.5", "003 appendix a"),
        (
            FieldSpec("url", "Full URL", limit=2000),
            FieldSpec("site_content", "Site content"),
            FieldSpec("reasons", "Reasons for access"),
            FieldSpec("risks", "Identified risks and control measures"),
        ),
        askers=None,
        decisions=(Decision.APPROVED, Decision.REFUSED),
        decider_words="the headteacher",
    ),
    ApprovalKind.FAMILY_LINK: KindRules(
        ApprovalKind.FAMILY_LINK,
        "Family links and social contacts with pupils",
        "Family link or social contact acknowledgement",
        ("000 6.7", "000 6.8", "000 6.9", "004 8.2.3"),
        (
            FieldSpec("pupil", "Pupil (or former pupil)", limit=200),
            FieldSpec("relationship", "Relationship", choices=RELATIONSHIPS),
            FieldSpec("details", "How you are linked, and any contact on social media"),
        ),
        askers=None,
        decisions=(Decision.ACKNOWLEDGED,),
        decider_words="the headteacher",
    ),
    ApprovalKind.MONITORING: KindRules(
        ApprovalKind.MONITORING,
        "Monitoring and interception requests",
        "Request to monitor or intercept communications",
        ("002 7.4", "003 7.4", "004 10.2"),
        (
            FieldSpec("scope", "What would be accessed or intercepted"),
            FieldSpec("grounds", "Evidence of crime, or of unlawful or unauthorised use"),
            FieldSpec("discussion", "Discussion with HR, ICT and audit services (who, when)"),
            FieldSpec("assessment", "Assessment: why access or interception is justified"),
        ),
        askers=frozenset({Role.DSL, Role.HEADTEACHER}),
        decisions=(Decision.APPROVED, Decision.REFUSED),
        decider_words="the chair of governors",
        about_a_member=True,
    ),
}


class NotAllowed(ValueError):
    """A request or decision the rules do not allow, in plain words."""


def rules_for(kind: str) -> KindRules:
    try:
        return KINDS[ApprovalKind(kind)]
    except ValueError:
        names = ", ".join(k.value for k in ApprovalKind)
        raise NotAllowed(f"There is no kind of request {kind!r}; the kinds are: {names}.") from None


def check_fields(rules: KindRules, fields: Mapping[str, object]) -> dict[str, str]:
    """The request's fields, trimmed; NotAllowed naming the first one that is wrong."""
    checked: dict[str, str] = {}
    known = {spec.name for spec in rules.fields}
    extra = sorted(set(fields) - known)
    if extra:
        raise NotAllowed(f"A {rules.form_title.lower()} has no field {extra[0]!r}.")
    for spec in rules.fields:
        raw = fields.get(spec.name)
        value = normalise_line_breaks(raw).strip() if isinstance(raw, str) else ""
        one_line = bool(spec.choices) or spec.limit <= MAX_NAME or spec.name == "url"
        problem = hidden_character(value, multi_line=not one_line)
        if problem:
            raise NotAllowed(f"“{spec.label}” contains {problem}; remove it and try again.")
        if spec.required and not value:
            raise NotAllowed(f"Fill in “{spec.label}”.")
        if len(value) > spec.limit:
            raise NotAllowed(f"“{spec.label}” is longer than {spec.limit} characters.")
        if spec.choices and value and value not in spec.choices:
            allowed = "; ".join(spec.choices)
            raise NotAllowed(f"“{spec.label}” must be one of: {allowed}.")
        checked[spec.name] = value
    return checked


def check_decision(rules: KindRules, decision: object, reasons: object) -> Decision:
    """The decision, if it is one this kind of request takes, with reasons where needed."""
    try:
        chosen = Decision(str(decision))
    except ValueError:
        chosen = None
    if chosen is None or chosen not in rules.decisions:
        words = " or ".join(d.value for d in rules.decisions)
        raise NotAllowed(f"A {rules.form_title.lower()} is {words}.")
    if not isinstance(reasons, str):
        raise NotAllowed("The reasons are not text.")
    if len(reasons) > MAX_REASONS:
        raise NotAllowed(f"The reasons are longer than {MAX_REASONS} characters.")
    problem = hidden_character(reasons, multi_line=True)
    if problem:
        raise NotAllowed(f"The reasons contain {problem}; remove it and try again.")
    if chosen is Decision.REFUSED and not reasons.strip():
        raise NotAllowed("Give the reasons for refusing the request.")
    return chosen


def check_subject_name(name: str) -> str:
    """Who a request is about, as written: one line, no hidden characters, not too long."""
    if len(name) > MAX_NAME:
        raise NotAllowed(f"The name of who it is about is longer than {MAX_NAME} characters.")
    problem = hidden_character(name)
    if problem:
        raise NotAllowed(f"The name of who it is about contains {problem}; remove it.")
    return name


def looks_like(typed: str, names: Iterable[str]) -> str | None:
    """A member's name that `typed` (matching none exactly) may mean: every word of theirs
    is in it ("Mr Hugh Head", "head, hugh"), or it is theirs with different spacing or case.
    A request about a member must name them exactly, so that the rules keep them from it."""
    words = set(_words(typed))
    squeezed = "".join(_words(typed))
    for name in names:
        theirs = _words(name)
        if theirs and (set(theirs) <= words or "".join(theirs) == squeezed):
            return name
    return None


# Letters of other scripts drawn like Latin ones ("Hugh Hеad" with a Cyrillic е), read as
# the Latin letter they pass for when names are compared.
_LOOK_ALIKE = str.maketrans(
    "аеорсухіјѕԁһӏԛԝаαβεικνορτυχЅІЈΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdhlqwaabeiknoptuxsijabezhikmnoptyx",
)


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold()).translate(_LOOK_ALIKE)
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return [w for w in "".join(c if c.isalnum() else " " for c in plain).split() if w]


def may_ask(rules: KindRules, roles: frozenset[Role]) -> bool:
    return bool(roles) and (rules.askers is None or bool(rules.askers & roles))


def deciders(
    rules: KindRules, requester_roles: frozenset[Role], subject_roles: frozenset[Role]
) -> frozenset[Role]:
    """Who decides: never the person asking, nor the person a request is about."""
    if rules.kind is ApprovalKind.MONITORING:
        if Role.CHAIR in subject_roles:
            return frozenset({Role.TRUST_CEO})
        return frozenset({Role.CHAIR})
    if Role.HEADTEACHER in requester_roles:
        return frozenset({Role.CHAIR})
    return frozenset({Role.HEADTEACHER})


def check_request(
    rules: KindRules,
    requester_id: str,
    requester_roles: frozenset[Role],
    subject_id: str | None,
    subject_name: str,
) -> None:
    """Raise NotAllowed when this person may not make this request. `subject_id`: the member
    of SafeLog it is about, if they are one; `subject_name`: who it is about, as written."""
    if not may_ask(rules, requester_roles):
        raise NotAllowed(
            f"A {rules.form_title.lower()} is made by the DSL or the headteacher."
            if rules.askers
            else "Only a member of SafeLog can make a request."
        )
    if rules.about_a_member and not subject_name.strip():
        raise NotAllowed("Say which member of staff the request is about.")
    if not rules.about_a_member and (subject_id or subject_name.strip()):
        raise NotAllowed(f"A {rules.form_title.lower()} is not about another person.")
    if subject_id is not None and subject_id == requester_id:
        raise NotAllowed("A request cannot be about the person making it.")


def readers(
    rules: KindRules,
    *,
    requester_id: str,
    subject_id: str | None,
    members: Mapping[str, frozenset[Role]],
    subject_roles_of: Mapping[str, frozenset[Role]],
    established: frozenset[KeyRole],
) -> AudiencePlan:
    """The keys a request is sealed for: the DSL, whoever decides it, the person who asked,
    and (for a monitoring request) the headteacher unless it is about them; never a key
    the person it is about holds (the iron rule, domain/access.py)."""
    requester_roles = subject_roles_of.get(requester_id, frozenset())
    subjects = frozenset({subject_id}) if subject_id else frozenset()
    subject_roles = subject_roles_of.get(subject_id, frozenset()) if subject_id else frozenset()
    decide = deciders(rules, requester_roles, subject_roles)
    also = {KeyRole.GOVERNORS} if decide & {Role.CHAIR, Role.TRUST_CEO} else set()
    plan = plan_audience(
        reporter_id=requester_id,
        subject_ids=subjects,
        members=members,
        escalated_to_leadership=True,
        established=established,
        subject_roles_of=subject_roles_of,
        also=frozenset(also),
    )
    recipients = set(plan.recipients)
    if rules.about_a_member:
        # Sealed to the people who hold each role now, one by one, never to the role key:
        # whoever joins later (perhaps the very person it is about, when they had no account
        # yet) is never handed it with the key.
        recipients = _people_for_roles(recipients, members, subjects)
    # The person who asked reads their request and its decision, whatever keys they hold.
    if requester_id in members and not _covered(plan, requester_roles):
        recipients.add(Recipient("user", requester_id))
    return AudiencePlan(frozenset(recipients), plan.about_headteacher, plan.notes)


def _people_for_roles(
    recipients: set[Recipient],
    members: Mapping[str, frozenset[Role]],
    subjects: frozenset[str],
) -> set[Recipient]:
    out = {r for r in recipients if r.kind != "role"}
    for recipient in recipients:
        if recipient.kind == "role":
            role = KeyRole(recipient.name)
            out |= {
                Recipient("user", user)
                for user, roles in members.items()
                if role in key_roles_of(roles) and user not in subjects
            }
    return out


def _covered(plan: AudiencePlan, roles: frozenset[Role]) -> bool:
    held = key_roles_of(roles)  # keys they hold, not ones a recovery key could restore
    return any(r.kind == "role" and KeyRole(r.name) in held for r in plan.recipients)
