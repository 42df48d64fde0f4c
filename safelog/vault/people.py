"""The people of a vault as the CLI's JSON and the app show them (from the directory, which
the membership log decides)."""

from __future__ import annotations

from typing import Any

from safelog.vault.directory import Directory


def people_rows(directory: Directory) -> list[dict[str, Any]]:
    """One row per person: `state` is invited, enrolled (a role still waits to be
    admitted), admitted or removed; who invited, admitted or removed them, in words."""
    state = directory.membership
    rows = []
    for person in sorted(directory.people.values(), key=lambda p: p.name.casefold()):
        member = state.members[person.id]
        rows.append(
            {
                "name": person.name,
                "state": person.state,
                "status": person.status,
                "roles": sorted(r.value for r in person.roles),
                "asked_for": sorted(r.value for r in member.requested),
                "waiting_for": sorted(r.value for r in person.pending),
                "invited_by": state.describe_signer(member.invited_by),
                "admitted_by": {
                    r.value: state.describe_signer(by) for r, by in sorted(member.admitted.items())
                },
                "declined_by": {
                    r.value: state.describe_signer(by) for r, by in sorted(member.declined.items())
                },
                "removed_by": (
                    state.describe_signer(member.removed_by) if member.removed_by else None
                ),
                "certificate": person.certificate is not None,
            }
        )
    return rows
