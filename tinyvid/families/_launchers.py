"""The launchers and flashers that several families share: QEMU, the firmware as
a native process, and a real board's flash tool run from its board file."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinyvid.boards.emulation import ICOUNT_SHIFT, QEMU_SYSTICK_HZ, icount_instructions_per_tick
from tinyvid.families._base import Flasher, Launcher, key_error

if TYPE_CHECKING:
    from tinyvid.boards import Board
    from tinyvid.build.bridge import SerialBridge


class QemuLauncher(Launcher):
    """``method = "qemu"``: the image under qemu-system-arm's ``machine`` with
    ``-icount``, its UART on a TCP socket (:func:`tinyvid.build.launch.start_qemu`)."""

    method = "qemu"
    emulated = True

    def validate(self, path: Path, data: dict[str, Any]) -> None:
        """An emulated board names its machine, and its timer is fixed by the
        machine: its SysTick clock (when the machine is known) and, through
        -icount, its instructions per tick."""
        timer, launch = data["timer"], data["launch"]
        if not launch.get("machine"):
            raise key_error(path, "launch.machine", "is required for method 'qemu'", "name the QEMU machine, e.g. mps2-an386")
        if timer["kind"] != "systick":
            raise key_error(path, "timer.kind", f"is '{timer['kind']}', but an emulated board counts with its SysTick",
                            'use kind = "systick" (QEMU does not emulate the DWT cycle counter)')
        machine_hz = QEMU_SYSTICK_HZ.get(launch["machine"])
        if machine_hz is not None and timer["hz"] != machine_hz:
            raise key_error(path, "timer.hz", f"is {timer['hz']}, but QEMU's {launch['machine']} runs its SysTick "
                            f"at {machine_hz} Hz", f"set timer.hz = {machine_hz}")
        expected = icount_instructions_per_tick(timer["hz"])
        given = timer.get("instructions_per_tick")
        if given is not None and abs(given - expected) > 1e-9 * expected:
            raise key_error(path, "timer.instructions_per_tick",
                            f"is {given}, but -icount shift={ICOUNT_SHIFT} (one instruction per {2**ICOUNT_SHIFT} ns) "
                            f"with a SysTick at {timer['hz']} Hz gives {expected:.12g} instructions per tick",
                            f"remove the key (tinyvid derives it) or set it to {expected:.12g}")

    def start(self, board: Board, image: Path, port: int,
              stack: contextlib.ExitStack) -> tuple[subprocess.Popen, SerialBridge]:
        from tinyvid.build.launch import start_qemu

        return start_qemu(board, image, port, stack)


class NativeLauncher(Launcher):
    """``method = "host"``: the firmware as a process of this machine, its
    stdin/stdout bridged (:func:`tinyvid.build.launch.start_native`)."""

    method = "host"

    def start(self, board: Board, image: Path, port: int,
              stack: contextlib.ExitStack) -> tuple[subprocess.Popen, SerialBridge]:
        from tinyvid.build.launch import start_native

        return start_native([str(image.resolve())], port)


class CommandFlasher(Flasher):
    """A flash tool run as the board file's ``[launch] command``, where
    ``{elf}``, ``{hex}`` and ``{bin}`` stand for the built image
    (:func:`tinyvid.build.flash.run_flash_command`)."""

    def __init__(self, method: str, install_hint: str):
        self._method = method
        self.install_hint = install_hint

    @property
    def method(self) -> str:  # type: ignore[override]
        return self._method

    def validate(self, path: Path, data: dict[str, Any]) -> None:
        if not data["launch"].get("command"):
            raise key_error(path, "launch.command", f"is required for method '{self.method}'", "give the flash command as a list")

    def flash(self, board: Board, project_dir: Path, firmware: Path, timeout_s: float) -> str:
        from tinyvid.build.flash import flash_command, run_flash_command

        command = flash_command(board, firmware)
        hint = self.install_hint if command[0] == self.method else f"install {command[0]}"
        return run_flash_command(command, timeout_s, hint)


#: The flash tools every Cortex-M family accepts.
FLASH_TOOLS = (
    CommandFlasher("openocd", "install OpenOCD (Debian: apt install openocd)"),
    CommandFlasher("pyocd", "install pyOCD (pip install pyocd)"),
    CommandFlasher("st-flash", "install stlink-tools (Debian: apt install stlink-tools)"),
)
