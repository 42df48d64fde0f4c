"""A subject access disclosure as a PDF (UK GDPR Article 15; DPA 2018 Schedules 2 and 3).

What SafeLog holds about one person, for them or for whoever asked on their behalf: their
record on the school roll, every case they are in (what was reported, the people in it,
what was done, decided and concluded), image consent, child protection file transfers, and
the list of evidence with the originals the DSL chose to include attached.

Everyone else is a label ("Pupil A", "Staff member B", "Parent or carer C"), the same label
for the same person throughout, wherever their recorded name (or another form the roll
knows) appears, in free text too; the order of the letters is the order the reader meets
them. The DSL who prepared it is not named on the pages (only in the digital signature);
the requester's name and the subject's are kept. Nothing about what was withheld or why is
printed beyond the general notice the law asks for: the redaction log stays in SafeLog.

Every string a person typed reaches a Paragraph only through `Text`/`fonts.markup`.
Rendered in memory; the caller signs it (safelog.export.signing.sign_case_file) and writes it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table

from safelog.domain.chronology import KIND_LABELS
from safelog.domain.image_consent import MEDIA, STATUSES
from safelog.domain.outcomes import CaseStatus, PersonKind, PersonRole
from safelog.export import fonts
from safelog.export.casefile_model import Attachment, RenderedCaseFile, signable_document
from safelog.export.pages import (
    FRAME_W,
    MARKING,
    SIGNATURE_BOX,
    SignatureBox,
    Styles,
    a4_document,
    binary_streams,
    marking_box,
    numbered_canvas,
    ruled_table,
)
from safelog.export.redact import Pseudonymiser, forenames_of, labels_in_order
from safelog.export.text import Text, file_size, grouped, uk_date, uk_datetime

if TYPE_CHECKING:
    from safelog.vault.sar_gather import HeldCase, SubjectData

TITLE = "Subject access disclosure"
SUBJECT_ROLE_WORDS = "The person the concern is about"


@dataclass(frozen=True)
class ListedItem:
    """One evidence item as the disclosure lists it."""

    case: str
    id: str
    shown_name: str  # the recorded file name, or "Evidence N.ext" when it names someone
    media_type: str
    size: int
    sha256: str
    included: bool


@dataclass(frozen=True)
class DisclosureData:
    school: str
    subject: SubjectData
    prepared_at: datetime
    items: tuple[ListedItem, ...]  # evidence listed (serious-harm items are not)
    cases: tuple[HeldCase, ...]  # the cases disclosed (serious-harm cases are not)
    attachments: tuple[Attachment, ...]  # the originals the DSL included
    ca_fingerprint: str = ""
    timestamp_url: str | None = None


def document_reference(request_id: str) -> str:
    """What every page's header says the file is: ASCII."""
    return f"Subject access {request_id}"


def _label(enum: Any, value: Any) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value or "")


