"""A Nordic Power Profiler Kit II through the ``ppk2-api`` package, imported
only here: an optional extra (``pip install ppk2-api``).

``ppk2:PORT[,volts=3.3,mode=source|ampere,channel=0..7]``: in source mode the
PPK2 powers the board at ``volts`` (default the board file's); in ampere mode it
sits in series with the board's own supply (give that supply's ``volts``). It
samples at 100 kHz; its digital input D<channel> (wired to the board's
timestamp pin) lines the trace up with the board's windows.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from tinyvid.errors import PowerError
from tinyvid.power.monitor import PowerMonitor, not_started_error
from tinyvid.power.trace import Trace, edges_of

SAMPLE_HZ = 100_000


def _package():
    try:
        from ppk2_api.ppk2_api import PPK2_API
    except ImportError:
        raise PowerError("the ppk2-api package is not installed", "pip install ppk2-api "
                         "(an optional extra of tinyvid), or use another monitor") from None
    return PPK2_API


class PPK2(PowerMonitor):
    def __init__(self, spec, *, volts: float | None = None):
        super().__init__(spec)
        self.volts = float(spec.number("volts", volts or 3.3))
        self.mode = spec.options.get("mode", "source")
        self.channel = int(spec.options.get("channel", 0))
        self._ppk = None
        self._reader: threading.Thread | None = None
        self._chunks: list[bytes] = []
        self._running = False

    @property
    def description(self) -> str:
        return f"PPK2 on {self.spec.target} ({self.mode} meter, {self.volts:g} V)"

    def open(self) -> "PPK2":
        if self._ppk is not None:
            return self
        api = _package()
        try:
            try:
                ppk = api(self.spec.target, timeout=1, write_timeout=1, exclusive=True)
            except TypeError:  # ppk2-api before 0.9 takes the port only
                ppk = api(self.spec.target)
            ppk.get_modifiers()
            ppk.set_source_voltage(int(round(self.volts * 1000)))  # also the input voltage in ampere mode
            ppk.use_source_meter() if self.mode == "source" else ppk.use_ampere_meter()
            if self.mode == "source":
                ppk.toggle_DUT_power("ON")
        except Exception as exc:
            raise PowerError(f"cannot open the PPK2 on {self.spec.target}: {exc}",
                             "check its USB cable (the DATA/POWER port) and the device path, e.g. ppk2:/dev/ttyACM1"
                             ) from None
        self._ppk = ppk
        return self

    def close(self) -> None:
        ppk, self._ppk = self._ppk, None
        self._running = False
        if self._reader is not None:
            self._reader.join(timeout=2.0)
        if ppk is not None:
            try:
                ppk.stop_measuring()
            except Exception:
                pass

    def _read(self) -> None:
        while self._running and self._ppk is not None:
            data = self._ppk.get_data()
            if data:
                self._chunks.append(data)
            else:
                time.sleep(0.001)

    def start(self) -> None:
        self.open()
        self._chunks = []
        self._ppk.start_measuring()
        self._started = time.monotonic()
        self._running = True
        self._reader = threading.Thread(target=self._read, name="ppk2-reader", daemon=True)
        self._reader.start()

    def stop(self) -> Trace:
        if self._started is None or self._ppk is None:
            raise not_started_error(self.description)
        self._started = None
        self._running = False
        self._reader.join(timeout=2.0)
        self._ppk.stop_measuring()
        out = self._ppk.get_samples(b"".join(self._chunks))
        # ppk2-api >= 0.9 returns (samples in uA, raw digital words); older versions the samples only
        samples, digital = out if isinstance(out, tuple) else (out, None)
        current = np.asarray(samples, float) / 1e6
        times = np.arange(len(current)) / SAMPLE_HZ
        edges = []
        if digital is not None and len(current) and hasattr(self._ppk, "digital_channels"):
            edges = edges_of(times, np.asarray(self._ppk.digital_channels(digital)[self.channel]))
        return Trace(times, current, self.volts, edges, [], self.description)
