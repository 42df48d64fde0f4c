"""The contents of a transfer file and of its receipt: what is signed, and how a reader
checks it. The sealing itself is crypto/transfer_box.py.

Inside the sealed body (parts):

    manifest.json    canonical JSON: {"format", "id", "made_at", "to" (the recipient key's
                     fingerprint), "from" {"school", "vault_id", "user_id", "name"},
                     "pupil" (as on the sender's roll), "parts" {name: {"sha256", "size"}},
                     "evidence" [{"part", "case", "id", "file_name", "media_type", "size",
                     "sha256"}], "left_out" [words], "receipt_secret" (32 random bytes)}
    signature.json   {"signer": user id, "signature": Ed25519 over signing_message(
                     "manifest", manifest bytes), "proof": the sender's chain
                     (vault/transfer_proof.py)}
    chronology.pdf   the signed chronology (PAdES, the sender's certificate)
    records.json     the machine-readable records
    evidence/NNNN    each original, byte for byte

A reader checks the signature and the chain first, then that the parts are exactly those
the manifest names with those SHA-256, that the file was made for its own key and that the
sender is who the chain proves.

The receipt (a JSON file for the sender): {"format", "receipt" {"transfer", "file_sha256",
"manifest_sha256", "received_at", "school", "by", "to", "pupil"}, "signer", "signature"
(Ed25519 over signing_message("receipt", canonical receipt)), "proof" (the receiving DSL's
chain), "mac"}. `mac` is HMAC-SHA256 of the canonical receipt under the manifest's
receipt secret: only whoever opened the file (the holder of the transfer key it was
encrypted to) can make it, so a receipt cannot be forged by the other school's database
or anyone who merely saw the sealed file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac

from safelog.crypto.encoding import b64, canonical_json, unb64
from safelog.errors import InvalidInput, TamperDetected
from safelog.vault.transfer_proof import ProvenSigner, check_signed, signing_message

MANIFEST_FORMAT = "safelog-transfer-manifest/1"
RECEIPT_FORMAT = "safelog-transfer-receipt/1"
MANIFEST_PART = "manifest.json"
SIGNATURE_PART = "signature.json"
MAX_RECEIPT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class OpenedTransfer:
    manifest: dict[str, Any]
    manifest_bytes: bytes
    parts: dict[str, bytes]  # the documents and originals (not the manifest or signature)
    sender: ProvenSigner


def signed_parts(
    manifest: dict[str, Any],
    documents: list[tuple[str, bytes]],
    signer_id: str,
    sign: Any,
    proof: dict[str, Any],
) -> list[tuple[str, bytes]]:
    """The parts of a transfer: the manifest (completed with each document's SHA-256), its
    signature with the sender's chain, then the documents."""
    manifest = dict(manifest)
    manifest["format"] = MANIFEST_FORMAT
    manifest["parts"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in documents
    }
    raw = canonical_json(manifest)
    signature = {
        "signer": signer_id,
        "signature": b64(sign(signing_message("manifest", raw))),
        "proof": proof,
    }
    return [(MANIFEST_PART, raw), (SIGNATURE_PART, canonical_json(signature)), *documents]


def check_parts(parts: dict[str, bytes]) -> OpenedTransfer:
    """The manifest, when the signature, the chain and every part check out."""
    what = "The transfer file"
    try:
        raw = parts[MANIFEST_PART]
        signature = json.loads(parts[SIGNATURE_PART])
        signer_id, proof, sig = signature["signer"], signature["proof"], signature["signature"]
    except (KeyError, TypeError, ValueError):
        raise TamperDetected(f"{what} is damaged: its manifest or signature is missing.") from None
    sender = check_signed(proof, signer_id, sig, "manifest", raw, what)
    manifest = json.loads(raw)  # signed, so well formed
    if manifest.get("format") != MANIFEST_FORMAT:
        raise InvalidInput(f"{what} was made by a newer SafeLog; update SafeLog to read it.")
    sender_field = manifest.get("from") or {}
    if sender_field.get("user_id") != sender.user_id or sender_field.get("vault_id") != (
        sender.vault_id
    ):
        raise TamperDetected(f"{what} names a sender other than the one who signed it.")
    documents = {k: v for k, v in parts.items() if k not in (MANIFEST_PART, SIGNATURE_PART)}
    listed = manifest.get("parts") or {}
    if set(listed) != set(documents):
        raise TamperDetected(f"{what} does not hold exactly the documents its manifest lists.")
    for name, data in documents.items():
        if hashlib.sha256(data).hexdigest() != listed[name].get("sha256"):
            raise TamperDetected(f"{what}: {name} does not match its SHA-256 in the manifest.")
    return OpenedTransfer(manifest, raw, documents, sender)


def receipt_mac(secret_b64: str, receipt: dict[str, Any]) -> str:
    mac = hmac.HMAC(unb64(secret_b64), hashes.SHA256())
    mac.update(b"safelog/v1/transfer-receipt/" + canonical_json(receipt))
    return mac.finalize().hex()


def make_receipt(
    receipt: dict[str, Any], secret_b64: str, signer_id: str, sign: Any, proof: dict[str, Any]
) -> bytes:
    raw = canonical_json(receipt)
    document = {
        "format": RECEIPT_FORMAT,
        "receipt": receipt,
        "signer": signer_id,
        "signature": b64(sign(signing_message("receipt", raw))),
        "proof": proof,
        "mac": receipt_mac(secret_b64, receipt),
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")


@dataclass(frozen=True)
class CheckedReceipt:
    receipt: dict[str, Any]
    receiver: ProvenSigner


def read_receipt(data: bytes) -> dict[str, Any]:
    """The receipt document, before it is checked; InvalidInput when it is not one."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        document = None
    if (
        not isinstance(document, dict)
        or document.get("format") != RECEIPT_FORMAT
        or not isinstance(document.get("receipt"), dict)
        or not isinstance(document["receipt"].get("transfer"), str)
    ):
        raise InvalidInput("This is not a SafeLog transfer receipt.")
    return document


def check_receipt(document: dict[str, Any], secret_b64: str) -> CheckedReceipt:
    """The receipt, when its MAC proves it came from whoever opened the file and its
    signature and chain prove the receiving DSL signed it."""
    receipt = document["receipt"]
    if not hmac_equal(receipt_mac(secret_b64, receipt), str(document.get("mac", ""))):
        raise TamperDetected(
            "The receipt does not check out: it was changed, or it was not made by the school "
            "that opened the file. It was not recorded."
        )
    receiver = check_signed(
        document.get("proof"),
        document.get("signer"),
        document.get("signature"),
        "receipt",
        canonical_json(receipt),
        "The receipt",
    )
    return CheckedReceipt(receipt, receiver)


def hmac_equal(a: str, b: str) -> bool:
    import hmac as std_hmac

    return std_hmac.compare_digest(a.encode(), b.encode())
