"""The school's own rules (domain/school_rules.py) as a signed setting with its own history.

Each change is one version: the whole document, in the clear (routes are not secret),
signed by the DSL who made it, chained to the version before, naming the point of the
membership log it was made at, and named by an audit entry ("rules:<n>"). Every reader
checks every version at sign-in before putting the rules in force: the signature, that
its signer held the DSL role at that point (not today: DESIGN §3.5), the chain, and that
no version the audit log names is missing (a rollback to older, weaker rules). What fails
is not used: the seed policies stay in force and the problem is said in plain words.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from safelog.audit.actions import AuditAction
from safelog.audit.log import highest_item_named
from safelog.crypto.encoding import canonical_json
from safelog.domain.categories import CATEGORIES, all_categories, use_school_rules
from safelog.domain.roles import Role
from safelog.domain.school_rules import SchoolRules, parse_rules, rules_document
from safelog.errors import AccessDenied, TamperDetected
from safelog.store.schema import SettingRow
from safelog.vault.directory import membership_point
from safelog.vault.session import Session

KEY_PREFIX = "school-rules/"
ITEM_PREFIX = "rules:"


@dataclass(frozen=True)
class RulesVersion:
    number: int
    by: str  # the DSL's name
    at: datetime
    changed: tuple[str, ...]  # the codes of the categories this version differs on


@dataclass(frozen=True)
class RulesInForce:
    rules: SchoolRules | None  # None: the seed policies
    history: tuple[RulesVersion, ...]
    problems: tuple[str, ...]


def _key(number: int) -> str:
    return f"{KEY_PREFIX}{number:06d}"


def read_rules(session: Session, conn: Connection | None = None) -> RulesInForce:
    """Every version, checked; the rules of the last one if all pass."""
    session.ensure_open()
    if conn is None:
        with session.engine.connect() as own:
            return read_rules(session, own)
    rows = conn.execute(
        select(SettingRow.__table__)
        .where(SettingRow.key.like(f"{KEY_PREFIX}%"))
        .order_by(SettingRow.key)
    ).all()
    history: list[RulesVersion] = []
    document: Any = None
    prev = ""
    try:
        for expected, row in enumerate(rows, start=1):
            record = _checked(session, row, expected, prev)
            document = record["document"]
            history.append(
                RulesVersion(
                    expected,
                    session.directory.people[row.signer_id].name,
                    datetime.fromisoformat(record["at"]),
                    tuple(record.get("changed", ())),
                )
            )
            prev = hashlib.sha256(bytes(row.record)).hexdigest()
        _none_missing(conn, len(rows))
        rules = parse_rules(document, CATEGORIES) if document is not None else None
    except (TamperDetected, ValueError, KeyError, TypeError) as exc:
        said = str(exc) if isinstance(exc, TamperDetected) else "a version cannot be read"
        return RulesInForce(None, tuple(history), (f"The school's own rules are not used: {said}",))
    return RulesInForce(rules, tuple(history), ())


def _checked(session: Session, row: Any, expected: int, prev: str) -> dict[str, Any]:
    where = f"Version {expected} of the school's rules"
    signer = session.directory.people.get(row.signer_id)
    record = json.loads(row.record)
    if (
        signer is None
        or not signer.verifies_at(row.signature, bytes(row.record), membership_point(record))
        or row.key != _key(expected)
        or record.get("key") != row.key
        or record.get("seq") != expected
        or record.get("prev") != prev
        or record.get("vault_id") != session.directory.vault_id
        or record.get("by") != row.signer_id
    ):
        raise TamperDetected(f"{where} failed its check (changed, moved or not signed).")
    point = int(record["membership"])
    if point > session.directory.head_seq or Role.DSL not in signer.roles_at(point):
        raise TamperDetected(
            f"{where} was set by {signer.name}, who was not a DSL at the time: not used."
        )
    return dict(record)


def _none_missing(conn: Connection, held: int) -> None:
    named = highest_item_named(conn, ITEM_PREFIX)
    if named > held:
        raise TamperDetected(
            f"the audit log records {named} versions but only {held} are in the database "
            "(rolled back or removed outside SafeLog)"
        )


def put_in_force(session: Session) -> RulesInForce:
    """Read and check the school's rules and put them in force (at sign-in)."""
    found = read_rules(session)
    use_school_rules(found.rules)
    return found


def export_document() -> dict[str, Any]:
    """The rules in force, as a document a school can edit and import."""
    return rules_document(all_categories(), CATEGORIES)


def import_rules(session: Session, document: Any) -> RulesVersion:
    """A new version of the school's rules (DSL only), checked, signed and put in force."""
    session.ensure_open()
    if Role.DSL not in session.person.roles:
        raise AccessDenied("Only a DSL can change the school's rules.")
    rules = parse_rules(document, CATEGORIES)
    with session.write() as conn:
        session.sync_membership(conn)
        found = read_rules(session, conn)
        if found.problems:
            raise TamperDetected(found.problems[0])
        number = len(found.history) + 1
        last = conn.execute(
            select(SettingRow.record).where(SettingRow.key == _key(number - 1))
        ).scalar_one_or_none()
        prev = hashlib.sha256(bytes(last)).hexdigest() if last is not None else ""
        changed = sorted({*rules.routes, *(c.code for c in rules.added)})
        now = session.clock()
        record = canonical_json(
            {
                "key": _key(number),
                "seq": number,
                "prev": prev,
                "vault_id": session.directory.vault_id,
                "by": session.user_id,
                "at": now.isoformat(),
                "membership": session.directory.head_seq,
                "changed": changed,
                "document": document,
            }
        )
        conn.execute(
            insert(SettingRow).values(
                key=_key(number),
                record=record,
                signer_id=session.user_id,
                signature=session.identity.sign(record),
                updated_at=now,
            )
        )
        session.audit(
            conn,
            AuditAction.SETTINGS_CHANGE,
            {"key": "school-rules", "version": number, "changed": changed},
            item=f"{ITEM_PREFIX}{number}",
        )
    use_school_rules(rules)
    return RulesVersion(number, session.person.name, now, tuple(changed))
