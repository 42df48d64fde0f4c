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
from pathlib import Path

import pytest

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
