"""The membership log (DESIGN §3.5): invitations, enrolments, admissions, removals, resets
and role-key epochs as one append-only, hash-chained, signed log.

Every client replays it from its genesis entry, which the school CA signed (the reader
pinned that CA's fingerprint at enrolment), and derives from it alone who holds which role
at every point of the log and which key epoch of each role is current. Nothing is read from
a status column. An entry that is not signed by the key it names, or that does not link to
the one before, is tampering and the whole log is refused; a well-signed entry the rules do
not allow (an administrator admitting a "chair", a second enrolment with a kept code) is
ignored and named in `problems`, so it grants nothing.

    entry_hash = SHA-256(canonical JSON {seq, prev, signer, at, body: SHA-256(body)})
    signature  = sign(signer's key, b"safelog/v1/membership" + entry_hash)

Signers: "ca" (the genesis), "user:<id>" (a member's Ed25519 key at that point),
"invite:<id>" (the key of that person's current invitation, for their enrolment only) and
"recovery:<kind>" (a recovery key).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, String, insert, select, type_coerce, update

from safelog.crypto.encoding import b64, canonical_json, unb64
from safelog.crypto.identity import verify_ecdsa, verify_ed25519
from safelog.domain.admission import (
    NEEDS_NO_ADMISSION,
    may_admit,
    may_start_epoch,
    recovery_may_admit,
    recovery_may_start_epoch,
)
from safelog.domain.roles import KeyRole, RecoveryKey, Role, conflicting_roles
from safelog.errors import TamperDetected
from safelog.store.schema import AuditHeadRow, MembershipRow

GENESIS = b"\x00" * 32
_SIGNING_PREFIX = b"safelog/v1/membership"
SETUP = "setup"

# What a person's state is called, in the CLI's JSON and the app.
INVITED = "invited"
ENROLLED = "enrolled"  # enrolled, with a role still waiting to be admitted
ADMITTED = "admitted"  # enrolled, and admitted to every role asked for (or declined)
REMOVED = "removed"


class MembershipTampered(TamperDetected):
    pass


@dataclass(frozen=True)
class Head:
    seq: int
    entry_hash: bytes


def entry_hash(seq: int, prev: bytes, signer: str, at: datetime, body: bytes) -> bytes:
    header = {
        "seq": seq,
        "prev": prev.hex(),
        "signer": signer,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "body": hashlib.sha256(body).hexdigest(),
    }
    return hashlib.sha256(canonical_json(header)).digest()


def signing_message(digest: bytes) -> bytes:
    return _SIGNING_PREFIX + digest


def read_head(conn: Connection) -> Head:
    row = conn.execute(
        select(MembershipRow.seq, MembershipRow.entry_hash)
        .order_by(MembershipRow.seq.desc())
        .limit(1)
    ).one_or_none()
    return Head(0, GENESIS) if row is None else Head(int(row.seq), row.entry_hash)


def append(
    conn: Connection,
    *,
    signer: str,
    body: dict[str, Any],
    sign: Callable[[bytes], bytes],
    at: datetime,
) -> Head:
    """Append within the caller's transaction. The audit head row is locked first, as the
    audit log's own appends do, so membership and audit writers queue in one order."""
    conn.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=AuditHeadRow.seq))
    head = read_head(conn)
    raw = canonical_json(body)
    seq = head.seq + 1
    digest = entry_hash(seq, head.entry_hash, signer, at, raw)
    conn.execute(
        insert(MembershipRow).values(
            seq=seq,
            prev_hash=head.entry_hash,
            entry_hash=digest,
            signer=signer,
            body=raw,
            signature=sign(signing_message(digest)),
            created_at=at,
        )
    )
    return Head(seq, digest)


def pin(conn: Connection, own: Head) -> dict[str, Any]:
    """What a member pins at enrolment: the log's first entry and their own enrolment."""
    first = conn.execute(
        select(MembershipRow.entry_hash).where(MembershipRow.seq == 1)
    ).scalar_one()
    return {"genesis": first.hex(), "seq": own.seq, "hash": own.entry_hash.hex()}


