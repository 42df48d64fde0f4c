"""The fonts a case file is set in, and turning any user string into safe Paragraph markup.

DejaVu Sans covers Latin (Polish, Welsh, ...), Greek, Cyrillic, Hebrew and Arabic; Droid Sans
Fallback covers Chinese, Japanese and Korean and is used, character run by character run, for
whatever DejaVu Sans has no glyph for. Both ship in `safelog.resources/fonts` with their
licences.

Right-to-left text. ReportLab's own bidirectional layout needs `rlbidi`, which is not
published on PyPI, and its HarfBuzz shaping works per paragraph and shapes a word that mixes
fonts with the first font only. So SafeLog shapes right-to-left text itself, for the text a
case file holds (names, phrases, sentences in an otherwise English record): each run of
right-to-left words is shaped by HarfBuzz (uharfbuzz) with DejaVu Sans, which picks each
letter's contextual form (initial, medial, final, isolated) and makes the lam-alef ligatures,
and the glyphs come back as the Unicode presentation forms they stand for, in visual order.
The run is kept together (no-break spaces) and sits in the left-to-right line as a whole, as
the Unicode bidirectional algorithm places it in a left-to-right paragraph.

Limits, stated plainly: this is not the full Unicode bidirectional algorithm. A whole
paragraph in Arabic or Hebrew is laid out as runs of at most RTL_CHUNK characters, one per
line, each read right to left, left-aligned. Digits end a right-to-left run. HarfBuzz's mark
positioning is not kept: vowel marks (harakat) sit where the font puts them by default.
A glyph with no Unicode presentation form falls back to its letter's isolated form.

The text layer. What is drawn are presentation forms in visual order; each font's ToUnicode
map says which letters each of them stands for (U+FEDF, lam's initial form, is lam, U+0644),
so copying or searching gives the letters as typed, which PDF readers such as poppler put
back in reading order. A ligature (lam-alef) stands for its letters in visual order too, as
readers reverse the whole run. ReportLab 5 has no way to mark the runs with ActualText.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import threading
import unicodedata
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from safelog.text import BIDI_CONTROLS

SANS = "SafeLogSans"
SANS_BOLD = "SafeLogSans-Bold"
MONO = "SafeLogMono"
CJK = "SafeLogCJK"
_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
    CJK: "DroidSansFallbackFull.ttf",
}
RTL_CHUNK = 48  # characters of right-to-left text kept on one line at most
NBSP = "\u00a0"

# Bidirectional controls could make text display other than it is ("gpj.exe"); dropped.
_BIDI_CONTROLS = dict.fromkeys(map(ord, BIDI_CONTROLS), None)

_lock = threading.Lock()
_registered: set[str] = set()


def font_path(name: str) -> Path:
    """The file of one of SafeLog's fonts (SANS, SANS_BOLD, MONO or CJK)."""
    return Path(str(importlib.resources.files("safelog.resources") / "fonts" / _FILES[name]))


def logical_letters(code_point: int) -> str:
    """The letters a glyph drawn for `code_point` stands for in the text layer: a
    presentation form's letters (in visual order, see the module's notes), anything else
    itself."""
    char = chr(code_point)
    if char not in _FORMS:
        return char
    letters = unicodedata.normalize("NFKC", char)
    if len(letters) > 1 and all(_rtl(c) for c in letters):
        return letters[::-1]  # drawn in visual order: readers reverse the run, letters and all
    return letters or char


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


_CMAP_ENTRY = re.compile(r"^<([0-9A-F]{2})> <([0-9A-F]{4,6})>$", re.M)


def logical_cmap(cmap: str) -> str:
    """A ToUnicode CMap made by ReportLab, with presentation forms mapped to their letters."""

    def entry(match: re.Match[str]) -> str:
        code_point = int(match.group(2), 16)
        if chr(code_point) not in _FORMS:
            return match.group(0)
        return f"<{match.group(1)}> <{_utf16_hex(logical_letters(code_point))}>"

    return _CMAP_ENTRY.sub(entry, cmap)


@functools.cache
def _font_class() -> type[Any]:
    from reportlab.pdfbase.ttfonts import TTFont

    class LogicalTTFont(TTFont):
        """ReportLab's TrueType font, whose text layer gives shaped Arabic as its letters."""

        def addObjects(self, doc: Any) -> None:  # ReportLab's name
            state = self.state.get(doc)  # ReportLab drops it in addObjects
            count = len(state.subsets) if state is not None else 0
            names = [self.getSubsetInternalName(n, doc)[1:] for n in range(count)]
            super().addObjects(doc)
            for name in names:
                stream = doc.idToObject[doc.idToObject[name].ToUnicode.name]
                stream.content = logical_cmap(stream.content)

    return LogicalTTFont


