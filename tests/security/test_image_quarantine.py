"""Issue 18 point 1 (002 7.2.4, 000 7.1): a case that moves into a category about indecent
images of children quarantines what it already holds beyond plain text notes: no view,
extract, thumbnail or export, only its name, size and hash; the manager who moves it says
where the device is locked away. And a client that records a picture as a "text note" in
such a case (its own code, or the database edited) is not believed: the reader checks the
content before giving out a byte."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest

from safelog.errors import AccessDenied, InvalidInput
from safelog.evidence import corpus, intake
from safelog.evidence.intake import SniffedType
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case, update_case
from safelog.vault.evidence import import_stream
from safelog.vault.evidence_reading import (
    EvidenceQuarantined,
    extract_evidence,
    list_case_evidence,
    read_evidence,
    read_thumbnail,
)
from safelog.vault.evidence_rules import intake_rules
from safelog.vault.export import export_case
from safelog.vault.views import case_view


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def attached(path: Path) -> list[str]:
    """The names of the files embedded in a PDF, as `pdfdetach -list` prints them."""
    lines = subprocess.run(
        ["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return [line.split(": ", 1)[1] for line in lines[1:]]


LOCKED_AWAY = "Phone sealed in an evidence bag in the head's office safe"


def report(session: Any, category: str) -> str:
    return add_case(
        session,
        CaseInput.from_json(
            {"category": category, "summary": "Messages in a group chat", "description": "x"}
        ),
    )


def add(session: Any, reference: str, name: str, data: bytes) -> str:
    return import_stream(session, reference, io.BytesIO(data), original_name=name)


@pytest.fixture
def moved(school: Any) -> tuple[Any, str, dict[str, str]]:
    """A cyberbullying case holding a picture, a PDF and a text note, moved by the DSL into
    the nudes-sharing category once the picture turned out to be one."""
    dana = school.unlock("Dana DSL")
    reference = report(dana, "cyberbullying-pupil")
    items = {
        "picture": add(dana, reference, "screenshot.png", corpus.png()),
        "pdf": add(dana, reference, "chat-export.pdf", corpus.pdf()),
        "note": add(dana, reference, "what-she-said.txt", corpus.text()),
    }
    assert read_thumbnail(dana, reference, items["picture"]) is not None  # shown until moved
    with pytest.raises(InvalidInput, match="Say where the device holding the images"):
        update_case(dana, reference, {"category": "nudes-sharing"})
    assert show_case(dana, reference).fields["category"] == "cyberbullying-pupil"
    update_case(dana, reference, {"category": "nudes-sharing", "device_locked_away": LOCKED_AWAY})
    return dana, reference, items


def test_moving_in_quarantines_all_but_text_and_records_where_the_device_is(
    moved: tuple[Any, str, dict[str, str]], tmp_path: Path
) -> None:
    dana, reference, items = moved
    view = case_view(show_case(dana, reference), dana)
    [record] = view["quarantine"]
    assert record["device_locked_away"] == LOCKED_AWAY
    assert record["recorded_by"] == "Dana DSL"
    assert sorted(record["evidence_ids"]) == sorted([items["picture"], items["pdf"]])
    flags = {e["id"]: e["quarantined"] for e in view["evidence"]}
    assert flags == {items["picture"]: True, items["pdf"]: True, items["note"]: False}

    for which in ("picture", "pdf"):
        with pytest.raises(EvidenceQuarantined, match="Quarantined: this case is now about"):
            read_evidence(dana, reference, items[which])
        out = tmp_path / f"{which}.out"
        with pytest.raises(EvidenceQuarantined):
            extract_evidence(dana, reference, items[which], out)
        assert not out.exists()
        assert read_thumbnail(dana, reference, items[which]) is None
    assert all(i.thumbnail is None for i in list_case_evidence(dana, reference, thumbnails=True))
    # The text note still reads, byte for byte.
    _, chunks = read_evidence(dana, reference, items["note"])
    assert b"".join(chunks) == corpus.text()


def test_the_case_file_lists_quarantined_items_without_their_originals(
    moved: tuple[Any, str, dict[str, str]], tmp_path: Path
) -> None:
    dana, reference, _ = moved
    out = tmp_path / "case.pdf"
    export_case(dana, reference, out)
    text = " ".join(pdf_text(out).split())
    assert text.lower().count("quarantined") >= 2, text
    names = attached(out)
    assert not any(name.endswith((".png", ".pdf")) for name in names), names
    assert any(name.endswith(".txt") for name in names), names


def test_a_picture_recorded_as_a_text_note_by_another_client_is_not_shown(
    school: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The writer's client lies about the type (its own sniffing); every reader checks the
    content itself."""
    sam = school.unlock("Sam Staff")
    reference = report(sam, "nudes-sharing")
    import safelog.vault.evidence as writer

    monkeypatch.setattr(writer, "sniff", lambda head: SniffedType("text/plain", "txt"))
    monkeypatch.setattr(writer, "is_plain_text_note", lambda data: True)
    smuggled = add(sam, reference, "notes.txt", corpus.jpeg())
    monkeypatch.undo()
    assert intake.sniff(corpus.jpeg()).media_type == "image/jpeg"

    dana = school.unlock("Dana DSL")
    with pytest.raises(EvidenceQuarantined, match="text note but its content is not one"):
        _, chunks = read_evidence(dana, reference, smuggled)
        b"".join(chunks)
    out = tmp_path / "smuggled.txt"
    with pytest.raises(EvidenceQuarantined):
        extract_evidence(dana, reference, smuggled, out)
    assert not out.exists()
    assert read_thumbnail(dana, reference, smuggled) is None
    export = tmp_path / "case.pdf"
    export_case(dana, reference, export)
    assert attached(export) == ["safelog-manifest.json"]  # no original, only the manifest


