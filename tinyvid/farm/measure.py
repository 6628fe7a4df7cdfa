"""Measuring on a farm board: a suite case, or one command's ``--place``.

A place is acquired, flashed when it can be, its board reached over its
``NetworkSerialPort``, benched and validated, and the place released. A place with
a resource labgrid flashes through (:mod:`tinyvid.farm.flash`) gets the case's
firmware first: the project of the case's model for its board (the case's
``board``, else the place's ``board`` tag) is generated, built and loaded through
labgrid's driver; ``--place`` with ``--project DIR`` loads that project's build.
A place without one (an emulated board exported by ``tinyvid farm serve``, or a
board behind a bare serial port) runs the firmware it already has, and the notes
say so: validation checks that it is the case's model (the firmware reports its
model's hash) before any figure counts. If the board or its exporter dies
half-way, the case is an error naming the cause, and what was measured before it
is kept with it.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tinyvid.errors import FarmError, TinyvidError
from tinyvid.farm.flash import flash_driver, flash_place
from tinyvid.farm.places import hold_place

#: Seconds for each reply line from a farm board (a loaded input of tens of kB
#: crosses a network and, on an emulated board, QEMU's UART: slower than a local link).
LINE_TIMEOUT_S = 20.0


@contextlib.contextmanager
def place_port(place: str | None, *, wait: float | None = None, port: str | None = None,
               project: str | Path | None = None) -> Iterator[str | None]:
    """The serial URL of ``place`` (acquired for the block), or ``port`` when no place
    is given. With ``project``, its firmware is built and flashed onto the place first
    when the place has a resource labgrid flashes through."""
    if place is None:
        yield port
        return
    with hold_place(place, wait=wait) as held:
        print(f"note: acquired place {held.name} ({held.serial_url})", file=sys.stderr, flush=True)
        if project is not None:
            print(f"note: {flash_project(held, Path(project))}", file=sys.stderr, flush=True)
        yield held.serial_url


def flash_project(held, project: Path) -> str:
    """Build ``project`` and flash it onto the held place if the place has a flashing
    resource: what was done, as a note."""
    from tinyvid.build import build_project

    driver = flash_driver(held)
    if driver is None:
        return (f"place {held.name}: no flashing resource, so it runs the firmware it has, "
                f"not a fresh build of {project}")
    _check_board(held, project)
    build = build_project(project)
    used = flash_place(held, build.firmware)
    if used is None:  # the resource went away between acquiring and flashing
        return f"place {held.name}: its flashing resource is gone, so it runs the firmware it has"
    return f"place {held.name}: flashed {build.firmware.name} of {project} through labgrid's {used}"


def _check_board(held, project: Path) -> None:
    """A build for another board than the place's (its ``board`` tag) is never flashed."""
    from tinyvid.project import load_manifest

    board, tagged = load_manifest(project)["board"], held.tags.get("board")
    if tagged and board != tagged:
        raise FarmError(f"{project} is built for {board}, and place {held.name} is a {tagged}",
                        f"generate the project for {tagged} (`tinyvid project MODEL --board {tagged}`), "
                        "or choose a place with board=" + board)


def _flash_case(held, case, work: Path) -> str:
    """With ``flash = true``, build the case for its board and flash it onto the place
    (which must have a flashing resource): a note; without, the place runs what it has."""
    from tinyvid.build import build_project
    from tinyvid.harness.session import prepare_project

    validated = "(validated against the case's model)" if case.samples else "(not validated: samples = 0)"
    driver = flash_driver(held)
    if not getattr(case, "flash", False):
        return (f"place {held.name}: measured the firmware it runs {validated}"
                + (f"; flash = true would load the case's build through labgrid's {driver}" if driver else
                   ", it has no flashing resource"))
    if driver is None:
        raise FarmError(f"place {held.name} has no resource labgrid flashes through, and the case asks to flash it",
                        "leave out flash = true to measure the firmware it runs, or add its debugger to the place "
                        "(e.g. a NetworkUSBDebugger: "
                        "labgrid-client -p PLACE add-match EXPORTER/GROUP/NetworkUSBDebugger)")
    board = case.board or held.tags.get("board")
    if not board:
        raise FarmError(f"the case flashes place {held.name} but names no board, nor does the place (a board tag)",
                        "give the case a board")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in case.id)
    project = prepare_project(case.model, board, work / safe, conversion=case.conversion)
    _check_board(held, project)
    build = build_project(project)
    used = flash_place(held, build.firmware)
    if used is None:
        raise FarmError(f"place {held.name} lost its flashing resource before it was flashed",
                        "check the place's exporter")
    return (f"place {held.name}: flashed the case's build ({case.model.name} for {Path(board).stem}) "
            f"through labgrid's {used}")


def measure_place(case) -> dict:
    """Bench and validate a suite case on its labgrid place: the case's metrics."""
    from tinyvid.harness.bench import bench
    from tinyvid.harness.session import _raise_if_stopped, board_of_firmware, open_board, validate_session

    metrics: dict = {}
    notes: list[str] = []
    # Waiting for a held place is said on stderr, not in the case's notes: a report
    # is the same whether or not another user (or another job) held the place first.
    with hold_place(case.place, wait=case.place_wait) as held, \
            tempfile.TemporaryDirectory(prefix="tinyvid-flash-") as work:
        notes.append(_flash_case(held, case, Path(work)))
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
