"""Stopping a child process (an emulator, a host-board binary) without hanging."""

from __future__ import annotations

import contextlib
import subprocess


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
