"""Round 2 attacks on blinded reader groups, the reader-side re-check of reader groups, the
"taken away from its readers" detection and the single case engine (DESIGN §3.5).

Every test starts from a fresh school (`build_school`) and attacks as a real attacker would:
with a copy of the database, as a database writer, as a reporter or headteacher running a
modified client (test code calling `safelog.vault.case_writing` and `session` internals with
their own keys). Each test asserts the SECURE behaviour; where the attack still succeeds the
test is marked `xfail(strict=True, reason="finding: ...")`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import delete, func, insert, select, update
from support.school import School, build_school

from safelog.crypto import slot_tags
from safelog.crypto import wrap as hpke
from safelog.crypto.aead import Cipher, DecryptionFailed, new_key
from safelog.crypto.encoding import b64, canonical_json
from safelog.domain.roles import KeyRole
from safelog.errors import AccessDenied, TamperDetected
from safelog.store.schema import (
    AudienceKeyRow,
    AudienceRow,
    CaseFieldRow,
    CaseKeyRow,
    CaseRow,
    CaseVersionRow,
)
from safelog.vault.audit_view import case_audit
from safelog.vault.case_engine import dek_aad, field_aad, open_case, summary_aad
from safelog.vault.case_input import CaseInput
from safelog.vault.case_reading import read_case, signed_version
from safelog.vault.case_summary import write_summary
from safelog.vault.case_writing import append_version, commit_version, rekey
from safelog.vault.cases import add_case, list_cases, show_case, update_case
from safelog.vault.reader_groups import _labels_aad, audience_context
from safelog.vault.receipt_store import first_key_for_reporter
from safelog.vault.workspace import add_chronology

PUPIL_REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Group chat bullying in Year 8",
    "description": "Screenshots of a group chat were shown to me.",
}
ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "Head messaging a pupil on Snapchat",
    "description": "A pupil showed me messages from the headteacher's account.",
    "subjects": ["Hugh Head"],
}
ABOUT_TESS = {
    "category": "staff-online-conduct",
    "summary": "Teacher following pupils on Instagram",
    "description": "Tess follows several Year 10 pupils.",
    "subjects": ["Tess Teacher"],
}
LATER_NOTE = "LADO consulted; strategy meeting booked for Thursday"


# -- helpers ------------------------------------------------------------------------------


def file_case(school: School, name: str, data: dict[str, Any]) -> str:
    session = school.unlock(name)
    reference = add_case(session, CaseInput.from_json(data))  # type: ignore[arg-type]
    session.lock()  # type: ignore[attr-defined]
    return reference


def case_row(vault: Any, reference: str) -> Any:
    with vault.engine.connect() as conn:
        return conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()


def dsl_public(session: Any) -> tuple[str, bytes]:
    epoch = session.directory.current_epoch(KeyRole.DSL)
    return f"role:dsl:{epoch.epoch}", epoch.public


def leadership_public(session: Any) -> tuple[str, bytes]:
    epoch = session.directory.current_epoch(KeyRole.LEADERSHIP)
    return f"role:leadership:{epoch.epoch}", epoch.public


def user_public(session: Any, user_id: str) -> tuple[str, bytes]:
    return f"user:{user_id}", session.directory.people[user_id].x25519


def forge_group(session: Any, conn: Any, slots: list[tuple[str, bytes, str]]) -> str:
    """A modified client makes a reader group of its own: each slot is (the label its tag
    is computed for, the public key its key is wrapped to, the label the sealed list claims
    for it). Signed by the session's own key, exactly as the honest client signs."""
    audience_id = str(uuid.uuid4())
    key = new_key()
    vault_id = session.directory.vault_id
    rows = []
    labels = {}
    for tag_label, public, claimed in slots:
        tag = slot_tags.slot_tag(
            slot_tags.tag_key(session.identity.x25519, public, vault_id), tag_label
        )
        labels[tag] = claimed
        rows.append(
            {
                "audience_id": audience_id,
                "recipient": tag,
                "wrapped": hpke.wrap(
                    key,
                    X25519PublicKey.from_public_bytes(public),
                    audience_context(audience_id, tag),
                ),
            }
        )
    record = canonical_json(
        {
            "type": "audience",
            "vault_id": vault_id,
            "id": audience_id,
            "slots": sorted(labels),
            "labels": b64(
                Cipher(key).seal(
                    canonical_json({"labels": labels, "decoys": {}}), _labels_aad(audience_id)
                )
            ),
            "created_by": session.user_id,
        }
    )
    conn.execute(
        insert(AudienceRow).values(
            id=audience_id,
            record=record,
            signature=session.identity.sign(record),
            signer_id=session.user_id,
            created_at=session.clock(),
        )
    )
    conn.execute(insert(AudienceKeyRow), rows)
    session.audience_ciphers[audience_id] = Cipher(key)
    return audience_id


