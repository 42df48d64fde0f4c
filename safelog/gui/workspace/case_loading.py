"""What the case workspace reads for one load, in the worker: the case as the user may see it.

The DSL, headteacher and chair read the whole record. A member of staff who opens their own
report reads it from its receipt (DESIGN §3.5): what they sent, its status and the replies,
with the evidence they added while nobody was handling it yet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from safelog.domain.roles import CASE_MANAGERS, Role
from safelog.gui.workspace.panel import CaseView
from safelog.vault.case_schema import CaseField
from safelog.vault.directory import ENROLLED
from safelog.vault.records import CaseDetail

if TYPE_CHECKING:
    from safelog.vault.receipts import ReceiptDetail
    from safelog.vault.session import Session


def receipt_detail(session: Session, receipt: ReceiptDetail) -> tuple[CaseDetail, bool]:
    """The reporter's report as a case record holding only what they sent, with the evidence
    they added while nobody was handling it yet; and whether it is now being handled (then
    the vault lets them list no evidence at all)."""
    from safelog.errors import AccessDenied
    from safelog.vault.evidence_reading import list_case_evidence

    handled = False
    try:
        evidence = [item.info for item in list_case_evidence(session, receipt.reference)]
    except AccessDenied:  # the report is being handled: sealed away from the reporter
        evidence, handled = [], True
    detail = CaseDetail(
        id=receipt.id,
        reference=receipt.reference,
        fields={**receipt.sent, CaseField.STATUS: receipt.status},
        versions=[],
        evidence=evidence,
        changes={1: {**receipt.sent}},
    )
    return detail, handled


def read_case_view(session: Session, reference: str, clock: Callable[[], datetime]) -> CaseView:
    """The case and what the tabs need to show it; for a reporter without access to the
    case, their own report from its receipt. Runs in the worker."""
    from safelog.errors import AccessDenied, ReportBeingHandled
    from safelog.vault.cases import show_case
    from safelog.vault.escalations import escalations_for
    from safelog.vault.receipts import show_receipt

    directory = session.directory
    roles = session.person.roles
    receipt = None
    handled = False
    try:
        detail = show_case(session, reference)
    except ReportBeingHandled:
        receipt = show_receipt(session, reference)
        detail, handled = receipt_detail(session, receipt)
    except AccessDenied:
        if CASE_MANAGERS & roles:
            raise
        try:  # their own report: what they sent, from its receipt
            receipt = show_receipt(session, reference)
        except AccessDenied:
            raise AccessDenied(f"You do not have access to case {reference}.") from None
        detail, handled = receipt_detail(session, receipt)
    return CaseView(
        detail=detail,
        escalations=escalations_for(detail),
        names={p.id: p.name for p in directory.people.values()},
        user_names=sorted(p.name for p in directory.people.values() if p.status == ENROLLED),
        now=clock(),
        can_edit=bool(CASE_MANAGERS & roles),
        is_dsl=Role.DSL in roles,
        my_name=session.person.name,
        my_id=session.user_id,
        receipt=receipt,
        being_handled=handled,
    )
