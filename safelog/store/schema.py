"""Tables. Plaintext columns are limited to what the database needs: ids, timestamps,
sizes, key references and the public directory (names and public keys). Everything a
user types or attaches lives in `*_ct` columns, encrypted before it gets here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(36)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every dialect (SQLite keeps no offset)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TS = UTCDateTime()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class VaultRow(Base):
    """One row: the vault's identity, CA certificate and the signed vault record."""

    __tablename__ = "vault"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vault_id: Mapped[str] = mapped_column(ID)
    format: Mapped[int] = mapped_column(Integer)
    ca_cert: Mapped[bytes] = mapped_column(LargeBinary)
    record: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    invitation: Mapped[bytes] = mapped_column(LargeBinary)
    invitation_sig: Mapped[bytes] = mapped_column(LargeBinary)
    invitation_mac: Mapped[bytes] = mapped_column(LargeBinary)
    enrolment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    enrolment_sig: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sealed_keys: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(TS)
    enrolled_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    # A removal signed by the school CA: the person is out of every role from then on.
    removal: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    removal_sig: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class PastIdentityRow(Base):
    """Keys a person used before a reset, kept so their past signatures still verify."""

    __tablename__ = "past_identities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"), index=True)
    invitation: Mapped[bytes] = mapped_column(LargeBinary)
    invitation_sig: Mapped[bytes] = mapped_column(LargeBinary)
    enrolment: Mapped[bytes] = mapped_column(LargeBinary)
    enrolment_sig: Mapped[bytes] = mapped_column(LargeBinary)
    retired_at: Mapped[datetime] = mapped_column(TS)


class RoleEpochRow(Base):
    __tablename__ = "role_epochs"
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    record: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS)


class RoleGrantRow(Base):
    """A role epoch's private key wrapped (HPKE) to one user or one recovery key."""

    __tablename__ = "role_grants"
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(80), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS)


class AudienceRow(Base):
    """A reader group: the exact set of keys a group of cases is readable with."""

    __tablename__ = "audiences"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    record: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    # None when the maker is sealed with the group's key (a report's reader group: its
    # maker is the reporter); `signature` then holds the sealed maker and signature.
    signer_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    created_at: Mapped[datetime] = mapped_column(TS)


class AudienceKeyRow(Base):
    __tablename__ = "audience_keys"
    audience_id: Mapped[str] = mapped_column(ID, ForeignKey("audiences.id"), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(80), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    audience_id: Mapped[str] = mapped_column(ID, ForeignKey("audiences.id"), index=True)
    key_no: Mapped[int] = mapped_column(Integer)
    head_version: Mapped[int] = mapped_column(Integer)
    summary_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)


class CaseKeyRow(Base):
    """Case data keys. The current one is wrapped by the audience key; each older one is
    wrapped by its successor, so a re-keyed case drops its old readers without rewriting
    (and so without breaking the signatures on) anything already recorded."""

    __tablename__ = "case_keys"
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), primary_key=True)
    key_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class ReceiptRow(Base):
    """What the reporter of a case keeps (DESIGN §3.5): the case's first data key sealed with
    a key only the reporter derives, and a summary (status, replies) sealed with that data
    key. Which row is whose is not in the clear: the reporter finds theirs by trying."""

    __tablename__ = "receipts"
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), primary_key=True)
    slot_ct: Mapped[bytes] = mapped_column(LargeBinary)
    summary_ct: Mapped[bytes] = mapped_column(LargeBinary)


