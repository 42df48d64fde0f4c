"""The JSON views of the command-line contract (DESIGN §6, the README's CLI section): what
`safelog ... --json` prints, built from the vault's objects.

Scripts read these shapes, so their keys and values never change by accident: a value that
is not recorded is null, times and dates are ISO text. Each shape is a TypedDict, and each
function here builds one from what the vault returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

from safelog.domain.categories import category_by_code
from safelog.domain.deadline_rules import DeadlineView
from safelog.domain.image_block import quarantined as is_quarantined
from safelog.domain.routes import GENERAL_RULES, ROUTES, RouteRule
from safelog.vault.case_schema import (
    CaseField,
    ContentReportEntry,
    EvidenceSighting,
    ImageReport,
    PersonEntry,
    QuarantineRecord,
)

# Only for their types: `safelog case categories` and the like must not load the vault's
# heavier modules (crypto, the database) to print a table; functions that use them import
# them when called.
if TYPE_CHECKING:
    from safelog.domain.category import Category
    from safelog.domain.chronology import ChronologyEntry
    from safelog.domain.roll import Pupil
    from safelog.vault.audit_view import AuditEntry
    from safelog.vault.pupils import PupilPage
    from safelog.vault.records import CaseDetail, CaseSummary, EvidenceInfo
    from safelog.vault.roll import RollImported
    from safelog.vault.session import Session

# -- case categories, case list --------------------------------------------------------------


class RouteRuleView(TypedDict):
    """One rule of a category: a route, whether it is required, by when, the policy, and
    the conditions under which it applies (`when`: Condition values, empty = always)."""

    route: str
    title: str
    required: bool
    deadline: DeadlineView
    policy_refs: list[str]
    when: list[str]
    reason: str


class CategoryView(TypedDict):
    code: str
    title: str
    routes: list[RouteRuleView]


def route_rule_view(rule: RouteRule) -> RouteRuleView:
    return {
        "route": rule.route.value,
        "title": ROUTES[rule.route].title,
        "required": rule.required,
        "deadline": rule.deadline_rule.view(),
        "policy_refs": list(rule.policy_refs),
        "when": [c.value for c in rule.when],
        "reason": rule.reason,
    }


def category_view(category: Category) -> CategoryView:
    """A category as `case categories --json` prints it: its own route rules, then those of
    every category (the headteacher or the chair on a concern about staff, the LADO where a
    pupil is a victim of one)."""
    return {
        "code": category.code,
        "title": category.title,
        "routes": [route_rule_view(r) for r in (*category.routes, *GENERAL_RULES)],
    }


class CaseListItem(TypedDict):
    reference: str
    category: str
    summary: str
    status: str
    created_at: str
    updated_at: str
    about_headteacher: bool
    review_on: str | None


def case_list_item(case: CaseSummary) -> CaseListItem:
    """One case as `case list --json` prints it."""
    return {
        "reference": case.reference,
        "category": case.category,
        "summary": case.summary,
        "status": case.status,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "about_headteacher": case.about_headteacher,
        "review_on": case.review_on.isoformat() if case.review_on else None,
    }


# -- evidence -------------------------------------------------------------------------------


class SightingView(TypedDict):
    """The same file added again."""

    recorded_by: str | None
    recorded_at: str | None
    device: str | None
    file_name: str | None
    original_name: str | None
    source_url: str | None
    platform: str | None
    handle: str | None
    seen_at: str | None
    description: str | None


class CustodyView(TypedDict):
    """One audit entry naming an evidence item: its chain of custody."""

    action: str
    actor: str
    at: str


class EvidenceView(TypedDict):
    id: str
    file_name: str
    original_name: str
    media_type: str
    claimed_type: str | None
    size: int
    sha256: str
    added_by: str
    added_at: str
    captured_at_utc: str | None
    captured_at_local: str | None
    device: str | None
    source_url: str | None
    platform: str | None
    handle: str | None
    seen_at: str | None
    description: str | None
    preview: str  # "none", "unreadable", "too-large", ...
    width: int | None
    height: int | None
    sightings: list[SightingView]
    quarantined: bool  # the case's category keeps it from view (domain/image_block.py)
    custody: NotRequired[list[CustodyView]]


def sighting_view(sighting: EvidenceSighting) -> SightingView:
    s = sighting
    return {
        "recorded_by": s.get("recorded_by"),
        "recorded_at": s.get("recorded_at"),
        "device": s.get("device"),
        "file_name": s.get("file_name"),
        "original_name": s.get("original_name"),
        "source_url": s.get("source_url") or None,
        "platform": s.get("platform") or None,
        "handle": s.get("handle") or None,
        "seen_at": s.get("seen_at") or None,
        "description": s.get("description") or None,
    }


def evidence_view(
    info: EvidenceInfo,
    sightings: Sequence[EvidenceSighting],
    custody: Sequence[AuditEntry] | None,
    quarantined: bool = False,
) -> EvidenceView:
    """One evidence item as `case show --json` and `evidence list --json` print it; with its
    chain of custody unless `custody` is None."""
    meta = info.metadata
    item: EvidenceView = {
        "id": info.id,
        "file_name": info.file_name,
        "original_name": meta.get("original_name", info.file_name),
        "media_type": info.media_type,
        "claimed_type": meta.get("claimed_type") or None,
        "size": info.size,
        "sha256": info.sha256,
        "added_by": info.added_by,
        "added_at": info.added_at.isoformat(),
        "captured_at_utc": meta.get("captured_at_utc"),
        "captured_at_local": meta.get("captured_at_local"),
        "device": meta.get("device"),
        "source_url": meta.get("source_url") or None,
        "platform": meta.get("platform") or None,
        "handle": meta.get("handle") or None,
        "seen_at": meta.get("seen_at") or None,
        "description": meta.get("description") or None,
        "preview": meta.get("preview", "none"),
        "width": meta.get("width") or None,
        "height": meta.get("height") or None,
        "sightings": [sighting_view(s) for s in sightings],
        "quarantined": quarantined,
    }
    if custody is not None:
        item["custody"] = [
            {"action": e.action, "actor": e.actor, "at": e.at.isoformat()} for e in custody
        ]
    return item


# -- case show ------------------------------------------------------------------------------


class ContentReportView(ContentReportEntry):
    """A content report as stored, with the case versions that signed its two parts."""

    submitted_version: int | None
    completed_version: int | None


class VersionView(TypedDict):
    version: int
    author: str
    at: str
    changed: list[str]
    rekeyed: bool


class CaseView(TypedDict):
    reference: str
    category: str | None
    summary: str | None
    description: str | None
    occurred_at: str | None
    platform: str | None
    url: str | None
    status: str | None
    outcome: Any  # an OutcomeRecord, or text set with `case update`
    about_headteacher: bool
    reporter: str | None  # names, not user ids
    subjects: list[str | None]
    people: list[PersonEntry]
    escalations: list[dict[str, Any]]  # vault/escalations.py: route, due, done_at, ...
    evidence: list[EvidenceView]
    image_reports: list[ImageReport]
    quarantine: list[QuarantineRecord]
    image_consent: dict[str, dict[str, str]]  # pupil id -> medium -> what stands
    content_reports: list[ContentReportView]
    # Replies made online, with who approved each and when, and `warning` (vault/public_replies.py).
    public_replies: list[dict[str, Any]]
    history: list[VersionView]
    readers: list[str]


def content_report_views(detail: CaseDetail) -> list[ContentReportView]:
    """The case's content reports as `case show --json` prints them."""
    from safelog.vault.content_form import content_reports

    return [
        cast(
            ContentReportView,
            {
                **report.entry,
                "submitted_version": report.submitted.version if report.submitted else None,
                "completed_version": report.completed.version if report.completed else None,
            },
        )
        for report in content_reports(detail)
    ]


