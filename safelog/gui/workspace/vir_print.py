"""The Violent Incident Report of a case (002 appendix 2), saved as a PDF to print: offered
in the workspace for concerns about a member of staff being abused or threatened online.
The form is drawn from the checked case in the worker (vault/violent_incident.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from safelog.gui.dialogs import tell
from safelog.gui.errors import explain_error
from safelog.gui.export_dialog import (
    ask_where_to_save_pdf,
)
from safelog.gui.worker import run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext

BUTTON = "&Violent Incident Report…"
TOOLTIP = "Save the Violent Incident Report for this incident as a PDF to print and sign"


def save_vir(context: AppContext, owner: QWidget, reference: str, out: Path | None = None) -> None:
    """Ask where (unless `out` is given), then save the form in the worker."""
    session = context.session
    if session is None or session.locked or not reference:
        return
    if out is None:
        out = ask_where_to_save_pdf(
            owner, "Save the Violent Incident Report", f"{reference}-violent-incident-report.pdf"
        )
        if out is None:
            return
    target = out

    def work() -> str:
        from safelog.vault.violent_incident import print_violent_incident_report

        return print_violent_incident_report(session, reference, target)

    def done(digest: str) -> None:
        tell(
            owner,
            "Violent Incident Report saved",
            f"Saved {target.name}. Print it for the member of staff and the headteacher to "
            f"sign.\n\nSHA-256 {digest}",
        )

    run_guarded(context, owner, work, done, lambda exc: explain_error(owner, exc))
