"""The sign-in sweep of unrecorded evidence chunks (store/chunks.py `delete_orphans`) judges
their age by the store's own clock, never by a PC's. On a shared server each PC's clock may
be wrong: with the writer's clock stamping the rows, a PC set two hours behind wrote chunks
that another PC's sign-in swept at once, between their commit and the evidence row that
needs them, and the import was then recorded with its bytes gone."""

from __future__ import annotations

import io
import time
from types import SimpleNamespace
from typing import Any

import pytest

from safelog.evidence import corpus
from safelog.store import chunks as chunks_module
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence_reading import read_evidence
from safelog.vault.filing import Attachment, added_ids, import_sources

SEEN = {"platform": "Chat", "seen_at": "2026-11-20T10:00:00+00:00"}
TWO_HOURS = 7200.0


def shot(seed: int) -> bytes:
    out = io.BytesIO()
    corpus.screenshot(320, 200, seed=seed).save(out, "PNG")
    return out.getvalue()


class ThisPcsClock:
    """`time` as the chunk store sees it, `offset` seconds off the true time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = 0.0
        fake = SimpleNamespace(time=lambda: time.time() + self.offset)
        monkeypatch.setattr(chunks_module, "time", fake)


def import_while_another_pc_signs_in(
    school: Any, clock: ThisPcsClock, writer_offset: float, sweeper_offset: float
) -> None:
    """Tess imports two screenshots as one batch on a PC `writer_offset` seconds off; after
    the first is stored and before the batch is recorded, Dana signs in on a PC
    `sweeper_offset` seconds off (the sign-in sweeps orphans). Both must read back whole."""
    tess = school.unlock("Tess Teacher")
    reference = add_case(
        tess,
        CaseInput.from_json(
            {"category": "cyberbullying-pupil", "summary": "Chat", "description": "Seen."}
        ),
    )

    def dana_signs_in_elsewhere(done: int, _total: int) -> None:
        if done == 1:
            clock.offset = sweeper_offset
            school.unlock("Dana DSL").lock()
            clock.offset = writer_offset

    sources = [Attachment(f"{n}.png", data=shot(n + 40)) for n in range(2)]
    clock.offset = writer_offset
    ids = added_ids(import_sources(tess, reference, sources, SEEN, dana_signs_in_elsewhere))
    clock.offset = 0.0
    assert len(ids) == 2
    reader = school.unlock("Dana DSL")
    for evidence_id, source in zip(ids, sources, strict=True):
        _info, stream = read_evidence(reader, reference, evidence_id)
        assert b"".join(stream) == source.data


def test_a_writer_whose_clock_is_behind_loses_nothing_to_another_pcs_sweep(
    school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ThisPcsClock(monkeypatch)
    import_while_another_pc_signs_in(school, clock, writer_offset=-TWO_HOURS, sweeper_offset=0)


def test_a_sweeper_whose_clock_is_ahead_takes_nothing_just_written(
    school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if school.vault.engine.dialect.name == "sqlite":
        pytest.skip("one PC's clock both stamps and judges the files of an embedded vault")
    clock = ThisPcsClock(monkeypatch)
    import_while_another_pc_signs_in(school, clock, writer_offset=0, sweeper_offset=TWO_HOURS)


def test_chunks_older_than_the_age_by_the_servers_clock_are_still_swept(
    school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep still works: unrecorded chunks an hour old by the store's clock go."""
    vault = school.vault
    orphan = "0b6f8a51-2f3e-4c59-9d1e-6a4b8e2f7c10"
    vault.chunks.write(orphan, iter([b"ciphertext nobody recorded"]))
    assert chunks_module.delete_orphans(vault.chunks, vault.engine) == 0
    assert vault.chunks.read(orphan, 0) is not None
    # An hour from now, by the store's clock: judged with a negative age, as if it had passed.
    assert chunks_module.delete_orphans(vault.chunks, vault.engine, older_than=-1) == 1
    assert vault.chunks.read(orphan, 0) is None