class _Disclosure:
    def __init__(self, data: DisclosureData, names: Pseudonymiser) -> None:
        self.data = data
        self.request = data.subject.request
        self.s = Styles()
        self.names = names
        self.t = Text(self.s, names)
        self.signature = SignatureBox(*SIGNATURE_BOX)
        self.sections = 0

    def section(self, title: str) -> Paragraph:
        self.sections += 1
        return self.t.fixed(f"{self.sections}. {title}", self.s.h1)

    def kv(self, rows: list[tuple[str, Any]], label_width: float = 120) -> Table:
        body = [[self.t.fixed(k, self.s.cell_bold), v] for k, v in rows]
        return ruled_table(body, [label_width, FRAME_W - label_width], header=False)

    def cell(self, text: str) -> Paragraph:
        return self.t.user(text, self.s.cell)

    # -- the cover --------------------------------------------------------------------------

    def cover(self) -> list[Flowable]:
        d, s, t, r = self.data, self.s, self.t, self.request
        story: list[Flowable] = [
            Spacer(1, 6),
            Paragraph(fonts.markup(d.school), s.school),
            t.fixed(TITLE, s.title),
            t.user(r.subject_name, s.reference),
            marking_box(
                t.fixed(MARKING, s.marking),
                t.fixed(
                    "Personal information about the person named above, given in answer to "
                    "their subject access request. Keep it safe.",
                    ParagraphStyle("mk", parent=s.cell, alignment=TA_CENTER),
                ),
            ),
            Spacer(1, 14),
        ]
        due = f"{uk_date(r.due)}"
        if r.extension is not None:
            due += (
                f" (extended by {r.extension.months} month{'s' if r.extension.months > 1 else ''}"
                f": {r.extension.reason})"
            )
        items = list(d.items)
        rows: list[tuple[str, Any]] = [
            ("Request", t.fixed(r.id, s.cell)),
            ("Asked for by", t.user(f"{r.requester}: {r.relationship.label.lower()}", s.cell)),
            ("About", t.user(r.subject_name, s.cell)),
            ("Received on", t.fixed(uk_date(r.received_on), s.cell)),
            ("Answer due by", t.user(due, s.cell)),
            (
                "Contents",
                t.fixed(
                    f"{len(d.cases)} case record(s); {len(items)} evidence item(s) listed, "
                    f"{sum(1 for i in items if i.included)} attached to this file.",
                    s.cell,
                ),
            ),
            ("Prepared by", t.fixed("The school's Designated Safeguarding Lead", s.cell)),
            ("Prepared on", t.fixed(uk_datetime(d.prepared_at) + " (UK time)", s.cell)),
            (
                "Other people",
                t.fixed(
                    "Other people's names are replaced by labels such as Pupil A, Staff "
                    "member B or Parent or carer C. The same label means the same person "
                    "everywhere in this document.",
                    s.cell,
                ),
            ),
        ]
        story += [self.kv(rows), Spacer(1, 18)]
        story += [
            t.fixed(
                "Signed digitally by the school's Designated Safeguarding Lead with a "
                "certificate issued by the school's own certificate authority:",
                s.small,
            ),
            Spacer(1, 4),
            self.signature,
            Spacer(1, 8),
            t.fixed("How to check that this file is genuine: see the last page.", s.muted),
            PageBreak(),
        ]
        return story

    # -- the roll, consent, transfers --------------------------------------------------------

    def roll_record(self) -> list[Flowable]:
        pupil = self.data.subject.pupil
        if pupil is None:
            return []
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Record on the school roll")]
        year = f"Year {pupil.year}" if pupil.year else ""
        year_form = ", ".join(p for p in (year, pupil.form) if p)
        rows: list[tuple[str, Any]] = [
            ("Name", t.user(pupil.display_name, s.cell)),
            ("Date of birth", t.fixed(uk_date(pupil.date_of_birth) or "not recorded", s.cell)),
            ("UPN", t.fixed(pupil.upn or "not recorded", s.cell)),
            ("Year and form", t.user(year_form or "not recorded", s.cell)),
            ("Gender", t.user(pupil.gender or "not recorded", s.cell)),
            ("Joined", t.fixed(uk_date(pupil.added_on) or "not recorded", s.cell)),
        ]
        if pupil.left_on is not None:
            rows.append(("Left", t.fixed(uk_date(pupil.left_on), s.cell)))
        roll = self.data.subject.roll
        for link in pupil.links:
            other = roll.pupils.get(link.pupil) if link.pupil else None
            who = self.names.name(other.display_name if other else link.name)
            note = f" ({link.note})" if link.note else ""
            rows.append((f"Family: {link.relation}", t.user(f"{who}{note}", s.cell)))
        story.append(self.kv(rows))
        return story

    def consent(self) -> list[Flowable]:
        events = self.data.subject.consent
        if self.data.subject.pupil is None:
            return []
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Consent to use images and videos")]
        if not events:
            return [*story, t.fixed("No consent has been recorded.", s.muted)]
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("On", "For", "Recorded", "By", "Note")]
        ]
        for e in sorted(events, key=lambda e: (e.on, e.seq)):
            rows.append(
                [
                    t.fixed(uk_date(e.on), s.cell),
                    t.fixed(MEDIA.get(e.medium, e.medium), s.cell),
                    t.fixed(STATUSES.get(e.status, e.status), s.cell),
                    self.cell(e.by),
                    self.cell(e.note),
                ]
            )
        story.append(ruled_table(rows, [FRAME_W * w for w in (0.15, 0.25, 0.2, 0.18, 0.22)]))
        return story

    def transfers(self) -> list[Flowable]:
        found = self.data.subject.transfers
        if self.data.subject.pupil is None:
            return []
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Child protection file transfers")]
        if not found:
            return [*story, t.fixed("No child protection file has been sent or received.", s.muted)]
        for x in found:
            sent = x.due is not None
            where = x.school or ("a school without SafeLog" if sent else "another school")
            line = f"{'Sent to' if sent else 'Received from'} {where} on {uk_datetime(x.at)}"
            if sent:
                line += (
                    f"; receipt confirmed on {uk_datetime(x.receipt_at)}."
                    if x.receipt_at
                    else "; awaiting confirmation of receipt."
                )
            story.append(t.user(line + f" SHA-256 of the file: {x.sha256}.", s.body))
        return story

    # -- the cases ---------------------------------------------------------------------------

    def cases(self) -> list[Flowable]:
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Safeguarding records")]
        if not self.data.cases:
            return [*story, t.fixed("No safeguarding record about this person is held.", s.body)]
        story.append(
            t.fixed(
                "Each record below is one concern as the school recorded it: what was reported, "
                "who was involved, what was done and decided, and how it ended (UK time).",
                ParagraphStyle("intro", parent=s.body, spaceAfter=6),
            )
        )
        for case in self.data.cases:
            story += self.case(case)
        return story

    def case(self, case: HeldCase) -> list[Flowable]:
        s, t = self.s, self.t
        roles = ", ".join(
            SUBJECT_ROLE_WORDS if r == "subject of the concern" else _label(PersonRole, r)
            for r in case.roles
        )
        story: list[Flowable] = [
            t.user(f"Record {case.reference}: {case.category}", s.h2),
            self.kv(
                [
                    ("Opened", t.fixed(uk_date(case.created_at.date()), s.cell)),
                    ("Status", t.fixed(_label(CaseStatus, case.status), s.cell)),
                    ("Their role", t.fixed(roles, s.cell)),
                    ("Summary", self.cell(case.summary)),
                    ("What was reported", self.cell(case.description or "—")),
                ]
            ),
            Spacer(1, 6),
        ]
        people = [
            [
                t.name(p.get("name", "")),
                t.fixed(_label(PersonKind, p.get("kind")), s.cell),
                t.fixed(_label(PersonRole, p.get("role")), s.cell),
            ]
            for p in case.fields.get("people", [])
        ]
        if people:
            head = [t.fixed(h, s.head) for h in ("Person", "Who", "Role")]
            story.append(ruled_table([head, *people], [FRAME_W * w for w in (0.4, 0.25, 0.35)]))
            story.append(Spacer(1, 6))
        rows: list[list[Any]] = [[t.fixed(h, s.head) for h in ("When", "Kind", "What", "By")]]
        for entry in case.entries:
            rows.append(
                [
                    t.fixed(uk_datetime(entry.at, short=True), s.cell),
                    t.fixed(KIND_LABELS.get(entry.kind, entry.kind), s.cell),
                    self.cell(entry.text),
                    t.name(entry.by or "—"),
                ]
            )
        story.append(ruled_table(rows, [FRAME_W * w for w in (0.18, 0.13, 0.5, 0.19)]))
        items = [i for i in self.data.items if i.case == case.reference]
        if items:  # its own caption: the table may start on the next page
            story += [t.fixed(f"Evidence kept with record {case.reference}", s.h2)]
            story += self.evidence(items)
        return story

    def evidence(self, items: list[ListedItem]) -> list[Flowable]:
        s, t = self.s, self.t
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("Evidence", "Type and size", "SHA-256", "In this file")]
        ]
        for item in items:
            rows.append(
                [
                    self.cell(item.shown_name),
                    t.fixed(f"{item.media_type}, {file_size(item.size)}", s.cell),
                    Paragraph(escape(grouped(item.sha256)), s.mono),
                    t.fixed("Attached" if item.included else "Listed only, not included", s.cell),
                ]
            )
        return [ruled_table(rows, [FRAME_W * w for w in (0.26, 0.22, 0.34, 0.18)])]

    # -- what is not here, and how to check ---------------------------------------------------

    def closing(self) -> list[Flowable]:
        s, t, d = self.s, self.t, self.data
        body = ParagraphStyle("closing", parent=s.body, spaceAfter=6)
        story: list[Flowable] = [PageBreak(), t.fixed("About this disclosure", s.h1)]
        for text in (
            "Screenshots and other files kept as evidence are listed with their size and "
            "SHA-256 fingerprint. An original is attached to this file only where the school "
            "decided it could be given to you; the others are not included because they hold "
            "information about other people.",
            "Information about other people, and information whose disclosure would be likely "
            "to cause serious harm to someone's physical or mental health, may be withheld as "
            "the Data Protection Act 2018 (Schedules 2 and 3) allows.",
            "If you are unhappy with this answer, contact the school's data protection officer. "
            "You can also complain to the Information Commissioner's Office (ico.org.uk).",
        ):
            story.append(t.fixed(text, body))
        story.append(t.fixed("How to check this file", s.h2))
        story.append(
            t.rich(
                "This file is signed digitally with a certificate issued by "
                f"<b>{fonts.markup(d.school)}</b>'s own certificate authority. If anything is "
                "changed after signing, the signature no longer checks out. Ask the school for "
                "its CA certificate and check that its SHA-256 fingerprint is:",
                body,
            )
        )
        story += [Paragraph(escape(grouped(d.ca_fingerprint)), s.mono), Spacer(1, 6)]
        story.append(
            t.rich(
                "Then import it as a trusted root in Adobe Acrobat Reader (Preferences, "
                "Signatures, Identities &amp; Trusted Certificates), or run "
                '<font name="SafeLogMono">safelog verify FILE.pdf --ca CA.pem</font>.',
                body,
            )
        )
        if d.timestamp_url:
            story.append(t.fixed("The time of signing is confirmed by a timestamp server.", body))
        return story

    def build(self) -> list[Flowable]:
        return [
            *self.cover(),
            *self.roll_record(),
            *self.cases(),
            *self.consent(),
            *self.transfers(),
            *self.closing(),
        ]


