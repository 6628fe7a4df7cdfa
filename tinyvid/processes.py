"""The one owner of board processes (emulators, host-board binaries): starting one
that cannot outlive tinyvid, stopping one without hanging, and turning the signals
that end tinyvid into an orderly stop.

However tinyvid ends, what it started ends with it:

- a board process runs in its own session (so a Ctrl-C or a closed terminal
  reaches tinyvid, which stops it in order, rather than killing it half-way
  through a reply) and, on Linux, with a parent-death signal: the kernel sends it
  SIGKILL when the tinyvid thread that started it dies, even of a SIGKILL;
- SIGTERM (``timeout``, a cancelled CI job) and SIGHUP (a closed terminal) are
  turned into :class:`~tinyvid.errors.Interrupted`, like Ctrl-C, so that every
  ``with`` block stops its board and every partial result is reported.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence

from tinyvid.errors import Interrupted

_PR_SET_PDEATHSIG = 1
#: The signals that stop tinyvid in order.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _prctl():
    """libc's prctl, resolved before any fork (the child only calls it)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


def _die_with_parent():
    """A preexec_fn: SIGKILL this child when its parent dies (Linux), and exit at
    once if the parent already died between fork and here."""
    if _PRCTL is None:
        return None
    prctl, parent = _PRCTL, os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def start_process(argv: Sequence[str], **popen_kwargs) -> subprocess.Popen:
    """Start a board process that ends when tinyvid ends, however it ends (see the
    module docstring); ``popen_kwargs`` go to :class:`subprocess.Popen`.

    The parent-death signal follows the starting thread: start a board from the
    thread that stops it (as every ``with launch_board(...)`` does)."""
    return subprocess.Popen([str(a) for a in argv], start_new_session=True, preexec_fn=_die_with_parent(),
                            **popen_kwargs)


def stop_process(process: subprocess.Popen, timeout: float = 3.0) -> None:
    """Terminate ``process`` (kill it if it has not exited within ``timeout`` seconds),
    then close the pipes we hold. Safe to call on a process that already ended.

    The pipes are closed last so that a thread still reading the child's output sees
    end-of-file rather than a file descriptor closed under it.
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _raise_interrupted(signum: int, _frame) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise
    :class:`~tinyvid.errors.Interrupted` in the main thread (a no-op elsewhere);
    the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    try:
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, _raise_interrupted)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupt_name(exc: KeyboardInterrupt) -> str:
    """The signal behind an interrupt: SIGTERM, SIGHUP, or SIGINT (Ctrl-C)."""
    return exc.signal_name if isinstance(exc, Interrupted) else "SIGINT"


__all__ = ["STOP_SIGNALS", "interrupt_name", "start_process", "stop_on_signals", "stop_process"]
