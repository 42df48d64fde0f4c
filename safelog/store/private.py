"""Owner-only folders and files on every system: permission bits on Linux and macOS, an ACL
naming the current user on Windows (windows_acl.py). The one place that decides which."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from safelog.store.windows_acl import WindowsAcl

# Module-level so tests can take the Windows path on Linux with a fake runner.
ON_WINDOWS = os.name == "nt"
_acl: WindowsAcl | None = None
# Folders already confirmed private by this process: each check on Windows runs a program,
# and drafts and checkpoints are written often.
_confirmed: set[Path] = set()


def windows_acl() -> WindowsAcl:
    global _acl
    if _acl is None:
        _acl = WindowsAcl()
    return _acl


def use_acl(acl: WindowsAcl | None) -> None:
    """Replace the ACL tool (tests), or drop it so the next use makes a fresh one."""
    global _acl
    _acl = acl
    _confirmed.clear()


def private_folder(path: Path) -> None:
    """Make `path` (and missing parents) and leave it readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if ON_WINDOWS:
        if path not in _confirmed:
            _ensure_acl(path, folder=True)
            _confirmed.add(path)
    else:
        os.chmod(path, stat.S_IRWXU)


def private_file(path: Path) -> None:
    """Leave an existing file readable and writable by its owner only."""
    if ON_WINDOWS:
        _ensure_acl(path, folder=False)
    else:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def problems(path: Path) -> list[str]:
    """Who else may open `path`, in words; empty when it is owner-only."""
    if ON_WINDOWS:
        return windows_acl().problems(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [f"{path} may be opened by other accounts on this computer ({oct(mode)})"]
    return []


def _ensure_acl(path: Path, *, folder: bool) -> None:
    # Reading the ACL is one command; setting it is several, so set only what is wrong.
    acl = windows_acl()
    if acl.problems(path):
        acl.make_owner_only(path, folder=folder)
