"""One interface for a power monitor, and the meter that runs one beside a board.

A :class:`PowerMonitor` is opened (``open``), started before the board's timed
windows (``start``), asked how long it has been capturing (``elapsed``: seconds of
the trace's clock, for the board-clock anchors) and stopped (``stop``), which
returns the captured :class:`~tinyvid.power.trace.Trace`. Drivers: ``lpm01a``
(:mod:`tinyvid.power.lpm01a`), ``joulescope`` (:mod:`tinyvid.power.joulescope`),
``ppk2`` (:mod:`tinyvid.power.ppk2`) and ``replay`` (:mod:`tinyvid.power.replay`).

:class:`EnergyMeter` is what the harness holds: it starts the monitor and takes
the first board-clock anchor, is told every timed window the board reports
(and publishes its timestamps on :mod:`tinyvid.power.pin`), and at the end takes
the last anchor, stops the monitor, records the trace if asked and measures.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from pathlib import Path

from tinyvid.errors import PowerError
from tinyvid.power import pin
from tinyvid.power.measure import BoardWindow, Measured, measure, measure_span
from tinyvid.power.spec import MonitorSpec, parse_spec
from tinyvid.power.trace import Trace, write_trace


class PowerMonitor(ABC):
    """A monitor of the board's supply current."""

    def __init__(self, spec: MonitorSpec):
        self.spec = spec
        self._started: float | None = None

    @property
    def description(self) -> str:
        return f"{self.spec.kind}" + (f" on {self.spec.target}" if self.spec.target else "")

    def open(self) -> "PowerMonitor":
        return self

    def close(self) -> None:
        pass

    def __enter__(self) -> "PowerMonitor":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @abstractmethod
    def start(self) -> None:
        """Start capturing."""

    def elapsed(self) -> float:
        """Seconds of the trace's clock since ``start`` (the host's clock by default)."""
        return time.monotonic() - self._started if self._started is not None else 0.0

    @abstractmethod
    def stop(self) -> Trace:
        """Stop capturing and return the trace."""


def open_monitor(spec: str | MonitorSpec, *, volts: float | None = None) -> PowerMonitor:
    """The driver a spec names (not opened yet); ``volts`` is the board's supply
    (for traces without a voltage column and monitors that supply the board)."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    if spec.kind == "lpm01a":
        from tinyvid.power.lpm01a import LPM01A

        return LPM01A(spec, volts=volts)
    if spec.kind == "joulescope":
        from tinyvid.power.joulescope import Joulescope

        return Joulescope(spec)
    if spec.kind == "ppk2":
        from tinyvid.power.ppk2 import PPK2

        return PPK2(spec, volts=volts)
    from tinyvid.power.replay import ReplayMonitor

    return ReplayMonitor(spec, volts=volts)


def monitor_spec_for(power: str | None, board) -> MonitorSpec | None:
    """The monitor to use: ``--power`` if given (``none``: the estimate, whatever
    the board file says), else the board file's ``[power] monitor``, else none."""
    if power == "none":
        return None
    if power:
        return parse_spec(power)
    table = getattr(board, "power", None)
    text = getattr(table, "monitor", None)
    return parse_spec(text) if text else None


class EnergyMeter:
    """A monitor run beside a board for one bench or stream."""

    def __init__(self, monitor: PowerMonitor):
        self.monitor = monitor
        self.windows: list[BoardWindow] = []
        self._anchors: list[tuple[float, float]] = []
        self.trace: Trace | None = None

    @classmethod
    def for_board(cls, power: str | None, board) -> "EnergyMeter | None":
        spec = monitor_spec_for(power, board)
        if spec is None:
            return None
        volts = board.power.volts if getattr(board, "power", None) is not None else None
        return cls(open_monitor(spec, volts=volts))

    def __enter__(self) -> "EnergyMeter":
        self.monitor.open()
        return self

    def __exit__(self, *exc) -> None:
        self.monitor.close()

    def start(self, client) -> None:
        self.monitor.start()
        self._anchor(client)

    def window(self, start_us: float, end_us: float, iterations: int) -> None:
        self.windows.append(BoardWindow(start_us, end_us, iterations))
        pin.publish("timestamp", start_us)
        pin.publish("timestamp", end_us)

    def _anchor(self, client) -> float:
        board_us = client.timestamp()
        self._anchors.append((float(board_us), self.monitor.elapsed()))
        pin.publish("anchor", board_us)
        return board_us

    def _stop(self, client) -> Trace:
        end_us = self._anchor(client)
        trace = self.monitor.stop()
        if not trace.anchors:
            trace.anchors = list(self._anchors)
        self.trace = trace
        if self.monitor.spec.record:
            write_trace(trace, Path(self.monitor.spec.record))
        self._end_us = end_us
        return trace

    def finish(self, client) -> Measured:
        """Stop and measure energy per inference over the windows reported."""
        trace = self._stop(client)
        return measure(trace, self.windows, sync=self.monitor.spec.sync, monitor=self.monitor.description)

    def finish_span(self, client, count: int) -> Measured:
        """Stop and measure energy per item over the whole capture (a stream's frames)."""
        trace = self._stop(client)
        return measure_span(trace, self._anchors[0][0], self._end_us, count, monitor=self.monitor.description)


def not_started_error(what: str) -> PowerError:
    return PowerError(f"{what}: the monitor was not started", "call start() before stop()")


