"""Evidence STREAM format: chunk i sealed with nonce = i (11 bytes, big-endian) | last flag, and
associated data binding the file id. Pinned ciphertexts for a 3-chunk input with a small chunk
size; reordering, truncation, splicing and extra chunks are all refused.

vectors/stream.json is the source of truth; running this file as a script rewrites it.
(Bounded memory on large files is measured by tests/bench, not here.)
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from safelog.crypto.stream import StreamDamaged, StreamEncryptor, decrypt_stream

VECTORS = Path(__file__).parent / "vectors" / "stream.json"
CHUNK = 16


def _encrypt(key: bytes, file_id: str, plaintext: bytes) -> list[bytes]:
    return list(StreamEncryptor(key, file_id, chunk_size=CHUNK).encrypt_file(io.BytesIO(plaintext)))


def generate() -> dict[str, Any]:
    key = bytes(range(96, 128))
    plaintext = b"first sixteen b|second sixteen |the tail"
    other = b"OTHER FILE BYTES|OTHER FILE BYTES|OTHER..."
    return {
        "key": key.hex(),
        "chunk_size": CHUNK,
        "file_id": "evidence-A",
        "plaintext": plaintext.hex(),
        "sha256": hashlib.sha256(plaintext).hexdigest(),
        "chunks": [c.hex() for c in _encrypt(key, "evidence-A", plaintext)],
        "other_file_id": "evidence-B",
        "other_chunks": [c.hex() for c in _encrypt(key, "evidence-B", other)],
        "other_plaintext": other.hex(),
    }


# Run as a script, the module regenerates the vectors; under pytest it reads the committed ones.
V = generate() if __name__ == "__main__" else json.loads(VECTORS.read_text("utf-8"))
KEY = bytes.fromhex(V["key"])
FILE_ID = V["file_id"]
PLAIN = bytes.fromhex(V["plaintext"])
C = [bytes.fromhex(c) for c in V["chunks"]]
OTHER = [bytes.fromhex(c) for c in V["other_chunks"]]


def _read(chunks: list[bytes], expected: int, key: bytes = KEY, file_id: str = FILE_ID) -> bytes:
    return b"".join(decrypt_stream(key, file_id, iter(chunks), expected))


def test_vector_shape() -> None:
    assert V["chunk_size"] == CHUNK and len(C) == 3
    assert [len(c) for c in C] == [16 + 16, 16 + 16, len(PLAIN) - 32 + 16]


def test_pinned_chunks_decrypt() -> None:
    assert _read(C, 3) == PLAIN
    assert hashlib.sha256(PLAIN).hexdigest() == V["sha256"]
    assert _read(OTHER, 3, file_id=V["other_file_id"]).hex() == V["other_plaintext"]


def test_encryption_is_deterministic_and_matches_pins() -> None:
    encryptor = StreamEncryptor(KEY, FILE_ID, chunk_size=CHUNK)
    assert list(encryptor.encrypt_file(io.BytesIO(PLAIN))) == C
    assert (encryptor.size, encryptor.chunks) == (len(PLAIN), 3)
    assert encryptor.sha256.hexdigest() == V["sha256"]


@pytest.mark.parametrize("order", [(1, 0, 2), (0, 2, 1), (2, 1, 0), (0, 0, 2)])
def test_reordering_is_damage(order: tuple[int, ...]) -> None:
    with pytest.raises(StreamDamaged):
        _read([C[i] for i in order], 3)


def test_dropping_the_last_chunk_is_damage() -> None:
    with pytest.raises(StreamDamaged, match="only 2 of 3") as caught:
        _read(C[:2], 3)
    assert caught.value.chunk_index == 2


def test_claiming_fewer_chunks_is_damage() -> None:
    # Truncated and the count rewritten to match: chunk 2 of 2 is not flagged last.
    with pytest.raises(StreamDamaged) as caught:
        _read(C[:2], 2)
    assert caught.value.chunk_index == 1
    with pytest.raises(StreamDamaged):
        _read(C[:1], 1)


def test_an_extra_chunk_is_damage() -> None:
    with pytest.raises(StreamDamaged, match="more pieces"):
        _read([*C, C[2]], 3)
    with pytest.raises(StreamDamaged):  # all three, but the count says two
        _read(C, 2)
    with pytest.raises(StreamDamaged):  # count raised to four to fit an appended chunk
        _read([*C, OTHER[2]], 4)


@pytest.mark.parametrize("position", [0, 1, 2])
def test_splicing_from_another_file_is_damage(position: int) -> None:
    spliced = list(C)
    spliced[position] = OTHER[position]  # same key, same index, another file id
    with pytest.raises(StreamDamaged) as caught:
        _read(spliced, 3)
    assert caught.value.chunk_index == position


def test_same_chunks_under_another_file_id_or_key_are_damage() -> None:
    with pytest.raises(StreamDamaged):
        _read(C, 3, file_id=V["other_file_id"])
    with pytest.raises(StreamDamaged):
        _read(C, 3, key=bytes(32))


@pytest.mark.parametrize("index", [0, 15, -1])
def test_flipped_bit_is_damage(index: int) -> None:
    damaged = bytearray(C[1])
    damaged[index] ^= 1
    with pytest.raises(StreamDamaged):
        _read([C[0], bytes(damaged), C[2]], 3)


def test_empty_chunk_list_is_damage() -> None:
    with pytest.raises(StreamDamaged):
        _read([], 3)


@pytest.mark.parametrize(("size", "chunks"), [(0, 1), (1, 1), (16, 1), (17, 2), (32, 2), (48, 3)])
def test_chunk_boundaries_round_trip(size: int, chunks: int) -> None:
    data = bytes(range(size))
    encrypted = _encrypt(KEY, "boundary", data)
    assert len(encrypted) == chunks
    assert _read(encrypted, chunks, file_id="boundary") == data
    if chunks > 1:  # an exact multiple of the chunk size must still end on a flagged chunk
        with pytest.raises(StreamDamaged):
            _read(encrypted[:-1], chunks - 1, file_id="boundary")


def test_limit_stops_the_stream() -> None:
    encryptor = StreamEncryptor(KEY, FILE_ID, chunk_size=CHUNK)
    with pytest.raises(ValueError, match="larger than the limit"):
        list(encryptor.encrypt_file(io.BytesIO(PLAIN), limit=len(PLAIN) - 1))
    assert (
        list(
            StreamEncryptor(KEY, FILE_ID, chunk_size=CHUNK).encrypt_file(
                io.BytesIO(PLAIN), limit=len(PLAIN)
            )
        )
        == C
    )


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(V, indent=2) + "\n", "utf-8")