def forge_rekey(session: Any, reference: str, slots: list[tuple[str, bytes, str]]) -> bytes:
    """The modified client re-keys a case it can open to a group of its own making, with a
    signed version naming that group (as the honest client writes a re-key), recorded in
    the audit log. Returns the new data key, which the attacker keeps."""
    with session.write() as conn:
        session.sync_membership(conn)
        case = open_case(session, conn, reference)
        verified = read_case(session, conn, case)
        audience_id = forge_group(session, conn, slots)
        rekey(session, conn, case, audience_id)
        extra: Any = {"rekeyed": True, "audience": audience_id}
        version = commit_version(
            session, conn, case, verified.fields, verified.last_statement, {}, extra
        )
        session.audit(
            conn,
            "case.update",
            {"reference": reference, "version": version},
            case=case.audit_ref(),
            item=f"v{version}",
        )
        wrapped = conn.execute(
            select(CaseKeyRow.wrapped).where(
                CaseKeyRow.case_id == case.row.id, CaseKeyRow.key_no == case.row.key_no
            )
        ).scalar_one()
        return session.audience_ciphers[audience_id].open(
            wrapped, dek_aad(case.row.id, case.row.key_no, audience_id)
        )


def readable_with(vault: Any, reference: str, dek: bytes, key_no: int) -> list[Any]:
    """Every field of every version sealed under data key `key_no` that `dek` opens."""
    row = case_row(vault, reference)
    out = []
    with vault.engine.connect() as conn:
        versions = dict(
            conn.execute(
                select(CaseVersionRow.version, CaseVersionRow.key_no).where(
                    CaseVersionRow.case_id == row.id
                )
            ).all()
        )
        for f in conn.execute(
            select(CaseFieldRow.__table__).where(CaseFieldRow.case_id == row.id)
        ).all():
            if versions[f.version] != key_no:
                continue
            with contextlib.suppress(DecryptionFailed):
                out.append(
                    json.loads(Cipher(dek).open(f.value_ct, field_aad(row.id, f.version, f.field)))
                )
    return out


# -- (c) a reporter's modified client -----------------------------------------------------


def test_reporter_rekeying_to_a_group_of_their_own_that_includes_the_dsl(vault: Any) -> None:
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(PUPIL_REPORT))
    kept = forge_rekey(sam, reference, [(*dsl_public(sam), dsl_public(sam)[0])])
    sam.lock()

    dana = school.unlock("Dana DSL")
    refused = False
    try:
        show_case(dana, reference)
        add_chronology(dana, reference, LATER_NOTE)
    except TamperDetected as exc:
        refused = True
        assert reference in str(exc) and "Sam Staff" in str(exc)
    dana.lock()
    # Whatever happened, the reporter's kept key must open nothing the DSL wrote.
    leaked = readable_with(vault, reference, kept, 2)
    assert not any(LATER_NOTE in json.dumps(value) for value in leaked), leaked
    assert refused