def case_view(
    detail: CaseDetail, session: Session, custody: dict[str, list[AuditEntry]] | None = None
) -> CaseView:
    """A whole case as `case show --json` prints it; people named, never by user id."""
    from safelog.vault.escalations import escalations_for
    from safelog.vault.evidence_reading import sightings_of
    from safelog.vault.public_replies import public_replies

    custody = custody or {}
    people_by_id = session.directory.people
    fields = detail.fields

    def name(user_id: str | None) -> str | None:
        person = people_by_id.get(user_id or "")
        return person.name if person else None

    return {
        "reference": detail.reference,
        "category": fields.get(CaseField.CATEGORY),
        "summary": fields.get(CaseField.SUMMARY),
        "description": fields.get(CaseField.DESCRIPTION),
        "occurred_at": fields.get(CaseField.OCCURRED_AT) or None,
        "platform": fields.get(CaseField.PLATFORM),
        "url": fields.get(CaseField.URL),
        "status": fields.get(CaseField.STATUS),
        "outcome": fields.get(CaseField.OUTCOME),
        "about_headteacher": bool(fields.get(CaseField.ABOUT_HEADTEACHER)),
        "reporter": name(fields.get(CaseField.REPORTER)),
        "subjects": [name(s) for s in fields.get(CaseField.SUBJECTS, [])],
        "people": fields.get(CaseField.PEOPLE, []),
        "escalations": escalations_for(detail),
        "evidence": [
            evidence_view(
                e,
                sightings_of(fields, e.id),
                custody.get(e.id, []),
                is_quarantined(category_by_code(str(fields.get(CaseField.CATEGORY))), e.media_type),
            )
            for e in detail.evidence
        ],
        "image_reports": fields.get(CaseField.IMAGE_REPORTS, []),
        "quarantine": fields.get(CaseField.QUARANTINE, []),
        "content_reports": content_report_views(detail),
        "public_replies": public_replies(fields),
        "history": [
            {
                "version": v.number,
                "author": v.author,
                "at": v.at.isoformat(),
                "changed": list(v.changed),
                "rekeyed": v.rekeyed,
            }
            for v in detail.versions
        ],
        "readers": detail.audience,
        "image_consent": image_consent_view(session, fields),
    }


