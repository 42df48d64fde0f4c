"""The small school most tests start from, the passphrases its people use, and a clock
tests can move. Imported as `support.school` (not from the root conftest: a folder's own
conftest.py, such as tests/gui/conftest.py, replaces the module `conftest` in sys.modules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

PASSPHRASES = {
    "Dana DSL": "dana correct horse",
    "Hugh Head": "hugh battery staple",
    "Chris Chair": "chris governor key",
    "Sam Staff": "sam staffroom tea",
    "Tess Teacher": "tess lesson plans",
}


class Clock:
    """A clock tests can move."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)  # strictly increasing, like a real clock
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class School:
    """A small school: a DSL who is also admin, a headteacher, a chair and two staff."""

    vault: object
    recovery: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)

    def unlock(self, name: str) -> object:
        return self.vault.unlock(name, PASSPHRASES[name])  # type: ignore[attr-defined]


def build_school(
    vault: object, staff: tuple[str, ...] = ("Sam Staff", "Tess Teacher"), head_is_dsl: bool = False
) -> School:
    from safelog.domain.roles import Role

    setup = vault.create("Ravens Wood School", "Dana DSL", PASSPHRASES["Dana DSL"])  # type: ignore[attr-defined]
    school = School(
        vault, {"school": setup.school_recovery_key, "governors": setup.governors_recovery_key}
    )
    dsl = setup.session
    head_roles = {Role.HEADTEACHER} | ({Role.DSL} if head_is_dsl else set())
    people = [("Hugh Head", frozenset(head_roles)), ("Chris Chair", frozenset({Role.CHAIR}))]
    people += [(name, frozenset({Role.STAFF})) for name in staff]
    for name, roles in people:
        code = vault.invite(dsl, name, roles)  # type: ignore[attr-defined]
        session = vault.enrol(code, PASSPHRASES[name])  # type: ignore[attr-defined]
        school.ids[name] = session.user_id
        session.lock()
    school.ids["Dana DSL"] = dsl.user_id
    # Being invited is not being admitted (DESIGN §3.5): the DSL admits the headteacher,
    # the governors' recovery key admits the first chair.
    vault.admit(dsl, "Hugh Head")  # type: ignore[attr-defined]
    dsl.lock()
    vault.admit_with_recovery("Chris Chair", school.recovery["governors"])  # type: ignore[attr-defined]
    # The first member of a role makes its key at their next sign-in; existing members hand
    # keys to newcomers when they next sign in.
    school.unlock("Hugh Head").lock()  # type: ignore[attr-defined]
    school.unlock("Chris Chair").lock()  # type: ignore[attr-defined]
    school.unlock("Dana DSL").lock()  # type: ignore[attr-defined]
    return school
