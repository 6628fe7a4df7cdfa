"""Builds a generated project with its own ``make`` and measures it.

The board's family (:mod:`tinyvid.families`) gives the build command, the tools
named by the board's ``toolchain`` and which sections count as flash and RAM.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tinyvid.boards import Board
from tinyvid.build.project_files import project_board, project_dir_of
from tinyvid.errors import DoesNotFitError, ProjectError
from tinyvid.families import family_of
from tinyvid.project.manifest import load_manifest

BUILD_TIMEOUT_S = 900
_OVERFLOW = re.compile(r"region [`'](\w+)' overflowed by (\d+) bytes")
_WONT_FIT = re.compile(r"section [`'](\S+)' will not fit in region [`'](\w+)'")
_WARNING = re.compile(r"^.*\bwarning: .*$", re.M)  # compiler, linker or make


@dataclass(frozen=True)
class BuildResult:
    project_dir: Path
    board: Board
    firmware: Path
    flash_used: int
    ram_used: int
    sections: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    log: str = ""

    @property
    def flash_bytes(self) -> int:
        return self.board.memory.flash_bytes

    @property
    def ram_bytes(self) -> int:
        return self.board.memory.ram_bytes


def build_project(project_dir: str | Path, *, jobs: int = 2, timeout_s: float = BUILD_TIMEOUT_S) -> BuildResult:
    """Runs ``make`` in the project (the family's build command, with the board's
    toolchain); raises DoesNotFitError when the linker says the firmware overflows
    the board's flash or RAM."""
    project_dir = project_dir_of(project_dir)
    board = project_board(project_dir)
    family = family_of(board)
    toolchain = family.toolchain(board.toolchain)
    if toolchain is None:  # the loader refuses such a board file; a family changed since
        raise ProjectError(f"family {family.name} does not build with '{board.toolchain}'", family.toolchain_hint())
    command = family.build_command(toolchain, jobs)
    for tool in (command[0], toolchain.compiler):
        if shutil.which(tool) is None:
            raise ProjectError(f"{tool} not found", toolchain.install_hint)
    try:
        proc = subprocess.run(command, cwd=project_dir, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise ProjectError(f"{command[0]} did not finish in {timeout_s:.0f} s",
                           f"build it by hand with '{command[0]}' to see why") from exc
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        _raise_build_error(board, log)
    firmware = project_dir / load_manifest(project_dir)["firmware"]
    sections = _section_sizes(firmware, toolchain.size)
    flash_used, ram_used = family.memory_use(sections)
    return BuildResult(
        project_dir=project_dir,
        board=board,
        firmware=firmware,
        flash_used=flash_used,
        ram_used=ram_used,
        sections=sections,
        warnings=tuple(_WARNING.findall(log)),
        log=log,
    )


def _raise_build_error(board: Board, log: str) -> None:
    overflows = {}
    for region, count in _OVERFLOW.findall(log):
        overflows[region] = max(overflows.get(region, 0), int(count))
    if overflows:
        parts = [f"{region} by {count} bytes" for region, count in sorted(overflows.items())]
        raise DoesNotFitError(
            f"the firmware does not fit {board.name} ({board.memory.flash_bytes} bytes flash, "
            f"{board.memory.ram_bytes} bytes RAM): it overflows " + " and ".join(parts),
            "use a board with more memory, or a smaller model (prune, fewer channels, smaller input)",
            overflows=overflows,
        )
    wont_fit = _WONT_FIT.findall(log)
    if wont_fit:
        section, region = wont_fit[0]
        raise DoesNotFitError(
            f"the firmware does not fit {board.name}: section {section} does not fit in {region}",
            "use a board with more memory, or a smaller model",
        )
    tail = "\n".join(log.strip().splitlines()[-15:])
    raise ProjectError(f"the build failed:\n{tail}", "run 'make' in the project folder to see the whole log")


def _section_sizes(firmware: Path, size_tool: str) -> dict[str, int]:
    proc = subprocess.run([size_tool, "-A", str(firmware)], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise ProjectError(f"{size_tool} failed on {firmware}: {proc.stderr.strip()}", "rebuild the project")
    sections = {}
    for row in proc.stdout.splitlines():
        parts = row.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    return sections
