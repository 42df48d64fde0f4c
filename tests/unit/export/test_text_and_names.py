"""Pure pieces of the case file: escaping and script runs (fonts.markup), pseudonymising other
pupils, UK dates, and the layout surviving what people really type and attach (very long
text, a decompression bomb, a damaged image), checked on the rendered text."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import unicodedata
from pathlib import Path

import pytest
from export_support import (
    ARABIC,
    CHINESE,
    LATIN,
    POLISH,
    WELSH,
    bomb_png,
    flat,
    needs_tools,
    pdftotext,
    screenshot,
)

from safelog.export import fonts
from safelog.export.casefile import (
    CaseFileData,
    EvidenceEntry,
    image_parts,
    probe_image,
    render_case_file,
    uk_date,
    uk_datetime,
)
from safelog.export.options import ExportOptions
from safelog.export.redact import Pseudonymiser, letters

PEOPLE = [
    {"name": POLISH, "kind": "pupil", "role": "victim"},
    {"name": LATIN, "kind": "pupil", "role": "alleged-perpetrator"},
    {"name": WELSH, "kind": "pupil", "role": "witness"},
    {"name": "Mr Smith", "kind": "staff", "role": "reporter"},
    {"name": "ben pupil", "kind": "pupil", "role": "witness"},  # the same pupil, listed twice
]


# -- markup -------------------------------------------------------------------------------------


def test_user_text_cannot_become_markup() -> None:
    fonts.register_fonts()
    out = fonts.markup('<b>bold</b> & <font name="x">x</font> <br/> &amp;')
    assert "<b>" not in out and "<font" not in out and "<br/>" not in out
    assert out == (
        '&lt;b&gt;bold&lt;/b&gt; &amp; &lt;font name="x"&gt;x&lt;/font&gt; &lt;br/&gt; &amp;amp;'
    )


def test_line_breaks_are_kept_and_controls_dropped() -> None:
    assert fonts.markup("one\ntwo\r\nthree") == "one<br/>two<br/>three"
    # Bidi overrides could make "gpj.exe" display as "exe.jpg": they are removed.
    assert fonts.markup("photo\u202egpj.exe") == "photogpj.exe"
    assert fonts.markup("bell\x07") == "bell"


def test_latin_polish_and_welsh_stay_in_the_main_font() -> None:
    for name in (LATIN, POLISH, WELSH):
        assert fonts.markup(name) == name


def test_chinese_switches_to_the_cjk_font_for_its_run_only() -> None:
    out = fonts.markup(f"Seen by {CHINESE}.")
    assert out == f'Seen by <font name="{fonts.CJK}">{CHINESE}</font>.'


def test_arabic_runs_are_shaped_and_kept_together() -> None:
    out = fonts.markup(f"{ARABIC} (witness)")
    shaped, rest = out.split(" (", 1)
    assert rest == "witness)"
    assert " " not in shaped and "\u00a0" in shaped  # one unbreakable run
    assert unicodedata.normalize("NFKC", shaped)[::-1] == ARABIC  # NFKC: no-break space → space
    # Lam + alef must become the single lam-alef ligature.
    assert fonts.shape_rtl("لا") == "\ufefb"


def test_presentation_forms_stand_for_their_letters_in_the_text_layer() -> None:
    assert fonts.logical_letters(0xFEDF) == "\u0644"  # lam, initial form: lam
    assert fonts.logical_letters(0xFEFB) == "\u0627\u0644"  # lam-alef, drawn in visual order
    assert fonts.logical_letters(ord("A")) == "A" and fonts.logical_letters(0x0644) == "\u0644"
    cmap = "2 beginbfchar\n<00> <0041>\n<01> <FEDF>\n<02> <FEFB>\nendbfchar"
    assert fonts.logical_cmap(cmap) == (
        "2 beginbfchar\n<00> <0041>\n<01> <0644>\n<02> <06270644>\nendbfchar"
    )


def test_arabic_reads_back_as_typed_from_the_text_layer(tmp_path: Path) -> None:
    """Searching a case file for an Arabic name finds it: the text layer gives the letters
    typed, in reading order, not presentation forms (pdftotext, no normalising)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    needs_tools()
    fonts.register_fonts()
    out = tmp_path / "arabic.pdf"
    style = ParagraphStyle("arabic", fontName=fonts.SANS, fontSize=12)
    SimpleDocTemplate(str(out)).build([Paragraph(fonts.markup(f"{ARABIC} said لا سلام"), style)])
    text = pdftotext(out)
    assert ARABIC in text and "لا سلام" in text
    assert not [c for c in text if 0xFB50 <= ord(c) <= 0xFEFF]


def test_a_long_right_to_left_paragraph_is_broken_into_lines() -> None:
    text = " ".join([ARABIC] * 20)
    lines = fonts.markup(text).split("<br/>")
    assert len(lines) > 1
    assert all(len(line) <= fonts.RTL_CHUNK for line in lines)


# -- pseudonymising ----------------------------------------------------------------------------


