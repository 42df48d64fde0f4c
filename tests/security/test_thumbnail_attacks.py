"""Attacks on issue 17's batch import and the thumbnails made after it (vault/filing.py
`import_sources`, vault/evidence_thumbnails.py, vault/thumbnail_statements.py,
vault/evidence_reading.py), by someone who can write to the database and holds a key a
real member holds: a reporter whose report the DSL has opened, a member whose key was
reset, a removed member, a DSL sealing a picture of her choosing. Each attack here was
tried; those that worked at first (a thumbnail signed after the signer lost the right to
add, a hostile stored PNG, a pending original read whole, a long batch swept) are fixed."""

from __future__ import annotations

import io
import logging
import os
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import delete, insert, select
from support.evidence_store import stored_items

from safelog.audit.actions import AuditAction
from safelog.crypto.aead import Cipher
from safelog.crypto.sealed_signature import open_signature, seal_signature
from safelog.errors import InvalidInput, TamperDetected
from safelog.evidence import corpus
from safelog.evidence.images import THUMBNAIL_SIZE, make_thumbnail
from safelog.store.schema import CaseRow, EvidenceRow, EvidenceThumbnailRow
from safelog.vault import filing as filing_module
from safelog.vault.audit_trail import AuditEntry
from safelog.vault.case_engine import open_case
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case, update_case
from safelog.vault.evidence import add_evidence
from safelog.vault.evidence_reading import (
    list_case_evidence,
    read_evidence,
    read_thumbnail,
    thumbnail_aad,
)
from safelog.vault.evidence_statements import evidence_author_aad
from safelog.vault.evidence_thumbnails import make_pending_thumbnails
from safelog.vault.filing import Attachment, added_ids, import_sources
from safelog.vault.receipt_store import first_key_for_reporter
from safelog.vault.thumbnail_statements import (
    thumbnail_author_aad,
    thumbnail_item,
    thumbnail_statement,
)

SEEN = {"platform": "Chat", "seen_at": "2026-11-20T10:00:00+00:00"}
SECRET_NAME = "Ruby Reed crying in the toilets.png"


def report(session: Any, category: str = "cyberbullying-pupil") -> str:
    return add_case(
        session,
        CaseInput.from_json(
            {
                "category": category,
                "summary": "Screenshots of a group chat",
                "description": "A pupil showed me the chat.",
            }
        ),
    )


def shot(seed: int) -> bytes:
    out = io.BytesIO()
    corpus.screenshot(320, 200, seed=seed).save(out, "PNG")
    return out.getvalue()


def planted_picture() -> bytes:
    """What the attacker wants readers to see instead of the item: a plain red square."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (255, 0, 0)).save(out, "PNG")
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A 1-bit PNG of `width` x `height` zeros: a few kilobytes that decode to a huge image."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def case_id_of(session: Any, reference: str) -> str:
    with session.engine.connect() as conn:
        return str(
            conn.execute(select(CaseRow.id).where(CaseRow.reference == reference)).scalar_one()
        )


def reporters_key(sam: Any, reference: str) -> Cipher:
    """The key a reporter keeps to what they sent (their receipt): a patched client can
    use it whether or not SafeLog's own client would."""
    with sam.engine.connect() as conn:
        cipher = first_key_for_reporter(sam, conn, case_id_of(sam, reference))
    assert cipher is not None
    return cipher


def case_key(session: Any, reference: str, key_no: int) -> Cipher:
    with session.engine.connect() as conn:
        return open_case(session, conn, reference).ciphers[key_no]


