"""Who may read a case: the iron rule as a pure function.

No key held by a subject of a concern may unwrap that case. A key is "held" by a person
if they are a member of its role, or if they can reach a recovery key that restores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from safelog.domain.roles import (
    ESCROW,
    ROLE_KEYS,
    KeyRole,
    RecoveryKey,
    Role,
    key_roles_of,
    recovery_keys_reachable_by,
)


class NoOneCanRead(ValueError):
    pass


class UnknownSubject(ValueError):
    pass


@dataclass(frozen=True)
class Recipient:
    """One key a case is wrapped to: a role key, a user's own key, or a recovery key."""

    kind: str  # "role" | "user" | "recovery"
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class AudiencePlan:
    recipients: frozenset[Recipient]
    about_headteacher: bool
    notes: tuple[str, ...] = field(default=())


def keys_held_by(roles: frozenset[Role]) -> frozenset[KeyRole]:
    """Role keys a person with these roles holds or could restore."""
    held = set(key_roles_of(roles))
    for recovery in recovery_keys_reachable_by(roles):
        held |= ESCROW[recovery]
    return frozenset(held)


def plan_audience(
    *,
    reporter_id: str,
    subject_ids: frozenset[str],
    members: Mapping[str, frozenset[Role]],
    escalated_to_leadership: bool = False,
    established: frozenset[KeyRole] = frozenset(KeyRole),
    subject_roles_of: Mapping[str, frozenset[Role]] | None = None,
    also: frozenset[KeyRole] = frozenset(),
) -> AudiencePlan:
    """Decide which keys a case is wrapped to.

    `members` maps every active user to their roles (they may receive the case);
    `subject_roles_of` maps every known person, whatever their status, to their signed
    roles: a subject's keys are forbidden even if their account shows as removed or not
    yet enrolled (a status is not proof they hold no key). `established` lists the role
    keys that exist yet (a role's key is made by its first member at enrolment). `also`:
    role keys wanted beside those (a request the chair of governors decides).
    """
    roles_of = subject_roles_of if subject_roles_of is not None else members
    unknown = [s for s in subject_ids if s not in roles_of]
    if unknown:
        raise UnknownSubject(
            "A person this concern is about has no verified record, so SafeLog cannot tell "
            "which keys they hold."
        )
    subject_roles = frozenset(r for s in subject_ids for r in roles_of[s])
    about_head = Role.HEADTEACHER in subject_roles
    wanted: set[KeyRole] = {KeyRole.DSL}
    if about_head:
        wanted.add(KeyRole.GOVERNORS)
    elif subject_ids or escalated_to_leadership:
        wanted.add(KeyRole.LEADERSHIP)
    wanted |= also

    forbidden: set[KeyRole] = set()
    for subject in subject_ids:
        forbidden |= keys_held_by(roles_of[subject])

    # The reporter is not a reader: they keep only what they sent, its status and the
    # replies sent to them, through their own receipt (DESIGN §3.5).
    recipients: set[Recipient] = set()
    notes: list[str] = []
    for key_role in sorted(wanted):
        holders = {u for u, roles in members.items() if key_role in key_roles_of(roles)}
        if key_role in forbidden:
            # A subject holds this role key: the other members get the case one by one.
            recipients |= {Recipient("user", u) for u in holders - subject_ids}
        elif key_role in established:
            recipients.add(Recipient("role", key_role.value))
        else:
            # Nobody holds this role's key yet: seal it for the recovery key that restores it.
            recovery = _safe_recovery_for(key_role, subject_roles)
            if recovery is not None:
                recipients.add(Recipient("recovery", recovery.value))
                notes.append(
                    f"No one holds the {key_role.value} key yet; the case is also sealed for "
                    f"the {recovery.value} recovery key."
                )
    recipients = {r for r in recipients if not (r.kind == "user" and r.name in subject_ids)}
    if not recipients:
        raise NoOneCanRead(
            "No one other than the people this concern is about could read it. "
            "Invite a chair of governors or another DSL first."
        )
    return AudiencePlan(frozenset(recipients), about_head, tuple(notes))


def _safe_recovery_for(key_role: KeyRole, subject_roles: frozenset[Role]) -> RecoveryKey | None:
    reachable = recovery_keys_reachable_by(subject_roles)
    for recovery in (RecoveryKey.SCHOOL, RecoveryKey.GOVERNORS):
        if key_role in ESCROW[recovery] and recovery not in reachable:
            return recovery
    return None


def readable_by(plan: AudiencePlan, user_id: str, roles: frozenset[Role]) -> bool:
    """Could this person open a case wrapped to this plan (by any key they hold)?"""
    held = keys_held_by(roles)
    reachable = recovery_keys_reachable_by(roles)
    for recipient in plan.recipients:
        if recipient.kind == "user" and recipient.name == user_id:
            return True
        if recipient.kind == "role" and KeyRole(recipient.name) in held:
            return True
        if recipient.kind == "recovery" and RecoveryKey(recipient.name) in reachable:
            return True
    return False


__all__ = [
    "ROLE_KEYS",
    "AudiencePlan",
    "NoOneCanRead",
    "Recipient",
    "UnknownSubject",
    "plan_audience",
    "readable_by",
]
