"""The frozen build (issue 16): `safelog-cli` from `packaging/pyinstaller/build.sh` runs a
whole journey (init, invite, enrol, case add, evidence add, export, verify), and the frozen
desktop app opens that vault to its sign-in window under Xvfb.

Marked `frozen`. CI builds first (`.ci/run`) and a missing build fails there; elsewhere these
tests are skipped until `bash packaging/pyinstaller/build.sh` has made `dist/SafeLog`
(SAFELOG_FROZEN_DIR points at another one). Only the standard library and what the frozen
build itself needs: the Windows workflow runs the CLI journey with the build's own Python.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.frozen

REPO = Path(__file__).resolve().parents[2]
FROZEN = Path(os.environ.get("SAFELOG_FROZEN_DIR") or REPO / "dist" / "SafeLog")
EXE = ".exe" if sys.platform == "win32" else ""
CLI = FROZEN / f"safelog-cli{EXE}"
APP = FROZEN / f"SafeLog{EXE}"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

RECOVERY_KEY = re.compile(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){10}")
PASS = {"Dana DSL": "dana correct horse", "Sam Staff": "sam staffroom tea"}
SCHOOL = "Ravens Wood School"
REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a Year 8 pupil's video",
    "description": "A pupil showed me comments calling her names; Zofia Wiśniewska saw them.",
    "platform": "TikTok",
    "people": [{"name": "Amy Pupil", "kind": "pupil", "role": "victim"}],
}


def _need_build() -> None:
    if CLI.is_file() and APP.is_file():
        return
    message = f"no frozen build at {FROZEN}: run bash packaging/pyinstaller/build.sh"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    """A real PNG, made with the standard library (so the journey needs no Pillow here)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(
        b"\x00" + b"".join(bytes((x * 4 % 256, y * 5 % 256, 120)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@dataclass
class Frozen:
    root: Path
    vault: Path
    timings: dict[str, float]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
        home = self.root / "home"
        env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / "data"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_CACHE_HOME=str(home / "cache"),
            SAFELOG_INSECURE_TEST_KDF="1",
            # The frozen CLI ignores this; on Windows the spec runs it in UTF-8 mode instead.
            PYTHONIOENCODING="utf-8",
        )
        if sys.platform == "win32":
            # platformdirs asks Windows (SHGetKnownFolderPath), not HOME, for the fault log and
            # checkpoints; without these they would land in the real profile, and a fault there
            # would never be seen by faults() below.
            local, roaming = str(home / "localappdata"), str(home / "appdata")
            env.update(
                LOCALAPPDATA=local,
                APPDATA=roaming,
                WIN_PD_OVERRIDE_LOCAL_APPDATA=local,
                WIN_PD_OVERRIDE_APPDATA=roaming,
            )
        return env

    def run(self, *args: str, stdin: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CLI), "--data-dir", str(self.vault), *args],
            input="".join(line + "\n" for line in stdin),
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=self.env(),
            cwd=self.root,
            timeout=300,
            check=False,
        )

    def as_user(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(*args, "--as", name, stdin=[PASS[name]])

    def faults(self) -> list[Path]:
        return sorted((self.root / "home").rglob("faults.log"))


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.args, result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return ok(result).rstrip("\n").splitlines()[-1]


@dataclass
class Journey:
    frozen: Frozen
    reference: str
    case: dict[str, object]
    export_out: list[str]
    verified: str
    tampered: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    _need_build()
    root = tmp_path_factory.mktemp("frozen")
    frozen = Frozen(root, root / "vault", {})
    begun = time.monotonic()
    init = frozen.run(
        "init", "--school", SCHOOL, "--name", "Dana DSL", stdin=[PASS["Dana DSL"]] * 2
    )
    keys = [line for line in ok(init).split() if RECOVERY_KEY.fullmatch(line)]
    assert len(keys) == 2, init.stdout  # the school's and the governors' recovery keys
    code = last_line(
        frozen.as_user("Dana DSL", "user", "invite", "--name", "Sam Staff", "--role", "staff")
    )
    assert "Welcome, Sam Staff" in ok(
        frozen.run("user", "enrol", "--code", code, stdin=[PASS["Sam Staff"]] * 2)
    )
    ok(frozen.as_user("Dana DSL", "user", "list"))  # the administrator's sign-in certifies
    (root / "report.json").write_text(json.dumps(REPORT), "utf-8")
    reference = last_line(frozen.as_user("Sam Staff", "case", "add", "--json", "report.json"))
    (root / "shot.png").write_bytes(png_bytes())
    evidence = frozen.run(
        "evidence", "add", reference, "shot.png", "--platform", "TikTok", "--as", "Sam Staff",
        stdin=[PASS["Sam Staff"]],
    )  # fmt: skip
    ok(evidence)
    case = json.loads(ok(frozen.as_user("Dana DSL", "case", "show", reference, "--json")))
    export_out = ok(frozen.as_user("Dana DSL", "export", reference, "--out", "case.pdf"))
    ok(frozen.run("ca", "export", "--out", "CA.pem"))
    verified = last_line(frozen.run("verify", "case.pdf", "--ca", "CA.pem"))
    data = bytearray((root / "case.pdf").read_bytes())
    data[len(data) // 3] ^= 0x01
    (root / "changed.pdf").write_bytes(bytes(data))
    tampered = frozen.run("verify", "changed.pdf", "--ca", "CA.pem")
    frozen.timings["journey"] = time.monotonic() - begun
    yield Journey(frozen, reference, case, export_out.splitlines(), verified, tampered)
    print(f"\nfrozen CLI journey: {frozen.timings['journey']:.1f} s", file=sys.stderr)


def test_the_frozen_cli_runs_the_whole_journey(journey: Journey) -> None:
    assert journey.reference.startswith("SL-")
    case = journey.case
    assert case["reference"] == journey.reference
    assert case["summary"] == REPORT["summary"]
    assert "Zofia Wiśniewska" in str(case["description"])
    [item] = case["evidence"]  # type: ignore[misc]
    assert item["media_type"] == "image/png" and item["platform"] == "TikTok"
    assert item["sha256"] == hashlib.sha256(png_bytes()).hexdigest()  # Pillow read it whole
    assert (item["width"], item["height"]) == (64, 48)
    assert journey.export_out[-1] == "case.pdf"
    assert journey.export_out[-2].startswith("SHA-256 ")
    assert journey.verified == "case.pdf: The case file is signed, complete and unaltered."
    assert journey.tampered.returncode == 4, journey.tampered.stderr
    assert "changed.pdf failed the check" in journey.tampered.stderr
    assert not journey.frozen.faults()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing")
def test_the_frozen_case_file_carries_its_fonts(journey: Journey) -> None:
    text = subprocess.run(
        ["pdftotext", str(journey.frozen.root / "case.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert journey.reference in text and "OFFICIAL-SENSITIVE" in text
    assert "Zofia Wiśniewska" in text  # the bundled DejaVu fonts, not a Latin-1 fallback


def test_the_frozen_cli_keeps_the_vault_owner_only(journey: Journey) -> None:
    vault = journey.frozen.vault
    paths = [vault, vault / "safelog.db", vault / "evidence", vault / "profiles"]
    if sys.platform == "win32":
        from safelog.store.windows_acl import WindowsAcl

        acl = WindowsAcl()
        for path in paths:
            assert acl.problems(path) == [], path
    else:
        modes = {path.name: oct(path.stat().st_mode & 0o777) for path in paths}
        assert modes == {"vault": "0o700", "safelog.db": "0o600", "evidence": "0o700",
                         "profiles": "0o700"}  # fmt: skip


# -- the desktop app -------------------------------------------------------------------------

GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv)
image = app.primaryScreen().grabWindow(0).toImage()
image.save(sys.argv[1])
step = 3
colours = {
    image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)
}
print(len(colours))
"""


@pytest.fixture
def display() -> Iterator[str]:
    """A private X display (Xvfb picks a free number and writes it to a pipe)."""
    if sys.platform != "linux":
        pytest.skip("the desktop check runs under Xvfb, on Linux")
    if not shutil.which("Xvfb") or not shutil.which("xwininfo"):
        message = "Xvfb and xwininfo are needed (bash .ci/setup installs them)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _window_names(display: str) -> list[str]:
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree", "-display", display],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return [line.split('"')[1] for line in tree.splitlines() if line.count('"') >= 2]


def test_the_frozen_app_opens_the_vault_to_its_sign_in_window(
    journey: Journey, display: str
) -> None:
    frozen = journey.frozen
    env = {**frozen.env(), "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    begun = time.monotonic()
    app = subprocess.Popen(
        [str(APP), "--data-dir", str(frozen.vault)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wanted = f"SafeLog — {SCHOOL}"  # the sign-in window, titled once the vault's names load
        names: list[str] = []
        while time.monotonic() - begun < 90 and app.poll() is None:
            names = _window_names(display)
            if wanted in names:
                break
            time.sleep(0.5)
        assert app.poll() is None, f"the frozen app exited: {app.communicate()[0]}"
        assert wanted in names, names
        time.sleep(2)  # the vault opens in the background; a failure would be logged by now
        shot = frozen.root / "frozen-sign-in.png"
        grab = subprocess.run(
            [sys.executable, "-c", GRAB, str(shot)],
            env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        assert int(grab.stdout.split()[-1]) > 20, "the screen is blank"
        assert app.poll() is None, f"the frozen app exited: {app.communicate()[0]}"
        assert not frozen.faults(), [p.read_text() for p in frozen.faults()]
    finally:
        app.terminate()
        output = app.communicate(timeout=30)[0]
    print(f"\nfrozen app to sign-in: {time.monotonic() - begun:.1f} s", file=sys.stderr)
    assert "Traceback" not in output, output
