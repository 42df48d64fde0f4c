"""Attacks by people who hold an account (DESIGN §3.5, issue 10): an admin-only business
manager, a headteacher who is also admin (and can reach the school-safe recovery key), a
reporter and a DSL running a modified client, and whoever kept an enrolment code.

A "modified client" is test code that calls the core's internals directly
(`membership.append` with the attacker's own key, `case_writing.append_version` through
`commit_version`, `case_writing.rekey`) to write what the honest client refuses. Every honest
reader must then refuse or ignore it, and the attacker must gain nothing: no role, no key
handed over at anyone's sign-in, no case listed, opened or decrypted.

Where an attack still succeeds the test asserts the secure behaviour and is marked
`xfail(strict=True, reason="finding: ...")`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from offline_keys import (
    GOVERNORS_KEY,
    case_deks,
    open_keyring,
    read_field,
    user_identity,
    who_can_decrypt,
)
from sqlalchemy import delete, insert, select, update
from support.school import PASSPHRASES, School, build_school

from safelog.audit import checkpoint as checkpoints
from safelog.crypto import recovery, sealing
from safelog.crypto.aead import Cipher, DecryptionFailed, new_key
from safelog.crypto.ca import fingerprint
from safelog.crypto.encoding import b64, canonical_json
from safelog.crypto.identity import Identity
from safelog.crypto.kdf import kdf_params_for_new_secret
from safelog.crypto.stream import StreamEncryptor
from safelog.domain.access import AudiencePlan, Recipient
from safelog.domain.roles import KeyRole, Role
from safelog.errors import (
    AccessDenied,
    InvalidInput,
    TamperDetected,
)
from safelog.store.schema import (
    CaseFieldRow,
    CaseKeyRow,
    CaseRow,
    EvidenceRow,
    MembershipRow,
    RoleGrantRow,
    UserRow,
    VaultRow,
)
from safelog.vault import evidence_reading, membership
from safelog.vault.authority import writer_plan
from safelog.vault.case_engine import dek_aad, field_aad, open_case
from safelog.vault.case_input import CaseInput
from safelog.vault.case_reading import read_case
from safelog.vault.case_writing import commit_version, create_case, rekey
from safelog.vault.cases import add_case, list_cases, show_case
from safelog.vault.evidence_statements import evidence_statement
from safelog.vault.export import export_case
from safelog.vault.invitations import insert_invitation, invite_signing_key, invite_x25519
from safelog.vault.membership import invitation_fields
from safelog.vault.people import people_rows
from safelog.vault.workspace import acknowledge, add_chronology, set_outcome, set_status

BEA = "Bea Bursar"  # the school business manager: admin only
FAY = "Fay Faux"  # a fake "chair of governors" the attacker invites and enrols
FRED = "Fred Faux"  # a fake "DSL" the attacker invites and enrols
DEE = "Dee Deputy"  # a real deputy DSL
MORE = {
    BEA: "bea bursar spreadsheets",
    FAY: "fay faux chair passphrase",
    FRED: "fred faux dsl passphrase",
    DEE: "dee deputy safeguarding",
}
ALL = {**PASSPHRASES, **MORE}

ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "Head messaging a pupil on Snapchat",
    "description": "A pupil showed me messages from the headteacher's account.",
    "subjects": ["Hugh Head"],
}
PUPIL_REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Group chat bullying in Year 8",
    "description": "Screenshots of a group chat were shown to me.",
}
LATER_NOTE = "LADO consulted; strategy meeting booked"


# -- helpers ------------------------------------------------------------------------------


def unlock(school: School, name: str) -> Any:
    return school.vault.unlock(name, ALL[name])  # type: ignore[attr-defined]


def file_case(school: School, name: str, data: dict[str, Any]) -> str:
    session = unlock(school, name)
    reference = add_case(session, CaseInput.from_json(data))
    session.lock()
    return reference


def invite_and_enrol(school: School, inviter: Any, name: str, roles: set[Role]) -> str:
    """The inviter (whose session stays open) invites and enrols the person itself, as the
    attacker does with its fake accounts; returns their user id."""
    code = school.vault.invite(inviter, name, frozenset(roles))  # type: ignore[attr-defined]
    session = school.vault.enrol(code, ALL[name])  # type: ignore[attr-defined]
    user_id = session.user_id
    session.lock()
    return str(user_id)


def school_with_business_manager(vault: Any) -> School:
    """The standard school plus Bea, admin only, admitted as admin by Dana."""
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, BEA, frozenset({Role.ADMIN}))
    dana.lock()
    school.ids[BEA] = vault.enrol(code, MORE[BEA]).user_id
    assert vault.admit(school.unlock("Dana DSL"), BEA) == [Role.ADMIN]
    bea = unlock(school, BEA)
    assert bea.person.roles == frozenset({Role.ADMIN, Role.STAFF})
    assert bea.ca_key is not None  # the admin key opens the school CA key
    # and nothing that reads a case (the members' key opens only the school roll)
    assert not {r for r, _ in bea.role_keys} - {KeyRole.ADMIN, KeyRole.MEMBERS}
    bea.lock()
    return school


def school_with_head_admin(vault: Any) -> School:
    """Like build_school, but the headteacher is also the school's administrator."""
    setup = vault.create("Ravens Wood School", "Dana DSL", PASSPHRASES["Dana DSL"])
    school = School(
        vault, {"school": setup.school_recovery_key, "governors": setup.governors_recovery_key}
    )
    dsl = setup.session
    people = [
        ("Hugh Head", frozenset({Role.HEADTEACHER, Role.ADMIN})),
        ("Chris Chair", frozenset({Role.CHAIR})),
        ("Sam Staff", frozenset({Role.STAFF})),
    ]
    for name, roles in people:
        code = vault.invite(dsl, name, roles)
        session = vault.enrol(code, PASSPHRASES[name])
        school.ids[name] = session.user_id
        session.lock()
    school.ids["Dana DSL"] = dsl.user_id
    assert set(vault.admit(dsl, "Hugh Head")) == {Role.HEADTEACHER, Role.ADMIN}
    dsl.lock()
    vault.admit_with_recovery("Chris Chair", school.recovery["governors"])
    for name in ("Hugh Head", "Chris Chair", "Dana DSL"):
        school.unlock(name).lock()
    hugh = school.unlock("Hugh Head")
    assert hugh.ca_key is not None and Role.ADMIN in hugh.person.roles
    hugh.lock()
    return school


