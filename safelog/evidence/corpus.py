"""A generated corpus of hostile and ordinary evidence files, with the outcome SafeLog
promises for each: for the tests of every intake route (the vault API, the command line,
the desktop app's paste, drag and drop and picker).

Nothing is read from disk: every file is made here, from bytes or with Pillow (imported
only when an image is made). `CORPUS` is the table:

- outcome "accepted": stored, with `media_type` and `preview`;
- outcome "accepted-flagged": stored byte for byte, but marked: its image could not be
  shown (`preview` "unreadable") and/or its name lies about its type (`claimed`);
- outcome "refused": nothing stored; the message contains `message`.

`display` is the name SafeLog shows (the original is kept, encrypted). `on_disk` says
whether the name can be a file name on POSIX (a "/" cannot), for the command-line route.
"""

from __future__ import annotations

import functools
import io
import math
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image as PILImage

BOMB_SIDE = 50_000


@dataclass(frozen=True)
class Hostile:
    key: str
    name: str
    make: Callable[[], bytes]
    outcome: str  # accepted, accepted-flagged or refused
    media_type: str = ""
    preview: str = ""  # thumbnail, unreadable, too-large or none
    claimed: str = ""  # the type the name claims, when it is not the content's
    display: str = ""  # the safe name shown
    message: str = ""  # words the refusal must contain
    on_disk: bool = True

    @property
    def data(self) -> bytes:
        return self.make()


# --------------------------------------------------------------------------------------
# Makers.
# --------------------------------------------------------------------------------------


def screenshot(width: int = 640, height: int = 400, seed: int = 1) -> PILImage.Image:
    """A PIL image that looks like a screenshot of a chat: bars, text-like strokes, an
    avatar gradient and some noise (not flat colour, so it compresses like the real thing)."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)  # noqa: S311 - test pictures, not secrets
    image = Image.new("RGB", (width, height), (246, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, max(8, height // 14)), fill=(40, 90, 160))
    line = max(10, height // 40)
    for y in range(height // 10, height - line, line + 4):
        x = 8 + rnd.randint(0, width // 8)
        bubble = rnd.choice([(255, 255, 255), (220, 240, 255)])
        end = min(width - 8, x + rnd.randint(width // 6, width // 2))
        draw.rectangle((x - 4, y - 2, end + 4, y + line), fill=bubble)
        while x < end:
            word = rnd.randint(4, 14) * max(2, line // 5)
            shade = rnd.randint(20, 90)
            draw.rectangle((x, y + 2, min(end, x + word), y + line - 3), fill=(shade,) * 3)
            x += word + max(3, line // 3)
    size = max(16, min(width, height) // 6)
    avatar = Image.linear_gradient("L").resize((size, size)).convert("RGB")
    image.paste(avatar, (width - size - 10, height // 10))
    band = (width, max(1, height // 4))
    noise = Image.frombytes("L", band, rnd.randbytes(band[0] * band[1])).convert("RGB")
    image.paste(Image.blend(image.crop((0, 0, *band)), noise, 0.08), (0, 0))
    return image


def _encode(fmt: str, mode: str = "RGB", frames: int = 1, **options: object) -> bytes:
    image = screenshot()
    out = io.BytesIO()
    picture = image.convert(mode)
    if frames > 1:
        more = [screenshot(seed=i).convert(mode) for i in range(2, frames + 1)]
        picture.save(out, fmt, save_all=True, append_images=more, **options)
    else:
        picture.save(out, fmt, **options)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def png() -> bytes:
    return _encode("PNG")


@functools.lru_cache(maxsize=1)
def jpeg() -> bytes:
    return _encode("JPEG", quality=85)


@functools.lru_cache(maxsize=1)
def gif() -> bytes:
    return _encode("GIF", "P", frames=2, duration=200, loop=0)


@functools.lru_cache(maxsize=1)
def webp() -> bytes:
    return _encode("WEBP", quality=80)


@functools.lru_cache(maxsize=1)
def bmp() -> bytes:
    return _encode("BMP")


@functools.lru_cache(maxsize=1)
def tiff() -> bytes:
    return _encode("TIFF", compression="tiff_lzw")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def blank_png(width: int, height: int, bit_depth: int = 1) -> bytes:
    """A valid grey PNG of zeros, compressed as it is made (little memory at any size)."""
    row = 1 + math.ceil(width * bit_depth / 8)  # filter byte + the pixels
    packer = zlib.compressobj(9)
    zeros = bytes(1024 * 1024)
    remaining = row * height
    parts = []
    while remaining > 0:
        take = min(remaining, len(zeros))
        parts.append(packer.compress(zeros[:take]))
        remaining -= take
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


@functools.lru_cache(maxsize=1)
def png_bomb() -> bytes:
    """A valid 50,000 x 50,000 PNG (2.5 billion pixels) of about 300 KB."""
    return blank_png(BOMB_SIDE, BOMB_SIDE)


def truncated_jpeg() -> bytes:
    data = jpeg()
    return data[: len(data) * 2 // 5]


def corrupt_png() -> bytes:
    """A PNG whose image data was overwritten in the middle (its checksums then fail)."""
    data = bytearray(png())
    start = data.index(b"IDAT") + 4
    middle = start + (len(data) - start) // 2
    data[middle : middle + 64] = bytes(range(64))
    return bytes(data)


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def html() -> bytes:
    return (
        b"<!DOCTYPE html>\n<html><head><title>x</title></head>"
        b"<body><script>alert(1)</script><img src=x onerror=alert(2)></body></html>\n"
    )


def text() -> bytes:
    return b"Chat log, 20 Nov 2026\n19:02 A: you're so fake\n19:03 B: nobody likes you\n"


def bmw_text() -> bytes:
    """Plain text that happens to start with "BM", BMP's two-byte signature."""
    return b"BMW service notes: the car was collected at 16:00.\nNothing else to report.\n"


