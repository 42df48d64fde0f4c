"""The directory: people, the roles they hold and their public keys, and role keys per
epoch, all derived from the membership log (vault/membership.py) that this reader replays.

Nothing here is trusted because it sits in the database:

    CA cert (pinned at enrolment) --signs--> vault record (recovery public keys)
                                  --signs--> genesis of the membership log
    membership log entries, each signed by whoever the rules allow at that point

The users table keeps only what the log cannot: each person's sealed private keys and the
X.509 certificate the CA issued them (checked against the CA and their logged key).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from sqlalchemy import Connection, select

from safelog import __version__
from safelog.audit.log import ContentDigest
from safelog.crypto.aead import Cipher, DecryptionFailed, binding
from safelog.crypto.ca import fingerprint, is_issued_by
from safelog.crypto.encoding import canonical_json, length_prefixed, unb64
from safelog.crypto.identity import verify_ecdsa, verify_ed25519
from safelog.domain.roles import KeyRole, Role, key_roles_of
from safelog.errors import KeyNotTrusted, TamperDetected
from safelog.store.files import write_private_file
from safelog.store.schema import UserRow, VaultRow
from safelog.vault import membership, membership_snapshot
from safelog.vault.membership import Keys, MembershipState

ENROLLED = "active"
INVITED = "invited"
REMOVED = "removed"


class NeedsUpgrade(TamperDetected):
    """The vault was made before the membership log (no upgrade path yet)."""


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    roles: frozenset[Role]
    status: str
    x25519: bytes | None = None
    ed25519: bytes | None = None
    ecdsa: bytes | None = None
    certificate: bytes | None = None
    # Signing keys of earlier enrolments (before a reset): still valid for what they signed.
    past_ed25519: tuple[bytes, ...] = ()
    # The membership log entry that retired each past key (its reset).
    past_until: tuple[int, ...] = ()
    # Key-agreement keys of earlier enrolments (reader groups made with them still name
    # their slots by tags worked out from them).
    past_x25519: tuple[bytes, ...] = ()
    certificate_damaged: bool = False
    # Roles asked for or held: the iron rule assumes a subject may hold any of them.
    claimed_roles: frozenset[Role] = frozenset()
    state: str = membership.INVITED
    pending: frozenset[Role] = frozenset()
    history: tuple[tuple[int, frozenset[Role], frozenset[Role]], ...] = ()

    def verifies(self, signature: bytes, message: bytes) -> bool:
        """Did this person sign this, with their current or an earlier key?"""
        keys = ((self.ed25519,) if self.ed25519 else ()) + self.past_ed25519
        return any(verify_ed25519(key, signature, message) for key in keys)

    def verifies_at(self, signature: bytes, message: bytes, point: int) -> bool:
        """As verifies, for something that names membership log entry `point`: a key retired
        by a reset (a lost or stolen laptop) signs nothing naming the reset or later."""
        if self.ed25519 and verify_ed25519(self.ed25519, signature, message):
            return True
        return any(
            point < until and verify_ed25519(key, signature, message)
            for key, until in zip(self.past_ed25519, self.past_until, strict=True)
        )

    def x25519_at(self, point: int) -> bytes | None:
        """The key-agreement key this person held at membership log entry `point`: the one a
        later reset retired, or the current one."""
        for key, until in zip(self.past_x25519, self.past_until, strict=False):
            if point < until:
                return key
        return self.x25519

    @property
    def every_x25519(self) -> tuple[bytes, ...]:
        """Every key-agreement key this person has enrolled with, the current one first."""
        return ((self.x25519,) if self.x25519 else ()) + self.past_x25519

    @property
    def key_roles(self) -> frozenset[KeyRole]:
        return key_roles_of(self.roles)

    def roles_at(self, seq: int) -> frozenset[Role]:
        """The roles this person held just after membership log entry `seq`."""
        return self._at(seq)[0]

    def claimed_at(self, seq: int) -> frozenset[Role]:
        """Every role asked for or held just after entry `seq` (for the iron rule)."""
        held, claimed = self._at(seq)
        return held | claimed

    def _at(self, seq: int) -> tuple[frozenset[Role], frozenset[Role]]:
        found: tuple[frozenset[Role], frozenset[Role]] = (frozenset(), frozenset())
        for at, roles, claimed in self.history:
            if at > seq:
                break
            found = (roles, claimed)
        return found


def membership_point(record: Mapping[str, Any]) -> int:
    """The point of the membership log a signed record names ("membership"); one past any
    real point when it names none or garbage, so that only a current key can have signed it
    (the reader's other checks then say what is wrong)."""
    value = record.get("membership")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 2**62


@dataclass(frozen=True)
class Epoch:
    role: KeyRole
    epoch: int
    public: bytes
    created_by: str
    seq: int = 0


@dataclass
class Directory:
    vault_id: str
    school: str
    ca_cert: x509.Certificate
    ca_der: bytes
    recovery_x25519: dict[str, bytes]
    recovery_ed25519: dict[str, bytes]
    membership: MembershipState
    people: dict[str, Person] = field(default_factory=dict)
    epochs: dict[tuple[KeyRole, int], Epoch] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    newest_epoch: dict[KeyRole, int] = field(default_factory=dict)

    @property
    def head_seq(self) -> int:
        return self.membership.head.seq

    def by_name(self, name: str) -> Person | None:
        wanted = name.strip().casefold()
        return next((p for p in self.people.values() if p.name.casefold() == wanted), None)

    def current_epoch(self, role: KeyRole) -> Epoch | None:
        """The role's newest key in the membership log, None if the role has none yet."""
        newest = self.newest_epoch.get(role)
        return None if newest is None else self.epochs[(role, newest)]

    def epoch_at(self, role: KeyRole, seq: int) -> Epoch | None:
        """The role's current key just after membership log entry `seq`."""
        found = None
        for (r, _), epoch in sorted(self.epochs.items(), key=lambda item: item[0][1]):
            if r == role and epoch.seq <= seq:
                found = epoch
        return found

    def established_roles(self, at: int | None = None) -> frozenset[KeyRole]:
        return frozenset(e.role for e in self.epochs.values() if at is None or e.seq <= at)

    def active_members(self, at: int | None = None) -> dict[str, frozenset[Role]]:
        """Everyone who held a role (at entry `at`, or now) and may receive cases."""
        if at is None:
            return {p.id: p.roles for p in self.people.values() if p.status == ENROLLED}
        members = {p.id: p.roles_at(at) for p in self.people.values()}
        return {user_id: roles for user_id, roles in members.items() if roles}

    def subject_roles(self, at: int | None = None) -> dict[str, frozenset[Role]]:
        """For the iron rule: every role each person asked for or holds, whatever their
        state (a status is no proof that someone holds no key)."""
        if at is None:
            return {p.id: p.claimed_roles | p.roles for p in self.people.values()}
        return {p.id: p.claimed_at(at) for p in self.people.values() if p.history[0][0] <= at}

    def require_person(self, user_id: str) -> Person:
        person = self.people.get(user_id)
        if person is None:
            raise KeyNotTrusted(
                "A user named in the database is not in the signed membership log; "
                "it may have been tampered with, so SafeLog will not use it."
            )
        return person

    def waiting_for(self, roles: frozenset[Role]) -> list[Person]:
        """Enrolled people waiting to be admitted to a role these roles may admit to."""
        from safelog.domain.admission import may_admit

        return [
            p
            for p in sorted(self.people.values(), key=lambda p: p.name.casefold())
            if any(may_admit(roles, role) for role in p.pending)
        ]


def vault_keys(conn: Connection, pinned_ca_fp: str, vault_id: str) -> tuple[Keys, Any]:
    """The pinned CA's vault record, checked: what a replay of the log needs."""
    vault = conn.execute(select(VaultRow.__table__)).one_or_none()
    if vault is None:
        raise TamperDetected(
            "The database has no record of its school: it is damaged, or not a SafeLog database."
        )
    if fingerprint(vault.ca_cert) != pinned_ca_fp:
        raise KeyNotTrusted(
            "The school certificate in the database is not the one you enrolled with. "
            "The database may have been swapped or tampered with."
        )
    ca_cert = x509.load_der_x509_certificate(vault.ca_cert)
    ca_public = _public_der(ca_cert)
    if not verify_ecdsa(ca_public, vault.signature, vault.record):
        raise TamperDetected("The database's school record failed its signature check.")
    record = json.loads(vault.record)
    if record.get("vault_id") != vault_id or vault.vault_id != vault_id:
        raise KeyNotTrusted("This database belongs to a different school's SafeLog.")
    keys = Keys(
        vault_id=vault_id,
        ca_public_der=ca_public,
        vault_record_sha=hashlib.sha256(vault.record).hexdigest(),
        recovery_ed25519={k: unb64(v["ed25519"]) for k, v in record["recovery"].items()},
    )
    return keys, vault


@dataclass(frozen=True)
class Remembered:
    """Where a device keeps, sealed with the user's profile key, the membership state it
    replayed: the next load replays only the entries after it, when the entries before it
    are still, byte for byte, the ones it replayed (DESIGN §7)."""

    data_dir: Path
    vault_id: str
    user_id: str
    profile_key: bytes

    @property
    def path(self) -> Path:
        return self.data_dir / "profiles" / f"{self.vault_id}-{self.user_id}.membership"

    def aad(self, keys_id: str) -> bytes:
        # Bound to this version of SafeLog too: another may replay by other rules.
        return binding("verified-membership", __version__, self.vault_id, self.user_id, keys_id)


# 2: when each past signing key was retired; 3: past key-agreement keys
_REMEMBERED_FORMAT = 3


def load_directory(
    conn: Connection,
    pinned_ca_fp: str,
    vault_id: str,
    remembered: Remembered | None = None,
    *,
    remember: bool = False,
) -> Directory:
    """Replay the membership log and check each person's certificate. With `remembered`,
    a state this device replayed before is taken up where the log still holds exactly the
    entries it was replayed from (anything else: replayed from the start); with `remember`
    as well, the state now is kept for next time (at sign-in, never inside a write that
    could still roll back)."""
    keys, vault = vault_keys(conn, pinned_ca_fp, vault_id)
    rows = membership.read_rows(conn, stored_time=remembered is not None)
    if not rows:
        raise NeedsUpgrade(
            "This SafeLog database has no membership log: it was made by an earlier version of "
            "SafeLog, which this version cannot open (see the README, 'Upgrading'), or its log "
            "was deleted outside SafeLog. Nothing was changed."
        )
    keys_id = _keys_id(keys)
    kept = _recall(remembered, keys_id, rows) if remembered is not None else None
    start, good_certificates = kept if kept is not None else (None, frozenset[str]())
    done = start.head.seq if start is not None else 0
    state = membership.replay(rows[done:], keys, start=start)
    record = json.loads(vault.record)
    ca_cert = x509.load_der_x509_certificate(vault.ca_cert)
    directory = Directory(
        vault_id=vault_id,
        school=str(record["school"]),
        ca_cert=ca_cert,
        ca_der=vault.ca_cert,
        recovery_x25519={k: unb64(v["x25519"]) for k, v in record["recovery"].items()},
        recovery_ed25519=keys.recovery_ed25519,
        membership=state,
        problems=list(state.problems),
    )
    certificates = dict(conn.execute(select(UserRow.id, UserRow.certificate)).all())
    checked: set[str] = set()
    for member in state.members.values():
        directory.people[member.user_id] = _person(
            member,
            certificates.get(member.user_id),
            ca_cert,
            directory,
            good_certificates,
            checked,
        )
    for role, entries in state.epochs.items():
        for entry in entries:
            directory.epochs[(role, entry.epoch)] = Epoch(
                role, entry.epoch, entry.public, entry.created_by, entry.seq
            )
        if entries:
            directory.newest_epoch[role] = entries[-1].epoch
    learnt = start is None or state.head.seq != done or not checked <= good_certificates
    if remembered is not None and remember and learnt:
        _keep(remembered, keys_id, rows, state, checked)
    return directory


def _keys_id(keys: Keys) -> str:
    """What a replay's result depends on besides the entries: the pinned CA's vault record."""
    return hashlib.sha256(
        canonical_json(
            {
                "vault_id": keys.vault_id,
                "ca": keys.ca_public_der.hex(),
                "vault_record": keys.vault_record_sha,
                "recovery": {k: v.hex() for k, v in sorted(keys.recovery_ed25519.items())},
            }
        )
    ).hexdigest()


def _entries_digest(rows: list[Any]) -> ContentDigest:
    digest = ContentDigest()
    digest.update(map(membership.content_of, rows))
    return digest


def _recall(
    remembered: Remembered, keys_id: str, rows: list[Any]
) -> tuple[MembershipState, frozenset[str]] | None:
    """The state kept at an earlier sign-in, if it can be used as it is; None otherwise."""
    try:
        blob = remembered.path.read_bytes()
    except OSError:
        return None
    try:
        data = json.loads(Cipher(remembered.profile_key).open(blob, remembered.aad(keys_id)))
        if data["format"] != _REMEMBERED_FORMAT:
            return None
        state = membership_snapshot.state_from_dict(data["state"])
        digest = bytes.fromhex(data["digest"])
        good = frozenset(str(c) for c in data["certificates"])
    except (DecryptionFailed, ValueError, KeyError, TypeError, AttributeError):
        return None
    seq = state.head.seq
    if seq < 1 or seq > len(rows) or state.vault_id != remembered.vault_id:
        return None
    if _entries_digest(rows[:seq]).digest() != digest or rows[seq - 1].seq != seq:
        return None
    return state, good


def _keep(
    remembered: Remembered,
    keys_id: str,
    rows: list[Any],
    state: MembershipState,
    good_certificates: set[str],
) -> None:
    body = json.dumps(
        {
            "format": _REMEMBERED_FORMAT,
            "digest": _entries_digest(rows).digest().hex(),
            "state": membership_snapshot.state_to_dict(state),
            "certificates": sorted(good_certificates),
        },
        separators=(",", ":"),
    ).encode("utf-8")
    sealed = Cipher(remembered.profile_key).seal(body, remembered.aad(keys_id))
    write_private_file(remembered.path, sealed)


def _person(
    member: membership.Member,
    certificate: bytes | None,
    ca_cert: x509.Certificate,
    directory: Directory,
    good_certificates: frozenset[str] = frozenset(),
    checked: set[str] | None = None,
) -> Person:
    """`good_certificates` are certificates this device found to match before (by
    _certificate_id); those found to match now are added to `checked`."""
    public = member.public
    status = REMOVED if member.removed else ENROLLED if member.enrolled else INVITED
    certificate_damaged = False
    if public is not None and certificate is not None:
        ecdsa = unb64(public["ecdsa"])
        found = _certificate_id(certificate, directory.ca_der, ecdsa)
        if found in good_certificates or _certificate_matches(certificate, ca_cert, ecdsa):
            if checked is not None:
                checked.add(found)
        else:
            # Kept apart from "no certificate yet", so it is reported and never quietly
            # reissued.
            certificate, certificate_damaged = None, True
            directory.problems.append(
                f"the signing certificate of '{member.name}' is damaged or altered; an "
                "administrator must check it before a new one is issued"
            )
    return Person(
        id=member.user_id,
        name=member.name,
        roles=member.roles,
        status=status,
        x25519=unb64(public["x25519"]) if public else None,
        ed25519=unb64(public["ed25519"]) if public else None,
        ecdsa=unb64(public["ecdsa"]) if public else None,
        certificate=certificate if public else None,
        past_ed25519=tuple(member.past_ed25519),
        past_until=tuple(member.past_until),
        past_x25519=tuple(member.past_x25519),
        certificate_damaged=certificate_damaged,
        claimed_roles=member.claimed_roles,
        state=member.state,
        pending=member.pending,
        history=tuple(member.history),
    )


def _certificate_id(certificate: bytes, ca_der: bytes, ecdsa_public: bytes) -> str:
    """What _certificate_matches answers for, as one value (it depends on nothing else)."""
    return hashlib.sha256(
        length_prefixed(b"certificate-matches", certificate, ca_der, ecdsa_public)
    ).hexdigest()


def _certificate_matches(der: bytes, ca_cert: x509.Certificate, ecdsa_public: bytes) -> bool:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return False
    return is_issued_by(cert, ca_cert) and _public_der(cert) == ecdsa_public


def _public_der(holder: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return holder.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