def forge_membership(vault: Any, signer: str, sign: Any, body: dict[str, Any]) -> int:
    """A modified client appends a membership entry, signed as it likes; returns its seq."""
    with vault.engine.begin() as conn:
        return membership.append(conn, signer=signer, body=body, sign=sign, at=vault.clock()).seq


def admit_body(vault: Any, user_id: str, role: Role) -> dict[str, Any]:
    """An `admit` entry exactly as the honest client writes it."""
    with vault.engine.connect() as conn:
        invitation = conn.execute(
            select(UserRow.invitation).where(UserRow.id == user_id)
        ).scalar_one()
    return {
        "type": "admit",
        "user_id": user_id,
        "role": role.value,
        "invitation": hashlib.sha256(invitation).hexdigest(),
    }


def recovery_signer(printed: str) -> Any:
    return recovery.recovery_ed25519(recovery.parse_key(printed)).sign


def grants_to(vault: Any, user_id: str) -> list[tuple[str, int]]:
    """The role keys that read cases wrapped to this user (not the members' key, which every
    enrolled member holds and which opens only the school roll)."""
    with vault.engine.connect() as conn:
        rows = conn.execute(
            select(RoleGrantRow.role, RoleGrantRow.epoch).where(
                RoleGrantRow.recipient == f"user:{user_id}"
            )
        ).all()
    return sorted((str(role), int(epoch)) for role, epoch in rows if role != "members")


def forge_version(
    session: Any,
    reference: str,
    changed: dict[str, Any],
    *,
    readers: set[Recipient] | None = None,
    name_readers: bool = True,
) -> int:
    """A modified client appends a signed version through the core's internals, skipping
    every check of the honest client; with `readers`, it first re-keys the case to them."""
    with session.write() as conn:
        session.sync_membership(conn)
        case = open_case(session, conn, reference)
        verified = read_case(session, conn, case)
        fields, prev = verified.fields, verified.last_statement
        extra: dict[str, Any] = {}
        if readers is not None:
            audience_id = session.audience_for(conn, AudiencePlan(frozenset(readers), False))
            rekey(session, conn, case, audience_id)
            extra = {"rekeyed": True, **({"audience": audience_id} if name_readers else {})}
        version = commit_version(session, conn, case, {**fields, **changed}, prev, changed, extra)
        # Recorded in the audit log as the honest client does, so it is not caught at sign-in
        # for that alone: the readers' authority checks are what is tested.
        session.audit(
            conn,
            "case.update",
            {"reference": reference, "version": version},
            case=case.audit_ref(),
            item=f"v{version}",
        )
        return version


def report_and_forge(
    school: School,
    data: dict[str, Any],
    changed: dict[str, Any],
    *,
    readers: Any = None,
) -> str:
    """Sam sends a report with the honest client and, once it is sent, his modified client
    appends a version of its own (in the same sitting: it keeps the keys it made)."""
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(data))
    forge_version(
        sam,
        reference,
        changed,
        readers=readers(sam.user_id) if callable(readers) else readers,
    )
    sam.lock()
    return reference


def with_leadership(reporter_id: str) -> set[Recipient]:
    """A concern about the head's rightful readers, plus the leadership key (the head's)."""
    return {
        Recipient("role", "dsl"),
        Recipient("role", "governors"),
        Recipient("role", "leadership"),
        Recipient("user", reporter_id),
    }


def assert_refused_on_opening(session: Any, reference: str, *words: str) -> TamperDetected:
    with pytest.raises(TamperDetected) as caught:
        show_case(session, reference)
    message = str(caught.value)
    assert reference in message
    for word in words:
        assert word in message
    assert "Traceback" not in message
    return caught.value


def assert_fake_accounts_gain_nothing(school: School, reference: str, fakes: list[str]) -> None:
    """Each fake account holds no role and no key, lists nothing and opens nothing; offline,
    with the database and its passphrase, it decrypts nothing of the concern."""
    vault = school.vault
    for name in fakes:
        session = unlock(school, name)
        assert session.person.roles == frozenset({Role.STAFF}), name
        assert session.person.state == membership.ENROLLED  # still waiting to be admitted
        # No case-reading key: what every enrolled member holds opens only the school roll.
        assert not {r for r, _ in session.role_keys} - {KeyRole.MEMBERS}, name
        assert list_cases(session) == [], name
        with pytest.raises(AccessDenied, match=f"You do not have access to case {reference}"):
            show_case(session, reference)
        session.lock()
        assert grants_to(vault, school.ids[name]) == [], name
    with vault.engine.connect() as conn:  # type: ignore[attr-defined]
        readers = who_can_decrypt(
            conn, reference, {n: ALL[n] for n in fakes}, school.recovery, ABOUT_HEAD["summary"]
        )
    assert readers == {GOVERNORS_KEY}  # the clerk's key, and none of the fake accounts


# -- 1. an admin-only account ------------------------------------------------------------


