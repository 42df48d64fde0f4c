"""Print a case's Violent Incident Report (002 appendix 2; domain/violent_incident.py):
read through show_case, so every version is checked and only the case's readers can print
it; saved atomically and audited on the case with the file's SHA-256."""

from __future__ import annotations

from pathlib import Path

from safelog.audit.actions import AuditAction
from safelog.domain.categories import category_by_code
from safelog.domain.violent_incident import VIR_CATEGORIES, offers_vir, vir_sections
from safelog.errors import InvalidInput
from safelog.vault.case_engine import open_case
from safelog.vault.case_schema import CaseField
from safelog.vault.cases import show_case
from safelog.vault.session import Session


def print_violent_incident_report(session: Session, reference: str, out: Path) -> str:
    """Save the VIR of case `reference` to `out`; returns the file's SHA-256."""
    from safelog.export.text import uk_when
    from safelog.export.vir_form import render_vir  # reportlab: only when a form is printed
    from safelog.store.files import write_atomically
    from safelog.vault.export import sign_printed_form

    session.ensure_open()
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    if not out.parent.is_dir():
        raise InvalidInput(f"There is no folder {out.parent} to save the form in.")
    detail = show_case(session, reference)  # verifies every version; refuses non-readers
    code = str(detail.fields.get(CaseField.CATEGORY) or "")
    if not offers_vir(code):
        kinds = " or ".join(category_by_code(c).title.lower() for c in sorted(VIR_CATEGORIES))
        raise InvalidInput(
            f"A Violent Incident Report is completed for {kinds}; case {detail.reference} is "
            "not one."
        )
    reporter = session.directory.people.get(str(detail.fields.get(CaseField.REPORTER) or ""))
    sections = vir_sections(
        detail.fields,
        reporter_name=reporter.name if reporter else "(a former member)",
        category_title=category_by_code(code).title,
        evidence=[(e.file_name, e.sha256) for e in detail.evidence],
        when=uk_when,
    )
    rendered = render_vir(
        session.directory.school, detail.reference, sections, session.person.name, session.clock()
    )
    pdf = sign_printed_form(
        session, rendered, f"Violent Incident Report, case {detail.reference}, from SafeLog"
    )
    digest = write_atomically(out, pdf)
    try:
        with session.write() as conn:
            case = open_case(session, conn, detail.reference)
            session.audit(
                conn,
                AuditAction.VIR_PRINT,
                {"reference": detail.reference, "sha256": digest, "size": len(pdf)},
                case=case.audit_ref(),
            )
    except BaseException:
        out.unlink(missing_ok=True)  # a printout that could not be recorded is not left
        raise
    return digest
