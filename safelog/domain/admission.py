"""Who may change who holds which role (DESIGN §3.5), as data.

Being invited is not being admitted: an administrator asks for roles; a member of the role
(or the recovery key that already keeps that role's key) admits the person to each reading
role. An administrator right alone admits no one to a role that reads cases.
"""

from __future__ import annotations

from safelog.domain.roles import ESCROW, ROLE_KEYS, ROLL_KEEPERS, KeyRole, RecoveryKey, Role

# Roles whose members may admit (or decline) someone to the role. The first headteacher is
# admitted by a DSL; the first chair only with the governors' recovery key (the head cannot
# reach it); the founder of the vault starts as administrator and DSL.
ADMITTED_BY: dict[Role, frozenset[Role]] = {
    Role.DSL: frozenset({Role.DSL}),
    Role.HEADTEACHER: frozenset({Role.HEADTEACHER, Role.DSL}),
    Role.CHAIR: frozenset({Role.CHAIR}),
    Role.ADMIN: frozenset({Role.ADMIN}),
    # Like the chair: by the chair (or another CEO), or with the governors' recovery key;
    # never by a DSL or the headteacher, whom concerns they read may be about.
    Role.TRUST_CEO: frozenset({Role.CHAIR, Role.TRUST_CEO}),
}

# Roles needing no admission: being enrolled is enough (staff report; they read only that).
NEEDS_NO_ADMISSION = frozenset({Role.STAFF})

# Invitations, removals and resets are an administrator's.
MANAGES_PEOPLE = frozenset({Role.ADMIN})


def recovery_may_admit(kind: RecoveryKey, role: Role) -> bool:
    """A recovery key may admit to exactly the roles whose keys it keeps in escrow (it could
    hand out those keys anyway)."""
    key_role = ROLE_KEYS.get(role)
    return key_role is not None and key_role in ESCROW[kind]


def may_admit(admitter_roles: frozenset[Role], role: Role) -> bool:
    return bool(ADMITTED_BY.get(role, frozenset()) & admitter_roles)


def may_start_epoch(member_roles: frozenset[Role], key_role: KeyRole) -> bool:
    """A new key for a role is made only by one of its members; the members' key only by
    those who keep the roll, so a reporter cannot start a key the roll's writers lack."""
    if key_role == KeyRole.MEMBERS:
        return bool(member_roles & ROLL_KEEPERS)
    return any(ROLE_KEYS.get(r) == key_role for r in member_roles)


def recovery_may_start_epoch(kind: RecoveryKey, key_role: KeyRole) -> bool:
    return key_role in ESCROW[kind]


def admitters_described(role: Role) -> str:
    """Who can admit someone to this role, in words for the person waiting."""
    return {
        Role.DSL: "a DSL (or the governors' recovery key)",
        Role.HEADTEACHER: "a DSL or a headteacher (or a recovery key)",
        Role.CHAIR: "a chair of governors, or the governors' recovery key for the first chair",
        Role.ADMIN: "an administrator (or a recovery key)",
        Role.TRUST_CEO: "the chair of governors, or the governors' recovery key",
    }.get(role, "no one: this role needs no admission")