def check_pin(conn: Connection, pinned: dict[str, Any] | None) -> None:
    """The log must still start where it did and hold this member's own enrolment."""
    if not pinned:
        return
    rows = dict(
        conn.execute(
            select(MembershipRow.seq, MembershipRow.entry_hash).where(
                MembershipRow.seq.in_([1, int(pinned["seq"])])
            )
        ).all()
    )
    first, own = rows.get(1), rows.get(int(pinned["seq"]))
    if (
        first is None
        or own is None
        or first.hex() != pinned["genesis"]
        or own.hex() != pinned["hash"]
    ):
        raise MembershipTampered(
            "The membership log is not the one you enrolled in: it has been replaced or cut "
            "back (the list of who may read what was rewritten). SafeLog will not use it; "
            "tell your DSL."
        )


# Every column of an entry, the time as the database returns it: what a device compares with
# the digest it kept of the entries it replayed (vault/directory.py).
_STORED_TIME = type_coerce(MembershipRow.created_at, String()).label("created_raw")
content_of = attrgetter(
    "seq", "prev_hash", "entry_hash", "signer", "created_raw", "body", "signature"
)


def read_rows(conn: Connection, *, stored_time: bool = False) -> list[Any]:
    """The log in order. With stored_time, each row also has `created_raw` (see content_of)."""
    columns: list[Any] = [MembershipRow.__table__]
    if stored_time:
        columns.append(_STORED_TIME)
    return list(conn.execute(select(*columns).order_by(MembershipRow.seq)).all())


# -- replaying --------------------------------------------------------------------------


@dataclass
class Member:
    """One person as the log says, at the point the replay has reached."""

    user_id: str
    name: str
    invitation: bytes
    invitation_sha: str
    requested: frozenset[Role]
    invited_by: str
    invited_seq: int
    public: dict[str, str] | None = None
    enrolled_seq: int | None = None
    admitted: dict[Role, str] = field(default_factory=dict)
    declined: dict[Role, str] = field(default_factory=dict)
    removed_by: str | None = None
    past_ed25519: list[bytes] = field(default_factory=list)
    # The log entry (a reset) that retired each past key: it signs nothing naming a later point.
    past_until: list[int] = field(default_factory=list)
    # Key-agreement keys of earlier enrolments: the blinded slot tags of reader groups made
    # with one (a report's, crypto/slot_tags.py) are worked out from it.
    past_x25519: list[bytes] = field(default_factory=list)
    # Roles asked for or held under earlier invitations (before a reset): a reset must never
    # take anyone out of the iron rule.
    past_roles: frozenset[Role] = frozenset()
    # (seq, roles held, roles claimed) from that entry on: "what could they do at entry N".
    history: list[tuple[int, frozenset[Role], frozenset[Role]]] = field(default_factory=list)

    @property
    def enrolled(self) -> bool:
        return self.public is not None

    @property
    def removed(self) -> bool:
        return self.removed_by is not None

    @property
    def roles(self) -> frozenset[Role]:
        """The roles this person holds now: admitted ones, and staff once enrolled."""
        if self.removed or not self.enrolled:
            return frozenset()
        return frozenset(self.admitted) | (self.requested & NEEDS_NO_ADMISSION)

    @property
    def claimed_roles(self) -> frozenset[Role]:
        """Every role asked for or held, now or before a reset: what the iron rule must
        assume they may hold."""
        return self.requested | frozenset(self.admitted) | self.past_roles

    @property
    def pending(self) -> frozenset[Role]:
        """Roles asked for that no one has admitted or declined yet."""
        if self.removed or not self.enrolled:
            return frozenset()
        return self.requested - NEEDS_NO_ADMISSION - set(self.admitted) - set(self.declined)

    @property
    def state(self) -> str:
        if self.removed:
            return REMOVED
        if not self.enrolled:
            return INVITED
        return ENROLLED if self.pending else ADMITTED

    def ed25519(self) -> bytes | None:
        return unb64(self.public["ed25519"]) if self.public else None


