"""Energy: a power monitor's measured figures, or the board file's estimate.

One owner for energy per inference and average power. A monitor (the ST
X-NUCLEO-LPM01A, a Joulescope, a Nordic PPK2, or a replayed trace file) is named
by a spec (``lpm01a:/dev/ttyACM0``, ``replay:trace.csv``; :mod:`tinyvid.power.spec`),
captures a :class:`~tinyvid.power.trace.Trace` while the board runs its timed
windows, and :mod:`tinyvid.power.measure` integrates the trace over those windows.
Without a monitor, :mod:`tinyvid.power.estimate` gives the board file's estimate.
Every figure carries ``energy_source``: ``measured`` or ``estimate``.

Monitor packages (``joulescope``, ``ppk2-api``) are imported only when their
driver is opened: they are optional extras.
"""

from __future__ import annotations

from tinyvid.power.spec import MonitorSpec, parse_spec

__all__ = ["MonitorSpec", "open_monitor", "parse_spec"]


def open_monitor(spec: "str | MonitorSpec", **kwargs):
    """The monitor a spec names, not started yet (see :func:`tinyvid.power.monitor.open_monitor`)."""
    from tinyvid.power.monitor import open_monitor as _open

    return _open(spec, **kwargs)
