"""Evidence in the vault: duplicates linked not stored twice, the indecent-images rule, the
size limit (a signed setting, enforced while streaming), who may add, the chain of custody,
encrypted thumbnails, and streams that arrive in short reads."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from support.evidence_store import evidence_rows, stored_items

from safelog.crypto.sealed_signature import open_signature
from safelog.errors import AccessDenied, InvalidInput, NotFound, TamperDetected
from safelog.evidence import corpus
from safelog.evidence.intake import ImageImportBlocked
from safelog.store.schema import EvidenceRow, SettingRow
from safelog.vault import workspace
from safelog.vault.audit_view import case_audit
from safelog.vault.case_engine import open_case
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case, update_case
from safelog.vault.evidence import (
    add_evidence,
    add_evidence_detailed,
    import_stream,
    record_image_report,
)
from safelog.vault.evidence_custody import evidence_custody
from safelog.vault.evidence_reading import (
    extract_evidence,
    list_case_evidence,
    read_evidence,
    read_thumbnail,
)
from safelog.vault.evidence_rules import intake_rules
from safelog.vault.evidence_statements import evidence_author_aad
from safelog.vault.settings import load_settings, set_evidence_limit_bytes

UKCIS_RULE = "never view, copy, print, share, store or save"


def report(session: Any, category: str = "cyberbullying-pupil") -> str:
    return add_case(
        session,
        CaseInput.from_json(
            {
                "category": category,
                "summary": "Something seen online",
                "description": "What the pupil told me.",
            }
        ),
    )


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------------------
# The same file twice.
# --------------------------------------------------------------------------------------


def test_the_same_file_twice_is_linked_not_stored_again(
    school: Any, data_dir: Path, tmp_path: Path
) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    first = write(tmp_path / "a", "chat.png", corpus.png())
    again = write(tmp_path / "b", "IMG_0042.PNG", corpus.png())
    evidence_id = add_evidence(
        sam, reference, first, platform="Instagram", source_url="https://insta.invalid/p/1"
    )
    assert (evidence_rows(sam), stored_items(sam, data_dir)) == (1, 1)
    dana = school.unlock("Dana DSL")
    added = add_evidence_detailed(
        dana,
        reference,
        again,
        platform="Snapchat",
        handle="@someone",
        seen_at="2026-11-19T21:15:00+00:00",
        description="Forwarded to a parent",
    )
    assert added.duplicate and added.evidence_id == evidence_id
    assert added.notes and "already evidence" in added.notes[0]
    # No second copy of the bytes, no second row.
    assert (evidence_rows(dana), stored_items(dana, data_dir)) == (1, 1)
    [item] = list_case_evidence(dana, reference)
    assert item.info.file_name == "chat.png"  # the item is as first recorded
    assert item.info.metadata["platform"] == "Instagram"
    [sighting] = item.sightings
    assert sighting["evidence_id"] == evidence_id
    assert sighting["original_name"] == "IMG_0042.PNG"
    assert sighting["platform"] == "Snapchat"
    assert sighting["handle"] == "@someone"
    assert sighting["seen_at"] == "2026-11-19T21:15:00+00:00"
    assert sighting["description"] == "Forwarded to a parent"
    assert sighting["recorded_by"] == "Dana DSL"
    assert sighting["sha256"] == hashlib.sha256(corpus.png()).hexdigest()
    # A signed version of the case, by the person who saw it again.
    detail = show_case(dana, reference)
    assert detail.versions[-1].author == "Dana DSL"
    assert detail.versions[-1].changed == ("evidence_sightings",)
    actions = [e.action for e in evidence_custody(dana, reference, evidence_id)]
    assert actions[:2] == ["evidence.add", "evidence.sighting"]
    # Once the DSL has opened the report, its reporter adds nothing more (DESIGN §3.5).
    with pytest.raises(AccessDenied, match="being handled"):
        add_evidence_detailed(sam, reference, first, platform="WhatsApp")
    [item] = list_case_evidence(dana, reference)
    assert [s["platform"] for s in item.sightings] == ["Snapchat"]
    assert (evidence_rows(dana), stored_items(dana, data_dir)) == (1, 1)
    # The bytes are still the original's.
    _, stream = read_evidence(dana, reference, evidence_id)
    assert b"".join(stream) == corpus.png()


def test_the_same_file_on_another_case_is_its_own_item(school: Any, tmp_path: Path) -> None:
    dana = school.unlock("Dana DSL")
    one, two = report(dana), report(dana)
    path = write(tmp_path, "log.txt", corpus.text())
    first = add_evidence_detailed(dana, one, path)
    second = add_evidence_detailed(dana, two, path)
    assert not first.duplicate and not second.duplicate
    assert first.evidence_id != second.evidence_id


# --------------------------------------------------------------------------------------
# Indecent images of children.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["nudes-sharing", "indecent-images-adult"])
def test_images_and_video_are_refused_for_indecent_image_categories(
    school: Any, data_dir: Path, tmp_path: Path, category: str
) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam, category)
    rules = intake_rules(sam, reference)
    assert rules.may_add and rules.images_blocked
    assert UKCIS_RULE in rules.guidance.lower()
    for name, data in [
        ("photo.jpg", corpus.jpeg()),
        ("screen.png", corpus.png()),
        ("anim.gif", corpus.gif()),
        ("clip.mp4", corpus.mp4()),
        ("IMG_0001.JPG", corpus.random_bytes()),  # unrecognised content named as a photo
        ("innocent.txt", corpus.png()),  # a picture named as text
    ]:
        for route in ("file", "stream"):
            with pytest.raises(ImageImportBlocked) as blocked:
                if route == "file":
                    add_evidence(sam, reference, write(tmp_path, name, data))
                else:
                    import_stream(sam, reference, io.BytesIO(data), original_name=name)
            message = str(blocked.value)
            assert UKCIS_RULE in message.lower(), message
            assert "nothing was kept" in message
            assert isinstance(blocked.value, InvalidInput)  # the CLI's exit status 1
            assert UKCIS_RULE in blocked.value.guidance.lower()
    assert (evidence_rows(sam), stored_items(sam, data_dir)) == (0, 0)
    # Documents, e-mails and sound can hold pictures too (002 7.2.4): refused; words go in.
    for name, data in [
        ("letter.pdf", corpus.pdf()),
        ("holiday.jpg", corpus.pdf() + b"% another one\n"),  # named as a photo: a document
        ("threat.eml", corpus.eml()),
        ("voicemail.wav", corpus.wav()),
    ]:
        with pytest.raises(ImageImportBlocked, match="other than plain text notes"):
            add_evidence(sam, reference, write(tmp_path, name, data))
    add_evidence(sam, reference, write(tmp_path, "messages.txt", corpus.text()))
    assert evidence_rows(sam) == 1
    # What is recorded instead of the images.
    version = record_image_report(
        sam,
        reference,
        "A Year 9 pupil said a picture of her was shared in a group chat.",
        informed="Dana DSL, in person",
        informed_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        police_reference="",
    )
    dana = school.unlock("Dana DSL")
    detail = show_case(dana, reference)
    [recorded] = [v for v in detail.versions if v.number == version]
    assert recorded.author == "Sam Staff"
    [entry] = detail.fields["image_reports"]
    assert entry["informed"] == "Dana DSL, in person"
    assert entry["informed_at"] == "2026-11-20T09:30:00+00:00"
    assert entry["recorded_by"] == "Sam Staff"
    record_image_report(
        dana, reference, "Police told; they took the phone.", "PC Smith", None, "CR/123/26"
    )
    reports = show_case(dana, reference).fields["image_reports"]
    assert [r["police_reference"] for r in reports] == ["", "CR/123/26"]
    assert "case.image-report" in [e.action for e in case_audit(dana, reference)]


def test_an_image_report_needs_words_and_who_was_told(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana, "nudes-sharing")
    with pytest.raises(InvalidInput, match="Describe"):
        record_image_report(dana, reference, "  ", "the DSL")
    with pytest.raises(InvalidInput, match="who was informed"):
        record_image_report(dana, reference, "A description.", "")
    with pytest.raises(InvalidInput, match="time zone"):
        record_image_report(dana, reference, "A description.", "DSL", datetime(2026, 11, 20))


def test_images_are_accepted_for_other_categories(school: Any, tmp_path: Path) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana, "cyberbullying-staff")
    assert not intake_rules(dana, reference).images_blocked
    add_evidence(dana, reference, write(tmp_path, "screen.png", corpus.png()))


def test_reclassifying_to_an_image_category_blocks_later_images(
    school: Any, tmp_path: Path
) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana, "inappropriate-content")
    add_evidence(dana, reference, write(tmp_path, "a.png", corpus.png()))
    update_case(
        dana,
        reference,
        {"category": "indecent-images-adult", "device_locked_away": "The DSL's locked cupboard"},
    )
    with pytest.raises(ImageImportBlocked):
        add_evidence(dana, reference, write(tmp_path, "b.jpg", corpus.jpeg()))


# --------------------------------------------------------------------------------------
# The size limit.
# --------------------------------------------------------------------------------------


class EndlessStream:
    """A stream that never ends (like a pipe from a huge file) and counts what is read."""

    def __init__(self, first: bytes = b"") -> None:
        self.first = first
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size > 0, "the whole stream was asked for"
        if self.first:
            out, self.first = self.first[:size], self.first[size:]
        else:
            out = b"x" * min(size, 64 * 1024)  # short reads, as pipes give
        self.read_bytes += len(out)
        return out


def test_the_size_limit_is_a_signed_setting_for_the_dsl(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    assert load_settings(dana).evidence_limit_bytes == 2 * 1024**3
    with pytest.raises(AccessDenied):
        set_evidence_limit_bytes(school.unlock("Sam Staff"), 4096)
    with pytest.raises(AccessDenied):
        set_evidence_limit_bytes(school.unlock("Hugh Head"), 4096)
    for bad in (0, 1023, 65 * 1024**3):
        with pytest.raises(InvalidInput):
            set_evidence_limit_bytes(dana, bad)
    set_evidence_limit_bytes(dana, 4096)
    assert load_settings(school.unlock("Sam Staff")).evidence_limit_bytes == 4096
    # A database writer cannot raise it: a forged record fails its signature check.
    with dana.engine.begin() as conn:
        record = conn.execute(
            select(SettingRow.record).where(SettingRow.key == "evidence_limit_bytes")
        ).scalar_one()
        assert b'"value":4096' in record
        conn.execute(
            update(SettingRow)
            .where(SettingRow.key == "evidence_limit_bytes")
            .values(record=record.replace(b'"value":4096', b'"value":99999'))
        )
    settings = load_settings(dana)
    assert settings.evidence_limit_bytes == 2 * 1024**3
    assert any("evidence_limit_bytes" in p for p in settings.problems)


def test_over_the_limit_is_refused_while_streaming_and_nothing_is_left(
    school: Any, data_dir: Path, tmp_path: Path
) -> None:
    dana = school.unlock("Dana DSL")
    set_evidence_limit_bytes(dana, 4096)
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    exact = write(tmp_path, "exact.txt", b"a" * 4096)
    assert add_evidence(sam, reference, exact)  # at the limit: accepted
    rows, chunks = evidence_rows(sam), stored_items(sam, data_dir)
    # A file: refused before it is read (its size is known)...
    with pytest.raises(InvalidInput, match="4 KB limit") as refused:
        add_evidence(sam, reference, write(tmp_path, "big.txt", b"b" * 4097))
    assert "nothing was kept" in str(refused.value)
    # ...a stream that never ends: refused once past the limit, read no further.
    endless = EndlessStream(b"this is text\n")
    with pytest.raises(InvalidInput, match="4 KB limit"):
        import_stream(sam, reference, endless, original_name="pipe.txt")  # type: ignore[arg-type]
    assert endless.read_bytes <= 4096 + 2 * 1024 * 1024
    # ...an image, which is read into memory to be previewed: refused just the same.
    with pytest.raises(InvalidInput, match="4 KB limit"):
        import_stream(sam, reference, io.BytesIO(corpus.png()), original_name="s.png")
    # ...and a file that grows after its size was checked.
    growing = write(tmp_path, "growing.txt", b"c" * 100)

    class Growing(io.FileIO):
        def read(self, size: int = -1) -> bytes:
            return super().read(size) + b"more" * 2000

    with pytest.raises(InvalidInput, match="4 KB limit"):
        import_stream(sam, reference, Growing(growing), original_name="growing.txt")
    assert (evidence_rows(sam), stored_items(sam, data_dir)) == (rows, chunks)
    # An explicit limit (for a caller that knows better) is honoured as well.
    with pytest.raises(InvalidInput, match="1 KB limit"):
        add_evidence(dana, reference, exact, limit=1024)


def test_a_stream_in_short_reads_is_stored_whole(school: Any) -> None:
    """Pipes and sockets return fewer bytes than asked; the chunks must still be full."""
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    data = bytes(range(256)) * (5 * 1024 * 1024 // 256 + 3)  # 5 MiB and a bit: six chunks

    class Trickle:
        def __init__(self) -> None:
            self.buffer = io.BytesIO(data)

        def read(self, size: int = -1) -> bytes:
            return self.buffer.read(min(size, 70_001))

    class Gush:
        """Returns more than asked for (a broken stream): chunks must stay full-size."""

        def __init__(self) -> None:
            self.buffer = io.BytesIO(data[::-1])

        def read(self, size: int = -1) -> bytes:
            return self.buffer.read(size + 12_345)

    for source, expected in ((Trickle(), data), (Gush(), data[::-1])):
        evidence_id = import_stream(dana, reference, source, original_name="rec.bin")  # type: ignore[arg-type]
        info, stream = read_evidence(dana, reference, evidence_id)
        assert b"".join(stream) == expected
        assert info.size == len(expected)


def test_empty_input_is_refused(school: Any, data_dir: Path, tmp_path: Path) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    with pytest.raises(InvalidInput, match="empty"):
        add_evidence(dana, reference, write(tmp_path, "empty.png", b""))
    with pytest.raises(InvalidInput, match="empty"):
        import_stream(dana, reference, io.BytesIO(b""), original_name="clipboard.png")
    assert (evidence_rows(dana), stored_items(dana, data_dir)) == (0, 0)


# --------------------------------------------------------------------------------------
# Who may add.
# --------------------------------------------------------------------------------------


def test_a_reporter_adds_to_their_own_report_until_it_is_being_handled(
    school: Any, tmp_path: Path
) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    add_evidence(sam, reference, write(tmp_path, "one.txt", b"one\n"))
    add_evidence(sam, reference, write(tmp_path, "two.txt", b"two\n"))
    record_image_report(sam, reference, "Described in words.", "Dana DSL")
    assert intake_rules(sam, reference).may_add
    # The DSL opens it: from then on it is sealed with keys the reporter never held.
    dana = school.unlock("Dana DSL")
    workspace.acknowledge(dana, reference)
    assert not intake_rules(sam, reference).may_add
    with pytest.raises(AccessDenied, match="being handled"):
        add_evidence(sam, reference, write(tmp_path, "three.txt", b"three\n"))
    with pytest.raises(AccessDenied, match="being handled"):
        add_evidence(sam, reference, tmp_path / "one.txt")  # not even a sighting
    with pytest.raises(AccessDenied):
        record_image_report(sam, reference, "More words.", "Dana DSL")
    # The DSL still can; someone else's report cannot even be opened.
    add_evidence(dana, reference, write(tmp_path, "three.txt", b"three\n"))
    with pytest.raises(AccessDenied):
        add_evidence(school.unlock("Tess Teacher"), reference, tmp_path / "one.txt")
    assert len(show_case(dana, reference).evidence) == 3


def test_the_details_are_checked(school: Any, tmp_path: Path) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    path = write(tmp_path, "a.txt", b"a\n")
    with pytest.raises(InvalidInput, match="time zone"):
        add_evidence(dana, reference, path, seen_at="2026-11-19T20:00")
    with pytest.raises(InvalidInput, match="future"):
        add_evidence(dana, reference, path, seen_at="2027-01-01T00:00:00+00:00")
    with pytest.raises(InvalidInput, match="date like"):
        add_evidence(dana, reference, path, seen_at="last Tuesday")
    with pytest.raises(InvalidInput, match="single line"):
        add_evidence(dana, reference, path, source_url="https://a.invalid/\nx")
    evidence_id = add_evidence(dana, reference, path, seen_at="2026-11-19")
    [item] = list_case_evidence(dana, reference)
    assert item.info.id == evidence_id and item.info.metadata["seen_at"] == "2026-11-19"


# --------------------------------------------------------------------------------------
# Chain of custody.
# --------------------------------------------------------------------------------------


def test_every_add_view_extract_and_export_is_on_the_item(school: Any, tmp_path: Path) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    shot = write(tmp_path, "shot.png", corpus.png())
    evidence_id = add_evidence(sam, reference, shot)
    other_id = add_evidence(sam, reference, write(tmp_path, "other.txt", b"other\n"))
    dana = school.unlock("Dana DSL")
    _, stream = read_evidence(dana, reference, evidence_id)
    b"".join(stream)
    extract_evidence(dana, reference, evidence_id, tmp_path / "out.png")
    _, stream = read_evidence(dana, reference, evidence_id, action="evidence.export")
    b"".join(stream)
    add_evidence(dana, reference, shot)  # a sighting
    list_case_evidence(dana, reference, thumbnails=True)
    read_evidence(dana, reference, other_id)  # about the other item: not on this one
    custody = evidence_custody(dana, reference, evidence_id)
    assert [(e.action, e.actor) for e in custody] == [
        ("evidence.add", "Sam Staff"),
        ("evidence.view", "Dana DSL"),
        ("evidence.extract", "Dana DSL"),
        ("evidence.export", "Dana DSL"),
        ("evidence.sighting", "Dana DSL"),
        ("case.evidence-list", "Dana DSL"),
    ]
    assert all(e.at.tzinfo is not None for e in custody)
    assert [e.action for e in evidence_custody(dana, reference, other_id)] == [
        "evidence.add",
        "case.evidence-list",
        "evidence.view",
    ]
    with pytest.raises(NotFound):
        evidence_custody(dana, reference, "00000000-0000-0000-0000-000000000000")
    # Thumbnails are read without an entry each; the listing that shows them has one.
    before = len(case_audit(dana, reference))
    for _ in range(3):
        assert read_thumbnail(dana, reference, evidence_id)
    assert len(case_audit(dana, reference)) == before


# --------------------------------------------------------------------------------------
# Thumbnails: encrypted, signed, bound to their item.
# --------------------------------------------------------------------------------------


def test_thumbnails_are_sealed_signed_and_bound(school: Any, tmp_path: Path) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    first = add_evidence(dana, reference, write(tmp_path, "a.png", corpus.png()))
    second = add_evidence(dana, reference, write(tmp_path, "b.jpg", corpus.jpeg()))
    thumb = read_thumbnail(dana, reference, first)
    assert thumb is not None and thumb.startswith(b"\x89PNG")
    with dana.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(EvidenceRow.__table__)).all()}
    sealed = rows[first].thumbnail_ct
    assert thumb not in sealed and thumb[8:40] not in sealed  # not stored in the clear
    # Who added it and what they signed are sealed with the case key: a reader opens them.
    with dana.engine.connect() as conn:
        case = open_case(dana, conn, reference)
    signed = open_signature(
        case.ciphers[rows[first].key_no],
        rows[first].statement,
        evidence_author_aad(first, rows[first].case_id),
    )
    assert rows[first].added_by is None and signed.author_id == dana.user_id
    statement = json.loads(signed.statement)
    assert statement["thumbnail"] == hashlib.sha256(sealed).hexdigest()

    def set_thumb(evidence_id: str, value: bytes | None) -> None:
        with dana.engine.begin() as conn:
            conn.execute(
                update(EvidenceRow).where(EvidenceRow.id == evidence_id).values(thumbnail_ct=value)
            )

    for damage in (
        lambda: set_thumb(first, sealed[:-1] + bytes([sealed[-1] ^ 1])),  # one bit
        lambda: set_thumb(first, rows[second].thumbnail_ct),  # swapped with another item's
        lambda: set_thumb(first, None),  # removed
    ):
        damage()
        with pytest.raises(TamperDetected, match="evidence"):
            read_thumbnail(dana, reference, first)
        with pytest.raises(TamperDetected, match="evidence"):
            list_case_evidence(dana, reference, thumbnails=True)
        set_thumb(first, sealed)
    assert read_thumbnail(dana, reference, first) == thumb
    # A thumbnail added where there was none is noticed too.
    text_id = add_evidence(dana, reference, write(tmp_path, "c.txt", b"words\n"))
    assert read_thumbnail(dana, reference, text_id) is None
    set_thumb(text_id, sealed)
    with pytest.raises(TamperDetected, match="evidence"):
        read_thumbnail(dana, reference, text_id)


def test_a_reader_without_the_case_gets_no_thumbnail(school: Any, tmp_path: Path) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    evidence_id = add_evidence(sam, reference, write(tmp_path, "a.png", corpus.png()))
    with pytest.raises(AccessDenied):
        read_thumbnail(school.unlock("Tess Teacher"), reference, evidence_id)
    with pytest.raises(NotFound):
        read_thumbnail(sam, reference, "00000000-0000-0000-0000-000000000000")


def test_an_image_too_large_to_decode_is_kept_without_a_preview(
    school: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Images are decoded in memory only up to a size (64 MiB); larger ones are streamed
    like any other file and kept, marked "too large to show"."""
    import safelog.vault.evidence as evidence_module

    monkeypatch.setattr(evidence_module, "MAX_PREVIEW_FILE", 20_000)
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    data = corpus.png()
    assert len(data) > 20_000
    added = evidence_module.add_evidence_detailed(
        dana, reference, write(tmp_path, "huge.png", data)
    )
    assert added.preview == "too-large" and added.notes
    assert "too large to show" in added.notes[0]
    assert read_thumbnail(dana, reference, added.evidence_id) is None
    _, stream = read_evidence(dana, reference, added.evidence_id)
    assert b"".join(stream) == data