def test_admin_only_account_cannot_admit_the_chair_and_dsl_it_invited(vault: Any) -> None:
    school = school_with_business_manager(vault)
    bea = unlock(school, BEA)
    school.ids[FAY] = invite_and_enrol(school, bea, FAY, {Role.CHAIR})
    school.ids[FRED] = invite_and_enrol(school, bea, FRED, {Role.DSL})
    with pytest.raises(AccessDenied) as chair:
        vault.admit(bea, FAY)
    assert str(chair.value) == (
        f"{FAY} is waiting to be admitted as chair; you cannot admit anyone to that."
    )
    with pytest.raises(AccessDenied, match="waiting to be admitted as dsl; you cannot admit"):
        vault.admit(bea, FRED)
    bea.lock()
    # An administrator may reach the school-safe key: it admits no chair or DSL either.
    for name in (FAY, FRED):
        with pytest.raises(InvalidInput, match="is not waiting for the school recovery key"):
            vault.admit_with_recovery(name, school.recovery["school"])
    reference = file_case(school, "Sam Staff", ABOUT_HEAD)
    for name in ("Dana DSL", "Chris Chair"):
        school.unlock(name).lock()  # the real DSL and chair sign in as usual
    assert_fake_accounts_gain_nothing(school, reference, [FAY, FRED])


def test_admit_entries_signed_by_an_admin_only_account_are_ignored_by_every_reader(
    vault: Any,
) -> None:
    school = school_with_business_manager(vault)
    bea = unlock(school, BEA)
    school.ids[FAY] = invite_and_enrol(school, bea, FAY, {Role.CHAIR})
    school.ids[FRED] = invite_and_enrol(school, bea, FRED, {Role.DSL})
    # The modified client: admit entries signed with Bea's own (valid, admin) key, then the
    # fakes "admitting" each other, then a governors key of Bea's own making.
    sign_as = {
        BEA: bea.identity.sign,
        FAY: user_identity_sign(vault, FAY),
        FRED: user_identity_sign(vault, FRED),
    }
    forged = {
        forge_membership(
            vault,
            f"user:{school.ids[BEA]}",
            sign_as[BEA],
            admit_body(vault, school.ids[FAY], Role.CHAIR),
        ): f"{BEA} may not admit anyone as chair",
        forge_membership(
            vault,
            f"user:{school.ids[BEA]}",
            sign_as[BEA],
            admit_body(vault, school.ids[FRED], Role.DSL),
        ): f"{BEA} may not admit anyone as dsl",
        forge_membership(
            vault,
            f"user:{school.ids[FRED]}",
            sign_as[FRED],
            admit_body(vault, school.ids[FAY], Role.CHAIR),
        ): f"{FRED} may not admit anyone as chair",
        forge_membership(
            vault,
            f"user:{school.ids[FAY]}",
            sign_as[FAY],
            admit_body(vault, school.ids[FRED], Role.DSL),
        ): f"{FAY} may not admit anyone as dsl",
        forge_membership(
            vault,
            f"user:{school.ids[FAY]}",
            sign_as[FAY],
            admit_body(vault, school.ids[FAY], Role.CHAIR),
        ): f"{FAY} may not admit anyone as chair",
        forge_membership(
            vault,
            f"user:{school.ids[BEA]}",
            sign_as[BEA],
            {
                "type": "epoch",
                "role": "governors",
                "epoch": 2,
                "x25519": b64(
                    bea.identity.x25519.public_key().public_bytes_raw()
                ),  # Bea's own key as the "new governors key"
            },
        ): f"{BEA} may not make a governors key",
    }
    bea.lock()
    reference = file_case(school, "Sam Staff", ABOUT_HEAD)  # filed after the forgeries
    for name in ("Dana DSL", "Chris Chair", "Hugh Head"):
        session = school.unlock(name)
        directory = session.directory
        for seq, why in forged.items():
            assert f"Membership log entry {seq} was refused: {why}" in directory.problems
        for fake in (FAY, FRED):
            person = directory.people[school.ids[fake]]
            assert person.roles == frozenset({Role.STAFF})
            assert person.state == membership.ENROLLED
        # What `safelog user list --json` prints for them:
        rows = {row["name"]: row for row in people_rows(directory)}
        assert rows[FAY]["state"] == "enrolled" and rows[FAY]["waiting_for"] == ["chair"]
        assert rows[FRED]["state"] == "enrolled" and rows[FRED]["waiting_for"] == ["dsl"]
        assert rows[FAY]["admitted_by"] == {} and rows[FRED]["admitted_by"] == {}
        assert rows[FAY]["invited_by"] == BEA
        assert directory.current_epoch(KeyRole.GOVERNORS).epoch == 1  # type: ignore[union-attr]
        session.lock()
    dana = school.unlock("Dana DSL")
    assert [p.name for p in dana.directory.waiting_for(dana.person.roles)] == [FRED]
    dana.lock()
    assert_fake_accounts_gain_nothing(school, reference, [FAY, FRED])


def user_identity_sign(vault: Any, name: str) -> Any:
    with vault.engine.connect() as conn:
        return user_identity(conn, name, ALL[name]).sign


