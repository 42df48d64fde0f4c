"""Checks on an untrusted file before it is imported: real type, size limit, a safe name.

The raw original is always kept byte for byte; what is checked here only decides what it
is called, what type is recorded and whether it may come in at all. Nothing here imports
Pillow or touches the disk: it works on the first bytes of the content and on the name.

- The type is sniffed from the content (the `filetype` signatures, with two-byte signatures
  such as BMP's "BM" double-checked, then PDF, e-mail, HTML/SVG and text), never taken
  from the name. When the name's extension claims another type, the mismatch is recorded
  ("a .jpg that is a PDF" is kept as a PDF, with a note).
- A name is made safe to display and to suggest on extract: no folders, no control,
  format or bidirectional characters ("gpj.exe" shown as "exe.jpg" with U+202E), no
  reserved Windows device names, at most 200 characters with the extension kept. The
  original name is kept, encrypted, in the item's details.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from safelog.domain.image_block import allowed_in_image_category
from safelog.errors import InvalidInput
from safelog.text import BIDI_CONTROLS

DEFAULT_LIMIT = 2 * 1024**3
SNIFF_BYTES = 8192
MAX_NAME = 200

_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
)


class IntakeRefused(ValueError):
    """A file SafeLog will not take in; the message says why, in plain words."""


class FileTooLarge(IntakeRefused):
    pass


class ImageImportBlocked(InvalidInput):
    """Images (and video) may not be stored for this category (indecent images of children:
    UK law and UKCIS guidance). `guidance` is the category's guidance, to show in full."""

    def __init__(self, message: str, guidance: str) -> None:
        super().__init__(message)
        self.guidance = guidance


# Media types the preview (images.py) decodes, with the Pillow format that must match.
PREVIEWABLE = {
    "image/png": "PNG",
    "image/apng": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
}

_LABELS = {
    "image/png": "PNG image",
    "image/apng": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/bmp": "BMP image",
    "image/tiff": "TIFF image",
    "image/heic": "HEIC image",
    "image/avif": "AVIF image",
    "image/svg+xml": "SVG drawing",
    "application/pdf": "PDF document",
    "message/rfc822": "e-mail message",
    "text/plain": "text",
    "text/html": "web page (HTML)",
    "audio/mpeg": "MP3 audio",
    "audio/mp4": "M4A audio",
    "audio/x-wav": "WAV audio",
    "audio/ogg": "Ogg audio",
    "video/mp4": "MP4 video",
    "video/quicktime": "QuickTime video",
    "video/webm": "WebM video",
    "video/x-matroska": "Matroska video",
    "application/zip": "ZIP archive",
    "application/x-7z-compressed": "7-Zip archive",
    "application/x-rar-compressed": "RAR archive",
    "application/vnd.rar": "RAR archive",
    "application/x-tar": "tar archive",
    "application/gzip": "gzip-compressed file",
    "application/x-bzip2": "bzip2-compressed file",
    "application/x-xz": "xz-compressed file",
    "application/zstd": "Zstandard-compressed file",
    "application/x-lzip": "lzip-compressed file",
    "application/x-lz4": "LZ4-compressed file",
    "application/x-lzop": "lzop-compressed file",
    "application/x-compress": "compress (.Z) file",
    "application/x-brotli": "Brotli-compressed file",
    "application/vnd.ms-cab-compressed": "Windows cabinet archive",
    "application/x-unix-archive": "ar archive",
    "application/x-deb": "Debian package",
    "application/x-rpm": "RPM package",
    "application/x-google-chrome-extension": "Chrome extension",
    "application/octet-stream": "unrecognised data",
}

# Archives and compressed files, by the media type found in their content: they can hold
# pictures and video, so where those are refused, so are these (and no file inside is
# opened to look). Office documents and e-books are zip containers too, but are sniffed as
# documents and stay allowed, like PDFs.
ARCHIVE_TYPES = frozenset(
    {
        "application/zip",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/x-tar",
        "application/gzip",
        "application/x-bzip2",
        "application/x-xz",
        "application/zstd",
        "application/x-lzip",
        "application/x-lz4",
        "application/x-lzop",
        "application/x-compress",
        "application/x-brotli",
        "application/vnd.ms-cab-compressed",
        "application/x-unix-archive",
        "application/x-deb",
        "application/x-rpm",
        "application/x-google-chrome-extension",
    }
)


@dataclass(frozen=True)
class SniffedType:
    media_type: str
    extension: str

    @property
    def kind(self) -> str:
        """image, video, audio, pdf, email, text, empty or other."""
        major = self.media_type.split("/", 1)[0]
        if major in ("image", "video", "audio"):
            return major
        return {
            "application/pdf": "pdf",
            "message/rfc822": "email",
            "text/plain": "text",
            "text/html": "text",
            "application/x-empty": "empty",
        }.get(self.media_type, "other")

    @property
    def label(self) -> str:
        return describe_type(self.media_type)

    @property
    def previewable(self) -> bool:
        return self.media_type in PREVIEWABLE

    @property
    def is_imagery(self) -> bool:
        """Pictures or film: what the indecent-images rule keeps out (UK law treats film
        and video as photographs)."""
        return self.kind in ("image", "video")

    @property
    def is_archive(self) -> bool:
        """An archive or compressed file (ARCHIVE_TYPES), which may hold pictures."""
        return self.media_type in ARCHIVE_TYPES