def plant_thumbnail(
    signer: Any, cipher: Cipher, evidence_id: str, png: bytes | None, status: str = "thumbnail"
) -> None:
    """Write (or rewrite) an item's thumbnail row exactly as SafeLog would, but with a
    picture and signer of the attacker's choosing."""
    with signer.engine.begin() as conn:
        row = conn.execute(select(EvidenceRow.__table__).where(EvidenceRow.id == evidence_id)).one()
        item = open_signature(
            cipher, bytes(row.statement), evidence_author_aad(row.id, row.case_id)
        ).statement
        thumbnail_ct = cipher.seal(png, thumbnail_aad(row.id, row.case_id)) if png else None
        now = signer.clock()
        head_version = conn.execute(
            select(CaseRow.head_version).where(CaseRow.id == row.case_id)
        ).scalar_one()
        # The points a patched client names: now, as SafeLog's own would.
        statement = thumbnail_statement(
            row.id,
            row.case_id,
            row.key_no,
            status,
            thumbnail_ct,
            item,
            signer.user_id,
            now,
            signer.directory.head_seq,
            int(head_version),
        )
        sealed = seal_signature(
            cipher,
            thumbnail_author_aad(row.id, row.case_id),
            signer.user_id,
            signer.identity.sign(statement),
            statement,
        )
        conn.execute(delete(EvidenceThumbnailRow).where(EvidenceThumbnailRow.evidence_id == row.id))
        conn.execute(
            insert(EvidenceThumbnailRow).values(
                evidence_id=row.id,
                case_id=row.case_id,
                key_no=row.key_no,
                thumbnail_ct=thumbnail_ct,
                made_at=now,
                statement=sealed,
            )
        )
        # ... and records it in the audit log with the keys it holds, as SafeLog would.
        signer.audit_many(
            conn,
            [
                AuditEntry(
                    AuditAction.EVIDENCE_THUMBNAIL,
                    {"evidence_id": row.id},
                    (row.case_id, row.key_no, cipher),
                    thumbnail_item(row.id),
                )
            ],
        )


def shown(session: Any, reference: str) -> dict[str, bytes | None]:
    return {
        item.info.id: item.thumbnail
        for item in list_case_evidence(session, reference, thumbnails=True)
    }


def not_planted(session: Any, reference: str, evidence_id: str) -> None:
    """The reader either names the tampering or shows the item's own picture."""
    try:
        thumbnail = shown(session, reference)[evidence_id]
    except TamperDetected:
        return
    assert thumbnail != planted_picture()


# --------------------------------------------------------------------------------------------
# Someone who once could add to the case signs a picture that is not of the item


def test_a_reporter_cannot_plant_a_picture_after_the_dsl_opened_the_report(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    a, _b = added_ids(
        import_sources(
            sam,
            reference,
            [Attachment("1.png", data=shot(1)), Attachment("2.png", data=shot(2))],
            SEEN,
        )
    )
    dana = school.unlock("Dana DSL")
    assert shown(dana, reference)[a] == make_thumbnail(shot(1), "image/png").thumbnail
    # The DSL has opened it: SafeLog's own client refuses the reporter any further write ...
    assert show_case(dana, reference).fields["category"] == "cyberbullying-pupil"
    # ... but the receipt key still opens key 1, which seals the items and their thumbnails.
    plant_thumbnail(sam, reporters_key(sam, reference), a, planted_picture())
    not_planted(school.unlock("Dana DSL"), reference, a)


@pytest.mark.parametrize("how", ["reset", "removed"])
def test_a_retired_or_removed_key_signs_no_new_thumbnail(school: Any, how: str) -> None:
    laptop = school.unlock("Sam Staff")  # the laptop that is later lost, or its owner removed
    reference = report(laptop)
    [a] = added_ids(import_sources(laptop, reference, [Attachment("1.png", data=shot(3))], SEEN))
    key = reporters_key(laptop, reference)
    dana = school.unlock("Dana DSL")
    show_case(dana, reference)  # opened (the DSL loses an unopened report at a reset: see report)
    if how == "reset":
        code = school.vault.reset_access(dana, "Sam Staff", school.recovery["school"])
        school.vault.enrol(code, "sam has a new passphrase").lock()
    else:
        school.vault.remove_user(dana, "Sam Staff")
    dana.lock()
    plant_thumbnail(laptop, key, a, planted_picture())
    not_planted(school.unlock("Dana DSL"), reference, a)


# --------------------------------------------------------------------------------------------
# A stored thumbnail that is hostile to the decoder (the GUI decodes it with QImage)


def dsl_batch(school: Any, count: int = 1) -> tuple[Any, str, list[str]]:
    """The DSL's own items on a case she manages: she is their author and holds the key,
    like any insider running their own client."""
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    sources = [Attachment(f"{i}.png", data=shot(i + 10)) for i in range(count)]
    return dana, reference, added_ids(import_sources(dana, reference, sources, SEEN))


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param(png_bomb(30_000, 30_000), id="png-bomb-30000x30000"),
        pytest.param(png_bomb(THUMBNAIL_SIZE + 1, 10), id="wider-than-a-thumbnail"),
        pytest.param(b"GIF89a" + b"\x00" * 64, id="not-a-png"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="truncated-png"),
    ],
)
def test_a_signed_thumbnail_no_safelog_could_make_is_refused_before_any_decoder(
    school: Any, hostile: bytes
) -> None:
    """An insider signs, as the item's author, a 'thumbnail' that decodes to 900 million
    pixels (a few kilobytes stored): the reader refuses it by its header, before the GUI's
    QImage.loadFromData or anything else decodes it."""
    dana, reference, [a] = dsl_batch(school)
    plant_thumbnail(dana, case_key(dana, reference, 1), a, hostile)
    reader = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected, match=f"thumbnail of evidence {a} .*is not one SafeLog"):
        list_case_evidence(reader, reference, thumbnails=True)
    with pytest.raises(TamperDetected, match="is not one SafeLog"):
        read_thumbnail(reader, reference, a)
    assert len(list_case_evidence(reader, reference)) == 1  # listed without pictures still


