"""Flashes a built project onto a real board: the flasher of the board's family
for its ``[launch] method`` (:mod:`tinyvid.families`); most run the board file's
flash command (:func:`run_flash_command`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tinyvid.boards import Board
from tinyvid.build.project_files import firmware_path, project_board, project_dir_of
from tinyvid.errors import ProjectError
from tinyvid.families import Flasher, family_of

FLASH_TIMEOUT_S = 180


def flash_command(board: Board, elf: Path) -> list[str]:
    """The board's flash command with ``{elf}``, ``{hex}``, ``{bin}`` filled in."""
    images = {"elf": elf, "hex": elf.with_suffix(".hex"), "bin": elf.with_suffix(".bin")}
    return [part.format(**{k: str(v) for k, v in images.items()}) for part in board.launch.command]


def run_flash_command(command: list[str], timeout_s: float, install_hint: str) -> str:
    """Runs a flash tool; returns its output. Raises ProjectError with a hint when
    the tool is missing or cannot reach the board."""
    tool = command[0]
    if shutil.which(tool) is None:
        raise ProjectError(f"the flash tool '{tool}' is not installed", install_hint)
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


def flash_project(project_dir: str | Path, *, timeout_s: float = FLASH_TIMEOUT_S) -> str:
    """Flashes the project's board with its family's flasher; returns the tool's
    output. Raises ProjectError with a hint when the tool is missing or cannot
    reach the board."""
    project_dir = project_dir_of(project_dir)
    board = project_board(project_dir)
    if board.runs_here:
        raise ProjectError(
            f"{board.name} is not flashed: it runs here",
            f"start it with 'tinyvid run {project_dir}'",
        )
    flasher = family_of(board).method(board.launch.method)
    if not isinstance(flasher, Flasher):  # the loader refuses such a board file; a family changed since
        raise ProjectError(f"family {board.family} has no flasher '{board.launch.method}'",
                           "update the package of the family, or fix the board file's [launch] method")
    return flasher.flash(board, project_dir, firmware_path(project_dir), timeout_s)
