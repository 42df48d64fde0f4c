"""Intake checks without a vault: type sniffing, names, sizes, images decoded in memory."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from safelog.evidence import corpus
from safelog.evidence.images import (
    MAX_IMAGE_PIXELS,
    PREVIEW_NONE,
    PREVIEW_THUMBNAIL,
    PREVIEW_UNREADABLE,
    THUMBNAIL_SIZE,
    ImageBomb,
    check_image,
    make_thumbnail,
    open_image,
)
from safelog.evidence.intake import (
    FileTooLarge,
    IntakeRefused,
    check_size,
    claimed_type,
    describe_size,
    safe_file_name,
    sniff,
    type_mismatch,
)


@pytest.mark.parametrize(
    "item", [h for h in corpus.CORPUS if h.outcome != "refused"], ids=lambda h: h.key
)
def test_sniffing_and_naming_match_the_corpus_table(item: corpus.Hostile) -> None:
    """(Refused files are refused before their type matters: see the vault and CLI tests.)"""
    data = item.data
    sniffed = sniff(data[:8192])
    assert sniffed.media_type == item.media_type
    assert (type_mismatch(item.name, sniffed) or "") == item.claimed
    assert safe_file_name(item.name) == item.display
    assert make_thumbnail(data, sniffed.media_type).status == item.preview


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"garbage before the header\n%PDF-1.4\n", "application/pdf"),
        (b"\xef\xbb\xbfplain text with a BOM\n", "text/plain"),
        ("UTF-16 text\r\n".encode("utf-16"), "text/plain"),
        (b"  \n<html><body>hi</body></html>", "text/html"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b"BM" + bytes(40), "application/octet-stream"),  # "BM" and no valid DIB header
        (b"MZ is how my notes start\n", "text/plain"),  # not a Windows program
        (b"From: a@b.invalid\nSubject: hi\n\nbody", "message/rfc822"),
        (b"Note: this is not an email\nTo do: nothing\n", "text/plain"),
        (b"\x00\x01\x02\x03binary", "application/octet-stream"),
        (b"", "application/x-empty"),
    ],
)
def test_sniff_edge_cases(head: bytes, media_type: str) -> None:
    assert sniff(head).media_type == media_type


def test_a_text_cut_inside_a_multibyte_character_is_still_text() -> None:
    head = ("é" * 5000).encode("utf-8")[:8191]  # ends in half a character
    assert sniff(head).media_type == "text/plain"


@pytest.mark.parametrize(
    ("name", "claimed"),
    [("a.JPG", "image/jpeg"), ("a.tar.gz", None), ("noext", None), (".png", None)],
)
def test_claimed_type_from_the_name(name: str, claimed: str | None) -> None:
    assert claimed_type(name) == claimed


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("report.pdf", "report.pdf"),
        ("/tmp/x/../y/z.png", "z.png"),
        ("C:\\Users\\me\\Desktop\\shot.png", "shot.png"),
        ("...", "evidence"),
        ("", "evidence"),
        ("photo\u202egpj.exe", "photo_gpj.exe"),
        ("zero\u200bwidth.txt", "zero_width.txt"),
        ("spaces      hiding.exe", "spaces hiding.exe"),
        ("nul", "_nul"),
        ("LPT1.log", "_LPT1.log"),
        ("cafe\u0301.txt", "caf\u00e9.txt"),  # NFC
        ("x" * 400, "x" * 199 + "\u2026"),
    ],
)
def test_safe_file_name(name: str, shown: str) -> None:
    assert safe_file_name(name) == shown
    assert len(safe_file_name(name)) <= 200


def test_check_size() -> None:
    with pytest.raises(IntakeRefused, match="empty"):
        check_size(0)
    with pytest.raises(FileTooLarge, match="2 GB limit"):
        check_size(2 * 1024**3 + 1)
    check_size(2 * 1024**3)
    assert describe_size(1536) == "1.5 KB"
    assert describe_size(10) == "10 bytes"


def test_thumbnail_is_a_small_png_made_in_memory() -> None:
    picture = corpus.screenshot(1920, 1080)
    out = io.BytesIO()
    picture.save(out, "PNG")
    preview = make_thumbnail(out.getvalue(), "image/png")
    assert preview.status == PREVIEW_THUMBNAIL
    assert (preview.width, preview.height) == (1920, 1080)
    assert preview.thumbnail is not None
    thumb = Image.open(io.BytesIO(preview.thumbnail))
    assert thumb.format == "PNG"
    assert max(thumb.size) == THUMBNAIL_SIZE
    assert thumb.size == (320, 180)
    assert not thumb.info.get("exif") and not thumb.text  # nothing carried over


@pytest.mark.parametrize("mode", ["RGBA", "P", "L", "LA", "CMYK", "I;16", "1"])
def test_thumbnails_of_every_mode(mode: str) -> None:
    picture = corpus.screenshot(200, 100).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        picture = Image.new("I;16", (200, 100), 40000)
    out = io.BytesIO()
    picture.save(out, "TIFF" if mode == "CMYK" else "PNG")
    media = "image/tiff" if mode == "CMYK" else "image/png"
    preview = make_thumbnail(out.getvalue(), media)
    assert preview.status == PREVIEW_THUMBNAIL, mode
    assert Image.open(io.BytesIO(preview.thumbnail or b"")).mode in ("RGB", "RGBA", "L", "LA")


def test_a_bomb_is_refused_from_its_header() -> None:
    bomb = corpus.png_bomb()
    assert len(bomb) < 1024 * 1024  # small on disk...
    with pytest.raises(ImageBomb, match="far larger than any real screenshot"):
        check_image(bomb, "image/png")  # ...2.5 billion pixels declared
    with pytest.raises(ImageBomb):
        make_thumbnail(bomb, "image/png")
    with pytest.raises(ImageBomb):
        open_image(bomb, "image/png")


def test_just_over_the_pixel_limit_is_refused_and_at_it_accepted() -> None:
    def header_only_png(width: int, height: int) -> bytes:
        chunk = corpus._png_chunk
        import struct

        ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")

    side = int(MAX_IMAGE_PIXELS**0.5)
    assert check_image(header_only_png(side, side), "image/png") == (side, side)
    with pytest.raises(ImageBomb, match="80,000,000"):
        check_image(header_only_png(side + 1, side + 1), "image/png")
    # Within the limit but with no pixel data: kept, not shown.
    assert make_thumbnail(header_only_png(10, 10), "image/png").status == PREVIEW_UNREADABLE


def test_only_the_expected_decoder_runs() -> None:
    """A JPEG handed in as "PNG" is not decoded by another plug-in behind our back."""
    assert check_image(corpus.jpeg(), "image/png") is None
    assert make_thumbnail(corpus.jpeg(), "image/png").status == PREVIEW_UNREADABLE
    assert make_thumbnail(corpus.pdf(), "application/pdf").status == PREVIEW_NONE


BOMB_CHILD = textwrap.dedent(
    """
    import io, time
    from PIL import Image
    from safelog.evidence import corpus
    from safelog.evidence.images import ImageBomb, make_thumbnail

    def peak_kib():  # this process's peak resident memory (reset by exec, unlike ru_maxrss)
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])

    bomb = corpus.png_bomb()
    before = peak_kib()
    start = time.perf_counter()
    try:
        make_thumbnail(bomb, "image/png")
        print("accepted")
    except ImageBomb:
        print("refused", time.perf_counter() - start, peak_kib() - before)
    # The control: the same measurement sees a real 81-megabyte decode.
    control = corpus.blank_png(9000, 9000, 8)
    before = peak_kib()
    Image.open(io.BytesIO(control)).load()
    print(peak_kib() - before)
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_the_bomb_is_refused_quickly_without_allocating_it() -> None:
    """Measured in a fresh process: decoding 50,000 x 50,000 one-bit pixels would take
    2.5 GB in Pillow; the refusal must not grow the process by more than a few MiB."""
    done = subprocess.run(
        [sys.executable, "-c", BOMB_CHILD], capture_output=True, text=True, timeout=120, check=True
    )
    word, seconds, grown_kib, control_kib = done.stdout.split()
    assert word == "refused"
    assert int(control_kib) > 60 * 1024, "the measurement would not see a decode"
    assert float(seconds) < 2.0, seconds
    assert int(grown_kib) < 16 * 1024, f"grew by {int(grown_kib) // 1024} MiB"


