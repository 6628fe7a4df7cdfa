"""The ST X-NUCLEO-LPM01A (PowerShield), the MLPerf Tiny EnergyRunner's monitor,
through its ASCII serial protocol (ST UM2269).

Host to monitor: one command a line (``htc``, ``volt 3300m``, ``freq 1k``,
``acqtime 0``, ``output current``, ``format ascii_dec``, ``trigsrc sw``,
``eventsrc d7 fal``, ``pwr on``, ``start``, ``stop``, ``hrc``); each is answered
``PowerShield > ack <command>`` or ``PowerShield > error <command>`` followed by
``PowerShield > Error detail: <why>``. After ``start`` the monitor streams one
sample a line in ``ascii_dec``: four digits, a sign and a two-digit power of ten
(``6409-07`` = 6409 x 10^-7 A = 640.9 uA; with ``output energy`` the value is the
energy in J of one sample period), interleaved with ``TimeStamp: ...`` lines and,
for every edge on D7 (the board's timestamp pin), ``event <n> ris|fal``.
``stop`` ends the stream with ``Acquisition completed``. Sample k is at k / freq
seconds of the monitor's clock; an event is at the boundary after the samples
received before it.
"""

from __future__ import annotations

import queue
import re
import threading
import time

import numpy as np

from tinyvid.errors import PowerError
from tinyvid.power.monitor import PowerMonitor, not_started_error
from tinyvid.power.trace import FALL, RISE, Trace

BAUD = 3_686_400
PROMPT = "PowerShield > "
REPLY_TIMEOUT_S = 3.0
STOP_TIMEOUT_S = 10.0
SAMPLE = re.compile(r"^(\d{4})([+-])(\d{2})$")
SAMPLE_IN = re.compile(r"\d{4}[+-]\d{2}")
SAMPLES = re.compile(r"(?:\d{4}[+-]\d{2})+")
EVENT = re.compile(r"^event\s+(\d+)\s+(ris|fal)", re.I)


def decode_sample(text: str) -> float | None:
    """``6409-07`` -> 6.409e-04; None for a line that is not a sample."""
    match = SAMPLE.match(text)
    if not match:
        return None
    exponent = int(match.group(3)) * (-1 if match.group(2) == "-" else 1)
    return int(match.group(1)) * 10.0 ** exponent


def encode_sample(value: float) -> str:
    """The ascii_dec text of a value (four significant digits)."""
    if value <= 0:
        return "0000+00"
    exponent = int(np.floor(np.log10(value))) - 3
    mantissa = int(round(value / 10.0 ** exponent))
    if mantissa >= 10_000:
        mantissa, exponent = mantissa // 10, exponent + 1
    return f"{mantissa:04d}{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


