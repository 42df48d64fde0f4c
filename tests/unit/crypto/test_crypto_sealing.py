"""The passphrase seal (magic SLSEAL1 | u16 header length | canonical JSON header | nonce |
AES-256-GCM): pinned blobs open, and every alteration is refused.

vectors/sealing.json is the source of truth; running this file as a script rewrites it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safelog.crypto import sealing
from safelog.crypto.encoding import canonical_json
from safelog.crypto.kdf import KdfParams, derive_kek
from safelog.crypto.sealing import SealBroken, SealMalformed

VECTORS = Path(__file__).parent / "vectors" / "sealing.json"


def generate() -> dict[str, Any]:
    out = {}
    for label, params in (
        ("insecure", KdfParams(64, 1, 1, bytes(range(100, 116)), True)),
        ("floor", KdfParams(64 * 1024, 3, 4, bytes(range(200, 216)))),
    ):
        passphrase = f"sealing vector {label} passphrase"
        purpose = "user-keys:6f1c2d3e-0000-4000-8000-000000000001"
        secret = f"the {label} sealed secret \x00\xff".encode("latin-1")
        out[label] = {
            "passphrase": passphrase,
            "purpose": purpose,
            "secret": secret.hex(),
            "blob": sealing.seal(passphrase, params, purpose, secret).hex(),
        }
    return out


# Run as a script, the module regenerates the vectors; under pytest it reads the committed ones.
V = generate() if __name__ == "__main__" else json.loads(VECTORS.read_text("utf-8"))
CHEAP = V["insecure"]
BLOB = bytes.fromhex(CHEAP["blob"])


def _split(blob: bytes) -> tuple[dict[str, Any], bytes]:
    """(header as JSON, nonce + ciphertext)."""
    length = int.from_bytes(blob[7:9], "big")
    return json.loads(blob[9 : 9 + length]), blob[9 + length :]


def _join(header_bytes: bytes, rest: bytes) -> bytes:
    return b"SLSEAL1" + len(header_bytes).to_bytes(2, "big") + header_bytes + rest


@pytest.mark.parametrize("label", ["insecure", "floor"])
def test_pinned_blob_opens(label: str) -> None:
    vector = V[label]
    blob = bytes.fromhex(vector["blob"])
    secret, kek = sealing.unseal(vector["passphrase"], blob, vector["purpose"])
    assert secret.hex() == vector["secret"]
    header, _, _ = sealing.parse_header(blob)
    assert kek == derive_kek(vector["passphrase"], header.params)
    assert sealing.unseal_with_key(kek, blob, vector["purpose"]).hex() == vector["secret"]


def test_pinned_layout() -> None:
    header, rest = _split(BLOB)
    assert BLOB.startswith(b"SLSEAL1")
    assert set(header) == {"kdf", "purpose"}
    assert header["purpose"] == CHEAP["purpose"]
    assert header["kdf"]["insecure"] is True
    assert canonical_json(header) == BLOB[9 : 9 + int.from_bytes(BLOB[7:9], "big")]
    assert len(rest) == 12 + len(bytes.fromhex(CHEAP["secret"])) + 16
    floor = _split(bytes.fromhex(V["floor"]["blob"]))[0]["kdf"]
    assert (floor["m"], floor["t"], floor["p"], floor["insecure"]) == (65536, 3, 4, False)


def test_wrong_passphrase_is_broken() -> None:
    with pytest.raises(SealBroken):
        sealing.unseal(CHEAP["passphrase"] + " ", BLOB, CHEAP["purpose"])


def test_purpose_mismatch_is_broken() -> None:
    with pytest.raises(SealBroken):
        sealing.unseal(CHEAP["passphrase"], BLOB, "user-keys:someone-else")


def test_header_rewritten_to_another_purpose_is_broken() -> None:
    header, rest = _split(BLOB)
    header["purpose"] = "profile:another"
    with pytest.raises(SealBroken):
        sealing.unseal(CHEAP["passphrase"], _join(canonical_json(header), rest), "profile:another")


def test_header_with_same_meaning_but_other_bytes_is_broken() -> None:
    """Same parameters, same purpose, so the same key: only the associated data differs."""
    header, rest = _split(BLOB)
    spaced = json.dumps(header, indent=1).encode()
    assert json.loads(spaced) == header
    with pytest.raises(SealBroken):
        sealing.unseal(CHEAP["passphrase"], _join(spaced, rest), CHEAP["purpose"])


@pytest.mark.parametrize("field", ["m", "t", "p", "salt"])
def test_header_parameter_changes_are_broken(field: str) -> None:
    header, rest = _split(BLOB)
    kdf = header["kdf"]
    kdf[field] = "AAAAAAAAAAAAAAAAAAAAAA==" if field == "salt" else kdf[field] + 1
    with pytest.raises(SealBroken):
        sealing.unseal(CHEAP["passphrase"], _join(canonical_json(header), rest), CHEAP["purpose"])


def test_lowering_floor_parameters_in_the_header_is_refused() -> None:
    vector = V["floor"]
    header, rest = _split(bytes.fromhex(vector["blob"]))
    header["kdf"].update(m=64, t=1, p=1)
    with pytest.raises(SealMalformed):  # below the floor and not marked insecure
        sealing.unseal(vector["passphrase"], _join(canonical_json(header), rest), vector["purpose"])
    header["kdf"]["insecure"] = True
    with pytest.raises(SealBroken):  # marked insecure: the header no longer authenticates
        sealing.unseal(vector["passphrase"], _join(canonical_json(header), rest), vector["purpose"])


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
def test_body_tamper_is_broken(where: str) -> None:
    header_end = 9 + int.from_bytes(BLOB[7:9], "big")
    index = {"nonce": header_end, "ciphertext": header_end + 12, "tag": len(BLOB) - 1}[where]
    damaged = bytearray(BLOB)
    damaged[index] ^= 0x01
    with pytest.raises(SealBroken):
        sealing.unseal(CHEAP["passphrase"], bytes(damaged), CHEAP["purpose"])


def test_truncated_body_is_malformed() -> None:
    header_end = 9 + int.from_bytes(BLOB[7:9], "big")
    for cut in (0, 5, 7, 8, 9, header_end, header_end + 12, header_end + 27):
        with pytest.raises(SealMalformed):
            sealing.unseal(CHEAP["passphrase"], BLOB[:cut], CHEAP["purpose"])


def test_dropping_the_last_ciphertext_byte_does_not_open() -> None:
    with pytest.raises((SealBroken, SealMalformed)):
        sealing.unseal(CHEAP["passphrase"], BLOB[:-1], CHEAP["purpose"])


def test_damaged_header_is_malformed() -> None:
    _, rest = _split(BLOB)
    for header in (b"{not json", b"[]", b'{"purpose": "x"}', b"\xff\xfe"):
        with pytest.raises(SealMalformed):
            sealing.unseal(CHEAP["passphrase"], _join(header, rest), CHEAP["purpose"])
    with pytest.raises(SealMalformed):
        sealing.unseal(CHEAP["passphrase"], b"SLSEAL2" + BLOB[7:], CHEAP["purpose"])
    with pytest.raises(SealMalformed):  # the length claims more header than there is
        sealing.unseal(CHEAP["passphrase"], b"SLSEAL1\xff\xff" + BLOB[9:], CHEAP["purpose"])


@pytest.mark.parametrize("kdf_value", [1, "argon2id", ["argon2id"]])
def test_header_with_non_object_kdf_is_malformed(kdf_value: object) -> None:
    _, rest = _split(BLOB)
    header = canonical_json({"kdf": kdf_value, "purpose": CHEAP["purpose"]})
    with pytest.raises(SealMalformed):
        sealing.unseal(CHEAP["passphrase"], _join(header, rest), CHEAP["purpose"])


@pytest.mark.parametrize(
    "changes", [{"m": 1}, {"t": 0}, {"p": 0}, {"m": 2**40}], ids=["m1", "t0", "p0", "m-overflow"]
)
def test_header_with_unusable_parameters_is_malformed(changes: dict[str, int]) -> None:
    header, rest = _split(BLOB)
    header["kdf"].update(changes)
    with pytest.raises(SealMalformed):
        sealing.unseal(CHEAP["passphrase"], _join(canonical_json(header), rest), CHEAP["purpose"])


def test_fresh_seals_use_fresh_nonces() -> None:
    params = KdfParams(64, 1, 1, bytes(16), True)
    kek = derive_kek("x" * 12, params)
    first = sealing.seal_with_key(kek, params, "p", b"secret")
    second = sealing.seal_with_key(kek, params, "p", b"secret")
    assert first != second
    assert sealing.unseal_with_key(kek, first, "p") == sealing.unseal_with_key(kek, second, "p")
    assert sealing.unseal("x" * 12, first, "p") == (b"secret", kek)


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(V, indent=2) + "\n", "utf-8")
