"""The printable Inappropriate Content Report Form (policy 003, appendix b): what a reader of
the PDF sees, through poppler, for a report made and completed in a real vault."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from export_support import ARABIC, POLISH, flat, needs_tools, pages_text, pdftoppm, readable
from PIL import Image
from sqlalchemy import select
from support.school import PASSPHRASES

from safelog.domain.roles import Role
from safelog.store.schema import CaseVersionRow
from safelog.vault.case_engine import open_case
from safelog.vault.case_input import CaseInput
from safelog.vault.case_reading import signed_version
from safelog.vault.cases import add_case, show_case
from safelog.vault.content_form import (
    complete_content_report,
    content_reports,
    print_content_report,
)

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

URLS = ["https://casino.example.com/slots?ref=42&x=<i>", "bet.example.org/live"]
NATURE = "Online casino adverts <b>not bold</b> & a chat window."
ACTION = "Site blocked by IT (ticket 4411); the pupil's parents were told."
REPORT = {
    "category": "inappropriate-content",
    "summary": "Gambling site open on a classroom PC",
    "description": "Found a gambling site open on the PC in room 12 after period 3.",
    "occurred_at": "2026-11-19T11:40:00+00:00",
    "content_report": {"accessed_by": ARABIC, "urls": URLS, "nature": NATURE},
}


@pytest.fixture
def reported(school):
    """A report sent by a member of staff with a Polish name; returns (reference, report id)."""
    dsl = school.unlock("Dana DSL")
    code = school.vault.invite(dsl, POLISH, frozenset({Role.STAFF}))
    zofia = school.vault.enrol(code, PASSPHRASES["Sam Staff"])
    reference = add_case(zofia, CaseInput.from_json(REPORT))
    dsl.lock()
    dsl = school.unlock("Dana DSL")  # a session from before she enrolled does not know her key
    [report] = content_reports(show_case(dsl, reference))
    return reference, report.id


def statement_sha256(school, reference: str, version: int) -> str:
    dana = school.unlock("Dana DSL")
    detail = show_case(dana, reference)
    with school.vault.engine.connect() as conn:
        row = conn.execute(
            select(CaseVersionRow.__table__).where(
                CaseVersionRow.case_id == detail.id, CaseVersionRow.version == version
            )
        ).one()
        # Who wrote it and what they signed are sealed with the case key: a reader opens them.
        statement = signed_version(row, open_case(dana, conn, reference).ciphers, "").statement
    digest = hashlib.sha256(statement).hexdigest()
    return " ".join(digest[i : i + 8] for i in range(0, 64, 8))


def test_the_printed_form_shows_every_field(school, reported, tmp_path: Path) -> None:
    needs_tools()
    reference, report_id = reported
    dsl = school.unlock("Dana DSL")

    # Before the e-safety officer's part: empty boxes to fill in by hand.
    before = tmp_path / "before.pdf"
    print_content_report(dsl, reference, report_id, before)
    text = flat(pages_text(before)[0])
    assert "To be completed by e-safety officer" in text
    assert "Not yet completed in SafeLog." in text

    version = complete_content_report(
        dsl, reference, report_id, action_taken=ACTION, completed_on=date(2026, 11, 20)
    )
    out = tmp_path / "form.pdf"
    printed = print_content_report(dsl, reference, report_id, out)
    pages = pages_text(out)
    assert printed.pages == len(pages) == 1
    text = flat(pages[0])
    for expected in (
        "Ravens Wood School",
        "Inappropriate content report form",
        f"Case reference {reference}",
        "Inappropriate content accessed on school systems",
        "Staff name (submitting report):",
        POLISH,
        "Name of individual accessing inappropriate content (if known):",
        ARABIC,
        "Date: 19 November 2026",
        *URLS,
        "Nature of inappropriate content:",
        NATURE,  # escaped: typed markup is printed as typed
        f"Submitted and signed in SafeLog by {POLISH}, version 1,",
        "To be completed by e-safety officer",
        "Action taken:",
        ACTION,
        "Staff name: Dana DSL",
        "Date: 20 November 2026",
        f"Signed in SafeLog by Dana DSL, version {version}, 20 November 2026,",
        statement_sha256(school, reference, 1),
        statement_sha256(school, reference, version),
        "Printed from SafeLog by Dana DSL",
        report_id,
    ):
        assert expected in text, expected
    assert "Not yet completed" not in text
    # The marking and the reference head and foot the page.
    lines = [line.strip() for line in readable(pages[0]).splitlines() if line.strip()]
    assert text.count("OFFICIAL-SENSITIVE") >= 3
    assert lines[0] == reference or reference in lines[:3]
    assert "Page 1 of 1" in text

    [png] = pdftoppm(out, tmp_path / "png", dpi=60)
    with Image.open(png) as page:
        width, height = page.size
        assert abs(height / width - 297 / 210) < 0.01  # A4 portrait
        reds = [
            (x, y)
            for x in range(0, width, 2)
            for y in range(0, height // 8)
            if page.getpixel((x, y))[:3] == (0xA4, 0x00, 0x1D)
        ]
        assert reds  # the red marking is drawn at the top


def test_the_signed_case_file_lists_the_reports(school, reported, tmp_path: Path) -> None:
    from safelog.export.options import ExportOptions
    from safelog.vault.export import export_case

    needs_tools()
    reference, report_id = reported
    dsl = school.unlock("Dana DSL")
    complete_content_report(dsl, reference, report_id, action_taken=ACTION)
    out = tmp_path / "case.pdf"
    export_case(dsl, reference, out, ExportOptions(include_images=False, embed_originals=False))
    text = flat("\n".join(pages_text(out)))
    section = text[text.index("Inappropriate content reports") :]
    for expected in (
        "Report 1",
        f"Submitted by {POLISH}, 20 November 2026",
        f"Accessed by {ARABIC}",
        "Date 19 November 2026",
        *URLS,
        NATURE,
        f"E-safety officer {ACTION} — Dana DSL, 20 November 2026",
    ):
        assert expected in section, expected
    assert "Content report completed by the e-safety officer" in text  # the audit trail
