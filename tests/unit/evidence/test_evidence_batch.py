"""Many files added at once (vault/filing.py `import_sources`), recorded in one transaction,
and their thumbnails made afterwards (vault/evidence_thumbnails.py), each signed by the
item's author and re-checked by every reader (issue 17)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from support.evidence_store import stored_items

from safelog.crypto.aead import Cipher
from safelog.crypto.sealed_signature import SealedSignature, open_signature, seal_signature
from safelog.errors import AccessDenied, InvalidInput, ReportBeingHandled, TamperDetected
from safelog.evidence import corpus
from safelog.evidence.images import make_thumbnail
from safelog.store.schema import EvidenceThumbnailRow
from safelog.vault.audit_view import case_audit
from safelog.vault.case_engine import open_case
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.evidence import add_evidence
from safelog.vault.evidence_reading import list_case_evidence, read_evidence, read_thumbnail
from safelog.vault.evidence_thumbnails import make_pending_thumbnails
from safelog.vault.filing import Attachment, added_ids, import_sources
from safelog.vault.thumbnail_statements import thumbnail_author_aad, thumbnail_statement

SEEN = {"platform": "Chat", "seen_at": "2026-11-20T10:00:00+00:00"}


def report(session: Any) -> str:
    return add_case(
        session,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Screenshots of a group chat",
                "description": "A pupil showed me the chat.",
            }
        ),
    )


def shot(seed: int) -> bytes:
    out = io.BytesIO()
    corpus.screenshot(320, 200, seed=seed).save(out, "PNG")
    return out.getvalue()


def shots(count: int) -> list[Attachment]:
    return [Attachment(f"Screenshot {i}.png", data=shot(i + 1)) for i in range(count)]


def previews(session: Any, reference: str) -> dict[str, str]:
    return {
        item.info.file_name: str(item.info.metadata["preview"])
        for item in list_case_evidence(session, reference)
    }


def test_a_batch_is_listed_at_once_and_its_thumbnails_made_after(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    sources = shots(4)
    told: list[tuple[int, int]] = []
    outcomes = import_sources(sam, reference, sources, SEEN, lambda *p: told.append(p))
    assert told == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert all(not isinstance(o, Exception) and o is not None for o in outcomes)
    ids = added_ids(outcomes)
    assert len(ids) == 4
    # Recorded, in the list, before any picture was decoded.
    assert set(previews(sam, reference).values()) == {"pending"}
    with sam.engine.connect() as conn:
        assert conn.execute(select(EvidenceThumbnailRow.evidence_id)).all() == []
    assert {i.info.metadata["width"] for i in list_case_evidence(sam, reference)} == {320}
    made = make_pending_thumbnails(sam, reference, ids)
    assert made == dict.fromkeys(ids, "thumbnail")
    assert make_pending_thumbnails(sam, reference) == {}  # made once
    dana = school.unlock("Dana DSL")
    by_name = {i.info.file_name: i for i in list_case_evidence(dana, reference, thumbnails=True)}
    for source in sources:
        item = by_name[source.name]
        assert item.info.metadata["preview"] == "thumbnail"
        assert item.info.metadata["platform"] == "Chat"
        assert item.thumbnail == make_thumbnail(source.data or b"", "image/png").thumbnail
        assert read_thumbnail(dana, reference, item.info.id) == item.thumbnail


def test_a_report_the_dsl_opens_first_shows_thumbnails_made_on_reading(school: Any) -> None:
    """The reporter can no longer add to a report the DSL has opened, so their thumbnails
    cannot be stored: readers make them from the verified original, in memory."""
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    sources = shots(2)
    ids = added_ids(import_sources(sam, reference, sources, SEEN))
    dana = school.unlock("Dana DSL")
    listed = list_case_evidence(dana, reference, thumbnails=True)
    assert {i.info.file_name: i.thumbnail for i in listed} == {
        s.name: make_thumbnail(s.data or b"", "image/png").thumbnail for s in sources
    }
    with pytest.raises(ReportBeingHandled):
        make_pending_thumbnails(school.unlock("Sam Staff"), reference, ids)
    assert set(previews(dana, reference).values()) == {"pending"}


def test_each_item_is_audited_and_the_originals_read_back(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    sources = shots(3)
    ids = added_ids(import_sources(sam, reference, sources, SEEN))
    dana = school.unlock("Dana DSL")
    added = [e for e in case_audit(dana, reference) if e.action == "evidence.add"]
    assert sorted(e.details["evidence_id"] for e in added) == sorted(ids)
    for evidence_id, source in zip(ids, sources, strict=True):
        _info, stream = read_evidence(dana, reference, evidence_id)
        assert b"".join(stream) == source.data


def test_one_bad_file_is_named_and_the_others_go_in(
    school: Any, tmp_path: Path, data_dir: Path
) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    sources = [
        Attachment("good.png", data=shot(1)),
        Attachment("empty.png", path=empty),
        Attachment("gone.png", path=tmp_path / "gone.png"),
        Attachment("bomb.png", data=corpus.png_bomb()),
        Attachment("broken.png", data=corpus.corrupt_png()),
        Attachment("notes.txt", data=b"What was said.\n"),
    ]
    outcomes = import_sources(sam, reference, sources, SEEN)
    refused = {
        s.name: str(o) for s, o in zip(sources, outcomes, strict=True) if isinstance(o, Exception)
    }
    assert set(refused) == {"empty.png", "gone.png", "bomb.png"}
    assert all(isinstance(o, InvalidInput) for o in outcomes if isinstance(o, Exception))
    assert "far larger than any real screenshot" in refused["bomb.png"]
    make_pending_thumbnails(sam, reference)
    assert previews(sam, reference) == {
        "good.png": "thumbnail",
        "broken.png": "unreadable",
        "notes.txt": "none",
    }
    assert stored_items(sam, data_dir) == 3  # nothing of the refused ones is left


def test_the_same_file_twice_is_one_item_with_its_sightings(school: Any, tmp_path: Path) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    first = tmp_path / "first.png"
    first.write_bytes(shot(7))
    earlier = add_evidence(sam, reference, first)
    sources = [
        Attachment("again.png", data=shot(7)),
        Attachment("new.png", data=shot(8)),
        Attachment("new copy.png", data=shot(8)),
    ]
    outcomes = import_sources(sam, reference, sources, SEEN)
    again, new, copy = outcomes
    assert not isinstance(again, Exception | None) and again.duplicate
    assert again.evidence_id == earlier
    assert not isinstance(new, Exception | None) and not new.duplicate
    assert not isinstance(copy, Exception | None) and copy.duplicate
    assert copy.evidence_id == new.evidence_id
    dana = school.unlock("Dana DSL")
    assert len(list_case_evidence(dana, reference)) == 2
    sightings = show_case(dana, reference).fields["evidence_sightings"]
    assert sorted(s["file_name"] for s in sightings) == ["again.png", "new copy.png"]
    audited = [e for e in case_audit(dana, reference) if e.action == "evidence.sighting"]
    assert len(audited) == 2


def test_stopping_leaves_the_rest_untried(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    tried: list[int] = []
    outcomes = import_sources(
        sam,
        reference,
        shots(5),
        SEEN,
        lambda done, _total: tried.append(done),
        lambda: len(tried) >= 2,
    )
    assert outcomes[2:] == [None, None, None]
    assert len(added_ids(outcomes)) == 2
    assert len(list_case_evidence(sam, reference)) == 2


def test_someone_who_may_not_add_adds_nothing_and_leaves_no_bytes(
    school: Any, data_dir: Path
) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    before = stored_items(sam, data_dir)
    tess = school.unlock("Tess Teacher")
    with pytest.raises(AccessDenied):
        import_sources(tess, reference, shots(2), SEEN)
    assert stored_items(sam, data_dir) == before


def test_only_the_author_makes_an_items_thumbnail(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    ids = added_ids(import_sources(sam, reference, shots(2), SEEN))
    dana = school.unlock("Dana DSL")
    assert make_pending_thumbnails(dana, reference, ids) == {}
    with dana.engine.connect() as conn:
        assert conn.execute(select(EvidenceThumbnailRow.evidence_id)).all() == []
    # The program stopped before they were made: the author's next call makes them.
    assert make_pending_thumbnails(sam, reference) == dict.fromkeys(ids, "thumbnail")


# --------------------------------------------------------------------------------------------
# What someone who can write to the database tries


def _batch_with_thumbnails(school: Any, count: int = 2) -> tuple[Any, str, list[str]]:
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    ids = added_ids(import_sources(sam, reference, shots(count), SEEN))
    make_pending_thumbnails(sam, reference, ids)
    return sam, reference, ids


def test_a_swapped_thumbnail_is_tampering(school: Any) -> None:
    sam, reference, (a, b) = _batch_with_thumbnails(school)
    with sam.engine.begin() as conn:
        rows = {
            r.evidence_id: r for r in conn.execute(select(EvidenceThumbnailRow.__table__)).all()
        }
        conn.execute(
            update(EvidenceThumbnailRow)
            .where(EvidenceThumbnailRow.evidence_id == a)
            .values(thumbnail_ct=rows[b].thumbnail_ct, statement=rows[b].statement)
        )
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected, match="thumbnail of evidence"):
        list_case_evidence(dana, reference, thumbnails=True)


def _rewrite_thumbnail(
    session: Any,
    reference: str,
    evidence_id: str,
    values: Callable[[SealedSignature, Cipher, bytes], dict[str, Any]],
) -> None:
    """Rewrite a thumbnail row as someone holding the case key could."""
    with session.engine.begin() as conn:
        case = open_case(session, conn, reference)
        row = conn.execute(
            select(EvidenceThumbnailRow.__table__).where(
                EvidenceThumbnailRow.evidence_id == evidence_id
            )
        ).one()
        cipher = case.ciphers[row.key_no]
        aad = thumbnail_author_aad(evidence_id, row.case_id)
        conn.execute(
            update(EvidenceThumbnailRow)
            .where(EvidenceThumbnailRow.evidence_id == evidence_id)
            .values(**values(open_signature(cipher, row.statement, aad), cipher, aad))
        )


def test_a_thumbnail_signed_by_another_reader_is_tampering(school: Any) -> None:
    """Dana holds the case key and could seal a picture of her choosing for Sam's item:
    the reader accepts only the item's own author's signature."""
    _sam, reference, (a, _b) = _batch_with_thumbnails(school)
    dana = school.unlock("Dana DSL")

    def signed_by_dana(sealed: SealedSignature, cipher: Cipher, aad: bytes) -> dict[str, Any]:
        statement = sealed.statement.replace(sealed.author_id.encode(), dana.user_id.encode())
        signature = dana.identity.sign(statement)
        return {"statement": seal_signature(cipher, aad, dana.user_id, signature, statement)}

    _rewrite_thumbnail(dana, reference, a, signed_by_dana)
    with pytest.raises(TamperDetected, match="has been altered"):
        list_case_evidence(school.unlock("Dana DSL"), reference)


def test_a_flipped_byte_in_a_thumbnail_is_named(school: Any) -> None:
    sam, reference, (a, _b) = _batch_with_thumbnails(school)
    with sam.engine.begin() as conn:
        row = conn.execute(
            select(EvidenceThumbnailRow.__table__).where(EvidenceThumbnailRow.evidence_id == a)
        ).one()
        damaged = bytearray(row.thumbnail_ct)
        damaged[len(damaged) // 2] ^= 1
        conn.execute(
            update(EvidenceThumbnailRow)
            .where(EvidenceThumbnailRow.evidence_id == a)
            .values(thumbnail_ct=bytes(damaged))
        )
    with pytest.raises(TamperDetected, match=f"thumbnail of evidence {a}"):
        list_case_evidence(school.unlock("Dana DSL"), reference, thumbnails=True)


def test_a_deleted_thumbnail_is_made_on_reading_and_again_by_its_author(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = report(school.unlock("Sam Staff"))
    show_case(dana, reference)  # opened by the DSL: hers to add to from now on
    sources = shots(2)
    a, _b = added_ids(import_sources(dana, reference, sources, SEEN))
    make_pending_thumbnails(dana, reference)
    with dana.engine.begin() as conn:
        conn.execute(delete(EvidenceThumbnailRow).where(EvidenceThumbnailRow.evidence_id == a))
    by_id = {i.info.id: i for i in list_case_evidence(dana, reference, thumbnails=True)}
    assert by_id[a].info.metadata["preview"] == "pending"
    assert by_id[a].thumbnail == make_thumbnail(sources[0].data or b"", "image/png").thumbnail
    assert make_pending_thumbnails(dana, reference) == {a: "thumbnail"}


def test_a_thumbnail_said_unreadable_for_a_good_picture_must_be_signed(school: Any) -> None:
    """Changing the status inside the statement breaks the author's signature."""
    sam, reference, (a, _b) = _batch_with_thumbnails(school)

    def unreadable(sealed: SealedSignature, cipher: Cipher, aad: bytes) -> dict[str, Any]:
        changed = sealed.statement.replace(b'"thumbnail"', b'"unreadable"', 1)
        assert changed != sealed.statement
        resealed = seal_signature(cipher, aad, sam.user_id, sealed.signature, changed)
        return {"thumbnail_ct": None, "statement": resealed}

    _rewrite_thumbnail(sam, reference, a, unreadable)
    with pytest.raises(TamperDetected):
        list_case_evidence(school.unlock("Dana DSL"), reference)


def test_the_statement_names_the_item_it_belongs_to() -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 12, 4, tzinfo=UTC)
    one = thumbnail_statement("e1", "c1", 1, "thumbnail", b"ct", b"item one", "u1", at, 5, 2)
    two = thumbnail_statement("e1", "c1", 1, "thumbnail", b"ct", b"item two", "u1", at, 5, 2)
    assert one != two
