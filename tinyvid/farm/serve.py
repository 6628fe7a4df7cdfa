"""``tinyvid farm serve``: tinyvid's emulated boards as a labgrid farm node.

Each project's board is launched here (:func:`tinyvid.build.launch_board`: QEMU or
the host board behind ``socket://127.0.0.1:PORT``), a ``labgrid-exporter`` (run in
labgrid's environment) exports each board's TCP serial port as a
``NetworkSerialPort`` (protocol raw) to the coordinator, and a place per board is
created with a match for it and tags ``board`` and ``model``. The exporter is not
in the data path: clients connect to the board's socket directly. The node runs
until it is stopped (Ctrl-C, SIGTERM); if its exporter dies it stops too, and its
boards with it, so that a farm never lists a board nobody exports.

``tinyvid farm coordinator`` runs labgrid's coordinator, so that a whole farm runs
on one machine.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tinyvid.errors import FarmError
from tinyvid.farm.labgrid_env import coordinator_address, helper_env, labgrid_program
from tinyvid.farm.places import list_places, setup_place
from tinyvid.processes import start_process, stop_process

EXPORT_TIMEOUT_S = 60.0
_POLL_S = 0.25


@dataclass(frozen=True)
class ServedBoard:
    place: str
    board: str
    model_id: str
    url: str


def _place_name(node: str, project: Path) -> str:
    name = f"{node}-{project.name}"
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def exporter_config(boards: Sequence[ServedBoard], host: str, speed: int = 115200) -> str:
    """The exporter's resource file: one group per place, its board's serial socket."""
    lines = []
    for served in boards:
        port = served.url.rsplit(":", 1)[1]
        lines += [f"{served.place}:", "  NetworkSerialPort:", f"    host: {host}", f"    port: {port}",
                  f"    speed: {speed}", "    protocol: raw"]
    return "\n".join(lines) + "\n"


def _tail(log) -> str:
    log.seek(0)
    lines = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
    return " | ".join(lines[-3:])


def _wait_exported(exporter: subprocess.Popen, log, node: str, groups: set[str], address: str,
                   stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + EXPORT_TIMEOUT_S
    while not stop():
        if exporter.poll() is not None:
            raise FarmError(f"labgrid's exporter exited at start (code {exporter.returncode}): {_tail(log)}",
                            f"is the coordinator running at {address}? (`tinyvid farm coordinator`)")
        listed = {r["path"].split("/")[1] for r in list_places(coordinator=address)["resources"]
                  if r["path"].split("/")[0] == node}
        if groups <= listed:
            return
        if time.monotonic() > deadline:
            raise FarmError(f"the coordinator at {address} did not list this node's boards within "
                            f"{EXPORT_TIMEOUT_S:.0f} s: {_tail(log)}", "check the coordinator's address")
        time.sleep(0.5)


def serve_farm(projects: Sequence[str | Path], *, node: str | None = None, places: Sequence[str] = (),
               coordinator: str | None = None, host: str = "127.0.0.1",
               echo: Callable[[str], None] = print, stop: Callable[[], bool] | None = None) -> None:
    """Serve every project's board as a labgrid place until ``stop()`` returns True
    (``tinyvid farm serve``: Ctrl-C, SIGTERM or SIGHUP); returns when the node has
    stopped cleanly, raises FarmError when its exporter dies."""
    from tinyvid.build import build_project, launch_board
    from tinyvid.project import load_manifest

    address = coordinator_address(coordinator)
    node = node or socket.gethostname()
    projects = [Path(p) for p in projects]
    if not projects:
        raise FarmError("no project to serve", "give one or more project folders made by `tinyvid project`")
    if places and len(places) != len(projects):
        raise FarmError(f"{len(places)} place name(s) for {len(projects)} project(s)",
                        "give one --place per project, in the same order, or none")
    names = list(places) or [_place_name(node, p) for p in projects]
    if len(set(names)) != len(names):
        raise FarmError(f"two boards would be the same place: {', '.join(names)}", "name each with --place")
    stop = stop or (lambda: False)
    exporter_bin = labgrid_program("labgrid-exporter", progress=True)
    with contextlib.ExitStack() as stack:
        served, boards = [], {}
        for name, project in zip(names, projects):
            if stop():
                return
            manifest = load_manifest(project)
            build_project(project)
            running = stack.enter_context(launch_board(project))
            boards[name] = running
            served.append(ServedBoard(name, manifest["board"], str(manifest.get("model_id", "")), running.url))
            echo(f"board {manifest['board']} ({manifest.get('model_id', '?')}) of {project} on {running.url}")
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tinyvid-farm-")))
        config = workdir / "exporter.yaml"
        config.write_text(exporter_config(served, host))
        log = stack.enter_context(tempfile.TemporaryFile())
        exporter = start_process([exporter_bin, "-c", address, "-n", node, "--hostname", host, str(config)],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 env=helper_env(address), cwd=workdir)
        stack.callback(stop_process, exporter)
        _wait_exported(exporter, log, node, {s.place for s in served}, address, stop)
        for board in served:
            if stop():
                return
            setup_place(board.place, matches=[f"{node}/{board.place}/NetworkSerialPort"],
                        tags={"board": board.board, **({"model": board.model_id} if board.model_id else {})},
                        coordinator=address)
            echo(f"place {board.place}: {board.board} running {board.model_id or '?'} at {board.url} "
                 f"(exported by {node} to {address})")
        echo(f"serving {len(served)} board(s); stop with Ctrl-C")
        while not stop():
            if exporter.poll() is not None:
                raise FarmError(f"labgrid's exporter of node {node} exited (code {exporter.returncode}): "
                                f"{_tail(log)}", "start `tinyvid farm serve` again")
            for name, running in list(boards.items()):
                if not running.alive:  # still listed, as labgrid lists it: a client's link closes at once
                    echo(f"place {name}: its board stopped (exit {running.process.returncode}); "
                         "clients of the place now get a closed link")
                    del boards[name]
            time.sleep(_POLL_S)


def run_coordinator(*, listen: str = "127.0.0.1:20408", workdir: str | Path | None = None,
                    echo: Callable[[str], None] = print, stop: Callable[[], bool] | None = None) -> None:
    """Run labgrid's coordinator (its places are kept in ``workdir``) until stopped."""
    address = coordinator_address(listen)
    program = labgrid_program("labgrid-coordinator", progress=True)
    folder = Path(workdir) if workdir else Path.cwd()
    with tempfile.TemporaryFile() as log:
        process = start_process([program, "-l", address], stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=helper_env(address), cwd=folder)
        try:
            deadline = time.monotonic() + 30
            host, port = address.rsplit(":", 1)
            while True:
                if process.poll() is not None:
                    raise FarmError(f"labgrid's coordinator exited (code {process.returncode}): {_tail(log)}",
                                    f"is {address} already in use? listen on another HOST:PORT")
                with contextlib.suppress(OSError):
                    socket.create_connection((host, int(port)), timeout=1).close()
                    break
                if time.monotonic() > deadline:
                    raise FarmError(f"labgrid's coordinator did not listen on {address} within 30 s")
                time.sleep(0.2)
            echo(f"labgrid coordinator on {address} (places kept in {folder / 'places.yaml'}); "
                 f"export LG_COORDINATOR={address}")
            while stop is None or not stop():
                if process.poll() is not None:
                    raise FarmError(f"labgrid's coordinator exited (code {process.returncode}): {_tail(log)}")
                time.sleep(_POLL_S)
        finally:
            stop_process(process)
