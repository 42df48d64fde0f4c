"""A printed working copy of a case: its summary and chronology, actions, decisions,
escalations and outcome, for a meeting. The signed PDF case file stays the evidential copy,
and the page says so.

The page goes through the system's print dialog, which also offers saving it as a PDF
where the user chooses (never a temporary file of ours). Every word from the case is
escaped: a summary with "<b>" in it prints as typed.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog, QWidget

from safelog.gui.form_fields import kind_label, role_label
from safelog.gui.formatting import category_title, status_label, uk_date
from safelog.gui.formatting import uk_datetime as uk_dt
from safelog.gui.workspace.escalations import due_text, where_it_stands
from safelog.gui.workspace.outcome import describe_outcome

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from safelog.gui.workspace.panel import CaseView

WORKING_COPY = (
    "A working copy printed from SafeLog. The signed PDF case file (Export case file) is the "
    "evidential copy. Keep this page as securely as the case: OFFICIAL-SENSITIVE."
)


def _e(value: Any) -> str:
    return html.escape(str(value or ""))


def _section(title: str, rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    if not rows:
        return f"<h2>{_e(title)}</h2><p><i>None recorded.</i></p>"
    head = "".join(f"<th align='left'>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f"<h2>{_e(title)}</h2>"
        f"<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
        f"<tr>{head}</tr>{body}</table>"
    )


def _entries(view: CaseView, name: str) -> list[dict[str, Any]]:
    value = view.fields.get(name) or []
    return [entry for entry in value if isinstance(entry, dict)]


def _by(entry: dict[str, Any]) -> str:
    return f"{entry.get('recorded_by', '')}, {uk_dt(entry.get('recorded_at'))}".strip(", ")


def case_printout_html(view: CaseView, printed_by: str, printed_at: Any) -> str:
    """The page: who and what the case is about, then each part as a table."""
    fields = view.fields
    detail = view.detail
    about: list[str] = []
    if fields.get("about_headteacher"):
        about.append("About the headteacher: the headteacher cannot read this case.")
    elif fields.get("subjects"):
        names = ", ".join(view.name_of(s) for s in fields["subjects"])
        about.append(f"About a member of staff: {names}.")
    facts: Iterable[tuple[str, str]] = (
        ("Category", category_title(str(fields.get("category", "")))),
        ("Status", status_label(str(fields.get("status", "")))),
        ("Reported by", view.name_of(fields.get("reporter"))),
        ("When it happened", uk_dt(fields.get("occurred_at"))),
        ("Where", str(fields.get("platform") or "")),
    )
    fact_rows = "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in facts if v)
    people = [
        (
            str(p.get("name", "")),
            kind_label(str(p.get("kind", ""))),
            role_label(str(p.get("role", ""))),
            uk_date(p.get("date_of_birth")),
        )
        for p in _entries(view, "people")
    ]
    chronology = sorted(
        _entries(view, "chronology"),
        key=lambda e: str(e.get("occurred_at") or e.get("recorded_at") or ""),
    )
    chronology_rows = [
        (uk_dt(e.get("occurred_at") or e.get("recorded_at")), str(e.get("text", "")), _by(e))
        for e in chronology
    ]
    action_rows = [
        (
            str(a.get("text", "")),
            str(a.get("owner", "")),
            uk_date(a.get("due")),
            f"Done {uk_dt(a.get('done_at'))}" if a.get("done_at") else "Open",
        )
        for a in _entries(view, "actions")
    ]
    decision_rows = [
        (str(d.get("decision", "")), str(d.get("reason", "")), _by(d))
        for d in _entries(view, "decisions")
    ]
    escalation_rows = [
        (
            str(e.get("title", "")),
            "Required" if e.get("required") else "To consider",
            due_text(e),
            where_it_stands(e, view.now),
        )
        for e in view.escalations
        if e.get("required") or e.get("done_at") or e.get("not_needed")
    ]
    parts = [
        f"<p><b>OFFICIAL-SENSITIVE</b></p><h1>Case {_e(detail.reference)}</h1>",
        f"<p><b>{_e(fields.get('summary', ''))}</b></p>",
        "".join(f"<p>{_e(line)}</p>" for line in about),
        f"<table cellpadding='2'>{fact_rows}</table>",
        f"<h2>What was reported</h2><p>{_e(fields.get('description', ''))}</p>",
        _section("People involved", people, ("Name", "Who", "Role", "Date of birth")),
        _section("Chronology", chronology_rows, ("When", "What happened", "Recorded by")),
        _section("Actions", action_rows, ("Action", "Who", "Due", "Done")),
        _section("Decisions", decision_rows, ("Decision", "Reason", "Recorded by")),
        _section("Escalations", escalation_rows, ("Route", "Need", "Due", "Where it stands")),
        f"<h2>Outcome</h2><p>{_e(describe_outcome(fields.get('outcome')))}</p>",
        f"<hr><p><small>{_e(WORKING_COPY)} Printed by {_e(printed_by)} on "
        f"{_e(uk_dt(printed_at))}.</small></p>",
    ]
    return "".join(parts)


def print_page(page_html: str, printer: QPrinter) -> None:
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    document.setHtml(page_html)
    document.print_(printer)


def choose_printer(parent: QWidget | None, reference: str) -> QPrinter | None:
    """The system's print dialog; the printer chosen, or None when cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(f"SafeLog case {reference} (working copy)")
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"SafeLog — Print case {reference}")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer
