"""The Violent Incident Report (issue 18; 002 appendix 2): drawn from a case about a member
of staff being abused online, it carries what the case holds (who, when, where, who was
responsible, witnesses, evidence hashes, who was told) and nothing typed twice; it is
refused for other kinds of concern and for anyone who cannot read the case; it is audited
with its SHA-256."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from safelog.domain.violent_incident import vir_sections
from safelog.errors import AccessDenied, InvalidInput, NotFound
from safelog.vault.audit_view import verify_whole_log
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import add_evidence
from safelog.vault.violent_incident import print_violent_incident_report
from safelog.vault.workspace import add_chronology, record_escalation

REPORT = {
    "category": "public-threats",
    "summary": "Threats on the village Facebook group",
    "description": "A parent posted that they would 'sort out' Mrs Staff after school.",
    "occurred_at": "2026-11-18T16:20:00+00:00",
    "platform": "Facebook",
    "url": "https://facebook.com/groups/village/posts/1",
    "people": [
        {"name": "Sam Staff", "kind": "staff", "role": "victim"},
        {"name": "Pat Parent", "kind": "parent", "role": "alleged-perpetrator"},
        {"name": "Tess Teacher", "kind": "staff", "role": "witness"},
    ],
}


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout


def test_the_vir_carries_what_the_case_holds(school: Any, tmp_path: Path) -> None:
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    shot = tmp_path / "post.txt"
    shot.write_text("the post, copied")
    add_evidence(sam, reference, shot)
    dana = school.unlock("Dana DSL")
    add_chronology(dana, reference, "Met Sam; parent asked to remove the post")
    record_escalation(
        dana, reference, "police", told="PC Khan", how="101", reference_number="CR-2211",
        done_at=datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
    )  # fmt: skip
    out = tmp_path / "vir.pdf"
    digest = print_violent_incident_report(dana, reference, out)
    assert digest == hashlib.sha256(out.read_bytes()).hexdigest()
    text = " ".join(_text(out).split())
    for words in (
        "Violent Incident Report (VIR)",
        f"Case {reference}",
        "Sam Staff (member of staff)",
        "Pat Parent (parent or carer)",
        "Tess Teacher (member of staff)",
        "18 November 2026, 16:20 GMT",
        "Facebook, https://facebook.com/groups/village/posts/1",
        "Met Sam; parent asked to remove the post",
        "Reported to the police",
        "told PC Khan",
        "reference CR-2211",
        hashlib.sha256(b"the post, copied").hexdigest()[:20],
    ):
        assert words in text, words
    assert verify_whole_log(school.unlock("Dana DSL"))["intact"]


def test_refused_for_other_concerns_and_for_non_readers(school: Any, tmp_path: Path) -> None:
    sam = school.unlock("Sam Staff")
    other = add_case(sam, CaseInput.from_json({**REPORT, "category": "cyberbullying-pupil"}))
    with pytest.raises(InvalidInput, match="Violent Incident Report is completed for"):
        print_violent_incident_report(school.unlock("Dana DSL"), other, tmp_path / "a.pdf")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    with pytest.raises((AccessDenied, NotFound)):
        print_violent_incident_report(school.unlock("Tess Teacher"), reference, tmp_path / "b.pdf")
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "b.pdf").exists()
    (tmp_path / "c.pdf").write_bytes(b"mine")
    with pytest.raises(InvalidInput, match="already exists"):
        print_violent_incident_report(school.unlock("Dana DSL"), reference, tmp_path / "c.pdf")
    assert (tmp_path / "c.pdf").read_bytes() == b"mine"


def test_sections_say_plainly_what_is_not_recorded() -> None:
    sections = vir_sections(
        {"summary": "x", "people": []},
        reporter_name="Sam Staff",
        category_title="Threats",
        evidence=[],
    )
    flat = dict(row for s in sections for row in s.rows)
    assert flat["Name"] == "Sam Staff"  # no victim named: the person who reported it
    assert flat["Date and time"] == "Not recorded in SafeLog"
    assert flat["Person"] == "Not known" and flat["Evidence"] == "None attached in SafeLog"
