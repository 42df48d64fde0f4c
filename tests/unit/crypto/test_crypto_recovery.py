"""Printable recovery keys and enrolment codes (Crockford base32 of secret + 2-byte checksum):
a pinned secret formats to a pinned string, reading forgives what people mistype, and a
single-character typo is caught before any key is tried.

vectors/recovery.json is the source of truth; running this file as a script rewrites it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safelog.crypto import recovery
from safelog.crypto.identity import ed25519_public_bytes, x25519_public_bytes
from safelog.crypto.recovery import RecoveryKeyInvalid, format_key, parse_key

VECTORS = Path(__file__).parent / "vectors" / "recovery.json"
ALPHABET = recovery.ALPHABET


def generate() -> dict[str, Any]:
    # Chosen so the printed key contains 0, 1 and V, which have look-alikes.
    secret = next(
        s
        for s in (bytes([i]) * 4 + bytes(range(i, i + 28)) for i in range(256))
        if {"0", "1", "V"} <= set(format_key(s))
    )
    code_secret = bytes(range(1, 17))
    return {
        "secret": secret.hex(),
        "key": format_key(secret),
        "x25519_public": x25519_public_bytes(recovery.recovery_x25519(secret).public_key()).hex(),
        "ed25519_public": ed25519_public_bytes(
            recovery.recovery_ed25519(secret).public_key()
        ).hex(),
        "code_secret": code_secret.hex(),
        "code": format_key(code_secret, group=4),
    }


# Run as a script, the module regenerates the vectors; under pytest it reads the committed ones.
V = generate() if __name__ == "__main__" else json.loads(VECTORS.read_text("utf-8"))
SECRET = bytes.fromhex(V["secret"])
KEY = V["key"]
PLAIN = KEY.replace("-", "")


def test_pinned_secret_formats_to_pinned_key() -> None:
    assert format_key(SECRET) == KEY
    groups = KEY.split("-")
    assert len(groups) == 11 and all(len(g) == 5 for g in groups)
    assert set(PLAIN) <= set(ALPHABET)
    assert not set(PLAIN) & set("ILOU")


def test_pinned_key_parses() -> None:
    assert parse_key(KEY) == SECRET


def test_pinned_enrolment_code() -> None:
    code_secret = bytes.fromhex(V["code_secret"])
    assert format_key(code_secret, group=4) == V["code"]
    assert parse_key(V["code"], length=16) == code_secret
    assert all(len(g) == 4 for g in V["code"].split("-")[:-1])


def test_pinned_derived_keys() -> None:
    x = recovery.recovery_x25519(SECRET).public_key()
    ed = recovery.recovery_ed25519(SECRET).public_key()
    assert x25519_public_bytes(x).hex() == V["x25519_public"]
    assert ed25519_public_bytes(ed).hex() == V["ed25519_public"]


@pytest.mark.parametrize(
    "variant",
    [
        KEY.lower(),
        PLAIN,
        PLAIN.lower(),
        KEY.replace("-", " "),
        "  " + KEY.replace("-", " - ") + "\n",
        "\t".join(KEY.split("-")),
        "-".join(PLAIN[i : i + 3] for i in range(0, len(PLAIN), 3)),
        KEY.replace("0", "O"),
        KEY.replace("0", "o"),
        KEY.replace("1", "I"),
        KEY.replace("1", "L"),
        KEY.replace("1", "l").replace("0", "O").lower(),
        KEY.replace("1", "i"),
    ],
    ids=[
        "lower",
        "no-dashes",
        "no-dashes-lower",
        "spaces",
        "padded",
        "tabs",
        "regrouped",
        "O-for-0",
        "o-for-0",
        "I-for-1",
        "L-for-1",
        "mixed",
        "i-for-1",
    ],
)
def test_parse_forgives(variant: str) -> None:
    assert "0" in KEY and "1" in KEY
    assert parse_key(variant) == SECRET


def test_every_single_character_substitution_is_caught() -> None:
    missed = []
    for position, original in enumerate(PLAIN):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            typo = PLAIN[:position] + replacement + PLAIN[position + 1 :]
            try:
                parse_key(typo)
            except RecoveryKeyInvalid as exc:
                assert "typo" in str(exc)
            else:
                missed.append((position, replacement))
    assert missed == []


def test_adjacent_transpositions_are_caught() -> None:
    for position in range(len(PLAIN) - 1):
        a, b = PLAIN[position], PLAIN[position + 1]
        if a == b:
            continue
        with pytest.raises(RecoveryKeyInvalid):
            parse_key(PLAIN[:position] + b + a + PLAIN[position + 2 :])


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("-".join(KEY.split("-")[:-1]), 50),
        (PLAIN[:-1], 54),
        (PLAIN + "0", 56),
        (KEY + "-" + KEY.split("-")[0], 60),
        ("", 0),
    ],
)
def test_wrong_length_says_how_long(text: str, count: int) -> None:
    with pytest.raises(RecoveryKeyInvalid, match=f"should have 55 characters but has {count}"):
        parse_key(text)


def test_wrong_length_code_says_how_long() -> None:
    with pytest.raises(RecoveryKeyInvalid, match="should have 29 characters but has 28"):
        parse_key(V["code"][:-1], length=16)


@pytest.mark.parametrize("char", ["*", "é", "_", "."])
def test_foreign_character_is_named(char: str) -> None:
    with pytest.raises(RecoveryKeyInvalid, match=f"'{char.upper()}' is not a character"):
        parse_key(PLAIN[:10] + char + PLAIN[11:])


def test_recovery_key_is_not_an_enrolment_code() -> None:
    with pytest.raises(RecoveryKeyInvalid):
        parse_key(KEY, length=16)
    with pytest.raises(RecoveryKeyInvalid):
        parse_key(V["code"])


def test_new_secrets_are_random_and_round_trip() -> None:
    first, second = recovery.new_secret(), recovery.new_secret()
    assert len(first) == 32 and first != second
    assert parse_key(format_key(first)) == first


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(V, indent=2) + "\n", "utf-8")
