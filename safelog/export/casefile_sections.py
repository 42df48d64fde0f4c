"""The case file's opening sections, from the cover to the outcome, and what every section
builds on (`Sections`: the data, the styles, the pseudonyms, the numbered section titles and
the originals to attach). The evidence sections are in casefile_evidence, the record history,
audit extract and how to check the file in casefile_audit.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)

from safelog.domain.outcomes import outcome_label
from safelog.domain.routes import not_needed_title
from safelog.export.casefile_model import Attachment, CaseFileData, Step, attachment_key
from safelog.export.images import Decoder
from safelog.export.options import ExportOptions
from safelog.export.pages import (
    FRAME_W,
    MARKING,
    SIGNATURE_BOX,
    SignatureBox,
    Styles,
    marking_box,
    ruled_table,
)
from safelog.export.redact import Pseudonymiser
from safelog.export.text import Text, signed_by, uk_date, uk_datetime
from safelog.vault.case_schema import CaseField

# Media types whose bytes are already compressed: attached as they are.
_COMPRESSED = ("image/", "video/", "audio/", "application/pdf", "application/zip")


def _label(enum_name: str, value: Any) -> str:
    from safelog.domain import outcomes

    enum = getattr(outcomes, enum_name)
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value or "")


def _category_title(code: Any) -> str:
    from safelog.domain.categories import category_by_code

    try:
        return str(category_by_code(str(code)).title)
    except Exception:  # an unknown code is printed as it is
        return str(code or "")


# -- the sections ---------------------------------------------------------------------------


class Sections:
    """What every section builds on, and the opening sections; the evidence and closing
    sections extend it (casefile_evidence, casefile_audit) and casefile puts them in order."""

    def __init__(self, data: CaseFileData, options: ExportOptions, step: Step | None) -> None:
        self.data = data
        self.options = options
        self.step = step
        self.s = Styles()
        self.names = Pseudonymiser(data.fields.get(CaseField.PEOPLE) or [], options.pseudonymise)
        self.t = Text(self.s, self.names)
        self.signature = SignatureBox(*SIGNATURE_BOX)
        self.sections = 0
        self.decoder = Decoder()
        self.attachments: list[Attachment] = []
        self.attachment_names: dict[int, str] = {}
        for entry in data.evidence:
            if entry.attach and entry.data is not None:
                name = f"{entry.number:02d}-{self.names.text(entry.file_name)}"
                self.attachment_names[entry.number] = name
                self.attachments.append(
                    Attachment(
                        key=attachment_key(entry.number, name),
                        name=name,
                        data=entry.data,
                        media_type=entry.media_type,
                        sha256=entry.sha256,
                        description=f"Evidence {entry.number} of case {data.reference}",
                        compress=not entry.media_type.startswith(_COMPRESSED),
                    )
                )

    # helpers
    def h1(self, text: str) -> Paragraph:
        return self.t.fixed(text, self.s.h1)

    def section(self, title: str) -> Paragraph:
        self.sections += 1
        return self.h1(f"{self.sections}. {title}")

    def empty(self, text: str) -> Paragraph:
        return self.t.fixed(text, self.s.muted)

    def kv(self, rows: list[tuple[str, Any]], label_width: float = 130) -> Table:
        body = [[self.t.fixed(k, self.s.cell_bold), v] for k, v in rows]
        return ruled_table(body, [label_width, FRAME_W - label_width], header=False)

    def field(self, name: str) -> Any:
        return self.data.fields.get(name)

    # sections
    def cover(self) -> list[Flowable]:
        d, s, t = self.data, self.s, self.t
        fields = d.fields
        title = _category_title(fields.get(CaseField.CATEGORY))
        story: list[Flowable] = [
            Spacer(1, 6),
            t.user(d.school, s.school),
            t.fixed("Safeguarding case file", s.title),
            t.rich(f"Case reference {escape(d.reference)}", s.reference),
        ]
        marking = marking_box(
            t.fixed(MARKING, s.marking),
            t.fixed(
                "This file holds personal and sensitive information about children and "
                "adults. Keep it, share it and destroy it only as your safeguarding and "
                "data-protection policies allow.",
                ParagraphStyle("mk", parent=s.cell, alignment=TA_CENTER),
            ),
        )
        story += [marking, Spacer(1, 16)]
        roles = f" ({d.exported_by_roles})" if d.exported_by_roles else ""
        contents = [
            f"{len(d.evidence)} evidence item{'s' if len(d.evidence) != 1 else ''}",
            "images shown" if self.options.include_images else "images not shown",
            f"{len(self.attachments)} original{'s' if len(self.attachments) != 1 else ''} attached",
        ]
        rows: list[tuple[str, Any]] = [
            ("Category", t.user(title, s.cell)),
            ("Summary", t.user(fields.get(CaseField.SUMMARY, ""), s.cell)),
            ("Status", t.fixed(_label("CaseStatus", fields.get(CaseField.STATUS, "")), s.cell)),
            ("Exported by", t.mixed([("user", d.exported_by), ("plain", roles)], s.cell)),
            ("Exported on", t.fixed(uk_datetime(d.exported_at) + " (UK time)", s.cell)),
            ("Contents", t.fixed("; ".join(contents) + ".", s.cell)),
        ]
        if self.options.pseudonymise:
            rows.append(
                (
                    "Pseudonymised",
                    t.fixed(
                        "Other pupils appear as Pupil A, Pupil B, ... wherever their recorded "
                        "name appears in the text. Images and attached originals are not "
                        "altered and may still show names.",
                        s.cell,
                    ),
                )
            )
        if self.options.password:
            rows.append(("Protection", t.fixed("Opened with a password (AES-256).", s.cell)))
        story += [self.kv(rows, 110), Spacer(1, 22)]
        story += signed_by(t, s, d.exported_by, self.signature)
        return story

    def summary(self) -> list[Flowable]:
        d, s, t = self.data, self.s, self.t
        f = d.fields
        rows: list[tuple[str, Any]] = [
            ("Category", t.user(_category_title(f.get(CaseField.CATEGORY)), s.cell)),
            ("Summary", t.user(f.get(CaseField.SUMMARY, ""), s.cell)),
            ("Status", t.fixed(_label("CaseStatus", f.get(CaseField.STATUS, "")), s.cell)),
        ]
        if f.get(CaseField.OCCURRED_AT):
            rows.append(
                ("When it happened", t.fixed(uk_datetime(f[CaseField.OCCURRED_AT]), s.cell))
            )
        if f.get(CaseField.PLATFORM):
            rows.append(("Platform", t.user(f[CaseField.PLATFORM], s.cell)))
        if f.get(CaseField.URL):
            rows.append(("Web address", t.user(f[CaseField.URL], s.cell)))
        if d.reporter:
            rows.append(("Reported by", t.name(d.reporter)))
        if d.history:
            rows.append(("First recorded", t.fixed(uk_datetime(d.history[0].at), s.cell)))
        if d.subjects:
            rows.append(("About (staff)", t.user(", ".join(d.subjects), s.cell)))
        if f.get(CaseField.ABOUT_HEADTEACHER):
            rows.append(
                (
                    "Handled by",
                    t.fixed(
                        "The chair of governors: this concern is about the headteacher, who "
                        "cannot read it.",
                        s.cell,
                    ),
                )
            )
        if d.readers:
            rows.append(("Who can read it", t.user(", ".join(d.readers), s.cell)))
        story: list[Flowable] = [self.section("Summary"), self.kv(rows)]
        story += [self.t.fixed("What happened", s.h2)]
        story.append(t.user(f.get(CaseField.DESCRIPTION) or "(no description recorded)"))
        return story

    def people(self) -> list[Flowable]:
        s, t = self.s, self.t
        people = self.field(CaseField.PEOPLE) or []
        story: list[Flowable] = [self.section("People and their roles in this case")]
        if not people:
            return [*story, self.empty("No people are recorded on this case.")]
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("Name", "Who they are", "Role in this case", "Born")]
        ]
        for person in people:
            pseudonym = self.names.alias(person.get("name", ""))
            name_cell: Any = t.name(person.get("name", ""), s.cell_bold)
            if person.get("notes"):
                name_cell = [name_cell, t.user(person["notes"], s.small)]
            rows.append(
                [
                    name_cell,
                    t.fixed(_label("PersonKind", person.get("kind")), s.cell),
                    t.fixed(_label("PersonRole", person.get("role")), s.cell),
                    t.fixed(
                        "withheld" if pseudonym else uk_date(person.get("date_of_birth")),
                        s.cell,
                    ),
                ]
            )
        story.append(
            ruled_table(rows, [FRAME_W * 0.36, FRAME_W * 0.21, FRAME_W * 0.23, FRAME_W * 0.20])
        )
        return story

    def chronology(self) -> list[Flowable]:
        s, t = self.s, self.t
        entries = self.field(CaseField.CHRONOLOGY) or []
        story: list[Flowable] = [self.section("Chronology")]
        if not entries:
            story.append(self.empty("No chronology entries are recorded."))
        for entry in entries:
            when = uk_datetime(entry.get("occurred_at") or entry.get("recorded_at"))
            story.append(
                KeepTogether(
                    [
                        t.mixed(
                            [
                                ("label", when),
                                ("plain", " — recorded by "),
                                ("user", entry.get("recorded_by", "")),
                                ("plain", f", {uk_datetime(entry.get('recorded_at'))}"),
                            ],
                            ParagraphStyle("ce", parent=s.cell, spaceBefore=6),
                        ),
                        t.user(entry.get("text", ""), s.body),
                    ]
                )
            )
        actions = self.field(CaseField.ACTIONS) or []
        if actions:
            story.append(t.fixed("Actions", s.h2))
            rows: list[list[Any]] = [
                [t.fixed(h, s.head) for h in ("Action", "Owner", "Due", "Done")]
            ]
            for action in actions:
                done = ""
                if action.get("done_at"):
                    done = f"{uk_datetime(action['done_at'])} by {action.get('done_by', '')}"
                    if action.get("done_note"):
                        done += f": {action['done_note']}"
                rows.append(
                    [
                        t.user(action.get("text", ""), s.cell),
                        t.user(action.get("owner", ""), s.cell),
                        t.fixed(uk_date(action.get("due")) or "—", s.cell),
                        t.user(done or "not yet", s.cell),
                    ]
                )
            story.append(
                ruled_table(rows, [FRAME_W * 0.42, FRAME_W * 0.18, FRAME_W * 0.14, FRAME_W * 0.26])
            )
        return story

    def escalations(self) -> list[Flowable]:
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Escalations")]
        items = self.data.escalations
        if not items:
            return [*story, self.empty("No escalation routes apply to this case.")]
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("Route", "Due", "What was done", "Reference")]
        ]
        for item in items:
            title = item.get("title") or item.get("route", "")
            route_cell = [t.fixed(title, s.cell_bold)]
            route_cell.append(t.fixed("required" if item.get("required") else "suggested", s.muted))
            parts: list[tuple[str, Any]] = []
            if item.get("not_needed"):
                title = not_needed_title(str(item.get("route", "")))
                parts = [("label", f"{title}: "), ("user", item["not_needed"])]
            elif item.get("done_at"):
                parts = [("label", uk_datetime(item["done_at"]))]
                if item.get("told"):
                    parts += [("plain", " — told: "), ("user", item["told"])]
                if item.get("how"):
                    parts += [("plain", " ("), ("user", item["how"]), ("plain", ")")]
                if item.get("response"):
                    parts += [("plain", ". Response: "), ("user", item["response"])]
            else:
                parts = [("plain", "Not yet done.")]
            reference: Any = t.fixed("—", s.cell)
            if item.get("reference"):
                label = item.get("reference_label") or "Reference"
                reference = t.mixed([("label", f"{label}: "), ("user", item["reference"])], s.cell)
            rows.append(
                [
                    route_cell,
                    t.fixed(uk_datetime(item.get("due"), short=True) or "—", s.cell),
                    t.mixed(parts, s.cell),
                    reference,
                ]
            )
        story.append(
            ruled_table(rows, [FRAME_W * 0.24, FRAME_W * 0.19, FRAME_W * 0.37, FRAME_W * 0.20])
        )
        return story

    def content_reports(self) -> list[Flowable]:
        """The Inappropriate Content Report Forms (policy 003, appendix b); no section when
        the case has none."""
        s, t = self.s, self.t
        reports = self.field(CaseField.CONTENT_REPORTS) or []
        if not reports:
            return []
        story: list[Flowable] = [self.section("Inappropriate content reports")]
        for number, entry in enumerate(reports, start=1):
            seen = str(entry.get("seen_on") or "")
            officer = entry.get("officer") or {}
            done: Any = t.fixed("Not yet completed.", s.cell)
            if officer:
                done = t.mixed(
                    [
                        ("user", officer.get("action_taken", "")),
                        ("plain", " — "),
                        ("user", officer.get("by_name", "")),
                        ("plain", f", {uk_date(officer.get('on'))}"),
                    ],
                    s.cell,
                )
            rows: list[tuple[str, Any]] = [
                (
                    "Submitted by",
                    t.mixed(
                        [
                            ("user", entry.get("submitted_by_name", "")),
                            ("plain", f", {uk_datetime(entry.get('submitted_at'))}"),
                        ],
                        s.cell,
                    ),
                ),
                ("Accessed by", t.name(entry.get("accessed_by") or "not known")),
                ("Date", t.fixed(uk_datetime(seen) if "T" in seen else uk_date(seen), s.cell)),
                ("Full URL(s)", t.user("\n".join(entry.get("urls") or []) or "—", s.cell)),
                ("Nature", t.user(entry.get("nature", ""), s.cell)),
                ("E-safety officer", done),
            ]
            story += [t.fixed(f"Report {number}", s.h2), self.kv(rows)]
        return story

    def decisions(self) -> list[Flowable]:
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Decisions and the reasons for them")]
        decisions = self.field(CaseField.DECISIONS) or []
        if not decisions:
            return [*story, self.empty("No decisions are recorded.")]
        for number, entry in enumerate(decisions, start=1):
            story.append(
                KeepTogether(
                    [
                        t.mixed(
                            [
                                ("label", f"Decision {number}: "),
                                ("user", entry.get("decision", "")),
                            ],
                            ParagraphStyle("dh", parent=s.body, spaceBefore=8),
                        ),
                        t.mixed([("label", "Reason: "), ("user", entry.get("reason", ""))], s.body),
                        t.mixed(
                            [
                                ("plain", "Recorded by "),
                                ("user", entry.get("recorded_by", "")),
                                ("plain", f", {uk_datetime(entry.get('recorded_at'))}"),
                            ],
                            s.muted,
                        ),
                    ]
                )
            )
        return story

    def public_replies(self) -> list[Flowable]:
        """Replies the school made online, with who approved each and when, and what is
        wrong with an approval (004, the paragraph after 8.1.9); nothing when there are none."""
        from safelog.domain.categories import UnknownCategory, category_by_code
        from safelog.domain.public_replies import replies_with_warnings

        s, t = self.s, self.t
        entries = self.field(CaseField.PUBLIC_REPLIES)
        if not isinstance(entries, list) or not entries:
            return []
        try:
            needs = category_by_code(
                str(self.field(CaseField.CATEGORY) or "")
            ).replies_need_approval
        except UnknownCategory:
            needs = True
        replies = replies_with_warnings(
            entries,
            needs_approval=needs,
            about_headteacher=bool(self.field(CaseField.ABOUT_HEADTEACHER)),
        )
        story: list[Flowable] = [self.section("Replies made online, and their approval")]
        for number, reply in enumerate(replies, start=1):
            approval: list[tuple[str, Any]] = [("plain", "No approval recorded.")]
            if reply.get("approved_by"):
                approval = [
                    ("plain", "Approved by "),
                    ("user", reply.get("approved_by", "")),
                    ("plain", f", {uk_datetime(reply.get('approved_at'))}."),
                ]
            where = reply.get("where") or "where not given"
            when = uk_datetime(reply.get("replied_at")) or "time not given"
            parts = [
                t.mixed(
                    [
                        ("label", f"Reply {number} ("),
                        ("user", where),
                        ("label", f", {when}): "),
                        ("user", reply.get("text", "")),
                    ],
                    ParagraphStyle("ph", parent=s.body, spaceBefore=8),
                ),
                t.mixed(approval, s.body),
            ]
            if reply.get("warning"):
                parts.append(t.fixed(str(reply["warning"]), s.body))
            parts.append(
                t.mixed(
                    [
                        ("plain", "Recorded by "),
                        ("user", reply.get("recorded_by", "")),
                        ("plain", f", {uk_datetime(reply.get('recorded_at'))}"),
                    ],
                    s.muted,
                )
            )
            story.append(KeepTogether(parts))
        return story

    def outcome(self) -> list[Flowable]:
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Outcome")]
        outcome = self.field(CaseField.OUTCOME)
        if not outcome:
            return [*story, self.empty("No outcome has been recorded yet.")]
        if isinstance(outcome, dict):
            rows: list[tuple[str, Any]] = [
                ("Outcome", t.fixed(outcome_label(str(outcome.get("code", ""))), s.cell_bold))
            ]
            if outcome.get("note"):
                rows.append(("Note", t.user(outcome["note"], s.cell)))
            rows.append(
                (
                    "Recorded",
                    t.mixed(
                        [
                            ("plain", "by "),
                            ("user", outcome.get("recorded_by", "")),
                            ("plain", f", {uk_datetime(outcome.get('recorded_at'))}"),
                        ],
                        s.cell,
                    ),
                )
            )
            story.append(self.kv(rows))
        else:
            story.append(t.user(outcome))
        return story
