"""A replayed membership state as a device keeps it between sign-ins (sealed for its user by
vault/directory.py): everything a replay of the membership log derived, in JSON types, and
back, so the next replay goes on from there instead of from the genesis.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from safelog.crypto.encoding import b64, unb64
from safelog.domain.roles import KeyRole, Role
from safelog.vault.membership import EpochEntry, Head, Member, MembershipState


def state_to_dict(state: MembershipState) -> dict[str, Any]:
    """Everything a replay derived, in JSON types; state_from_dict gives it back equal."""

    def roles(values: Iterable[Role | KeyRole]) -> list[str]:
        return sorted(r.value for r in values)

    return {
        "vault_id": state.vault_id,
        "head": [state.head.seq, state.head.entry_hash.hex()],
        "problems": list(state.problems),
        "members": [
            {
                "user_id": m.user_id,
                "name": m.name,
                "invitation": b64(m.invitation),
                "invitation_sha": m.invitation_sha,
                "requested": roles(m.requested),
                "invited_by": m.invited_by,
                "invited_seq": m.invited_seq,
                "public": m.public,
                "enrolled_seq": m.enrolled_seq,
                "admitted": [[r.value, by] for r, by in m.admitted.items()],
                "declined": [[r.value, by] for r, by in m.declined.items()],
                "removed_by": m.removed_by,
                "past_ed25519": [b64(k) for k in m.past_ed25519],
                "past_until": list(m.past_until),
                "past_x25519": [b64(k) for k in m.past_x25519],
                "past_roles": roles(m.past_roles),
                "history": [[seq, roles(held), roles(claimed)] for seq, held, claimed in m.history],
            }
            for m in state.members.values()
        ],
        "epochs": [
            [
                role.value,
                [[e.epoch, b64(e.public), e.created_by, e.seq] for e in entries],
            ]
            for role, entries in state.epochs.items()
        ],
    }


def state_from_dict(data: dict[str, Any]) -> MembershipState:
    def roles(values: list[str]) -> frozenset[Role]:
        return frozenset(Role(v) for v in values)

    members = {}
    for m in data["members"]:
        members[str(m["user_id"])] = Member(
            user_id=str(m["user_id"]),
            name=str(m["name"]),
            invitation=unb64(m["invitation"]),
            invitation_sha=str(m["invitation_sha"]),
            requested=roles(m["requested"]),
            invited_by=str(m["invited_by"]),
            invited_seq=int(m["invited_seq"]),
            public=None
            if m["public"] is None
            else {str(k): str(v) for k, v in m["public"].items()},
            enrolled_seq=None if m["enrolled_seq"] is None else int(m["enrolled_seq"]),
            admitted={Role(r): str(by) for r, by in m["admitted"]},
            declined={Role(r): str(by) for r, by in m["declined"]},
            removed_by=None if m["removed_by"] is None else str(m["removed_by"]),
            past_ed25519=[unb64(k) for k in m["past_ed25519"]],
            past_until=[int(n) for n in m["past_until"]],
            past_x25519=[unb64(k) for k in m["past_x25519"]],
            past_roles=roles(m["past_roles"]),
            history=[
                (int(seq), roles(held), roles(claimed)) for seq, held, claimed in m["history"]
            ],
        )
    epochs = {
        KeyRole(role): [
            EpochEntry(KeyRole(role), int(epoch), unb64(public), str(by), int(seq))
            for epoch, public, by, seq in entries
        ]
        for role, entries in data["epochs"]
    }
    seq, entry = data["head"]
    return MembershipState(
        vault_id=str(data["vault_id"]),
        members=members,
        epochs=epochs,
        problems=[str(p) for p in data["problems"]],
        head=Head(int(seq), bytes.fromhex(entry)),
    )
