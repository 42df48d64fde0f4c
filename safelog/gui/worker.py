"""One worker pattern: run a callable off the GUI thread and deliver its result or its
exception back on the GUI thread, by signal. Everything that may take over ~50 ms (unlock,
listing, saving, importing, exporting) goes through here, so the window never freezes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

if TYPE_CHECKING:
    from safelog.gui.context import AppContext


class _Relay(QObject):
    """Lives on the GUI thread; queued signals hop the result back to it."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class _Job(QRunnable):
    def __init__(self, fn: Callable[..., Any], relay: _Relay, with_progress: bool) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.with_progress = with_progress
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            if self.with_progress:
                result = self.fn(lambda done, total: self.relay.progressed.emit(done, total))
            else:
                result = self.fn()
        except BaseException as exc:  # delivered to the GUI thread, never lost
            self.relay.failed.emit(exc)
        else:
            self.relay.succeeded.emit(result)


class Task(QObject):
    """A handle on one background job, with signals on the GUI thread."""

    finished = Signal(object)  # the result
    failed = Signal(object)  # the exception
    progress = Signal(int, int)  # done, total
    settled = Signal()  # after finished or failed: stop spinners here

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.relay = _Relay()
        self.relay.succeeded.connect(self._on_success)
        self.relay.failed.connect(self._on_failure)
        self.relay.progressed.connect(self.progress)
        self.running = True

    @Slot(object)
    def _on_success(self, result: object) -> None:
        self.running = False
        self.finished.emit(result)
        self.settled.emit()

    @Slot(object)
    def _on_failure(self, exc: object) -> None:
        self.running = False
        self.failed.emit(exc)
        self.settled.emit()


# How long a thread running Python keeps the GIL while another waits for it. With Python's
# default (5 ms) a worker busy in Python starved the GUI thread, which takes and gives back
# the GIL many times per event: loading 10,000 cases stalled the window 115-230 ms in one
# load out of three (issue 17, measured 2026-12-04; none over 31 ms at 1 ms). Only threads
# waiting for each other pay for it.
GUI_SWITCH_INTERVAL_S = 0.001


class Runner(QObject):
    """Starts background tasks on a thread pool of its own."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        sys.setswitchinterval(min(sys.getswitchinterval(), GUI_SWITCH_INTERVAL_S))
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: set[Task] = set()

    def run(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        with_progress: bool = False,
    ) -> Task:
        """Run fn() (or fn(report) with with_progress, where report(done, total) may be
        called from the worker) and call on_done(result) or on_error(exc) on the GUI thread."""
        task = Task(self)
        if on_done is not None:
            task.finished.connect(on_done)
        if on_error is not None:
            task.failed.connect(on_error)
        self._tasks.add(task)
        task.settled.connect(lambda: self._tasks.discard(task))
        self.pool.start(_Job(fn, task.relay, with_progress))
        return task

    def wait(self, msecs: int = 30000) -> bool:
        """For shutdown and tests: wait for running jobs to finish."""
        return bool(self.pool.waitForDone(msecs))


def run_guarded(
    context: AppContext,
    owner: QObject,
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> Task:
    """Run vault work in the worker. The callbacks run on the GUI thread, and not at all when
    `owner` has been deleted meanwhile, or when the session was locked under the job (its
    failure is then expected and says nothing to the user)."""
    session = context.session

    def done(result: Any) -> None:
        if shiboken6.isValid(owner) and not (session is not None and session.locked):
            on_done(result)

    def failed(exc: BaseException) -> None:
        if not shiboken6.isValid(owner):
            return
        if session is None or session.locked:
            return
        on_error(exc)

    return context.runner.run(fn, done, failed)


class LatestOnly:
    """The "load the latest, coalesce, drop the stale" state a view needs, in one place.

    At most one load runs per view. A refresh asked for while one runs is remembered and
    made once, after it (`defer`), so a burst of changes costs two loads, not twenty.
    A result that arrives after `reset` (lock, clear, another case shown) is dropped, so a
    view never shows what it was told to forget."""

    def __init__(
        self,
        context: AppContext,
        owner: QObject,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        reload: Callable[[], None] | None = None,
    ) -> None:
        self.context = context
        self.owner = owner
        self.on_done = on_done
        self.on_error = on_error
        self.reload = reload
        self.loading = False
        self.generation = 0
        self.again = False

    def defer(self) -> bool:
        """True when a load is running: the caller returns, and `reload` runs after it."""
        if self.loading and self.reload is not None:
            self.again = True
            return True
        return False

    def run(self, fn: Callable[[], Any]) -> None:
        """Start a load; any earlier one still running is superseded."""
        self.loading = True
        self.generation += 1
        generation = self.generation
        run_guarded(
            self.context,
            self.owner,
            fn,
            lambda result: self._done(generation, result),
            lambda exc: self._failed(generation, exc),
        )

    def reset(self) -> None:
        """Forget the running load and any refresh waiting for it."""
        self.generation += 1
        self.loading = False
        self.again = False

    def _done(self, generation: int, result: Any) -> None:
        if generation != self.generation:
            return
        self.loading = False
        self.on_done(result)
        if self.again and self.reload is not None:
            self.again = False
            self.reload()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self.loading = False
        self.again = False
        self.on_error(exc)
