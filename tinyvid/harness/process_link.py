"""A board that is a local process: the host-board firmware talks over stdin/stdout.

``ProcessTransport(["build/firmware"])`` starts the binary on open and stops it on
close. The process ending is :class:`~tinyvid.errors.TransportClosed`, with its exit
status and the tail of what it wrote to stderr in the message.
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Sequence

from tinyvid.errors import TransportClosed, TransportError, TransportTimeout
from tinyvid.harness.transport import Clock, Transport
from tinyvid.processes import start_process, stop_process

PIPE_CHUNK = 4096  # at most PIPE_BUF-sized writes, so a ready pipe takes them whole


class ProcessTransport(Transport):
    """Spawn ``argv`` and use its stdin/stdout as the serial link."""

    def __init__(self, argv: Sequence[str], *, cwd: str | None = None, write_timeout: float = 30.0,
                 clock: Clock = time.monotonic):
        super().__init__(clock=clock)
        self.write_timeout = write_timeout
        self.argv = [str(a) for a in argv]
        self.cwd = cwd
        self.description = f"process {os.path.basename(self.argv[0])}"
        self._proc: subprocess.Popen | None = None

    @property
    def process(self) -> subprocess.Popen | None:
        return self._proc

    def _open(self) -> None:
        try:
            self._proc = start_process(self.argv, cwd=self.cwd, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        except OSError as exc:
            raise TransportError(f"cannot start {self.argv[0]}: {exc}",
                                 hint="build the host-board project first (tinyvid build DIR)") from exc

    def _close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        stop_process(proc, timeout=2.0)

    def _ended(self) -> TransportClosed:
        proc = self._proc
        status = None
        if proc is not None:
            try:
                status = proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                status = "unknown (still running, its output closed)"
        tail = ""
        if proc is not None and proc.stderr is not None:
            try:
                ready, _, _ = select.select([proc.stderr], [], [], 0)
                if ready:
                    tail = proc.stderr.read(2000).decode("ascii", "replace").strip()
            except (OSError, ValueError):
                pass
        message = f"{self.description} exited with status {status}"
        if tail:
            message += f"; its stderr ends: {tail[-300:]}"
        return TransportClosed(message)

    def _read_some(self, n: int, timeout: float) -> bytes:
        stdout = self._proc.stdout
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            raise TransportTimeout(f"{self.description} wrote nothing for {timeout:g} s")
        data = os.read(stdout.fileno(), n)
        if not data:
            raise self._ended()
        return data

    def _write(self, data: bytes) -> None:
        # A process that stops reading fills the pipe: wait for room, with a deadline.
        fd = self._proc.stdin.fileno()
        deadline = self._clock() + self.write_timeout
        view = memoryview(data)
        try:
            while view.nbytes:
                _, ready, _ = select.select([], [fd], [], max(0.0, deadline - self._clock()))
                if not ready:
                    raise TransportTimeout(f"{self.description} took no input for {self.write_timeout:g} s "
                                           f"({len(data) - view.nbytes} of {len(data)} bytes written)")
                written = os.write(fd, view[:PIPE_CHUNK])
                view = view[written:]
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise self._ended() from exc
