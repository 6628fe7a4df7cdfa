"""Builds a generated project with its own ``make`` and measures it."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tinyvid.boards import Board
from tinyvid.build.project_files import project_board, project_dir_of
from tinyvid.errors import DoesNotFitError, ProjectError

BUILD_TIMEOUT_S = 900
_OVERFLOW = re.compile(r"region [`'](\w+)' overflowed by (\d+) bytes")
_WONT_FIT = re.compile(r"section [`'](\S+)' will not fit in region [`'](\w+)'")
_WARNING = re.compile(r"^.*\bwarning: .*$", re.M)  # compiler, linker or make
# Sections that take flash, RAM, or both (.data is stored in flash, copied to RAM).
_FLASH_SECTIONS = (".isr_vector", ".text", ".rodata", ".ARM.exidx", ".ARM.extab", ".init_array", ".fini_array", ".data")
_RAM_SECTIONS = (".data", ".bss", ".stack", ".heap")


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
    """Runs ``make`` in the project; raises DoesNotFitError when the linker says
    the firmware overflows the board's flash or RAM."""
    project_dir = project_dir_of(project_dir)
    board = project_board(project_dir)
    tool = "cc" if board.is_host else "arm-none-eabi-gcc"
    if shutil.which("make") is None or shutil.which(tool) is None:
        missing = "make" if shutil.which("make") is None else tool
        hint = "install build-essential" if board.is_host else "install gcc-arm-none-eabi and libnewlib-arm-none-eabi"
        raise ProjectError(f"{missing} not found", hint)
    try:
        proc = subprocess.run(
            ["make", f"-j{jobs}"], cwd=project_dir, capture_output=True, text=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired as exc:
        raise ProjectError(f"make did not finish in {timeout_s:.0f} s", "build it by hand with 'make' to see why") from exc
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        _raise_build_error(board, log)
    firmware = project_dir / ("build/firmware" if board.is_host else "build/firmware.elf")
    sections = _section_sizes(firmware, "size" if board.is_host else "arm-none-eabi-size")
    flash_used = sum(size for name, size in sections.items() if name.startswith(_FLASH_SECTIONS))
    ram_used = sum(size for name, size in sections.items() if name.startswith(_RAM_SECTIONS))
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