def rewrite_log_from_forged_genesis(school: School, admin: str, fake: str) -> None:
    """What an administrator can do with the school CA key its admin key opens, plus write
    access to the database: replace the whole membership log by a CA-signed "upgraded
    vault" genesis that lists everyone as they are, and the fake account admitted as chair,
    padded with the admin's own (allowed) invitations to the length the cases name."""
    vault = school.vault
    session = unlock(school, admin)
    ca_key = session.ca_key
    assert ca_key is not None
    with vault.engine.begin() as conn:  # type: ignore[attr-defined]
        session.reload_directory(conn)
        state = session.directory.membership
        rows = membership.read_rows(conn)
        genesis = json.loads(rows[0].body)
        users = {r.id: r for r in conn.execute(select(UserRow.__table__)).all()}
        people = []
        for member in state.members.values():
            row = users[member.user_id]
            admitted = sorted(r.value for r in member.admitted)
            if member.user_id == school.ids[fake]:
                admitted = ["chair"]
            people.append(
                {
                    **invitation_fields(row.invitation, row.invitation_sig),
                    "enrolment": b64(row.enrolment) if row.enrolment else None,
                    "admitted": admitted,
                    "past_ed25519": [],
                }
            )
        epochs = [
            {"role": e.role.value, "epoch": e.epoch, "x25519": b64(e.public)}
            for entries in state.epochs.values()
            for e in entries
        ]
        conn.execute(delete(MembershipRow))
        membership.append(
            conn,
            signer="ca",
            body={
                "type": "genesis",
                "vault_id": genesis["vault_id"],
                "vault_record": genesis["vault_record"],
                "migrated": True,
                "people": people,
                "epochs": epochs,
            },
            sign=lambda message: ca_key.sign(message, ec.ECDSA(hashes.SHA256())),
            at=rows[0].created_at,
        )
        for index in range(len(rows) - 1):
            padding = insert_invitation(
                conn,
                state.vault_id,
                ca_key,
                session.directory.ca_der,
                f"Padding {index}",
                frozenset({Role.STAFF}),
                session.user_id,
                vault.clock(),  # type: ignore[attr-defined]
            )
            session.append_membership(conn, padding.entry("invite"))
    session.lock()


def forget_checkpoints(school: School, name: str) -> None:
    """As on a new computer (or after the profile and state directory were lost)."""
    with school.vault.engine.connect() as conn:  # type: ignore[attr-defined]
        identity = user_identity(conn, name, ALL[name])
    for path in checkpoints.paths(
        school.vault.data_dir,  # type: ignore[attr-defined]
        identity.extra["vault_id"],
        school.ids[name],
    ):
        path.unlink(missing_ok=True)


def test_membership_log_rewritten_with_the_ca_key_is_refused_where_the_real_log_was_seen(
    vault: Any,
) -> None:
    school = school_with_business_manager(vault)
    bea = unlock(school, BEA)
    school.ids[FAY] = invite_and_enrol(school, bea, FAY, {Role.CHAIR})
    bea.lock()
    file_case(school, "Sam Staff", ABOUT_HEAD)
    rewrite_log_from_forged_genesis(school, BEA, FAY)
    for name in ("Dana DSL", "Chris Chair", "Hugh Head", "Sam Staff"):
        with pytest.raises(TamperDetected, match="membership log"):
            school.unlock(name)
    assert grants_to(vault, school.ids[FAY]) == []


def test_membership_log_rewritten_with_the_ca_key_is_refused_on_a_new_device(
    vault: Any,
) -> None:
    school = school_with_business_manager(vault)
    bea = unlock(school, BEA)
    school.ids[FAY] = invite_and_enrol(school, bea, FAY, {Role.CHAIR})
    bea.lock()
    reference = file_case(school, "Sam Staff", ABOUT_HEAD)
    rewrite_log_from_forged_genesis(school, BEA, FAY)
    forget_checkpoints(school, "Chris Chair")  # the real chair, on a new computer
    forget_checkpoints(school, FAY)  # the attacker's own account: its files are theirs
    with contextlib.suppress(TamperDetected):  # refusing the rewritten log is secure
        school.unlock("Chris Chair").lock()
    assert grants_to(vault, school.ids[FAY]) == []
    try:
        fay = unlock(school, FAY)
    except TamperDetected:
        return
    assert list_cases(fay) == []
    with pytest.raises((AccessDenied, TamperDetected)):
        show_case(fay, reference)


# -- 2. a headteacher who is also admin ------------------------------------------------


def test_head_admin_cannot_admit_a_chair_or_dsl_even_with_the_school_recovery_key(
    vault: Any,
) -> None:
    school = school_with_head_admin(vault)
    reference = file_case(school, "Sam Staff", ABOUT_HEAD)
    hugh = school.unlock("Hugh Head")
    school.ids[FAY] = invite_and_enrol(school, hugh, FAY, {Role.CHAIR})
    school.ids[FRED] = invite_and_enrol(school, hugh, FRED, {Role.DSL})
    with pytest.raises(AccessDenied, match="waiting to be admitted as chair; you cannot admit"):
        vault.admit(hugh, FAY)
    with pytest.raises(AccessDenied, match="waiting to be admitted as dsl; you cannot admit"):
        vault.admit(hugh, FRED)
    with pytest.raises(AccessDenied, match=f"You do not have access to case {reference}"):
        show_case(hugh, reference)
    for name in (FAY, FRED):
        with pytest.raises(
            InvalidInput,
            match=f"{name} is not waiting for the school recovery key to admit them to any role",
        ):
            vault.admit_with_recovery(name, school.recovery["school"])
    # The modified client: admissions signed with the school key, and with Hugh's own key.
    school_key = recovery_signer(school.recovery["school"])
    forged = {
        forge_membership(
            vault, "recovery:school", school_key, admit_body(vault, school.ids[FAY], Role.CHAIR)
        ): "the school recovery key may not admit anyone as chair",
        forge_membership(
            vault, "recovery:school", school_key, admit_body(vault, school.ids[FRED], Role.DSL)
        ): "the school recovery key may not admit anyone as dsl",
        forge_membership(
            vault,
            f"user:{hugh.user_id}",
            hugh.identity.sign,
            admit_body(vault, school.ids[FAY], Role.CHAIR),
        ): "Hugh Head may not admit anyone as chair",
        forge_membership(
            vault,
            f"user:{hugh.user_id}",
            hugh.identity.sign,
            admit_body(vault, school.ids[FRED], Role.DSL),
        ): "Hugh Head may not admit anyone as dsl",
    }
    hugh.lock()
    for name in ("Dana DSL", "Chris Chair"):
        session = school.unlock(name)
        for seq, why in forged.items():
            assert f"Membership log entry {seq} was refused: {why}" in session.directory.problems
        session.lock()
    assert_fake_accounts_gain_nothing(school, reference, [FAY, FRED])
    with vault.engine.connect() as conn:
        readers = who_can_decrypt(
            conn, reference, {"Hugh Head": PASSPHRASES["Hugh Head"]}, school.recovery
        )
    assert readers == {GOVERNORS_KEY}  # not Hugh, and not the school key he can reach


