"""What the app calls each role on screen: one place, so the invitation panel, the main
window and the admission dialog say the same words.

`ROLE_LABELS` (domain/roles.py) holds the formal titles ("Designated Safeguarding Lead");
these are the short ones people use in a school ("DSL", "headteacher").
"""

from __future__ import annotations

from collections.abc import Iterable

from safelog.domain.roles import Role

# In this order wherever several are listed.
SHOWN_ORDER = (Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO, Role.DSL, Role.ADMIN)

SHORT_LABELS: dict[Role, str] = {
    Role.HEADTEACHER: "Headteacher",
    Role.CHAIR: "Chair of governors",
    Role.TRUST_CEO: "Trust CEO",
    Role.DSL: "DSL",
    Role.ADMIN: "Administrator",
    Role.STAFF: "Staff",
}

# What a role gives, said to the member who is about to admit someone to it. Said of
# "they": SafeLog does not know anyone's pronouns.
WHAT_IT_GIVES: dict[Role, str] = {
    Role.DSL: "They will read every case the DSL reads.",
    Role.HEADTEACHER: (
        "They will read the cases escalated to the headteacher, record decisions and export "
        "signed case files (never a concern about themselves)."
    ),
    Role.CHAIR: "They will read and manage concerns about the headteacher.",
    Role.TRUST_CEO: (
        "They will read concerns about the headteacher, with the chair of governors, as the "
        "trust's chief executive."
    ),
    Role.ADMIN: (
        "They will be able to invite people and restore access. An administrator reads no "
        "cases and admits no one to a role that does."
    ),
}


def ordered(roles: Iterable[Role]) -> list[Role]:
    chosen = set(roles)
    return [r for r in SHOWN_ORDER if r in chosen]


def role_summary(roles: frozenset[Role]) -> str:
    """Every role but staff, capitalised, for a table cell; "Staff" when there is none."""
    named = [SHORT_LABELS[r] for r in ordered(roles)]
    return ", ".join(named) if named else SHORT_LABELS[Role.STAFF]


def role_in_sentence(role: Role) -> str:
    """ "DSL", "headteacher", "chair of governors": for the middle of a sentence."""
    label = SHORT_LABELS[role]
    return label if label.isupper() else label.lower()


def roles_in_sentence(roles: Iterable[Role]) -> str:
    """ "DSL", "headteacher and DSL", "headteacher, DSL and administrator"."""
    words = [role_in_sentence(r) for r in ordered(roles)]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
