"""Running a suite's cases several at once (``regress --jobs N``).

Each case runs in a thread of its own (its emulated board, or its labgrid place,
is started and stopped by that thread, see :func:`tinyvid.processes.start_process`).
The cases start in the suite's order; a case waits while another case of the run
holds the same board (a named labgrid place), so that each board serves one case
at a time, and a waiting case does not keep a free job from the cases behind it.
The outcomes come back in the suite's order, as a serial run gives them.

A signal (Ctrl-C, SIGTERM, SIGHUP) reaches the main thread, which stops the
running cases (their boards stop and their places are released by their own
``with`` blocks), reports them as interrupted, and lists the others as not run.
"""

from __future__ import annotations

import ctypes
import queue
import threading
import time
from collections.abc import Callable, Sequence

from tinyvid.processes import interrupt_name

#: Seconds the running cases get to stop after a signal, each.
STOP_GRACE_S = 30.0
_POLL_S = 0.2


class CaseStopped(KeyboardInterrupt):
    """Raised inside a running case's thread when the run is stopped by a signal."""


def board_key(case) -> str | None:
    """What a case holds for its whole run, shared with other cases: a named labgrid
    place. Local emulated boards are launched per case and tag-selected places are
    handed out by the coordinator, so neither needs ordering here."""
    place = getattr(case, "place", None)
    return f"place:{place}" if place and "=" not in place else None


def _raise_in(thread: threading.Thread, exc_type: type[BaseException]) -> None:
    """Raise ``exc_type`` in ``thread`` at its next Python instruction (a read of a
    board wakes up every 50 ms, so a case stops within a fraction of a second)."""
    if thread.ident is not None and thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exc_type))


def run_parallel(cases: Sequence, measure: Callable, *, jobs: int, progress: Callable | None = None,
                 key: Callable = board_key):
    """Run ``measure(case)`` for every case, at most ``jobs`` at once; returns
    ``(outcomes in the suite's order, the stopping signal or None, cases not run)``.
    ``measure`` returns a :class:`~tinyvid.harness.regress.CaseOutcome` and reports a
    board's failure inside it; anything else it raises ends the run (after the
    running cases are stopped) and is raised here."""
    from tinyvid.harness.regress import CaseOutcome

    results: dict[int, object] = {}
    pending = list(range(len(cases)))
    running: dict[int, tuple[threading.Thread, float]] = {}
    busy: set[str] = set()
    done: queue.Queue = queue.Queue()
    failure: BaseException | None = None
    stopped_by: str | None = None

    def work(index: int) -> None:
        try:
            done.put((index, measure(cases[index]), None))
        except BaseException as exc:  # reported to the main thread, which decides
            done.put((index, None, exc))

    def start_ready() -> None:
        while len(running) < jobs:
            ready = next((i for i in pending if key(cases[i]) is None or key(cases[i]) not in busy), None)
            if ready is None:
                return
            pending.remove(ready)
            if key(cases[ready]) is not None:
                busy.add(key(cases[ready]))
            if progress:
                progress(cases[ready])
            thread = threading.Thread(target=work, args=(ready,), name=f"tinyvid-case-{ready}", daemon=True)
            running[ready] = (thread, time.monotonic())
            thread.start()

    def finish(index: int, outcome, exc: BaseException | None) -> None:
        nonlocal failure, stopped_by
        thread, started = running.pop(index)
        if key(cases[index]) is not None:
            busy.discard(key(cases[index]))
        if exc is None:
            results[index] = outcome
        elif isinstance(exc, KeyboardInterrupt):  # the case was stopped, or stops the run as a serial run stops
            if stopped_by is None and not isinstance(exc, CaseStopped):
                stopped_by = interrupt_name(exc)
            results[index] = CaseOutcome(cases[index], error=f"interrupted by {stopped_by or interrupt_name(exc)}",
                                         seconds=time.monotonic() - started)
        elif failure is None:
            failure = exc

    try:
        start_ready()
        while running:
            try:
                index, outcome, exc = done.get(timeout=_POLL_S)
            except queue.Empty:
                continue
            finish(index, outcome, exc)
            if failure is not None or stopped_by is not None:
                break
            start_ready()
    except KeyboardInterrupt as exc:
        stopped_by = interrupt_name(exc)
    if stopped_by is not None or failure is not None:
        _stop_running(running, done, finish)
    if failure is not None:
        raise failure
    ordered = [results[i] for i in sorted(results)]
    not_run = [cases[i] for i in sorted(pending)] if stopped_by else []
    return ordered, stopped_by, not_run


def _stop_running(running: dict, done: queue.Queue, finish: Callable) -> None:
    """Stop every running case and wait for its thread to report (its ``with``
    blocks stop its board and release its place on the way out)."""
    for thread, _ in list(running.values()):
        _raise_in(thread, CaseStopped)
    deadline = time.monotonic() + STOP_GRACE_S
    while running and time.monotonic() < deadline:
        try:
            index, outcome, exc = done.get(timeout=_POLL_S)
        except queue.Empty:
            continue  # raised once only: a second one could cut short the case's own clean-up
        except KeyboardInterrupt:
            continue  # a second Ctrl-C: the cases are already stopping
        if index in running:
            finish(index, outcome, exc)
    for index in list(running):  # did not report in time: an interrupted case all the same
        finish(index, None, CaseStopped())
