"""Owner-only on Windows: an access control list naming the current user alone.

`os.chmod` only toggles the read-only flag there, so the data directory, the database, the
evidence and the profiles are made private with `icacls` (part of Windows since Vista; no
pywin32). Everything that runs a program goes through a `Runner`, so the commands and the
parsing of their output are tested on any system with a fake one.

Files made inside a private folder inherit its one entry (`(OI)(CI)`), so new evidence files
and profiles need no command of their own; `check` accepts inherited entries as long as they
name the current user only.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from safelog.errors import UserFacingError

# Runs a command and gives (exit status, standard output); raises FileNotFoundError when the
# program is not there.
Runner = Callable[[Sequence[str]], tuple[int, str]]

ICACLS_MISSING = (
    "SafeLog cannot make its files private to you on this PC: the Windows program icacls "
    "(normally C:\\Windows\\System32\\icacls.exe) was not found. Ask your IT team to restore "
    "it; nothing was written."
)


class AclError(UserFacingError):
    """Owner-only permissions could not be set or confirmed on Windows."""


def system_program(name: str) -> str:
    """Windows' own copy of `name` (whoami, icacls), named in full. Windows looks for a bare
    name in the program's own folder and the working directory before System32, so a file
    called icacls.exe left in a user's Downloads could otherwise be run in its place."""
    if sys.platform != "win32":
        return name
    root = os.environ.get("SYSTEMROOT")  # any case on Windows or "C:\\Windows"
    return str(Path(root) / "System32" / f"{name}.exe")


def run_command(args: Sequence[str]) -> tuple[int, str]:
    # No shell: a path is one argument whatever it holds. A timeout so a hung tool cannot
    # hang sign-in. The tools write in the console's code page, which need not be the one
    # Python decodes with (UTF-8 in the frozen CLI): an account name with an accent must not
    # crash sign-in, and whoami and icacls print it the same way, so they still match.
    done = subprocess.run(
        [system_program(args[0]), *args[1:]],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout


@dataclass(frozen=True)
class Entry:
    """One line of `icacls PATH`: who, and the flags in brackets, e.g. ("(OI)", "(CI)", "(F)")."""

    principal: str
    flags: tuple[str, ...]

    @property
    def inherited(self) -> bool:
        return "(I)" in self.flags

    @property
    def full_control(self) -> bool:
        return "(F)" in self.flags and "(DENY)" not in self.flags


_ENTRY = re.compile(r"^(?P<who>.+?):(?P<flags>(\([A-Z,]+\))+)$")


def parse_icacls(path: Path, output: str) -> list[Entry]:
    """The entries `icacls PATH` printed. Its first line starts with the path itself; the
    summary line after a blank line is localised, so it is not read."""
    entries: list[Entry] = []
    for number, raw in enumerate(output.splitlines()):
        line = raw.strip()
        if not line:
            if entries:
                break
            continue
        if number == 0 and line.lower().startswith(str(path).lower()):
            line = line[len(str(path)) :].strip()
        match = _ENTRY.match(line)
        if match is None:
            continue
        flags = tuple(re.findall(r"\([A-Z,]+\)", match["flags"]))
        entries.append(Entry(match["who"].strip(), flags))
    return entries


class WindowsAcl:
    def __init__(self, runner: Runner = run_command) -> None:
        self._runner = runner
        self._user: tuple[str, str] | None = None

    def _run(self, args: Sequence[str]) -> tuple[int, str]:
        try:
            return self._runner(args)
        except FileNotFoundError:
            if args[0] == "icacls":
                raise AclError(ICACLS_MISSING) from None
            raise AclError(
                f"SafeLog cannot find out who is signed in to Windows: {args[0]} was not found."
            ) from None
        except subprocess.TimeoutExpired:
            message = f"{args[0]} did not finish; SafeLog's files may not be private."
            raise AclError(message) from None

    def current_user(self) -> tuple[str, str]:
        """(DOMAIN\\name, SID) of the Windows account running SafeLog."""
        if self._user is None:
            status, out = self._run(["whoami", "/user", "/fo", "csv", "/nh"])
            rows = [row for row in csv.reader(out.splitlines()) if len(row) == 2]
            if status != 0 or not rows or not rows[0][1].startswith("S-1-"):
                raise AclError("SafeLog cannot find out who is signed in to Windows (whoami).")
            self._user = (rows[0][0].strip(), rows[0][1].strip())
        return self._user

    def commands(self, path: Path, *, folder: bool) -> list[list[str]]:
        """The icacls command making `path` owner-only: inherited entries dropped, every other
        explicit grant replaced by full control for the current user (by SID, which no
        language's account names can change). A folder's entry passes to what it holds."""
        _name, sid = self.current_user()
        rights = "(OI)(CI)F" if folder else "F"
        return [["icacls", str(path), "/inheritance:r", "/grant:r", f"*{sid}:{rights}"]]

    def entries(self, path: Path) -> list[Entry]:
        status, out = self._run(["icacls", str(path)])
        if status != 0:
            raise AclError(f"SafeLog cannot read who may open {path} (icacls failed).")
        return parse_icacls(path, out)

    def problems(self, path: Path) -> list[str]:
        """What is wrong with `path`'s permissions, in words; empty when it is owner-only."""
        name, sid = self.current_user()
        mine = {name.lower(), sid.lower(), f"*{sid}".lower()}
        entries = self.entries(path)
        found = [
            f"{entry.principal} may open {path}"
            for entry in entries
            if entry.principal.lower() not in mine
        ]
        if not any(e.full_control and e.principal.lower() in mine for e in entries):
            found.append(f"{name} lacks full control of {path}")
        return found

    def make_owner_only(self, path: Path, *, folder: bool) -> None:
        """Set the ACL, remove any other account's explicit entry, then check it took."""
        for command in self.commands(path, folder=folder):
            status, _out = self._run(command)
            if status != 0:
                raise AclError(f"SafeLog could not make {path} private to you (icacls failed).")
        name, sid = self.current_user()
        mine = {name.lower(), sid.lower(), f"*{sid}".lower()}
        for entry in self.entries(path):
            if entry.principal.lower() not in mine and not entry.inherited:
                self._run(["icacls", str(path), "/remove", entry.principal])
        left = self.problems(path)
        if left:
            raise AclError(
                f"SafeLog could not make {path} private to you: " + "; ".join(left) + "."
            )
