"""Holding a labgrid place for the length of a ``with`` block, and reaching its board.

``with hold_place("lab-an386") as place:`` acquires the place through the
coordinator (``$LG_COORDINATOR``), waiting at most ``wait`` seconds while another
user holds it (each new holder is reported through ``log``, and a place still held
at the end is :class:`~tinyvid.errors.PlaceBusy` naming the holder), and yields a
:class:`HeldPlace` whose ``serial_url`` is the place's ``NetworkSerialPort`` as a
pyserial URL (``socket://HOST:PORT`` for protocol raw, ``rfc2217://HOST:PORT``).
The place is released when the block ends, however it ends: the holding process
(tinyvid's labgrid client, run in labgrid's environment) releases it when tinyvid
closes its stdin, and when tinyvid dies it gets a SIGTERM and releases it then.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tinyvid.errors import FarmError, PlaceBusy
from tinyvid.farm.labgrid_env import coordinator_address, helper_command, helper_env
from tinyvid.processes import start_process, stop_process

DEFAULT_WAIT_S = 600.0
#: Seconds on top of the wait for the helper to start, connect and answer.
STARTUP_S = 45.0
RELEASE_TIMEOUT_S = 20.0
_EXIT_REASONS = {3: "the coordinator", 4: "the place is held", 5: "no such place", 6: "stopped"}


def _stderr_note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class HeldPlace:
    """An acquired place: its name, tags and resources as the coordinator lists them."""

    name: str
    tags: dict = field(default_factory=dict)
    resources: tuple = ()
    holder: str = ""  # host/user this tinyvid holds it as
    coordinator: str = ""
    #: The resources labgrid flashes through (a ``BootstrapProtocol`` driver binds
    #: to them), each ``{"path", "cls", "drivers"}``; empty: the place runs what it has.
    flashers: tuple = ()

    def resource(self, cls: str) -> dict | None:
        return next((r for r in self.resources if r.get("cls") == cls), None)

    @property
    def serial_url(self) -> str:
        """The pyserial URL of the place's NetworkSerialPort."""
        port = self.resource("NetworkSerialPort")
        if port is None or port.get("missing"):
            gone = port is not None
            raise FarmError(
                f"place {self.name} has no serial port" + (" any more: its exporter disconnected" if gone else ""),
                "start its exporter again (`tinyvid farm serve`)" if gone else
                f"add a match for a NetworkSerialPort: labgrid-client -p {self.name} add-match EXPORTER/GROUP/NetworkSerialPort")
        if not port.get("avail", True):
            raise FarmError(f"the serial port of place {self.name} is not available (its exporter says so)",
                            "check the board and the exporter of the place")
        params = port.get("params", {})
        host, number, protocol = params.get("host"), params.get("port"), params.get("protocol", "rfc2217")
        if not host or not number:
            raise FarmError(f"the NetworkSerialPort of place {self.name} names no host and port: {params}")
        scheme = {"raw": "socket", "rfc2217": "rfc2217"}.get(protocol)
        if scheme is None:
            raise FarmError(f"the serial port of place {self.name} speaks '{protocol}'",
                            "tinyvid reaches a NetworkSerialPort of protocol raw or rfc2217")
        return f"{scheme}://{host}:{number}"

    @property
    def speed(self) -> int | None:
        port = self.resource("NetworkSerialPort")
        return (port or {}).get("params", {}).get("speed")


