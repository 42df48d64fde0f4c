"""What keeps the window responsive while a worker loads (issue 17): the collector pause
around bulk loads (gui/bulk_load.py), whose nested and overlapping pauses resume the collector
once and only if it was on, and the GIL switch interval a Runner sets (gui/worker.py)."""

from __future__ import annotations

import gc
import threading

from safelog.gui.bulk_load import collector_paused


def test_the_collector_is_off_during_a_load_and_back_on_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the outer load is still running"
    assert gc.isenabled()


def test_a_failing_load_still_resumes_it() -> None:
    try:
        with collector_paused():
            raise RuntimeError("the load failed")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_overlapping_loads_on_two_workers() -> None:
    first_in, second_done = threading.Event(), threading.Event()
    seen = []

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_done.wait(5)
            seen.append(gc.isenabled())

    worker = threading.Thread(target=first)
    worker.start()
    first_in.wait(5)
    with collector_paused():
        pass
    seen.append(gc.isenabled())  # the first load still runs: still paused
    second_done.set()
    worker.join(5)
    assert seen == [False, False]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_runner_hands_the_gil_to_the_gui_thread_within_a_millisecond(qapp: object) -> None:
    """A worker busy in Python keeps the GIL for the switch interval each time the GUI
    thread asks for it; at Python's default of 5 ms a load of 10,000 cases stalled the window
    for up to 230 ms (issue 17). A Runner shortens it, and never lengthens a shorter one."""
    import sys

    from safelog.gui.worker import GUI_SWITCH_INTERVAL_S, Runner

    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        Runner()
        assert sys.getswitchinterval() <= GUI_SWITCH_INTERVAL_S <= 0.001
        sys.setswitchinterval(0.0005)
        Runner()
        assert sys.getswitchinterval() == 0.0005
    finally:
        sys.setswitchinterval(before)
