"""Membership over time: removing people rotates role keys; recovery keys restore access."""

import pytest
from support.school import PASSPHRASES

from safelog.domain.roles import KeyRole, Role
from safelog.errors import AccessDenied, InvalidInput
from safelog.vault.audit_view import verify_whole_log
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case

REPORT = {"category": "cyberbullying-pupil", "summary": "Comments", "description": "Text"}
ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "About the head",
    "description": "Text",
    "subjects": ["Hugh Head"],
}


def _refs(session):
    return sorted(c.reference for c in list_cases(session))


def test_removed_deputy_dsl_cannot_sign_in_and_new_cases_use_a_new_epoch(school):
    vault = school.vault
    dsl = school.unlock("Dana DSL")
    code = vault.invite(dsl, "Dee Deputy", frozenset({Role.DSL}))
    vault.enrol(code, "dee deputy passphrase").lock()
    vault.admit(school.unlock("Dana DSL"), "Dee Deputy")  # hands over the DSL key
    deputy = vault.unlock("Dee Deputy", "dee deputy passphrase")
    old_ref = add_case(school.unlock("Sam Staff"), CaseInput.from_json(REPORT))
    assert _refs(deputy) == [old_ref]

    vault.remove_user(school.unlock("Dana DSL"), "Dee Deputy")
    with pytest.raises(AccessDenied, match="removed"):
        vault.unlock("Dee Deputy", "dee deputy passphrase")
    dsl = school.unlock("Dana DSL")
    assert dsl.directory.current_epoch(KeyRole.DSL).epoch == 2
    new_ref = add_case(school.unlock("Sam Staff"), CaseInput.from_json(REPORT))
    # The deputy's old session keys still hold epoch 1 only: the new case is not theirs.
    deputy.refresh()
    assert new_ref not in _refs(deputy)
    assert _refs(school.unlock("Dana DSL")) == sorted([old_ref, new_ref])


def test_governors_recovery_key_restores_a_chair_who_forgot_their_passphrase(school):
    vault = school.vault
    ref = add_case(school.unlock("Sam Staff"), CaseInput.from_json(ABOUT_HEAD))
    code = vault.reset_access(
        school.unlock("Dana DSL"), "Chris Chair", school.recovery["governors"]
    )
    with pytest.raises(AccessDenied):
        vault.unlock("Chris Chair", PASSPHRASES["Chris Chair"])  # old keys are gone
    chair = vault.enrol(code, "a brand new chair passphrase")
    assert _refs(chair) == [ref]
    assert show_case(chair, ref).get("summary") == "About the head"
    assert chair.directory.current_epoch(KeyRole.GOVERNORS).epoch == 2
    assert verify_whole_log(school.unlock("Dana DSL"))["intact"]


def test_reports_made_before_the_reporters_reset_still_reach_the_dsl(school, tmp_path):
    """A report's reader group hides its maker, so its slots are named by tags worked out
    from the reporter's key: the one of then, not the new one a reset gives them."""
    from safelog.vault.evidence import add_evidence
    from safelog.vault.evidence_reading import list_case_evidence

    vault = school.vault
    sam = school.unlock("Sam Staff")
    unopened = add_case(sam, CaseInput.from_json(REPORT))
    note = tmp_path / "note.txt"
    note.write_text("a message the pupil was sent", encoding="utf-8")
    add_evidence(sam, unopened, note)
    sam.lock()
    dana = school.unlock("Dana DSL")  # signed in before the reset: her tags are cached
    code = vault.reset_access(dana, "Sam Staff", school.recovery["school"])
    sam = vault.enrol(code, "sam has a new passphrase")
    after = add_case(sam, CaseInput.from_json({**REPORT, "summary": "After the reset"}))
    sam.lock()

    for session in (dana, school.unlock("Dana DSL")):
        assert _refs(session) == sorted([unopened, after])
        assert show_case(session, unopened).get("summary") == "Comments"
        assert [i.info.file_name for i in list_case_evidence(session, unopened)] == ["note.txt"]
        assert show_case(session, after).get("summary") == "After the reset"
    assert verify_whole_log(dana)["intact"]


