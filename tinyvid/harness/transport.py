"""The transport interface: how the harness moves bytes to and from a board.

A transport knows nothing about the protocol. It opens, closes, reads with a
timeout and writes. Only two errors cross it, whatever the link underneath:
:class:`~tinyvid.errors.TransportClosed` (the link ended: board reset, cable pulled,
process exited) and :class:`~tinyvid.errors.TransportTimeout` (nothing arrived in
time). Every read takes a timeout; there is no way to wait forever.

Subclasses implement :meth:`Transport._open`, :meth:`Transport._close`,
:meth:`Transport._read_some` and :meth:`Transport._write`; line assembly and
buffering live here, once.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Callable

from tinyvid.errors import TransportClosed, TransportTimeout

Clock = Callable[[], float]


class Transport(ABC):
    """A byte link to a board with a timeout on every read."""

    #: A short description of the link for messages ("socket://127.0.0.1:4321").
    description: str = "board"

    def __init__(self, *, clock: Clock = time.monotonic):
        self._clock = clock
        self._pending = bytearray()
        self._is_open = False

    # -- what a link implements -------------------------------------------------
    @abstractmethod
    def _open(self) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...

    @abstractmethod
    def _read_some(self, n: int, timeout: float) -> bytes:
        """Return 1..n bytes, or raise TransportTimeout / TransportClosed."""

    @abstractmethod
    def _write(self, data: bytes) -> None: ...

    # -- the interface --------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._is_open

    def open(self) -> "Transport":
        if not self._is_open:
            self._open()
            self._is_open = True
            self._pending.clear()
        return self

    def close(self) -> None:
        if self._is_open:
            self._is_open = False
            self._close()

    def __enter__(self) -> "Transport":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _require_open(self) -> None:
        if not self._is_open:
            raise TransportClosed(f"the link to {self.description} is not open")

    def write(self, data: bytes) -> None:
        """Send all of ``data``."""
        self._require_open()
        if data:
            self._write(bytes(data))

    def read(self, n: int, timeout: float) -> bytes:
        """Return between 1 and ``n`` bytes; raise TransportTimeout if none arrive
        within ``timeout`` seconds."""
        self._require_open()
        if n <= 0:
            return b""
        if self._pending:
            chunk = bytes(self._pending[:n])
            del self._pending[:n]
            return chunk
        return self._read_some(n, max(0.0, timeout))

    def read_exactly(self, n: int, timeout: float) -> bytes:
        """Return exactly ``n`` bytes arriving within ``timeout`` seconds in all."""
        deadline = self._clock() + timeout
        out = bytearray()
        while len(out) < n:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise TransportTimeout(
                    f"{self.description} sent {len(out)} of {n} bytes in {timeout:g} s"
                )
            out += self.read(n - len(out), remaining)
        return bytes(out)

    def read_line(self, timeout: float) -> bytes:
        """Return one line, without its ``\\r\\n``, arriving within ``timeout`` seconds.

        A partial line that times out stays buffered for the next read, and the
        error says what had arrived so far.
        """
        self._require_open()
        deadline = self._clock() + timeout
        line = bytearray()
        while True:
            newline = self._pending.find(b"\n")
            if newline >= 0:
                line += self._pending[: newline + 1]
                del self._pending[: newline + 1]
                return bytes(line).rstrip(b"\r\n")
            line += self._pending
            self._pending.clear()
            remaining = deadline - self._clock()
            try:
                if remaining <= 0:
                    raise TransportTimeout(f"no line from {self.description} within {timeout:g} s")
                chunk = self._read_some(4096, remaining)
            except TransportTimeout:
                self._pending[:0] = line
                if line:
                    raise TransportTimeout(
                        f"{self.description} sent a partial line {bytes(line)[:80]!r} "
                        f"and then nothing for {timeout:g} s"
                    ) from None
                raise TransportTimeout(f"{self.description} sent nothing for {timeout:g} s") from None
            except TransportClosed:
                self._pending[:0] = line
                raise
            self._pending += chunk

    def drain(self, quiet: float = 0.1, limit: float = 2.0) -> bytes:
        """Read and return whatever arrives until the link has been quiet for
        ``quiet`` seconds (at most ``limit`` seconds in all)."""
        self._require_open()
        out = bytearray(self._pending)
        self._pending.clear()
        deadline = self._clock() + limit
        while self._clock() < deadline:
            try:
                out += self._read_some(4096, min(quiet, max(0.0, deadline - self._clock())))
            except TransportTimeout:
                break
        return bytes(out)
