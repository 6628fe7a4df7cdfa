"""``tinyvid farm serve``: tinyvid's emulated boards as a labgrid farm node.

Each project's board is launched here (:func:`tinyvid.build.launch_board`: QEMU or
the host board behind ``socket://127.0.0.1:PORT``), a ``labgrid-exporter`` (run in
labgrid's environment) exports each board's TCP serial port as a
``NetworkSerialPort`` (protocol raw) to the coordinator, and a place per board is
created with a match for it and tags ``board`` and ``model``. The exporter is not
in the data path: clients connect to the board's socket directly. The node runs
until it is stopped (Ctrl-C, SIGTERM); if its exporter dies it stops too, and its
boards with it, so that a farm never lists a board nobody exports.

Each board is flashable through labgrid too: beside its ``NetworkSerialPort`` the
exporter exports a ``Flashrom`` resource (programmer ``tinyvid:HOST:PORT:PLACE``),
to which labgrid binds its ``FlashromDriver`` (a ``BootstrapProtocol``). labgrid runs
the driver's tool, which a client's labgrid environment names (``tools: flashrom:``);
for these places tinyvid's client names its own stand-in (:mod:`tinyvid.farm._qemu_flashrom`),
which sends the image to this node's load port, and the node restarts that board's
QEMU with it on the same serial port. (labgrid 26 has no resource for an emulator,
and its remote flashers run their tool on the exporter host over ssh; a Flashrom
resource exported as-is is the one whose tool runs where the client is, named by a
config key. On a real farm the place's own resources are flashed instead.)

``tinyvid farm coordinator`` runs labgrid's coordinator, so that a whole farm runs
on one machine.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import threading
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
#: The programmer of an exported board's Flashrom resource: ``tinyvid:HOST:PORT:PLACE``.
PROGRAMMER_PREFIX = "tinyvid:"
#: Seconds a load request may take to arrive (a firmware of a few MB over a network).
LOAD_READ_TIMEOUT_S = 60.0
MAX_IMAGE_BYTES = 64 << 20


@dataclass(frozen=True)
class ServedBoard:
    place: str
    board: str
    model_id: str
    url: str


def _place_name(node: str, project: Path) -> str:
    name = f"{node}-{project.name}"
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def exporter_config(boards: Sequence[ServedBoard], host: str, speed: int = 115200, load_port: int | None = None) -> str:
    """The exporter's resource file: one group per place, its board's serial socket
    and (with ``load_port``) the Flashrom resource that loads a firmware onto it."""
    lines = []
    for served in boards:
        port = served.url.rsplit(":", 1)[1]
        lines += [f"{served.place}:", "  NetworkSerialPort:", f"    host: {host}", f"    port: {port}",
                  f"    speed: {speed}", "    protocol: raw"]
        if load_port is not None:
            lines += ["  Flashrom:", f"    programmer: {PROGRAMMER_PREFIX}{host}:{load_port}:{served.place}"]
    return "\n".join(lines) + "\n"


class _Boards:
    """The node's running boards by place; a board restarts with a loaded image."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running: dict = {}
        self.projects: dict[str, Path] = {}
        self._stacks: dict[str, contextlib.ExitStack] = {}

    def start(self, name: str, image: Path, port: int = 0):
        from tinyvid.build import launch_board

        stack = contextlib.ExitStack()
        try:
            running = stack.enter_context(launch_board(image, port=port))
        except BaseException:
            stack.close()
            raise
        self._stacks[name], self.running[name] = stack, running
        self.projects.setdefault(name, Path(image) if Path(image).is_dir() else Path(image).parent.parent)
        return running

    def load(self, name: str, data: bytes) -> str:
        """Restart place ``name``'s board with the firmware ``data`` on the same port."""
        if name not in self.projects:
            raise FarmError(f"this node serves no place '{name}'")
        if not data.startswith(b"\x7fELF"):
            raise FarmError("the image is not an ELF file")
        image = self.projects[name] / "build" / "farm-loaded.elf"
        partial = image.with_suffix(".part")
        partial.write_bytes(data)
        os.replace(partial, image)
        with self.lock:
            old = self.running.pop(name, None)
            stack = self._stacks.pop(name, None)
            if stack is not None:
                stack.close()
            self.start(name, image, port=old.port if old else 0)
        return f"place {name}: restarted with {len(data)} bytes of firmware"

    def close(self) -> None:
        for stack in reversed(list(self._stacks.values())):
            stack.close()


