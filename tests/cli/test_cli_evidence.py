"""Evidence through the `safelog` command: the generated corpus of hostile files (each with
its expected outcome, safelog/evidence/corpus.py), duplicates, the indecent-images rule,
`--seen-at`, the size limit, `evidence list` and the chain of custody in `case show --json`.

The school is built once per module through the API (SQLite), then closed: from then on
every step is `safelog.cli.main` with the passphrase piped on standard input (a real
`python -m safelog` subprocess in the test marked `subprocess_smoke`).
A refusal must be one plain line on standard error, with no traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_in_process, run_subprocess, subprocess_smoke
from support.school import PASSPHRASES, build_school

from safelog.evidence import corpus
from safelog.store.engine import sqlite_url
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.settings import set_evidence_limit_bytes
from safelog.vault.vault import Vault

EVIDENCE_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UKCIS_RULE = "never view, copy, print, share, store or save"


@dataclass
class Env:
    root: Path
    data_dir: Path
    cases: dict[str, str]  # purpose -> reference
    in_process: bool = True

    def run(self, *args: str, as_name: str = "Dana DSL") -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
        home = self.root / "home"
        env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / "data"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_CONFIG_HOME=str(home / "config"),
            SAFELOG_INSECURE_TEST_KDF="1",
        )
        run = run_in_process if self.in_process else run_subprocess
        return run(
            ["--data-dir", str(self.data_dir), *args],
            stdin=PASSPHRASES[as_name] + "\n",
            env=env,
            cwd=self.root,
        )

    def as_user(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(*args, "--as", name, as_name=name)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def printed_id(result: subprocess.CompletedProcess[str]) -> str:
    line = ok(result).rstrip("\n").splitlines()[-1]
    assert EVIDENCE_ID.match(line), line
    return line


def notes(result: subprocess.CompletedProcess[str]) -> list[str]:
    lines = result.stderr.splitlines()
    assert all(line.startswith("safelog: note: ") for line in lines), lines
    return lines


def fails(result: subprocess.CompletedProcess[str], exit_code: int = 1) -> str:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("safelog: ") and "unexpected error" not in lines[0]
    return lines[0]


# Items that can be files (a "/" cannot be in a name), grouped so that no case gets the
# same content twice (that would be linked as a duplicate: tested on its own below).
ON_DISK = [h for h in corpus.CORPUS if h.on_disk]


def _groups() -> dict[str, int]:
    seen: dict[str, int] = {}
    group = {}
    for item in ON_DISK:
        digest = hashlib.sha256(item.data).hexdigest()
        group[item.key] = seen.get(digest, 0)
        seen[digest] = group[item.key] + 1
    return group


GROUP = _groups()
CASE = {"category": "cyberbullying-pupil", "summary": "Screens", "description": "Group chat."}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    root = tmp_path_factory.mktemp("cli-evidence")
    data_dir = root / "data"
    data_dir.mkdir(mode=0o700)
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
            mp.setenv(var, str(root / "home" / sub))
        mp.setenv("XDG_CONFIG_HOME", str(root / "home" / "config"))
        vault = Vault(data_dir, sqlite_url(data_dir))
        try:
            build_school(vault)
            dana = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
            cases = {f"corpus-{g}": add_case(dana, CaseInput.from_json(CASE)) for g in range(4)}
            for purpose in ("duplicates", "seen-at", "custody", "limit", "plain", "moved"):
                cases[purpose] = add_case(dana, CaseInput.from_json(CASE))
            sam = vault.unlock("Sam Staff", PASSPHRASES["Sam Staff"])
            cases["nudes"] = add_case(
                sam,
                CaseInput.from_json(
                    {"category": "nudes-sharing", "summary": "Shared image", "description": "x"}
                ),
            )
            cases["staff"] = add_case(
                sam,
                CaseInput.from_json(
                    {
                        "category": "cyberbullying-staff",
                        "summary": "Abusive messages to a teacher",
                        "description": "x",
                    }
                ),
            )
        finally:
            vault.close()
    return Env(root, data_dir, cases)


def test_every_corpus_file_through_the_command_line(env: Env, tmp_path: Path) -> None:
    assert max(GROUP.values()) < 4
    added: dict[str, str] = {}
    for item in ON_DISK:
        folder = tmp_path / item.key
        folder.mkdir()
        path = folder / item.name
        path.write_bytes(item.data)
        reference = env.cases[f"corpus-{GROUP[item.key]}"]
        result = env.run("evidence", "add", reference, str(path), "--as", "Dana DSL")
        if item.outcome == "refused":
            line = fails(result)
            assert item.message in line.lower(), (item.key, line)
            assert result.stdout == ""
            continue
        added[item.key] = printed_id(result)
        flagged = item.outcome == "accepted-flagged"
        assert bool(notes(result)) == flagged, (item.key, result.stderr)
    listed: dict[str, dict[str, Any]] = {}
    for group in range(max(GROUP.values()) + 1):
        out = ok(
            env.run("evidence", "list", env.cases[f"corpus-{group}"], "--as", "Dana DSL", "--json")
        )
        listed |= {entry["id"]: entry for entry in json.loads(out)}
    assert set(listed) == set(added.values())
    for item in ON_DISK:
        if item.outcome == "refused":
            continue
        entry = listed[added[item.key]]
        data = item.data
        assert entry["file_name"] == item.display, item.key
        assert entry["original_name"] == item.name, item.key
        assert entry["media_type"] == item.media_type, item.key
        assert entry["claimed_type"] == (item.claimed or None), item.key
        assert entry["preview"] == item.preview, item.key
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["added_by"] == "Dana DSL"
        assert [c["action"] for c in entry["custody"]][:1] == ["evidence.add"]
    # Originals come back byte for byte, whatever could be shown.
    for key in ("truncated-jpeg", "corrupt-png", "pdf-named-jpg", "name-controls", "name-rlo"):
        item = corpus.BY_KEY[key]
        out = tmp_path / f"extracted-{key}"
        reference = env.cases[f"corpus-{GROUP[key]}"]
        ok(
            env.run(
                "evidence", "extract", reference, added[key], "--out", str(out), "--as", "Dana DSL"
            )
        )
        assert out.read_bytes() == item.data
    # The text listing shows the safe names only.
    for key, shown in (("name-rlo", "invoice_gnp.exe"), ("name-controls", "chat_log___[31m.txt")):
        reference = env.cases[f"corpus-{GROUP[key]}"]
        text = ok(env.run("evidence", "list", reference, "--as", "Dana DSL"))
        assert shown in text
        assert "\u202e" not in text and "\x1b" not in text and "\x07" not in text


def test_the_same_file_twice_prints_the_existing_id(env: Env, tmp_path: Path) -> None:
    reference = env.cases["duplicates"]
    first = tmp_path / "chat.png"
    first.write_bytes(corpus.png())
    second = tmp_path / "IMG_0042.PNG"
    second.write_bytes(corpus.png())
    evidence_id = printed_id(
        env.run(
            "evidence", "add", reference, str(first), "--platform", "Instagram", "--as", "Dana DSL"
        )
    )
    result = env.run(
        "evidence",
        "add",
        reference,
        str(second),
        "--platform",
        "Snapchat",
        "--handle",
        "@someone",
        "--seen-at",
        "2026-11-19T21:15:00+00:00",
        "--as",
        "Dana DSL",
    )
    assert printed_id(result) == evidence_id
    [note] = notes(result)
    assert f"already evidence {evidence_id}" in note and "SHA-256" in note
    [entry] = json.loads(ok(env.run("evidence", "list", reference, "--as", "Dana DSL", "--json")))
    assert entry["id"] == evidence_id and entry["platform"] == "Instagram"
    [sighting] = entry["sightings"]
    assert sighting["original_name"] == "IMG_0042.PNG"
    assert (sighting["platform"], sighting["handle"]) == ("Snapchat", "@someone")
    assert sighting["seen_at"] == "2026-11-19T21:15:00+00:00"
    assert sighting["recorded_by"] == "Dana DSL"
    shown = json.loads(ok(env.run("case", "show", reference, "--as", "Dana DSL", "--json")))
    [item] = shown["evidence"]
    assert [c["action"] for c in item["custody"]][:2] == ["evidence.add", "evidence.sighting"]
    assert item["sightings"] == entry["sightings"]


@subprocess_smoke
@pytest.mark.slow
def test_images_are_refused_with_the_ukcis_rule(env: Env, tmp_path: Path) -> None:
    env = replace(env, in_process=False)
    reference = env.cases["nudes"]
    for name, data in (("shared.jpg", corpus.jpeg()), ("clip.mp4", corpus.mp4())):
        path = tmp_path / name
        path.write_bytes(data)
        line = fails(env.as_user("Sam Staff", "evidence", "add", reference, str(path)))
        assert UKCIS_RULE in line.lower(), line
    note = tmp_path / "what-she-said.txt"
    note.write_text("She said a picture was shared in the Year 9 chat.\n", "utf-8")
    printed_id(env.as_user("Sam Staff", "evidence", "add", reference, str(note)))
    listed = json.loads(ok(env.as_user("Sam Staff", "evidence", "list", reference, "--json")))
    assert [e["media_type"] for e in listed] == ["text/plain"]


def test_zipped_pictures_are_refused_with_the_same_guidance(env: Env, tmp_path: Path) -> None:
    reference = env.cases["nudes"]
    before = json.loads(ok(env.as_user("Sam Staff", "evidence", "list", reference, "--json")))
    for kind, make in corpus.ARCHIVES.items():
        path = tmp_path / kind / "homework.txt"  # an innocent name: the content decides
        path.parent.mkdir()
        path.write_bytes(make())
        line = fails(env.as_user("Sam Staff", "evidence", "add", reference, str(path)))
        assert "does not store archives" in line and "nothing was kept" in line, line
        assert UKCIS_RULE in line.lower(), line
    after = json.loads(ok(env.as_user("Sam Staff", "evidence", "list", reference, "--json")))
    assert [e["sha256"] for e in after] == [e["sha256"] for e in before]  # nothing kept


def test_only_plain_text_notes_go_into_an_image_category(env: Env, tmp_path: Path) -> None:
    """Issue 18 point 1 (002 7.2.4): a PDF, a ZIP and an e-mail are refused by their content,
    whatever their name, with the policy's words; nothing is kept."""
    reference = env.cases["nudes"]
    listed = json.loads(ok(env.as_user("Sam Staff", "evidence", "list", reference, "--json")))
    for name, data in (
        ("letter.pdf", corpus.pdf()),
        ("photos.zip", corpus.ARCHIVES["zip"]()),
        ("threat.eml", corpus.eml()),
        ("notes.txt", corpus.pdf()),  # a PDF given a text note's name
        ("forwarded.txt", corpus.eml()),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        line = fails(env.as_user("Sam Staff", "evidence", "add", reference, str(path)))
        assert "nothing was kept" in line, line
        assert "it is an offence to save, send, or alter an image" in line, line
    after = json.loads(ok(env.as_user("Sam Staff", "evidence", "list", reference, "--json")))
    assert [e["sha256"] for e in after] == [e["sha256"] for e in listed]


def test_a_case_moved_into_an_image_category_quarantines_its_pictures(
    env: Env, tmp_path: Path
) -> None:
    reference = env.cases["moved"]
    picture = tmp_path / "chat.png"
    picture.write_bytes(corpus.png())
    picture_id = printed_id(env.run("evidence", "add", reference, str(picture), "--as", "Dana DSL"))
    change = tmp_path / "move.json"
    change.write_text(json.dumps({"category": "nudes-sharing"}), "utf-8")
    line = fails(env.run("case", "update", reference, "--json", str(change), "--as", "Dana DSL"))
    assert "device_locked_away" in line and "locked away" in line, line
    place = "The phone is in the head's safe"
    change.write_text(
        json.dumps({"category": "nudes-sharing", "device_locked_away": place}), "utf-8"
    )
    ok(env.run("case", "update", reference, "--json", str(change), "--as", "Dana DSL"))
    shown = json.loads(ok(env.run("case", "show", reference, "--json", "--as", "Dana DSL")))
    assert shown["quarantine"][0]["device_locked_away"] == place
    assert [e["quarantined"] for e in shown["evidence"]] == [True]
    out = tmp_path / "extracted.png"
    line = fails(
        env.run(
            "evidence", "extract", reference, picture_id, "--out", str(out), "--as", "Dana DSL"
        ),
        exit_code=3,  # refused, as any access is
    )
    assert "quarantined" in line.lower(), line
    assert not out.exists()


def test_evidence_on_a_concern_about_staff_comes_with_the_7_2_4_warning(
    env: Env, tmp_path: Path
) -> None:
    path = tmp_path / "screenprint.png"
    path.write_bytes(corpus.png())
    result = env.as_user("Sam Staff", "evidence", "add", env.cases["staff"], str(path))
    printed_id(result)
    warning = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and "indecent images of children" in warning[0], result.stderr
    assert "Lock the device away" in warning[0]
    # Not on other kinds of concern.
    quiet = env.as_user("Dana DSL", "evidence", "add", env.cases["plain"], str(path))
    printed_id(quiet)
    assert "warning" not in quiet.stderr


def test_seen_at_is_checked_and_kept(env: Env, tmp_path: Path) -> None:
    reference = env.cases["seen-at"]
    path = tmp_path / "note.txt"
    path.write_text("seen on a phone\n", "utf-8")
    line = fails(
        env.run(
            "evidence", "add", reference, str(path), "--seen-at", "yesterday", "--as", "Dana DSL"
        )
    )
    assert "date like" in line
    line = fails(
        env.run(
            "evidence",
            "add",
            reference,
            str(path),
            "--seen-at",
            "2026-11-19T20:00",
            "--as",
            "Dana DSL",
        )
    )
    assert "time zone" in line
    printed_id(
        env.run(
            "evidence", "add", reference, str(path), "--seen-at", "2026-11-19", "--as", "Dana DSL"
        )
    )
    [entry] = json.loads(ok(env.run("evidence", "list", reference, "--as", "Dana DSL", "--json")))
    assert entry["seen_at"] == "2026-11-19"


def test_custody_in_case_show(env: Env, tmp_path: Path) -> None:
    reference = env.cases["custody"]
    path = tmp_path / "shot.png"
    path.write_bytes(corpus.gif())
    evidence_id = printed_id(env.run("evidence", "add", reference, str(path), "--as", "Dana DSL"))
    out = tmp_path / "copy.gif"
    ok(
        env.run(
            "evidence", "extract", reference, evidence_id, "--out", str(out), "--as", "Dana DSL"
        )
    )
    shown = json.loads(ok(env.run("case", "show", reference, "--as", "Dana DSL", "--json")))
    [item] = shown["evidence"]
    assert [(c["action"], c["actor"]) for c in item["custody"]] == [
        ("evidence.add", "Dana DSL"),
        ("evidence.extract", "Dana DSL"),
    ]
    assert all(c["at"].endswith("+00:00") for c in item["custody"])
    assert item["preview"] == "thumbnail" and (item["width"], item["height"]) == (640, 400)
    # Someone who cannot read the case is refused plainly.
    line = fails(env.as_user("Tess Teacher", "evidence", "list", reference), exit_code=3)
    assert "access" in line


def test_the_size_limit_through_the_command_line(env: Env, tmp_path: Path) -> None:
    vault = Vault(env.data_dir, sqlite_url(env.data_dir))
    try:
        set_evidence_limit_bytes(vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"]), 2048)
    finally:
        vault.close()
    try:
        reference = env.cases["limit"]
        path = tmp_path / "big.txt"
        path.write_bytes(b"line of text\n" * 1000)
        line = fails(env.run("evidence", "add", reference, str(path), "--as", "Dana DSL"))
        assert "2 KB limit" in line and "nothing was kept" in line
        assert (
            json.loads(ok(env.run("evidence", "list", reference, "--as", "Dana DSL", "--json")))
            == []
        )
    finally:
        vault = Vault(env.data_dir, sqlite_url(env.data_dir))
        try:
            set_evidence_limit_bytes(vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"]), 2 * 1024**3)
        finally:
            vault.close()


def test_a_missing_file_and_an_empty_one(env: Env, tmp_path: Path) -> None:
    reference = env.cases["limit"]
    line = fails(
        env.run("evidence", "add", reference, str(tmp_path / "nope.png"), "--as", "Dana DSL")
    )
    assert "no file" in line
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    assert "empty" in fails(env.run("evidence", "add", reference, str(empty), "--as", "Dana DSL"))
