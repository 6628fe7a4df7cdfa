"""Record a serial session to a file, and play it back in tests.

:class:`RecordingTransport` wraps any transport and appends every exchange to a
text file, one event a line::

    # tinyvid serial session 1
    0.000000 > 6e616d6525                        |name%|
    0.012345 < 6d2d6e616d652d6475742d5b...       |m-name-dut-[...]..|
    5.012345 ! timeout
    7.100000 ! closed

(seconds since the session opened, direction ``>`` host to board / ``<`` board to
host / ``!`` an event, the bytes in hex, and a printable dump). It is readable for
debugging and exact enough for :class:`ReplayTransport` to stand in for the board:
writes must match what was recorded, reads return what the board sent, and a
recorded timeout or close happens again at the same point.
"""

from __future__ import annotations

import time
from pathlib import Path

from tinyvid.errors import TransportClosed, TransportError, TransportTimeout
from tinyvid.harness.transport import Clock, Transport

HEADER = "# tinyvid serial session"


def _printable(data: bytes) -> str:
    return "".join(chr(b) if 32 <= b < 127 and b != 0x7C else "." for b in data)


class RecordingTransport(Transport):
    """Pass everything through to ``inner`` and log it to ``path``."""

    def __init__(self, inner: Transport, path: str | Path, *, clock: Clock = time.monotonic):
        super().__init__(clock=clock)
        self.inner = inner
        self.path = Path(path)
        self.description = inner.description
        self._file = None
        self._t0 = 0.0

    def _log(self, direction: str, data: bytes = b"", event: str = "") -> None:
        stamp = f"{self._clock() - self._t0:.6f}"
        if direction == "!":
            line = f"{stamp} ! {event}"
        else:
            line = f"{stamp} {direction} {data.hex():<40} |{_printable(data)}|"
        self._file.write(line + "\n")
        self._file.flush()

    def _open(self) -> None:
        self.inner.open()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="ascii")
        self._t0 = self._clock()
        self._file.write(f"{HEADER} opened on {self.inner.description} at "
                         f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")

    def _close(self) -> None:
        try:
            self.inner.close()
        finally:
            if self._file is not None:
                self._log("!", event="close")
                self._file.close()
                self._file = None

    def _read_some(self, n: int, timeout: float) -> bytes:
        try:
            data = self.inner.read(n, timeout)
        except TransportTimeout:
            self._log("!", event="timeout")
            raise
        except TransportClosed:
            self._log("!", event="closed")
            raise
        self._log("<", data)
        return data

    def _write(self, data: bytes) -> None:
        self._log(">", data)
        try:
            self.inner.write(data)
        except TransportClosed:
            self._log("!", event="closed")
            raise


class ReplayMismatch(AssertionError):
    """The code under test wrote something other than what the session recorded."""


def load_session(path: str | Path) -> list[tuple[str, bytes | str]]:
    """Read a recorded session: a list of ``(direction, bytes)`` and ``("!", event)``."""
    events: list[tuple[str, bytes | str]] = []
    for number, line in enumerate(Path(path).read_text(encoding="ascii").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(None, 3)
        if len(parts) < 3 or parts[1] not in "<>!":
            raise TransportError(f"{path}:{number}: not a session line: {line[:60]!r}")
        direction = parts[1]
        if direction == "!":
            events.append(("!", parts[2]))
        else:
            hexdata = parts[2] if not parts[2].startswith("|") else ""
            events.append((direction, bytes.fromhex(hexdata)))
    return events


class ReplayTransport(Transport):
    """Play a recorded session back: the recorded board answers again.

    Consecutive recorded chunks in the same direction are merged, so the code
    under test may read and write in different chunk sizes than the recording.
    A file holding several sessions is played up to the end of the first.
    """

    def __init__(self, path: str | Path):
        super().__init__()
        self.path = Path(path)
        self.description = f"replay of {self.path.name}"
        self._events: list[list] = []

    def _open(self) -> None:
        self._events = []
        for direction, data in load_session(self.path):
            if direction == "!" and data == "close":
                break
            if self._events and direction != "!" and self._events[-1][0] == direction:
                self._events[-1][1] += data
            else:
                self._events.append([direction, bytearray(data) if direction != "!" else data])

    def _close(self) -> None:
        pass

    @property
    def finished(self) -> bool:
        """True when every recorded exchange has been replayed."""
        return not self._events

    def _read_some(self, n: int, timeout: float) -> bytes:
        if not self._events:
            raise TransportTimeout(f"the {self.description} has nothing more to send")
        direction, data = self._events[0]
        if direction == "!":
            self._events.pop(0)
            if data == "closed":
                self._events.clear()
                raise TransportClosed(f"the link closed here in the {self.description}")
            raise TransportTimeout(f"the board was silent here in the {self.description}")
        if direction == ">":
            raise TransportTimeout(f"the {self.description} waits for the host to write "
                                   f"{bytes(data[:40])!r}")
        chunk = bytes(data[:n])
        del data[:n]
        if not data:
            self._events.pop(0)
        return chunk

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view.nbytes:
            while self._events and self._events[0][0] == "!" and self._events[0][1] == "timeout":
                self._events.pop(0)  # a timeout the host saw before this write
            if not self._events or self._events[0][0] != ">":
                raise ReplayMismatch(f"wrote {bytes(view[:40])!r} where the {self.description} "
                                     f"has the board sending next")
            expected = self._events[0][1]
            take = min(len(expected), view.nbytes)
            if bytes(view[:take]) != bytes(expected[:take]):
                raise ReplayMismatch(f"wrote {bytes(view[:40])!r}, the {self.description} "
                                     f"has {bytes(expected[:40])!r}")
            del expected[:take]
            view = view[take:]
            if not expected:
                self._events.pop(0)