def test_a_report_from_a_session_left_open_on_a_lost_laptop_after_the_reset_never_opens(
    school,
):
    """The key a reset retired signs nothing after the reset: the DSL now finds the groups
    made with it, but the report itself does not check out."""
    from safelog.errors import TamperDetected

    vault = school.vault
    stolen = school.unlock("Sam Staff")  # left signed in on the laptop that was lost
    dana = school.unlock("Dana DSL")
    code = vault.reset_access(dana, "Sam Staff", school.recovery["school"])
    vault.enrol(code, "sam has a new passphrase").lock()
    dana.lock()
    forged = add_case(stolen, CaseInput.from_json({**REPORT, "summary": "Forged"}))
    dana = school.unlock("Dana DSL")
    with pytest.raises(TamperDetected, match="does not check out"):
        show_case(dana, forged)


def test_school_recovery_key_cannot_restore_the_governors_key(school):
    vault = school.vault
    ref = add_case(school.unlock("Sam Staff"), CaseInput.from_json(ABOUT_HEAD))
    code = vault.reset_access(school.unlock("Dana DSL"), "Chris Chair", school.recovery["school"])
    chair = vault.enrol(code, "a brand new chair passphrase")
    assert ref not in _refs(chair)


def test_recovery_key_typos_and_foreign_keys_are_refused(school):
    dsl = school.unlock("Dana DSL")
    key = school.recovery["governors"]
    typo = ("0" if key[0] != "0" else "1") + key[1:]
    with pytest.raises(InvalidInput, match="typo"):
        school.vault.reset_access(dsl, "Chris Chair", typo)
    from safelog.crypto import recovery

    with pytest.raises(InvalidInput, match="does not belong"):
        school.vault.reset_access(dsl, "Chris Chair", recovery.format_key(recovery.new_secret()))


def test_only_admins_invite_remove_or_reset(school):
    head = school.unlock("Hugh Head")
    with pytest.raises(AccessDenied):
        school.vault.invite(head, "Someone", frozenset({Role.STAFF}))
    with pytest.raises(AccessDenied):
        school.vault.remove_user(head, "Sam Staff")
    with pytest.raises(AccessDenied):
        school.vault.reset_access(head, "Sam Staff", school.recovery["school"])


def test_a_dsl_signed_in_before_a_colleague_enrolled_opens_their_first_report(school, tmp_path):
    """The DSL's session predates the new member: their signature is checked against a
    fresh read of the directory, not called tampering."""
    from safelog.vault.evidence import add_evidence
    from safelog.vault.evidence_reading import list_case_evidence

    vault = school.vault
    dsl = school.unlock("Dana DSL")
    code = vault.invite(dsl, "Nia Newcomer", frozenset({Role.STAFF}))
    newcomer = vault.enrol(code, "nia newcomer passphrase")
    ref = add_case(newcomer, CaseInput.from_json(REPORT))
    picture = tmp_path / "note.txt"
    picture.write_text("a message the pupil was sent", encoding="utf-8")
    add_evidence(newcomer, ref, picture)

    assert show_case(dsl, ref).versions[0].author == "Nia Newcomer"
    [item] = list_case_evidence(dsl, ref)
    assert item.info.file_name == "note.txt"
    assert verify_whole_log(dsl)["intact"]


def test_a_leaver_invited_again_under_their_old_name_is_told_how(school: object) -> None:
    dana = school.unlock("Dana DSL")  # type: ignore[attr-defined]
    school.vault.remove_user(dana, "Tess Teacher")  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput, match=r"was removed from SafeLog.*middle initial"):
        school.vault.invite(dana, "tess teacher", frozenset({Role.STAFF}))  # type: ignore[attr-defined]
    school.vault.invite(dana, "Tess J Teacher", frozenset({Role.STAFF}))  # type: ignore[attr-defined]