def _rewrap_first_key_to_own_group(sam: Any, reference: str, sign_version: bool) -> None:
    """Sam moves his unopened report to a group only he holds WITHOUT moving key_no on:
    the first data key is re-wrapped for his group, and (with `sign_version`) a signed
    version naming the group is added, recorded in the audit log."""
    with sam.write() as conn:
        case = open_case(sam, conn, reference)
        verified = read_case(sam, conn, case)
        row = case.row
        old = conn.execute(
            select(CaseKeyRow.wrapped).where(CaseKeyRow.case_id == row.id, CaseKeyRow.key_no == 1)
        ).scalar_one()
        dek = sam.audience_ciphers[row.audience_id].open(old, dek_aad(row.id, 1, row.audience_id))
        mine = user_public(sam, sam.user_id)
        audience_id = forge_group(sam, conn, [(mine[0], mine[1], mine[0])])
        conn.execute(
            update(CaseKeyRow)
            .where(CaseKeyRow.case_id == row.id, CaseKeyRow.key_no == 1)
            .values(
                wrapped=sam.audience_ciphers[audience_id].seal(dek, dek_aad(row.id, 1, audience_id))
            )
        )
        conn.execute(update(CaseRow).where(CaseRow.id == row.id).values(audience_id=audience_id))
        case.row = SimpleNamespace(**{**row._asdict(), "audience_id": audience_id})
        if sign_version:
            extra: Any = {"rekeyed": True, "audience": audience_id}
            version = commit_version(
                sam, conn, case, verified.fields, verified.last_statement, {}, extra
            )
            sam.audit(
                conn,
                "case.update",
                {"reference": reference, "version": version},
                case=case.audit_ref(),
                item=f"v{version}",
            )
        else:
            write_summary(
                conn,
                row.id,
                reference,
                audience_id,
                sam.audience_ciphers[audience_id],
                int(row.head_version),
                verified.fields,
                row.created_at,
                row.created_at,
            )


def test_reporter_taking_a_report_away_keeping_key_no_is_refused_on_opening(vault: Any) -> None:
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(PUPIL_REPORT))
    _rewrap_first_key_to_own_group(sam, reference, sign_version=True)
    sam.lock()
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected) as caught:
        show_case(dana, reference)
    message = str(caught.value)
    # Who sent a report is sealed under its first key, which Sam took out of Dana's reach:
    # she is told it was moved, against the group the audit log says it was sent to.
    assert reference in message and "given to other readers outside SafeLog" in message
    dana.lock()


def test_reporter_taking_a_report_away_keeping_key_no_is_named_in_the_list(vault: Any) -> None:
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(PUPIL_REPORT))
    _rewrap_first_key_to_own_group(sam, reference, sign_version=True)
    sam.lock()
    dana = school.unlock("Dana DSL")
    listed = {c.reference for c in list_cases(dana)}
    assert reference not in listed
    assert any(reference in p and "other readers" in p for p in dana.list_problems), (
        dana.list_problems
    )


def test_pointing_an_unopened_report_elsewhere_is_named_in_the_list(vault: Any) -> None:
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(PUPIL_REPORT))
    _rewrap_first_key_to_own_group(sam, reference, sign_version=False)
    sam.lock()
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected, match="given to other readers outside SafeLog"):
        show_case(dana, reference)
    assert reference not in {c.reference for c in list_cases(dana)}
    assert any(reference in p for p in dana.list_problems), dana.list_problems


def test_reporter_adding_to_a_report_after_the_dsl_opened_it_is_refused(vault: Any) -> None:
    school = build_school(vault)
    reference = file_case(school, "Sam Staff", PUPIL_REPORT)
    dana = school.unlock("Dana DSL")
    show_case(dana, reference)  # opens it: it moves to a key Sam never holds
    dana.lock()
    row = case_row(vault, reference)
    assert row.key_no == 2

    sam = school.unlock("Sam Staff")
    with sam.write() as conn:
        first = first_key_for_reporter(sam, conn, row.id)
        assert first is not None
        prev = conn.execute(
            select(CaseVersionRow.statement).where(
                CaseVersionRow.case_id == row.id, CaseVersionRow.version == row.head_version
            )
        ).scalar_one()
        version = int(row.head_version) + 1
        sighting = [{"evidence_id": "x", "note": "Sam's words, added after it was opened"}]
        append_version(
            sam,
            conn,
            row.id,
            reference,
            version,
            1,
            first,
            {"evidence_sightings": sighting},  # type: ignore[typeddict-item]
            prev,
            {},
        )
        sam.audit(
            conn,
            "case.update",
            {"reference": reference},
            case=(row.id, 1, first),
            item=f"v{version}",
        )
    sam.lock()
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected) as caught:
        show_case(dana, reference)
    assert reference in str(caught.value) and "Sam Staff" in str(caught.value)