class LPM01A(PowerMonitor):
    """The LPM01A on a serial port (``lpm01a:/dev/ttyACM0[,freq=1k,volts=3.3]``)."""

    def __init__(self, spec, *, volts: float | None = None):
        super().__init__(spec)
        self.freq = int(spec.number("freq", 1000))
        self.volts = float(spec.number("volts", volts if volts and 1.8 <= volts <= 3.3 else 3.3))
        self.baud = int(spec.number("baud", BAUD))
        self.output = spec.options.get("output", "current")
        self._port = None
        self._lines: queue.Queue[str] = queue.Queue()
        self._samples: list[float] = []
        self._edges: list[tuple[int, str]] = []
        self._reader: threading.Thread | None = None
        self._running = False
        self._done = threading.Event()

    @property
    def description(self) -> str:
        return f"LPM01A on {self.spec.target} ({self.output} at {self.freq} Hz, {self.volts:g} V)"

    # -- link ------------------------------------------------------------------
    def open(self) -> "LPM01A":
        if self._port is not None:
            return self
        import serial

        try:
            self._port = serial.serial_for_url(self.spec.target, baudrate=self.baud, timeout=0.05)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PowerError(f"cannot open the LPM01A on {self.spec.target}: {exc}",
                             "check the USB cable of the PowerShield (its ST-LINK port) and the device path, "
                             "e.g. lpm01a:/dev/ttyACM0 (your user may need the dialout group)") from None
        self._running = True
        self._reader = threading.Thread(target=self._read_loop, name="lpm01a-reader", daemon=True)
        self._reader.start()
        try:
            self.command("htc", first=True)
            edge = {"fall": "fal", "rise": "ris", "both": "both"}.get(self.spec.sync)
            for command in (f"volt {int(round(self.volts * 1000))}m", f"freq {_hz(self.freq)}", "acqtime 0",
                            f"output {self.output}", "format ascii_dec", "trigsrc sw",
                            *([f"eventsrc d7 {edge}"] if edge else []), "pwr on"):
                self.command(command)
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        port, self._port = self._port, None
        if port is None:
            return
        try:
            if self._started is not None:
                port.write(b"stop\n")
            port.write(b"hrc\n")
            port.flush()
        except Exception:  # the port is going away: nothing to tell it
            pass
        self._running = False
        if self._reader is not None:
            self._reader.join(timeout=2.0)
        port.close()

    def _read_loop(self) -> None:
        buffer = b""
        while self._running and self._port is not None:
            try:
                chunk = self._port.read(4096)
            except Exception:
                self._lines.put("\0closed")
                return
            if not chunk:
                continue
            buffer += chunk
            *lines, buffer = re.split(rb"\r?\n", buffer)
            for raw in lines:
                self._on_line(raw.decode("ascii", "replace").replace(PROMPT, "").strip())

    def _on_line(self, line: str) -> None:
        if not line:
            return
        if self._started is not None:
            if SAMPLES.fullmatch(line):  # one sample a line, or several run together by a busy link
                self._samples.extend(decode_sample(m.group(0)) for m in SAMPLE_IN.finditer(line))
                return
            event = EVENT.match(line)
            if event:
                self._edges.append((len(self._samples), RISE if event.group(2).lower() == "ris" else FALL))
                return
            if line.startswith("TimeStamp"):
                return
            if "Acquisition completed" in line:
                self._done.set()
                return
        self._lines.put(line)

    def command(self, command: str, *, first: bool = False) -> None:
        """Send one command and wait for its ack; an error reply is a PowerError with the monitor's detail."""
        if self._port is None:
            raise not_started_error(self.description)
        self._port.write((command + "\n").encode("ascii"))
        name = command.split()[0]
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise PowerError(
                    f"no answer from the LPM01A on {self.spec.target} to '{command}' within {REPLY_TIMEOUT_S:g} s",
                    "is it a PowerShield? (its ST-LINK virtual COM port; unplug and plug it back; close other "
                    "programs using it)" if first else "reset the PowerShield (psrst) and try again") from None
            if line == "\0closed":
                raise PowerError(f"the LPM01A on {self.spec.target} went away during '{command}'",
                                 "check its USB cable")
            if line.startswith("ack") and name in line:
                return
            if line.startswith("error") and name in line:
                detail = self._detail(deadline)
                raise PowerError(f"the LPM01A refused '{command}': {detail}",
                                 "see the PowerShield's 'help'; for freq above 5k use acqtime <= 1 s "
                                 "(ascii_dec) or a lower freq")

    def _detail(self, deadline: float) -> str:
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return "no detail"
            if line.startswith("Error detail"):
                return line.partition(":")[2].strip()

    # -- acquisition -----------------------------------------------------------
    def start(self) -> None:
        self.open()
        self._samples, self._edges = [], []
        self._done.clear()
        self._started = time.monotonic()
        try:
            self.command("start")
        except BaseException:
            self._started = None
            raise

    def stop(self) -> Trace:
        if self._started is None or self._port is None:
            raise not_started_error(self.description)
        self._port.write(b"stop\n")
        if not self._done.wait(STOP_TIMEOUT_S):
            self._started = None
            raise PowerError(f"the LPM01A on {self.spec.target} did not end its acquisition within "
                             f"{STOP_TIMEOUT_S:g} s of 'stop'", "reset the PowerShield (psrst) and try again")
        self._started = None
        values = np.array(self._samples, float)
        period = 1.0 / self.freq
        if self.output == "energy":  # J per period -> mean current over it, at its middle
            times = (np.arange(len(values)) + 0.5) * period
            current = values / (self.volts * period)
        else:
            times = np.arange(len(values)) * period
            current = values
        edges = [(k * period, kind) for k, kind in self._edges]
        return Trace(times, current, self.volts, edges, [], self.description)


def _hz(value: int) -> str:
    return f"{value // 1000}k" if value >= 1000 and value % 1000 == 0 else str(value)
