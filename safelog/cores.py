"""How many cores this process may run on: threads that only add switching on one core
(an old office PC, or a process pinned to one) are used where there is a second."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on (its affinity, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
