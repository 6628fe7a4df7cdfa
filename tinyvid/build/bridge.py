"""A TCP serial bridge: one local listening socket in front of a board's byte
stream (QEMU's serial socket, or a host process's stdin/stdout).

Clients come and go (the official benchmark runners connect twice); the board
keeps running and keeps its state. What the board prints before the first client
connects is kept and delivered to it (the boot lines); what it prints while no
client is connected later is dropped, as a real UART with nobody listening would.
A new client replaces the current one. When the board's stream ends (QEMU or the
process exited) the client's connection is closed.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Callable

_POLL_S = 0.1
_PENDING_LIMIT = 1 << 20


class SerialBridge:
    def __init__(
        self,
        read_board: Callable[[], bytes],
        write_board: Callable[[bytes], None],
        *,
        port: int = 0,
        host: str = "127.0.0.1",
    ):
        self._read_board = read_board
        self._write_board = write_board
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind((host, port))
        self._server.listen(4)
        self._server.settimeout(_POLL_S)
        self.host = host
        self.port = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._client: socket.socket | None = None
        self._pending = bytearray()
        self._ever_connected = False
        self._stop = threading.Event()
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
        self._stop.set()
        with self._lock:
            self._drop_client()
        try:
            self._server.close()
        except OSError:
            pass
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout=2)

    # -- board -> client -------------------------------------------------
    def _board_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._read_board()
            except OSError:
                data = b""
            if data is None:  # nothing yet (read timed out)
                continue
            if not data:
                break
            with self._lock:
                if self._client is not None:
                    try:
                        self._client.sendall(data)
                    except OSError:
                        self._drop_client()
                elif not self._ever_connected and len(self._pending) < _PENDING_LIMIT:
                    self._pending += data
        self.board_ended.set()
        with self._lock:
            self._drop_client()

    # -- client -> board -------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.board_ended.is_set():
                client.close()
                continue
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._drop_client()
                self._client = client
                self._ever_connected = True
                if self._pending:
                    try:
                        client.sendall(bytes(self._pending))
                    except OSError:
                        self._drop_client()
                    self._pending.clear()
            threading.Thread(target=self._client_loop, args=(client,), name="bridge-client", daemon=True).start()

    def _client_loop(self, client: socket.socket) -> None:
        client.settimeout(_POLL_S)
        while not self._stop.is_set():
            try:
                data = client.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            try:
                self._write_board(data)
            except OSError:
                break
        with self._lock:
            if self._client is client:
                self._drop_client()

    def _drop_client(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except OSError:
                pass
            self._client = None


def fd_reader(fd: int) -> Callable[[], bytes | None]:
    """A read_board for a pipe: waits up to the poll interval, b"" at its end."""
    import select

    def read() -> bytes | None:
        ready, _, _ = select.select([fd], [], [], _POLL_S)
        if not ready:
            return None
        return os.read(fd, 4096)

    return read


def socket_reader(sock: socket.socket) -> Callable[[], bytes | None]:
    sock.settimeout(_POLL_S)

    def read() -> bytes | None:
        try:
            return sock.recv(4096)
        except socket.timeout:
            return None

    return read
