"""The school's transfer key: the X25519 key other schools encrypt child protection files
to. It belongs to the school, not to one person: its private half is kept in a transfer
record sealed for the DSL role (vault/transfer_store.py), so every DSL, now or later, opens
what was sent to it. It is made the first time a DSL asks for it; every key the school has
made still opens files sent to it, and the newest is the one given out.

The public half is given out as a PEM file (or printed from the app) with its fingerprint,
which the two DSLs read to each other over the telephone before a file is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlalchemy import Connection

from safelog.audit.actions import AuditAction
from safelog.crypto.encoding import b64, unb64
from safelog.crypto.identity import x25519_private_bytes, x25519_public_bytes
from safelog.crypto.transfer_box import key_fingerprint, load_public_key_pem, public_key_pem
from safelog.domain.transfers import TransferKind, phone_fingerprint
from safelog.errors import InvalidInput, TamperDetected
from safelog.store.files import write_atomically
from safelog.vault.session import Session
from safelog.vault.transfer_store import ITEM_PREFIX, append_row, load_rows, require_dsl

MAX_KEY_FILE = 64 * 1024


@dataclass(frozen=True)
class SchoolKey:
    public: X25519PublicKey
    fingerprint: str  # SHA-256 of the raw public key, hex
    school: str
    made_by: str
    made_at: datetime

    @property
    def phone(self) -> str:
        return phone_fingerprint(self.fingerprint)

    def pem(self) -> bytes:
        return public_key_pem(self.public, key_words(self.school, self.fingerprint))


@dataclass(frozen=True)
class RecipientKey:
    """Another school's transfer key, read from the file they sent."""

    public: X25519PublicKey
    fingerprint: str
    words: str  # what the file says of itself (not trusted: the fingerprint is checked)

    @property
    def phone(self) -> str:
        return phone_fingerprint(self.fingerprint)

    @property
    def school(self) -> str:
        for line in self.words.splitlines():
            if line.startswith("School: "):
                return line.removeprefix("School: ").strip()[:200]
        return ""


def key_words(school: str, fingerprint: str) -> str:
    return (
        "SafeLog transfer key: encrypt child protection files for this school to it.\n"
        f"School: {school}\n"
        f"Fingerprint: {phone_fingerprint(fingerprint)}\n"
        "Check the fingerprint with the school's DSL by telephone before sending a file."
    )


def private_keys(session: Session, conn: Connection) -> dict[str, X25519PrivateKey]:
    """Every transfer key this school has made, by fingerprint."""
    keys: dict[str, X25519PrivateKey] = {}
    for record in load_rows(session, conn):
        if record.kind == TransferKind.KEY:
            private = X25519PrivateKey.from_private_bytes(unb64(record.body["private"]))
            fingerprint = key_fingerprint(private.public_key())
            if fingerprint != record.body.get("fingerprint"):
                raise TamperDetected("The school's transfer key record does not match its key.")
            keys[fingerprint] = private
    return keys


def school_key(session: Session) -> SchoolKey:
    """The newest transfer key, made now (and audited) when the school has none yet."""
    require_dsl(session)
    with session.write() as conn:
        found = [r for r in load_rows(session, conn) if r.kind == TransferKind.KEY]
        if found:
            record = found[-1]
        else:
            private = X25519PrivateKey.generate()
            fingerprint = key_fingerprint(private.public_key())
            body = {
                "kind": TransferKind.KEY.value,
                "private": b64(x25519_private_bytes(private)),
                "public": b64(x25519_public_bytes(private.public_key())),
                "fingerprint": fingerprint,
            }
            seq = append_row(session, conn, body)
            session.audit(
                conn,
                AuditAction.TRANSFER_KEY,
                {"fingerprint": fingerprint},
                item=f"{ITEM_PREFIX}{seq}",
            )
            record = next(r for r in load_rows(session, conn) if r.seq == seq)
    public = X25519PublicKey.from_public_bytes(unb64(record.body["public"]))
    if key_fingerprint(public) != record.body.get("fingerprint"):
        raise TamperDetected("The school's transfer key record does not match its key.")
    maker = session.directory.people.get(record.signer_id)
    return SchoolKey(
        public,
        record.body["fingerprint"],
        session.directory.school,
        maker.name if maker else "a DSL",
        record.at,
    )


def export_school_key(session: Session, out: Path) -> tuple[SchoolKey, str]:
    """Write the public half to `out` (which must not exist); audited with its SHA-256."""
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    key = school_key(session)
    data = key.pem()
    digest = write_atomically(out, data, 0o644)  # a public key: others may read it
    try:
        with session.write() as conn:
            session.audit(
                conn,
                AuditAction.TRANSFER_KEY_EXPORT,
                {"fingerprint": key.fingerprint, "sha256": digest, "size": len(data)},
            )
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return key, digest


def read_recipient_key(path: Path) -> RecipientKey:
    """Another school's key file, or one plain line saying why it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"There is no file {path}.")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE + 1)
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror}.") from None
    if len(data) > MAX_KEY_FILE:
        raise InvalidInput(f"{path} is far too large to be a transfer key.")
    return recipient_key_from_bytes(data, str(path))


def recipient_key_from_bytes(data: bytes, name: str) -> RecipientKey:
    try:
        public, words = load_public_key_pem(data)
    except ValueError:
        raise InvalidInput(
            f"{name} is not a SafeLog transfer key: ask the receiving school's DSL for the "
            "file `safelog transfer key` makes (or the app's Transfers window saves)."
        ) from None
    return RecipientKey(public, key_fingerprint(public), words)
