"""Least metadata (DESIGN §3.5, issue 10 point 6): a copy of the database does not say who
may read each case, and so not which cases are about the headteacher.

The attacker here has every table and no key: the test reads the reader-group rows
(records and key slots) as they are stored and looks for anything that names a person, a
role or a recovery key, then checks that the members of a group still find and open it.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, update
from support.school import School

from safelog.audit import log as audit_log
from safelog.crypto.sealed_signature import SEALED_ACTOR
from safelog.errors import TamperDetected
from safelog.store.schema import (
    AudienceKeyRow,
    AudienceRow,
    AuditRow,
    Base,
    CaseRow,
    CaseVersionRow,
)
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case
from safelog.vault.evidence import add_evidence
from safelog.vault.workspace import add_chronology, reply_to_reporter

ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "Head messaging a pupil",
    "description": "Messages from the headteacher's account.",
    "subjects": ["Hugh Head"],
}
ABOUT_STAFF = {**ABOUT_HEAD, "summary": "Teacher messaging a pupil", "subjects": ["Sam Staff"]}
PUPIL = {"category": "cyberbullying-pupil", "summary": "Group chat", "description": "Chat."}

GIVEAWAYS = ("role:", "user:", "recovery:", "dsl", "governors", "leadership", "headteacher")


def _stored_groups(school: School) -> tuple[list[Any], list[Any]]:
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        groups = conn.execute(select(AudienceRow.__table__)).all()
        slots = conn.execute(select(AudienceKeyRow.__table__)).all()
    return groups, slots


def test_reader_groups_name_no_one_in_the_clear(school: School) -> None:
    references = {}
    for name, data in (("Sam Staff", ABOUT_HEAD), ("Dana DSL", ABOUT_STAFF), ("Sam Staff", PUPIL)):
        session = school.unlock(name)
        references[data["summary"]] = add_case(session, CaseInput.from_json(data))
        session.lock()
    dana = school.unlock("Dana DSL")
    for reference in references.values():
        show_case(dana, reference)  # the DSL's first open moves a report to a group of theirs
    dana.lock()

    groups, slots = _stored_groups(school)
    assert groups and slots
    user_ids = set(school.ids.values())
    for slot in slots:
        assert all(word not in slot.recipient for word in GIVEAWAYS), slot.recipient
        assert len(slot.recipient) == 64 and int(slot.recipient, 16) >= 0  # a bare tag
    for group in groups:
        record = json.loads(group.record)
        # The labels are sealed (base64 ciphertext): a short word such as "dsl" turns up in
        # random base64 by chance, so they are checked as ciphertext, not searched.
        base64.b64decode(record["labels"], validate=True)
        text = json.dumps({k: v for k, v in record.items() if k not in ("created_by", "labels")})
        for word in GIVEAWAYS:
            assert word not in text, (word, text)
        for user_id in user_ids - {group.signer_id}:
            assert user_id not in text
        # A report's first group does not name its maker (the reporter) at all.
        maker = {"created_by"} if group.signer_id is not None else set()
        assert set(record) == {"type", "vault_id", "id", "slots", "labels"} | maker
        assert "about_headteacher" not in group.record.decode()


def test_members_still_find_their_groups_and_see_who_reads(school: School) -> None:
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    sam.lock()
    dana = school.unlock("Dana DSL")
    assert reference in {c.reference for c in list_cases(dana)}
    detail = show_case(dana, reference)
    assert detail.audience and all("Hugh" not in reader for reader in detail.audience)
    assert any("governors" in reader for reader in detail.audience)
    dana.lock()
    chris = school.unlock("Chris Chair")
    assert reference in {c.reference for c in list_cases(chris)}
    chris.lock()
    hugh = school.unlock("Hugh Head")
    assert reference not in {c.reference for c in list_cases(hugh)}
    hugh.lock()


def test_a_slot_copied_into_another_group_opens_nothing(school: School) -> None:
    """A database writer copies the headteacher's slot of one group into the group of a
    concern about him: the key in it is bound to the other group, so he opens nothing, his
    sign-in still works, and his list says a slot of his does not open; the group's members
    see that its slots no longer match its signed record."""
    sam = school.unlock("Sam Staff")
    about_head = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    about_staff = add_case(sam, CaseInput.from_json(ABOUT_STAFF))
    sam.lock()
    vault = school.vault
    with vault.engine.connect() as conn:  # type: ignore[attr-defined]
        head_group, staff_group = (
            conn.execute(select(CaseRow.audience_id).where(CaseRow.reference == r)).scalar_one()
            for r in (about_head, about_staff)
        )
    hugh = school.unlock("Hugh Head")
    assert about_staff in {c.reference for c in list_cases(hugh)}
    hugh_tag = hugh._my_slots[staff_group][0]  # the slot he opens the other group through
    hugh.lock()
    with vault.engine.begin() as conn:  # type: ignore[attr-defined]
        extra = conn.execute(
            select(AudienceKeyRow.__table__).where(
                AudienceKeyRow.audience_id == staff_group, AudienceKeyRow.recipient == hugh_tag
            )
        ).one()
        conn.execute(
            AudienceKeyRow.__table__.insert().values(
                audience_id=head_group, recipient=extra.recipient, wrapped=extra.wrapped
            )
        )
    hugh = school.unlock("Hugh Head")
    assert about_head not in {c.reference for c in list_cases(hugh)}
    assert any("does not open" in p for p in hugh.list_problems)
    hugh.lock()
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected, match="added or removed a key slot"):
        show_case(dana, about_head)
    dana.lock()


# -- who reported a case ------------------------------------------------------------------


def _rows_about(conn: Any, case_id: str, audience_ids: set[str]) -> list[tuple[str, Any]]:
    """Every stored row tied to one case, as (table, row): what a copier would look at."""
    found: list[tuple[str, Any]] = []
    for table in Base.metadata.sorted_tables:
        if "case_id" in table.c:
            rows = conn.execute(select(table).where(table.c.case_id == case_id)).all()
        elif table.name == AudienceRow.__tablename__:
            rows = conn.execute(select(table).where(table.c.id.in_(audience_ids))).all()
        elif table.name == AudienceKeyRow.__tablename__:
            rows = conn.execute(select(table).where(table.c.audience_id.in_(audience_ids))).all()
        else:
            continue
        found += [(table.name, row) for row in rows]
    return found


def _reporter_found_in(school: School, reference: str, name: str, public_key: bytes) -> list[str]:
    """Where a copy of the database with no key names the reporter of `reference`: their id
    or name in any column of any row tied to the case, or a signature in the clear that
    their public key verifies (the attacker tries every key in the directory)."""
    user_id = school.ids[name]
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        case = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
        # Every reader group the case has been in: the current one, and the ones its first
        # version and its audit entries name (the audit log names where a report was sent).
        refs = conn.execute(select(AuditRow.item_ref).where(AuditRow.case_id == case.id))
        groups = {case.audience_id} | {
            str(ref).rpartition("@")[0].partition(">")[2] for ref in refs.scalars() if ref
        }
        groups.discard("")
        rows = _rows_about(conn, case.id, groups)
    public = Ed25519PublicKey.from_public_bytes(public_key)
    found = []
    for table, row in rows:
        for column, value in row._mapping.items():
            raw = value if isinstance(value, bytes) else str(value).encode()
            if user_id.encode() in raw or name.encode() in raw:
                found.append(f"{table}.{column}")
        signature = row._mapping.get("signature")
        signed = [row._mapping.get(c) for c in ("statement", "record")]
        if table == AuditRow.__tablename__:
            signed = [audit_log.signing_message(row.entry_hash)]
        for message in signed:
            if not signature or not message:
                continue
            try:
                public.verify(bytes(signature), bytes(message))
            except InvalidSignature:
                continue
            found.append(f"{table}.signature")
    return found


def test_a_database_copy_does_not_tell_who_reported_a_case(school: School, tmp_path: Path) -> None:
    """Tess reports a concern about the head and attaches evidence; the DSL opens it, writes
    to it and replies. A copy of every row tied to the case, with no key, names Tess nowhere
    and holds no signature her public key verifies."""
    tess: Any = school.unlock("Tess Teacher")
    public_key = tess.person.ed25519
    reference = add_case(tess, CaseInput.from_json(ABOUT_HEAD))
    note = tmp_path / "messages.txt"
    note.write_text("Messages copied from the pupil's phone.")
    add_evidence(tess, reference, note)
    tess.lock()
    assert _reporter_found_in(school, reference, "Tess Teacher", public_key) == []
    dana = school.unlock("Dana DSL")
    show_case(dana, reference)  # moves the report to a group of the DSL's own making
    add_chronology(dana, reference, "Spoke to the chair of governors.")
    reply_to_reporter(dana, reference, "Thank you: the chair has been told.")
    dana.lock()
    assert _reporter_found_in(school, reference, "Tess Teacher", public_key) == []
    # The case's readers still see who sent it, its signature checked.
    chris: Any = school.unlock("Chris Chair")
    chair_key = chris.person.ed25519
    assert show_case(chris, reference).versions[0].author == "Tess Teacher"
    add_chronology(chris, reference, "Chair informed; LADO to be called.")
    chris.lock()
    # Nor does a copy show that the chair (who reads only concerns about the head) viewed
    # or wrote to it: only a re-key says who wrote it, and the DSL made that one.
    assert _reporter_found_in(school, reference, "Chris Chair", chair_key) == []
    assert _reporter_found_in(school, reference, "Tess Teacher", public_key) == []


def test_a_sealed_author_moved_to_another_version_is_refused(school: School) -> None:
    """The sealed author of one version, copied over another's, does not open there."""
    tess = school.unlock("Tess Teacher")
    reference = add_case(tess, CaseInput.from_json(PUPIL))
    other = add_case(tess, CaseInput.from_json({**PUPIL, "summary": "Another chat"}))
    tess.lock()
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        ids = dict(conn.execute(select(CaseRow.reference, CaseRow.id)).all())
        sealed = conn.execute(
            select(CaseVersionRow.statement).where(CaseVersionRow.case_id == ids[other])
        ).scalar_one()
        conn.execute(
            update(CaseVersionRow)
            .where(CaseVersionRow.case_id == ids[reference])
            .values(statement=sealed)
        )
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected, match=f"who wrote case {reference}, version 1"):
        show_case(dana, reference)
    show_case(dana, other)


def test_an_audit_entry_cannot_leave_out_its_actor_unless_it_is_a_first_key_entry(
    school: School,
) -> None:
    """Only an entry about a case under its first key may have its actor sealed: a database
    writer marking any other entry so (to skip its signature check) is caught at sign-in."""
    dana = school.unlock("Dana DSL")
    dana.lock()
    with school.vault.engine.begin() as conn:  # type: ignore[attr-defined]
        row = conn.execute(
            select(AuditRow.__table__).where(AuditRow.case_id.is_(None)).order_by(AuditRow.seq)
        ).first()
        conn.execute(update(AuditRow).where(AuditRow.seq == row.seq).values(actor_id=SEALED_ACTOR))
    with pytest.raises(TamperDetected, match=f"audit entry {row.seq}"):
        school.unlock("Dana DSL")
