"""What a case holds: every field's name and the shape of each entry, as one typed schema.

A case is a sequence of signed versions; each version sets some fields, each field is one
JSON value sealed on its own (vault/case_writing.py). The names below are stored inside
the signed statements and the associated data of every field, so they never change.

Values come back from signed JSON, so a field that holds an enum's value (a status, a
route, a person's kind) holds it as plain text: compare it with the enum, do not expect
the enum's methods on it. Writers may store the enum members themselves; they serialise
to the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NotRequired, TypedDict


def version_author_sealed(version: int, extra: Mapping[str, Any]) -> bool:
    """Is who wrote a case version sealed with the case's key rather than in the clear
    (crypto/sealed_signature.py)? Every version but a re-key: a report (its author is who
    sent it), what anyone adds, replies. A re-key stays in the clear, so a DSL it takes the
    case away from can tell who did it and whether they were allowed to
    (vault/out_of_reach.py). Evidence and audit entries about a case are always sealed."""
    return version == 1 or "audience" not in extra


class CaseField:
    """The name of every field a case version can set."""

    # What the person reporting wrote (safelog/vault/case_input.py).
    CATEGORY: Final = "category"
    SUMMARY: Final = "summary"
    DESCRIPTION: Final = "description"
    OCCURRED_AT: Final = "occurred_at"
    PLATFORM: Final = "platform"
    URL: Final = "url"
    SUBJECTS: Final = "subjects"  # user ids of the SafeLog users the concern is about
    PEOPLE: Final = "people"
    # Set by SafeLog when the case is recorded.
    REPORTER: Final = "reporter"
    STATUS: Final = "status"
    ABOUT_HEADTEACHER: Final = "about_headteacher"
    # The workspace (safelog/vault/workspace.py).
    ACKNOWLEDGED: Final = "acknowledged"
    ESCALATIONS: Final = "escalations"
    ESCALATED_TO_LEADERSHIP: Final = "escalated_to_leadership"
    CHRONOLOGY: Final = "chronology"
    ACTIONS: Final = "actions"
    DECISIONS: Final = "decisions"
    OUTCOME: Final = "outcome"
    REPLIES: Final = "replies"  # sealed with the case's first key: the reporter reads them
    # Replies the school made in public (online), with who approved each and when
    # (vault/public_replies.py).
    PUBLIC_REPLIES: Final = "public_replies"
    # Evidence (safelog/vault/evidence.py) and the content report form (content_form.py).
    EVIDENCE_SIGHTINGS: Final = "evidence_sightings"
    IMAGE_REPORTS: Final = "image_reports"
    CONTENT_REPORTS: Final = "content_reports"
    # Where the device holding images was locked away when the case moved into a category
    # that quarantines them (vault/quarantine.py, domain/image_block.py).
    QUARANTINE: Final = "quarantine"
    # SafeLog writes neither; they stay reserved for those who manage cases, so a report
    # that sets them is refused like one that sets an outcome.
    ALLEGATION_OUTCOME: Final = "allegation_outcome"
    OUTCOME_NOTE: Final = "outcome_note"


# -- entries ------------------------------------------------------------------------------


class Stamp(TypedDict):
    """Who recorded something and when (ISO time, UTC)."""

    recorded_by: str  # the person's name
    recorded_at: str


class PersonEntry(TypedDict):
    """Someone involved in a case (not necessarily a SafeLog user)."""

    name: str
    kind: str  # a PersonKind value
    role: str  # a PersonRole value
    date_of_birth: NotRequired[str]  # ISO date
    notes: NotRequired[str]
    # The pupil's id on the school roll (vault/roll.py), when picked from it: the same child
    # in every case, for their chronology. Given as an id or UPN; stored as the id.
    pupil: NotRequired[str]
    # An adult's id on the school's register of adults who are not SafeLog users
    # (domain/adults.py): supply staff, volunteers, governors, contractors.
    adult: NotRequired[str]


class EscalationRecord(TypedDict, total=False):
    """What was recorded on one route: who was told, when and how, or why it was not
    needed."""

    done_at: str
    told: str
    how: str
    reference: str
    response: str
    not_needed: str  # the reason, when the route was not needed
    recorded_by: str
    recorded_at: str


class ChronologyEntry(TypedDict):
    id: str
    text: str
    occurred_at: str  # "" when not given
    recorded_by: str
    recorded_at: str


class ActionEntry(TypedDict):
    id: str
    text: str
    owner: str
    due: str  # ISO date, or ""
    done_at: str  # "" until it is done
    recorded_by: str
    recorded_at: str
    done_by: NotRequired[str]
    done_note: NotRequired[str]


class DecisionEntry(TypedDict):
    """KCSIE: a decision is recorded with its reason."""

    id: str
    decision: str
    reason: str
    recorded_by: str
    recorded_at: str


class OutcomeRecord(TypedDict):
    code: str  # a CaseOutcome or AllegationOutcome value
    note: str
    recorded_by: str
    recorded_at: str


class ReplyEntry(TypedDict):
    """A message to the person who reported the concern."""

    id: str
    text: str
    by: str  # the sender's name
    at: str


class PublicReplyEntry(TypedDict):
    """A reply the school made in public (online), and its approval: "" when none was
    recorded (domain/public_replies.py says what is wrong then)."""

    id: str
    text: str  # what was said
    where: str  # the site or account it was posted on
    replied_at: str  # ISO time, or "" when not known
    approved_by: str
    approved_at: str
    recorded_by: str
    recorded_at: str


class EvidenceDetails(TypedDict):
    """What the person adding a file says about it."""

    source_url: str
    platform: str
    handle: str
    description: str
    seen_at: str


class EvidenceSighting(EvidenceDetails):
    """The same file (same SHA-256) added again: recorded on the existing item."""

    evidence_id: str
    sha256: str
    file_name: str
    original_name: str
    recorded_by: str
    recorded_at: str
    device: str


class EvidenceMeta(EvidenceDetails):
    """An evidence item's details, sealed with the case key."""

    file_name: str
    original_name: str
    media_type: str
    claimed_type: str
    preview: str
    width: int | None
    height: int | None
    size: int
    sha256: str
    captured_at_utc: str
    captured_at_local: str
    added_by: str
    device: str


