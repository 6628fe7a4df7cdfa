"""Flashes a built project onto a real board with the board's flash tool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tinyvid.build.project_files import firmware_path, project_board, project_dir_of
from tinyvid.errors import ProjectError

FLASH_TIMEOUT_S = 180
_INSTALL = {
    "openocd": "install OpenOCD (Debian: apt install openocd)",
    "pyocd": "install pyOCD (pip install pyocd)",
    "st-flash": "install stlink-tools (Debian: apt install stlink-tools)",
}


def flash_command(project_dir: Path) -> list[str]:
    """The board's flash command with ``{elf}``, ``{hex}``, ``{bin}`` filled in."""
    board = project_board(project_dir)
    if board.runs_here:
        raise ProjectError(
            f"{board.name} is not flashed: it runs here",
            f"start it with 'tinyvid run {project_dir}'",
        )
    elf = firmware_path(project_dir)
    images = {"elf": elf, "hex": elf.with_suffix(".hex"), "bin": elf.with_suffix(".bin")}
    return [part.format(**{k: str(v) for k, v in images.items()}) for part in board.launch.command]


def flash_project(project_dir: str | Path, *, timeout_s: float = FLASH_TIMEOUT_S) -> str:
    """Runs the flash tool; returns its output. Raises ProjectError with a hint when
    the tool is missing or cannot reach the board."""
    project_dir = project_dir_of(project_dir)
    command = flash_command(project_dir)
    tool = command[0]
    if shutil.which(tool) is None:
        raise ProjectError(f"the flash tool '{tool}' is not installed", _INSTALL.get(tool, f"install {tool}"))
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise ProjectError(f"{tool} did not finish in {timeout_s:.0f} s", "unplug and replug the board, then retry") from exc
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-8:])
        raise ProjectError(
            f"{tool} could not flash the board:\n{tail}",
            "is the board plugged in by USB and its debugger (ST-LINK) firmware up to date? "
            "On Linux, add the udev rules of your probe or run with access to the USB device",
        )
    return output
