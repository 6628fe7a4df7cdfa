"""The ``[power]`` table of a board file: figures for the estimate, and the
monitor that measures the board instead (``monitor = "lpm01a:/dev/ttyACM0"``)."""

from __future__ import annotations

from pathlib import Path

from tinyvid.boards.board import Power
from tinyvid.errors import BoardError

#: key -> (python type(s), required), in the loader's schema form.
POWER_TABLE = {
    "volts": ((float, int), True),
    "active_ma": ((float, int), True),
    "source": (str, True),
    "sleep_ma": ((float, int), False),
    "monitor": (str, False),
}


def power_record(path: Path, table: dict) -> Power:
    """The :class:`~tinyvid.boards.board.Power` of a checked ``[power]`` table;
    a ``monitor`` spec that does not parse names the file and the key."""
    from tinyvid.errors import PowerError
    from tinyvid.power.spec import parse_spec

    monitor = table.get("monitor")
    if monitor is not None:
        try:
            parse_spec(monitor)
        except PowerError as exc:
            raise BoardError(f"{path}: key 'power.monitor' {exc.message}", exc.hint) from None
    sleep = table.get("sleep_ma")
    if sleep is not None and sleep < 0:
        raise BoardError(f"{path}: key 'power.sleep_ma' must be >= 0", "give the datasheet's sleep current in mA")
    return Power(float(table["volts"]), float(table["active_ma"]), table["source"],
                 sleep_ma=float(sleep) if sleep is not None else None, monitor=monitor)
