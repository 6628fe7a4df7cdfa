"""``replay:FILE``: a recorded trace played back as a monitor, so energy can be
measured again offline and tests need no monitor."""

from __future__ import annotations

from tinyvid.power.monitor import PowerMonitor, not_started_error
from tinyvid.power.trace import Trace, read_trace


class ReplayMonitor(PowerMonitor):
    def __init__(self, spec, *, volts: float | None = None):
        super().__init__(spec)
        self.volts = spec.number("volts", volts)
        self._trace: Trace | None = None

    @property
    def description(self) -> str:
        return f"replay of {self.spec.target}"

    def open(self) -> "ReplayMonitor":
        self._trace = read_trace(self.spec.target, fmt=self.spec.options.get("format", "auto"), volts=self.volts,
                                 channel=int(self.spec.options.get("channel", 0)))
        return self

    def start(self) -> None:
        if self._trace is None:
            self.open()
        self._started = 0.0

    def elapsed(self) -> float:
        return 0.0

    def stop(self) -> Trace:
        if self._started is None or self._trace is None:
            raise not_started_error(self.description)
        self._started = None
        return self._trace
