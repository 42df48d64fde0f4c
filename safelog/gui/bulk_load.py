"""Python's cyclic garbage collector paused while a worker builds a large result (issue 17).

Loading 10,000 cases makes some 60,000 container objects in the worker. Each allocation
counts towards the collector's next pass, and one such pass may be a full one over every
object of the process (Qt's, SQLAlchemy's: ~100 ms on an office PC), holding the GIL the
whole time, so the window stalls although the work is off the GUI thread. Nothing the load
makes is cyclic garbage worth collecting at once (reference counting frees the rest), so
the collector is paused while it runs and resumed after, as it was. Pauses nest and may
overlap on several workers: the collector resumes when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False  # whether the collector was on when the first pause began


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
