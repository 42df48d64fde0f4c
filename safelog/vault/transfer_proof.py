"""The proof a transfer file or receipt carries that its signer is that school's DSL.

A school's SafeLog proves who holds which role by its membership log (DESIGN §3.5): the
school CA signs the vault record and the log's first entry, and every later entry is signed
by whoever the rules allowed at that point. A transfer carries exactly that chain, as the
signer's SafeLog replayed it when signing: the CA certificate, the signed vault record and
every entry of the log. The other school replays it with the same code
(vault/membership.py) and checks that the signer was a DSL at its end, and that their
logged Ed25519 key made the signature.

What ties the chain to a real school is the CA certificate's fingerprint: shown on receipt
(and kept with what was received), so the DSLs can compare it by telephone like the
transfer key's. The log names the school's SafeLog users and their roles (no pupil and no
case): that is what the other school learns besides the file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Connection

from safelog.crypto.encoding import b64, unb64
from safelog.crypto.identity import verify_ecdsa, verify_ed25519
from safelog.domain.roles import Role
from safelog.errors import TamperDetected
from safelog.vault import membership
from safelog.vault.directory import vault_keys
from safelog.vault.session import Session

_SIGNING_PREFIX = b"safelog/v1/transfer-signature/"


@dataclass(frozen=True)
class ProvenSigner:
    """Who signed, as the chain they sent proves it."""

    school: str
    vault_id: str
    ca_fingerprint: str  # SHA-256 of the school CA certificate (DER), hex
    user_id: str
    name: str


def signing_message(purpose: str, content: bytes) -> bytes:
    """What a transfer's signer signs: the purpose (manifest, receipt) and the SHA-256 of
    the exact bytes."""
    return _SIGNING_PREFIX + purpose.encode() + b"/" + hashlib.sha256(content).digest()


def school_proof(session: Session, conn: Connection) -> dict[str, Any]:
    """This school's chain as this session verified it: CA, vault record, membership log."""
    directory = session.directory
    _, vault = vault_keys(conn, session.identity.extra["ca_fp"], directory.vault_id)
    rows = [r for r in membership.read_rows(conn) if int(r.seq) <= directory.head_seq]
    return {
        "ca": b64(bytes(vault.ca_cert)),
        "vault_record": b64(bytes(vault.record)),
        "vault_signature": b64(bytes(vault.signature)),
        "membership": [
            {
                "seq": int(r.seq),
                "prev": bytes(r.prev_hash).hex(),
                "hash": bytes(r.entry_hash).hex(),
                "signer": str(r.signer),
                "at": r.created_at.isoformat(timespec="microseconds"),
                "body": b64(bytes(r.body)),
                "signature": b64(bytes(r.signature)),
            }
            for r in rows
        ],
    }


def check_signed(
    proof: Any, signer_id: Any, signature: Any, purpose: str, content: bytes, what: str
) -> ProvenSigner:
    """The signer, when the chain proves them a DSL of their school and their key signed
    `content`; TamperDetected in plain words otherwise. `what` names the file."""
    try:
        signer, keys = _replay(proof, str(signer_id))
        good = any(
            verify_ed25519(key, unb64(str(signature)), signing_message(purpose, content))
            for key in keys
        )
    except TamperDetected as exc:
        raise TamperDetected(
            f"{what} carries a proof of who signed it that does not check out ({exc}); it was "
            "not used."
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError):
        raise TamperDetected(
            f"{what} carries a damaged proof of who signed it; it was not used."
        ) from None
    if not good:
        raise TamperDetected(
            f"The signature on {what.lower()} does not check out: it was changed after "
            f"{signer.name} signed it, or not signed by them. It was not used."
        )
    return signer


def _replay(proof: Any, signer_id: str) -> tuple[ProvenSigner, list[bytes]]:
    ca_der = unb64(str(proof["ca"]))
    ca_cert = x509.load_der_x509_certificate(ca_der)
    ca_public = ca_cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record_raw = unb64(str(proof["vault_record"]))
    if not verify_ecdsa(ca_public, unb64(str(proof["vault_signature"])), record_raw):
        raise TamperDetected("the school record is not signed by its certificate")
    record = json.loads(record_raw)
    keys = membership.Keys(
        vault_id=str(record["vault_id"]),
        ca_public_der=ca_public,
        vault_record_sha=hashlib.sha256(record_raw).hexdigest(),
        recovery_ed25519={k: unb64(v["ed25519"]) for k, v in record["recovery"].items()},
    )
    rows = [
        SimpleNamespace(
            seq=int(e["seq"]),
            prev_hash=bytes.fromhex(str(e["prev"])),
            entry_hash=bytes.fromhex(str(e["hash"])),
            signer=str(e["signer"]),
            created_at=datetime.fromisoformat(str(e["at"])),
            body=unb64(str(e["body"])),
            signature=unb64(str(e["signature"])),
        )
        for e in proof["membership"]
    ]
    if not rows:
        raise TamperDetected("it has no membership log")
    state = membership.replay(rows, keys)
    member = state.members.get(signer_id)
    if member is None or member.ed25519() is None:
        raise TamperDetected("the signer is not one of that school's SafeLog users")
    if Role.DSL not in member.roles:
        raise TamperDetected(f"{member.name} was not a DSL of that school when signing")
    signer = ProvenSigner(
        school=str(record["school"]),
        vault_id=keys.vault_id,
        ca_fingerprint=hashlib.sha256(ca_der).hexdigest(),
        user_id=signer_id,
        name=member.name,
    )
    current = member.ed25519()
    return signer, [k for k in (current,) if k is not None]
