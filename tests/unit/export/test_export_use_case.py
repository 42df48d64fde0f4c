"""The export use case: who may export (who may read), what is audited, progress and
cancellation, and the file written atomically, owner-only, where the person chose."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from export_support import ABOUT_HEAD, CASE, needs_tools, screenshot

from safelog.errors import AccessDenied, InvalidInput
from safelog.export.options import ExportCancelled, ExportOptions
from safelog.vault.audit_view import case_audit
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import add_evidence
from safelog.vault.export import export_case

pytestmark = pytest.mark.slow


@pytest.fixture
def case_ref(school: Any, tmp_path: Path) -> str:
    needs_tools()
    dsl = school.unlock("Dana DSL")
    reference = add_case(dsl, CaseInput.from_json(CASE))
    add_evidence(dsl, reference, screenshot(tmp_path / "shot.png", 3, size=(400, 240)))
    dsl.lock()
    return reference


def test_the_headteacher_cannot_export_a_concern_about_themselves(
    school: Any, tmp_path: Path
) -> None:
    dsl = school.unlock("Dana DSL")
    reference = add_case(dsl, CaseInput.from_json(ABOUT_HEAD))
    dsl.lock()
    head = school.unlock("Hugh Head")
    out = tmp_path / "head.pdf"
    with pytest.raises(AccessDenied):
        export_case(head, reference, out)
    assert not out.exists() and not out.with_name("head.pdf.partial").exists()
    # The chair of governors, who handles it, can.
    chair = school.unlock("Chris Chair")
    result = export_case(chair, reference, tmp_path / "chair.pdf")
    assert result.signer == "Chris Chair" and result.path.exists()


def test_the_export_is_audited_with_the_files_hash(
    school: Any, case_ref: str, tmp_path: Path
) -> None:
    session = school.unlock("Dana DSL")
    result = export_case(session, case_ref, tmp_path / "case.pdf")
    import hashlib

    assert hashlib.sha256((tmp_path / "case.pdf").read_bytes()).hexdigest() == result.sha256
    entries = case_audit(session, case_ref)
    [export] = [e for e in entries if e.action == "case.export"]
    assert export.details["sha256"] == result.sha256
    assert export.actor == "Dana DSL"
    assert export.details["pages"] == result.pages
    reads = [e for e in entries if e.action == "evidence.export"]
    assert len(reads) == 1  # the one screenshot, read for the file


def test_the_file_is_owner_only_and_nothing_is_left_beside_it(
    school: Any, case_ref: str, tmp_path: Path
) -> None:
    session = school.unlock("Dana DSL")
    out = tmp_path / "case.pdf"
    export_case(session, case_ref, out)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("case")) == ["case.pdf"]
    with pytest.raises(InvalidInput, match="already exists"):
        export_case(session, case_ref, out)
    with pytest.raises(InvalidInput, match="no folder"):
        export_case(session, case_ref, tmp_path / "missing" / "case.pdf")


def test_progress_counts_up_to_the_total(school: Any, case_ref: str, tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    session = school.unlock("Dana DSL")
    export_case(session, case_ref, tmp_path / "case.pdf", progress=lambda *a: seen.append(a))
    assert seen
    dones = [done for done, _, _ in seen]
    assert dones == sorted(dones) and dones[-1] == seen[-1][1]
    whats = {what for _, _, what in seen}
    assert {"Reading evidence 1 of 1", "Drawing the evidence images", "Signing", "Saved"} <= whats


@pytest.mark.parametrize("stop_after", [0, 2, 4])
def test_cancelling_leaves_no_file(
    school: Any, case_ref: str, tmp_path: Path, stop_after: int
) -> None:
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > stop_after

    session = school.unlock("Dana DSL")
    out = tmp_path / "case.pdf"
    with pytest.raises(ExportCancelled):
        export_case(session, case_ref, out, cancel=cancel)
    assert list(tmp_path.glob("case.pdf*")) == []
    assert not [e for e in case_audit(session, case_ref) if e.action == "case.export"]


def test_a_user_without_a_signing_certificate_is_told_plainly(
    school: Any, case_ref: str, tmp_path: Path
) -> None:
    from support.school import PASSPHRASES

    from safelog.domain.roles import Role

    vault = school.vault
    dsl = school.unlock("Dana DSL")
    code = vault.invite(dsl, "Dee Deputy", frozenset({Role.DSL}))
    dsl.lock()
    deputy = vault.enrol(code, PASSPHRASES["Dana DSL"])  # no administrator has signed in since
    with pytest.raises(InvalidInput, match="no signing certificate yet"):
        export_case(deputy, case_ref, tmp_path / "case.pdf")
    assert not (tmp_path / "case.pdf").exists()


def test_a_temp_directory_is_never_used(
    school: Any, case_ref: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file holds the case: it is written only where the person chose."""
    import tempfile

    trap = tmp_path / "tmp"
    trap.mkdir()
    monkeypatch.setenv("TMPDIR", str(trap))
    monkeypatch.setattr(tempfile, "tempdir", str(trap))
    out_dir = tmp_path / "chosen"
    out_dir.mkdir()
    session = school.unlock("Dana DSL")
    export_case(session, case_ref, out_dir / "case.pdf", ExportOptions(password="pw 12345"))
    assert list(trap.iterdir()) == []
    assert [p.name for p in out_dir.iterdir()] == ["case.pdf"]
    assert os.stat(out_dir / "case.pdf").st_size > 0
