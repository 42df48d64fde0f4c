"""What this device has already verified of each case it read (DESIGN §7: a pupil's page
reads 30 cases, and a case viewed often has hundreds of audit entries, each signed).

After read_case (vault/case_reading.py) has verified a case in full (every signature,
every author's authority, the reader groups, the audit entries about it), the device
keeps, sealed with the user's profile key like its record of the verified audit log
(audit/verified.py):

    case id -> digest   a SHA-256 over the case's rows exactly as verified: its row, every
                        version, every field, the reader groups its versions name with
                        their key slots, and the audit entries about it up to `audit_seq`
               groups   those reader groups
               first    the first version written by someone who manages cases

A later read digests the same rows as they are now. Only when the digests are equal (the
very rows verified: nothing changed, added or taken away) does it skip the signatures and
the authority checks; it still opens every field against its signed hash. Audit entries
about the case after `audit_seq` (views, mostly) are checked one by one as always; one
that names a version or an evidence item sends the case back to full verification. No
record, a damaged or foreign file, another version of SafeLog or a digest that differs
means the case is verified in full, and a tampered row is reported exactly as before. A
database writer cannot make a digest match rows they changed (SHA-256), nor seal a record
of their own (AES-GCM under a key only the user's passphrase opens).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, select

from safelog import __version__
from safelog.crypto.aead import Cipher, DecryptionFailed, binding
from safelog.store.files import write_private_file
from safelog.store.schema import AudienceKeyRow, AudienceRow
from safelog.vault.session import Session
from safelog.vault.session_keys import SessionKeys

FORMAT = 1
_MEMO = "verified-cases"


@dataclass(frozen=True)
class CaseCheck:
    digest: bytes
    audit_seq: int  # the last audit entry about the case the digest covers
    groups: tuple[str, ...]
    first_manager_version: int


class VerifiedCases:
    """The records, as loaded at the first read of a session; `changed` until saved."""

    def __init__(self, records: dict[str, CaseCheck]) -> None:
        self._records = records
        self._lock = threading.Lock()  # views load on worker threads
        self.changed = False

    def get(self, case_id: str) -> CaseCheck | None:
        return self._records.get(case_id)

    def put(self, case_id: str, check: CaseCheck) -> None:
        with self._lock:
            if self._records.get(case_id) != check:
                self._records[case_id] = check
                self.changed = True

    def keep(self, session: SessionKeys) -> None:
        """Seal what the session verified, if anything is new (on locking:
        vault/session.py)."""
        if not self.changed or session.locked or not session.profile_key:
            return
        with self._lock:
            self.changed = False
            records = dict(self._records)
        body = json.dumps(
            {
                "format": FORMAT,
                "cases": {
                    case_id: [c.digest.hex(), c.audit_seq, list(c.groups), c.first_manager_version]
                    for case_id, c in records.items()
                },
            },
            separators=(",", ":"),
        ).encode("utf-8")
        vault_id, user_id = session.directory.vault_id, session.user_id
        sealed = Cipher(session.profile_key).seal(body, _aad(vault_id, user_id))
        write_private_file(path(session.data_dir, vault_id, user_id), sealed)


def path(data_dir: Path, vault_id: str, user_id: str) -> Path:
    return data_dir / "profiles" / f"{vault_id}-{user_id}.cases"


def _aad(vault_id: str, user_id: str) -> bytes:
    # Bound to this version of SafeLog too: another may check cases by other rules.
    return binding("verified-cases", __version__, vault_id, user_id)


def held(session: Session) -> VerifiedCases:
    """This session's records, read from the device once."""
    found = session.memo.get(_MEMO)
    if found is None:
        found = VerifiedCases(
            _load(
                session.data_dir, session.directory.vault_id, session.user_id, session.profile_key
            )
        )
        session.memo[_MEMO] = found
    return cast(VerifiedCases, found)


def _load(data_dir: Path, vault_id: str, user_id: str, profile_key: bytes) -> dict[str, CaseCheck]:
    try:
        blob = path(data_dir, vault_id, user_id).read_bytes()
    except OSError:
        return {}
    try:
        data = json.loads(Cipher(profile_key).open(blob, _aad(vault_id, user_id)))
        if data["format"] != FORMAT:
            return {}
        out = {}
        for case_id, (digest, seq, groups, first) in data["cases"].items():
            check = CaseCheck(bytes.fromhex(digest), int(seq), tuple(groups), int(first))
            if len(check.digest) == 32:
                out[str(case_id)] = check
        return out
    except (DecryptionFailed, ValueError, KeyError, TypeError):
        return {}


@dataclass(frozen=True)
class GroupRows:
    """The reader groups a case's versions name, and their key slots, as stored."""

    ids: tuple[str, ...]
    records: tuple[tuple[Any, ...], ...]
    slots: tuple[tuple[Any, ...], ...]


def read_groups(conn: Connection, groups: Iterable[str]) -> GroupRows:
    wanted = tuple(sorted(set(groups)))
    records = conn.execute(
        select(AudienceRow.__table__).where(AudienceRow.id.in_(wanted)).order_by(AudienceRow.id)
    ).all()
    slots = conn.execute(
        select(AudienceKeyRow.__table__)
        .where(AudienceKeyRow.audience_id.in_(wanted))
        .order_by(AudienceKeyRow.audience_id, AudienceKeyRow.recipient)
    ).all()
    return GroupRows(wanted, tuple(map(tuple, records)), tuple(map(tuple, slots)))


def rows_digests(
    case_row: Any,
    versions: Sequence[Any],
    field_rows: Sequence[Any],
    groups: GroupRows,
    audit_rows: Sequence[Any],
    audit_seqs: Iterable[int],
) -> dict[int, bytes]:
    """The digest of a case's rows as read (see the module note), covering its audit
    entries up to each of `audit_seqs`: one pass for the check and the record that follows."""
    digest = hashlib.sha256()
    _feed(digest, ("case", case_row.id, case_row.reference, case_row.audience_id))
    _feed(digest, (case_row.head_version, case_row.key_no))
    for v in versions:
        _feed(digest, ("version", *v))
    for f in sorted(field_rows, key=lambda f: (f.version, f.field)):
        _feed(digest, ("field", *f))
    _feed(digest, ("groups", *groups.ids, len(groups.records), len(groups.slots)))
    for g in groups.records:
        _feed(digest, ("group", *g))
    for k in groups.slots:
        _feed(digest, ("slot", *k))
    wanted = sorted(set(audit_seqs))
    out: dict[int, bytes] = {}
    rows = iter(audit_rows)
    row = next(rows, None)
    for seq in wanted:
        while row is not None and row.seq <= seq:
            _feed(digest, ("audit", *row))
            row = next(rows, None)
        end = digest.copy()
        _feed(end, ("end", seq))
        out[seq] = end.digest()
    return out


def _feed(digest: Any, values: tuple[Any, ...]) -> None:
    """One row: its Python literal (repr is exact for str, bytes, int, None and datetime,
    and quotes and escapes them, so no two different rows give the same text),
    length-prefixed. A driver that returned memoryviews would give a different text each
    time (their address): the case would then be verified in full each time, never less."""
    raw = repr(values).encode()
    digest.update(len(raw).to_bytes(8, "big"))
    digest.update(raw)
