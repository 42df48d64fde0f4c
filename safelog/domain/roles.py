"""People's roles, the role keys they hold, and what each recovery key can restore."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    STAFF = "staff"
    DSL = "dsl"
    HEADTEACHER = "headteacher"
    CHAIR = "chair"
    ADMIN = "admin"
    # The chief executive of the multi-academy trust: told of a concern about the
    # headteacher with the chair of governors (004 9.2), and so reads those concerns.
    TRUST_CEO = "trust-ceo"


class KeyRole(StrEnum):
    """A key shared by the members of a role, rotated per epoch."""

    DSL = "dsl"
    LEADERSHIP = "leadership"
    GOVERNORS = "governors"
    # The admin key opens only the school CA's private key: an admin right gives no read access.
    ADMIN = "admin"
    # Every enrolled member holds it: it opens the school roll (vault/roll.py), so that
    # anyone reporting can pick a child, and never a case.
    MEMBERS = "members"


class RecoveryKey(StrEnum):
    SCHOOL = "school"  # kept in the school safe: the headteacher may be able to reach it
    GOVERNORS = "governors"  # kept by the clerk or the trust, never where the head can reach it


ROLE_KEYS: dict[Role, KeyRole] = {
    Role.DSL: KeyRole.DSL,
    Role.HEADTEACHER: KeyRole.LEADERSHIP,
    Role.CHAIR: KeyRole.GOVERNORS,
    Role.ADMIN: KeyRole.ADMIN,
    # The governors' key opens only concerns about the headteacher: what the CEO is told of.
    Role.TRUST_CEO: KeyRole.GOVERNORS,
}

# What each recovery key can restore. The school key must not restore the DSL or
# governors keys, because a concern about the headteacher is readable with those.
ESCROW: dict[RecoveryKey, frozenset[KeyRole]] = {
    RecoveryKey.SCHOOL: frozenset({KeyRole.LEADERSHIP, KeyRole.ADMIN, KeyRole.MEMBERS}),
    RecoveryKey.GOVERNORS: frozenset(KeyRole),
}

# Who is presumed able to reach a recovery key, for the iron rule.
RECOVERY_REACH: dict[RecoveryKey, frozenset[Role]] = {
    RecoveryKey.SCHOOL: frozenset({Role.HEADTEACHER, Role.ADMIN}),
    RecoveryKey.GOVERNORS: frozenset({Role.CHAIR, Role.TRUST_CEO}),  # the trust may keep it
}

ROLE_LABELS: dict[Role, str] = {
    Role.STAFF: "Staff",
    Role.DSL: "Designated Safeguarding Lead",
    Role.HEADTEACHER: "Headteacher",
    Role.CHAIR: "Chair of governors",
    Role.ADMIN: "Administrator",
    Role.TRUST_CEO: "Chief executive of the trust",
}


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValueError(f"'{text}' is not a role; use one of: {valid}") from None


def key_roles_of(roles: frozenset[Role]) -> frozenset[KeyRole]:
    """The role keys someone with these roles holds: every member holds the members' key."""
    held = {ROLE_KEYS[r] for r in roles if r in ROLE_KEYS}
    if roles:
        held.add(KeyRole.MEMBERS)
    return frozenset(held)


def recovery_keys_reachable_by(roles: frozenset[Role]) -> frozenset[RecoveryKey]:
    return frozenset(k for k, reach in RECOVERY_REACH.items() if reach & roles)


def conflicting_roles(roles: frozenset[Role]) -> str | None:
    """Why these roles cannot be one person's, or None. The chair of governors handles
    concerns about the headteacher, so one person holding both would hold the key to
    concerns about themselves."""
    if {Role.HEADTEACHER, Role.CHAIR} <= roles:
        return "one person cannot be both headteacher and chair of governors"
    if {Role.HEADTEACHER, Role.TRUST_CEO} <= roles:
        # The CEO reads concerns about the headteacher (004 9.2): never the head's key.
        return "one person cannot be both headteacher and chief executive of the trust"
    return None


# The roles that manage cases: they read the cases their keys open, record the work on them
# and see the deadlines. Staff report; an administrator manages people, not cases.
CASE_MANAGERS = frozenset({Role.DSL, Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO})


# Who keeps the school roll: imports it, adds pupils, marks leavers. Every member reads it.
ROLL_KEEPERS = frozenset({Role.DSL, Role.ADMIN})