def disclosure_names(data: SubjectData, texts: list[Any]) -> Pseudonymiser:
    """The one pseudonymiser of the whole document."""
    aliases = labels_in_order(data.others, data.keep, texts, data.close)
    forenames = forenames_of(data.close, aliases, data.keep)
    return Pseudonymiser((), True, aliases=aliases, forenames=forenames)


def render_disclosure(data: DisclosureData, names: Pseudonymiser) -> RenderedCaseFile:
    """Lay the disclosure out; returns the unsigned PDF (in memory), ready to sign, with the
    included originals to attach. `names.used` holds the labels printed, afterwards."""
    fonts.register_fonts()
    builder = _Disclosure(data, names)
    story = builder.build()
    buffer = io.BytesIO()
    reference = document_reference(data.subject.request.id)
    doc = a4_document(
        buffer,
        title=f"{TITLE}, {data.subject.request.id}",
        school=data.school,
        subject=f"{MARKING}: {TITLE.lower()}",
    )
    with binary_streams():
        doc.build(story, canvasmaker=numbered_canvas(reference, data.school))
    return signable_document(
        buffer.getvalue(),
        doc,
        builder.signature,
        document="subject-access-disclosure",
        reference=reference,
        school=data.school,
        at=data.prepared_at,
        attachments=data.attachments,
    )
