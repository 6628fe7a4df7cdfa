"""Energy per inference from a trace and the board's timed windows.

Synchronisation: the board times each window itself (``infer N W``: two
timestamps, ``m-lap-us`` t0 and t1, around N inferences). The trace and those
windows are lined up in one of two ways (the spec's ``sync``):

* **the timestamp pin** (``sync=fall``, the default; ``rise``; ``both``): the
  board's timestamp GPIO, wired to the monitor's digital input, pulses at every
  timestamp (EEMBC's energy mode: a falling edge each; ``rise`` the other
  polarity), or stays high over each timed region (``both``: rise to fall). The
  trace's edges, in order, are the windows' starts and ends, so window k is the
  trace from edge 2k to edge 2k+1 (``both``: from the k-th rise to the next fall).
  The count must match the windows the board ran, or nothing is reported.
* **the board's clock** (``sync=timestamp``, for a trace without a pin): at the
  start and at the end of the capture the host reads the board's timestamp
  (``timestamp%``) and notes the monitor's elapsed time; board microseconds map to
  trace seconds through the line through those two anchors (offset and rate), so
  the windows' laps land in the trace. The error is the serial round trip of the
  two reads (about a millisecond on a UART), small against ~1 s windows.

An emulated board's timestamps are QEMU's virtual time (-icount: 2^shift ns an
instruction); its emulated monitor runs the pin at the board's clock (one
instruction a cycle), so measured energy there is the same quantity as the
estimate's (instructions at the clock). Energy of a window is the trapezoidal
integral of V x I over it; energy per inference is the window's energy divided
by its N inferences (median over windows); average power is the window's energy
over its duration (the power while the board infers).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from tinyvid.errors import PowerError
from tinyvid.power.trace import FALL, RISE, Trace


@dataclass(frozen=True)
class BoardWindow:
    """One timed window as the board reported it."""

    start_us: float
    end_us: float
    iterations: int


@dataclass
class Measured:
    energy_uj: float  # per inference, median over the windows
    average_power_mw: float  # while inferring, median over the windows
    per_window_uj: list[float]
    windows_s: list[tuple[float, float]]
    basis: str
    monitor: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"energy_uj": self.energy_uj, "average_power_mw": self.average_power_mw,
                "per_window_uj": self.per_window_uj, "windows_s": self.windows_s, "basis": self.basis,
                "monitor": self.monitor, "notes": self.notes}


def trace_windows(trace: Trace, windows: list[BoardWindow], sync: str) -> list[tuple[float, float]]:
    """The trace-time span of each board window (see the module's docstring)."""
    if sync == "timestamp":
        return [(_board_to_trace(trace, w.start_us), _board_to_trace(trace, w.end_us)) for w in windows]
    if sync == "both":
        spans, start = [], None
        for t, kind in trace.edges:
            if kind == RISE and start is None:
                start = t
            elif kind == FALL and start is not None:
                spans.append((start, t))
                start = None
    else:
        times = [t for t, kind in trace.edges if kind == (FALL if sync == "fall" else RISE)]
        if len(times) % 2:
            raise _mismatch(trace, len(times), "edges", 2 * len(windows), sync)
        spans = list(zip(times[0::2], times[1::2]))
    if len(spans) != len(windows):
        raise _mismatch(trace, len(spans), "windows", len(windows), sync)
    return spans


def _mismatch(trace: Trace, found: int, what: str, expected: int, sync: str) -> PowerError:
    return PowerError(f"the trace ({trace.source}) has {found} timestamp-pin {what} (sync={sync}), "
                      f"but the board ran {expected if what == 'windows' else expected // 2} timed windows",
                      "wire the board's timestamp GPIO to the monitor's digital input (channel=N), pick its "
                      "polarity (sync=fall|rise|both), or line up by the board's clock with sync=timestamp")


def _board_to_trace(trace: Trace, board_us: float) -> float:
    anchors = trace.anchors
    if not anchors:
        raise PowerError(f"the trace ({trace.source}) has no board-clock anchors for sync=timestamp",
                         "capture it through tinyvid (bench, stream, regress), or sync on the timestamp pin")
    if len(anchors) == 1:
        (b0, s0), rate = anchors[0], 1e-6
    else:
        b = np.array([a[0] for a in anchors])
        s = np.array([a[1] for a in anchors])
        rate, _ = np.polyfit(b, s, 1)
        b0, s0 = float(b.mean()), float(s.mean())
    return float(s0 + (board_us - b0) * rate)


def measure(trace: Trace, windows: list[BoardWindow], *, sync: str, monitor: str) -> Measured:
    """Energy per inference and average power over the board's ``windows``."""
    if not windows:
        raise PowerError("no timed window to measure energy over", "run at least one window")
    spans = trace_windows(trace, windows, sync)
    energies = [trace.energy_j(a, b) for a, b in spans]
    per_inference = [e / w.iterations * 1e6 for e, w in zip(energies, windows)]
    power = [e / (b - a) * 1e3 for e, (a, b) in zip(energies, spans) if b > a]
    notes = []
    if sync != "timestamp":
        ratio = [(b - a) / ((w.end_us - w.start_us) * 1e-6) for (a, b), w in zip(spans, windows) if w.end_us > w.start_us]
        if ratio and max(ratio) > 1.02 * min(ratio):
            notes.append(f"the pin's windows and the board's laps disagree by up to "
                         f"{(max(ratio) / min(ratio) - 1):.1%} between windows: check the wiring of the pin")
    basis = (f"measured: {monitor}, {len(spans)} window(s) lined up by "
             + ("the board's clock (two timestamp anchors)" if sync == "timestamp" else f"the timestamp pin ({sync})")
             + ", trapezoidal integral of V x I")
    return Measured(float(statistics.median(per_inference)), float(statistics.median(power)) if power else 0.0,
                    per_inference, [(float(a), float(b)) for a, b in spans], basis, monitor, notes)


def measure_span(trace: Trace, start_us: float, end_us: float, count: int, *, monitor: str) -> Measured:
    """Energy per item (a stream's frame) over one board-clock span holding
    ``count`` of them, lined up by the trace's board-clock anchors."""
    a, b = _board_to_trace(trace, start_us), _board_to_trace(trace, end_us)
    energy = trace.energy_j(a, b)
    per = energy / max(count, 1) * 1e6
    basis = (f"measured: {monitor}, {count} frame(s) over {b - a:.3f} s lined up by the board's clock, "
             "trapezoidal integral of V x I")
    return Measured(per, energy / (b - a) * 1e3 if b > a else 0.0, [per], [(a, b)], basis, monitor)
