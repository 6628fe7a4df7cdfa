"""Whether a model fits a board: generates the board's project in a scratch folder
and builds it, so the answer is the linker's, not an estimate."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from tinyvid.boards import Board, load_board
from tinyvid.build.build import build_project
from tinyvid.errors import DoesNotFitError


@dataclass(frozen=True)
class FitResult:
    board: str
    fits: bool
    flash_bytes: int
    ram_bytes: int
    flash_used: int | None = None  # known when it fits
    ram_used: int | None = None
    overflow: dict | None = None  # region (FLASH, RAM) -> bytes over, when it does not fit
    message: str = ""


def check_fit(model_path: str | Path, board: str | Path | Board, **project_options) -> FitResult:
    """Builds ``model_path`` for ``board`` (options as for generate_project) and
    says whether it fits the board's flash and RAM, with the overflow in bytes."""
    from tinyvid.project import generate_project

    board = board if isinstance(board, Board) else load_board(board)
    limits = {"board": board.name, "flash_bytes": board.memory.flash_bytes, "ram_bytes": board.memory.ram_bytes}
    with tempfile.TemporaryDirectory(prefix="tinyvid-fit-") as scratch:
        project = generate_project(model_path, board, Path(scratch) / "project", **project_options)
        try:
            result = build_project(project.path)
        except DoesNotFitError as exc:
            return FitResult(fits=False, overflow=dict(exc.overflows), message=exc.message, **limits)
    return FitResult(fits=True, flash_used=result.flash_used, ram_used=result.ram_used, **limits)
