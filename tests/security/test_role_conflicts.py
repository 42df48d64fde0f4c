"""One person cannot be both headteacher and chair of governors: the chair handles concerns
about the headteacher. The vault refuses such an invitation, and every reader refuses it in
the membership log too, so an administrator running their own client gains nothing."""

from __future__ import annotations

from typing import Any

import pytest

from safelog.domain.roles import Role
from safelog.errors import InvalidInput, TamperDetected

BOTH = frozenset({Role.HEADTEACHER, Role.CHAIR})


def test_the_vault_refuses_to_invite_a_headteacher_who_is_also_chair(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    with pytest.raises(InvalidInput, match="both headteacher and chair"):
        school.vault.invite(dana, "Pat Both", BOTH)
    assert "Pat Both" not in {p.name for p in dana.directory.people.values()}


def test_readers_refuse_such_an_invitation_written_by_a_modified_client(
    school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safelog.vault import membership_changes

    dana = school.unlock("Dana DSL")
    monkeypatch.setattr(membership_changes, "conflicting_roles", lambda roles: None)
    code = school.vault.invite(dana, "Pat Both", BOTH)  # the writer's check skipped
    monkeypatch.undo()
    hugh = school.unlock("Hugh Head")
    assert "Pat Both" not in {p.name for p in hugh.directory.people.values()}
    assert any("both headteacher and chair" in p for p in hugh.directory.problems)
    with pytest.raises(TamperDetected, match="not in SafeLog's signed membership log"):
        school.vault.enrol(code, "pat passphrase long enough")