def test_a_real_thumbnail_passes_the_header_check(school: Any) -> None:
    dana, reference, [a] = dsl_batch(school)
    big = io.BytesIO()
    Image.new("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE), (0, 90, 0)).save(big, "PNG")
    plant_thumbnail(dana, case_key(dana, reference, 1), a, big.getvalue())
    assert read_thumbnail(school.unlock("Dana DSL"), reference, a) == big.getvalue()


# --------------------------------------------------------------------------------------------
# A pending item decoded by every reader


def test_a_pending_item_larger_than_a_preview_is_not_read_whole_by_a_listing(
    school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A patched client can record anything as a pending picture (its media type and size
    are the author's word): every listing with thumbnails used to read the whole original
    into memory before asking whether it was too large to decode. A 1 GB 'screenshot' is
    modelled by a 4 MB one against a cap lowered to 1.5 MB."""
    noise = Image.frombytes("RGB", (1200, 1200), os.urandom(1200 * 1200 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=0)
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    [a] = added_ids(
        import_sources(sam, reference, [Attachment("big.png", data=out.getvalue())], SEEN)
    )
    dana = school.unlock("Dana DSL")
    monkeypatch.setattr("safelog.vault.evidence_reading.MAX_PREVIEW_FILE", 1_500_000)
    read: list[int] = []
    real_read = dana.chunks.read
    monkeypatch.setattr(
        dana.chunks, "read", lambda item, index: read.append(index) or real_read(item, index)
    )
    assert shown(dana, reference) == {a: None}
    assert max(read) <= 1  # what the cap allows (1 MiB chunks), not all five
    assert len(read) <= 2


# --------------------------------------------------------------------------------------------
# Changing an item's preview status with a thumbnail row


def test_a_thumbnail_row_for_an_item_not_pending_changes_nothing(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    note, picture = added_ids(
        import_sources(
            dana,
            reference,
            [Attachment("note.txt", data=b"What was said.\n"), Attachment("1.png", data=shot(5))],
            SEEN,
        )
    )
    make_pending_thumbnails(dana, reference)
    key = case_key(dana, reference, 1)
    plant_thumbnail(dana, key, note, planted_picture())  # a picture for a text note
    reader = school.unlock("Dana DSL")
    by_id = {i.info.id: i for i in list_case_evidence(reader, reference, thumbnails=True)}
    assert by_id[note].info.metadata["preview"] == "none"
    assert by_id[note].thumbnail is None
    assert by_id[picture].thumbnail == make_thumbnail(shot(5), "image/png").thumbnail


def test_a_thumbnail_row_replayed_from_another_case_is_tampering(school: Any) -> None:
    dana, first, [a] = dsl_batch(school)
    second = report(dana)
    [b] = added_ids(import_sources(dana, second, [Attachment("b.png", data=shot(50))], SEEN))
    make_pending_thumbnails(dana, first)
    second_id = case_id_of(dana, second)
    with dana.engine.begin() as conn:
        row = conn.execute(
            select(EvidenceThumbnailRow.__table__).where(EvidenceThumbnailRow.evidence_id == a)
        ).one()
        conn.execute(
            insert(EvidenceThumbnailRow).values(
                evidence_id=b,
                case_id=second_id,
                key_no=row.key_no,
                thumbnail_ct=row.thumbnail_ct,
                made_at=row.made_at,
                statement=row.statement,
            )
        )
    with pytest.raises(TamperDetected, match=f"thumbnail of evidence {b}"):
        list_case_evidence(school.unlock("Dana DSL"), second, thumbnails=True)


# --------------------------------------------------------------------------------------------
# One transaction, and nothing on disk or in the log


def test_a_crash_before_the_rows_are_committed_leaves_no_item_and_no_bytes(
    school: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    before = stored_items(dana, data_dir)

    def crash(_conn: Any) -> None:
        raise KeyboardInterrupt  # the power cut, after every row and audit entry is written

    monkeypatch.setattr("safelog.vault.evidence_recording.announce_case_change", crash)
    with pytest.raises(KeyboardInterrupt):
        import_sources(
            dana, reference, [Attachment(f"{i}.png", data=shot(i)) for i in range(3)], SEEN
        )
    monkeypatch.undo()
    assert list_case_evidence(school.unlock("Dana DSL"), reference) == []
    assert stored_items(dana, data_dir) == before


def test_a_category_that_forbids_images_set_mid_batch_keeps_every_picture_out(
    school: Any, data_dir: Path
) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    other_pc = school.unlock("Dana DSL")
    before = stored_items(dana, data_dir)

    def meanwhile(done: int, _total: int) -> None:
        if done == 1:  # the first picture is read and stored; the case moves category
            update_case(other_pc, reference, {"category": "nudes-sharing"})

    sources = [Attachment(f"{i}.png", data=shot(i + 20)) for i in range(3)]
    sources.append(Attachment("note.txt", data=b"What she said.\n"))
    outcomes = import_sources(dana, reference, sources, SEEN, meanwhile)
    # Checked again in the recording transaction against the category now in force; the
    # note was read under the old one, so it is refused too rather than trusted unchecked.
    assert all(isinstance(o, InvalidInput) for o in outcomes)
    assert "does not store pictures" in str(outcomes[0])
    assert "plain text notes" in str(outcomes[3])
    listed = list_case_evidence(school.unlock("Dana DSL"), reference, thumbnails=True)
    assert listed == []
    assert stored_items(dana, data_dir) == before  # no picture's ciphertext left behind


def test_a_batch_and_its_thumbnails_write_no_temporary_file_and_log_no_content(
    school: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a temporary file was asked for")

    for name in (
        "mkstemp",
        "mkdtemp",
        "NamedTemporaryFile",
        "TemporaryFile",
        "SpooledTemporaryFile",
    ):
        monkeypatch.setattr(tempfile, name, refused)
    caplog.set_level(logging.DEBUG)
    marker = b"MARKER what Ruby wrote to Jo at 22:14"
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    sources = [Attachment(SECRET_NAME, data=shot(30)), Attachment("chat.txt", data=marker + b"\n")]
    ids = added_ids(import_sources(sam, reference, sources, SEEN))
    make_pending_thumbnails(sam, reference, ids)
    shown(school.unlock("Dana DSL"), reference)
    assert SECRET_NAME not in caplog.text and marker.decode() not in caplog.text
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert marker not in path.read_bytes(), path


def test_the_first_add_of_an_item_with_its_thumbnail_is_unaffected_by_a_planted_row(
    school: Any, tmp_path: Path
) -> None:
    """An item added alone keeps the thumbnail its signed row holds; a thumbnail row for it
    is never consulted (its preview is not pending)."""
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    path = tmp_path / "one.png"
    path.write_bytes(shot(40))
    a = add_evidence(dana, reference, path)
    plant_thumbnail(dana, case_key(dana, reference, 1), a, planted_picture())
    assert shown(school.unlock("Dana DSL"), reference)[a] != planted_picture()


@pytest.mark.parametrize(
    "column, value",
    [
        ("statement", b""),
        ("statement", b"\x00"),
        ("statement", bytes(range(256))),
        ("thumbnail_ct", b""),
        ("key_no", 99),
        ("key_no", -1),
    ],
)
def test_a_garbage_thumbnail_row_written_without_any_key_is_named(
    school: Any, column: str, value: Any
) -> None:
    """Someone who can write to the database but holds no key: whatever they write in a
    thumbnail row, the reader names the tampering instead of crashing or showing it."""
    dana, reference, [a] = dsl_batch(school)
    make_pending_thumbnails(dana, reference)
    with dana.engine.begin() as conn:
        conn.execute(
            EvidenceThumbnailRow.__table__.update()
            .where(EvidenceThumbnailRow.evidence_id == a)
            .values({column: value})
        )
    with pytest.raises(TamperDetected, match=f"thumbnail of evidence {a}"):
        list_case_evidence(school.unlock("Dana DSL"), reference, thumbnails=True)


@pytest.mark.parametrize("where", ["progress", "stop"])
def test_a_batch_interrupted_from_its_progress_or_stop_leaves_nothing(
    school: Any, data_dir: Path, where: str
) -> None:
    """The dialog's callbacks run inside the batch: one that raises (the window closed
    under it, the worker cancelled) must leave no item and no ciphertext behind."""
    dana = school.unlock("Dana DSL")
    reference = report(dana)
    before = stored_items(dana, data_dir)
    calls: list[int] = []

    def interrupt(*_args: Any) -> bool:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return False

    sources = [Attachment(f"{i}.png", data=shot(i + 60)) for i in range(4)]
    with pytest.raises(KeyboardInterrupt):
        if where == "progress":
            import_sources(dana, reference, sources, SEEN, interrupt)
        else:
            import_sources(dana, reference, sources, SEEN, None, interrupt)
    assert list_case_evidence(school.unlock("Dana DSL"), reference) == []
    assert stored_items(dana, data_dir) == before


def test_a_sign_in_during_a_long_batch_sweeps_none_of_its_files(
    school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safelog.store import chunks as chunk_store

    """Found by this file's first pass: a batch stored every file first and recorded them
    all at the end, while any sign-in sweeps unrecorded files an hour old, so a batch of
    large videos lost its first files. A batch now records what it has read every
    RECORD_AFTER_SECONDS. Modelled: every file takes ten minutes to read, and the sweep
    takes every unrecorded file, whatever its age."""
    sweep = chunk_store.delete_orphans
    monkeypatch.setattr(
        "safelog.vault.vault.delete_orphans",
        lambda store, engine, keep=(): sweep(store, engine, older_than=-1, keep=keep),
    )
    ticks = iter(range(0, 10**6, 600))
    monkeypatch.setattr(filing_module.time, "monotonic", lambda: float(next(ticks)))
    dana = school.unlock("Dana DSL")
    reference = report(dana)

    def another_pc_signs_in(done: int, _total: int) -> None:
        if done == 2:  # twenty minutes into the batch
            school.unlock("Hugh Head").lock()

    sources = [Attachment(f"{i}.png", data=shot(i + 70)) for i in range(3)]
    ids = added_ids(import_sources(dana, reference, sources, SEEN, another_pc_signs_in))
    assert len(ids) == 3
    reader = school.unlock("Dana DSL")
    for evidence_id, source in zip(ids, sources, strict=True):
        _info, stream = read_evidence(reader, reference, evidence_id)
        assert b"".join(stream) == source.data
