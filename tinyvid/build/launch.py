"""Starts a board that runs here (QEMU or the host process) behind a local TCP
socket, so that it is reached like a serial port: ``socket://127.0.0.1:PORT``.

Which launcher starts a board is its family's (:mod:`tinyvid.families`), by the
board's ``[launch] method``; the launchers build on :func:`start_qemu` and
:func:`start_native` here.

QEMU runs with its serial port on a TCP server (``wait=on``: the guest starts
when tinyvid's bridge connects, so no boot line is lost) and ``-icount shift=7``
(timer ticks are an exact instruction count). The host board is the firmware as
a native process, its stdin/stdout bridged the same way. Clients may disconnect
and reconnect; the board keeps its state (see :mod:`tinyvid.build.bridge`).

QEMU's own TCP server (7.2) accepts a reconnect and keeps the guest's state too, but
tinyvid still puts its bridge in front: tinyvid must connect to know that QEMU is
up, and with ``wait=on`` that first connection receives the boot lines, which the
bridge keeps for the user's first client; and the host board then behaves exactly
like the emulated ones.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from tinyvid.boards import Board
from tinyvid.boards.emulation import ICOUNT_SHIFT

from tinyvid.build.bridge import SerialBridge, fd_reader, socket_reader, socket_writer
from tinyvid.build.project_files import firmware_path, project_board, project_dir_of
from tinyvid.errors import ProjectError
from tinyvid.families import Launcher, family_of
from tinyvid.processes import start_process, stop_process

START_TIMEOUT_S = 20.0
QEMU = "qemu-system-arm"


@dataclass
class RunningBoard:
    url: str
    board: Board
    process: subprocess.Popen
    port: int

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


def qemu_command(board: Board, elf: Path, serial_port: int) -> list[str]:
    return [
        QEMU,
        "-M", board.launch.machine or "",
        "-kernel", str(elf),
        "-display", "none",
        "-monitor", "none",
        "-serial", f"tcp:127.0.0.1:{serial_port},server=on,wait=on",
        "-icount", f"shift={ICOUNT_SHIFT},align=off,sleep=off",
        "-semihosting-config", "enable=on,target=native",
        *board.launch.args,
    ]  # fmt: skip


@contextlib.contextmanager
def launch_board(project_dir_or_elf: str | Path, *, port: int = 0) -> Iterator[RunningBoard]:
    """Starts the project's board; yields a RunningBoard whose ``url`` pyserial
    opens with ``serial.serial_for_url``. The process is stopped on exit, and dies
    with tinyvid if tinyvid is killed (:func:`tinyvid.processes.start_process`)."""
    project_dir = project_dir_of(project_dir_or_elf)
    board = project_board(project_dir)
    if not board.runs_here:
        raise ProjectError(
            f"{board.name} is a real board: it does not run here",
            f"flash it with 'tinyvid flash {project_dir}' and open its serial port",
        )
    launcher = family_of(board).method(board.launch.method)
    if not isinstance(launcher, Launcher):  # the loader refuses such a board file; a family changed since
        raise ProjectError(f"family {board.family} has no launcher '{board.launch.method}'",
                           "update the package of the family, or fix the board file's [launch] method")
    image = Path(project_dir_or_elf) if Path(project_dir_or_elf).is_file() else firmware_path(project_dir)
    with contextlib.ExitStack() as stack:
        process, bridge = launcher.start(board, image, port, stack)
        stack.callback(bridge.close)
        stack.callback(stop_process, process)  # runs first: a blocked bridge thread then ends at once
        yield RunningBoard(url=bridge.url, board=board, process=process, port=bridge.port)


def start_native(argv: list[str], port: int, *, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, SerialBridge]:
    """Starts ``argv`` (firmware built as a native program) with its stdin/stdout
    bridged to 127.0.0.1:``port`` (0: any free port)."""
    process = start_process(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0, env=env
    )
    stdin = process.stdin
    assert stdin is not None and process.stdout is not None

    def write(data: bytes) -> None:
        stdin.write(data)
        stdin.flush()

    try:
        bridge = SerialBridge(fd_reader(process.stdout.fileno()), write, port=port).start()
    except OSError as exc:
        stop_process(process)
        raise ProjectError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", "choose another --tcp-port, or 0 for any free port") from exc
    return process, bridge


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_qemu(
    board: Board, elf: Path, port: int, stack: contextlib.ExitStack
) -> tuple[subprocess.Popen, SerialBridge]:
    """Starts ``elf`` under QEMU (:func:`qemu_command`) with its UART bridged to
    127.0.0.1:``port``; what is to close at the end goes on ``stack``."""
    if shutil.which(QEMU) is None:
        raise ProjectError(f"{QEMU} not found", "install QEMU (Debian: apt install qemu-system-arm)")
    qemu_port = _free_port()
    log = stack.enter_context(tempfile.TemporaryFile())
    process = start_process(
        qemu_command(board, elf, qemu_port), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        link = _connect(process, qemu_port, log)
    except BaseException:
        stop_process(process)
        raise
    stack.callback(link.close)
    link.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stop = threading.Event()
    try:
        bridge = SerialBridge(socket_reader(link), socket_writer(link, stop), port=port, stopping=stop).start()
    except OSError as exc:
        stop_process(process)
        raise ProjectError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", "choose another --tcp-port, or 0 for any free port") from exc
    return process, bridge


def _connect(process: subprocess.Popen, port: int, log) -> socket.socket:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace").strip()
            raise ProjectError(f"QEMU exited at start (code {process.returncode}): {output[-500:]}", "check the firmware and the board file")
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1.0)
        except OSError:
            time.sleep(0.05)
    raise ProjectError(f"QEMU did not open its serial socket in {START_TIMEOUT_S:.0f} s", "the machine may be overloaded; retry")


__all__ = ["RunningBoard", "launch_board", "qemu_command", "start_native", "start_qemu"]