def test_letters() -> None:
    assert [letters(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA",
    ]  # fmt: skip


def test_other_pupils_become_pupil_a_b_and_the_victim_keeps_her_name() -> None:
    names = Pseudonymiser(PEOPLE, enabled=True)
    assert names.name(POLISH) == POLISH
    assert names.name(LATIN) == "Pupil A"
    assert names.name("BEN  PUPIL") == "Pupil A"
    assert names.name(WELSH) == "Pupil B"
    assert names.name("Mr Smith") == "Mr Smith"
    text = f"{LATIN} told {WELSH} and {POLISH}; ben pupil's mum, Mr Smith, rang."
    assert names.text(text) == f"Pupil A told Pupil B and {POLISH}; Pupil A's mum, Mr Smith, rang."


def test_only_whole_names_are_replaced() -> None:
    names = Pseudonymiser([{"name": "Ben", "kind": "pupil", "role": "witness"}], enabled=True)
    assert names.text("Ben met Benjamin at Big Ben's") == "Pupil A met Benjamin at Big Pupil A's"


def test_pseudonymising_off_changes_nothing() -> None:
    names = Pseudonymiser(PEOPLE, enabled=False)
    assert names.text(f"{LATIN} and {WELSH}") == f"{LATIN} and {WELSH}"
    assert names.alias(LATIN) is None


# -- dates ---------------------------------------------------------------------------------------


def test_uk_dates_and_times() -> None:
    winter = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC)
    assert uk_datetime(winter) == "20 November 2026, 15:30 GMT"
    assert uk_datetime(summer) == "1 July 2026, 09:05 BST"
    assert uk_datetime(summer, short=True) == "1 Jul 2026, 09:05 BST"
    assert uk_datetime("2026-11-20T15:30:00+00:00") == "20 November 2026, 15:30 GMT"
    assert uk_datetime(None) == "" and uk_datetime("not a date") == "not a date"
    assert uk_date("2013-04-02") == "2 April 2013"


# -- images and layout -------------------------------------------------------------------------


def test_image_probe_refuses_bombs_and_rubbish(tmp_path: Path) -> None:
    assert "far too large" in probe_image(bomb_png(tmp_path / "bomb.png").read_bytes()).problem
    big = probe_image(bomb_png(tmp_path / "big.png", 9000, 9000).read_bytes())
    assert "too large to draw safely (9,000 × 9,000 pixels)" in big.problem
    assert probe_image(b"\x89PNG\r\n\x1a\nrubbish").problem == "it could not be read as an image"
    ok = probe_image(screenshot(tmp_path / "ok.png", 1, size=(300, 200)).read_bytes())
    assert (ok.width, ok.height, ok.problem) == (300, 200, "")


def test_image_sizes_on_the_page() -> None:
    from safelog.export.casefile import FRAME_W, IMAGE_MAX_H

    width, height, parts = image_parts(1920, 1080)  # a desktop screenshot: full width
    assert parts == 1 and width == pytest.approx(FRAME_W) and height < IMAGE_MAX_H
    width, height, parts = image_parts(1080, 2400)  # a phone screenshot: one page, phone-sized
    assert parts == 1 and height == pytest.approx(IMAGE_MAX_H) and width > 0.45 * FRAME_W
    width, height, parts = image_parts(1080, 20000)  # a scrolled chat: several pages
    assert parts > 3 and width >= 0.6 * FRAME_W - 1
    width, _, _ = image_parts(40, 40)  # an icon is not blown up
    assert width == 60


def _entry(number: int, name: str, data: bytes, media: str = "image/png") -> EvidenceEntry:
    return EvidenceEntry(
        number=number, id=f"e{number}", file_name=name, media_type=media, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), added_by="Sam Staff",
        added_at=dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC),
        metadata={"description": "x" * 3000}, data=data, attach=True, show_image=True,
    )  # fmt: skip


def test_layout_survives_long_text_bombs_and_damaged_images(tmp_path: Path) -> None:
    long_text = ("A long account of what happened, sentence after sentence. " * 1500).strip()
    data = CaseFileData(
        school="Ysgol Gymraeg Llŷn",
        reference="SL-2026-0099",
        exported_by="Hugh Head",
        exported_by_roles="Headteacher",
        exported_at=dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC),
        fields={
            "category": "cyberbullying-pupil",
            "summary": "Long",
            "description": long_text,
            "people": [
                {"name": POLISH, "kind": "pupil", "role": "victim", "notes": long_text[:20000]}
            ],
            "chronology": [
                {
                    "text": long_text[:40000],
                    "recorded_by": "Dana DSL",
                    "recorded_at": "2026-11-20T10:00:00+00:00",
                }
            ],
            "decisions": [
                {
                    "decision": "d" * 5000,
                    "reason": long_text[:30000],
                    "recorded_by": "Dana DSL",
                    "recorded_at": "2026-11-20T10:00:00+00:00",
                }
            ],
        },
        evidence=[
            _entry(1, "bomb.png", bomb_png(tmp_path / "bomb.png").read_bytes()),
            _entry(2, "damaged.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 500),
            _entry(3, "fine.png", screenshot(tmp_path / "fine.png", 2, (300, 200)).read_bytes()),
        ],
    )
    steps: list[str] = []
    rendered = render_case_file(data, ExportOptions(), step=steps.append)
    assert rendered.pages > 20
    assert steps.count("Drawing the evidence images") == 3
    out = tmp_path / "long.pdf"
    out.write_bytes(rendered.pdf)
    done = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True)
    text = flat(done.stdout.decode())
    assert "This image could not be shown: it is far too large to draw safely." in text
    assert "This image could not be shown: it could not be read as an image." in text
    assert text.count("sentence after sentence.") > 1500
    assert f"Page {rendered.pages} of {rendered.pages}" in text
    names = [a.name for a in rendered.attachments]
    assert names == ["01-bomb.png", "02-damaged.png", "03-fine.png"]
    keys = [a["key"] for a in rendered.manifest["attachments"]]
    assert keys == sorted(keys) and all(k.isascii() for k in keys)
