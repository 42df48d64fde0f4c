"""Evidence files as a STREAM of fixed-size AES-256-GCM chunks (after age / Hoang-Reyhanitabar).

Each file has its own random key. Chunk i is sealed with nonce = i as 11 big-endian bytes
followed by a last-chunk flag byte (0x01 on the final chunk only), and associated data
binding the file id. So:
- reordering chunks fails (the counter is in the nonce),
- truncation fails (the last chunk stored is not flagged last, or a count is short),
- splicing chunks from another file fails (another key, another file id),
and a file of any size is processed one chunk at a time, in bounded memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safelog.crypto.encoding import length_prefixed

CHUNK_SIZE = 1024 * 1024
TAG_LENGTH = 16
MAX_CHUNKS = 2**40


class StreamDamaged(Exception):
    def __init__(self, message: str, chunk_index: int | None = None) -> None:
        super().__init__(message)
        self.chunk_index = chunk_index


def _nonce(index: int, last: bool) -> bytes:
    if index >= MAX_CHUNKS:
        raise ValueError("stream too long")
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _aad(file_id: str) -> bytes:
    return length_prefixed(b"safelog/v1/stream", file_id.encode("utf-8"))


class StreamEncryptor:
    """Encrypt a byte stream chunk by chunk, hashing the plaintext as it goes."""

    def __init__(self, key: bytes, file_id: str, chunk_size: int = CHUNK_SIZE) -> None:
        self._aead = AESGCM(key)
        self._aad = _aad(file_id)
        self.chunk_size = chunk_size
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.chunks = 0

    def encrypt_chunk(self, index: int, plaintext: bytes, last: bool) -> bytes:
        return self._aead.encrypt(self.take_chunk(index, plaintext, last), plaintext, self._aad)

    def take_chunk(self, index: int, plaintext: bytes, last: bool) -> bytes:
        """Hash and count one chunk of plaintext; returns its nonce. Every chunk passes here,
        whichever way it is encrypted."""
        self.sha256.update(plaintext)
        self.size += len(plaintext)
        self.chunks += 1
        return _nonce(index, last)

    def encrypt_file(self, reader: BinaryIO, limit: int | None = None) -> Iterator[bytes]:
        """Yield ciphertext chunks in order (see `_plaintext`)."""
        for index, plaintext, last in self._plaintext(reader, limit):
            yield self.encrypt_chunk(index, plaintext, last)

    def encrypt_file_into(
        self, reader: BinaryIO, slots: ChunkSlots, limit: int | None = None
    ) -> None:
        """Encrypt each chunk straight into the room `slots` gives it: no ciphertext is
        allocated or copied on the way to the disk (store/file_writes.py)."""
        for index, plaintext, last in self._plaintext(reader, limit):
            nonce = self.take_chunk(index, plaintext, last)
            room = slots.next(len(plaintext) + TAG_LENGTH)
            self._aead.encrypt_into(nonce, plaintext, self._aad, room)

    def _plaintext(self, reader: BinaryIO, limit: int | None) -> Iterator[tuple[int, bytes, bool]]:
        """(index, plaintext, last) in order; reads one chunk ahead to know which is last.

        Raises ValueError as soon as more than `limit` bytes have been read.
        """
        current = reader.read(self.chunk_size)
        index = 0
        while True:
            following = reader.read(self.chunk_size) if len(current) == self.chunk_size else b""
            if limit is not None and self.size + len(current) > limit:
                raise ValueError("file is larger than the limit")
            yield index, current, not following
            if not following:
                return
            current = following
            index += 1


class ChunkSlots(Protocol):
    def next(self, length: int) -> memoryview:
        """Room for the next chunk's `length` bytes, filled before the next call."""


def decrypt_stream(
    key: bytes, file_id: str, chunks: Iterable[bytes], expected_chunks: int
) -> Iterator[bytes]:
    """Yield plaintext chunks, raising StreamDamaged on any tampering or truncation."""
    aead = AESGCM(key)
    aad = _aad(file_id)
    seen = 0
    for index, blob in enumerate(chunks):
        last = index == expected_chunks - 1
        if index >= expected_chunks:
            raise StreamDamaged("there are more pieces than recorded", index)
        try:
            yield aead.decrypt(_nonce(index, last), blob, aad)
        except InvalidTag as exc:
            raise StreamDamaged(
                f"piece {index + 1} of {expected_chunks} is damaged", index
            ) from exc
        seen += 1
    if seen != expected_chunks:
        raise StreamDamaged(f"only {seen} of {expected_chunks} pieces are present", seen)
