"""Text people type, on its way in and on its way out: the characters that can hide or rewrite
what is shown, refused when typed and written out visibly when printed.

A control character (C0, DEL or C1) can drive a terminal: ESC starts an escape sequence that
recolours, moves the cursor, rewrites the title or clears the screen, and U+009B is the same
in one byte. A bidirectional override, embedding or isolate (U+202A–U+202E, U+2066–U+2069)
reorders what follows, so "gpj.exe" shows as "exe.jpg". A lone surrogate (U+D800–U+DFFF,
which JSON's "\\ud800" makes) is not text at all: it cannot be encoded, stored or printed.

Choices:
- In (`hidden_character`, `check_typed`): these are refused, not silently dropped, so what is
  stored is what the person saw. Line breaks and tabs stay allowed where a field may hold
  several lines; CR LF and a lone CR become LF (a lone CR would let a line overwrite itself
  on a terminal). Bidirectional *marks* (LRM, RLM, ALM) stay allowed: right-to-left names
  and sentences need them, and they reorder nothing on their own. Zero-width joiners,
  private-use and not-yet-assigned characters stay allowed too (emoji, scripts).
- Out (`visible`): for text that is already stored (from before these checks, or written
  by a modified client), each such character is written out instead: C0 controls as their
  Unicode control pictures ("\\x1b" -> "␛"), anything else as "<U+202E>". In a one-line
  context (a row of a list) line breaks are shown too ("␊"), so a value cannot forge rows.
- Evidence file names have their own, stricter cleaning for names that become files on
  extract (safelog.evidence.intake.safe_file_name); it uses the same `BIDI_CONTROLS` set.
"""

from __future__ import annotations

import re

from safelog.errors import InvalidInput

# Overrides, embeddings and isolates: they reorder the text after them.
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# The marks as well: harmless in a sentence, but not in a file name or in PDF drawing order.
BIDI_CONTROLS = BIDI_OVERRIDES | frozenset("\u200e\u200f\u061c")

# Exactly the characters refused: C0 controls but tab (and LF where several lines may be
# typed), DEL and the C1 controls (Unicode category Cc), the bidirectional overrides,
# embeddings and isolates, and surrogates (category Cs). On one line, the Unicode line and
# paragraph separators as well.
_CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_REFUSED_IN_LINES = re.compile(f"[{_CONTROLS}]")
_REFUSED_ON_ONE_LINE = re.compile(f"[{_CONTROLS}\\n\\u2028\\u2029]")


def _refused(multi_line: bool) -> re.Pattern[str]:
    return _REFUSED_IN_LINES if multi_line else _REFUSED_ON_ONE_LINE


def _describe(c: str) -> str:
    code = f"U+{ord(c):04X}"
    if c in BIDI_OVERRIDES:
        return f"a hidden character that changes the direction of the text ({code})"
    if "\ud800" <= c <= "\udfff":
        return f"a broken character that is not valid text ({code}, a lone surrogate)"
    if c in "\n\u2028\u2029":
        return "a line break"
    if c == "\x1b":
        return f"a control character ({code}, escape)"
    return f"a control character ({code})"


def normalise_line_breaks(value: str) -> str:
    """CR LF and a lone CR become LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def hidden_character(value: str, *, multi_line: bool = False) -> str | None:
    """In plain words, the first character of `value` that may not be typed, or None.

    A tab is allowed everywhere; LF only with `multi_line` (normalise CR first)."""
    found = _refused(multi_line).search(value)
    return _describe(found.group()) if found else None


def check_typed(value: str, what: str, *, multi_line: bool = False) -> str:
    """`value` with its line breaks normalised (multi-line fields), or InvalidInput naming
    `what` ("'summary'", "The platform") and the character, never the value itself."""
    if multi_line:
        value = normalise_line_breaks(value)
    problem = hidden_character(value, multi_line=multi_line)
    if problem is None:
        return value
    if problem == "a line break":
        raise InvalidInput(f"{what} must be a single line.")
    raise InvalidInput(f"{what} contains {problem}; remove it and try again.")


def optional_text(value: str, what: str, *, limit: int) -> str:
    """Typed text that may be left empty (a note, a reference), stripped and checked; it may
    run over several lines."""
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    return check_typed(value, f"The {what}", multi_line=True)


def required_text(value: str, what: str, *, limit: int) -> str:
    """As optional_text, refusing an empty value ("Write the entry.")."""
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"Write the {what}.")
    return optional_text(value, what, limit=limit)


def _shown(found: re.Match[str]) -> str:
    code = ord(found.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures: ␀ … ␟ (␛ for ESC, ␊ for LF)
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible(text: str, *, multi_line: bool = False) -> str:
    """`text` safe to print on a terminal: every character that could drive the terminal or
    reorder the line is written out visibly. With `multi_line`, LF stays a line break (CR LF
    and a lone CR become LF); otherwise line breaks are shown too ("␊"), so that a value
    cannot forge another row of a list."""
    text = str(text)
    if multi_line:
        text = normalise_line_breaks(text)
    return _refused(multi_line).sub(_shown, text)


def escape_for_json(rendered: str) -> str:
    """JSON text (as json.dumps writes it with ensure_ascii=False) with every character that
    `visible` would show written as a \\uXXXX escape instead: the same JSON value for a
    program that reads it, and nothing a terminal acts on. JSON's structure is ASCII and
    json.dumps already escapes C0 controls inside strings, so what is left can only be
    inside strings, where an escape is valid."""
    return _REFUSED_IN_LINES.sub(lambda found: f"\\u{ord(found.group()):04x}", rendered)