def test_open_image_for_the_viewer() -> None:
    image = open_image(corpus.gif(), "image/gif")
    assert image.size == (640, 400) and image.mode in ("RGB", "RGBA")
    with pytest.raises(IntakeRefused, match="could not be shown"):
        open_image(corpus.truncated_jpeg(), "image/jpeg")


# -- what the indecent-images rule keeps out -------------------------------------------------


@pytest.mark.parametrize("kind", corpus.ARCHIVES)
def test_an_archive_is_kept_out_by_its_content_whatever_its_name(kind: str) -> None:
    from safelog.evidence.intake import ARCHIVE, SNIFF_BYTES, kept_out_with_images

    sniffed = sniff(corpus.ARCHIVES[kind]()[:SNIFF_BYTES])
    assert sniffed.is_archive and not sniffed.is_imagery
    assert "archive" in sniffed.label or "compressed" in sniffed.label
    for name in ("photos.zip", "homework.txt", "letter.pdf", "IMG_0001.jpg", "no extension"):
        # As the vault asks (the claim only when it disagrees) and as the app asks.
        assert kept_out_with_images(sniffed, type_mismatch(name, sniffed)) == ARCHIVE, name
        assert kept_out_with_images(sniffed, claimed_type(name)) == ARCHIVE, name


def test_image_categories_keep_plain_text_notes_only_judged_by_content() -> None:
    """002 7.2.4: a PDF, an e-mail, a document or a sound file can hold a picture as well
    as a photograph can, so a category that blocks images keeps plain text notes only."""
    from safelog.evidence.intake import ARCHIVE, IMAGERY, NOT_TEXT, kept_out_with_images

    def judged(data: bytes, name: str) -> str | None:
        return kept_out_with_images(sniff(data), claimed_type(name))

    assert judged(corpus.jpeg(), "notes.txt") == IMAGERY
    assert judged(corpus.mp4(), "clip.mp4") == IMAGERY
    assert judged(corpus.random_bytes(), "IMG_0001.JPG") == IMAGERY  # by name: unrecognised
    assert judged(corpus.random_bytes(), "photos.zip") == ARCHIVE  # by name: unrecognised
    for data, name in (
        (corpus.pdf(), "letter.pdf"),
        (corpus.pdf(), "notes.txt"),  # recognised content wins over the name
        (corpus.pdf(), "photos.zip"),
        (corpus.eml(), "threat.eml"),
        (corpus.eml(), "threat.txt"),
        (corpus.wav(), "voicemail.wav"),
        (corpus.docx(), "statement.docx"),  # a zip container, but a document
        (corpus.random_bytes(), "data.bin"),
        (corpus.random_bytes(), "data.txt"),
    ):
        assert judged(data, name) == NOT_TEXT, name
    assert judged(corpus.text(), "messages.txt") is None
    assert judged(corpus.text(), "IMG_0001.JPG") is None  # the content is a text note
