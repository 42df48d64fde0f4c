"""Run the `safelog` command for a test: in this process through `safelog.cli.main(argv)`
(fast: no interpreter start and imports per command), or as a real `python -m safelog`
subprocess for the few smoke tests that check the installed entry point end to end.

Both give a `subprocess.CompletedProcess[str]` (exit status, standard output, standard
error), so a test's assertions do not depend on which way the command ran.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from support.school import PASSPHRASES

# Marks a test that runs `safelog` as a real subprocess, so `-m subprocess_smoke` picks them.
subprocess_smoke = pytest.mark.subprocess_smoke


class _Output(io.StringIO):
    """Captured standard output or error; `main` closes stderr on a broken pipe, and the
    text must still be readable afterwards."""

    def close(self) -> None:
        pass


@contextlib.contextmanager
def _as_a_process(env: Mapping[str, str], cwd: Path) -> Iterator[None]:
    """The environment and working directory a subprocess would have had, put back after."""
    saved_env = dict(os.environ)
    saved_cwd = Path.cwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def run_in_process(
    args: Sequence[str], *, stdin: str, env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """`safelog ARGS` through `safelog.cli.main`, with `stdin` piped in (not a terminal, so
    passphrases are read one per line, as from a script) and its output captured."""
    from safelog import cli

    out, err = _Output(), _Output()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        with _as_a_process(env, cwd):
            try:
                status = cli.main(list(args))
            except SystemExit as exc:  # argparse: --help, or a usage mistake
                if isinstance(exc.code, str):
                    print(exc.code, file=err)
                    status = 1
                else:
                    status = exc.code or 0
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    command = [sys.executable, "-m", "safelog", *args]
    return subprocess.CompletedProcess(command, status, out.getvalue(), err.getvalue())


def run_subprocess(
    args: Sequence[str], *, stdin: str, env: Mapping[str, str], cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m safelog ARGS` as a real child process."""
    return subprocess.run(
        [sys.executable, "-m", "safelog", *args],
        input=stdin,
        text=True,
        capture_output=True,
        env=dict(env),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def private_env(root: Path) -> dict[str, str]:
    """This process's environment without SAFELOG_* settings, with a private HOME (and XDG
    folders) under `root` and the fast test KDF."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFELOG_")}
    home = root / "home"
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        SAFELOG_INSECURE_TEST_KDF="1",
    )
    return env


@dataclass
class CliSchool:
    """`safelog` run in this process on a vault in `data_dir`, with a private HOME under
    `root`; `passphrases` answers each person's prompt."""

    root: Path
    data_dir: Path

    passphrases: ClassVar[Mapping[str, str]] = PASSPHRASES

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_in_process(
            ["--data-dir", str(self.data_dir), *args],
            stdin=stdin,
            env=private_env(self.root),
            cwd=self.root,
        )

    def as_user(self, name: str, *args: str, more: str = "") -> subprocess.CompletedProcess[str]:
        return self.run(*args, "--as", name, stdin=self.passphrases[name] + "\n" + more)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The command's standard output, once it is known to have succeeded cleanly."""
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout
