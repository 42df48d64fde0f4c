"""A pupil's chronology as a PDF (issue 13, DESIGN §5): for a strategy meeting, or the child
protection file that moves with a child to a new school.

Built on the case file's public pieces (pages, text, fonts, redact): a cover like the case
file's (the school, the pupil, the retention review date, who printed it and when, the
marking and the box where the visible signature goes), the cases about the pupil, the one
chronology across them in date order, and how to check the file. It is signed like a case
file (safelog.export.signing.sign_case_file), so the same `safelog verify` checks it: the
render gives back a `RenderedCaseFile` with no originals attached and the same manifest
format.

Every string a person typed reaches a Paragraph only through `Text`/`fonts.markup`. With
pseudonymise, everyone the cases name except the pupil becomes a label of their kind
("Pupil A", "Parent or carer A", ...), wherever their recorded name, or another form of it
the roll knows, appears: in the text of every entry and in who recorded it. The pupil's own
name is never replaced. Rendered in memory; the caller signs and writes the file.
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
from safelog.domain.outcomes import CaseStatus, PersonRole
from safelog.export import fonts
from safelog.export.casefile_model import RenderedCaseFile, signable_document
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
from safelog.export.redact import OtherPerson, Pseudonymiser, aliases_for_others
from safelog.export.text import Text, grouped, signed_by, uk_date, uk_datetime

if TYPE_CHECKING:
    from safelog.domain.roll import Pupil
    from safelog.vault.pupils import PupilPage

TITLE = "Safeguarding chronology"


@dataclass(frozen=True)
class PupilChronologyData:
    school: str
    page: PupilPage  # what the exporting person may see of the pupil
    printed_by: str
    printed_by_roles: str
    printed_at: datetime
    others: tuple[OtherPerson, ...] = ()  # everyone the cases name but the pupil
    ca_fingerprint: str = ""  # SHA-256 of the school CA certificate (DER), hex
    timestamp_url: str | None = None  # set when a timestamp server will be asked


def document_reference(pupil: Pupil) -> str:
    """What every page's header says the file is: ASCII (the header is drawn as it is)."""
    return f"Chronology {pupil.upn}" if pupil.upn else "Pupil chronology"


def _status(value: Any) -> str:
    try:
        return CaseStatus(value).label
    except ValueError:
        return str(value or "")


