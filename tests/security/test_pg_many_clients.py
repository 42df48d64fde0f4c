"""Many PCs, one server (issue 14): eight client processes on one PostgreSQL vault at once,
each its own device (its own data directory), as a school's office PCs would be: four
reporting, two DSL PCs changing the same case, two reading it. Nothing is refused, every
report said to be saved is listed, every change said to be saved is a version, and the
audit log verifies from its first entry.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from pathlib import Path
from typing import Any

import pytest
from support.school import PASSPHRASES, build_school

from safelog.vault.audit_view import verify_whole_log
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case
from safelog.vault.vault import Vault
from safelog.vault.workspace import acknowledge, add_chronology

ROUNDS = 6
PLAN = (
    ("Sam Staff", "report"),
    ("Tess Teacher", "report"),
    ("Sam Staff", "report"),
    ("Tess Teacher", "report"),
    ("Dana DSL", "update"),
    ("Dana DSL", "update"),
    ("Dana DSL", "read"),
    ("Dana DSL", "read"),
)


def _client(url: str, who: str, job: str, number: int, reference: str, out: Any) -> None:
    """One PC: signs in, does one thing and signs out, ROUNDS times; reports what it was
    told was saved and every refusal, in words."""
    import os

    os.environ["SAFELOG_INSECURE_TEST_KDF"] = "1"
    vault = Vault(Path(tempfile.mkdtemp(prefix="pc-")), url)
    saved: list[str] = []
    refused: list[str] = []
    for round_no in range(ROUNDS):
        try:
            session = vault.unlock(who, PASSPHRASES[who])
            if job == "report":
                summary = f"Report {number}.{round_no} by {who}"
                add_case(session, CaseInput.from_json({**REPORT, "summary": summary}))
                saved.append(summary)
            elif job == "update":
                text = f"Entry {number}.{round_no}"
                add_chronology(session, reference, text)
                saved.append(text)
            else:
                show_case(session, reference)
            session.lock()
        except Exception as exc:  # every refusal is the finding: reported, not raised
            refused.append(f"{who} {job}: {type(exc).__name__}: {exc}")
    vault.close()
    out.put((job, saved, refused))


REPORT = {"category": "cyberbullying-pupil", "summary": "", "description": "Seen in a chat."}


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_eight_pcs_at_once_lose_and_refuse_nothing(db_url: str, tmp_path: Path) -> None:
    vault = Vault(tmp_path / "first-pc", db_url)
    school = build_school(vault)
    sam = school.unlock("Sam Staff")
    reference = add_case(sam, CaseInput.from_json({**REPORT, "summary": "The shared case"}))  # type: ignore[arg-type]
    sam.lock()  # type: ignore[attr-defined]
    dana = school.unlock("Dana DSL")
    acknowledge(dana, reference)  # type: ignore[arg-type]
    dana.lock()  # type: ignore[attr-defined]

    spawn = multiprocessing.get_context("spawn")
    out = spawn.Queue()
    pcs = [
        spawn.Process(target=_client, args=(db_url, who, job, number, reference, out))
        for number, (who, job) in enumerate(PLAN)
    ]
    for pc in pcs:
        pc.start()
    results = [out.get(timeout=300) for _ in pcs]
    for pc in pcs:
        pc.join(timeout=60)
    refused = [line for _job, _saved, lines in results for line in lines]
    assert refused == []
    reports = {s for job, saved, _ in results if job == "report" for s in saved}
    entries = {s for job, saved, _ in results if job == "update" for s in saved}
    assert len(reports) == 4 * ROUNDS and len(entries) == 2 * ROUNDS

    dana = school.unlock("Dana DSL")
    listed = {c.summary for c in list_cases(dana)}  # type: ignore[arg-type]
    assert reports <= listed
    case = show_case(dana, reference)  # type: ignore[arg-type]
    assert {e["text"] for e in case.fields["chronology"]} == entries
    # A version for each entry, after the report and its acknowledgement.
    assert len(case.versions) >= 2 + len(entries)
    assert verify_whole_log(dana)["intact"] is True  # type: ignore[arg-type]
    dana.lock()  # type: ignore[attr-defined]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_checkpoint_saved_by_another_safelog_on_this_pc_mid_sign_in_is_no_rollback(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app and a `safelog` command on one PC, for one user: the command saves the
    checkpoint of an entry it just wrote while the app's sign-in is checking a snapshot
    taken before that entry. Not a rollback, and not reported as one."""
    from safelog.vault.session import Session

    vault = Vault(tmp_path / "pc", db_url)
    school = build_school(vault)
    reference = add_case(
        school.unlock("Sam Staff"), CaseInput.from_json({**REPORT, "summary": "A"})
    )  # type: ignore[arg-type]
    other_pc_side = Vault(tmp_path / "pc", db_url)  # the same data directory: the same PC
    real = Session.load_role_keys
    done: list[bool] = []

    def meanwhile(self: Session, conn: Any) -> None:
        real(self, conn)  # the snapshot is taken by this first read
        if not done:
            done.append(True)
            command = other_pc_side.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
            add_chronology(command, reference, "Written by the command meanwhile.")
            command.lock()

    monkeypatch.setattr(Session, "load_role_keys", meanwhile)
    app = school.unlock("Dana DSL")  # would say the database is older than seen here
    monkeypatch.undo()
    assert done
    assert show_case(app, reference).fields["chronology"][0]["text"].startswith("Written")  # type: ignore[arg-type]
    app.lock()  # type: ignore[attr-defined]
