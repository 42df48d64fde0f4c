"""Reading an evidence file in (vault/evidence_streams.py): exact-size reads whatever the
source returns, every byte copied once, and the same chunks whether the work runs on
threads (two cores or more) or in the caller's thread (one core)."""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any

import pytest

from safelog.cores import usable_cores
from safelog.crypto.stream import StreamDamaged, StreamEncryptor, decrypt_stream
from safelog.evidence.intake import FileTooLarge
from safelog.vault import evidence_streams
from safelog.vault.evidence_streams import Filled, Limited, encrypt_in_background

CHUNK = 64


class Trickle:
    """A pipe: returns at most `most` bytes per read."""

    def __init__(self, data: bytes, most: int) -> None:
        self._data = io.BytesIO(data)
        self._most = most

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, self._most))


class Gushing:
    """A broken stream: returns more than asked."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size + 7)


class Recording:
    """Remembers every piece it returned, to see whether Filled copied it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.pieces: list[bytes] = []

    def read(self, size: int = -1) -> bytes:
        piece = self._data.read(size)
        self.pieces.append(piece)
        return piece


def _all(reader: Filled, size: int) -> list[bytes]:
    pieces = []
    while piece := reader.read(size):
        pieces.append(piece)
    return pieces


DATA = os.urandom(1000)


@pytest.mark.parametrize(
    "source",
    [
        lambda: Filled(b"", io.BytesIO(DATA)),
        lambda: Filled(DATA[:10], Filled(b"", Trickle(DATA[10:], 3))),
        lambda: Filled(DATA[:300], Gushing(DATA[300:])),
        lambda: Filled(DATA, io.BytesIO()),  # a whole image read ahead for its thumbnail
        lambda: Filled(DATA[:130], io.BytesIO(DATA[130:])),
    ],
)
def test_every_read_is_the_size_asked_for_and_nothing_is_lost(source: Any) -> None:
    pieces = _all(source(), CHUNK)
    assert b"".join(pieces) == DATA
    assert [len(p) for p in pieces] == [CHUNK] * (len(DATA) // CHUNK) + [len(DATA) % CHUNK]


def test_a_read_one_piece_answers_is_not_copied() -> None:
    """A 1 GiB file goes through two Filled layers: each used to copy every byte."""
    inner = Recording(DATA)
    outer = Filled(b"", Filled(b"", inner))
    pieces = _all(outer, CHUNK)
    assert all(p is q for p, q in zip(pieces, inner.pieces, strict=False))


def test_what_was_read_ahead_is_let_go_once_handed_out() -> None:
    reader = Filled(DATA, io.BytesIO(b"tail"))
    reader.read(len(DATA) - 1)
    assert reader.read(5) == DATA[-1:] + b"tail"
    assert reader._pending == b""  # the 64 MiB image is not held to the end


class _Slots:
    """A store's room for each chunk, kept to look at."""

    def __init__(self) -> None:
        self.rooms: list[bytearray] = []

    def next(self, length: int) -> memoryview:
        self.rooms.append(bytearray(length))
        return memoryview(self.rooms[-1])

    @property
    def chunks(self) -> list[bytes]:
        return [bytes(room) for room in self.rooms]


@pytest.fixture(params=[1, 2], ids=["one-core", "two-cores"])
def cores(request: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(evidence_streams, "usable_cores", lambda: request.param)
    return int(request.param)


def test_the_chunks_are_the_same_on_one_core_or_two(cores: int) -> None:
    data = os.urandom(CHUNK * 5 + 3)
    key = bytes(32)
    encryptor = StreamEncryptor(key, "item-1", chunk_size=CHUNK)
    slots = _Slots()
    encrypt_in_background(encryptor, Limited(Filled(b"", io.BytesIO(data)), 10**6), 10**6, slots)
    stored = slots.chunks
    expected = list(StreamEncryptor(key, "item-1", chunk_size=CHUNK).encrypt_file(io.BytesIO(data)))
    assert stored == expected
    assert (encryptor.size, encryptor.chunks) == (len(data), 6)
    assert encryptor.sha256.hexdigest() == hashlib.sha256(data).hexdigest()
    assert b"".join(decrypt_stream(key, "item-1", stored, 6)) == data
    # A chunk stored under another item, or dropped, is refused whichever way it was made.
    with pytest.raises(StreamDamaged):
        list(decrypt_stream(key, "item-2", stored, 6))
    with pytest.raises(StreamDamaged):
        list(decrypt_stream(key, "item-1", stored[:-1], 6))


def test_too_large_is_refused_while_streaming(cores: int) -> None:
    data = os.urandom(CHUNK * 8)
    encryptor = StreamEncryptor(bytes(32), "item-1", chunk_size=CHUNK)
    slots = _Slots()
    with pytest.raises(FileTooLarge):
        encrypt_in_background(
            encryptor, Limited(Filled(b"", io.BytesIO(data)), CHUNK * 3), CHUNK * 3, slots
        )
    assert len(slots.rooms) <= 3  # refused as soon as the limit was passed, not at the end


def test_usable_cores_follows_the_affinity() -> None:
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no CPU affinity on this system")
    assert usable_cores() == len(os.sched_getaffinity(0))