def eml() -> bytes:
    return (
        b"Return-Path: <someone@example.invalid>\r\n"
        b"Received: from mail.example.invalid by mx.example.invalid;\r\n"
        b" Fri, 20 Nov 2026 09:00:00 +0000\r\n"
        b"From: Someone <someone@example.invalid>\r\n"
        b"To: Teacher <teacher@school.invalid>\r\n"
        b"Subject: You will regret it\r\n"
        b"Date: Fri, 20 Nov 2026 09:00:00 +0000\r\n"
        b"Message-ID: <1@example.invalid>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"Watch your back.\r\n"
    )


def wav() -> bytes:
    """A quarter of a second of a 440 Hz tone, 8 kHz mono, 16-bit."""
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                for i in range(2000)
            )
        )
    return out.getvalue()


def mp4() -> bytes:
    """The start of an MP4 file: its ftyp box, then an empty media box (not playable)."""
    return (
        struct.pack(">I", 24)
        + b"ftypmp42"
        + b"\x00\x00\x00\x00"
        + b"mp42isom"
        + struct.pack(">I", 8)
        + b"mdat"
        + bytes(512)
    )


def ogg() -> bytes:
    return b"OggS\x00\x02" + bytes(20) + b"\x01\x1e\x01vorbis" + bytes(64)


def random_bytes() -> bytes:
    return random.Random(7).randbytes(4096)  # noqa: S311 - reproducible junk


# Archives holding a picture: what the indecent-images rule refuses like the picture itself.


def zip_of_picture() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("IMG_0001.jpg", jpeg())
    return out.getvalue()


def tar_of_picture() -> bytes:
    import tarfile

    out = io.BytesIO()
    picture = jpeg()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        member = tarfile.TarInfo("IMG_0001.jpg")
        member.size = len(picture)
        archive.addfile(member, io.BytesIO(picture))
    return out.getvalue()


def gzip_of_picture() -> bytes:
    import gzip

    return gzip.compress(jpeg(), mtime=0)


def tar_gz_of_picture() -> bytes:
    import gzip

    return gzip.compress(tar_of_picture(), mtime=0)


def bzip2_of_picture() -> bytes:
    import bz2

    return bz2.compress(jpeg())


def xz_of_picture() -> bytes:
    import lzma

    return lzma.compress(jpeg())


def seven_zip() -> bytes:
    """The signature header of a 7-Zip archive, then bytes (Python cannot write 7z)."""
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24) + random_bytes()


def rar() -> bytes:
    """The signature of a RAR 5 archive, then bytes (Python cannot write RAR)."""
    return b"Rar!\x1a\x07\x01\x00" + random_bytes()


def zstd_of_picture() -> bytes:
    """A Zstandard frame's magic number, then bytes (Python 3.11 cannot write zstd)."""
    return b"\x28\xb5\x2f\xfd" + random_bytes()


ARCHIVES: dict[str, Callable[[], bytes]] = {
    "zip": zip_of_picture,
    "7z": seven_zip,
    "rar": rar,
    "tar": tar_of_picture,
    "gzip": gzip_of_picture,
    "tar.gz": tar_gz_of_picture,
    "bzip2": bzip2_of_picture,
    "xz": xz_of_picture,
    "zstd": zstd_of_picture,
}


