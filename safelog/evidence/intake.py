"""Checks on an untrusted file before it is imported: real type, size limit, a safe name.

The raw original is always kept byte for byte; what is checked here only decides what it
is called, what type is recorded and whether it may come in at all.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

DEFAULT_LIMIT = 2 * 1024**3
SNIFF_BYTES = 8192

# Bidirectional overrides and isolates can make "gpj.exe" display as "exe.jpg".
_BIDI = {
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
}


class IntakeRefused(ValueError):
    pass


@dataclass(frozen=True)
class SniffedType:
    media_type: str
    extension: str


def sniff(head: bytes) -> SniffedType:
    """The type from the content's first bytes, never from the name."""
    import filetype

    if not head:
        return SniffedType("application/x-empty", "")
    kind = filetype.guess(head)
    if kind is not None:
        return SniffedType(kind.mime, kind.extension)
    if head.startswith(b"%PDF-"):
        return SniffedType("application/pdf", "pdf")
    if _looks_like_email(head):
        return SniffedType("message/rfc822", "eml")
    if _is_text(head):
        return SniffedType("text/plain", "txt")
    return SniffedType("application/octet-stream", "")


def _looks_like_email(head: bytes) -> bool:
    start = head[:2048].lower()
    return any(
        start.startswith(h)
        for h in (
            b"received:",
            b"return-path:",
            b"from:",
            b"delivered-to:",
            b"message-id:",
            b"mime-version:",
        )
    )


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the end of the sample.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(c.isprintable() or c in "\r\n\t\f" for c in text)


def safe_file_name(name: str) -> str:
    """A name to show and to suggest on extract: no folders, controls or direction tricks."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        "_" if (unicodedata.category(c).startswith("C") or c in _BIDI) else c for c in name
    ).strip(" .")
    cleaned = unicodedata.normalize("NFC", cleaned)[:200]
    return cleaned or "evidence"


def check_size(size: int, limit: int = DEFAULT_LIMIT) -> None:
    if size == 0:
        raise IntakeRefused("The file is empty (0 bytes); there is nothing to keep as evidence.")
    if size > limit:
        raise IntakeRefused(
            f"The file is {size / 1024**3:.1f} GiB, over the {limit / 1024**3:.1f} GiB limit."
        )
