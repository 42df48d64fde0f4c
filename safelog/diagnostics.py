"""A local log of program faults, for support. It records where code failed (exception type,
file, line, function) and never messages or values, which could hold record content."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from pathlib import Path


def log_dir() -> Path:
    import platformdirs

    return platformdirs.user_log_path("SafeLog", appauthor=False)


def describe_fault(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [f"{datetime.now(UTC).isoformat()} {type(exc).__module__}.{type(exc).__name__}"]
    lines += [f"  {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames]
    return "\n".join(lines) + "\n"


def log_exception(exc: BaseException) -> Path:
    path = log_dir() / "faults.log"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(describe_fault(exc))
    path.chmod(0o600)
    return path