def _register(name: str) -> None:
    with _lock:
        if name in _registered:
            return
        from reportlab.pdfbase import pdfmetrics

        pdfmetrics.registerFont(_font_class()(name, str(font_path(name))))
        _registered.add(name)


def register_fonts() -> None:
    """Register the base fonts with ReportLab (once per process)."""
    from reportlab.lib.fonts import addMapping

    for name in (SANS, SANS_BOLD, MONO):
        _register(name)
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS)
    addMapping(SANS, 1, 1, SANS_BOLD)


def _charmap(name: str) -> dict[int, int]:
    _register(name)
    from reportlab.pdfbase import pdfmetrics

    charmap: dict[int, int] = pdfmetrics.getFont(name).face.charToGlyph
    return charmap


def clean(text: str) -> str:
    """User text as it may be printed: no bidirectional controls, no control characters
    other than line breaks, tabs as spaces."""
    text = str(text).translate(_BIDI_CONTROLS).replace("\r\n", "\n").replace("\t", "    ")
    return "".join(
        c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Cs", "Co")
    )


def _rtl(c: str) -> bool:
    return unicodedata.bidirectional(c) in ("R", "AL")


def _joins_rtl(c: str) -> bool:
    return unicodedata.category(c) in ("Mn", "Me") or c in "\u200c\u200d"


class _Shaper:
    """HarfBuzz over DejaVu Sans, and the way back from its glyphs to characters."""

    def __init__(self) -> None:
        import uharfbuzz

        data = font_path(SANS).read_bytes()
        self.hb = uharfbuzz
        self.font = uharfbuzz.Font(uharfbuzz.Face(data))
        self.chars: dict[int, list[str]] = {}
        for code, glyph in _charmap(SANS).items():
            self.chars.setdefault(glyph, []).append(chr(code))

    def visual(self, text: str) -> str:
        """`text` (logical order, one direction) as shaped characters in visual order."""
        buf = self.hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        buf.direction = "rtl"
        self.hb.shape(self.font, buf, {})
        infos = buf.glyph_infos
        # Cluster c covers text[c : the next larger cluster value].
        starts = sorted({info.cluster for info in infos})
        ends = {start: end for start, end in zip(starts, [*starts[1:], len(text)], strict=True)}
        out: list[str] = []
        for info in infos:
            source = text[info.cluster : ends[info.cluster]]
            candidates = self.chars.get(info.codepoint, [])
            same = [c for c in candidates if c in source]
            if same:
                out.append(same[0])
            elif candidates:
                out.append(min(candidates, key=lambda c: (c not in _FORMS, c)))
            else:
                out.append(source[::-1])  # no glyph for it: the characters themselves
        return "".join(out)


_FORMS = {chr(c) for c in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00))}
_shaper: _Shaper | None = None
_shaper_lock = threading.Lock()


def shape_rtl(text: str) -> str:
    """Right-to-left text shaped for drawing left to right (see the module's notes)."""
    global _shaper
    if _shaper is None:
        with _shaper_lock:
            if _shaper is None:
                _shaper = _Shaper()
    return _shaper.visual(text)


def _rtl_run_markup(run: str) -> str:
    chunks: list[list[str]] = [[]]
    length = 0
    for word in run.replace(NBSP, " ").split(" "):
        if chunks[-1] and length + 1 + len(word) > RTL_CHUNK:
            chunks.append([])
            length = 0
        chunks[-1].append(word)
        length += len(word) + 1
    return "<br/>".join(escape(shape_rtl(NBSP.join(words))) for words in chunks)


def _other_font_markup(run: str) -> str:
    cjk = _charmap(CJK)
    if all(ord(c) in cjk or c.isspace() for c in run):
        return f'<font name="{CJK}">{escape(run)}</font>'
    return escape(run)  # no font here has these glyphs; shown as boxes, kept in the text


def line_markup(text: str) -> str:
    """Escaped markup for one line of user text."""
    sans = _charmap(SANS)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        j = i + 1
        if _rtl(c):
            while j < n and (
                _rtl(text[j])
                or _joins_rtl(text[j])
                or (text[j] in " " + NBSP and j + 1 < n and _rtl(text[j + 1]))
            ):
                j += 1
            out.append(_rtl_run_markup(text[i:j]))
        elif ord(c) not in sans and not c.isspace():
            while j < n and ord(text[j]) not in sans and not _rtl(text[j]):
                j += 1
            out.append(_other_font_markup(text[i:j]))
        else:
            while j < n and (ord(text[j]) in sans or text[j].isspace()) and not _rtl(text[j]):
                j += 1
            out.append(escape(text[i:j]))
        i = j
    return "".join(out)


def markup(text: str) -> str:
    """Escaped Paragraph markup for any user text (line breaks kept). Nothing the user typed
    can act as markup."""
    return "<br/>".join(line_markup(line) for line in clean(text).split("\n"))
