"""Power monitor specs: ``KIND[:TARGET][,key=value...]``, checked before any work.

==========  =====================================  ==========================================
kind        target                                 keys
==========  =====================================  ==========================================
lpm01a      serial port (``/dev/ttyACM0``)         freq, volts, baud, output (current|energy)
joulescope  device serial number (optional)        freq
ppk2        serial port (``/dev/ttyACM1``)         volts, mode (source|ampere)
replay      trace file (``.csv``)                  format (auto|tinyvid|joulescope|ppk2), volts
==========  =====================================  ==========================================

Keys every kind takes: ``sync`` (how the trace lines up with the board's timed
windows: ``fall``, ``rise``, ``both`` edges of the timestamp pin, or
``timestamp``: the board's clock read by the host; see :mod:`tinyvid.power.measure`),
``channel`` (the digital input carrying the pin: 0..7) and ``record`` (write the
captured trace to this file, replayable with ``replay:FILE``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tinyvid.errors import PowerError

KINDS = ("lpm01a", "joulescope", "ppk2", "replay")
SYNCS = ("fall", "rise", "both", "timestamp")
_COMMON = ("sync", "channel", "record")
_KEYS = {
    "lpm01a": ("freq", "volts", "baud", "output"),
    "joulescope": ("freq",),
    "ppk2": ("volts", "mode"),
    "replay": ("format", "volts"),
}
_NEEDS_TARGET = {"lpm01a": "a serial port, e.g. lpm01a:/dev/ttyACM0", "ppk2": "a serial port, e.g. ppk2:/dev/ttyACM1",
                 "replay": "a trace file, e.g. replay:trace.csv"}
#: The LPM01A's sampling frequencies (its ``freq`` command), in Hz.
LPM01A_FREQS = (100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1)
EXAMPLES = "lpm01a:/dev/ttyACM0, joulescope, ppk2:/dev/ttyACM1,volts=3.3, replay:trace.csv"


@dataclass(frozen=True)
class MonitorSpec:
    kind: str
    target: str | None
    options: dict = field(default_factory=dict)
    text: str = ""

    @property
    def sync(self) -> str:
        return self.options.get("sync", "timestamp" if self.kind == "joulescope" and "channel" not in self.options
                                else "fall")

    @property
    def record(self) -> str | None:
        return self.options.get("record")

    def number(self, key: str, default: float | None = None) -> float | None:
        value = self.options.get(key)
        return default if value is None else parse_number(value, key, self.text)


def parse_number(text: str, key: str = "value", spec: str = "") -> float:
    """A number as the LPM01A writes them: ``3.3``, ``3300m``, ``1k``, ``100u``, ``2-3``."""
    units = {"u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6}
    raw = str(text).strip()
    try:
        if raw and raw[-1] in units:
            return float(raw[:-1]) * units[raw[-1]]
        return float(raw)
    except ValueError:
        raise PowerError(f"power spec '{spec}': {key}={raw} is not a number",
                         f"write {key} as a number such as 3.3, 3300m or 1k") from None


def parse_spec(text: str) -> MonitorSpec:
    """Parse and check a monitor spec; a bad one is a :class:`PowerError` naming the fix."""
    raw = str(text).strip()
    head, *pairs = raw.split(",")
    kind, _, target = head.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise PowerError(f"unknown power monitor '{kind or raw}' in '{raw}'",
                         f"use one of {', '.join(KINDS)}, e.g. {EXAMPLES}")
    target = target.strip() or None
    if target is None and kind in _NEEDS_TARGET:
        raise PowerError(f"power monitor '{kind}' needs a target", f"give {_NEEDS_TARGET[kind]}")
    options: dict[str, str] = {}
    valid = _KEYS[kind] + _COMMON
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not value.strip():
            raise PowerError(f"power spec '{raw}': '{pair}' is not key=value", f"keys for {kind}: {', '.join(valid)}")
        if key not in valid:
            raise PowerError(f"power spec '{raw}': unknown key '{key}' for {kind}", f"keys for {kind}: {', '.join(valid)}")
        options[key] = value.strip()
    spec = MonitorSpec(kind, target, options, raw)
    _check(spec)
    return spec


def _check(spec: MonitorSpec) -> None:
    o, raw = spec.options, spec.text
    if "sync" in o and o["sync"] not in SYNCS:
        raise PowerError(f"power spec '{raw}': sync={o['sync']}", f"use sync={' or sync='.join(SYNCS)}")
    if "channel" in o and o["channel"] not in tuple(str(i) for i in range(8)):
        raise PowerError(f"power spec '{raw}': channel={o['channel']}", "give the digital input 0..7 wired to the pin")
    if spec.kind == "lpm01a":
        if "freq" in o and spec.number("freq") not in LPM01A_FREQS:
            raise PowerError(f"power spec '{raw}': the LPM01A cannot sample at {o['freq']} Hz",
                             "use one of " + ", ".join(_hz(f) for f in LPM01A_FREQS))
        if "volts" in o and not 1.8 - 1e-9 <= spec.number("volts") <= 3.3 + 1e-9:
            raise PowerError(f"power spec '{raw}': the LPM01A supplies 1.8 to 3.3 V, not {o['volts']}",
                             "give volts=1.8..3.3")
        if o.get("output", "current") not in ("current", "energy"):
            raise PowerError(f"power spec '{raw}': output={o['output']}", "use output=current or output=energy")
    for key in ("volts", "freq", "baud"):
        if key in o and spec.number(key) <= 0:
            raise PowerError(f"power spec '{raw}': {key} must be > 0", f"give a positive {key}")
    if spec.kind == "ppk2" and o.get("mode", "source") not in ("source", "ampere"):
        raise PowerError(f"power spec '{raw}': mode={o['mode']}", "use mode=source (the PPK2 powers the board) "
                         "or mode=ampere (in series with its supply)")
    if spec.kind == "replay" and o.get("format", "auto") not in ("auto", "tinyvid", "joulescope", "ppk2"):
        raise PowerError(f"power spec '{raw}': format={o['format']}", "use format=auto, tinyvid, joulescope or ppk2")


def _hz(value: int) -> str:
    return f"{value // 1000}k" if value >= 1000 else str(value)
