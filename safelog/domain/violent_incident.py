"""The Violent Incident Report (VIR) that 002 appendix 2 asks a member of staff to complete
for "any specific incident" of cyberbullying arising out of their employment: here, drawn
from the case SafeLog already holds, so nothing is typed twice and nothing differs from the
record. Pure: the sections of the form from a case's fields; export/vir_form.py draws it.

The seed policies name the form but do not reproduce it; its sections follow what a local
authority's VIR asks (the member of staff, when and where, who was responsible, what
happened, witnesses, harm, what was done and who was told), each filled from the case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from safelog.domain.outcomes import PersonKind, PersonRole, outcome_label
from safelog.domain.route_table import Route

# Incidents against a member of staff: the concerns the VIR is completed for.
VIR_CATEGORIES = frozenset({"cyberbullying-staff", "public-threats"})
POLICY_REFS = ("002 App. 2",)
TITLE = "Violent Incident Report (VIR)"
NOT_RECORDED = "Not recorded in SafeLog"

# Routes whose record says who was told, in the order the form asks.
_TOLD = (
    (Route.HEADTEACHER, "Reported to the headteacher"),
    (Route.CHAIR_OF_GOVERNORS, "Reported to the chair of governors"),
    (Route.POLICE, "Reported to the police"),
    (Route.PLATFORM_REPORT, "Reported to the site or platform"),
    (Route.REPORT_REMOVE, "Asked the site to remove it"),
    (Route.DSL, "Reported to the DSL"),
)


def offers_vir(category: str) -> bool:
    return category in VIR_CATEGORIES


@dataclass(frozen=True)
class VirSection:
    heading: str
    rows: tuple[tuple[str, str], ...]


def _people(people: Sequence[Mapping[str, Any]], role: PersonRole) -> list[Mapping[str, Any]]:
    return [p for p in people if p.get("role") == role.value]


def _describe(person: Mapping[str, Any]) -> str:
    try:
        kind = PersonKind(str(person.get("kind"))).label
    except ValueError:
        kind = str(person.get("kind") or "")
    name = str(person.get("name") or "name not known")
    return f"{name} ({kind.lower()})" if kind else name


def _escalation(record: Mapping[str, Any], when: Callable[[str], str]) -> str:
    if record.get("not_needed"):
        return f"Not needed: {record['not_needed']}"
    parts = [when(str(record.get("done_at") or ""))]
    for key, words in (("told", "told"), ("how", "by"), ("reference", "reference")):
        if record.get(key):
            parts.append(f"{words} {record[key]}")
    return ", ".join(p for p in parts if p) or NOT_RECORDED


def vir_sections(
    fields: Mapping[str, Any],
    *,
    reporter_name: str,
    category_title: str,
    evidence: Sequence[tuple[str, str]],  # (file name, SHA-256) of each item
    when: Callable[[str], str] = str,  # an ISO date or moment in words
) -> list[VirSection]:
    """The form's sections, filled from a case's fields (after its last version)."""
    people = list(fields.get("people") or [])
    victims = _people(people, PersonRole.VICTIM)
    responsible = _people(people, PersonRole.ALLEGED_PERPETRATOR)
    witnesses = _people(people, PersonRole.WITNESS)
    escalations: Mapping[str, Mapping[str, Any]] = fields.get("escalations") or {}
    staff = ", ".join(_describe(p) for p in victims) or reporter_name
    where = ", ".join(
        x for x in (str(fields.get("platform") or ""), str(fields.get("url") or "")) if x
    )
    happened = str(fields.get("description") or fields.get("summary") or "")
    chronology = [
        f"{when(str(e.get('occurred_at') or e.get('recorded_at') or ''))}: {e.get('text', '')}"
        for e in fields.get("chronology") or []
    ]
    actions = [str(a.get("text", "")) for a in fields.get("actions") or []]
    told = [
        (label, _escalation(escalations[route.value], when))
        for route, label in _TOLD
        if route.value in escalations
    ]
    return [
        VirSection(
            "The member of staff",
            (("Name", staff), ("Reported in SafeLog by", reporter_name)),
        ),
        VirSection(
            "The incident",
            (
                ("Kind of incident", category_title),
                ("Date and time", when(str(fields.get("occurred_at") or "")) or NOT_RECORDED),
                ("Where (site, platform or address)", where or NOT_RECORDED),
                ("What happened", happened or NOT_RECORDED),
                ("Since then", "\n".join(chronology) or "Nothing further recorded"),
            ),
        ),
        VirSection(
            "Who was responsible",
            tuple(("Person", _describe(p)) for p in responsible) or (("Person", "Not known"),),
        ),
        VirSection(
            "Witnesses",
            tuple(("Witness", _describe(p)) for p in witnesses) or (("Witness", "None recorded"),),
        ),
        VirSection(
            "Evidence kept",
            tuple((name, f"SHA-256 {digest}") for name, digest in evidence)
            or (("Evidence", "None attached in SafeLog"),),
        ),
        VirSection(
            "Action taken and who was told",
            (
                *told,
                ("Actions", "\n".join(actions) or "None recorded"),
                ("Outcome", _outcome(fields.get("outcome"))),
            ),
        ),
    ]


def _outcome(outcome: Any) -> str:
    if isinstance(outcome, Mapping):
        label = outcome_label(str(outcome.get("code") or ""))
        note = str(outcome.get("note") or "")
        return ": ".join(x for x in (label, note) if x) or "Open"
    return str(outcome or "") or "Open"