IMAGERY = "imagery"
ARCHIVE = "archive"
NOT_TEXT = "not-text"  # a PDF, an e-mail, a document or any other file that is not plain text


def kept_out_with_images(sniffed: SniffedType, claimed: str | None) -> str | None:
    """What a category that may involve indecent images of children keeps out of a case
    (domain/image_block.py: plain text notes only), judged by the content: IMAGERY
    (pictures, video), ARCHIVE (a zip or the like, which may hold them), NOT_TEXT (anything
    else that is not plain text: a PDF, an e-mail or a document can carry a picture too),
    or None for a plain text note. When the content is not recognised the name also counts:
    "IMG_0001.JPG" or "photos.zip" full of unrecognised bytes is named as what it claims to
    be (a zip can be read from its end). `claimed` is the type the name claims."""
    if sniffed.is_imagery:
        return IMAGERY
    if sniffed.is_archive:
        return ARCHIVE
    if sniffed.kind in ("other", "empty") and claimed:
        if claimed.startswith(("image/", "video/")):
            return IMAGERY
        if claimed in ARCHIVE_TYPES:
            return ARCHIVE
    if not allowed_in_image_category(sniffed.media_type):
        return NOT_TEXT
    return None


def describe_type(media_type: str) -> str:
    return _LABELS.get(media_type, media_type)


# Types found by a signature of only two bytes, which ordinary text can also start with.
_WEAK_SIGNATURES = frozenset({"image/bmp", "application/x-msdownload", "application/x-compress"})
_BMP_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def sniff(head: bytes) -> SniffedType:
    """The type from the content's first bytes, never from the name."""
    import filetype

    if not head:
        return SniffedType("application/x-empty", "")
    kind = filetype.guess(head)
    if kind is not None and _confirmed(kind.mime, head):
        return SniffedType(kind.mime, kind.extension)
    if b"%PDF-" in head[:1024]:  # the PDF header may follow up to 1 KiB of junk
        return SniffedType("application/pdf", "pdf")
    text = _as_text(head)
    if text is None:
        return SniffedType("application/octet-stream", "")
    if _looks_like_email(text):
        return SniffedType("message/rfc822", "eml")
    markup = text.lstrip("\ufeff \t\r\n").lower()
    if markup.startswith(("<!doctype html", "<html")) or (
        markup.startswith("<") and "<html" in markup[:4096]
    ):
        return SniffedType("text/html", "html")
    if markup.startswith(("<svg", "<?xml")) and "<svg" in markup[:4096]:
        return SniffedType("image/svg+xml", "svg")
    return SniffedType("text/plain", "txt")


def _confirmed(media_type: str, head: bytes) -> bool:
    if media_type not in _WEAK_SIGNATURES:
        return True
    if media_type == "image/bmp":
        return (
            len(head) >= 26
            and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
            and _as_text(head) is None
        )
    return _as_text(head) is None


_HEADER_LINE = re.compile(r"^[!-9;-~]+:")  # RFC 5322 field name, then a colon
_MAIL_FIELDS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "delivered-to",
        "mime-version",
        "reply-to",
        "sender",
        "dkim-signature",
        "x-mailer",
        "content-type",
    }
)


