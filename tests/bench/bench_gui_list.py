"""GUI list responsiveness (DESIGN §1 and §7, issue 3): load every case a DSL can read into the
real CaseListView while a 10 ms QTimer ticks on the GUI thread, and measure the longest gap
between ticks (a gap is a stall: the window could not repaint or take a key press); then time
each keystroke of search as you type over the loaded list, filtering and repainting included.

Run through tests/bench/run.py (`--only gui-list`), which builds the vault and reports:

    python -m tests.bench.run --only gui-list            # 10,000 cases
    python -m tests.bench.run --only gui-list --quick    # 2,000 cases

Budgets (issue 17): no GUI-thread stall over 50 ms while the cases load (the worst of the
loads: a stall is not noise); under 16 ms (one frame) per keystroke (best of N per
keystroke, worst keystroke), each timed until the list has laid out and repainted
(`_Settler`). The idle gap (the same timer with nothing loading) is reported as the baseline.

What stalls: not the list code (the decrypting and preparing run in the worker; the GUI thread
only swaps the model in), but the GIL. Python's full garbage collection, which a load of
10,000 cases used to set off, holds it for ~80-150 ms with SQLAlchemy and cryptography
imported (about 1 µs per tracked object); a load now leaves the collector almost nothing new
to track (gui/case_list_model.py). And a worker busy in Python kept it from the GUI thread
for up to 230 ms at Python's default switch interval (gui/worker.py). The loads are measured
twice: as the process is, and after `gc.collect()` and `gc.freeze()` (what the app does at
sign-in, so that the long-lived objects are not traversed again), reported for information.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

STALL_BUDGET_MS = 50.0
KEYSTROKE_BUDGET_MS = 16.0  # one frame at 60 Hz
TICK_MS = 10
QUERIES = ("snapchat", "sl-2026-00", "year 9 pupil", "threat")


@dataclass
class GuiListNumbers:
    rows: int
    load_runs_s: list[float] = field(default_factory=list)
    stall_runs_ms: list[float] = field(default_factory=list)  # the longest gap, per load
    frozen_stall_runs_ms: list[float] = field(default_factory=list)  # after gc.freeze()
    full_collections_ms: list[float] = field(default_factory=list)  # gen-2 GC pauses seen
    idle_gap_ms: float = 0.0
    ticks_per_load: list[int] = field(default_factory=list)
    keystroke_ms: dict[str, float] = field(default_factory=dict)  # best of N, per keystroke

    @property
    def stall_ms(self) -> float:
        """The worst load: a stall that happens on some loads is a stall."""
        return max(self.stall_runs_ms)

    @property
    def frozen_stall_ms(self) -> float:
        return max(self.frozen_stall_runs_ms) if self.frozen_stall_runs_ms else 0.0

    @property
    def worst_keystroke_ms(self) -> float:
        return max(self.keystroke_ms.values())

    @property
    def median_keystroke_ms(self) -> float:
        return statistics.median(self.keystroke_ms.values())


class _Ticker:
    """Records the gaps between the ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self.last = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now

    def start(self) -> None:
        self.gaps = []
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> float:
        """The longest gap, including the one still open, in ms."""
        self.timer.stop()
        self.gaps.append(time.perf_counter() - self.last)
        return 1000 * max(self.gaps)