def test_school_key_reset_of_the_dsl_does_not_give_the_dsl_role_back(vault: Any) -> None:
    """Hugh (head and admin) resets Dana's access with the school-safe key and enrols with
    the code himself. The school key re-admits only to admin and headteacher: the new
    "Dana" waits for a DSL or the governors' key, and no one's sign-in hands her the DSL
    key."""
    school = school_with_head_admin(vault)
    reference = file_case(school, "Sam Staff", ABOUT_HEAD)
    hugh = school.unlock("Hugh Head")
    code = vault.reset_access(hugh, "Dana DSL", school.recovery["school"])
    hugh.lock()
    fake_dana = vault.enrol(code, "hugh pretending to be dana")
    assert Role.DSL not in fake_dana.person.roles
    assert fake_dana.person.pending == frozenset({Role.DSL})
    assert fake_dana.person.state == membership.ENROLLED
    assert KeyRole.DSL not in {r for r, _ in fake_dana.role_keys}
    assert list_cases(fake_dana) == []
    with pytest.raises(AccessDenied, match=f"You do not have access to case {reference}"):
        show_case(fake_dana, reference)
    fake_dana.lock()
    school.unlock("Chris Chair").lock()  # the chair signs in: hands over no DSL key
    assert ("dsl", 1) not in grants_to(vault, school.ids["Dana DSL"])
    with vault.engine.connect() as conn:
        ring = open_keyring(
            conn,
            [
                user_identity(conn, "Dana DSL", "hugh pretending to be dana").x25519,
                user_identity(conn, "Hugh Head", PASSPHRASES["Hugh Head"]).x25519,
                recovery.recovery_x25519(recovery.parse_key(school.recovery["school"])),
            ],
        )
        assert case_deks(conn, reference, ring) == {}
    # Only the governors' key (or another DSL) gives the DSL role back.
    assert vault.admit_with_recovery("Dana DSL", school.recovery["governors"]) == [Role.DSL]


def forged_reset(vault: Any, admin: Any, name: str, roles: set[Role]) -> dict[str, Any]:
    """A `reset` entry as an administrator's modified client makes it: a fresh invitation
    for the same person, signed with the school CA key the admin key opens, asking for
    whatever roles the administrator likes; no recovery key involved."""
    person = admin.directory.by_name(name)
    secret = recovery.new_secret()[:16]
    now = vault.clock()
    invitation = canonical_json(
        {
            "type": "invitation",
            "vault_id": admin.directory.vault_id,
            "user_id": person.id,
            "name": person.name,
            "roles": sorted(r.value for r in roles),
            "invite_ed25519": b64(invite_signing_key(secret).public_key().public_bytes_raw()),
            "invite_x25519": b64(invite_x25519(secret).public_key().public_bytes_raw()),
            "issued_by": admin.user_id,
            "issued_at": now.isoformat(),
            "expires_at": now.isoformat(),
        }
    )
    signature = admin.ca_key.sign(invitation, ec.ECDSA(hashes.SHA256()))
    return {"type": "reset", "user_id": person.id, **invitation_fields(invitation, signature)}


@pytest.mark.parametrize("attacker", ["head-and-admin", "business-manager"])
def test_an_admin_reset_cannot_take_the_head_out_of_the_iron_rule(
    vault: Any, attacker: str
) -> None:
    if attacker == "head-and-admin":
        school = school_with_head_admin(vault)
        admin = school.unlock("Hugh Head")
    else:
        school = school_with_business_manager(vault)
        admin = unlock(school, BEA)
    with vault.engine.connect() as conn:
        hugh_key = user_identity(conn, "Hugh Head", PASSPHRASES["Hugh Head"]).x25519
    forge_membership(
        vault,
        f"user:{admin.user_id}",
        admin.identity.sign,
        forged_reset(vault, admin, "Hugh Head", {Role.STAFF}),
    )
    admin.lock()
    reference = file_case(school, "Sam Staff", ABOUT_HEAD)
    with vault.engine.connect() as conn:
        assert case_deks(conn, reference, open_keyring(conn, [hugh_key])) == {}
    chris = school.unlock("Chris Chair")
    assert reference in {c.reference for c in list_cases(chris)}
    chris.lock()


# -- 3. a reporter (and a DSL) with a modified client -------------------------------------


def test_reporter_cannot_close_their_report_after_sending_it(vault: Any) -> None:
    school = build_school(vault)
    reference = report_and_forge(school, PUPIL_REPORT, {"status": "closed"})
    dana = school.unlock("Dana DSL")
    assert_refused_on_opening(
        dana, reference, "version 2", "Sam Staff, who may not change this case"
    )
    with pytest.raises(TamperDetected, match=reference):
        set_outcome(dana, reference, "no-further-action")  # nothing is built on top of it
    dana.lock()


