"""The drafts folder (vault/drafts.py): what lands on disk says nothing of the words or the
writer, opens only for the writer, and cannot be planted or redirected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from safelog.vault.drafts import CASE, MAGIC, REPORT, DraftKeys, DraftStore

WORDS = "Jamie said his stepfather hit him"

# The drafts folder is on the PC whatever the database: one backend is enough.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_a_draft_opens_for_its_writer_only_and_names_no_one(school: Any, tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    sam = school.unlock("Sam Staff")
    slot = store.keep(DraftKeys.of(sam), REPORT, {"summary": WORDS}, had_attachments=True)
    (path,) = (tmp_path / "drafts").glob("*.draft")
    raw = path.read_bytes()
    assert raw.startswith(MAGIC)
    for secret in (WORDS, "Sam", sam.user_id):
        assert secret.encode() not in raw and secret not in path.name
    assert path.stat().st_mode & 0o077 == 0

    (draft,) = store.mine(sam)
    assert (draft.slot, draft.kind, draft.fields, draft.had_attachments) == (
        slot,
        REPORT,
        {"summary": WORDS},
        True,
    )
    assert store.mine(school.unlock("Tess Teacher")) == []
    assert store.mine(school.unlock("Dana DSL")) == []


def test_sizes_are_padded_and_keeping_again_overwrites(school: Any, tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    keys = DraftKeys.of(school.unlock("Sam Staff"))
    short = store.keep(keys, REPORT, {"summary": "x"})
    longer = store.keep(keys, REPORT, {"summary": "x" * 300})
    assert (tmp_path / f"{short}.draft").stat().st_size == (
        tmp_path / f"{longer}.draft"
    ).stat().st_size
    assert store.keep(keys, CASE, {"Chronology": {"text": "y"}}, slot=short) == short
    assert len(list(tmp_path.glob("*.draft"))) == 2


def test_a_draft_copied_to_another_person_or_edited_does_not_open(
    school: Any, tmp_path: Path
) -> None:
    store = DraftStore(tmp_path)
    sam, tess = school.unlock("Sam Staff"), school.unlock("Tess Teacher")
    slot = store.keep(DraftKeys.of(tess), REPORT, {"summary": "Tess's words"})
    raw = (tmp_path / f"{slot}.draft").read_bytes()
    blob = raw[len(MAGIC) + 32 :]
    # Re-tagged with Sam's draft key: the tag now passes, the seal (to Tess) does not open.
    (tmp_path / "aaaaaaaaaaaaaaaaaaaaaaaa.draft").write_bytes(
        MAGIC + DraftKeys.of(sam).tag(blob) + blob
    )
    assert store.mine(sam) == []
    edited = bytearray(raw)
    edited[-5] ^= 0x20
    (tmp_path / f"{slot}.draft").write_bytes(bytes(edited))
    assert store.mine(tess) == []


def test_drop_touches_only_draft_slots(school: Any, tmp_path: Path) -> None:
    outside = tmp_path / "keep.txt"
    outside.write_text("not a draft")
    store = DraftStore(tmp_path / "drafts")
    store.drop("../keep")
    store.drop("../keep.txt")
    store.drop(None)
    assert outside.exists()