def test_reporter_cannot_make_the_dsl_list_name_someone_else_as_reporter(vault: Any) -> None:
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    tess_id = school.ids["Tess Teacher"]
    with sam.write() as conn:
        case = open_case(sam, conn, reference)
        fields = read_case(sam, conn, case).fields
        row = case.row
        write_summary(
            conn,
            row.id,
            reference,
            row.audience_id,
            sam.audience_ciphers[row.audience_id],
            1,
            {**fields, "reporter": tess_id, "about_headteacher": False},
            row.created_at,
            row.created_at,
        )
    sam.lock()
    dana = school.unlock("Dana DSL")
    # The entry's reporter is checked against the report's first version: a forged one is
    # left out of the list and named, and the report opens as what Sam really sent.
    assert reference not in {c.reference for c in list_cases(dana)}
    assert any(
        reference in p and "names someone other than who sent it" in p for p in dana.list_problems
    )
    detail = show_case(dana, reference)
    assert detail.fields["reporter"] == school.ids["Sam Staff"]
    assert detail.fields["about_headteacher"]


# -- (c)/(d) lying labels -------------------------------------------------------------------


def test_group_labelled_governors_but_wrapped_to_the_head_is_refused(vault: Any) -> None:
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    hugh_id = school.ids["Hugh Head"]
    with sam.engine.connect() as conn:
        sam.reload_directory(conn)
    governors = sam.directory.current_epoch(KeyRole.GOVERNORS)
    dsl = dsl_public(sam)
    hugh = user_public(sam, hugh_id)
    reference = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    # Sam's client re-sends the same report under a group with lying labels (the first
    # version of a report is the reporter's own: he could equally have sent it so).
    with sam.write() as conn:
        case = open_case(sam, conn, reference)
        verified = read_case(sam, conn, case)
        row = case.row
        old = conn.execute(
            select(CaseKeyRow.wrapped).where(CaseKeyRow.case_id == row.id, CaseKeyRow.key_no == 1)
        ).scalar_one()
        dek = sam.audience_ciphers[row.audience_id].open(old, dek_aad(row.id, 1, row.audience_id))
        audience_id = forge_group(
            sam,
            conn,
            [(dsl[0], dsl[1], dsl[0]), (hugh[0], hugh[1], f"role:governors:{governors.epoch}")],
        )
        conn.execute(
            update(CaseKeyRow)
            .where(CaseKeyRow.case_id == row.id, CaseKeyRow.key_no == 1)
            .values(
                wrapped=sam.audience_ciphers[audience_id].seal(dek, dek_aad(row.id, 1, audience_id))
            )
        )
        conn.execute(update(CaseRow).where(CaseRow.id == row.id).values(audience_id=audience_id))
        # The first version names the group: rewrite it (the reporter signs v1 himself; it
        # is sealed with the first key, which he holds).
        first = conn.execute(
            select(CaseVersionRow.__table__).where(
                CaseVersionRow.case_id == row.id, CaseVersionRow.version == 1
            )
        ).one()
        statement = json.loads(signed_version(first, {1: Cipher(dek)}, "v1").statement)
        statement["audience"] = audience_id
        signed = canonical_json(statement)
        conn.execute(
            update(CaseVersionRow)
            .where(CaseVersionRow.case_id == row.id, CaseVersionRow.version == 1)
            .values(author_id=sam.user_id, statement=signed, signature=sam.identity.sign(signed))
        )
        write_summary(
            conn,
            row.id,
            reference,
            audience_id,
            sam.audience_ciphers[audience_id],
            1,
            verified.fields,
            row.created_at,
            row.created_at,
        )
    sam.lock()

    # The head's own client finds the slot through his own key and sees it named as the
    # governors': refused, he does not read the concern about himself.
    hugh_session = school.unlock("Hugh Head")
    # (The audit log names the group the report was first sent to, in an entry later ones
    # are chained to: that the group is not that one is found first.)
    with pytest.raises(TamperDetected, match=r"under a false name|given to other readers"):
        show_case(hugh_session, reference)
    assert reference not in {c.reference for c in list_cases(hugh_session)}
    hugh_session.lock()
    # The DSL, who can open the forged group, is told the report was moved: the audit log
    # names the group it was first sent to, in an entry later ones are chained to.
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected, match=f"Case {reference} has been given to other"):
        show_case(dana, reference)
    dana.lock()


