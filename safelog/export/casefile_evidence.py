"""The case file's evidence sections: the index of every item with its fingerprint, and the
images drawn on their own pages (portrait, or landscape for wide screenshots)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from safelog.export.casefile_model import EvidenceEntry
from safelog.export.casefile_sections import Sections
from safelog.export.images import (
    EvidenceImage,
    Picture,
    image_parts,
    is_wide,
    probe_image,
    wide_size,
)
from safelog.export.pages import FRAME_W, RULE, SHADE
from safelog.export.text import file_size, uk_datetime, uk_when
from safelog.vault.case_schema import CaseField


class EvidenceSections(Sections):
    def evidence_index(self) -> list[Flowable]:
        s, t = self.s, self.t
        story: list[Flowable] = [self.section("Evidence index")]
        if not self.data.evidence:
            return [*story, self.empty("No evidence is attached to this case.")]
        story.append(
            t.fixed(
                "Each item's SHA-256 fingerprint was recorded when it was added to SafeLog. The "
                "originals attached to this file have exactly these fingerprints: see the last "
                "page for how to check them.",
                s.small,
            )
        )
        story.append(Spacer(1, 6))
        sightings = self.sightings()
        for entry in self.data.evidence:
            meta = entry.metadata
            lines: list[Flowable] = [
                t.mixed([("label", "File: "), ("user", entry.file_name)], s.cell),
                t.fixed(f"Type: {entry.media_type} · Size: {file_size(entry.size)}", s.cell),
                t.mixed(
                    [
                        ("label", "Added by "),
                        ("user", entry.added_by),
                        ("plain", f", {uk_datetime(entry.added_at)}"),
                    ],
                    s.cell,
                ),
            ]
            original = meta.get("original_name")
            if original and original != entry.file_name:
                lines.append(t.mixed([("plain", "Original name: "), ("user", original)], s.cell))
            for key, label in (
                ("source_url", "Source"),
                ("platform", "Platform"),
                ("handle", "Account"),
                ("description", "Description"),
            ):
                if meta.get(key):
                    lines.append(t.mixed([("plain", f"{label}: "), ("user", meta[key])], s.cell))
            if meta.get("seen_at"):
                lines.append(t.fixed(f"Seen: {uk_when(meta['seen_at'])}", s.cell))
            if meta.get("device"):
                # The name of the computer it was added on (its host name).
                lines.append(t.mixed([("plain", "Computer: "), ("user", meta["device"])], s.muted))
            for sighting in sightings.get(entry.id, []):
                lines.append(self.sighting(sighting))
            lines.append(t.rich("SHA-256:", s.cell_bold))
            lines.append(t.rich(escape(entry.sha256), s.mono))
            name = self.attachment_names.get(entry.number)
            if name:
                lines.append(t.mixed([("plain", "Attached as: "), ("user", name)], s.cell))
            else:
                lines.append(
                    t.fixed(f"Not attached: {entry.not_attached or 'not chosen'}.", s.muted)
                )
            row = [[t.fixed(str(entry.number), s.cell_bold), lines]]
            table = Table(row, colWidths=[28, FRAME_W - 28], splitInRow=1)
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                        ("BACKGROUND", (0, 0), (0, -1), SHADE),
                        ("TOPPADDING", (0, 0), (-1, -1), 5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                    ]
                )
            )
            story.append(KeepTogether([table]))
        return story

    def sightings(self) -> dict[str, list[dict[str, Any]]]:
        """Later imports of the same file (same SHA-256), by evidence id, oldest first."""
        found: dict[str, list[dict[str, Any]]] = {}
        for sighting in self.field(CaseField.EVIDENCE_SIGHTINGS) or []:
            if isinstance(sighting, dict):
                found.setdefault(str(sighting.get("evidence_id")), []).append(sighting)
        return found

    def sighting(self, sighting: Mapping[str, Any]) -> Paragraph:
        """'Added again by Dana DSL, 2 December 2026, 05:38 GMT, as chat.png; seen: ...'."""
        parts: list[tuple[str, Any]] = [
            ("label", "Added again by "),
            ("user", sighting.get("recorded_by", "")),
            ("plain", f", {uk_datetime(sighting.get('recorded_at'))}"),
        ]
        if sighting.get("original_name"):
            parts += [("plain", ", as "), ("user", sighting["original_name"])]
        for key, label in (
            ("source_url", "source"),
            ("platform", "platform"),
            ("handle", "account"),
            ("description", "description"),
        ):
            if sighting.get(key):
                parts += [("plain", f"; {label}: "), ("user", sighting[key])]
        if sighting.get("seen_at"):
            parts.append(("plain", f"; seen: {uk_when(sighting['seen_at'])}"))
        if sighting.get("device"):
            parts += [("plain", "; computer: "), ("user", sighting["device"])]
        return self.t.mixed(parts, self.s.cell)

    def images(self) -> list[Flowable]:
        s, t = self.s, self.t
        entries = [e for e in self.data.evidence if e.media_type.startswith("image/")]
        if not entries:
            return []
        probes = {
            e.number: probe_image(e.data) for e in entries if e.show_image and e.data is not None
        }

        def wide(entry: EvidenceEntry) -> bool:
            probe = probes.get(entry.number)
            return bool(probe and not probe.problem and is_wide(probe.width, probe.height))

        landscape = wide(entries[0])
        story: list[Flowable] = [
            NextPageTemplate("wide" if landscape else "page"),
            PageBreak(),
            self.section("Evidence images"),
        ]
        under_title = True  # the first picture shares its page with the section's title
        for entry in entries:
            if wide(entry) != landscape:  # a page of the other orientation
                landscape = not landscape
                story += [NextPageTemplate("wide" if landscape else "page"), PageBreak()]
                under_title = False
            heading = t.mixed(
                [("label", f"Evidence {entry.number}: "), ("user", entry.file_name)], s.h2
            )
            caption = t.mixed(
                [
                    ("plain", "Added by "),
                    ("user", entry.added_by),
                    ("plain", f", {uk_datetime(entry.added_at)}. SHA-256 {entry.sha256}"),
                ],
                s.muted,
            )
            if not entry.show_image or entry.data is None:
                reason = entry.not_shown or "images were not included in this export"
                story.append(KeepTogether([heading, t.fixed(f"Not shown: {reason}.", s.body)]))
                continue
            probe = probes[entry.number]
            if probe.problem:
                attached = (
                    " The original is attached." if entry.number in self.attachment_names else ""
                )
                why = f"This image could not be shown: {probe.problem}.{attached}"
                story.append(KeepTogether([heading, caption, t.fixed(why, s.body)]))
                if self.step is not None:
                    self.step("Drawing the evidence images")
                continue
            if landscape:
                width, height = wide_size(probe.width, probe.height, 140 if under_title else 80)
                parts = 1
            else:
                width, height, parts = image_parts(probe.width, probe.height)
            picture = Picture(
                entry.data, width, height, parts, probe.width * probe.height, self.decoder
            )
            under_title = False
            attachment = self.attachment_names.get(entry.number)
            for index in range(parts):
                name = f"SafeLogEvidence{entry.number}Part{index + 1}"
                piece = EvidenceImage(picture, index, name, attachment, self.step)
                if parts == 1:
                    block: list[Flowable] = [heading, caption, Spacer(1, 4), piece]
                else:
                    label = t.fixed(
                        f"Part {index + 1} of {parts} (a tall image, drawn across pages)",
                        s.muted,
                    )
                    block = [heading, caption, label, Spacer(1, 4), piece]
                    if index:
                        block = [
                            t.mixed(
                                [
                                    ("label", f"Evidence {entry.number}, continued: "),
                                    ("user", entry.file_name),
                                ],
                                s.h2,
                            ),
                            label,
                            Spacer(1, 4),
                            piece,
                        ]
                story.append(CondPageBreak(piece.height + 70))
                story.append(KeepTogether([*block, Spacer(1, 10)]))
        if landscape:
            story.append(NextPageTemplate("page"))  # the next section starts a new page
        return story