def _role(value: str) -> str:
    try:
        return PersonRole(value).label
    except ValueError:
        return value


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class _Chronology:
    def __init__(self, data: PupilChronologyData, pseudonymise: bool) -> None:
        self.data = data
        self.pupil = data.page.pupil
        self.pseudonymise = pseudonymise
        self.s = Styles()
        aliases = aliases_for_others(data.others, keep=self.pupil.name_forms)
        self.names = Pseudonymiser((), pseudonymise, aliases=aliases)
        self.t = Text(self.s, self.names)
        self.signature = SignatureBox(*SIGNATURE_BOX)
        self.sections = 0

    def section(self, title: str) -> Paragraph:
        self.sections += 1
        return self.t.fixed(f"{self.sections}. {title}", self.s.h1)

    def kv(self, rows: list[tuple[str, Any]], label_width: float = 130) -> Table:
        body = [[self.t.fixed(k, self.s.cell_bold), v] for k, v in rows]
        return ruled_table(body, [label_width, FRAME_W - label_width], header=False)

    def own(self, value: str, style: ParagraphStyle) -> Paragraph:
        """The pupil's own details: escaped, never pseudonymised."""
        return Paragraph(fonts.markup(value) or "&nbsp;", style)

    # -- the cover --------------------------------------------------------------------------

    def marking(self) -> Table:
        s, t = self.s, self.t
        return marking_box(
            t.fixed(MARKING, s.marking),
            t.fixed(
                "This chronology holds personal and sensitive information about a child "
                "and others. Keep it, share it and destroy it only as your safeguarding "
                "and data-protection policies allow.",
                ParagraphStyle("mk", parent=s.cell, alignment=TA_CENTER),
            ),
        )

    def cover(self) -> list[Flowable]:
        d, s, t, pupil, page = self.data, self.s, self.t, self.pupil, self.data.page
        story: list[Flowable] = [
            Spacer(1, 6),
            self.own(d.school, s.school),
            t.fixed(TITLE, s.title),
            self.own(pupil.display_name, s.reference),
            self.marking(),
            Spacer(1, 16),
        ]
        school_year = ", ".join(
            part for part in (f"Year {pupil.year}" if pupil.year else "", pupil.form) if part
        )
        rows: list[tuple[str, Any]] = [
            ("Date of birth", t.fixed(uk_date(pupil.date_of_birth) or "not recorded", s.cell)),
            ("UPN", t.fixed(pupil.upn or "not recorded", s.cell)),
            ("Year and form", self.own(school_year or "not recorded", s.cell)),
        ]
        if pupil.left_on is not None:
            rows.append(("Left the school", t.fixed(uk_date(pupil.left_on), s.cell)))
        review = (
            f"Review on {uk_date(page.review_on)} (the pupil's date of birth + 25 years, for "
            "child protection records)."
            if page.review_on
            else "No date of birth is recorded, so the review date cannot be worked out."
        )
        rows.append(("Keep until", t.fixed(review, s.cell)))
        entries = (
            f"{len(page.entries)} chronology {'entry' if len(page.entries) == 1 else 'entries'}"
        )
        rows.append(
            ("Contents", t.fixed(f"{_plural(len(page.cases), 'case')}, {entries}.", s.cell))
        )
        roles = f" ({d.printed_by_roles})" if d.printed_by_roles else ""
        rows += [
            ("Printed by", t.mixed([("user", d.printed_by), ("plain", roles)], s.cell)),
            ("Printed on", t.fixed(uk_datetime(d.printed_at) + " (UK time)", s.cell)),
        ]
        if self.pseudonymise:
            rows.append(
                (
                    "Pseudonymised",
                    t.fixed(
                        "Everyone the cases name other than this pupil appears as Pupil A, "
                        "Parent or carer A, Staff member A or Person A, wherever their recorded "
                        "name (or their name on the school roll) appears. A first name or "
                        "nickname on its own is not recognised.",
                        s.cell,
                    ),
                )
            )
        if page.problems:
            rows.append(
                (
                    "Not included",
                    t.user(
                        "SafeLog left out what failed its checks (not all of it need be about "
                        "this pupil): " + " ".join(dict.fromkeys(page.problems)),
                        s.cell,
                    ),
                )
            )
        story += [self.kv(rows, 110), Spacer(1, 22)]
        story += signed_by(t, s, d.printed_by, self.signature)
        return story

    # -- the cases and the chronology ------------------------------------------------------------

    def cases(self) -> list[Flowable]:
        s, t = self.s, self.t
        cases = self.data.page.cases
        story: list[Flowable] = [self.section("Cases about this pupil")]
        story.append(
            t.mixed(
                [
                    ("plain", "Every case about "),
                    ("user", self.pupil.display_name),
                    (
                        "plain",
                        " that the person who printed this file may open in SafeLog. Each "
                        "case's full record, with its evidence, is in its own signed case file.",
                    ),
                ],
                ParagraphStyle("intro", parent=s.body, spaceAfter=8),
            )
        )
        if not cases:
            return [*story, t.fixed("There are no cases about this pupil.", s.muted)]
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("Case", "Category and summary", "Opened", "Status")]
            + [t.fixed("Pupil's role", s.head)]
        ]
        for case in cases:
            rows.append(
                [
                    t.fixed(case.reference, s.cell_bold),
                    [t.user(case.category, s.cell_bold), t.user(case.summary, s.small)],
                    t.fixed(uk_date(case.created_at.date()), s.cell),
                    t.fixed(_status(case.status), s.cell),
                    t.fixed(", ".join(_role(r) for r in case.roles), s.cell),
                ]
            )
        widths = [0.18, 0.34, 0.15, 0.18, 0.15]
        story.append(ruled_table(rows, [FRAME_W * w for w in widths]))
        return story

    def chronology(self) -> list[Flowable]:
        s, t = self.s, self.t
        entries = self.data.page.entries
        story: list[Flowable] = [self.section("Chronology")]
        story.append(
            t.fixed(
                "What happened and what was done, across every case above, in date order "
                "(UK time).",
                ParagraphStyle("intro", parent=s.body, spaceAfter=8),
            )
        )
        if not entries:
            return [*story, t.fixed("Nothing is recorded.", s.muted)]
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("When", "Case", "Kind", "What happened", "By")]
        ]
        for entry in entries:
            rows.append(
                [
                    t.fixed(uk_datetime(entry.at, short=True), s.cell),
                    t.fixed(entry.case, s.cell),
                    t.fixed(KIND_LABELS.get(entry.kind, entry.kind), s.cell),
                    t.user(entry.text, s.cell),
                    t.name(entry.by or "—"),
                ]
            )
        widths = [0.16, 0.16, 0.13, 0.39, 0.16]
        story.append(ruled_table(rows, [FRAME_W * w for w in widths]))
        return story

    # -- how to check -------------------------------------------------------------------------

    def how_to_check(self) -> list[Flowable]:
        s, t, d = self.s, self.t, self.data
        body = ParagraphStyle("howto", parent=s.body, spaceAfter=6)
        step = ParagraphStyle("step", parent=body, leftIndent=14, bulletIndent=0)
        school = fonts.markup(d.school)
        story: list[Flowable] = [PageBreak(), t.fixed("How to check this file", s.h1)]
        story.append(
            t.rich(
                "This chronology was signed digitally by the person who printed it, with a "
                f"certificate issued by <b>{school}</b>'s own SafeLog certificate authority (the "
                "school CA). The signature covers every byte of the file: if anything is changed "
                "after signing, even one character, the signature no longer checks out.",
                body,
            )
        )
        if d.timestamp_url:
            story.append(
                t.fixed(
                    "The time of signing is also confirmed by an independent timestamp server "
                    "(RFC 3161), so it does not rest on the printing computer's clock alone.",
                    body,
                )
            )
        story.append(t.fixed("1. Get the school's CA certificate, and check it", s.h2))
        story.append(
            t.rich(
                "Ask the school for its CA certificate (a file such as <i>CA.pem</i>, made with "
                '<font name="SafeLogMono">safelog ca export --out CA.pem</font>). Get it by a '
                "route you trust, and check that its SHA-256 fingerprint is:",
                body,
            )
        )
        story += [t.rich(escape(grouped(d.ca_fingerprint)), s.mono), Spacer(1, 6)]
        story.append(t.fixed("2. In Adobe Acrobat Reader", s.h2))
        for number, text in enumerate(
            [
                "In Preferences, <b>Signatures</b>, <b>Identities &amp; Trusted Certificates</b>, "
                "<b>More…</b>, choose <b>Trusted Certificates</b>, then <b>Import</b>, and add "
                "the school's CA.pem.",
                "Select it, choose <b>Edit Trust</b>, tick <b>Use this certificate as a trusted "
                "root</b> and choose OK.",
                "Open this file again. The Signature panel should say <b>Signed and all "
                "signatures are valid</b>. Anything else means you must not rely on this copy.",
            ],
            start=1,
        ):
            story.append(Paragraph(text, step, bulletText=f"{number}."))
        story.append(t.fixed("3. With SafeLog", s.h2))
        story.append(
            t.rich(
                "On any computer with SafeLog installed, run "
                '<font name="SafeLogMono">safelog verify FILE.pdf --ca CA.pem</font>. It checks '
                "that the signature is intact and valid, that it covers the whole file and that "
                "the signer's certificate was issued by the school CA, and says in plain words "
                "what it found.",
                body,
            )
        )
        return story

    def build(self) -> list[Flowable]:
        return [*self.cover(), *self.cases(), *self.chronology(), *self.how_to_check()]


def render_pupil_chronology(data: PupilChronologyData, *, pseudonymise: bool) -> RenderedCaseFile:
    """Lay the chronology out; returns the unsigned PDF (in memory), ready to sign."""
    fonts.register_fonts()
    builder = _Chronology(data, pseudonymise)
    story = builder.build()
    buffer = io.BytesIO()
    reference = document_reference(builder.pupil)
    doc = a4_document(
        buffer,
        title=f"{TITLE}, {reference}",
        school=data.school,
        subject=f"{MARKING}: {TITLE.lower()}",
    )
    with binary_streams():
        doc.build(story, canvasmaker=numbered_canvas(reference, data.school))
    return signable_document(  # no originals attached
        buffer.getvalue(),
        doc,
        builder.signature,
        document="pupil-chronology",
        reference=reference,
        school=data.school,
        at=data.printed_at,
    )