def test_case_list_does_not_show_a_status_forged_by_the_reporter(vault: Any) -> None:
    school = build_school(vault)
    reference = report_and_forge(school, PUPIL_REPORT, {"status": "closed"})
    dana = school.unlock("Dana DSL")
    listed = {c.reference: c.status for c in list_cases(dana)}
    assert listed.get(reference) != "closed"


def test_reporter_cannot_add_a_chronology_entry_recorded_by_the_dsl(
    vault: Any, tmp_path: Any
) -> None:
    school = build_school(vault)
    entry = {
        "id": "6d1f8a64-1b9e-4d0c-9a55-0e6f6a3b6a11",
        "text": "Spoke to the pupil's parents; no further action needed.",
        "occurred_at": "",
        "recorded_by": "Dana DSL",
        "recorded_at": "2026-11-20T10:05:00+00:00",
    }
    reference = report_and_forge(school, PUPIL_REPORT, {"chronology": [entry]})
    dana = school.unlock("Dana DSL")
    assert_refused_on_opening(
        dana, reference, "version 2", "Sam Staff, who may not change this case"
    )
    with pytest.raises(TamperDetected, match=reference):
        export_case(dana, reference, tmp_path / "case.pdf")  # never in a signed case file
    assert not (tmp_path / "case.pdf").exists()
    with pytest.raises(TamperDetected, match=reference):
        add_chronology(dana, reference, "A genuine entry")
    dana.lock()


def test_reporter_cannot_send_a_report_that_is_already_closed(vault: Any) -> None:
    """The first version itself: a report that sets management fields is refused."""
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    with sam.write() as conn:
        fields = CaseInput.from_json(PUPIL_REPORT).to_fields(
            [], reporter_id=sam.user_id, status="closed"
        )
        fields["outcome"] = "no-further-action"
        plan = writer_plan(sam, sam.user_id, fields)
        fields["about_headteacher"] = plan.about_headteacher
        reference = create_case(sam, conn, fields, plan, 0)
    sam.lock()
    dana = school.unlock("Dana DSL")
    assert_refused_on_opening(
        dana, reference, "version 1", "Sam Staff, who does not manage cases", "outcome"
    )
    dana.lock()


def test_reporter_rekeying_the_case_so_the_head_can_read_it_is_refused(vault: Any) -> None:
    school = build_school(vault)
    reference = report_and_forge(
        school, ABOUT_HEAD, {"summary": "Routine matter"}, readers=with_leadership
    )
    for name in ("Dana DSL", "Chris Chair"):
        session = school.unlock(name)
        assert_refused_on_opening(
            session, reference, "version 2", "Sam Staff, who may not change this case"
        )
        with pytest.raises(TamperDetected, match=reference):
            add_chronology(session, reference, LATER_NOTE)  # nothing new under that key
        session.lock()
    hugh = school.unlock("Hugh Head")
    with pytest.raises(TamperDetected, match=reference):
        show_case(hugh, reference)  # even the head's own (honest) client refuses it
    hugh.lock()
    with vault.engine.connect() as conn:
        ring = open_keyring(
            conn, [user_identity(conn, "Hugh Head", PASSPHRASES["Hugh Head"]).x25519]
        )
        deks = case_deks(conn, reference, ring)
        assert deks  # Sam did hand over his own report's key: he could have told the head
        assert read_field(conn, reference, "description", deks) == ABOUT_HEAD["description"]
        # ...but nothing the DSL or chair wrote after it: they refused to write.
        assert (
            conn.execute(
                select(CaseRow.head_version).where(CaseRow.reference == reference)
            ).scalar_one()
            == 2
        )


def test_case_list_of_the_head_does_not_show_a_concern_rekeyed_to_him(vault: Any) -> None:
    school = build_school(vault)
    reference = report_and_forge(
        school, ABOUT_HEAD, {"summary": "Routine matter"}, readers=with_leadership
    )
    hugh = school.unlock("Hugh Head")
    assert reference not in {c.reference for c in list_cases(hugh)}


def test_reporter_rekeying_the_case_away_from_the_dsl_and_chair_is_reported(
    vault: Any,
) -> None:
    school = build_school(vault)
    reference = report_and_forge(
        school,
        ABOUT_HEAD,
        {"status": "closed"},
        readers=lambda sam_id: {Recipient("user", sam_id)},
    )
    for name in ("Dana DSL", "Chris Chair"):
        session = school.unlock(name)
        error = assert_refused_on_opening(session, reference, "Sam Staff")
        assert "taken away from its readers" in str(error)
        session.lock()
    # The DSL is told in the list too: the report does not just drop out of it.
    dana = school.unlock("Dana DSL")
    assert reference not in {c.reference for c in list_cases(dana)}
    assert any(reference in p and "Sam Staff" in p for p in dana.list_problems)
    dana.lock()


def test_a_rightful_move_away_from_a_dsl_tells_them_nothing(vault: Any) -> None:
    """A concern that becomes about a DSL leaves their reach with no warning: a warning
    would tell the subject that there is a concern about them."""
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    reference = add_case(dana, CaseInput.from_json({**ABOUT_HEAD, "subjects": ["Sam Staff"]}))
    dana.lock()
    hugh = school.unlock("Hugh Head")  # leadership reads a concern about staff
    from safelog.vault.cases import update_case

    update_case(hugh, reference, {"subjects": ["Dana DSL"]})
    hugh.lock()
    dana = school.unlock("Dana DSL")
    assert reference not in {c.reference for c in list_cases(dana)}
    assert dana.list_problems == []
    with pytest.raises(AccessDenied, match=f"You do not have access to case {reference}"):
        show_case(dana, reference)
    dana.lock()