def _run_loop_for(app: Any, ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_for(signal: Any, timeout_ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


class _Settler:
    """Delivers every event a keystroke sets off, the list's repaint included.

    One `processEvents()` is not enough: after a model change Qt's item views lay out on a
    zero timer and ask for a repaint from there, so the table paints one pass or two later.
    With a single pass the repaint of a keystroke fell into the time of the next one (and
    that of the last letter of each query, and of clearing the box, into no keystroke's or
    the wrong one's). Passes run until two in a row deliver nothing, counted by an
    application-wide event filter (a Python call per event: some 0.1 ms a keystroke)."""

    def __init__(self, app: Any) -> None:
        from PySide6.QtCore import QObject

        class Counter(QObject):
            delivered = 0

            def eventFilter(self, _watched: Any, _event: Any) -> bool:
                self.delivered += 1
                return False

        self.app = app
        self.counter = Counter()
        app.installEventFilter(self.counter)

    def settle(self) -> None:
        quiet = 0
        for _ in range(100):
            self.counter.delivered = 0
            self.app.processEvents()
            quiet = quiet + 1 if self.counter.delivered == 0 else 0
            if quiet == 2:
                return

    def close(self) -> None:
        self.app.removeEventFilter(self.counter)


def _keystrokes(queries: tuple[str, ...]) -> list[str]:
    return [q[:n] for q in queries for n in range(1, len(q) + 1)]


def _load(app: Any, view: Any, ticker: _Ticker, numbers: GuiListNumbers) -> float:
    """One load from an empty list; returns the longest gap between ticks."""
    view.clear()  # as after a lock: the next load starts from an empty list
    app.processEvents()
    ticker.start()
    started = time.perf_counter()
    view.refresh()
    _wait_for(view.loaded, 120_000)
    numbers.load_runs_s.append(time.perf_counter() - started)
    _run_loop_for(app, 100)  # the repaint after the reset counts too
    numbers.ticks_per_load.append(len(ticker.gaps) + 1)
    numbers.rows = view.model.rowCount()
    return ticker.stop()


def measure_list(vault: Any, name: str, passphrase: str, runs: int = 3) -> GuiListNumbers:
    """Load the list `runs` times in one CaseListView (and `runs` more with the heap frozen),
    then time search keystrokes."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from safelog.gui.case_list import CaseListView
    from safelog.gui.context import AppContext, SessionEvents
    from safelog.gui.worker import Runner

    app = QApplication.instance() or QApplication([])
    session = vault.unlock(name, passphrase)
    runner = Runner()
    context = AppContext(vault=vault, runner=runner, events=SessionEvents(), session=session)
    view = CaseListView(context)
    view.resize(1200, 800)
    view.show()
    _wait_for(view.loaded, 120_000)  # the first show loads: warms imports and caches
    numbers = GuiListNumbers(rows=view.model.rowCount())
    ticker = _Ticker()
    try:
        ticker.start()
        _run_loop_for(app, 500)
        numbers.idle_gap_ms = ticker.stop()

        pauses: dict[str, float] = {}

        def watch_gc(phase: str, info: dict[str, int]) -> None:
            if info.get("generation") != 2:
                return
            if phase == "start":
                pauses["start"] = time.perf_counter()
            elif "start" in pauses:
                numbers.full_collections_ms.append(1000 * (time.perf_counter() - pauses["start"]))

        gc.callbacks.append(watch_gc)
        try:
            for _ in range(runs):
                numbers.stall_runs_ms.append(_load(app, view, ticker, numbers))
            gc.collect()
            gc.freeze()
            for _ in range(runs):
                numbers.frozen_stall_runs_ms.append(_load(app, view, ticker, numbers))
        finally:
            gc.callbacks.remove(watch_gc)
            gc.unfreeze()

        strokes = _keystrokes(QUERIES)
        best: dict[str, float] = {}
        settler = _Settler(app)
        try:
            for _ in range(runs):
                view.search.clear()
                settler.settle()
                for text in strokes:
                    if text[:-1] == "":
                        view.search.clear()
                        settler.settle()
                    started = time.perf_counter()
                    view.search.setText(text)  # what a key press does: textChanged -> filter
                    settler.settle()  # and the view lays out and repaints
                    took = 1000 * (time.perf_counter() - started)
                    best[text] = min(took, best.get(text, took))
        finally:
            settler.close()
        numbers.keystroke_ms = best
    finally:
        runner.wait()
        view.close()
        view.deleteLater()
        app.processEvents()
        session.lock()
    return numbers
