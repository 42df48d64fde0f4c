"""Filing a report with its attachments (vault/filing.py): the report is saved first, each
attachment goes in on its own (in one batch) with where and when it was seen, one that
cannot be added is named (never an error once the report is saved), and bytes in memory are
streamed, never written to a file."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from safelog.errors import InvalidInput
from safelog.evidence import corpus
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import show_case
from safelog.vault.evidence_reading import list_case_evidence
from safelog.vault.evidence_thumbnails import make_pending_thumbnails
from safelog.vault.filing import Attachment, WhereSeen, file_report, import_sources

CASE = {
    "category": "cyberbullying-pupil",
    "summary": "Messages on a group chat",
    "description": "A pupil showed me messages.",
}
SEEN = WhereSeen(
    platform="WhatsApp",
    source_url="https://chat.whatsapp.invalid/abc",
    seen_at="2026-11-20T10:00:00+00:00",
)


def test_a_report_is_filed_with_each_attachment_and_progress_told(
    school: Any, tmp_path: Path
) -> None:
    sam = school.unlock("Sam Staff")
    on_disk = tmp_path / "note.txt"
    on_disk.write_bytes(b"What they said.\n")
    attachments = [
        Attachment("Pasted image.png", data=corpus.png()),
        Attachment("note.txt", path=on_disk),
    ]
    told: list[tuple[int, int]] = []
    filed = file_report(
        sam, CaseInput.from_json(CASE), attachments, SEEN, lambda *p: told.append(p)
    )
    assert filed.not_added == []
    assert told == [(0, 2), (1, 2), (2, 2)]
    assert len(filed.added) == 2  # the picture's thumbnail is made afterwards
    stored = list_case_evidence(sam, filed.reference)
    assert sorted(e.info.file_name for e in stored) == ["Pasted image.png", "note.txt"]
    for item in stored:
        assert item.info.metadata["platform"] == "WhatsApp"
        assert item.info.metadata["source_url"] == SEEN["source_url"]
        assert item.info.metadata["seen_at"] == SEEN["seen_at"]


def test_an_attachment_that_cannot_be_added_is_named_and_the_report_kept(
    school: Any, tmp_path: Path
) -> None:
    sam = school.unlock("Sam Staff")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    attachments = [
        Attachment("empty.png", path=empty),
        Attachment("gone.pdf", path=tmp_path / "gone.pdf"),
        Attachment("chat\u202egnp.txt", data=b"Kept.\n"),
    ]
    filed = file_report(sam, CaseInput.from_json(CASE), attachments, SEEN)
    assert [name for name, _ in filed.not_added] == ["empty.png", "gone.pdf"]
    assert all(isinstance(why, InvalidInput) for _, why in filed.not_added)
    dana = school.unlock("Dana DSL")
    assert show_case(dana, filed.reference).fields["summary"] == CASE["summary"]
    assert len(list_case_evidence(dana, filed.reference)) == 1


def test_a_report_that_cannot_be_saved_is_an_error_and_nothing_is_added(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    bad = CaseInput.from_json({**CASE, "subjects": ["Nobody Here"]})
    with pytest.raises(InvalidInput):
        file_report(sam, bad, [Attachment("a.txt", data=b"words\n")], SEEN)


def test_bytes_in_memory_never_touch_a_temporary_file(
    school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a temporary file was made")

    sam = school.unlock("Sam Staff")
    filed = file_report(sam, CaseInput.from_json(CASE), [], SEEN)
    for name in ("NamedTemporaryFile", "TemporaryFile", "mkstemp", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)
    (added,) = import_sources(sam, filed.reference, [Attachment("shot.png", data=corpus.png())], {})
    assert not isinstance(added, Exception | None) and not added.duplicate
    assert make_pending_thumbnails(sam, filed.reference) == {added.evidence_id: "thumbnail"}


def test_an_attachment_never_shows_its_bytes_or_name() -> None:
    attachment = Attachment("Pupil's name.png", data=b"\x89PNG secret")
    assert repr(attachment) == "Attachment(data)"
    assert Attachment("evil\u202egnp.exe").display_name != "evil\u202egnp.exe"
