"""A TCP serial bridge: one local listening socket in front of a board's byte
stream (QEMU's serial socket, or a host process's stdin/stdout).

Clients come and go (the official benchmark runners connect twice); the board
keeps running and keeps its state. What the board prints before the first client
connects is kept and delivered to it (the boot lines); what it prints while no
client is connected later is dropped, as a real UART with nobody listening would.
One board, one client: while a client holds the board, a second one is sent one
refusal line naming the holder (:func:`refusal_line`) and closed; tinyvid's
client turns that line into :class:`~tinyvid.errors.BoardBusy`
(:func:`parse_refusal`). When the board's stream ends (QEMU or the process
exited) the client's connection is closed.

Every blocking call waits at most a poll interval and then checks whether the
bridge is closing; a slow reader or writer on either side only slows the stream
down, as a UART with flow control would, it never drops the connection.
"""

from __future__ import annotations

import os
import re
import select
import socket
import threading
import time
from typing import Callable

_POLL_S = 0.1
_PENDING_LIMIT = 1 << 20
#: How long a new client waits for the one before it to finish hanging up
#: (a runner that reconnects at once) before it is refused.
HANDOVER_S = 0.5
#: How long a refused client may keep sending before its socket is closed
#: (closing on unread input would reset the connection and lose the refusal).
_REFUSAL_DRAIN_S = 2.0
_REFUSAL = re.compile(r"^tinyvid-bridge: busy: held by (?P<holder>\S+) since (?P<since>.+?); one client at a time$")


def refusal_line(holder: str, since: str) -> bytes:
    """What a second client receives before the bridge hangs up on it."""
    return f"tinyvid-bridge: busy: held by {holder} since {since}; one client at a time\r\n".encode("ascii")


def parse_refusal(line: bytes) -> tuple[str, str] | None:
    """(holder, since) if ``line`` (without its line end) is the bridge's refusal."""
    match = _REFUSAL.match(line.decode("ascii", "replace"))
    return (match["holder"], match["since"]) if match else None


def _peer(sock: socket.socket) -> str:
    try:
        host, port = sock.getpeername()[:2]
        return f"{host}:{port}"
    except OSError:
        return "unknown"