@dataclass(frozen=True)
class EpochEntry:
    role: KeyRole
    epoch: int
    public: bytes
    created_by: str
    seq: int


@dataclass
class MembershipState:
    vault_id: str
    members: dict[str, Member] = field(default_factory=dict)
    epochs: dict[KeyRole, list[EpochEntry]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    head: Head = field(default_factory=lambda: Head(0, GENESIS))

    def current_epoch(self, role: KeyRole, at: int | None = None) -> EpochEntry | None:
        entries = self.epochs.get(role, [])
        if at is not None:
            entries = [e for e in entries if e.seq <= at]
        return entries[-1] if entries else None

    def describe_signer(self, signer: str) -> str:
        kind, _, rest = signer.partition(":")
        if kind == "user":
            member = self.members.get(rest)
            return member.name if member else "an unknown user"
        if kind == "recovery":
            return f"the {rest} recovery key"
        if kind == "invite":
            return "their enrolment code"
        if signer == SETUP:
            return "setting up SafeLog"
        return "the school certificate"


@dataclass(frozen=True)
class Keys:
    """What a replay needs to check signatures: all from the pinned CA's vault record."""

    vault_id: str
    ca_public_der: bytes
    vault_record_sha: str
    recovery_ed25519: dict[str, bytes]


class _Refused(Exception):
    """A well-signed entry the rules do not allow: ignored, and named."""


def replay(
    rows: Iterable[Any], keys: Keys, start: MembershipState | None = None
) -> MembershipState:
    """The state the log gives. With `start` (the state after the entries before these, as
    replayed with these keys), the replay goes on from there and takes `start` over."""
    state = start if start is not None else MembershipState(keys.vault_id)
    current = state.head
    for row in rows:
        seq = int(row.seq)
        where = f"entry {seq} of the membership log"
        if seq != current.seq + 1:
            raise MembershipTampered(
                f"Entry {current.seq + 1} of the membership log is missing: the list of who "
                "may read what has been tampered with. SafeLog will not use it."
            )
        if row.prev_hash != current.entry_hash:
            raise MembershipTampered(
                f"Entries {seq - 1} and {seq} of the membership log no longer link up: it has "
                "been rewritten. SafeLog will not use it."
            )
        digest = entry_hash(seq, row.prev_hash, row.signer, row.created_at, row.body)
        if digest != row.entry_hash:
            raise MembershipTampered(f"The {where} has been altered.")
        try:
            body = json.loads(row.body)
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            raise MembershipTampered(f"The {where} is damaged.") from None
        public = _signer_key(state, keys, row.signer, body, seq)
        if public is None or not _verifies(row.signer, public, row.signature, digest):
            raise MembershipTampered(
                f"The signature on {where} does not check out: it was not made by the key it "
                "names. The list of who may read what has been tampered with."
            )
        try:
            _apply(state, keys, seq, row.signer, body)
        except _Refused as refused:
            state.problems.append(f"Membership log entry {seq} was refused: {refused}")
        except (KeyError, ValueError, TypeError):
            if seq == 1:
                raise MembershipTampered(
                    "The first entry of the membership log is not a genesis SafeLog made: the "
                    "list of who may read what has been replaced. SafeLog will not use it."
                ) from None
            state.problems.append(f"Membership log entry {seq} was refused: it is malformed")
        current = Head(seq, digest)
    state.head = current
    return state


def _verifies(signer: str, public: bytes, signature: bytes, digest: bytes) -> bool:
    if signer == "ca":
        return verify_ecdsa(public, signature, signing_message(digest))
    return verify_ed25519(public, signature, signing_message(digest))


def _signer_key(
    state: MembershipState, keys: Keys, signer: str, body: dict[str, Any], seq: int
) -> bytes | None:
    kind, _, rest = signer.partition(":")
    if signer == "ca":
        return keys.ca_public_der if seq == 1 else None
    if seq == 1:
        return None  # only the school CA starts a log
    if kind == "recovery":
        return keys.recovery_ed25519.get(rest)
    member = state.members.get(rest)
    if member is None:
        return None
    if kind == "invite":
        if body.get("type") != "enrol" or body.get("user_id") != rest:
            return None
        return unb64(json.loads(member.invitation)["invite_ed25519"])
    if kind == "user":
        if member.removed or not member.enrolled:
            return None
        return member.ed25519()
    return None


def _record(state: MembershipState, member: Member, seq: int) -> None:
    member.history.append((seq, member.roles, member.claimed_roles))


def _checked_invitation(keys: Keys, body: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    invitation = unb64(str(body["invitation"]))
    if not verify_ecdsa(keys.ca_public_der, unb64(str(body["invitation_sig"])), invitation):
        raise _Refused("its invitation is not signed by the school certificate")
    data = json.loads(invitation)
    if data.get("vault_id") != keys.vault_id or data.get("type") != "invitation":
        raise _Refused("its invitation belongs to another school's SafeLog")
    return invitation, data


def _new_member(
    state: MembershipState, keys: Keys, body: dict[str, Any], by: str, seq: int
) -> Member:
    invitation, data = _checked_invitation(keys, body)
    user_id = str(data["user_id"])
    if user_id in state.members:
        raise _Refused("that person was invited already")
    name = str(data["name"])
    if any(m.name.casefold() == name.casefold() for m in state.members.values()):
        raise _Refused(f"there is already someone called {name}")
    conflict = conflicting_roles(frozenset(Role(r) for r in data["roles"]))
    if conflict:
        raise _Refused(f"{name} was invited as both: {conflict}")
    member = Member(
        user_id=user_id,
        name=name,
        invitation=invitation,
        invitation_sha=hashlib.sha256(invitation).hexdigest(),
        requested=frozenset(Role(r) for r in data["roles"]),
        invited_by=by,
        invited_seq=seq,
    )
    state.members[user_id] = member
    _record(state, member, seq)
    return member


def _acting_roles(state: MembershipState, signer: str) -> frozenset[Role]:
    kind, _, rest = signer.partition(":")
    if kind != "user":
        return frozenset()
    member = state.members.get(rest)
    return member.roles if member else frozenset()


def _target(state: MembershipState, body: dict[str, Any]) -> Member:
    member = state.members.get(str(body["user_id"]))
    if member is None:
        raise _Refused("it names someone who was never invited")
    return member


def _apply(state: MembershipState, keys: Keys, seq: int, signer: str, body: dict[str, Any]) -> None:
    kind = body.get("type")
    if seq == 1:
        if kind != "genesis" or body.get("vault_id") != keys.vault_id:
            raise MembershipTampered(
                "The membership log does not start with this school's first entry."
            )
        if body.get("vault_record") != keys.vault_record_sha:
            raise MembershipTampered("The membership log was started for another school's record.")
        founder = _new_member(state, keys, body["founder"], SETUP, seq)
        founder.admitted = {
            Role(r): SETUP for r in body["founder_roles"] if Role(r) not in NEEDS_NO_ADMISSION
        }
        return
    acting = _acting_roles(state, signer)
    if kind == "invite":
        if Role.ADMIN not in acting:
            raise _Refused("only an administrator can invite, and the signer is not one")
        _new_member(state, keys, body, signer, seq)
    elif kind == "enrol":
        member = _target(state, body)
        if member.enrolled or member.removed:
            raise _Refused(f"the enrolment code of {member.name} had already been used")
        enrolment = json.loads(unb64(str(body["enrolment"])))
        if (
            enrolment.get("user_id") != member.user_id
            or enrolment.get("vault_id") != keys.vault_id
            or enrolment.get("invitation_sha256") != member.invitation_sha
        ):
            raise _Refused(f"the enrolment of {member.name} is for another invitation")
        member.public = dict(enrolment["public"])
        member.enrolled_seq = seq
        _record(state, member, seq)
    elif kind in ("admit", "decline"):
        member = _target(state, body)
        role = Role(body["role"])
        if member.removed or body.get("invitation") != member.invitation_sha:
            raise _Refused(f"it names an earlier invitation of {member.name}")
        if role not in member.requested or role in NEEDS_NO_ADMISSION:
            raise _Refused(f"{member.name} was not invited as {role.value}")
        signer_kind, _, rest = signer.partition(":")
        allowed = (
            recovery_may_admit(RecoveryKey(rest), role)
            if signer_kind == "recovery"
            else may_admit(acting, role)
        )
        if not allowed:
            who = state.describe_signer(signer)
            raise _Refused(f"{who} may not admit anyone as {role.value}")
        if signer_kind == "user" and rest == member.user_id:
            raise _Refused("no one may admit themselves")
        if kind == "admit":
            if not member.enrolled and signer_kind != "recovery":
                raise _Refused(f"{member.name} has not enrolled yet")
            member.admitted[role] = signer
            member.declined.pop(role, None)
        else:
            member.declined[role] = signer
        _record(state, member, seq)
    elif kind == "remove":
        member = _target(state, body)
        if Role.ADMIN not in acting:
            raise _Refused("only an administrator can remove someone")
        if member.removed:
            raise _Refused(f"{member.name} was removed already")
        member.removed_by = signer
        _record(state, member, seq)
    elif kind == "reset":
        member = _target(state, body)
        if Role.ADMIN not in acting:
            raise _Refused("only an administrator can reset someone's access")
        if member.removed:
            raise _Refused(f"{member.name} has been removed")
        invitation, data = _checked_invitation(keys, body)
        if data.get("user_id") != member.user_id or data.get("name") != member.name:
            raise _Refused("the new invitation is for someone else")
        if member.public is not None:
            member.past_ed25519.append(unb64(member.public["ed25519"]))
            member.past_until.append(seq)
            member.past_x25519.append(unb64(member.public["x25519"]))
        member.past_roles = member.claimed_roles
        member.invitation = invitation
        member.invitation_sha = hashlib.sha256(invitation).hexdigest()
        member.requested = frozenset(Role(r) for r in data["roles"])
        member.public = None
        member.enrolled_seq = None
        member.admitted = {}
        member.declined = {}
        _record(state, member, seq)
    elif kind == "epoch":
        _apply_epoch(state, seq, signer, body, acting)
    else:
        raise _Refused(f"'{kind}' is not a kind of entry SafeLog knows")


def _apply_epoch(
    state: MembershipState, seq: int, signer: str, body: dict[str, Any], acting: frozenset[Role]
) -> None:
    role = KeyRole(body["role"])
    signer_kind, _, rest = signer.partition(":")
    allowed = (
        recovery_may_start_epoch(RecoveryKey(rest), role)
        if signer_kind == "recovery"
        else may_start_epoch(acting, role)
    )
    if not allowed:
        raise _Refused(f"{state.describe_signer(signer)} may not make a {role.value} key")
    entries = state.epochs.setdefault(role, [])
    expected = entries[-1].epoch + 1 if entries else 1
    if int(body["epoch"]) != expected:
        raise _Refused(f"the {role.value} key epoch {body['epoch']} is out of order")
    entries.append(EpochEntry(role, expected, unb64(str(body["x25519"])), signer, seq))


def invitation_fields(invitation: bytes, invitation_sig: bytes) -> dict[str, str]:
    """How an entry carries a CA-signed invitation."""
    return {"invitation": b64(invitation), "invitation_sig": b64(invitation_sig)}
