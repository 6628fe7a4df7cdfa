"""The board's timestamp pin, as software, for emulated monitors.

On a bench with a real monitor the board's timestamp GPIO is wired to the
monitor's digital input (the LPM01A's D7, a Joulescope's GPI, a PPK2's D0-D7) and
the monitor sees each edge itself. An emulated board has no pin, so the harness
publishes here what the pin would show: each timestamp the board took (the two
``m-lap-us`` of every timed window, in the board's microseconds) and the board's
clock at the start and end of a capture (``anchor``). An emulated monitor (for
example :class:`tinyvid.power.emulator.EmulatedLPM01A`) subscribes, as its input
would be soldered to the pin. With no subscriber, publishing does nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Listener = Callable[[str, float], None]  # (kind "timestamp"|"anchor", board microseconds)
_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> None:
    with _lock:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def publish(kind: str, board_us: float) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(kind, float(board_us))
