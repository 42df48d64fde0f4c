"""The rows of the register of requests that wait for a decision (vault/approvals.py): what
a checked request looks like, what each row's hash and ciphertext are bound to, and the
reader group the rules give a request (domain/approvals.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from safelog.crypto.aead import binding
from safelog.crypto.encoding import length_prefixed
from safelog.domain.access import AudiencePlan
from safelog.domain.approvals import ApprovalKind, Decision, KindRules, readers, rules_for
from safelog.domain.roles import Role
from safelog.vault.directory import Directory

GENESIS = b"\x00" * 32
ITEM_PREFIX = "approval:"  # what the audit entry of a row names: "approval:<seq>"


@dataclass(frozen=True)
class DecisionMade:
    decision: Decision
    reasons: str
    by_id: str
    by_name: str
    at: datetime
    seq: int


@dataclass(frozen=True)
class Approval:
    """A request as its readers see it, checked."""

    seq: int  # its number in the register, shown as "request N"
    kind: ApprovalKind
    fields: dict[str, str]
    requester_id: str
    requester_name: str
    subject_id: str | None  # a member of SafeLog it is about (kept from reading it)
    subject_name: str  # who it is about ("" when about no one)
    at: datetime
    decided_by: frozenset[Role]  # whose decision it waits for
    decision: DecisionMade | None
    pupil_id: str | None = None  # a family link's pupil, when they are on the school roll

    @property
    def rules(self) -> KindRules:
        return rules_for(self.kind)

    @property
    def status(self) -> str:
        return "awaiting decision" if self.decision is None else self.decision.decision.value


def row_hash(
    seq: int,
    prev: bytes,
    request_seq: int,
    audience_id: str,
    membership_seq: int,
    signer_id: str,
    at: datetime,
    body_ct: bytes,
) -> bytes:
    return hashlib.sha256(
        length_prefixed(
            b"safelog/v1/approval",
            str(seq).encode(),
            prev,
            str(request_seq).encode(),
            audience_id.encode(),
            str(membership_seq).encode(),
            signer_id.encode(),
            at.astimezone(UTC).isoformat().encode(),
            hashlib.sha256(body_ct).digest(),
        )
    ).digest()


def body_aad(seq: int, request_seq: int, audience_id: str) -> bytes:
    return binding("approval", seq, request_seq, audience_id)


def plan_for_request(
    directory: Directory,
    rules: KindRules,
    requester_id: str,
    subject_id: str | None,
    at: int | None,
) -> AudiencePlan:
    """The readers the rules give this request, with the membership after entry `at` (or
    now)."""
    return readers(
        rules,
        requester_id=requester_id,
        subject_id=subject_id,
        members=directory.active_members(at),
        subject_roles_of=directory.subject_roles(at),
        established=directory.established_roles(at),
    )


def names_known_at(directory: Directory, at: int | None) -> list[str]:
    """The names of everyone the membership log knew after entry `at` (or now), whatever
    their status: a request about one of them must name them by their id."""
    return [
        directory.people[pid].name for pid in directory.subject_roles(at) if pid in directory.people
    ]
