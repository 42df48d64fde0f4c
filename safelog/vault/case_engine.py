"""The case engine: every read and write of a case's versions and keys goes through it.
This module opens a case's keys and names what each ciphertext is bound to; its parts are
listed below.

Keys: each case has a data key (DEK). The current DEK is wrapped by the key of the case's
reader group (audience); each older DEK is wrapped by its successor, so a re-keyed case
is unreadable with keys the excluded readers hold, while everything already recorded,
and its signature, stays exactly as it was.

Versions: each version is a signed statement naming the SHA-256 of every field it sets;
each field is sealed on its own, bound to the case, the version and its name. Reading a
case checks every signature, the chain of statements, every field, and (DESIGN §3.5) the
authority of every author and reader group (vault/authority.py): those checks are made
in vault/case_reading.py and nowhere else, so no path to a case can skip them. Evidence
items are checked too (`verify_evidence_row` in vault/evidence_statements.py), against the
verified versions.

Writing versions, re-keying and amending: vault/case_writing.py; the sealed entry of a case
in the case list: vault/case_summary.py.

The use cases sit above: cases.py (record, list, show, update), workspace.py, evidence.py,
content_form.py, receipts.py, audit_view.py and export.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from safelog.crypto.aead import Cipher, DecryptionFailed, binding
from safelog.errors import AccessDenied, NotFound, ReportBeingHandled, TamperDetected
from safelog.store.schema import CaseKeyRow, CaseRow
from safelog.vault.authority import MANAGERS, VersionAuthor
from safelog.vault.case_schema import CaseFields
from safelog.vault.out_of_reach import why_out_of_reach
from safelog.vault.receipt_store import first_key_for_reporter
from safelog.vault.records import Version
from safelog.vault.rows_ahead import RowsAhead
from safelog.vault.session import Session

# -- associated data: what each ciphertext is bound to ------------------------------------


def field_aad(case_id: str, version: int, name: str) -> bytes:
    return binding("field", case_id, version, name)


def summary_aad(case_id: str, audience_id: str, version: int) -> bytes:
    return binding("summary", case_id, audience_id, version)


def dek_aad(case_id: str, key_no: int, audience_id: str) -> bytes:
    return binding("case-key", case_id, key_no, audience_id)


def chain_aad(case_id: str, key_no: int) -> bytes:
    return binding("case-key-chain", case_id, key_no)


def version_author_aad(case_id: str, version: int) -> bytes:
    return binding("version-author", case_id, version)


# -- opening ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedCase:
    """A case's versions as read and checked: signatures, chain, fields and authority."""

    fields: CaseFields  # after the last version
    history: list[Version]
    last_statement: bytes  # what the next version chains to
    changes: dict[int, CaseFields]  # version number -> what it set (versions that set any)
    # Who wrote each version and the status after it: what evidence is checked against.
    version_log: list[VersionAuthor]
    # What the audit log records of the case: item -> (entry, membership point).
    audit_items: dict[str, tuple[int, int | None]]
    first_manager_version: int


@dataclass
class OpenCase:
    """A case with its keys opened, for use inside one operation."""

    row: Any  # a row of the cases table; audience_id and key_no move on re-key
    ciphers: dict[int, Cipher]  # key_no -> cipher
    verified: VerifiedCase | None = None  # the last read_case, until a version is added

    @property
    def current(self) -> Cipher:
        return self.ciphers[self.row.key_no]

    def audit_ref(self) -> tuple[str, int, Cipher]:
        return (self.row.id, self.row.key_no, self.current)


def _case_row(conn: Connection, reference: str) -> Any:
    row = conn.execute(
        select(CaseRow.__table__).where(CaseRow.reference == reference.strip().upper())
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no case {reference}.")
    return row


def open_case(
    session: Session, conn: Connection, reference: str, ahead: RowsAhead | None = None
) -> OpenCase:
    """The case with every data key this user can open: through its reader group, or, for
    the reporter of a report not yet opened by those who manage cases, their receipt.
    `ahead`: its rows, when read ahead with other cases' (vault/rows_ahead.py)."""
    row = ahead.cases.get(reference) if ahead is not None else None
    if row is None:
        row, ahead = _case_row(conn, reference), None
    audience = session.audience_ciphers.get(row.audience_id)
    if audience is None:
        session.load_audiences(conn)
        audience = session.audience_ciphers.get(row.audience_id)
    if audience is None:
        first = first_key_for_reporter(session, conn, row.id)
        if first is None:
            manager = MANAGERS & session.person.roles
            moved = why_out_of_reach(session, conn, row) if manager else None
            raise moved or AccessDenied(f"You do not have access to case {row.reference}.")
        if row.key_no != 1:
            raise ReportBeingHandled(
                f"Report {row.reference} is now being handled, so you cannot add to it; tell "
                "your DSL about anything new, or make a new report."
            )
        return OpenCase(row, {1: first})
    key_rows = (
        ahead.keys[row.id]
        if ahead is not None
        else conn.execute(select(CaseKeyRow.__table__).where(CaseKeyRow.case_id == row.id)).all()
    )
    keys = {k.key_no: k.wrapped for k in key_rows}
    ciphers: dict[int, Cipher] = {}
    try:
        dek = audience.open(keys[row.key_no], dek_aad(row.id, row.key_no, row.audience_id))
        ciphers[row.key_no] = Cipher(dek)
        for key_no in range(row.key_no - 1, 0, -1):
            dek = Cipher(dek).open(keys[key_no], chain_aad(row.id, key_no))
            ciphers[key_no] = Cipher(dek)
    except (DecryptionFailed, KeyError):
        raise TamperDetected(f"The key that opens case {row.reference} is damaged.") from None
    return OpenCase(row, ciphers)


def lock_case(conn: Connection, reference: str) -> None:
    """On PostgreSQL, hold the case row for the rest of the transaction, so that two
    imports of the same file into one case cannot both miss each other."""
    conn.execute(
        select(CaseRow.id).where(CaseRow.reference == reference.strip().upper()).with_for_update()
    )


def open_as_reporter(session: Session, conn: Connection, reference: str) -> OpenCase:
    """A report as its reporter holds it: the case's first key only, from their receipt."""
    row = _case_row(conn, reference)
    first = first_key_for_reporter(session, conn, row.id)
    if first is None:
        raise AccessDenied(f"{row.reference} is not one of your reports.")
    return OpenCase(row, {1: first})
