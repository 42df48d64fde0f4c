"""Printing a working copy of a case from the workspace (issue 11, "Printing"): the summary,
people, chronology, actions and decisions on paper, everything typed printed as typed, the
page saying the signed PDF is the evidential copy, and the print recorded in the case's
audit log. Printed here to a PDF file through Qt's own printer (the print dialog is not
shown)."""

# Fixtures imported from the support modules are used as test arguments, which ruff reads
# as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from case_views_support import Desk, desk, open_workspace, sqlite_only  # noqa: F401
from gui_support import modals  # noqa: F401  (autouse: no modal box may hang the run)
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from safelog.vault.audit_view import case_audit
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.workspace import add_action, add_chronology, record_decision

pytestmark = sqlite_only

REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Comments <b>under</b> a video",
    "description": "Year 8 pupils posted comments.",
    "people": [{"name": "Amy Patel", "kind": "pupil", "role": "victim"}],
}


@pytest.fixture
def worked_on(school: Any) -> str:
    sam = school.unlock("Sam Staff")
    reference = str(add_case(sam, CaseInput.from_json(REPORT)))
    sam.lock()
    dana = school.unlock("Dana DSL")
    add_chronology(dana, reference, "Spoke to Amy's form tutor")
    add_action(dana, reference, "Call Amy's parents", "Dana DSL", None)
    record_decision(dana, reference, "No referral to children's social care", "Threshold not met")
    dana.lock()
    return reference


def to_pdf(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_the_dsl_prints_a_working_copy(
    qtbot: QtBot, desk: Desk, school: Any, worked_on: str, tmp_path: Path
) -> None:
    workspace = open_workspace(qtbot, desk.sign_in("Dana DSL"), worked_on)
    assert workspace.print_button.isVisible()
    out = tmp_path / "printed.pdf"
    assert workspace.print_case(to_pdf(out))
    # (NFKC: the printer's font joins "fi" into one ligature glyph)
    text = " ".join(
        unicodedata.normalize(
            "NFKC",
            subprocess.run(
                ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
            ).stdout,
        ).split()
    )
    for words in (
        f"Case {worked_on}",
        "Comments <b>under</b> a video",  # as typed, not as markup
        "Amy Patel",
        "Spoke to Amy's form tutor",
        "Call Amy's parents",
        "No referral to children's social care",
        "Threshold not met",
        "The signed PDF case file (Export case file) is the evidential copy",
        "Printed by Dana DSL",
    ):
        assert words in text, words
    dana = school.unlock("Dana DSL")
    printed = [e for e in case_audit(dana, worked_on) if e.action == "case.print"]
    assert [e.actor for e in printed] == ["Dana DSL"]


def test_a_reporter_reading_their_report_cannot_print_the_case(
    qtbot: QtBot, desk: Desk, worked_on: str, tmp_path: Path
) -> None:
    workspace = open_workspace(qtbot, desk.sign_in("Sam Staff"), worked_on)
    assert not workspace.print_button.isVisible()
    out = tmp_path / "never.pdf"
    assert workspace.print_case(to_pdf(out)) is False
    assert not out.exists()
