"""An emulated X-NUCLEO-LPM01A on a pseudo-terminal, wired to an emulated board.

It speaks the PowerShield's ASCII protocol (the commands :mod:`tinyvid.power.lpm01a`
sends, their ``ack``/``error`` replies, ``ascii_dec`` samples, ``TimeStamp`` lines,
``event`` lines and ``Acquisition completed``) on the slave side of
``os.openpty``, so the real driver is tested through a real tty. Its current
comes from a model of the board: the board file's ``active_ma`` inside the
board's timed regions and ``sleep_ma`` outside them (plus 0.5% noise, seeded),
at the voltage set with ``volt``. The timed regions come from the board's
timestamp pin (:mod:`tinyvid.power.pin`), in the board's time: an emulated
board's microseconds are QEMU's virtual time, which runs 2^shift ns an
instruction, so they are scaled to the board's clock (one instruction a cycle),
the basis of the estimate too. Samples are produced as the board's time moves
on (each timestamp and anchor the harness publishes), so the stream is in order.
"""

from __future__ import annotations

import os
import re
import threading
import tty

import numpy as np

from tinyvid.power import pin
from tinyvid.power.lpm01a import PROMPT, encode_sample
from tinyvid.power.spec import LPM01A_FREQS, parse_number

DEFAULT_SLEEP_FRACTION = 0.02  # of the active current, for a board file without sleep_ma
NOISE = 0.005


def board_time_scale(board) -> float:
    """Board seconds per microsecond of its timestamps, x 1e6 (1 on a real board)."""
    if not getattr(board, "emulated", False):
        return 1.0
    from tinyvid.boards.emulation import ICOUNT_SHIFT

    return 1e9 / 2 ** ICOUNT_SHIFT / board.clock_hz


