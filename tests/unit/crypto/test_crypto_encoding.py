"""canonical_json: the bytes every signature and hash in SafeLog is computed over. Made with
one shared encoder (issue 17), they must be exactly what json.dumps with the same options
makes, for any JSON value (entries already signed and chained depend on it)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from safelog.crypto.encoding import canonical_json

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(),  # any code point: escapes, surrogates' neighbours, U+2028, NUL
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def reference(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


@settings(max_examples=400)
@given(JSON)
def test_the_same_bytes_as_json_dumps(value: Any) -> None:
    assert canonical_json(value) == reference(value)


def test_an_audit_entry_header_as_before() -> None:
    header = {
        "seq": 7,
        "prev": "00" * 32,
        "actor": 'é\u2028\x00"\\',
        "at": "2026-12-03T22:57:49.180916+00:00",
        "case": None,
        "key_ref": "case:abc:1",
        "body": "ff" * 32,
        "item": "v1@3",
    }
    assert canonical_json(header) == (
        b'{"actor":"\xc3\xa9\xe2\x80\xa8\\u0000\\"\\\\","at":"2026-12-03T22:57:49.180916+00:00",'
        b'"body":"' + b"ff" * 32 + b'","case":null,"item":"v1@3","key_ref":"case:abc:1",'
        b'"prev":"' + b"00" * 32 + b'","seq":7}'
    )