def test_the_device_place_is_only_recorded_when_something_is_quarantined(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana, "cyberbullying-pupil")
    add(dana, reference, "note.txt", corpus.text())
    with pytest.raises(InvalidInput, match="only recorded when"):
        update_case(dana, reference, {"category": "unwanted-contact", "device_locked_away": "x"})
    update_case(dana, reference, {"category": "nudes-sharing"})  # only a text note: no place
    assert "quarantine" not in show_case(dana, reference).fields


def test_a_reporter_cannot_move_a_case_to_lift_a_quarantine(
    moved: tuple[Any, str, dict[str, str]], school: Any
) -> None:
    """Quarantine follows the category, and only a manager changes the category."""
    _, reference, _ = moved
    with pytest.raises(AccessDenied):
        update_case(school.unlock("Sam Staff"), reference, {"category": "cyberbullying-pupil"})


def test_the_staff_warning_comes_first_on_concerns_about_staff(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    for category, warned in (
        ("cyberbullying-staff", True),
        ("staff-online-conduct", True),
        ("cyberbullying-pupil", False),
        ("nudes-sharing", False),
    ):
        rules = intake_rules(dana, report(dana, category))
        assert bool(rules.upload_warning) == warned, category
        if warned:
            assert "police are contacted immediately" in rules.upload_warning
            assert "indecent images of children" in rules.upload_warning


def test_a_note_that_turns_to_binary_after_its_first_bytes_is_not_kept(school: Any) -> None:
    """The type is sniffed from the first bytes; a text note is checked to its last byte,
    before anything is stored."""
    sam = school.unlock("Sam Staff")
    reference = report(sam, "nudes-sharing")
    text_then_picture = b"She sent this at lunch.\n" * 400 + corpus.jpeg()
    assert intake.sniff(text_then_picture[: intake.SNIFF_BYTES]).media_type == "text/plain"
    written: list[str] = []
    store, store_into = sam.chunks.write, sam.chunks.write_into
    sam.chunks.write = lambda evidence_id, chunks, **options: (
        written.append(evidence_id) or store(evidence_id, chunks, **options)
    )
    sam.chunks.write_into = lambda evidence_id, fill, **options: (
        written.append(evidence_id) or store_into(evidence_id, fill, **options)
    )
    with pytest.raises(InvalidInput, match="nothing was kept") as refused:
        add(sam, reference, "notes.txt", text_then_picture)
    assert "it is an offence to save, send, or alter an image" in str(refused.value)
    assert written == []  # not even encrypted chunks were written
    # Ordinary text with no-break spaces, emoji joined by U+200D and a UTF-8 byte-order
    # mark is a note.
    note = "\ufeffMiss\u00a0Khan said: \U0001f469\u200d\U0001f467 ok\n".encode()
    assert intake.is_plain_text_note(note)
    kept = add(sam, reference, "note.txt", note)
    listed = list_case_evidence(school.unlock("Dana DSL"), reference)
    assert [(i.info.id, i.info.media_type) for i in listed] == [(kept, "text/plain")]


def test_a_note_smuggled_with_a_picture_after_its_first_chunk_is_not_shown(
    school: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Another client writes text, then a picture past the first chunk: the reader checks
    the whole content before giving out a byte, not only the first chunk."""
    sam = school.unlock("Sam Staff")
    reference = report(sam, "nudes-sharing")
    import safelog.vault.evidence as writer

    monkeypatch.setattr(writer, "is_plain_text_note", lambda data: True)
    smuggled = add(sam, reference, "notes.txt", b"a" * 300_000 + corpus.jpeg())
    monkeypatch.undo()
    dana = school.unlock("Dana DSL")
    with pytest.raises(EvidenceQuarantined, match="its content is not one"):
        read_evidence(dana, reference, smuggled)
    out = tmp_path / "notes.txt"
    with pytest.raises(EvidenceQuarantined):
        extract_evidence(dana, reference, smuggled, out)
    assert not out.exists()
