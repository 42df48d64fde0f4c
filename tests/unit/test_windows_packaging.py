"""The Windows packaging (issue 16), checked on any system: the installer's version follows
pyproject.toml, it installs per user without touching the vault and replaces the old build
whole, and the workflow builds fresh, runs the frozen journey and makes the installer."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ISS = (REPO / "packaging" / "windows" / "safelog.iss").read_text("utf-8")
WORKFLOW = (REPO / ".github" / "workflows" / "windows.yml").read_text("utf-8")


def _version() -> str:
    found = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.M)
    assert found is not None
    return found[1]


def test_the_installer_version_follows_pyproject() -> None:
    assert f'#define AppVersion "{_version()}"' in ISS
    assert "#ifndef AppVersion" in ISS  # the workflow's /DAppVersion wins


def test_the_installer_is_per_user_and_leaves_the_vault_alone() -> None:
    assert "PrivilegesRequired=lowest" in ISS
    assert r"DefaultDirName={autopf}\{#AppName}" in ISS  # %LOCALAPPDATA%\Programs when per user
    assert r'#define Dist Repo + "\dist\SafeLog"' in ISS  # where build.sh puts the folder
    # Only the program folder is ever deleted; the vault is %LOCALAPPDATA%\SafeLog.
    deletes = re.findall(r'^Type: \w+; Name: "([^"]+)"', ISS, re.M)
    assert deletes == [r"{app}\_internal"]
    assert "[UninstallDelete]" not in ISS


def test_the_workflow_builds_fresh_runs_the_journey_and_makes_the_installer() -> None:
    assert "bash packaging/pyinstaller/build.sh" in WORKFLOW
    assert "-m frozen tests/frozen" in WORKFLOW and 'CI: "true"' in WORKFLOW
    assert "/DAppVersion=$version" in WORKFLOW and r"packaging\windows\safelog.iss" in WORKFLOW
    assert "shell: pwsh" in WORKFLOW  # ISCC's /switches, untouched by Git Bash's path rewriting
    assert "if-no-files-found: error" in WORKFLOW
    assert "actions/cache" not in WORKFLOW and "cache:" not in WORKFLOW
    assert "timeout-minutes:" in WORKFLOW
