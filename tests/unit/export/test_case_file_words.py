"""The case file speaks to a headteacher at a hearing, not to a program (issue 11, "Defects
seen"): times as people read them, the computer an item was added on labelled as such, audit
details without True/False, internal ids or Python reprs. Checked through pdftotext on a
signed case file with evidence, a sighting of the same file, a re-key and a content report."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from export_support import LATIN, POLISH, flat, needs_tools, pages_text, pdftoppm, screenshot
from PIL import Image
from support.school import Clock, build_school

from safelog.export.casefile import uk_when
from safelog.export.casefile_audit import _audit_details

pytestmark = pytest.mark.slow

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
BOOL = re.compile(r"\b(True|False|None)\b")
REPR = re.compile(r"[\[{]['\"]|['\"][\]}]")  # the edges of a printed list or dict

CASE = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a Year 8 pupil's video",
    "description": f"{POLISH} showed me comments under her video; {LATIN} was named.",
    "occurred_at": "2026-11-20T15:30:00+00:00",
    "people": [
        {"name": POLISH, "kind": "pupil", "role": "victim", "date_of_birth": "2013-03-14"},
        {"name": LATIN, "kind": "pupil", "role": "alleged-perpetrator"},
    ],
}


@dataclass
class Words:
    pdf: Path
    pages: list[str]  # as pdftotext reads them
    text: str  # every page, flattened
    device: str


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory) -> Words:
    from safelog.export.options import ExportOptions
    from safelog.store.engine import sqlite_url
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case, update_case
    from safelog.vault.content_form import submit_content_report
    from safelog.vault.evidence import add_evidence
    from safelog.vault.evidence_reading import list_case_evidence
    from safelog.vault.export import export_case
    from safelog.vault.vault import Vault

    needs_tools()
    root = tmp_path_factory.mktemp("words")
    data = root / "data"
    data.mkdir(mode=0o700)
    clock = Clock(dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC))
    vault = Vault(data, sqlite_url(data), clock=clock)
    school = build_school(vault)
    dsl = school.unlock("Dana DSL")
    reference = add_case(dsl, CaseInput.from_json(CASE))
    shot = screenshot(root / "comments.png", 5, size=(480, 270))
    add_evidence(
        dsl, reference, shot, platform="TikTok", handle="@example",
        description="Comments under the video", seen_at="2026-12-02T05:38:00+00:00",
    )  # fmt: skip
    notes = root / "notes.txt"
    notes.write_text("What the form tutor heard\n", "utf-8")
    add_evidence(dsl, reference, notes, seen_at="2026-11-30")
    clock.advance(minutes=40)
    again = root / "comments-again.png"
    shutil.copyfile(shot, again)  # the same file, sent in again by another pupil
    add_evidence(dsl, reference, again, platform="Snapchat", seen_at="2026-12-01T19:05:00+00:00")
    list_case_evidence(dsl, reference, thumbnails=True)
    list_case_evidence(dsl, reference, thumbnails=False)
    update_case(dsl, reference, {"subjects": ["Sam Staff"]})  # a new reader group: a re-key
    submit_content_report(
        dsl, reference, accessed_by=LATIN, seen_on="2026-12-01",
        urls=["https://www.tiktok.com/@example/video/1"], nature="Abusive comments",
    )  # fmt: skip
    device = dsl.device
    dsl.lock()
    session = school.unlock("Dana DSL")
    try:
        out = root / "case.pdf"
        export_case(session, reference, out, ExportOptions())
    finally:
        session.lock()
    pages = pages_text(out)
    return Words(out, pages, flat("\n".join(pages)), device)


def test_no_iso_times_booleans_ids_or_reprs_reach_the_reader(words: Words) -> None:
    for number, page in enumerate(words.pages, start=1):
        assert not ISO_TIME.search(page), (number, ISO_TIME.findall(page))
        assert not ISO_DATE.search(page), (number, ISO_DATE.findall(page))
        assert not UUID.search(page), (number, UUID.findall(page))
        assert not BOOL.search(page), (number, BOOL.findall(page))
        assert not REPR.search(page), (number, REPR.findall(page))


def test_times_and_dates_read_as_people_write_them(words: Words) -> None:
    text = words.text
    assert "Seen: 2 December 2026, 05:38 GMT" in text
    assert "Seen: 30 November 2026" in text
    assert "14 March 2013" in text  # a date of birth, in the people table
    assert "When it happened 20 November 2026, 15:30 GMT" in text


def test_the_computer_is_labelled_and_the_sighting_is_listed(words: Words) -> None:
    text = words.text
    assert f"Computer: {words.device}" in text
    assert "Captured on" not in text
    sighting = text[text.index("Added again by") :]
    assert sighting.startswith("Added again by Dana DSL, 2 December 2026, 06:40 GMT")
    assert "as comments-again.png; platform: Snapchat; seen: 1 December 2026, 19:05 GMT" in (
        sighting
    )


def test_audit_details_are_words(words: Words) -> None:
    audit = words.text[words.text.index("Audit log entries for this case") :]
    assert "Evidence list viewed evidence 1, 2; with thumbnails" in audit
    assert "Evidence list viewed evidence 1, 2; without thumbnails" in audit
    assert "Evidence added again (the same file) evidence 1" in audit
    assert "who may read it changed" in audit
    assert "Inappropriate content report submitted" in audit
    assert "content report 1; version 4" in audit
    assert "thumbnails:" not in audit and "audience" not in audit and "rekeyed" not in audit


def test_the_words_page_reads_well(words: Words, tmp_path: Path) -> None:
    """The evidence index, rendered: a page with text, not blank or broken."""
    index = next(n for n, page in enumerate(words.pages) if "Evidence index" in page)
    images = pdftoppm(words.pdf, tmp_path / "png", dpi=40)
    with Image.open(images[index]) as page:
        dark = sum(page.convert("L").histogram()[:128])
    assert dark > 500


# -- the words themselves, without a vault -------------------------------------------------------


def test_uk_when_keeps_a_day_a_day_and_a_moment_a_moment() -> None:
    assert uk_when("2026-11-30") == "30 November 2026"
    assert uk_when(dt.date(2013, 3, 14)) == "14 March 2013"
    assert uk_when("2026-12-02T05:38:00+00:00") == "2 December 2026, 05:38 GMT"
    assert uk_when("2026-07-01T08:05:00+00:00") == "1 July 2026, 09:05 BST"
    assert uk_when(dt.datetime(2026, 12, 2, 5, 38, tzinfo=dt.UTC)) == "2 December 2026, 05:38 GMT"
    assert uk_when("") == "" and uk_when(None) == "" and uk_when("last week") == "last week"


def test_audit_details_without_a_vault() -> None:
    evidence = {"e-1": 1, "e-2": 2}
    audience = "7925fe7a-1b2c-4d5e-8f90-0123456789ab"
    assert _audit_details({"evidence_ids": ["e-2", "e-1"], "thumbnails": True}, evidence, []) == (
        "evidence 1, 2; with thumbnails"
    )
    assert _audit_details({"evidence_ids": [], "thumbnails": False}, evidence, []) == (
        "no evidence; without thumbnails"
    )
    assert _audit_details({"evidence_ids": ["e-1", "gone"]}, evidence, []) == (
        "evidence 1 and 1 item removed from view"
    )
    rekeyed = {"reference": "SL-1", "version": 4, "changed": ["subjects"], "rekeyed": True,
               "audience": audience}  # fmt: skip
    assert _audit_details(rekeyed, evidence, []) == (
        "version 4; changed: who it is about; who may read it changed"
    )
    assert _audit_details({"report_id": "r-9"}, evidence, [], {"r-9": 2}) == "content report 2"
    assert _audit_details({"report_id": audience}, evidence, []) == "a content report"
    export = {"sha256": "ab" * 32, "size": 2048, "pages": 1, "attachments": 2, "images": False,
              "pseudonymised": True, "password": False, "timestamped": False}  # fmt: skip
    assert _audit_details(export, evidence, []) == (
        f"SHA-256 {'ab' * 32}; size 2.0 KB (2,048 bytes); 1 page; 2 originals attached; "
        "images not shown; other pupils pseudonymised; no password; not timestamped"
    )
    # Details SafeLog has no words for yet: yes/no, times as dates, never ids or structures.
    other = {"urgent": True, "due": "2026-12-02T05:38:00+00:00", "group": audience,
             "links": {"a": 1}, "owner_id": "x", "names": ["Ann", "Bo"], "count": 3}  # fmt: skip
    assert _audit_details(other, evidence, []) == (
        "urgent: yes; due: 2 December 2026, 05:38 GMT; names: Ann, Bo; count: 3"
    )