def forge_evidence(session: Any, reference: str, first_key: Cipher, data: bytes) -> str:
    """The reporter's modified client adds a file under the case's first data key (which
    the reporter made), its signed statement naming version 1, when the report was still
    new and the reporter could still add to it."""
    evidence_id = str(uuid.uuid4())
    file_key = new_key()
    encryptor = StreamEncryptor(file_key, evidence_id)
    session.chunks.write(evidence_id, encryptor.encrypt_file(io.BytesIO(data)))
    now = session.clock()
    with session.engine.begin() as conn:
        case_id = conn.execute(
            select(CaseRow.id).where(CaseRow.reference == reference)
        ).scalar_one()
        meta = {
            "file_name": "late.txt",
            "original_name": "late.txt",
            "media_type": "text/plain",
            "claimed_type": "",
            "preview": "none",
            "width": None,
            "height": None,
            "size": encryptor.size,
            "sha256": encryptor.sha256.hexdigest(),
            "captured_at_utc": now.isoformat(),
            "captured_at_local": now.isoformat(),
            "added_by": session.person.name,
            "device": session.device,
        }
        meta_ct = first_key.seal(
            canonical_json(meta), evidence_reading.meta_aad(evidence_id, case_id)
        )
        wrapped = first_key.seal(file_key, evidence_reading.key_aad(evidence_id, case_id, 1))
        statement = evidence_statement(
            evidence_id,
            case_id,
            1,
            encryptor.size,
            encryptor.chunks,
            meta_ct,
            wrapped,
            None,
            session.user_id,
            now,
            session.directory.head_seq,
            1,
        )
        conn.execute(
            insert(EvidenceRow).values(
                id=evidence_id,
                case_id=case_id,
                key_no=1,
                file_key_wrapped=wrapped,
                metadata_ct=meta_ct,
                thumbnail_ct=None,
                size=encryptor.size,
                chunk_count=encryptor.chunks,
                added_by=session.user_id,
                added_at=now,
                statement=statement,
                signature=session.identity.sign(statement),
            )
        )
        session.audit(
            conn,
            "evidence.add",
            {"reference": reference, "evidence_id": evidence_id},
            case=(case_id, 1, first_key),
            item=f"e:{evidence_id}",
        )
    return evidence_id


def test_reporter_cannot_add_evidence_after_the_case_is_closed(vault: Any) -> None:
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(PUPIL_REPORT))
    with vault.engine.connect() as conn:
        first_key = open_case(sam, conn, reference).ciphers[1]  # Sam's client made it
    sam.lock()
    dana = school.unlock("Dana DSL")
    acknowledge(dana, reference)
    set_status(dana, reference, "closed")
    dana.lock()
    sam = school.unlock("Sam Staff")
    evidence_id = forge_evidence(sam, reference, first_key, b"planted after closure\n" * 20)
    sam.lock()
    dana = school.unlock("Dana DSL")
    try:
        detail = show_case(dana, reference)
    except TamperDetected as caught:
        assert reference in str(caught)
        return
    finally:
        dana.lock()
    assert evidence_id not in {item.id for item in detail.evidence}


def test_dsl_rekeying_a_concern_about_the_head_to_leadership_is_refused(vault: Any) -> None:
    school = build_school(vault)
    reference = file_case(school, "Sam Staff", ABOUT_HEAD)
    dana = school.unlock("Dana DSL")
    readers = with_leadership(school.ids["Sam Staff"])
    forge_version(dana, reference, {"escalated_to_leadership": True}, readers=readers)
    dana.lock()
    chris = school.unlock("Chris Chair")
    assert_refused_on_opening(
        chris, reference, "version 2", "gave the case to readers other than the ones the rules"
    )
    chris.lock()
    hugh = school.unlock("Hugh Head")
    with pytest.raises(TamperDetected, match=reference):
        show_case(hugh, reference)
    hugh.lock()


def test_dsl_rekeying_without_naming_the_new_readers_is_refused(vault: Any) -> None:
    school = build_school(vault)
    reference = file_case(school, "Sam Staff", ABOUT_HEAD)
    dana = school.unlock("Dana DSL")
    readers = {
        Recipient("role", "dsl"),
        Recipient("role", "leadership"),
        Recipient("user", school.ids["Sam Staff"]),
    }
    forge_version(dana, reference, {"platform": "Snapchat"}, readers=readers, name_readers=False)
    dana.lock()
    chris = school.unlock("Chris Chair")
    # The governors key was dropped from the case: the chair cannot open it, and is told
    # why rather than only "no access" (the new group is not one its history names).
    assert_refused_on_opening(chris, reference, "given to other readers outside SafeLog")
    chris.lock()
    dana = school.unlock("Dana DSL")
    assert_refused_on_opening(dana, reference, "given to other readers outside SafeLog")
    dana.lock()


def test_reporter_keys_do_not_open_what_the_dsl_adds_later(vault: Any) -> None:
    """Every key Sam's client made or held when he sent the report (reader-group keys, the
    case's first data key), and every key his passphrase opens from the tables later."""
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json(PUPIL_REPORT))
    kept_groups = list(sam.audience_ciphers.values())
    kept_deks = [Cipher(key) for key in opened_data_keys(vault, reference, kept_groups)]
    sam.lock()
    dana = school.unlock("Dana DSL")
    add_chronology(dana, reference, LATER_NOTE)
    dana.lock()
    with vault.engine.connect() as conn:
        ring = open_keyring(
            conn, [user_identity(conn, "Sam Staff", PASSPHRASES["Sam Staff"]).x25519]
        )
        later = list(case_deks(conn, reference, ring).values())
    later += opened_data_keys(vault, reference, kept_groups)
    readable = field_values_opened(
        vault, reference, "chronology", kept_deks + [Cipher(k) for k in later]
    )
    assert not any(LATER_NOTE in text for text in readable)


