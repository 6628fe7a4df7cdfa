"""A captured power trace: samples of current (and voltage) in the monitor's
time, the edges its digital input saw, and the board-time anchors the host took.

Files: tinyvid's own CSV (``time_s,current_a,voltage_v`` with ``# edge:`` and
``# anchor:`` comment lines), which :func:`write_trace` writes and
:func:`read_trace` reads back, and two exports of other tools that
:func:`read_trace` also reads: the Joulescope UI's CSV (time in s, current in A,
voltage in V, optional digital inputs) and nRF Connect Power Profiler's PPK2 CSV
(``Timestamp(ms),Current(uA),D0-D7``, the digital inputs as 8 characters, D0
first; no voltage column, so the supply voltage is given).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyvid.errors import PowerError

HEADER = "# tinyvid power trace v1"
RISE, FALL = "rise", "fall"


@dataclass
class Trace:
    """Samples at ``time_s`` (seconds of the monitor's clock, increasing) of
    ``current_a`` and ``voltage_v``; ``edges`` are ``(time_s, "rise"|"fall")`` of
    the timestamp pin; ``anchors`` are ``(board_us, time_s)`` pairs."""

    time_s: np.ndarray
    current_a: np.ndarray
    voltage_v: np.ndarray
    edges: list[tuple[float, str]] = field(default_factory=list)
    anchors: list[tuple[float, float]] = field(default_factory=list)
    source: str = ""

    def __post_init__(self):
        self.time_s = np.asarray(self.time_s, float)
        self.current_a = np.asarray(self.current_a, float)
        volts = np.asarray(self.voltage_v, float)
        self.voltage_v = np.full_like(self.time_s, float(volts)) if volts.ndim == 0 else volts
        if not (len(self.time_s) == len(self.current_a) == len(self.voltage_v)):
            raise PowerError(f"trace {self.source or ''}: time, current and voltage have different lengths",
                             "record the trace again")
        if len(self.time_s) < 2:
            raise PowerError(f"trace {self.source or ''} has {len(self.time_s)} sample(s): nothing to integrate",
                             "capture for longer than the board's timed windows")
        if np.any(np.diff(self.time_s) <= 0):
            raise PowerError(f"trace {self.source or ''}: sample times do not increase", "record the trace again")

    @property
    def power_w(self) -> np.ndarray:
        return self.current_a * self.voltage_v

    @property
    def span(self) -> tuple[float, float]:
        return float(self.time_s[0]), float(self.time_s[-1])

    def energy_j(self, start: float, end: float) -> float:
        """Energy from ``start`` to ``end`` seconds: the trapezoidal integral of
        V x I, the power taken as linear between samples (and at the two ends)."""
        first, last = self.span
        if start < first - 1e-12 or end > last + 1e-12 or end < start:
            raise PowerError(f"window {start:.6f}..{end:.6f} s is outside the trace ({first:.6f}..{last:.6f} s)",
                             "start the monitor before the board's windows and stop it after them")
        return self._cumulative(end) - self._cumulative(start)

    def _cumulative(self, t: float) -> float:
        t_s, p = self.time_s, self.power_w
        if not hasattr(self, "_cum"):
            self._cum = np.concatenate([[0.0], np.cumsum(np.diff(t_s) * (p[1:] + p[:-1]) / 2)])
        k = int(np.clip(np.searchsorted(t_s, t, side="right") - 1, 0, len(t_s) - 2))
        dt = t - t_s[k]
        slope = (p[k + 1] - p[k]) / (t_s[k + 1] - t_s[k])
        return float(self._cum[k] + p[k] * dt + slope * dt * dt / 2)


def edges_of(time_s: np.ndarray, level: np.ndarray) -> list[tuple[float, str]]:
    """Edges of a sampled digital level, each placed halfway between the two samples."""
    level = np.asarray(level).astype(bool)
    change = np.nonzero(level[1:] != level[:-1])[0]
    return [(float((time_s[i] + time_s[i + 1]) / 2), RISE if level[i + 1] else FALL) for i in change]


def write_trace(trace: Trace, path: str | Path) -> Path:
    """Write ``trace`` as tinyvid's CSV (read back by :func:`read_trace`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"{HEADER}\n# source: {trace.source}\n")
        for t, kind in trace.edges:
            fh.write(f"# edge: {float(t)!r} {kind}\n")
        for board_us, t in trace.anchors:
            fh.write(f"# anchor: {float(board_us)!r} {float(t)!r}\n")
        fh.write("time_s,current_a,voltage_v\n")
        for t, i, v in zip(trace.time_s.tolist(), trace.current_a.tolist(), trace.voltage_v.tolist()):
            fh.write(f"{t!r},{i!r},{v!r}\n")
    return path


def read_trace(path: str | Path, *, fmt: str = "auto", volts: float | None = None, channel: int = 0) -> Trace:
    """Read a trace file: tinyvid's, a Joulescope CSV or a PPK2 CSV (``fmt`` or
    detected from the header); ``volts`` for a file without a voltage column;
    ``channel`` the digital input that carries the board's timestamp pin."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PowerError(f"cannot read trace {path}: {exc.strerror}", "give the path of a recorded trace") from None
    lines = text.splitlines()
    if fmt == "auto":
        fmt = _detect(lines, path)
    try:
        reader = {"tinyvid": _read_tinyvid, "joulescope": _read_joulescope, "ppk2": _read_ppk2}[fmt]
        return reader(lines, path, volts, channel)
    except (ValueError, IndexError) as exc:
        raise PowerError(f"trace {path} is not a valid {fmt} trace: {exc}",
                         "give a file tinyvid recorded, a Joulescope CSV export or a PPK2 CSV export") from None


def _detect(lines: list[str], path: Path) -> str:
    head = "\n".join(lines[:5]).lower()
    if lines and lines[0].startswith(HEADER):
        return "tinyvid"
    if "timestamp(ms)" in head.replace(" ", "") and "current(ua)" in head.replace(" ", ""):
        return "ppk2"
    if "time" in head and "current" in head or re.match(r"^\s*[-+0-9.eE]+\s*,", lines[0] if lines else ""):
        return "joulescope"
    raise PowerError(f"cannot tell the format of trace {path}",
                     "give format=tinyvid, joulescope or ppk2 in the spec (replay:FILE,format=...)")


def _read_tinyvid(lines, path, volts, channel) -> Trace:
    edges, anchors, source, rows = [], [], str(path), []
    for line in lines:
        if line.startswith("# edge:"):
            t, kind = line[7:].split()
            edges.append((float(t), kind))
        elif line.startswith("# anchor:"):
            board_us, t = line[9:].split()
            anchors.append((float(board_us), float(t)))
        elif line.startswith("# source:"):
            source = line[9:].strip()
        elif line and not line.startswith("#") and not line.startswith("time_s"):
            rows.append(line)
    data = np.loadtxt(rows, delimiter=",", ndmin=2)
    return Trace(data[:, 0], data[:, 1], data[:, 2], edges, anchors, f"replay of {path} ({source})")


_JS_DIGITAL = re.compile(r"^(gpi|in|current_lsb|voltage_lsb)")


def _read_joulescope(lines, path, volts, channel) -> Trace:
    rows = [r for r in csv.reader(lines) if r and r[0].strip()]
    names = None
    if not re.match(r"^\s*[-+0-9.]", rows[0][0]):
        names = [c.strip().lstrip("#").strip().lower() for c in rows[0]]
        rows = rows[1:]
    rows = [r for r in rows if not r[0].lstrip().startswith("#")]
    data = np.array([[float(v) for v in r] for r in rows], float)

    def column(*starts):
        if names is None:
            return None
        for i, name in enumerate(names):
            if any(name == s or name.startswith(s + " ") or name.startswith(s + "(") for s in starts):
                return i
        return None

    t_i = column("time", "t") if names else 0
    i_i = column("current", "i") if names else 1
    v_i = column("voltage", "v") if names else (2 if data.shape[1] > 2 else None)
    if t_i is None or i_i is None:
        raise ValueError(f"no time or current column among {names}")
    voltage = data[:, v_i] if v_i is not None else _volts(volts, path)
    digital = [i for i, n in enumerate(names or []) if _JS_DIGITAL.match(n)]
    edges = edges_of(data[:, t_i], data[:, digital[min(channel, len(digital) - 1)]] > 0.5) if digital else []
    return Trace(data[:, t_i], data[:, i_i], voltage, edges, [], f"replay of Joulescope CSV {path}")


def _read_ppk2(lines, path, volts, channel) -> Trace:
    rows = list(csv.reader(lines))
    names = [c.strip().lower().replace(" ", "") for c in rows[0]]
    t_i, i_i = names.index("timestamp(ms)"), names.index("current(ua)")
    d_i = names.index("d0-d7") if "d0-d7" in names else None
    body = [r for r in rows[1:] if r and r[0].strip()]
    t = np.array([float(r[t_i]) for r in body]) / 1e3
    current = np.array([float(r[i_i]) for r in body]) / 1e6
    edges = []
    if d_i is not None:
        level = np.array([r[d_i].strip()[channel] == "1" for r in body])
        edges = edges_of(t, level)
    return Trace(t, current, _volts(volts, path), edges, [], f"replay of PPK2 CSV {path}")


def _volts(volts, path) -> float:
    if volts is None:
        raise PowerError(f"trace {path} has no voltage column", "give the supply voltage: replay:FILE,volts=3.3 "
                         "(or a [power] volts in the board file)")
    return float(volts)
