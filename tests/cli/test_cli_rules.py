"""The school's own rules through the `safelog` command (issue 18): `rules export`, edited,
`rules import` by a DSL (a member of staff refused; a file that would weaken the image
block refused with its reasons), `rules history`, and `case show --json` following them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_in_process
from support.school import PASSPHRASES, build_school

from safelog.store.engine import sqlite_url
from safelog.vault.vault import Vault


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-rules")
    (root / "data").mkdir(mode=0o700)
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
            mp.setenv(var, str(root / "home" / sub))
        mp.setenv("XDG_CONFIG_HOME", str(root / "home" / "config"))
        vault = Vault(root / "data", sqlite_url(root / "data"))
        try:
            build_school(vault)
        finally:
            vault.close()
    return root


@pytest.fixture
def root(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built, tmp_path / "school")
    return tmp_path / "school"


def run(root: Path, *args: str, who: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
    home = root / "home"
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        SAFELOG_INSECURE_TEST_KDF="1",
    )
    tail = ("--as", who) if who else ()
    stdin = PASSPHRASES[who] + "\n" if who else ""
    return run_in_process(
        ["--data-dir", str(root / "data"), *args, *tail], stdin=stdin, env=env, cwd=root
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.returncode, result.stderr)
    return result.stdout


def threats(document: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in document["categories"] if c["code"] == "public-threats")


def test_export_edit_import_and_the_case_follows(root: Path) -> None:
    seeds = root / "seeds.json"
    exported = run(root, "rules", "export", "--out", str(seeds))
    assert ok(exported).strip() == str(seeds)
    assert "seed policies" in exported.stderr
    document = json.loads(seeds.read_text("utf-8"))
    police = next(r for r in threats(document)["routes"] if r["route"] == "police")
    assert police["required"] is False
    police.update(required=True, when=[], deadline={"kind": "hours", "count": 24})
    edited = root / "ours.json"
    edited.write_text(json.dumps(document), "utf-8")

    refused = run(root, "rules", "import", str(edited), who="Sam Staff")
    assert refused.returncode == 3 and "Only a DSL" in refused.stderr
    said = ok(run(root, "rules", "import", str(edited), who="Dana DSL"))
    assert "version 1" in said and "public-threats" in said

    case = root / "case.json"
    case.write_text(
        json.dumps({"category": "public-threats", "summary": "Threat", "description": "x"}),
        "utf-8",
    )
    reference = ok(run(root, "case", "add", "--json", str(case), who="Dana DSL")).split()[-1]
    shown = json.loads(ok(run(root, "case", "show", reference, "--json", who="Dana DSL")))
    police = next(e for e in shown["escalations"] if e["route"] == "police")
    assert police["required"] is True and police["deadline"]["count"] == 24

    history = json.loads(ok(run(root, "rules", "history", "--json", who="Hugh Head")))
    assert [(v["version"], v["by"], v["changed"]) for v in history] == [
        (1, "Dana DSL", ["public-threats"])
    ]
    ours = root / "back.json"
    ok(run(root, "rules", "export", "--out", str(ours), who="Hugh Head"))
    back = json.loads(ours.read_text("utf-8"))
    assert next(r for r in threats(back)["routes"] if r["route"] == "police")["required"]


def test_a_file_that_would_lift_the_image_block_is_refused_with_its_reasons(root: Path) -> None:
    seeds = root / "seeds.json"
    ok(run(root, "rules", "export", "--out", str(seeds)))
    document = json.loads(seeds.read_text("utf-8"))
    nudes = next(c for c in document["categories"] if c["code"] == "nudes-sharing")
    nudes["blocks_image_import"] = False
    bad = root / "bad.json"
    bad.write_text(json.dumps(document), "utf-8")
    refused = run(root, "rules", "import", str(bad), who="Dana DSL")
    assert refused.returncode == 1
    assert "refuses pictures cannot be changed" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "no school rules" in ok(run(root, "rules", "history", who="Dana DSL"))
