"""packaging/linux/ (issue 16): the AppStream metainfo passes `appstreamcli validate`, the
desktop entry passes `desktop-file-validate`, and the one id names them, the installed files
and the running app. The tools come from .ci/setup (packaging/linux/system-packages.sh); a
missing one fails under CI and skips elsewhere."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINUX = REPO / "packaging" / "linux"
APP_ID = "uk.org.safelog.SafeLog"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{name} is missing: .ci/setup installs it")
    pytest.skip(f"{name} is not installed")


def test_metainfo_passes_appstreamcli() -> None:
    result = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation was successful" in result.stdout


def test_desktop_entry_passes_desktop_file_validate() -> None:
    result = subprocess.run(
        [_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_a_broken_metainfo_is_refused(tmp_path: Path) -> None:
    # The check can fail: a metainfo without its summary does not pass.
    broken = tmp_path / f"{APP_ID}.metainfo.xml"
    broken.write_text(re.sub(r"<summary>.*?</summary>", "", METAINFO.read_text()), "utf-8")
    result = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0


def test_one_id_names_the_metainfo_the_desktop_entry_and_the_app() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "safelog"
    release = root.find("releases/release")
    assert release is not None
    version = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.M)
    assert version is not None and release.get("version") == version[1]
    assert "Exec=safelog\n" in DESKTOP.read_text()  # install.sh rewrites exactly this line
    install = (LINUX / "install.sh").read_text()
    assert f"app_id={APP_ID}" in install
    assert f'setDesktopFileName("{APP_ID}")' in (REPO / "safelog" / "gui" / "app.py").read_text()
