"""What a hearing panel gets: an exported case file's pages, rendered with pdftoppm and read
back with pdftotext. Reference, marking and page numbers on every page; names in Latin,
Polish, Welsh, Arabic and Chinese script; every hash; nothing a user typed acting as markup;
other pupils pseudonymised everywhere in the text when asked; the password option."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from export_support import (
    ARABIC,
    CHINESE,
    HEADER_BLUE,
    LATIN,
    PASSWORD,
    POLISH,
    WELSH,
    Exported,
    build_exported,
    flat,
    pages_text,
    pdftoppm,
    pdftotext,
    readable,
)
from PIL import Image

from safelog.crypto.ca import fingerprint

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    return build_exported(tmp_path_factory.mktemp("casefile"))


def test_every_page_carries_the_reference_marking_and_its_number(exported: Exported) -> None:
    pages = pages_text(exported.files["full"])
    total = len(pages)
    assert total == exported.results["full"].pages >= 6
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, f"page {number}: marking in header+footer"
        assert text.count(exported.reference) >= 2, f"page {number}: reference twice"
        assert f"Page {number} of {total}" in text
        assert "Ravens Wood School" in text


def test_the_cover_says_what_it_is_who_exported_it_and_when(exported: Exported) -> None:
    cover = readable(pages_text(exported.files["full"])[0])
    assert "Safeguarding case file" in cover
    assert f"Case reference {exported.reference}" in cover
    assert "Dana DSL (Designated Safeguarding Lead, Administrator)" in cover
    assert re.search(r"Exported on\s+20 November 2026, \d\d:\d\d GMT \(UK time\)", cover), cover
    # The visible signature, drawn by pyHanko in the box on the cover.
    assert "Digitally signed by Dana DSL" in cover
    assert "Certificate: Ravens Wood School SafeLog CA" in cover
    assert "see the last page" in cover


def test_names_in_every_script_print_and_read_back(exported: Exported) -> None:
    text = readable(pdftotext(exported.files["full"]))
    for name in (LATIN, POLISH, WELSH, CHINESE, "Mrs Wiśniewska"):
        assert name in text, name
    # Arabic is drawn shaped (joined letters, right to left), and the text layer gives the
    # letters typed, so searching for the name finds it without any normalising.
    assert ARABIC in text
    raw = pdftotext(exported.files["full"])
    assert ARABIC in raw
    assert not [c for c in raw if 0xFB50 <= ord(c) <= 0xFEFF], "presentation forms in the text"


def test_arabic_is_shaped_into_joined_forms_in_visual_order() -> None:
    """What is drawn, left to right: the letters' contextual (joined) forms, in reverse of
    the order typed, so the name reads right to left; folded back, they are the name."""
    import unicodedata

    from safelog.export.fonts import markup, shape_rtl

    drawn = shape_rtl(ARABIC.replace(" ", "\u00a0"))
    assert all(0xFE70 <= ord(c) <= 0xFEFF for c in drawn if c != "\u00a0"), drawn
    assert unicodedata.normalize("NFKC", drawn)[::-1] == ARABIC
    assert markup(f"Seen by {ARABIC}.").startswith("Seen by " + drawn)


def test_every_evidence_hash_is_printed_in_full(exported: Exported) -> None:
    text = re.sub(r"\s+", "", pdftotext(exported.files["full"]))
    assert exported.evidence
    for name, digest in exported.evidence.items():
        assert digest in text, f"the SHA-256 of {name} is not printed"


def test_what_people_typed_is_text_never_markup(exported: Exported) -> None:
    text = flat(pdftotext(exported.files["full"]))
    assert "Comments under a Year 8 pupil's video <b>not bold</b> & co" in text
    assert "lang=en&x=<script>" in text


def test_sections_are_all_there(exported: Exported) -> None:
    text = flat(pdftotext(exported.files["full"]))
    for heading in (
        "Summary",
        "People and their roles in this case",
        "Chronology",
        "Escalations",
        "Decisions and the reasons for them",
        "Outcome",
        "Evidence index",
        "Evidence images",
        "Record history and audit extract",
        "How to check this file",
    ):
        assert heading in text, heading
    assert "Platform report id: TT-55812" in text
    assert "Reason: Three separate comments; the first incident recorded for him" in text
    assert "Resolved in school" in text
    assert "Case recorded" in text and "Evidence read for a case file" in text


def test_the_last_page_tells_the_reader_how_to_check_it(exported: Exported) -> None:
    last = flat(pages_text(exported.files["full"])[-1])
    assert "How to check this file" in last
    assert "safelog verify FILE.pdf --ca CA.pem" in last
    assert "Use this certificate as a trusted root" in last
    assert "sha256sum" in last and "certutil -hashfile" in last
    certificate = x509.load_pem_x509_certificate(exported.ca_pem.read_bytes())
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert fingerprint(der) in re.sub(r"\s+", "", last)


def test_a_damaged_image_is_named_not_drawn_and_its_original_kept(exported: Exported) -> None:
    text = flat(pdftotext(exported.files["full"]))
    assert "broken.png" in text
    assert "This image could not be shown: it could not be read as an image." in text
    assert "The original is attached." in text
    assert re.search(r"Attached as: \d\d-broken\.png", text)


def test_a_tall_screenshot_is_drawn_in_parts_at_a_readable_width(exported: Exported) -> None:
    from safelog.export.casefile import FRAME_W, image_parts

    width, _, parts = image_parts(480, 3000)
    assert parts > 1 and width >= 0.5 * FRAME_W
    text = flat(pdftotext(exported.files["full"]))
    for part in range(1, parts + 1):
        assert f"Part {part} of {parts} (a tall image, drawn across pages)" in text
    assert text.count("continued: scrolled-chat.png") == parts - 1


def test_pages_render_with_the_marking_and_the_screenshots(
    exported: Exported, tmp_path: Path
) -> None:
    pngs = pdftoppm(exported.files["full"], tmp_path, dpi=40)
    assert len(pngs) == exported.results["full"].pages
    red = (164, 0, 29)
    for png in pngs:
        with Image.open(png) as page:
            rgb = page.convert("RGB")
            width, height = rgb.size
            top = rgb.crop((0, 0, width, height // 10))
            bottom = rgb.crop((0, height - height // 10, width, height))
            for band in (top, bottom):
                assert any(
                    sum(abs(a - b) for a, b in zip(pixel, red, strict=True)) < 90
                    for _, pixel in band.getcolors(1 << 20) or []
                ), f"{png.name}: no red marking in the header/footer band"
    # The screenshots are drawn: their blue title bar shows on the image pages.
    blue_pages = 0
    for png in pngs:
        with Image.open(png) as page:
            colours = page.convert("RGB").getcolors(1 << 20) or []
        if any(
            count > 200 and sum(abs(a - b) for a, b in zip(pixel, HEADER_BLUE, strict=True)) < 30
            for count, pixel in colours
        ):
            blue_pages += 1
    assert blue_pages >= 1


def test_without_images_or_originals(exported: Exported) -> None:
    bare = exported.files["bare"]
    text = flat(pdftotext(bare))
    assert "Evidence images" not in text
    assert "originals were not attached to this export" in text
    assert exported.results["bare"].attachments == 0
    listing = subprocess.run(
        ["pdfdetach", "-list", str(bare)], capture_output=True, text=True, check=False
    )
    if listing.returncode == 0:  # pdfdetach ships with poppler-utils
        assert "safelog-manifest.json" in listing.stdout
        assert "screenshot" not in listing.stdout
    assert exported.results["bare"].size < exported.results["full"].size


def test_pseudonymised_pupils_are_replaced_everywhere_in_the_text(exported: Exported) -> None:
    text = flat(pdftotext(exported.files["pseudonymised"]))
    for name in (LATIN, WELSH, CHINESE, ARABIC):
        assert name not in text, f"{name} still appears"
    assert POLISH in text, "the victim keeps her name"
    assert "Mrs Wiśniewska" in text, "a parent is not a pupil"
    for alias in ("Pupil A", "Pupil B", "Pupil C", "Pupil D"):
        assert alias in text
    # The same pupil is the same letter everywhere: Ben is A (first listed other pupil).
    assert "Pupil A to meet the head of year" in text
    assert "Pupil A's parents telephoned; Pupil B gave a note." in text
    assert "Screenshot 1, comments by Pupil A" in text
    assert "Images and attached originals are not altered" in text


def test_a_password_protected_file_opens_only_with_the_password(exported: Exported) -> None:
    locked = exported.files["password"]
    refused = subprocess.run(
        ["pdftotext", str(locked), "-"], capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0
    assert "password" in refused.stderr.lower()
    assert exported.reference not in refused.stdout
    wrong = subprocess.run(
        ["pdftotext", "-upw", "not it", str(locked), "-"], capture_output=True, check=False
    )
    assert wrong.returncode != 0
    text = flat(pdftotext(locked, password=PASSWORD))
    assert exported.reference in text and POLISH in text
    assert "Opened with a password (AES-256)" in text
    # The body is really encrypted: no page text in the clear in the file's bytes.
    raw = locked.read_bytes()
    assert b"/Encrypt" in raw
    assert b"/V 5" in raw or b"/V5" in raw or re.search(rb"/V\s*5", raw)
    assert POLISH.encode() not in raw and b"Safeguarding case file" not in raw
