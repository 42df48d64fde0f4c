"""Who a re-key leaves out, said so that only they can read it.

A DSL who cannot open a case a manager re-keyed cannot see its new readers (slots are
blinded, crypto/slot_tags.py), so a headteacher could move an escalated case to a group only
he holds while its sealed labels claim the DSL is in it. The one rightful reason to leave a
DSL out is that the case is about them. A manager's re-key therefore carries, for each DSL
it leaves out, a marker only that DSL and the manager can compute (a tag under their shared
X25519 secret), padded with random decoys to a multiple of four so nobody else learns how
many were left out. A DSL who cannot open a re-keyed case and finds no marker for
themselves was taken out of it wrongly, and is told; one who finds theirs learns nothing
the subject of a concern may not (DESIGN §3.5: the subject is not tipped off).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from safelog.crypto import slot_tags
from safelog.domain.access import AudiencePlan, readable_by
from safelog.domain.roles import KeyRole, Role
from safelog.vault.directory import Person, membership_point
from safelog.vault.session import Session

MARKERS_PADDED_TO = 4


def _label(case_id: str, key_no: int) -> str:
    return f"left-out:{case_id}:{key_no}"


def left_out_markers(session: Session, plan: AudiencePlan, case_id: str, key_no: int) -> list[str]:
    """The markers for a re-key of case `case_id` to data key `key_no` under `plan`."""
    vault_id = session.directory.vault_id
    markers = []
    for user_id, roles in session.directory.active_members().items():
        if Role.DSL not in roles or readable_by(plan, user_id, roles):
            continue
        person = session.directory.people.get(user_id)
        if person is None or person.x25519 is None:
            continue
        key = slot_tags.tag_key(session.identity.x25519, person.x25519, vault_id)
        markers.append(slot_tags.slot_tag(key, _label(case_id, key_no)))
    while not markers or len(markers) % MARKERS_PADDED_TO:
        markers.append(os.urandom(32).hex())
    return sorted(markers)


def wrongly_left_out(
    session: Session, author: Person, statement: Mapping[str, Any], row: Any
) -> bool:
    """Did this manager's re-key leave out this reader, a DSL holding the DSL key when it was
    written, without saying that the case is about them?

    The marker is made with both people's keys of the time the re-key names (its signature
    is checked at that point too, out_of_reach.py). A reader reset since has lost the
    private half of her key of then, so cannot tell: she is not told of a wrong she cannot
    see, which could be a case about her (DESIGN §3.5: the subject is not tipped off)."""
    me = session.directory.people.get(session.user_id)
    at = membership_point(statement)
    if me is None or author.id == me.id or Role.DSL not in me.roles_at(at):
        return False
    if not any(role is KeyRole.DSL for role, _ in session.role_keys):
        return False  # not admitted to the DSL key yet: no case under it opens for them
    if me.x25519_at(at) != me.x25519:
        return False
    author_key = author.x25519_at(at)
    if author_key is None:
        return True
    key = slot_tags.tag_key(session.identity.x25519, author_key, session.directory.vault_id)
    marker = slot_tags.slot_tag(key, _label(str(row.id), int(row.key_no)))
    return marker not in (statement.get("left_out") or [])