def _looks_like_email(text: str) -> bool:
    """A block of header fields (with folded continuation lines) naming at least two of the
    usual mail fields, one of them From or Received. An mbox "From " line may come first."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].startswith("From "):
        lines = lines[1:]
    names: set[str] = set()
    for line in lines[:200]:
        if not line:
            break
        if line[0] in " \t":
            if not names:
                return False
            continue
        if not _HEADER_LINE.match(line):
            return False
        names.add(line.split(":", 1)[0].lower())
    known = names & _MAIL_FIELDS
    return len(known) >= 2 and bool(known & {"from", "received", "message-id"})


def _as_text(head: bytes) -> str | None:
    """The sample as text when it is UTF-8 (or UTF-16 with a byte-order mark) made of
    printable characters and ordinary white space; otherwise None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head[: len(head) // 2 * 2].decode("utf-16", errors="strict")
        except UnicodeDecodeError:
            return None
    else:
        text = ""
        # A multi-byte character may be cut at the end of the sample.
        for cut in range(4):
            try:
                text = head[: len(head) - cut].decode("utf-8")
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
    text = text.removeprefix("\ufeff")
    return None if _CONTROLS.search(text) else text


# Control characters ordinary text does not hold (NUL, C1 controls and the like): binary
# data decoded as UTF-8 shows them at once. Tab, line breaks, form feed and ESC (terminal
# colours in copied logs) are text; so are no-break spaces and joiners (emoji sequences),
# which str.isprintable() would wrongly count as binary.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffe\uffff]")


def _is_text(head: bytes) -> bool:
    return _as_text(head) is not None


def is_plain_text_note(data: bytes) -> bool:
    """The WHOLE content is a plain text note (see PlainTextCheck)."""
    return PlainTextCheck().feed(data, final=True)


class PlainTextCheck:
    """Is the whole content a plain text note, fed piece by piece in bounded memory: sniffed
    as text/plain from its first piece (so not a PDF, an e-mail, a web page or an SVG
    drawing), then decoding to its last byte as UTF-8 (or UTF-16 with a byte-order mark)
    with no control characters. Sniffing reads only the first bytes, and a note that turns
    to binary after them is not a note."""

    def __init__(self) -> None:
        self._decoder: codecs.IncrementalDecoder | None = None
        self.ok = True

    def feed(self, data: bytes, final: bool = False) -> bool:
        """False as soon as the content is known not to be a plain text note."""
        if not self.ok:
            return False
        try:
            if self._decoder is None:
                if sniff(data[:SNIFF_BYTES]).media_type != "text/plain":
                    self.ok = False
                    return False
                codec = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
                self._decoder = codecs.getincrementaldecoder(codec)("strict")
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError:
            self.ok = False
            return False
        if _CONTROLS.search(text):
            self.ok = False
        return self.ok


# What a name's extension claims, and the detected types that agree with the claim.
_CLAIMS: dict[str, tuple[str, frozenset[str]]] = {}


def _claim(media_type: str, extensions: str, also: frozenset[str] = frozenset()) -> None:
    for ext in extensions.split():
        _CLAIMS[ext] = (media_type, frozenset({media_type}) | also)


_TEXTUAL = frozenset({"text/plain", "text/html", "message/rfc822", "image/svg+xml"})
_claim("image/png", "png", frozenset({"image/apng"}))
_claim("image/apng", "apng", frozenset({"image/png"}))
_claim("image/jpeg", "jpg jpeg jpe jfif")
_claim("image/gif", "gif")
_claim("image/webp", "webp")
_claim("image/bmp", "bmp dib")
_claim("image/tiff", "tif tiff")
_claim("image/heic", "heic heif")
_claim("image/avif", "avif")
_claim("image/svg+xml", "svg", _TEXTUAL)
_claim("application/pdf", "pdf")
_claim("message/rfc822", "eml", _TEXTUAL)
_claim("text/plain", "txt text log csv md", _TEXTUAL)
_claim("text/html", "html htm", _TEXTUAL)
_claim("audio/mpeg", "mp3")
_claim("audio/mp4", "m4a", frozenset({"video/mp4"}))
_claim("audio/x-wav", "wav")
_claim("audio/ogg", "ogg oga opus", frozenset({"video/ogg"}))
_claim("video/mp4", "mp4 m4v", frozenset({"audio/mp4", "video/x-m4v", "video/quicktime"}))
_claim("video/quicktime", "mov qt", frozenset({"video/mp4"}))
_claim("video/webm", "webm", frozenset({"video/x-matroska", "audio/webm"}))
_claim("video/x-matroska", "mkv mka", frozenset({"video/webm"}))
_claim("application/zip", "zip")


def claimed_type(name: str) -> str | None:
    """The media type a name's extension claims, when it is one SafeLog knows."""
    stem, dot, ext = _last_part(name).rpartition(".")
    if not dot or not stem:
        return None
    claim = _CLAIMS.get(ext.strip().lower())
    return claim[0] if claim else None


def type_mismatch(name: str, sniffed: SniffedType) -> str | None:
    """The claimed media type when the name says one thing and the content another."""
    stem, dot, ext = _last_part(name).rpartition(".")
    if not dot or not stem:
        return None
    claim = _CLAIMS.get(ext.strip().lower())
    if claim is None or sniffed.media_type in claim[1]:
        return None
    return claim[0]


def _last_part(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def safe_file_name(name: str) -> str:
    """A name to show and to suggest on extract: no folders, controls or direction tricks."""
    name = unicodedata.normalize("NFC", _last_part(name))
    cleaned = "".join(
        "_" if (unicodedata.category(c).startswith("C") or c in BIDI_CONTROLS) else c for c in name
    )
    cleaned = " ".join(cleaned.split()).strip(" .")  # no runs of spaces hiding an extension
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and stem and 0 < len(ext) <= 10:
            cleaned = stem[: MAX_NAME - len(ext) - 2].rstrip(" .") + "\u2026." + ext
        else:
            cleaned = cleaned[: MAX_NAME - 1].rstrip(" .") + "\u2026"
    if cleaned.split(".", 1)[0].strip().upper() in _WINDOWS_DEVICES:
        cleaned = "_" + cleaned
    return cleaned or "evidence"


def describe_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def too_large_message(limit: int) -> str:
    return (
        f"The file is larger than the {describe_size(limit)} limit for evidence set for this "
        "school, so nothing was kept. Ask your DSL to raise the limit, or keep a shorter "
        "extract of it."
    )


EMPTY_MESSAGE = "The file is empty (0 bytes); there is nothing to keep as evidence."


def check_size(size: int, limit: int = DEFAULT_LIMIT) -> None:
    if size == 0:
        raise IntakeRefused(EMPTY_MESSAGE)
    if size > limit:
        raise FileTooLarge(too_large_message(limit))
