"""`safelog report governors|inspection|checkpoint` end to end (issue 15 point 3): the
governors' report's text layer (pdftotext) names no one in the school or on its roll and
no case, and its figures are the cases'; the inspection pack lists exactly the referrals
made in the period; both verify as signed files; bad dates, a reversed period and staff are
refused in plain words; the checkpoint printed is the hash the log's entry still has."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.cli import run_in_process
from support.report_cases import (
    END,
    NAMES,
    PUPIL_NAMES,
    SCHOOL_START,
    START,
    build_report_cases,
)
from support.school import PASSPHRASES, Clock, build_school

from safelog.store.engine import sqlite_url
from safelog.vault.vault import Vault

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


@pytest.fixture
def root(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    (tmp_path / "data").mkdir(mode=0o700)
    clock = Clock(SCHOOL_START)
    vault = Vault(tmp_path / "data", sqlite_url(tmp_path / "data"), clock=clock)
    try:
        refs = build_report_cases(build_school(vault), clock)
    finally:
        vault.close()
    return tmp_path, refs


def run(root: Path, who: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
    env["SAFELOG_INSECURE_TEST_KDF"] = "1"
    return run_in_process(
        ["--data-dir", str(root / "data"), *args, "--as", who],
        stdin=PASSPHRASES[who] + "\n",
        env=env,
        cwd=root,
    )


def text_of(pdf: Path, layout: bool = True) -> str:
    flags = ["-layout"] if layout else []
    done = subprocess.run(["pdftotext", *flags, str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


@needs_pdftotext
def test_governors_report_names_no_one_and_its_figures_are_the_cases(
    root: tuple[Path, dict[str, str]],
) -> None:
    path, refs = root
    out, csv = path / "governors.pdf", path / "governors.csv"
    done = run(
        path, "Dana DSL", "report", "governors", "--from", START, "--to", END,
        "--out", str(out), "--csv", str(csv),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Copy for the designated safeguarding lead: 3 concern(s)" in done.stdout
    text = text_of(out)
    for name in NAMES:  # as a word, in any case
        assert not re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE), name
    for reference in refs.values():
        assert reference not in text
    for number in ("MASH-0001", "CR/2026/117", "PREV-42", "LADO-7"):
        assert number not in text  # external references can be matched too
    assert "Copy for the designated safeguarding lead" in text
    assert "Concerns about the headteacher are not counted in this copy" in text
    assert re.search(r"Radicalisation or extremism concern\s+1", text)
    assert re.search(r"Children's social care\s+2\s+1\s+1\s+0", text)
    assert re.search(r"Police\s+1\s+0\s+0\s+1\s+0", text)
    assert re.search(r"Headteacher\s+1\s+1\s+0\s+0\s+2", text)  # told on B; not C, E
    assert re.search(r"3 concerns raised in the period", text)
    entries, head = re.search(
        r"checkpoint: (\d+) entries, head ([0-9a-f]{64})", done.stdout
    ).groups()
    grouped = " ".join(head[i : i + 8] for i in range(0, 64, 8))
    assert grouped in text and f"{entries} entries" in text
    csv_text = csv.read_text("utf-8-sig")
    assert "route,Children's social care,made,2" in csv_text
    assert f"audit log,checkpoint,head sha256,{head}" in csv_text

    # The entry the report printed keeps its hash as the log grows.
    later = run(path, "Dana DSL", "report", "checkpoint", "--entry", entries)
    assert later.returncode == 0, later.stderr
    assert later.stdout.strip().splitlines()[-1] == head

    checked = run_in_process(["verify", str(out)], stdin="", env=dict(os.environ), cwd=path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    changed = bytearray(out.read_bytes())
    at = changed.index(b"/Producer")  # one byte the signature covers
    changed[at + 2] ^= 0x20
    forged = path / "forged.pdf"
    forged.write_bytes(bytes(changed))
    refused = run_in_process(["verify", str(forged)], stdin="", env=dict(os.environ), cwd=path)
    assert refused.returncode == 4, refused.stdout + refused.stderr

    chair_out = path / "chair.pdf"
    chair = run(path, "Chris Chair", "report", "governors", "--from", START, "--to", END,
                "--out", str(chair_out))  # fmt: skip
    assert chair.returncode == 0, chair.stderr
    chair_text = text_of(chair_out)
    assert "Copy for the chair of governors" in chair_text
    assert "This copy counts concerns about the headteacher" in chair_text
    assert re.search(r"LADO\s+1\s+1\s+0\s+0", chair_text)


@needs_pdftotext
def test_inspection_pack_lists_exactly_the_referrals_in_the_period(
    root: tuple[Path, dict[str, str]],
) -> None:
    path, refs = root
    out, csv = path / "pack.pdf", path / "pack.csv"
    done = run(
        path, "Dana DSL", "report", "inspection", "--from", START, "--to", END,
        "--out", str(out), "--csv", str(csv),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "4 referral(s)" in done.stdout
    text = text_of(out)
    for number in ("MASH-0001", "CR/2026/117", "PREV-42"):
        assert number in text
    assert "MASH-BEFORE" not in text and "MASH-AFTER" not in text
    assert refs["A"] not in text and refs["E"] not in text
    for letter in "BC":
        assert refs[letter] in text
    # The LADO referral about the headteacher is in the chair's copy only.
    assert "LADO-7" not in text and refs["D"] not in text
    flowing = " ".join(text_of(out, layout=False).split())  # table cells wrap
    assert "not listed in this copy; the chair of governors' copy lists them" in flowing
    chair_out = path / "chair-pack.pdf"
    chair = run(path, "Chris Chair", "report", "inspection", "--from", START, "--to", END,
                "--out", str(chair_out))  # fmt: skip
    assert chair.returncode == 0, chair.stderr
    chair_text = text_of(chair_out)
    assert "LADO-7" in chair_text and refs["D"] in chair_text and "O.S.J. (Year 8)" in chair_text
    assert "J.S. (Year 8)" in text and "R.G." in text
    for name in PUPIL_NAMES:  # the signer is named: an inspection pack is theirs
        assert not re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE), name
    rows = csv.read_text("utf-8-sig").strip().splitlines()
    assert len(rows) == 5  # a header and the four referrals
    assert any("'=HYPERLINK(1)" in row for row in rows)


def test_bad_dates_a_reversed_period_and_staff_are_refused_in_plain_words(
    root: tuple[Path, dict[str, str]],
) -> None:
    path, _ = root
    out = str(path / "x.pdf")
    bad = run(path, "Dana DSL", "report", "governors", "--from", "2026-13-01", "--to", END,
              "--out", out)  # fmt: skip
    assert bad.returncode != 0
    assert "--from '2026-13-01' is not a date; write it as YYYY-MM-DD" in bad.stderr
    assert "Traceback" not in bad.stderr
    loose = run(path, "Dana DSL", "report", "inspection", "--from", START, "--to", "13/11/2026",
                "--out", out)  # fmt: skip
    assert "--to '13/11/2026' is not a date" in loose.stderr
    backwards = run(path, "Dana DSL", "report", "governors", "--from", END, "--to", START,
                    "--out", out)  # fmt: skip
    assert backwards.returncode != 0
    assert f"--from {END} is after --to {START}" in backwards.stderr
    staff = run(path, "Sam Staff", "report", "governors", "--from", START, "--to", END,
                "--out", out)  # fmt: skip
    assert staff.returncode == 3
    assert "for the DSL, the headteacher and the chair of governors" in staff.stderr
    assert not Path(out).exists()
    nowhere = run(path, "Dana DSL", "report", "inspection", "--from", START, "--to", END,
                  "--out", str(path / "no-such-folder" / "x.pdf"))  # fmt: skip
    assert nowhere.returncode == 1
    assert "There is no folder" in nowhere.stderr and "no-such-folder" in nowhere.stderr