def test_head_reads_the_dsl_work_on_a_concern_about_himself_via_a_reporter_group(
    vault: Any,
) -> None:
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    with sam.engine.connect() as conn:
        sam.reload_directory(conn)
    governors = sam.directory.current_epoch(KeyRole.GOVERNORS)
    dsl = dsl_public(sam)
    hugh = user_public(sam, school.ids["Hugh Head"])
    reference = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    forge_rekey(
        sam,
        reference,
        [(*dsl, dsl[0]), (hugh[0], hugh[1], f"role:governors:{governors.epoch}")],
    )
    sam.lock()
    dana = school.unlock("Dana DSL")
    with contextlib.suppress(TamperDetected):
        show_case(dana, reference)
        add_chronology(dana, reference, LATER_NOTE)
    dana.lock()
    hugh_session = school.unlock("Hugh Head")
    seen = ""
    with contextlib.suppress(TamperDetected, AccessDenied):
        seen = json.dumps(show_case(hugh_session, reference).fields)
    assert LATER_NOTE not in seen


def test_head_taking_an_escalated_case_away_from_the_dsl_is_reported(vault: Any) -> None:
    school = build_school(vault)
    reference = file_case(school, "Dana DSL", ABOUT_TESS)  # wrapped to dsl + leadership
    hugh = school.unlock("Hugh Head")
    show_case(hugh, reference)
    me = user_public(hugh, hugh.user_id)
    dsl_label = dsl_public(hugh)[0]
    lead = leadership_public(hugh)
    forge_rekey(hugh, reference, [(me[0], me[1], dsl_label), (lead[0], lead[1], lead[0])])
    show_case(hugh, reference)  # the head's own (honest) re-check accepts the lying labels
    hugh.lock()

    dana = school.unlock("Dana DSL")
    assert reference not in {c.reference for c in list_cases(dana)}
    assert any(reference in p for p in dana.list_problems), dana.list_problems
    with pytest.raises(TamperDetected, match=reference):
        show_case(dana, reference)


def _left_out_markers(vault: Any, reference: str) -> list[str]:
    row = case_row(vault, reference)
    with vault.engine.connect() as conn:
        raw = conn.execute(
            select(CaseVersionRow.statement)
            .where(CaseVersionRow.case_id == row.id, CaseVersionRow.key_no == row.key_no)
            .order_by(CaseVersionRow.version)
            .limit(1)
        ).scalar_one()
    return list(json.loads(raw)["left_out"])


def test_a_case_moved_away_from_the_dsl_because_it_is_about_her_tells_her_nothing(
    vault: Any,
) -> None:
    school = build_school(vault)
    reference = file_case(school, "Dana DSL", ABOUT_TESS)
    hugh = school.unlock("Hugh Head")
    update_case(hugh, reference, {"subjects": ["Tess Teacher", "Dana DSL"]})
    hugh.lock()
    about_her = _left_out_markers(vault, reference)

    dana = school.unlock("Dana DSL")
    assert reference not in {c.reference for c in list_cases(dana)}
    assert not any(reference in p for p in dana.list_problems), dana.list_problems
    with pytest.raises(AccessDenied):
        show_case(dana, reference)  # not "tampered": nothing tells her it is about her
    dana.lock()

    # Nor can anyone else tell from the statement how many DSLs a re-key left out.
    other = file_case(school, "Dana DSL", ABOUT_TESS)
    hugh = school.unlock("Hugh Head")
    update_case(hugh, other, {"escalated_to_leadership": True, "subjects": ["Tess Teacher"]})
    hugh.lock()
    assert len(about_her) == len(_left_out_markers(vault, other)) == 4


def test_a_case_moved_away_from_the_dsl_tells_her_nothing_after_the_movers_reset(
    vault: Any,
) -> None:
    """The marker that says "left out because it is about you" was made with the head's key
    of then: his reset since does not turn it into an accusation."""
    school = build_school(vault)
    reference = file_case(school, "Dana DSL", ABOUT_TESS)
    hugh = school.unlock("Hugh Head")
    update_case(hugh, reference, {"subjects": ["Tess Teacher", "Dana DSL"]})
    hugh.lock()
    dana = school.unlock("Dana DSL")
    code = school.vault.reset_access(dana, "Hugh Head", school.recovery["school"])
    dana.lock()
    school.vault.enrol(code, "hugh has a new passphrase").lock()

    dana = school.unlock("Dana DSL")
    assert reference not in {c.reference for c in list_cases(dana)}
    assert not any(reference in p for p in dana.list_problems), dana.list_problems
    with pytest.raises(AccessDenied):
        show_case(dana, reference)


