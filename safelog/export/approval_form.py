"""A request that waits for a decision as a printable A4 form (domain/approvals.py): the
Blocked Content Access Request Form of 003 appendix a (requester, then authoriser), the
acknowledgement of a family link or social contact with a pupil (000 6.7-6.9, 004 8.2.3),
and the request to monitor or intercept communications (002 7.4). The names and signatures
are the ones SafeLog checked: each part was signed in SafeLog with its author's own key.
Pages and fonts are the case file's; every value reaches a Paragraph only through
`fonts.markup`. Rendered in memory."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from safelog.domain.approvals import Decision
from safelog.domain.roles import ROLE_LABELS
from safelog.export import fonts
from safelog.export.casefile_model import RenderedCaseFile, signable_document
from safelog.export.pages import (
    FRAME_W,
    SIGNATURE_BOX,
    SignatureBox,
    Styles,
    a4_document,
    numbered_canvas,
    ruled_table,
)
from safelog.export.text import uk_date, uk_datetime

if TYPE_CHECKING:
    from safelog.vault.approvals import Approval

SIGNED_NOTE = (
    "Each part above was signed in SafeLog with its author's own key when it was recorded, "
    "and checked when this form was printed. This file is signed by the person who printed it "
    "(below): Adobe Reader, or the command \u201csafelog verify\u201d, shows whether it was "
    "changed since."
)
_MARK = {Decision.APPROVED: "\u2713 Approved", Decision.REFUSED: "\u2717 Refused"}


def _two_columns(rows: list[tuple[str, str]], s: Styles) -> Flowable:
    m = fonts.markup
    cells = [[Paragraph(m(label), s.head), Paragraph(m(value), s.cell)] for label, value in rows]
    return ruled_table(cells, [FRAME_W * 0.36, FRAME_W * 0.64])


def _story(
    school: str, approval: Approval, printed_by: str, printed_at: datetime, box: SignatureBox
) -> list[Flowable]:
    s = Styles()
    m = fonts.markup
    rules = approval.rules
    refs = ", ".join(rules.policy_refs)
    story: list[Flowable] = [
        Paragraph(m(rules.form_title), s.h1),
        Paragraph(
            m(
                f"{school}. Request {approval.seq}. Policy {refs}. Printed by {printed_by}, "
                f"{uk_datetime(printed_at)}."
            ),
            s.muted,
        ),
        Spacer(1, 8),
        Paragraph("Requester", s.h2),
    ]
    rows = [("Staff name:", approval.requester_name), ("Date:", uk_date(approval.at))]
    if approval.subject_name:
        rows.append(("About:", approval.subject_name))
    rows += [(f"{spec.label}:", approval.fields.get(spec.name, "")) for spec in rules.fields]
    rows.append(("Signature:", f"Signed in SafeLog by {approval.requester_name}"))
    story += [_two_columns(rows, s), Spacer(1, 10)]
    decided_by = " or ".join(ROLE_LABELS[r].lower() for r in sorted(approval.decided_by))
    heading = "Acknowledgement" if Decision.ACKNOWLEDGED in rules.decisions else "Authoriser"
    story.append(Paragraph(m(f"{heading} ({decided_by})"), s.h2))
    made = approval.decision
    if made is None:
        rows = [("Decision:", "Awaiting the decision"), ("Staff name:", ""), ("Date:", "")]
        rows.append(("Signature:", ""))
    else:
        word = _MARK.get(made.decision, "Acknowledged, discussed and recorded")
        label = "Approved?" if made.decision in _MARK else "Acknowledged:"
        notes = "Reasons:" if made.decision in _MARK else "Agreed protocols and notes:"
        rows = [
            (label, word),
            (notes, made.reasons or "(none given)"),
            ("Staff name:", made.by_name),
            ("Date:", uk_date(made.at)),
            ("Signature:", f"Signed in SafeLog by {made.by_name}"),
        ]
    story += [
        _two_columns(rows, s),
        Spacer(1, 10),
        KeepTogether(
            [
                Paragraph(m(SIGNED_NOTE), s.muted),
                Spacer(1, 6),
                Paragraph(m(f"Printed and signed by {printed_by}:"), s.body),
                Spacer(1, 4),
                box,
            ]
        ),
    ]
    return story


def render_approval_form(
    school: str, approval: Approval, printed_by: str, printed_at: datetime
) -> RenderedCaseFile:
    """The form, ready for signing (export/signing.py): no originals attached."""
    fonts.register_fonts()
    buffer = io.BytesIO()
    box = SignatureBox(*SIGNATURE_BOX)
    reference = f"request {approval.seq}"
    doc = a4_document(
        buffer, title=approval.rules.form_title, school=school, subject=approval.rules.title
    )
    doc.build(
        _story(school, approval, printed_by, printed_at, box),
        canvasmaker=numbered_canvas(reference, school),
    )
    return signable_document(
        buffer.getvalue(),
        doc,
        box,
        document="approval-form",
        reference=reference,
        school=school,
        at=printed_at,
    )
