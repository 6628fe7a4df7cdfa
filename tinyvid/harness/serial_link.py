"""Serial links through pyserial: ttys, ``socket://``, ``rfc2217://`` and ``loop://``.

``SerialTransport("/dev/ttyACM0")`` opens a board on a USB serial port,
``SerialTransport("socket://127.0.0.1:4321")`` an emulated board's serial server
(with TCP_NODELAY, so small commands are not held back ~40 ms each),
``SerialTransport("rfc2217://lab-pc:7000")`` a board attached to another machine
behind ser2net, and ``loop://`` an echo loop for tests.
A board's tty is found by the USB VID:PID of its board file with
:func:`tinyvid.build.ports.find_board_port`.
"""

from __future__ import annotations

import errno
import socket
import time

import serial

from tinyvid.build.ports import ports_hint as _ports_hint
from tinyvid.errors import TransportClosed, TransportError, TransportTimeout
from tinyvid.harness.transport import Clock, Transport

DEFAULT_BAUD = 115200
POLL_S = 0.05  # how often a waiting read wakes up to check its deadline


#: pyserial URL schemes tinyvid passes on; socket:// and rfc2217:// need HOST:PORT.
URL_SCHEMES = ("socket", "rfc2217", "loop", "spy", "hwgrep", "alt")
PORT_URL_FORMS = ("/dev/ttyACM0", "COM3", "socket://HOST:PORT", "rfc2217://HOST:PORT", "loop://", "exec:PATH", "auto")


def check_port_url(url: str) -> str:
    """Return ``url`` if it is a port tinyvid can open, else raise ``ValueError``
    saying what is wrong, before anything is opened (pyserial's own message for
    ``socket://127.0.0.1`` is a Python comparison error)."""
    forms = ", ".join(PORT_URL_FORMS)
    if not url.strip():
        raise ValueError(f"an empty port; use one of {forms}")
    if url == "auto" or url.startswith("exec:"):
        if url.startswith("exec:") and not url[len("exec:"):].strip():
            raise ValueError("'exec:' needs the path of a host-board firmware binary, e.g. exec:build/host/build/firmware")
        return url
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url  # a device path: /dev/ttyACM0, COM3
    if scheme not in URL_SCHEMES:
        raise ValueError(f"'{url}': unknown URL scheme '{scheme}://'; use one of {forms}")
    if scheme in ("socket", "rfc2217"):
        address = rest.split("?", 1)[0].rstrip("/")
        host, colon, port = address.rpartition(":")
        if not colon or not host:
            raise ValueError(f"'{url}' has no port number; use {scheme}://HOST:PORT, e.g. {scheme}://127.0.0.1:4000")
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError(f"'{url}': the port must be a number from 1 to 65535, not '{port}'")
    return url


def _open_error(url: str, exc: Exception) -> TransportError:
    text = str(exc)
    code = getattr(exc, "errno", None)
    if url.startswith("socket://"):
        return TransportError(
            f"cannot connect to {url}: {text}",
            hint="is the emulated board running? `tinyvid bench --project DIR` launches it for you",
        )
    if url.startswith("rfc2217://"):
        return TransportError(
            f"cannot reach {url}: {text}",
            hint="check the host name and port of the serial server (ser2net) and that it runs",
        )
    if code == errno.EACCES or "Permission denied" in text:
        return TransportError(
            f"permission denied opening {url}",
            hint="add your user to the dialout group (sudo usermod -aG dialout $USER) and log in again; "
            + _ports_hint(),
        )
    if code == errno.EBUSY or "busy" in text.lower():
        return TransportError(
            f"{url} is busy",
            hint="another program (a serial terminal, an IDE monitor) holds the port: close it; " + _ports_hint(),
        )
    return TransportError(
        f"cannot open serial port {url}: {text}",
        hint="check the cable and that the board is powered; " + _ports_hint(),
    )


class SerialTransport(Transport):
    """A pyserial link opened with :func:`serial.serial_for_url`."""

    def __init__(self, url: str, *, baudrate: int = DEFAULT_BAUD, write_timeout: float = 30.0,
                 clock: Clock = time.monotonic):
        super().__init__(clock=clock)
        self.url = url
        self.description = url
        self.baudrate = baudrate
        self.write_timeout = write_timeout
        self._serial: serial.SerialBase | None = None

    def _open(self) -> None:
        # rfc2217:// supports no write timeout; its server bounds a stuck write.
        write_timeout = None if self.url.startswith("rfc2217://") else self.write_timeout
        try:
            port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=POLL_S,
                                         write_timeout=write_timeout, do_not_open=True)
            port.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise _open_error(self.url, exc) from exc
        sock = getattr(port, "_socket", None)
        if isinstance(sock, socket.socket):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._serial = port

    def _close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _read_some(self, n: int, timeout: float) -> bytes:
        port = self._serial
        deadline = self._clock() + timeout
        try:
            # The port's own timeout stays at POLL_S: changing it per read would
            # reconfigure a tty (or an RFC 2217 server) every time.
            first = port.read(1)
            while not first:
                if self._clock() >= deadline:
                    raise TransportTimeout(f"{self.url} sent nothing for {timeout:g} s")
                first = port.read(1)
        except TransportTimeout:
            raise
        except (serial.SerialException, OSError) as exc:
            raise TransportClosed(f"the link to {self.url} closed: {exc}") from exc
        try:
            waiting = port.in_waiting
            rest = port.read(min(n - 1, waiting)) if waiting and n > 1 else b""
        except (serial.SerialException, OSError):
            rest = b""  # the link closed right after these bytes: the next read reports it
        return first + rest

    def _write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
            self._serial.flush()
        except serial.SerialTimeoutException as exc:
            raise TransportTimeout(f"{self.url} did not take {len(data)} bytes within "
                                   f"{self.write_timeout:g} s") from exc
        except (serial.SerialException, OSError) as exc:
            raise TransportClosed(f"the link to {self.url} closed: {exc}") from exc
