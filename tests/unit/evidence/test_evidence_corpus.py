"""The generated corpus of hostile files (safelog/evidence/corpus.py) through the vault API,
on SQLite and PostgreSQL: each file accepted with the expected type, preview and name, or
refused with the expected message and nothing left behind. Each goes in twice: as a file
(add_evidence) and as a stream with its name (import_stream, as paste and drop do), each
time into a case of its own (the corpus repeats contents under other names, which would
otherwise be linked as duplicates)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from support.evidence_store import evidence_rows, stored_items

from safelog.errors import InvalidInput
from safelog.evidence import corpus
from safelog.evidence.images import THUMBNAIL_SIZE
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import add_evidence_detailed, import_stream_detailed
from safelog.vault.evidence_reading import (
    extract_evidence,
    list_case_evidence,
    read_evidence,
    read_thumbnail,
)

CASE = {
    "category": "cyberbullying-pupil",
    "summary": "Screenshots of a group chat",
    "description": "A pupil brought screenshots of a group chat.",
}


def _import(route: str, session: Any, reference: str, item: corpus.Hostile, tmp_path: Path) -> Any:
    data = item.data
    if route == "file":
        folder = tmp_path / f"in-{item.key}"
        folder.mkdir()
        path = folder / item.name
        path.write_bytes(data)
        return add_evidence_detailed(session, reference, path, platform="Chat")
    return import_stream_detailed(
        session,
        reference,
        io.BytesIO(data),
        original_name=item.name,
        metadata={"platform": "Chat"},
    )


ROUTES = ["file", "stream"]


@pytest.mark.parametrize("route", ROUTES)
def test_every_corpus_file_has_its_expected_outcome(
    school: Any, data_dir: Path, tmp_path: Path, route: str, subtests: Any
) -> None:
    dana = school.unlock("Dana DSL")
    table = []
    for item in corpus.CORPUS:
        if route == "file" and not item.on_disk:
            continue
        with subtests.test(item=item.key):
            reference = add_case(dana, CaseInput.from_json(CASE))
            rows, stored = evidence_rows(dana), stored_items(dana, data_dir)
            if item.outcome == "refused":
                with pytest.raises(InvalidInput) as refused:
                    _import(route, dana, reference, item, tmp_path)
                message = str(refused.value)
                assert item.message in message.lower(), message
                assert "\n" not in message
                # Nothing left behind: no row, no ciphertext.
                assert evidence_rows(dana) == rows
                assert stored_items(dana, data_dir) == stored
                table.append((item.key, "refused", message[:60]))
                continue
            added = _import(route, dana, reference, item, tmp_path)
            assert not added.duplicate
            assert added.media_type == item.media_type
            assert added.preview == item.preview
            assert added.claimed_type == item.claimed
            flagged = item.preview == "unreadable" or bool(item.claimed)
            assert (item.outcome == "accepted-flagged") == flagged
            assert bool(added.notes) == flagged  # the person adding it is told why
            [listed] = list_case_evidence(dana, reference, thumbnails=True)
            info = listed.info
            assert info.id == added.evidence_id
            assert info.file_name == item.display
            assert info.metadata["original_name"] == item.name  # kept as it was
            assert info.metadata["media_type"] == item.media_type
            assert info.metadata["claimed_type"] == item.claimed
            assert info.metadata["preview"] == item.preview
            assert info.metadata["platform"] == "Chat"
            # Byte for byte, whatever could be shown.
            data = item.data
            assert info.size == len(data)
            assert info.sha256 == hashlib.sha256(data).hexdigest()
            _, stream = read_evidence(dana, reference, info.id)
            assert b"".join(stream) == data
            out = tmp_path / f"out-{route}-{item.key}"
            extract_evidence(dana, reference, info.id, out)
            assert out.read_bytes() == data
            thumbnail = read_thumbnail(dana, reference, info.id)
            assert thumbnail == listed.thumbnail
            if item.preview == "thumbnail":
                assert thumbnail is not None
                shown = Image.open(io.BytesIO(thumbnail))
                assert shown.format == "PNG"
                assert max(shown.size) <= THUMBNAIL_SIZE
            else:
                assert thumbnail is None
            table.append((item.key, item.outcome, f"{info.media_type} {info.metadata['preview']}"))
    expected = [h for h in corpus.CORPUS if route == "stream" or h.on_disk]
    assert [key for key, _, _ in table] == [h.key for h in expected]