def opened_data_keys(vault: Any, reference: str, groups: list[Cipher]) -> list[bytes]:
    """The case's current data key, if any of these reader-group keys opens it."""
    with vault.engine.connect() as conn:
        case = conn.execute(select(CaseRow.__table__).where(CaseRow.reference == reference)).one()
        wrapped = conn.execute(
            select(CaseKeyRow.wrapped).where(
                CaseKeyRow.case_id == case.id, CaseKeyRow.key_no == case.key_no
            )
        ).scalar_one()
    opened = []
    for group in groups:
        try:
            opened.append(group.open(wrapped, dek_aad(case.id, case.key_no, case.audience_id)))
        except DecryptionFailed:
            continue
    return opened


def field_values_opened(vault: Any, reference: str, name: str, keys: list[Cipher]) -> list[str]:
    """Every stored value of a field that one of these data keys decrypts."""
    with vault.engine.connect() as conn:
        case_id = conn.execute(
            select(CaseRow.id).where(CaseRow.reference == reference)
        ).scalar_one()
        rows = conn.execute(
            select(CaseFieldRow.__table__).where(
                CaseFieldRow.case_id == case_id, CaseFieldRow.field == name
            )
        ).all()
    found = []
    for row in rows:
        for key in keys:
            try:
                found.append(key.open(row.value_ct, field_aad(case_id, row.version, name)).decode())
            except DecryptionFailed:
                continue
    return found


# -- 6. an enrolment code kept after use --------------------------------------------------


def school_with_deputy(vault: Any) -> tuple[School, str]:
    """Dana invites Dee as deputy DSL and keeps the code; Dee enrols; Dana admits her."""
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    code = vault.invite(dana, DEE, frozenset({Role.DSL}))
    dana.lock()
    school.ids[DEE] = vault.enrol(code, MORE[DEE]).user_id
    assert vault.admit(school.unlock("Dana DSL"), DEE) == [Role.DSL]
    return school, code


def test_a_used_enrolment_code_does_not_enrol_again(vault: Any) -> None:
    school, code = school_with_deputy(vault)
    with pytest.raises(InvalidInput) as caught:
        vault.enrol(code, "the inviter kept the code")
    assert str(caught.value) == "That enrolment code has already been used."
    unlock(school, DEE).lock()  # Dee's own keys still open her account


def test_a_second_enrolment_signed_with_a_kept_code_is_ignored(vault: Any) -> None:
    school, code = school_with_deputy(vault)
    dee_id = school.ids[DEE]
    secret = recovery.parse_key(code, length=16)
    attacker = Identity.generate()
    with vault.engine.connect() as conn:
        row = conn.execute(select(UserRow.__table__).where(UserRow.id == dee_id)).one()
    enrolment = canonical_json(
        {
            "type": "enrolment",
            "vault_id": json.loads(row.invitation)["vault_id"],
            "user_id": dee_id,
            "invitation_sha256": hashlib.sha256(row.invitation).hexdigest(),
            "public": attacker.public(),
            "enrolled_at": vault.clock().isoformat(),
        }
    )
    seq = forge_membership(
        vault,
        f"invite:{dee_id}",
        invite_signing_key(secret).sign,
        {"type": "enrol", "user_id": dee_id, "enrolment": b64(enrolment)},
    )
    reference = file_case(school, "Sam Staff", PUPIL_REPORT)  # filed after the forgery
    for name in ("Dana DSL", DEE):
        session = unlock(school, name)
        assert (
            f"Membership log entry {seq} was refused: the enrolment code of {DEE} had already "
            "been used"
        ) in session.directory.problems
        session.lock()
    dee = unlock(school, DEE)
    assert dee.person.x25519 == dee.identity.x25519.public_key().public_bytes_raw()
    assert Role.DSL in dee.person.roles
    assert show_case(dee, reference).get("summary") == PUPIL_REPORT["summary"]
    dee.lock()
    with vault.engine.connect() as conn:
        assert case_deks(conn, reference, open_keyring(conn, [attacker.x25519])) == {}


def test_keys_swapped_into_the_users_table_with_a_kept_code_do_not_open_the_account(
    vault: Any,
) -> None:
    """The same attacker, writing to the database: their own sealed keys in Dee's row."""
    school, _ = school_with_deputy(vault)
    dee_id = school.ids[DEE]
    with vault.engine.connect() as conn:
        vault_row = conn.execute(select(VaultRow.__table__)).one()
    attacker = Identity.generate()
    attacker.extra = {
        "vault_id": vault_row.vault_id,
        "ca_fp": fingerprint(vault_row.ca_cert),
        "profile_key": b64(recovery.new_secret()),
    }
    sealed = sealing.seal(
        "attacker passphrase",
        kdf_params_for_new_secret(),
        f"user-keys:{dee_id}",
        attacker.to_bytes(),
    )
    with vault.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.id == dee_id).values(sealed_keys=sealed))
    with pytest.raises(TamperDetected) as caught:
        vault.unlock(DEE, "attacker passphrase")
    assert "Your own entry in the user directory does not match your keys" in str(caught.value)
    assert grants_to(vault, dee_id) == [("dsl", 1)]  # still wrapped to Dee's real key only
    reference = file_case(school, "Sam Staff", PUPIL_REPORT)
    with vault.engine.connect() as conn:
        assert case_deks(conn, reference, open_keyring(conn, [attacker.x25519])) == {}
