"""Boards without hardware, for tests (yours and ours).

* :class:`FakeDut` (from :mod:`tinyvid.harness.fake_dut`) is a Python model of a
  tinyvid board that can misbehave on cue (reset, go silent, print garbage,
  answer out of step, die).
* :class:`FakeTransport` is a transport whose far end is a script of expected
  writes and canned replies, or a board model (a :class:`FakeDut` or any callable
  ``bytes -> bytes``). It never waits: when there is nothing to read it times out
  at once, so tests are fast and deterministic.
* :class:`FakeDutServer` serves a :class:`FakeDut` on a local TCP port, for
  ``socket://`` tests of the real serial code path.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence

from tinyvid.errors import TransportClosed, TransportTimeout
from tinyvid.harness.fake_dut import BOOT_LINES, FakeDut, toy_model
from tinyvid.harness.transport import Transport

__all__ = ["BOOT_LINES", "FakeDut", "FakeDutServer", "FakeScriptError", "FakeTransport", "main", "toy_model"]


class FakeScriptError(AssertionError):
    """The code under test wrote something the script did not expect."""


class FakeTransport(Transport):
    """A transport whose far end is a script or a board model; it never waits.

    ``script`` is a list of ``(expected write, reply)`` pairs: each write must
    continue the expected bytes (a mismatch raises :class:`FakeScriptError`) and,
    once an expected write is complete, its reply (bytes, or None for silence)
    becomes readable. ``board`` is a callable ``bytes -> bytes`` (such as a
    :class:`FakeDut`) called with every write. ``boot`` bytes are readable right
    after opening. A read with nothing to read raises TransportTimeout at once.
    """

    description = "fake board"

    def __init__(self, board: Callable[[bytes], bytes] | None = None, *,
                 script: Sequence[tuple[bytes, bytes | None]] | None = None, boot: bytes = b""):
        super().__init__()
        if (board is None) == (script is None):
            raise ValueError("give FakeTransport either a board model or a script")
        self.board = board
        self.script = list(script or [])
        self.boot = boot
        self.written = bytearray()
        self.read_timeouts: list[float] = []
        self.closed = False
        self._rx = bytearray()
        self._unmatched = bytearray()

    def _open(self) -> None:
        self.closed = False
        self._rx += self.boot

    def _close(self) -> None:
        self.closed = True

    @property
    def _dead(self) -> bool:
        return bool(getattr(self.board, "dead", False))

    def _read_some(self, n: int, timeout: float) -> bytes:
        self.read_timeouts.append(timeout)
        if self._rx:
            chunk = bytes(self._rx[:n])
            del self._rx[:n]
            return chunk
        if self._dead:
            raise TransportClosed("the fake board's link closed")
        raise TransportTimeout(f"fake board sent nothing for {timeout:g} s")

    def _write(self, data: bytes) -> None:
        if self._dead:
            raise TransportClosed("the fake board's link closed")
        self.written += data
        if self.board is not None:
            self._rx += self.board(data)
            return
        self._unmatched += data
        while self.script:
            expected, reply = self.script[0]
            if bytes(self._unmatched[:len(expected)]) != expected[:len(self._unmatched)]:
                raise FakeScriptError(f"the fake board expected {expected!r}, got {bytes(self._unmatched)!r}")
            if len(self._unmatched) < len(expected):
                return
            del self._unmatched[:len(expected)]
            self.script.pop(0)
            if reply:
                self._rx += reply
        if self._unmatched:
            raise FakeScriptError(f"the fake board's script is over, but got {bytes(self._unmatched)!r}")

    def push(self, data: bytes) -> None:
        """Make ``data`` readable, as if the board printed it unasked."""
        self._rx += data


class FakeDutServer:
    """Serve a :class:`FakeDut` on ``socket://127.0.0.1:<port>`` from a thread.

    The board keeps its state across reconnects, as an emulated board's serial
    server does. Use as a context manager; ``url`` is what to open.
    """

    def __init__(self, dut: FakeDut, host: str = "127.0.0.1", port: int = 0):
        self.dut = dut
        self._server = socket.create_server((host, port))
        self._server.settimeout(0.1)
        self.url = f"socket://{host}:{self._server.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-dut", daemon=True)
        self.connections = 0

    def __enter__(self) -> "FakeDutServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(0.1)
                while not self._stop.is_set() and not self.dut.dead:
                    try:
                        data = conn.recv(65536)
                    except socket.timeout:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    reply = self.dut.feed(data)
                    if reply:
                        conn.sendall(reply)
            if self.dut.dead:
                return


def serve_stdio(dut: FakeDut) -> int:
    """Be a board on stdin/stdout (what the host-board firmware does)."""
    import os
    import sys

    out = sys.stdout.buffer
    while not dut.dead:
        data = os.read(0, 65536)
        if not data:
            return 0
        reply = dut.feed(data)
        if reply:
            out.write(reply)
            out.flush()
    return 3


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tinyvid.harness.fake [--tcp PORT] [--plain] [--die-after N]``:
    a fake board on stdin/stdout or on a TCP port, for trying the harness."""
    import argparse
    import sys
    import time

    parser = argparse.ArgumentParser(prog="python -m tinyvid.harness.fake", description=main.__doc__)
    parser.add_argument("--tcp", type=int, help="serve on socket://127.0.0.1:PORT instead of stdin/stdout")
    parser.add_argument("--plain", action="store_true", help="a plain EEMBC board without tv- extensions")
    parser.add_argument("--die-after", type=int, help="exit when the Nth command (from 0) arrives")
    args = parser.parse_args(argv)
    faults = {args.die_after: "die"} if args.die_after is not None else {}
    dut = FakeDut(extensions=not args.plain, faults=faults)
    if args.tcp is None:
        return serve_stdio(dut)
    with FakeDutServer(dut, port=args.tcp) as server:
        print(server.url, file=sys.stderr, flush=True)
        while not dut.dead:
            time.sleep(0.2)
    return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