class CaseVersionRow(Base):
    __tablename__ = "case_versions"
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_no: Mapped[int] = mapped_column(Integer)
    # None for a version under the case's first key: its author, signed statement and
    # signature are sealed together in `statement` (crypto/sealed_signature.py).
    author_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    created_at: Mapped[datetime] = mapped_column(TS)
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class CaseFieldRow(Base):
    __tablename__ = "case_fields"
    case_id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    value_ct: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceRow(Base):
    __tablename__ = "evidence"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), index=True)
    key_no: Mapped[int] = mapped_column(Integer)
    file_key_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    metadata_ct: Mapped[bytes] = mapped_column(LargeBinary)
    # A PNG thumbnail of an image, sealed with the case key (AAD: evidence id, case id) and
    # covered by the signed statement; NULL when the item is not an image SafeLog can show.
    thumbnail_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    size: Mapped[int] = mapped_column(BigInteger)
    chunk_count: Mapped[int] = mapped_column(Integer)
    # None for an item under the case's first key (sealed like a version's author).
    added_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    added_at: Mapped[datetime] = mapped_column(TS)
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceThumbnailRow(Base):
    """A thumbnail made after its item was recorded (issue 17: a drop of many screenshots
    is recorded first, and their thumbnails are made afterwards in the worker). Sealed with
    the case key; `statement` holds its author and signed statement, sealed the same way
    (vault/evidence_thumbnails.py). `thumbnail_ct` is NULL when the image could not be
    decoded. One per item, by the item's own author."""

    __tablename__ = "evidence_thumbnails"
    evidence_id: Mapped[str] = mapped_column(ID, ForeignKey("evidence.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), index=True)
    key_no: Mapped[int] = mapped_column(Integer)
    thumbnail_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    made_at: Mapped[datetime] = mapped_column(TS)
    statement: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceChunkRow(Base):
    """Evidence ciphertext on PostgreSQL (SQLite vaults keep it in evidence.db, see
    store/chunks.py). No foreign key: chunks are committed before their evidence row."""

    __tablename__ = "evidence_chunks"
    evidence_id: Mapped[str] = mapped_column(ID, primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_ct: Mapped[bytes] = mapped_column(LargeBinary)
    written_at: Mapped[int] = mapped_column(BigInteger, index=True)


class AuditHeadRow(Base):
    """Single row; updating it serialises appends to the log across clients."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary)


class AuditRow(Base):
    __tablename__ = "audit"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary)
    actor_id: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(TS)
    case_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    key_ref: Mapped[str] = mapped_column(String(80))
    # What of the case the entry names, hashed into the entry (DESIGN §3.5 "nothing quietly
    # missing"): "v<n>" for a case version written, "e:<evidence id>" for evidence added.
    item_ref: Mapped[str | None] = mapped_column(String(80), nullable=True)
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class MembershipRow(Base):
    """The membership log (DESIGN §3.5): invitations, enrolments, admissions, removals,
    resets and role-key epochs, each signed and chained to the one before."""

    __tablename__ = "membership"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary)
    signer: Mapped[str] = mapped_column(String(80))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS)


class SettingRow(Base):
    """School-wide settings (not secret), each signed by the DSL who set it."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    record: Mapped[bytes] = mapped_column(LargeBinary)
    signer_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(TS)


class FailedUnlockRow(Base):
    """Failed passphrase attempts, recorded before anyone can sign; turned into signed audit
    entries at that user's next successful sign-in."""

    __tablename__ = "failed_unlocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ID, index=True)
    at: Mapped[datetime] = mapped_column(TS)
    device: Mapped[str] = mapped_column(String(200))


class RollBatchRow(Base):
    """The school roll (vault/roll.py): each import or change of pupils is one batch,
    sealed for every enrolled member, signed by the DSL or administrator who made it and
    chained to the batch before, so a batch changed, removed or reordered is noticed."""

    __tablename__ = "roll_batches"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    batch_hash: Mapped[bytes] = mapped_column(LargeBinary)
    epoch: Mapped[int] = mapped_column(Integer)
    membership_seq: Mapped[int] = mapped_column(BigInteger)
    signer_id: Mapped[str] = mapped_column(ID)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS)


class TransferRow(Base):
    """Child protection file transfers (vault/transfer_store.py): the school's transfer key,
    files sent (the school's own copy), files received (kept as received) and receipts.
    Each row is sealed for the DSL role, signed by the DSL who made it and chained to the
    row before. `parts_ct` holds a file's documents and originals, read only when opened;
    its SHA-256 (`parts_hash`) is in the signed row hash."""

    __tablename__ = "transfers"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    row_hash: Mapped[bytes] = mapped_column(LargeBinary)
    epoch: Mapped[int] = mapped_column(Integer)
    membership_seq: Mapped[int] = mapped_column(BigInteger)
    signer_id: Mapped[str] = mapped_column(ID)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    parts_hash: Mapped[bytes] = mapped_column(LargeBinary)
    parts_ct: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS)


class ApprovalRow(Base):
    """Requests that wait for a named person's decision and those decisions
    (vault/approvals.py): blocked content, family links, monitoring. Each row is sealed with
    the key of the reader group its request was sent to, signed by its author, and chained
    to the row before, so a row changed, removed or reordered is noticed."""

    __tablename__ = "approvals"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    row_hash: Mapped[bytes] = mapped_column(LargeBinary)
    request_seq: Mapped[int] = mapped_column(BigInteger)  # 0 for a request, else the one decided
    audience_id: Mapped[str] = mapped_column(ID)
    membership_seq: Mapped[int] = mapped_column(BigInteger)
    signer_id: Mapped[str] = mapped_column(ID)
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS)
