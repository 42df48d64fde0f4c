"""The case file's closing sections: the versions of the record and the audit extract, in
words a reader follows (evidence by its number in this file, no internal ids), and how to
check that the file is genuine."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from safelog.audit.actions import AuditAction
from safelog.export import fonts
from safelog.export.casefile_sections import Sections
from safelog.export.pages import FRAME_W, ruled_table
from safelog.export.text import file_size, grouped, uk_datetime, uk_when
from safelog.vault.case_schema import CaseField

_FIELD_WORDS = {
    CaseField.CATEGORY: "category",
    CaseField.SUMMARY: "summary",
    CaseField.DESCRIPTION: "description",
    CaseField.OCCURRED_AT: "when it happened",
    CaseField.PLATFORM: "platform",
    CaseField.URL: "web address",
    CaseField.SUBJECTS: "who it is about",
    CaseField.PEOPLE: "people",
    CaseField.REPORTER: "reporter",
    CaseField.STATUS: "status",
    CaseField.ACKNOWLEDGED: "acknowledged",
    CaseField.ESCALATIONS: "escalations",
    CaseField.ESCALATED_TO_LEADERSHIP: "escalated to leadership",
    CaseField.ABOUT_HEADTEACHER: "about the headteacher",
    CaseField.CHRONOLOGY: "chronology",
    CaseField.ACTIONS: "actions",
    CaseField.DECISIONS: "decisions",
    CaseField.OUTCOME: "outcome",
    CaseField.CONTENT_REPORTS: "inappropriate content reports",
    CaseField.REPLIES: "replies to the reporter",
    CaseField.PUBLIC_REPLIES: "replies made online",
    CaseField.EVIDENCE_SIGHTINGS: "evidence added again",
    CaseField.IMAGE_REPORTS: "reports of images not stored",
    CaseField.QUARANTINE: "evidence quarantined, device locked away",
    CaseField.ALLEGATION_OUTCOME: "allegation outcome",
    CaseField.OUTCOME_NOTE: "outcome note",
}


class AuditSections(Sections):
    def audit(self) -> list[Flowable]:
        s, t = self.s, self.t
        d = self.data
        story: list[Flowable] = [PageBreak(), self.section("Record history and audit extract")]
        story.append(
            t.fixed(
                "Every change to this case is a new version signed by its author; nothing "
                "recorded is overwritten. The audit log below lists who opened, changed or "
                "exported the case, from SafeLog's signed, hash-chained log.",
                s.small,
            )
        )
        story.append(t.fixed("Versions of the record", s.h2))
        rows: list[list[Any]] = [
            [t.fixed(h, s.head) for h in ("Version", "When", "By", "What it recorded")]
        ]
        for version in d.history:
            changed = ", ".join(_FIELD_WORDS.get(c, c) for c in version.changed)
            if version.rekeyed:
                changed += " (who may read it changed)"
            rows.append(
                [
                    t.fixed(str(version.number), s.cell),
                    t.fixed(uk_datetime(version.at, short=True), s.cell),
                    t.name(version.author),
                    t.fixed(changed or "—", s.cell),
                ]
            )
        story.append(ruled_table(rows, [56, 124, 108, FRAME_W - 288]))
        story.append(t.fixed("Audit log entries for this case", s.h2))
        if not d.audit:
            story.append(self.empty("No audit entries could be read for this case."))
            return story
        numbers = {e.id: e.number for e in d.evidence}
        reports = {
            str(r.get("id")): n
            for n, r in enumerate(self.field(CaseField.CONTENT_REPORTS) or [], start=1)
            if isinstance(r, dict)
        }
        rows = [[t.fixed(h, s.head) for h in ("#", "When", "Who", "What")]]
        for entry in d.audit:
            what = _action_words(entry.action)
            detail = _audit_details(entry.details, numbers, d.escalations, reports)
            rows.append(
                [
                    t.fixed(str(entry.seq), s.cell),
                    t.fixed(uk_datetime(entry.at, short=True), s.cell),
                    t.name(entry.actor),
                    [t.fixed(what, s.cell_bold), t.user(detail, s.small)]
                    if detail
                    else t.fixed(what, s.cell_bold),
                ]
            )
        story.append(ruled_table(rows, [36, 128, 104, FRAME_W - 268]))
        story.append(Spacer(1, 6))
        story.append(
            t.fixed(
                "This export itself is recorded in the audit log as 'Case file exported', with "
                "the SHA-256 fingerprint of the signed file.",
                s.muted,
            )
        )
        return story

    def how_to_check(self) -> list[Flowable]:
        s, t = self.s, self.t
        d = self.data
        body = ParagraphStyle("howto", parent=s.body, spaceAfter=6)
        step = ParagraphStyle("step", parent=body, leftIndent=14, bulletIndent=0)
        school = fonts.markup(d.school)
        story: list[Flowable] = [PageBreak(), self.h1("How to check this file")]
        story.append(
            t.rich(
                f"This case file was signed digitally by the person who exported it, with a "
                f"certificate issued by <b>{school}</b>'s own SafeLog certificate authority "
                "(the school CA). The signature covers every byte of the file, including the "
                "attached originals: if anything is changed after signing, even one character, "
                "the signature no longer checks out.",
                body,
            )
        )
        if d.timestamp_url:
            story.append(
                t.fixed(
                    "The time of signing is also confirmed by an independent timestamp server "
                    "(RFC 3161), so it does not rest on the exporting computer's clock alone.",
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
        story.append(t.rich(escape(grouped(d.ca_fingerprint)), s.mono))
        story.append(Spacer(1, 6))
        story.append(t.fixed("2. In Adobe Acrobat Reader", s.h2))
        for number, text in enumerate(
            [
                "Open Preferences (Edit menu on Windows, Acrobat Reader menu on a Mac), "
                "choose <b>Signatures</b>, then under <b>Identities &amp; Trusted "
                "Certificates</b> choose <b>More…</b>.",
                "Choose <b>Trusted Certificates</b>, then <b>Import</b>, and add the school's "
                "CA.pem.",
                "Select the imported certificate, choose <b>Edit Trust</b>, tick <b>Use this "
                "certificate as a trusted root</b> and choose OK.",
                "Open this case file again. The blue bar at the top and the Signature panel "
                "should say <b>Signed and all signatures are valid</b>. Anything else (for "
                "example 'the document has been altered or corrupted') means you must not rely "
                "on this copy.",
            ],
            start=1,
        ):
            story.append(Paragraph(text, step, bulletText=f"{number}."))
        story.append(t.fixed("3. With SafeLog", s.h2))
        story.append(
            t.rich(
                "On any computer with SafeLog installed, run "
                '<font name="SafeLogMono">safelog verify FILE.pdf --ca CA.pem</font>. It '
                "checks that the signature is intact and valid, that it covers the whole file "
                "(nothing was added after signing), that the signer's certificate was issued by "
                "the school CA, and that every attached original matches the fingerprint "
                "printed in the evidence index. It says in plain words what it found.",
                body,
            )
        )
        story.append(t.fixed("4. Check an attached original by hand", s.h2))
        story.append(
            t.rich(
                "The originals are attached to this file (the paper-clip or Attachments panel "
                "in Adobe Reader). Save one, work out its SHA-256 fingerprint and compare it "
                "with the evidence index: on Windows "
                '<font name="SafeLogMono">certutil -hashfile FILE SHA256</font>, on a Mac '
                '<font name="SafeLogMono">shasum -a 256 FILE</font>, on Linux '
                '<font name="SafeLogMono">sha256sum FILE</font>.',
                body,
            )
        )
        return story


# Audit details a reader is not shown: the case reference (on every page) and internal ids
# (the reader group a case was re-keyed for; who may read it is printed as a change).
_AUDIT_HIDDEN = frozenset({"reference", "audience", "user_id"})

# Yes/no details in words: (when yes, when no); None leaves that side out.
_AUDIT_FLAGS: dict[str, tuple[str | None, str | None]] = {
    "thumbnails": ("with thumbnails", "without thumbnails"),
    "images": ("images shown", "images not shown"),
    "pseudonymised": ("other pupils pseudonymised", "not pseudonymised"),
    "password": ("protected with a password", "no password"),
    "timestamped": ("timestamped by a timestamp server", "not timestamped"),
    "same_as": ("same file as an earlier item", None),
    "rekeyed": ("who may read it changed", None),
}

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}\S*)?")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _action_words(action: str) -> str:
    """The action's words; one SafeLog has no words for yet: 'case.some-thing' as
    'Case: some thing'."""
    try:
        return AuditAction(action).label
    except ValueError:
        pass
    kind, _, what = action.partition(".")
    return f"{kind.capitalize()}: {what.replace('-', ' ')}" if what else action


def _detail_words(key: str, value: Any) -> str | None:
    """Any other detail in words, or None when it is for SafeLog's checks, not for reading
    (an internal id, or a structure)."""
    label = key.replace("_", " ")
    if key.endswith(("_id", "_ids")):
        return None
    if isinstance(value, bool):
        return f"{label}: {'yes' if value else 'no'}"
    if isinstance(value, (int, float)):
        return f"{label}: {value}"
    if isinstance(value, list) and all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
    ):
        value = ", ".join(str(v) for v in value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _UUID.search(text):
        return None
    if _ISO_TIME.fullmatch(text):
        text = uk_when(text)
    return f"{label}: {text}" if text else None


def _audit_details(
    details: dict[str, Any],
    evidence_numbers: dict[str, int],
    escalations: Iterable[dict[str, Any]],
    reports: Mapping[str, int] | None = None,
) -> str:
    """An audit entry's details in words: evidence and content reports by their numbers in
    this file, yes/no as words, no internal ids."""
    titles = {e.get("route"): e.get("title") for e in escalations}
    parts: list[str | None] = []
    for key, value in details.items():
        if key in _AUDIT_HIDDEN:
            continue
        if key == "evidence_id":
            number = evidence_numbers.get(str(value))
            parts.append(f"evidence {number}" if number else "evidence (removed from view)")
        elif key == "evidence_ids" and isinstance(value, list):
            numbers = sorted(n for n in (evidence_numbers.get(str(v)) for v in value) if n)
            gone = len(value) - len(numbers)
            words = [f"evidence {', '.join(str(n) for n in numbers)}"] if numbers else []
            if gone:
                words.append(f"{_plural(gone, 'item')} removed from view")
            parts.append(" and ".join(words) if words else "no evidence")
        elif key == "report_id":
            number = (reports or {}).get(str(value))
            parts.append(f"content report {number}" if number else "a content report")
        elif key == "changed" and isinstance(value, list):
            parts.append("changed: " + ", ".join(_FIELD_WORDS.get(str(v), str(v)) for v in value))
        elif key == "route":
            parts.append(f"route: {titles.get(value) or value}")
        elif key == "sha256":
            parts.append(f"SHA-256 {value}")
        elif key in _AUDIT_FLAGS:
            parts.append(_AUDIT_FLAGS[key][0 if value else 1])
        elif key == "size" and isinstance(value, int):
            parts.append(f"size {file_size(value)}")
        elif key == "version":
            parts.append(f"version {value}")
        elif key == "pages" and isinstance(value, int):
            parts.append(_plural(value, "page"))
        elif key == "attachments" and isinstance(value, int):
            parts.append(f"{_plural(value, 'original')} attached")
        elif key == "media_type":
            parts.append(f"type {value}")
        else:
            parts.append(_detail_words(key, value))
    return "; ".join(p for p in parts if p)