def test_audit_view_of_a_case_refused_on_opening_is_refused_too(vault: Any) -> None:
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    with sam.engine.connect() as conn:
        sam.reload_directory(conn)
    governors = sam.directory.current_epoch(KeyRole.GOVERNORS)
    gov = (f"role:governors:{governors.epoch}", governors.public)
    dsl = dsl_public(sam)
    hugh = user_public(sam, school.ids["Hugh Head"])
    reference = add_case(sam, CaseInput.from_json(ABOUT_HEAD))
    forge_rekey(sam, reference, [(*dsl, dsl[0]), (*gov, gov[0]), (*hugh, hugh[0])])
    sam.lock()
    hugh_session = school.unlock("Hugh Head")
    with pytest.raises(TamperDetected, match=reference):
        show_case(hugh_session, reference)  # refused: the head is not a rightful reader
    with pytest.raises(TamperDetected, match=reference):
        case_audit(hugh_session, reference)


# -- (b) a database writer -----------------------------------------------------------------


def _school_with_a_group_dana_is_not_in(vault: Any) -> tuple[School, str, str]:
    """Sam reports a pupil concern (Dana opens it); Hugh reports a concern about Dana (a
    group without her). Returns the school, the pupil report and the concern about Dana."""
    school = build_school(vault)
    pupil = file_case(school, "Sam Staff", PUPIL_REPORT)
    about_dana = file_case(
        school,
        "Hugh Head",
        {**ABOUT_TESS, "summary": "DSL shared a pupil's file", "subjects": ["Dana DSL"]},
    )
    dana = school.unlock("Dana DSL")
    show_case(dana, pupil)
    dana.lock()
    return school, pupil, about_dana


def test_a_slot_row_copied_into_another_group_does_not_lock_the_dsl_out(vault: Any) -> None:
    school, pupil, about_dana = _school_with_a_group_dana_is_not_in(vault)
    target = case_row(vault, about_dana).audience_id
    source = case_row(vault, pupil).audience_id
    with vault.engine.begin() as conn:
        slot = conn.execute(
            select(AudienceKeyRow.__table__).where(AudienceKeyRow.audience_id == source)
        ).first()
        conn.execute(
            insert(AudienceKeyRow).values(
                audience_id=target, recipient=slot.recipient, wrapped=slot.wrapped
            )
        )
    try:
        dana = school.unlock("Dana DSL")
    except TamperDetected as exc:
        message = str(exc)
        assert "outside SafeLog" in message or "tampered" in message, message
        raise AssertionError(f"the DSL cannot sign in: {message}") from None
    assert pupil in {c.reference for c in list_cases(dana)}


def test_a_slot_row_copied_into_another_group_is_refused_by_its_members(vault: Any) -> None:
    school, pupil, about_dana = _school_with_a_group_dana_is_not_in(vault)
    source = case_row(vault, pupil).audience_id
    target = case_row(vault, about_dana).audience_id
    with vault.engine.begin() as conn:
        slot = conn.execute(
            select(AudienceKeyRow.__table__).where(AudienceKeyRow.audience_id == source)
        ).first()
        conn.execute(
            insert(AudienceKeyRow).values(
                audience_id=target, recipient=slot.recipient, wrapped=slot.wrapped
            )
        )
    hugh = school.unlock("Hugh Head")
    with pytest.raises(TamperDetected, match="key slot for this case outside SafeLog"):
        show_case(hugh, about_dana)