class EmulatedLPM01A:
    """``with EmulatedLPM01A(board) as monitor: ... monitor.port ...``"""

    def __init__(self, board, *, seed: int = 0):
        power = board.power
        self.active_a = power.active_ma / 1e3
        self.sleep_a = (power.sleep_ma if power.sleep_ma is not None else power.active_ma * DEFAULT_SLEEP_FRACTION) / 1e3
        self.scale = board_time_scale(board)
        self.rng = np.random.default_rng(seed)
        self.settings = {"volt": 3.3, "freq": 100, "acqtime": 10.0, "output": "current", "format": "ascii_dec",
                         "trigsrc": "sw", "eventsrc": None}
        self.controlled = False
        self.acquiring = False
        self.commands: list[str] = []
        self._lock = threading.RLock()
        self._master = self._slave = None
        self._thread: threading.Thread | None = None
        self._origin_us: float | None = None
        self._done = 0  # samples sent
        self._inside = False
        self._events = 0
        self.port = ""

    def __enter__(self) -> "EmulatedLPM01A":
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._thread = threading.Thread(target=self._serve, name="emulated-lpm01a", daemon=True)
        self._thread.start()
        pin.subscribe(self._on_pin)
        return self

    def __exit__(self, *exc) -> None:
        pin.unsubscribe(self._on_pin)
        master, self._master = self._master, None
        for fd in (master, self._slave):
            if fd is not None:
                os.close(fd)
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    # -- the serial side -----------------------------------------------------
    def _write(self, text: str) -> None:
        with self._lock:
            if self._master is not None:
                os.write(self._master, text.encode("ascii"))

    def _serve(self) -> None:
        buffer = b""
        while self._master is not None:
            try:
                chunk = os.read(self._master, 1024)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = re.split(rb"\r?\n", buffer)
            for raw in lines:
                command = raw.decode("ascii", "replace").strip()
                if command:
                    self._on_command(command)

    def _ack(self, command: str) -> None:
        self._write(f"{PROMPT}ack {command}\r\n")

    def _error(self, command: str, detail: str) -> None:
        self._write(f"{PROMPT}error {command}\r\n{PROMPT}Error detail: {detail}\r\n")

    def _on_command(self, command: str) -> None:
        self.commands.append(command)
        name, *args = command.split()
        if name == "stop":
            if self.acquiring:
                with self._lock:  # the monitor sampled on until the stop arrived
                    self._render_until((self._done + 2) / self.settings["freq"])
                    self.acquiring = False
                    self._write(f"{PROMPT}Acquisition completed\r\n")
            return
        if name not in ("htc", "powershield", "version", "status") and not self.controlled:
            return self._error(command, "host has not taken control (htc)")
        if self.acquiring and name != "pwr":
            return self._error(command, "acquisition in progress")
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            return self._error(command, f"unknown command '{name}'")
        detail = handler(args)
        self._error(command, detail) if detail else self._ack(command)

    def _cmd_htc(self, args):
        self.controlled = True

    def _cmd_hrc(self, args):
        self.controlled = False

    def _cmd_powershield(self, args):
        pass

    def _cmd_version(self, args):
        pass

    def _cmd_status(self, args):
        pass

    def _cmd_lcd(self, args):
        pass

    def _cmd_pwr(self, args):
        if not args or args[0] not in ("on", "off", "auto", "get"):
            return "pwr takes on, off, auto or get"

    def _cmd_pwrend(self, args):
        pass

    def _cmd_acqmode(self, args):
        pass

    def _cmd_funcmode(self, args):
        pass

    def _cmd_trigdelay(self, args):
        pass

    def _number(self, args):
        try:
            return parse_number(args[0]) if args else None
        except Exception:
            return None

    def _cmd_volt(self, args):
        value = self._number(args)
        if value is None or not 1.8 - 1e-9 <= value <= 3.3 + 1e-9:
            return "voltage out of range [1800m; 3300m]"
        self.settings["volt"] = value

    def _cmd_freq(self, args):
        value = self._number(args)
        if value not in LPM01A_FREQS:
            return "frequency not in list {100k, 50k, 20k, 10k, 5k, 2k, 1k, 500, 200, 100, 50, 20, 10, 5, 2, 1}"
        self.settings["freq"] = int(value)

    def _cmd_acqtime(self, args):
        if args and args[0] == "inf":
            self.settings["acqtime"] = 0.0
            return None
        value = self._number(args)
        if value is None or not (value == 0 or 100e-6 <= value <= 100):
            return "acquisition time out of range [100u; 100] (or 0 / inf)"
        self.settings["acqtime"] = value

    def _cmd_output(self, args):
        if not args or args[0] not in ("current", "energy"):
            return "output takes current or energy"
        self.settings["output"] = args[0]

    def _cmd_format(self, args):
        if not args or args[0] not in ("ascii_dec", "bin_hexa"):
            return "format takes ascii_dec or bin_hexa"
        if args[0] == "bin_hexa":
            return "bin_hexa is not emulated"
        self.settings["format"] = args[0]

    def _cmd_trigsrc(self, args):
        if not args or args[0] not in ("sw", "d7"):
            return "trigsrc takes sw or d7"
        self.settings["trigsrc"] = args[0]

    def _cmd_eventsrc(self, args):
        if len(args) != 2 or args[0] != "d7" or args[1] not in ("ris", "fal", "both"):
            return "eventsrc takes d7 ris, d7 fal or d7 both"
        self.settings["eventsrc"] = args[1]

    def _cmd_start(self, args):
        s = self.settings
        if s["format"] == "ascii_dec" and s["freq"] > 5000 and (s["acqtime"] == 0 or s["acqtime"] > 1):
            return f"ascii_dec at {s['freq']} Hz allows acqtime <= 1 s, not {s['acqtime'] or 'inf'}"
        if s["output"] == "energy" and s["freq"] > 10_000:
            return "output energy is limited to 10 kHz"
        with self._lock:
            self._origin_us, self._done, self._inside, self._events = None, 0, False, 0
            self.acquiring = True

    # -- the board side ------------------------------------------------------
    def _on_pin(self, kind: str, board_us: float) -> None:
        with self._lock:
            if not self.acquiring:
                return
            if self._origin_us is None:
                self._origin_us = board_us
            self._render_until((board_us - self._origin_us) * 1e-6 * self.scale)
            if kind != "timestamp":
                return
            self._inside = not self._inside
            edge = self.settings["eventsrc"]
            if edge is not None:
                self._events += 1
                shown = edge if edge != "both" else ("ris" if self._inside else "fal")
                self._write(f"event {self._events} {shown}\r\n")

    def _render_until(self, seconds: float) -> None:
        freq, volts = self.settings["freq"], self.settings["volt"]
        upto = int(np.floor(seconds * freq))
        if upto <= self._done:
            return
        n = upto - self._done
        current = (self.active_a if self._inside else self.sleep_a) * (1 + NOISE * self.rng.standard_normal(n))
        values = current * volts / freq if self.settings["output"] == "energy" else current
        lines = []
        for k, value in enumerate(values, start=self._done):
            lines.append(encode_sample(float(value)))
            if (k + 1) % freq == 0:
                lines.append(f"TimeStamp: {(k + 1) // freq:03d}s 000ms, buff 00%")
        self._done = upto
        self._write("\r\n".join(lines) + "\r\n")