def docx() -> bytes:
    """A (minimal) Word document: a zip container, but a document, not an archive."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as document:
        document.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        document.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return out.getvalue()


LONG_STEM = "a" * 250

CORPUS: tuple[Hostile, ...] = (
    # Every image type SafeLog previews.
    Hostile("png", "chat.png", png, "accepted", "image/png", "thumbnail", display="chat.png"),
    Hostile("jpeg", "photo.jpg", jpeg, "accepted", "image/jpeg", "thumbnail", display="photo.jpg"),
    Hostile("gif", "anim.gif", gif, "accepted", "image/gif", "thumbnail", display="anim.gif"),
    Hostile("webp", "post.webp", webp, "accepted", "image/webp", "thumbnail", display="post.webp"),
    Hostile("bmp", "paint.bmp", bmp, "accepted", "image/bmp", "thumbnail", display="paint.bmp"),
    Hostile("tiff", "scan.tif", tiff, "accepted", "image/tiff", "thumbnail", display="scan.tif"),
    # Other kinds: stored, hashed, extractable, not previewed.
    Hostile("text", "log.txt", text, "accepted", "text/plain", "none", display="log.txt"),
    Hostile("eml", "threat.eml", eml, "accepted", "message/rfc822", "none", display="threat.eml"),
    Hostile(
        "wav", "voicemail.wav", wav, "accepted", "audio/x-wav", "none", display="voicemail.wav"
    ),
    Hostile("ogg", "voice.ogg", ogg, "accepted", "audio/ogg", "none", display="voice.ogg"),
    Hostile("mp4", "clip.mp4", mp4, "accepted", "video/mp4", "none", display="clip.mp4"),
    Hostile("pdf", "letter.pdf", pdf, "accepted", "application/pdf", "none", display="letter.pdf"),
    # Hostile images.
    Hostile(
        "png-bomb",
        "bomb.png",
        png_bomb,
        "refused",
        message="far larger than any real screenshot",
    ),
    Hostile(
        "truncated-jpeg",
        "cut.jpg",
        truncated_jpeg,
        "accepted-flagged",
        "image/jpeg",
        "unreadable",
        display="cut.jpg",
    ),
    Hostile(
        "corrupt-png",
        "broken.png",
        corrupt_png,
        "accepted-flagged",
        "image/png",
        "unreadable",
        display="broken.png",
    ),
    Hostile("empty", "empty.png", lambda: b"", "refused", message="empty"),
    # Files that lie about their type.
    Hostile(
        "pdf-named-jpg",
        "holiday.jpg",
        pdf,
        "accepted-flagged",
        "application/pdf",
        "none",
        claimed="image/jpeg",
        display="holiday.jpg",
    ),
    Hostile(
        "html-named-png",
        "cute.png",
        html,
        "accepted-flagged",
        "text/html",
        "none",
        claimed="image/png",
        display="cute.png",
    ),
    Hostile(
        "jpeg-named-png",
        "screen.png",
        jpeg,
        "accepted-flagged",
        "image/jpeg",
        "thumbnail",
        claimed="image/png",
        display="screen.png",
    ),
    Hostile(
        "text-starting-bm",
        "car.bmp",
        bmw_text,
        "accepted-flagged",
        "text/plain",
        "none",
        claimed="image/bmp",
        display="car.bmp",
    ),
    Hostile(
        "random-named-jpg",
        "noise.jpg",
        random_bytes,
        "accepted-flagged",
        "application/octet-stream",
        "none",
        claimed="image/jpeg",
        display="noise.jpg",
    ),
    # Names.
    Hostile(
        "name-slashes",
        "../../etc/cron.d/evil.png",
        png,
        "accepted",
        "image/png",
        "thumbnail",
        display="evil.png",
        on_disk=False,
    ),
    Hostile(
        "name-backslashes",
        "..\\..\\Windows\\System32\\shot.png",
        png,
        "accepted",
        "image/png",
        "thumbnail",
        display="shot.png",
    ),
    Hostile(
        "name-dotdot",
        "..",
        text,
        "accepted",
        "text/plain",
        "none",
        display="evidence",
        on_disk=False,
    ),
    Hostile(
        "name-rlo",
        "invoice\u202egnp.exe",
        png,
        "accepted",
        "image/png",
        "thumbnail",
        display="invoice_gnp.exe",
    ),
    Hostile(
        "name-controls",
        "chat\nlog\t\x07\x1b[31m.txt",
        text,
        "accepted",
        "text/plain",
        "none",
        display="chat_log___[31m.txt",
    ),
    Hostile(
        "name-long",
        LONG_STEM + ".txt",
        text,
        "accepted",
        "text/plain",
        "none",
        display="a" * 195 + "\u2026.txt",
    ),
    Hostile(
        "name-device",
        "CON.txt",
        text,
        "accepted",
        "text/plain",
        "none",
        display="_CON.txt",
    ),
)

BY_KEY = {h.key: h for h in CORPUS}
