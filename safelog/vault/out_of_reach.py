"""Cases a manager cannot open: taken away rightfully, or by someone who may not?

A case leaves a reader's reach only by a re-key, and only a DSL, the headteacher or the
chair may re-key (when who it is about changes). A reporter's modified client can still
write a re-key of its own report to a group of its choosing; the readers it shut out cannot
open the new key, but a re-key is the one kind of version whose author is signed in the
clear (case_schema.version_author_sealed), so they can see who moved it and whether that
person was allowed to. A report still under its first key says nothing of who sent it, but
the audit log names the reader group it was sent to, in an entry later entries are chained
to: a report whose group is not that one was moved outside SafeLog. A rightful move (a
concern now about this reader, or a report sent past them) says nothing, so the subject
learns nothing from it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, func, select

from safelog.audit import log as audit_log
from safelog.domain.roles import Role
from safelog.errors import TamperDetected
from safelog.store.schema import CaseRow, CaseVersionRow
from safelog.vault.authority import MANAGERS
from safelog.vault.directory import membership_point
from safelog.vault.left_out import wrongly_left_out
from safelog.vault.session import Session


def why_out_of_reach(session: Session, conn: Connection, row: Any) -> TamperDetected | None:
    """The tampering that took the case out of this reader's reach, or None when it was
    sent or re-keyed to readers that leave them out by someone allowed to."""
    try:
        # The group's own record must be whole: signed by who the row says made it, with
        # exactly the slots it names (a slot deleted, or its maker changed, is tampering).
        session.audience_slot_count(conn, row.audience_id)
    except TamperDetected:
        return TamperDetected(
            f"The record of who may read case {row.reference} was changed outside SafeLog: "
            "it is not accepted. Nothing was changed; tell your DSL."
        )
    # The version that brought in the case's current key: its first version, or a re-key.
    moved = conn.execute(
        select(
            CaseVersionRow.version,
            CaseVersionRow.author_id,
            CaseVersionRow.statement,
            CaseVersionRow.signature,
        )
        .where(CaseVersionRow.case_id == row.id, CaseVersionRow.key_no == row.key_no)
        .order_by(CaseVersionRow.version)
        .limit(1)
    ).one_or_none()
    if moved is None:
        return TamperDetected(f"Case {row.reference} does not say who may read it.")
    version, author_id, raw, signature = moved
    if author_id is None:
        if version != 1:
            return TamperDetected(
                f"Case {row.reference} has been given to other readers outside SafeLog: the "
                "version that moved it hides who wrote it (a re-key must say). It is not "
                "accepted; tell your DSL."
            )
        # A report, with who sent it sealed: it must be where the log says it was sent (its
        # reporter's choice), under that key.
        sent_to = audit_log.first_sent_to(conn, row.id)
        if sent_to is None:
            return TamperDetected(f"Case {row.reference} does not say who may read it.")
        return _given_elsewhere(row) if sent_to != row.audience_id else None
    statement = json.loads(raw)
    author = session.known_person(conn, author_id)
    # At the point it names: a key retired by a reset (a lost laptop) moves no case after it.
    at = membership_point(statement)
    if author is None or not author.verifies_at(signature, raw, at):
        return TamperDetected(
            f"The signature on case {row.reference}, version {version}, does not check out."
        )
    if statement.get("audience") != row.audience_id:
        return _given_elsewhere(row)
    if version == 1:
        return None  # the group it was sent to: the reporter's to choose
    if MANAGERS & author.roles_at(int(statement.get("membership", 0))):
        if wrongly_left_out(session, author, statement, row):
            return TamperDetected(
                f"Case {row.reference} was moved by {author.name} to readers that leave you "
                "out, as DSL, without saying that it is about you (the one reason a DSL may "
                "be left out of a case): it is not accepted. Tell the chair of governors."
            )
        return None
    return TamperDetected(
        f"Case {row.reference} was taken away from its readers by {author.name}, who does "
        "not manage cases (only a DSL, the headteacher or the chair may change who reads "
        "a case): it is not accepted. Tell your DSL."
    )


def _given_elsewhere(row: Any) -> TamperDetected:
    return TamperDetected(
        f"Case {row.reference} has been given to other readers outside SafeLog: its "
        "reader group is not the one its signed history names."
    )


def moved_away_problems(session: Session, conn: Connection, readable: int) -> list[str]:
    """For a DSL: cases they cannot open that were moved, or whose readers were changed, by
    someone not allowed to. Every case reaches every DSL it is not about, so there are few
    such cases to look at."""
    if Role.DSL not in session.person.roles:
        return []
    # `readable`: how many cases the list found in this user's reader groups. When that is
    # every case there is, nothing is out of reach (the usual answer, from one count).
    if conn.execute(select(func.count()).select_from(CaseRow)).scalar_one() == readable:
        return []
    rows = conn.execute(
        select(CaseRow.id, CaseRow.reference, CaseRow.audience_id, CaseRow.key_no).where(
            CaseRow.audience_id.not_in(list(session.audience_ciphers))
        )
    ).all()
    problems = []
    for row in rows:
        found = why_out_of_reach(session, conn, row)
        if found is not None:
            problems.append(str(found))
    return problems
