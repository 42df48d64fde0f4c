"""The Inappropriate Content Report Form (policy 003, appendix b) on a case: the first part
with a report or added later, the e-safety officer's part once, each a signed version."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from safelog.errors import AccessDenied, InvalidInput, NotFound
from safelog.vault.audit_view import case_audit
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case, update_case
from safelog.vault.content_form import (
    check_url,
    complete_content_report,
    content_reports,
    print_content_report,
    submit_content_report,
)

REPORT = {
    "category": "inappropriate-content",
    "summary": "Gambling site open on a classroom PC",
    "description": "Found a gambling site open on the PC in room 12 after period 3.",
    "occurred_at": "2026-11-19T11:40:00+00:00",
    "content_report": {
        "accessed_by": "Zofia Wiśniewska",
        "urls": ["https://casino.example.com/slots?ref=42", "bet.example.org/live"],
        "nature": "An online casino with adverts for slot machines.",
    },
}
OTHER = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a video",
    "description": "Year 8 pupils posted comments.",
}
ABOUT_HEAD = {
    "category": "inappropriate-content",
    "summary": "Adult site on the head's laptop",
    "description": "The headteacher's school laptop showed an adult site in assembly.",
    "subjects": ["Hugh Head"],
}


def test_staff_fill_in_the_first_part_with_their_report(school):
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))

    dsl = school.unlock("Dana DSL")
    detail = show_case(dsl, reference)
    [report] = content_reports(detail)
    entry = report.entry
    assert entry["submitted_by"] == school.ids["Sam Staff"]
    assert entry["submitted_by_name"] == "Sam Staff"
    assert entry["accessed_by"] == "Zofia Wiśniewska"
    assert entry["seen_on"] == "2026-11-19"  # the day it happened, when not given
    assert entry["urls"] == ["https://casino.example.com/slots?ref=42", "bet.example.org/live"]
    assert entry["nature"] == "An online casino with adverts for slot machines."
    assert report.officer is None and report.completed is None
    # Signed by the reporter with the report itself: version 1.
    assert report.submitted is not None
    assert (report.submitted.name, report.submitted.version) == ("Sam Staff", 1)
    assert detail.versions[0].author_id == school.ids["Sam Staff"]


def test_the_dsl_adds_a_report_and_completes_it_once(school, clock):
    dsl = school.unlock("Dana DSL")
    reference = add_case(dsl, CaseInput.from_json(OTHER))
    report_id = submit_content_report(
        dsl,
        reference,
        accessed_by="",
        seen_on=date(2026, 11, 20),
        urls=["http://example.net/page"],
        nature="Violent video",
    )
    clock.advance(hours=2)
    version = complete_content_report(
        dsl, reference, report_id, action_taken="Site blocked by IT; parents told."
    )

    detail = show_case(dsl, reference)
    [report] = content_reports(detail)
    assert report.id == report_id
    assert report.submitted is not None and report.submitted.version == 2
    officer = report.officer
    assert officer is not None
    assert officer["action_taken"] == "Site blocked by IT; parents told."
    assert officer["by"] == school.ids["Dana DSL"]
    assert officer["by_name"] == "Dana DSL"
    assert officer["on"] == "2026-11-20"
    # The signature on the officer's part is the version complete_content_report made.
    assert report.completed is not None
    assert report.completed.version == version == 3
    assert report.completed.name == "Dana DSL"
    assert detail.versions[version - 1].author_id == school.ids["Dana DSL"]
    assert "content_reports" in detail.versions[version - 1].changed
    # Entries are added to, never edited away: version 2 still holds the first part alone.
    assert "officer" not in detail.changes[2]["content_reports"][0]

    actions = [(e.action, e.details.get("report_id")) for e in case_audit(dsl, reference)]
    assert ("case.content-report", report_id) in actions
    assert ("case.content-report-complete", report_id) in actions

    # A second completion is refused, by anyone, and changes nothing.
    update_case(dsl, reference, {"escalated_to_leadership": True})  # the head may now read it
    head = school.unlock("Hugh Head")
    for who in (dsl, head):
        with pytest.raises(InvalidInput, match=r"already completed by Dana DSL on 20/11/2026"):
            complete_content_report(who, reference, report_id, action_taken="Something else")
    assert len(show_case(dsl, reference).versions) == 4
    with pytest.raises(NotFound):
        complete_content_report(dsl, reference, "no-such-id", action_taken="Blocked")


def test_staff_cannot_complete_or_add_reports(school):
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    dsl = school.unlock("Dana DSL")
    [report] = content_reports(show_case(dsl, reference))
    with pytest.raises(AccessDenied, match="e-safety officer"):
        complete_content_report(sam, reference, report.id, action_taken="Closed the tab")
    with pytest.raises(AccessDenied):
        submit_content_report(
            sam, reference, accessed_by="", seen_on=date(2026, 11, 20), urls=[], nature="More"
        )
    tess = school.unlock("Tess Teacher")  # cannot even read Sam's report
    with pytest.raises(AccessDenied):
        complete_content_report(tess, reference, report.id, action_taken="Blocked")
    assert content_reports(show_case(dsl, reference))[0].officer is None


def test_the_headteacher_cannot_complete_a_report_about_themselves(school):
    sam = school.unlock("Sam Staff")
    reference = add_case(
        sam,
        CaseInput.from_json(
            {**ABOUT_HEAD, "content_report": {"urls": ["adult.example.com"], "nature": "Adult"}}
        ),
    )
    chair = school.unlock("Chris Chair")
    [report] = content_reports(show_case(chair, reference))
    head = school.unlock("Hugh Head")
    with pytest.raises(AccessDenied):
        complete_content_report(head, reference, report.id, action_taken="Nothing to see")
    with pytest.raises(AccessDenied):
        print_content_report(head, reference, report.id, Path("/nonexistent-never-written.pdf"))
    complete_content_report(chair, reference, report.id, action_taken="LADO consulted")
    [report] = content_reports(show_case(chair, reference))
    assert report.officer is not None and report.officer["by_name"] == "Chris Chair"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://example.com/a/b?c=d#e",
        "example.com",
        "www.example.co.uk/page",
        "example.com:8080/path",
        "https://zażółć.example.pl/gęś",
        "HTTPS://EXAMPLE.COM",
    ],
)
def test_web_addresses_that_are_accepted(url):
    assert check_url(url) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "not a web address"),
        ("file:///etc/passwd", "not a web address"),
        ("ftp://example.com/x", "not a web address"),
        ("data:text/html,<b>hi</b>", "not a web address"),
        ("https:example.com", "should start"),
        ("https://", "no site name"),
        ("localhost", "no site name"),
        ("just some words", "space"),
        ("example.com/a b", "space"),
        ("https://exa\u202emple.com", "invisible"),
        ("https://" + "a" * 2001 + ".com", "longer than 2000"),
    ],
)
def test_web_addresses_that_are_refused(url, message):
    with pytest.raises(InvalidInput, match=message):
        check_url(url)


def test_fields_are_checked(school, clock):
    dsl = school.unlock("Dana DSL")
    reference = add_case(dsl, CaseInput.from_json(OTHER))
    today = date(2026, 11, 20)

    def submit(**changes):
        values = {"accessed_by": "", "seen_on": today, "urls": ["example.com"], "nature": "Ads"}
        return submit_content_report(dsl, reference, **{**values, **changes})

    with pytest.raises(InvalidInput, match="nature of the content"):
        submit(nature="   ")
    with pytest.raises(InvalidInput, match="Web address 2"):
        submit(urls=["example.com", "javascript:alert(1)"])
    with pytest.raises(InvalidInput, match="At most 20"):
        submit(urls=[f"site{n}.example.com" for n in range(21)])
    with pytest.raises(InvalidInput, match="future"):
        submit(seen_on=today + timedelta(days=1))
    with pytest.raises(InvalidInput, match="time zone"):
        submit(seen_on=datetime(2026, 11, 20, 9, 0))
    with pytest.raises(InvalidInput, match="single line"):
        submit(accessed_by="Zofia\nWiśniewska")
    with pytest.raises(InvalidInput, match="longer than 5000"):
        submit(nature="x" * 5001)
    # Text with one address per line is taken as a list; blank lines are ignored.
    report_id = submit(
        urls="https://a.example.com\n\n  b.example.com  \n",
        seen_on=datetime(2026, 11, 20, 9, 15, tzinfo=UTC),
    )
    [report] = content_reports(show_case(dsl, reference))
    assert report.id == report_id
    assert report.entry["urls"] == ["https://a.example.com", "b.example.com"]
    assert report.entry["seen_on"] == "2026-11-20T09:15:00+00:00"
    assert len(show_case(dsl, reference).versions) == 2  # the refused ones left nothing

    with pytest.raises(InvalidInput, match="action taken"):
        complete_content_report(dsl, reference, report_id, action_taken=" ")
    with pytest.raises(InvalidInput, match="future"):
        complete_content_report(
            dsl, reference, report_id, action_taken="Blocked", completed_on=today + timedelta(1)
        )
    with pytest.raises(InvalidInput, match="before the date on the report"):
        complete_content_report(
            dsl, reference, report_id, action_taken="Blocked", completed_on=date(2026, 11, 1)
        )


def test_the_json_of_a_new_case_is_checked():
    def case(report):
        return CaseInput.from_json({**REPORT, "content_report": report})

    with pytest.raises(InvalidInput, match="Unknown keys in the content report: officer"):
        case({"nature": "x", "officer": {"action_taken": "forged"}})
    with pytest.raises(InvalidInput, match="nature"):
        case({"urls": ["example.com"]})
    with pytest.raises(InvalidInput, match="must be a JSON object"):
        case(["example.com"])
    with pytest.raises(InvalidInput, match="date like"):
        case({"nature": "x", "seen_on": "19/11/2026"})
    with pytest.raises(InvalidInput, match="not a web address"):
        case({"nature": "x", "urls": "vbscript:msgbox"})
    assert case(None).content_report is None
    # An officer's part cannot be edited in, or a report edited away, by `case update`.
    with pytest.raises(InvalidInput, match="cannot be changed"):
        update_case(None, "SL-2026-0001", {"content_reports": []})  # type: ignore[arg-type]


def test_a_future_date_in_the_json_is_refused_when_recorded(school):
    sam = school.unlock("Sam Staff")
    case = CaseInput.from_json(
        {**REPORT, "content_report": {"nature": "x", "seen_on": "2026-12-25"}}
    )
    with pytest.raises(InvalidInput, match="future"):
        add_case(sam, case)


def test_printing_writes_the_form_and_audits_it(school, tmp_path):
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(REPORT))
    dsl = school.unlock("Dana DSL")
    [report] = content_reports(show_case(dsl, reference))
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "form.pdf"
    printed = print_content_report(dsl, reference, report.id, out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert printed.sha256 == hashlib.sha256(data).hexdigest()
    assert printed.pages in (1, 2)
    assert out.stat().st_mode & 0o777 == 0o600
    assert list(folder.iterdir()) == [out]  # no partial file left behind
    [entry] = [e for e in case_audit(dsl, reference) if e.action == "case.form-print"]
    assert entry.actor == "Dana DSL"
    assert entry.details["sha256"] == printed.sha256
    assert entry.details["report_id"] == report.id
    # Not over an existing file, and not for a report that does not exist.
    with pytest.raises(InvalidInput, match="already exists"):
        print_content_report(dsl, reference, report.id, out)
    with pytest.raises(NotFound):
        print_content_report(dsl, reference, "nope", folder / "other.pdf")
    assert list(folder.iterdir()) == [out]