def test_swapping_the_signer_of_a_group_is_detected(vault: Any) -> None:
    school = build_school(vault)
    reference = file_case(school, "Sam Staff", PUPIL_REPORT)
    dana = school.unlock("Dana DSL")
    show_case(dana, reference)  # now in a group Dana made
    dana.lock()
    audience_id = case_row(vault, reference).audience_id
    with vault.engine.begin() as conn:
        conn.execute(
            update(AudienceRow)
            .where(AudienceRow.id == audience_id)
            .values(signer_id=school.ids["Chris Chair"])
        )
    dana = school.unlock("Dana DSL")
    listed = {c.reference for c in list_cases(dana)}
    assert reference in listed or any(reference in p for p in dana.list_problems)
    with pytest.raises(TamperDetected, match=reference):
        show_case(dana, reference)


def test_deleting_the_dsl_slot_of_a_new_report_is_detected(vault: Any) -> None:
    school = build_school(vault)
    reference = file_case(school, "Sam Staff", PUPIL_REPORT)
    audience_id = case_row(vault, reference).audience_id
    with vault.engine.begin() as conn:
        conn.execute(delete(AudienceKeyRow).where(AudienceKeyRow.audience_id == audience_id))
    dana = school.unlock("Dana DSL")
    listed = {c.reference for c in list_cases(dana)}
    assert reference in listed or any(reference in p for p in dana.list_problems)
    with pytest.raises(TamperDetected, match=reference):
        show_case(dana, reference)


def test_pointing_a_case_back_at_its_old_group_is_detected(vault: Any) -> None:
    """The writer kept the report's first key wrap (from an old copy) and puts the case
    back in the reporter's group, key 1: the reporter's key would open the case again."""
    school = build_school(vault)
    reference = file_case(school, "Sam Staff", PUPIL_REPORT)
    before = case_row(vault, reference)
    with vault.engine.connect() as conn:
        old_wrap = conn.execute(
            select(CaseKeyRow.wrapped).where(
                CaseKeyRow.case_id == before.id, CaseKeyRow.key_no == 1
            )
        ).scalar_one()
    dana = school.unlock("Dana DSL")
    add_chronology(dana, reference, LATER_NOTE)
    dana.lock()
    after = case_row(vault, reference)
    assert after.key_no == 2
    with vault.engine.begin() as conn:
        conn.execute(
            update(CaseKeyRow)
            .where(CaseKeyRow.case_id == before.id, CaseKeyRow.key_no == 1)
            .values(wrapped=old_wrap)
        )
        conn.execute(
            update(CaseRow)
            .where(CaseRow.id == before.id)
            .values(audience_id=before.audience_id, key_no=1)
        )
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected) as caught:
        show_case(dana, reference)
    assert reference in str(caught.value)
    # The list entry no longer fits its group: left out and named, the rest still listed.
    assert reference not in {c.reference for c in list_cases(dana)}
    assert any(reference in p for p in dana.list_problems)
    dana.lock()
    sam = school.unlock("Sam Staff")
    with pytest.raises(TamperDetected, match=reference):
        show_case(sam, reference)  # the reporter's first key does not reopen the case


def test_swapping_two_slot_rows_inside_a_group_is_detected(vault: Any) -> None:
    """Within one group, the wrapped keys of two slots are swapped (a 'key slot swap')."""
    school = build_school(vault)
    reference = file_case(school, "Dana DSL", ABOUT_TESS)  # dsl + leadership
    audience_id = case_row(vault, reference).audience_id
    with vault.engine.begin() as conn:
        slots = conn.execute(
            select(AudienceKeyRow.__table__).where(AudienceKeyRow.audience_id == audience_id)
        ).all()
        assert len(slots) == 4  # two readers and two decoys
        for one, other in zip(slots, slots[1:] + slots[:1], strict=True):
            conn.execute(
                update(AudienceKeyRow)
                .where(
                    AudienceKeyRow.audience_id == audience_id,
                    AudienceKeyRow.recipient == one.recipient,
                )
                .values(wrapped=other.wrapped)
            )
    # Whoever's slot it was, the key in it no longer opens: sign-in still works, the group's
    # cases are not listed and the list says why (one planted row must not lock anyone out).
    for name in ("Hugh Head", "Dana DSL"):
        session = school.unlock(name)
        assert reference not in {c.reference for c in list_cases(session)}
        assert any("does not open" in p for p in session.list_problems), name
        session.lock()


# -- (a)/(d) what a copy of the database tells -------------------------------------------


def _slot_counts(conn: Any) -> dict[str, int]:
    return dict(
        conn.execute(
            select(AudienceKeyRow.audience_id, func.count()).group_by(AudienceKeyRow.audience_id)
        ).all()
    )


