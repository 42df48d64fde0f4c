"""Typed text in and printed text out (safelog/text.py): what an attacker would type to drive a
terminal or disguise a value is refused on the way in and written out visibly on the way out;
ordinary writing in any script is left alone."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safelog.errors import InvalidInput
from safelog.evidence import intake
from safelog.export import fonts
from safelog.text import (
    BIDI_CONTROLS,
    check_typed,
    escape_for_json,
    hidden_character,
    visible,
)

ATTACKS = {
    "colour": "\x1b[31mALERT\x1b[0m",
    "clear screen": "\x1b[2J\x1b[H",
    "window title": "\x1b]0;owned\x07",
    "8-bit CSI": "\x9b31m",
    "NEL": "one\x85two",
    "DEL": "back\x7f",
    "backspace overwrite": "Approved\x08\x08\x08\x08\x08\x08\x08\x08Refused ",
    "RLO": "invoice\u202egnp.exe",
    "LRE": "\u202aabc",
    "isolate": "\u2067abc\u2069",
    "lone surrogate": "broken\ud800",
    "NUL": "a\x00b",
}
# Where a terminal (or a viewer) would act on it.
ACTIVE = (
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + sorted("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
ORDINARY = [
    "Zoë O'Brien-Ng",
    "محمد علي",  # Arabic
    "שרה כהן",  # Hebrew
    "\u200fמיכל\u200f (RLM marks kept)",
    "李小龙",
    "family 👨\u200d👩\u200d👧 (joiners kept)",
    "tab\tseparated",
    "non\u00a0breaking",
]


@pytest.mark.parametrize("text", ATTACKS.values(), ids=ATTACKS.keys())
def test_visible_writes_every_attack_out_and_nothing_active_remains(text: str) -> None:
    for multi_line in (False, True):
        shown = visible(text, multi_line=multi_line)
        assert not any(c in shown for c in ACTIVE), repr(shown)
        assert not any("\ud800" <= c <= "\udfff" for c in shown)
        shown.encode("utf-8")  # printable on any UTF-8 terminal: no UnicodeEncodeError


def test_visible_shows_what_was_there() -> None:
    assert visible("\x1b[31mred") == "\u241b[31mred"  # ␛[31mred
    assert visible("invoice\u202egnp.exe") == "invoice<U+202E>gnp.exe"
    assert visible("a\x9bb") == "a<U+009B>b"
    assert visible("x\x7f") == "x\u2421"
    assert visible("half\ud800") == "half<U+D800>"


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_writing_is_left_alone(text: str) -> None:
    assert visible(text) == text
    assert visible(text, multi_line=True) == text
    assert hidden_character(text) is None
    assert check_typed(text, "'name'") == text


def test_line_breaks_on_one_line_are_shown_so_rows_cannot_be_forged() -> None:
    forged = "Nothing to see\nSL-2026-0001  closed       other                      All fine"
    shown = visible(forged)
    assert "\n" not in shown and "\u240a" in shown
    assert "\r" not in visible("real\rfake")
    assert "\u2028" not in visible("a\u2028b")


def test_line_breaks_stay_where_several_lines_are_printed() -> None:
    assert visible("one\ntwo", multi_line=True) == "one\ntwo"
    assert visible("one\r\ntwo\rthree", multi_line=True) == "one\ntwo\nthree"
    assert visible("one\n\x1b[2Jtwo", multi_line=True) == "one\n\u241b[2Jtwo"


@pytest.mark.parametrize("text", ATTACKS.values(), ids=ATTACKS.keys())
def test_typed_text_with_a_hidden_character_is_refused_without_quoting_it(text: str) -> None:
    for multi_line in (False, True):
        with pytest.raises(InvalidInput) as caught:
            check_typed(text, "'summary'", multi_line=multi_line)
        message = str(caught.value)
        assert message.startswith("'summary' contains ")
        assert "remove it" in message
        assert visible(message) == message  # the message itself is safe to print
        assert text not in message


def test_the_refusal_names_the_character_in_plain_words() -> None:
    with pytest.raises(InvalidInput, match=r"control character \(U\+001B, escape\)"):
        check_typed("\x1b[2J", "'summary'")
    with pytest.raises(InvalidInput, match=r"changes the direction of the text \(U\+202E\)"):
        check_typed("abc\u202edef", "The platform")
    with pytest.raises(InvalidInput, match=r"lone surrogate"):
        check_typed("\udc00", "'name'")


def test_several_lines_only_where_the_field_allows_them() -> None:
    assert check_typed("one\r\ntwo\tthree", "'description'", multi_line=True) == "one\ntwo\tthree"
    assert check_typed("one\rtwo", "'description'", multi_line=True) == "one\ntwo"
    for broken in ("one\ntwo", "one\u2028two", "one\u2029two"):
        with pytest.raises(InvalidInput, match="must be a single line"):
            check_typed(broken, "'summary'")


def test_json_escaping_keeps_the_value_and_leaves_nothing_active() -> None:
    value = {"summary": "x" + "".join(ATTACKS.values()), "people": [{"name": "A\u202eB"}]}
    rendered = escape_for_json(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(rendered) == value
    assert not any(c in rendered for c in ACTIVE if c != "\n")
    rendered.encode("utf-8")
    assert escape_for_json('{"a": "Zoë 李"}') == '{"a": "Zoë 李"}'


@given(st.text())
def test_visible_output_is_always_safe(text: str) -> None:
    for multi_line in (False, True):
        shown = visible(text, multi_line=multi_line)
        assert hidden_character(shown, multi_line=multi_line) is None
        shown.encode("utf-8")


@given(st.recursive(st.text(), lambda inner: st.lists(inner, max_size=3), max_leaves=8))
def test_json_escaping_round_trips(value: object) -> None:
    rendered = escape_for_json(json.dumps(value, ensure_ascii=False))
    assert json.loads(rendered) == value
    assert hidden_character(rendered, multi_line=True) is None


def test_one_list_of_direction_controls_for_file_names_pdfs_and_terminals() -> None:
    assert intake.BIDI_CONTROLS is BIDI_CONTROLS
    assert set(fonts._BIDI_CONTROLS) == {ord(c) for c in BIDI_CONTROLS}
    assert intake.safe_file_name("invoice\u202egnp.exe") == "invoice_gnp.exe"