def _hung_up(sock: socket.socket) -> bool:
    """Whether the peer of ``sock`` has closed its end (EOF waiting to be read)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class BridgeClosed(OSError):
    """The bridge is shutting down."""


def send_all(sock: socket.socket, data: bytes, stop: threading.Event) -> None:
    """Sends everything, waiting for the peer as long as it takes, unless ``stop``."""
    view = memoryview(data)
    while view:
        if stop.is_set():
            raise BridgeClosed("the bridge is closing")
        _, writable, _ = select.select([], [sock], [], _POLL_S)
        if writable:
            view = view[sock.send(view) :]


def _recv_ready(sock: socket.socket) -> bytes | None:
    """What the socket has (b"" at its end), or None after a poll interval."""
    readable, _, _ = select.select([sock], [], [], _POLL_S)
    return sock.recv(65536) if readable else None


class SerialBridge:
    def __init__(
        self,
        read_board: Callable[[], bytes | None],
        write_board: Callable[[bytes], None],
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        stopping: threading.Event | None = None,
    ):
        self._read_board = read_board
        self._write_board = write_board
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind((host, port))
        self._server.listen(4)
        self.host = host
        self.port = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._client: socket.socket | None = None
        self._holder = ""  # the client's address and since when, for the refusal
        self._held_since = ""
        self._client_gone = threading.Condition(self._lock)
        self._pending = bytearray()
        self._ever_connected = False
        self.stopping = stopping or threading.Event()  # set by close()
        self.board_ended = threading.Event()
        self._threads = [
            threading.Thread(target=self._accept_loop, name="bridge-accept", daemon=True),
            threading.Thread(target=self._board_loop, name="bridge-board", daemon=True),
        ]

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def start(self) -> "SerialBridge":
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        self.stopping.set()
        with self._lock:
            self._drop_client()
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout=2)
        try:
            self._server.close()
        except OSError:
            pass

    # -- board -> client -------------------------------------------------
    def _board_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                data = self._read_board()
            except (OSError, ValueError):  # ValueError: the pipe was closed
                data = b""
            if data is None:  # nothing within the poll interval
                continue
            if not data:
                break
            with self._lock:
                client = self._client
                if client is None and not self._ever_connected and len(self._pending) < _PENDING_LIMIT:
                    self._pending += data
            if client is not None:
                try:
                    send_all(client, data, self.stopping)
                except OSError:
                    with self._lock:
                        if self._client is client:
                            self._drop_client()
        self.board_ended.set()
        with self._lock:
            self._drop_client()

    # -- client -> board -------------------------------------------------
    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                readable, _, _ = select.select([self._server], [], [], _POLL_S)
                if not readable:
                    continue
                client, _ = self._server.accept()
            except OSError:
                return
            if self.board_ended.is_set():
                client.close()
                continue
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if not self._free_for_new_client():
                    self._refuse(client)
                    continue
                self._client = client
                self._holder = _peer(client)
                self._held_since = time.strftime("%Y-%m-%d %H:%M:%S")
                self._ever_connected = True
                pending, self._pending = bytes(self._pending), bytearray()
                if pending:
                    try:
                        send_all(client, pending, self.stopping)
                    except OSError:
                        self._drop_client()
                        continue
            threading.Thread(target=self._client_loop, args=(client,), name="bridge-client", daemon=True).start()

    def _free_for_new_client(self) -> bool:
        """(Lock held.) No client, or the current one hangs up within HANDOVER_S."""
        deadline = time.monotonic() + HANDOVER_S
        while self._client is not None:
            if _hung_up(self._client):
                self._drop_client()
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.stopping.is_set():
                return False
            self._client_gone.wait(min(remaining, 0.05))
        return True

    def _refuse(self, client: socket.socket) -> None:
        """Tell a second client who holds the board, then hang up on it."""
        line = refusal_line(self._holder, self._held_since)
        threading.Thread(target=_send_refusal, args=(client, line), name="bridge-refuse", daemon=True).start()

    def _client_loop(self, client: socket.socket) -> None:
        while not self.stopping.is_set():
            try:
                data = _recv_ready(client)
            except (OSError, ValueError):  # ValueError: closed by _drop_client
                break
            if data is None:
                continue
            if not data:
                break
            try:
                self._write_board(data)
            except (OSError, ValueError):  # the board is gone
                break
        with self._lock:
            if self._client is client:
                self._drop_client()

    def _drop_client(self) -> None:
        if self._client is not None:
            for step in (lambda s: s.shutdown(socket.SHUT_RDWR), lambda s: s.close()):
                try:
                    step(self._client)
                except OSError:
                    pass
            self._client = None
            self._client_gone.notify_all()


def _send_refusal(client: socket.socket, line: bytes) -> None:
    """Send the refusal, stop sending, and read (and drop) what the client still
    sends until it hangs up, so that the refusal is not lost to a reset."""
    try:
        client.settimeout(_REFUSAL_DRAIN_S)
        client.sendall(line)
        client.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + _REFUSAL_DRAIN_S
        while time.monotonic() < deadline:
            readable, _, _ = select.select([client], [], [], _POLL_S)
            if readable and not client.recv(4096):
                break
    except OSError:
        pass
    finally:
        client.close()


def fd_reader(fd: int) -> Callable[[], bytes | None]:
    """A read_board for a pipe: waits up to the poll interval, b"" at its end."""

    def read() -> bytes | None:
        ready, _, _ = select.select([fd], [], [], _POLL_S)
        return os.read(fd, 65536) if ready else None

    return read


def socket_reader(sock: socket.socket) -> Callable[[], bytes | None]:
    """A read_board for a socket (left in blocking mode for the writer)."""
    sock.settimeout(None)
    return lambda: _recv_ready(sock)


def socket_writer(sock: socket.socket, stop: threading.Event) -> Callable[[bytes], None]:
    """A write_board for a socket: waits for the board as long as it reads."""
    return lambda data: send_all(sock, data, stop)