class _Helper:
    """tinyvid's labgrid client as a child process, read line by line with timeouts."""

    def __init__(self, args: list[str], coordinator: str, *, stdin=subprocess.DEVNULL):
        self.stderr = tempfile.TemporaryFile()
        try:
            self.process = start_process(helper_command("--coordinator", coordinator, *args), stdin=stdin,
                                         stdout=subprocess.PIPE, stderr=self.stderr, env=helper_env(coordinator))
        except OSError as exc:
            self.stderr.close()
            raise FarmError(f"cannot start labgrid's client: {exc}", "run `tinyvid farm setup` again") from exc
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name="labgrid-client").start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def event(self, timeout: float) -> dict | None:
        """The next JSON event; None when the helper ended; FarmError on a timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise FarmError(f"labgrid's client did not answer in {timeout:.0f} s",
                                "check the coordinator (LG_COORDINATOR) and the network") from None
            if line is None:
                return None
            try:
                return json.loads(line)
            except ValueError:
                continue  # a stray line from labgrid itself

    def failure(self, what: str) -> FarmError:
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.stderr.seek(0)
        tail = self.stderr.read().decode(errors="replace").strip().splitlines()[-3:]
        return FarmError(f"{what}: labgrid's client ended (exit {self.process.returncode})"
                         + (f": {' | '.join(tail)}" if tail else ""), "run `tinyvid farm setup` again")

    def close(self) -> None:
        stop_process(self.process)
        self.stderr.close()


def _error(event: dict, spec: str, waited: float) -> FarmError:
    if event.get("code") == 4:
        return PlaceBusy(event.get("place", spec), event.get("holder", "another user"), waited)
    hint = {3: "start the coordinator (`tinyvid farm coordinator`) or set LG_COORDINATOR=HOST:PORT",
            5: "list the places with `tinyvid farm places`"}.get(event.get("code"))
    return FarmError(event.get("message", f"labgrid: {_EXIT_REASONS.get(event.get('code'), 'error')}"), hint)


@contextlib.contextmanager
def hold_place(spec: str, *, wait: float | None = None, coordinator: str | None = None,
               log: Callable[[str], None] | None = _stderr_note) -> Iterator[HeldPlace]:
    """Acquire the place ``spec`` (a name, or tags ``key=value,...``) for the block."""
    address = coordinator_address(coordinator)
    wait = DEFAULT_WAIT_S if wait is None else float(wait)
    helper = _Helper(["hold", spec, "--wait", f"{wait:g}"], address, stdin=subprocess.PIPE)
    start = time.monotonic()
    try:
        while True:
            event = helper.event(wait + STARTUP_S - (time.monotonic() - start))
            if event is None:
                raise helper.failure(f"acquiring place {spec}")
            if event["event"] == "waiting":
                if log:
                    log(f"place {event.get('place', spec)} is held by {event.get('holder')}: "
                        f"waiting for it (at most {wait:g} s)")
            elif event["event"] == "error":
                raise _error(event, spec, time.monotonic() - start)
            elif event["event"] == "acquired":
                break
        place = HeldPlace(event["place"], dict(event.get("tags", {})), tuple(event.get("resources", ())),
                          event.get("me", ""), address, tuple(event.get("flashers", ())))
        yield place
    finally:
        _release(helper, spec, log)


def _release(helper: _Helper, spec: str, log) -> None:
    """Close the helper's stdin (it releases the place and says so), then end it."""
    try:
        with contextlib.suppress(OSError):
            helper.process.stdin.close()
        if helper.process.poll() is None or not helper.lines.empty():
            with contextlib.suppress(FarmError):
                while (event := helper.event(RELEASE_TIMEOUT_S)) is not None:
                    if event["event"] == "error" and log:
                        log(f"place {spec} may still be held: {event.get('message')}")
    finally:
        helper.close()


def list_places(*, coordinator: str | None = None, timeout: float = STARTUP_S) -> dict:
    """Every place and resource the coordinator knows (``tinyvid farm places``)."""
    address = coordinator_address(coordinator)
    helper = _Helper(["places"], address)
    try:
        event = helper.event(timeout)
        if event is None:
            raise helper.failure("listing the places")
        if event["event"] == "error":
            raise _error(event, "", 0.0)
        return event
    finally:
        helper.close()


def setup_place(name: str, *, matches: list[str], tags: dict[str, str], coordinator: str | None = None,
                timeout: float = STARTUP_S) -> dict:
    """Create (or update) a place with its resource matches and tags."""
    address = coordinator_address(coordinator)
    args = ["setup-place", name] + [f"--match={m}" for m in matches] + [f"--tag={k}={v}" for k, v in tags.items()]
    helper = _Helper(args, address)
    try:
        event = helper.event(timeout)
        if event is None:
            raise helper.failure(f"setting up place {name}")
        if event["event"] == "error":
            raise _error(event, name, 0.0)
        return event
    finally:
        helper.close()