def _shutdown(server: socket.socket) -> None:
    with contextlib.suppress(OSError):
        server.shutdown(socket.SHUT_RDWR)


def _serve_loads(server: socket.socket, boards: _Boards, echo: Callable[[str], None]) -> None:
    """Answer load requests (``load PLACE SIZE`` + the image) until the socket closes."""
    while True:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(LOAD_READ_TIMEOUT_S)
            try:
                stream = conn.makefile("rb")
                words = stream.readline(256).decode(errors="replace").split()
                if len(words) != 3 or words[0] != "load" or not words[2].isdigit():
                    raise FarmError("a load request is 'load PLACE SIZE' and the image")
                size = int(words[2])
                if size > MAX_IMAGE_BYTES:
                    raise FarmError(f"an image of {size} bytes is larger than {MAX_IMAGE_BYTES} bytes")
                data = stream.read(size)
                if len(data) != size:
                    raise FarmError(f"the image ended after {len(data)} of {size} bytes")
                said = boards.load(words[1], data)
                echo(said)
                conn.sendall(b"ok " + said.encode() + b"\n")
            except (OSError, FarmError, Exception) as exc:  # a bad request never stops the node
                message = getattr(exc, "message", None) or str(exc)
                with contextlib.suppress(OSError):
                    conn.sendall(b"error " + message.replace("\n", " ").encode() + b"\n")


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
    from tinyvid.build import build_project
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
        served, boards = [], _Boards()
        stack.callback(boards.close)
        for name, project in zip(names, projects):
            if stop():
                return
            manifest = load_manifest(project)
            build_project(project)
            running = boards.start(name, project)
            served.append(ServedBoard(name, manifest["board"], str(manifest.get("model_id", "")), running.url))
            echo(f"board {manifest['board']} ({manifest.get('model_id', '?')}) of {project} on {running.url}")
        loads = stack.enter_context(socket.create_server((host, 0)))
        stack.callback(_shutdown, loads)  # wakes the thread blocked in accept()
        threading.Thread(target=_serve_loads, args=(loads, boards, echo), daemon=True, name="farm-loads").start()
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tinyvid-farm-")))
        config = workdir / "exporter.yaml"
        config.write_text(exporter_config(served, host, load_port=loads.getsockname()[1]))
        log = stack.enter_context(tempfile.TemporaryFile())
        exporter = start_process([exporter_bin, "-c", address, "-n", node, "--hostname", host, str(config)],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 env=helper_env(address), cwd=workdir)
        stack.callback(stop_process, exporter)
        _wait_exported(exporter, log, node, {s.place for s in served}, address, stop)
        for board in served:
            if stop():
                return
            setup_place(board.place, matches=[f"{node}/{board.place}/NetworkSerialPort",
                                              f"{node}/{board.place}/Flashrom"],
                        tags={"board": board.board, **({"model": board.model_id} if board.model_id else {})},
                        coordinator=address)
            echo(f"place {board.place}: {board.board} running {board.model_id or '?'} at {board.url} "
                 f"(exported by {node} to {address})")
        echo(f"serving {len(served)} board(s); stop with Ctrl-C")
        while not stop():
            if exporter.poll() is not None:
                raise FarmError(f"labgrid's exporter of node {node} exited (code {exporter.returncode}): "
                                f"{_tail(log)}", "start `tinyvid farm serve` again")
            with boards.lock:
                for name, running in list(boards.running.items()):
                    if not running.alive:  # still listed, as labgrid lists it: a client's link closes at once
                        echo(f"place {name}: its board stopped (exit {running.process.returncode}); "
                             "clients of the place now get a closed link")
                        del boards.running[name]
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