def test_head_cannot_tell_from_slot_counts_which_cases_are_about_him(vault: Any) -> None:
    school = build_school(vault)
    about_head = file_case(school, "Sam Staff", ABOUT_HEAD)
    others = {
        file_case(school, "Tess Teacher", PUPIL_REPORT),
        file_case(school, "Sam Staff", ABOUT_TESS),
    }
    for name in ("Dana DSL", "Chris Chair"):
        session = school.unlock(name)
        for reference in (about_head, *others):
            with contextlib.suppress(AccessDenied):
                show_case(session, reference)
        session.lock()
    hugh = school.unlock("Hugh Head")
    with vault.engine.connect() as conn:
        counts = _slot_counts(conn)
        rows = conn.execute(select(CaseRow.reference, CaseRow.audience_id)).all()
    suspected = {
        reference
        for reference, audience_id in rows
        if counts[audience_id] >= 2 and audience_id not in hugh.audience_ciphers
    }
    assert suspected != {about_head}


def test_a_database_copy_does_not_show_slot_labels(vault: Any) -> None:
    """Slot names are blinded and the labels sealed: no 'role:' or 'user:' in the clear."""
    school = build_school(vault)
    file_case(school, "Sam Staff", ABOUT_HEAD)
    with vault.engine.connect() as conn:
        tags = conn.execute(select(AudienceKeyRow.recipient)).scalars().all()
        records = conn.execute(select(AudienceRow.record)).scalars().all()
    assert tags and all(len(t) == 64 and ":" not in t for t in tags)
    for record in records:
        assert b"role:" not in record and b"user:" not in record
        assert b"governors" not in record


def test_tag_hash_of_a_label_is_not_a_plain_hash(vault: Any) -> None:
    """A slot tag is not a hash anyone can compute from the label (a dictionary attack by
    someone holding only the database)."""
    school = build_school(vault)
    file_case(school, "Sam Staff", ABOUT_HEAD)
    with vault.engine.connect() as conn:
        tags = set(conn.execute(select(AudienceKeyRow.recipient)).scalars().all())
    guesses = {f"role:{r}:{e}" for r in ("dsl", "governors", "leadership") for e in (1, 2)}
    guesses |= {f"user:{i}" for i in school.ids.values()}
    plain = {hashlib.sha256(g.encode()).hexdigest() for g in guesses}
    assert not tags & plain


def test_one_damaged_list_entry_does_not_hide_every_case(vault: Any) -> None:
    school = build_school(vault)
    damaged = file_case(school, "Sam Staff", PUPIL_REPORT)
    fine = file_case(school, "Tess Teacher", {**PUPIL_REPORT, "summary": "Another matter"})
    row = case_row(vault, damaged)
    flipped = bytes([row.summary_ct[0] ^ 1]) + bytes(row.summary_ct[1:])
    with vault.engine.begin() as conn:
        conn.execute(update(CaseRow).where(CaseRow.id == row.id).values(summary_ct=flipped))
    dana = school.unlock("Dana DSL")
    listed = {c.reference for c in list_cases(dana)}
    assert fine in listed
    assert any(damaged in p for p in dana.list_problems)


def test_a_list_entry_missing_its_fields_does_not_hide_every_case(vault: Any) -> None:
    """The reporter's modified client writes its own unopened report's list entry with
    fields missing: that report is left out and named; the DSL still sees every other case."""
    school = build_school(vault)
    fine = file_case(school, "Tess Teacher", PUPIL_REPORT)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(PUPIL_REPORT))
    with sam.write() as conn:
        row = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
        broken = canonical_json({"reference": reference, "status": "new"})
        sealed = sam.audience_ciphers[row.audience_id].seal(
            broken, summary_aad(row.id, row.audience_id, row.head_version)
        )
        conn.execute(update(CaseRow).where(CaseRow.id == row.id).values(summary_ct=sealed))
    sam.lock()
    dana = school.unlock("Dana DSL")
    listed = {c.reference for c in list_cases(dana)}
    assert fine in listed and reference not in listed
    assert any(f"list entry of case {reference} cannot be read" in p for p in dana.list_problems)
    dana.lock()
