"""A Joulescope (JS110, JS220) through the ``joulescope`` package, imported only
here: an optional extra (``pip install joulescope``).

``joulescope[:SERIAL][,freq=N,channel=0|1]``: the device (the only one attached,
or the one whose serial number ends in SERIAL) streams current and voltage at
``freq`` (default 100 kHz); with ``channel``, its general-purpose input GPI0 or
GPI1 (wired to the board's timestamp pin) is carried in the current's least
significant bit (``current_lsb``) and its edges line the trace up with the
board's windows; without it the trace is lined up by the board's clock.
"""

from __future__ import annotations

import time

import numpy as np

from tinyvid.errors import PowerError
from tinyvid.power.monitor import PowerMonitor, not_started_error
from tinyvid.power.trace import Trace, edges_of

DEFAULT_FREQ = 100_000


def _package():
    try:
        import joulescope
    except ImportError:
        raise PowerError("the joulescope package is not installed", "pip install joulescope "
                         "(an optional extra of tinyvid), or use another monitor") from None
    return joulescope


class Joulescope(PowerMonitor):
    def __init__(self, spec):
        super().__init__(spec)
        self.freq = int(spec.number("freq", DEFAULT_FREQ))
        self.channel = spec.options.get("channel")
        self._device = None

    @property
    def description(self) -> str:
        return f"Joulescope {self.spec.target or ''} at {self.freq} Hz".replace("  ", " ")

    def open(self) -> "Joulescope":
        if self._device is not None:
            return self
        joulescope = _package()
        devices = joulescope.scan(config="auto")
        if self.spec.target:
            devices = [d for d in devices if str(d).endswith(self.spec.target)]
        if len(devices) != 1:
            found = ", ".join(str(d) for d in devices) or "none"
            raise PowerError(f"{len(devices)} Joulescope(s) match '{self.spec.target or 'any'}' (found: {found})",
                             "attach one Joulescope, or name it by its serial number: joulescope:SERIAL")
        device = devices[0]
        try:
            device.open()
            device.parameter_set("sensor_power", "on")
            device.parameter_set("i_range", "auto")
            device.parameter_set("sampling_frequency", self.freq)
            if self.channel is not None:
                device.parameter_set("current_lsb", f"gpi{self.channel}")
        except Exception as exc:  # the package raises its own types
            raise PowerError(f"cannot set up {device}: {exc}", "unplug and replug the Joulescope") from None
        self._device = device
        return self

    def close(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                device.close()
            except Exception:
                pass

    def start(self) -> None:
        self.open()
        self._device.start()
        self._started = time.monotonic()

    def stop(self) -> Trace:
        if self._started is None or self._device is None:
            raise not_started_error(self.description)
        self._started = None
        device = self._device
        device.stop()
        buffer = device.stream_buffer
        first, last = buffer.sample_id_range
        fields = ["current", "voltage"] + (["current_lsb"] if self.channel is not None else [])
        data = buffer.samples_get(first, last, fields=fields)
        signals = data["signals"]
        current = np.asarray(signals["current"]["value"], float)
        voltage = np.asarray(signals["voltage"]["value"], float)
        times = np.arange(len(current)) / self.freq
        edges = edges_of(times, np.asarray(signals["current_lsb"]["value"]) > 0) if self.channel is not None else []
        good = np.isfinite(current) & np.isfinite(voltage)
        return Trace(times[good], current[good], voltage[good], edges, [], self.description)