def image_consent_view(session: Session, fields: Any) -> dict[str, dict[str, str]]:
    """On a concern about personal data disclosed online: what consent stands, per medium,
    for each pupil in the case (003 4.8: the school posts only where it was given)."""
    if fields.get(CaseField.CATEGORY) != "personal-data-disclosed":
        return {}
    from safelog.vault.image_consent import consent_of

    out = {}
    for person in fields.get(CaseField.PEOPLE, []):
        pupil = person.get("pupil")
        if pupil:
            out[pupil] = consent_of(session, pupil).summary
    return out


# -- the school roll ------------------------------------------------------------------------


class PupilView(TypedDict):
    id: str
    upn: str | None
    name: str  # as shown: "Jess (Jessica) Smith"
    preferred_name: str | None  # the preferred forename, when there is one
    date_of_birth: str | None
    year: str | None  # short: "8", "R", "N1"
    form: str | None
    left_on: str | None  # when the pupil left the roll; null while on it


def pupil_view(pupil: Pupil) -> PupilView:
    """One pupil as `pupil list --json` prints it."""
    return {
        "id": pupil.id,
        "upn": pupil.upn or None,
        "name": pupil.display_name,
        "preferred_name": pupil.preferred_forename or None,
        "date_of_birth": pupil.date_of_birth.isoformat() if pupil.date_of_birth else None,
        "year": pupil.year or None,
        "form": pupil.form or None,
        "left_on": pupil.left_on.isoformat() if pupil.left_on else None,
    }


class RejectedRowView(TypedDict):
    line: int
    reason: str


class RollImportView(TypedDict):
    imported: bool  # false: rows were rejected and nothing was imported
    counts: dict[str, int]  # added, updated, unchanged, left, rejoined, rejected
    rejected: list[RejectedRowView]
    ignored_headings: list[str]


def roll_import_view(result: RollImported) -> RollImportView:
    """What `pupil import --json` prints."""
    return {
        "imported": result.imported,
        "counts": dict(result.counts),
        "rejected": [{"line": r.line, "reason": r.reason} for r in result.rejected],
        "ignored_headings": list(result.ignored_headings),
    }


class PupilCaseView(TypedDict):
    reference: str
    category: str
    summary: str
    status: str
    roles: list[str]  # the pupil's role(s) in the case
    created_at: str


class PupilPageView(TypedDict):
    pupil: PupilView
    cases: list[PupilCaseView]
    review_on: str | None  # date of birth + 25 years
    problems: list[str]


class ChronologyEntryView(TypedDict):
    at: str
    case: str
    kind: str
    text: str
    by: str


class PupilChronologyView(TypedDict):
    pupil: PupilView
    entries: list[ChronologyEntryView]


def pupil_page_view(page: PupilPage) -> PupilPageView:
    """`pupil show --json`: the pupil and the cases the reader may open about them."""
    return {
        "pupil": pupil_view(page.pupil),
        "cases": [
            {
                "reference": c.reference,
                "category": c.category,
                "summary": c.summary,
                "status": c.status,
                "roles": list(c.roles),
                "created_at": c.created_at.isoformat(),
            }
            for c in page.cases
        ],
        "review_on": page.review_on.isoformat() if page.review_on else None,
        "problems": list(page.problems),
    }


def pupil_chronology_view(pupil: Pupil, entries: Sequence[ChronologyEntry]) -> PupilChronologyView:
    """`pupil chronology --json`: every entry in date order."""
    return {
        "pupil": pupil_view(pupil),
        "entries": [
            {"at": e.at.isoformat(), "case": e.case, "kind": e.kind, "text": e.text, "by": e.by}
            for e in entries
        ],
    }