class ImageReport(TypedDict):
    """Recorded instead of images that may be indecent images of children."""

    id: str
    description: str
    informed: str
    informed_at: str
    police_reference: str
    recorded_by: str
    recorded_at: str


class QuarantineRecord(TypedDict):
    """Recorded when a case moves into a category that quarantines what it holds."""

    category: str
    evidence_ids: list[str]  # the items quarantined then
    device_locked_away: str  # where (002 7.2.4: "a secure location such as a locked cupboard")
    recorded_by: str
    recorded_at: str


class ContentReportPart(TypedDict):
    """The first part of the Inappropriate Content Report Form as typed and checked."""

    accessed_by: str
    seen_on: str
    urls: list[str]
    nature: str


class OfficerPart(TypedDict):
    """The e-safety officer's part of a content report."""

    action_taken: str
    by: str  # user id
    by_name: str
    on: str  # ISO date
    recorded_at: str


class ContentReportEntry(ContentReportPart):
    id: str
    submitted_by: str  # user id
    submitted_by_name: str
    submitted_at: str
    officer: NotRequired[OfficerPart]


# -- the case -----------------------------------------------------------------------------


class CaseFields(TypedDict, total=False):
    """A case's fields: what one version sets, or all of them after the last version."""

    category: str
    summary: str
    description: str
    occurred_at: str
    platform: str
    url: str
    subjects: list[str]
    people: list[PersonEntry]
    reporter: str  # user id
    status: str  # a CaseStatus value
    about_headteacher: bool
    acknowledged: Stamp
    escalations: dict[str, EscalationRecord]  # by Route value
    escalated_to_leadership: bool
    chronology: list[ChronologyEntry]
    actions: list[ActionEntry]
    decisions: list[DecisionEntry]
    outcome: OutcomeRecord | str  # text when set with `safelog case update`
    replies: list[ReplyEntry]
    public_replies: list[PublicReplyEntry]
    evidence_sightings: list[EvidenceSighting]
    image_reports: list[ImageReport]
    content_reports: list[ContentReportEntry]
    quarantine: list[QuarantineRecord]
    allegation_outcome: str
    outcome_note: str


# -- signed statements and summaries ------------------------------------------------------


class VersionExtra(TypedDict, total=False):
    """What a version's statement says beyond the fields it sets."""

    audience: str  # the reader group given at creation or by this re-key
    rekeyed: bool
    sealed_from_reporter: bool
    left_out: list[str]  # a re-key's markers for the DSLs it leaves out (vault/left_out.py)


class VersionStatement(VersionExtra):
    """The signed statement of one case version (its bytes are canonical JSON)."""

    type: str  # "case-version"
    vault_id: str
    case_id: str
    reference: str
    version: int
    key_no: int
    author: str  # user id
    at: str
    prev: str  # SHA-256 of the previous statement, "" for the first
    membership: int  # the point of the membership log the author wrote under
    fields: dict[str, str]  # field name -> SHA-256 of its ciphertext


class EvidenceStatement(TypedDict):
    """The signed statement of one evidence item."""

    membership: NotRequired[int]
    case_version: NotRequired[int]
    type: str  # "evidence"
    id: str
    case_id: str
    key_no: int
    size: int
    chunks: int
    meta: str  # SHA-256 of the sealed details
    key: str  # SHA-256 of the wrapped file key
    thumbnail: str  # SHA-256 of the sealed thumbnail, or ""
    author: str
    at: str


class SummaryAction(TypedDict):
    """An open action as the case's list entry carries it, for "My actions" (the text
    shortened: the whole of it is in the case)."""

    id: str
    text: str
    owner: str
    due: str  # ISO date, or ""


class ListSummary(TypedDict):
    """A case's entry in the case list, sealed for its reader group."""

    reference: str
    category: str
    summary: str
    status: str
    about_headteacher: bool
    escalated_to_leadership: bool
    reporter: str
    next_due: str | None
    review_on: str | None
    review_rule: str
    created_at: str
    updated_at: str
    version: int
    # The actions not yet done, only when there are some. Entries written before "My
    # actions" have none: their case's actions show once it is next changed.
    actions: NotRequired[list[SummaryAction]]
    # The names of the people involved (so that search finds a case by any of them) and
    # the roll ids of the pupils among them (the pupil's page), only when there are some.
    people: NotRequired[list[str]]
    pupils: NotRequired[list[str]]


class ReceiptSummary(TypedDict):
    """What the reporter's receipt says of their report."""

    reference: str
    category: str
    summary: str
    status: str
    about_headteacher: bool
    replies: int  # how many
    created_at: str
    updated_at: str
