"""Measuring on a farm board: a suite case, or one command's ``--place``.

A place is acquired, its board reached over its ``NetworkSerialPort``, benched and
validated, and the place released. A place whose resources include nothing tinyvid
flashes through (an emulated board exported by ``tinyvid farm serve``, or a board
behind a bare serial port) runs the firmware it already has: validation checks that
it is the case's model (the firmware reports its model's hash) before any figure
counts. If the board or its exporter dies half-way, the case is an error naming
the cause, and what was measured before it is kept with it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from tinyvid.errors import TinyvidError
from tinyvid.farm.places import hold_place

#: Seconds for each reply line from a farm board (a loaded input of tens of kB
#: crosses a network and, on an emulated board, QEMU's UART: slower than a local link).
LINE_TIMEOUT_S = 20.0


@contextlib.contextmanager
def place_port(place: str | None, *, wait: float | None = None, port: str | None = None) -> Iterator[str | None]:
    """The serial URL of ``place`` (acquired for the block), or ``port`` when no place is given."""
    if place is None:
        yield port
        return
    with hold_place(place, wait=wait) as held:
        print(f"note: acquired place {held.name} ({held.serial_url})", file=sys.stderr, flush=True)
        yield held.serial_url


def _flash_note(held, validated: bool) -> str:
    return (f"place {held.name}: no flashing resource, measured the firmware it runs "
            + ("(validated against the case's model)" if validated else "(not validated: samples = 0)"))


def measure_place(case) -> dict:
    """Bench and validate a suite case on its labgrid place: the case's metrics."""
    from tinyvid.harness.bench import bench
    from tinyvid.harness.session import _raise_if_stopped, board_of_firmware, open_board, validate_session

    metrics: dict = {}
    notes: list[str] = []
    # Waiting for a held place is said on stderr, not in the case's notes: a report
    # is the same whether or not another user (or another job) held the place first.
    with hold_place(case.place, wait=case.place_wait) as held:
        notes.append(_flash_note(held, bool(case.samples)))
        try:
            with open_board(port=held.serial_url, board=case.board or None, line_timeout=LINE_TIMEOUT_S) as session:
                if session.board is None:
                    session.board = board_of_firmware(session.client)
                result = bench(session.client, windows=case.windows, iterations=case.iterations,
                               warmup=case.warmup, board=session.board)
                if result.windows:
                    metrics.update(result.metrics())
                notes += result.notes
                _raise_if_stopped("bench", result)  # a signal stops the run; a dead link is this case's error
                if case.samples:
                    checked = validate_session(session, data=case.data, samples=case.samples, model=case.model)
                    if checked.count:
                        metrics.update(checked.metrics())
                    _raise_if_stopped(f"validation (after {checked.count} of {checked.requested} inputs)", checked)
        except TinyvidError as exc:
            failure = TinyvidError(f"on place {held.name} ({held.serial_url}): {exc.message}", exc.hint)
            failure.metrics = {**metrics, "notes": notes}  # kept in the case's report
            raise failure from exc
    metrics["notes"] = notes
    return metrics
