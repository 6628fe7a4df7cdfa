"""Builds generated projects, launches boards that run here, flashes real ones.

- ``build_project(dir)`` runs the project's ``make`` and measures flash and RAM
  against the board (``DoesNotFitError`` with the overflow in bytes);
- ``launch_board(dir)`` starts QEMU or the host process behind a local TCP
  socket (``socket://127.0.0.1:PORT``) that survives client reconnects;
- ``flash_project(dir)`` runs the board's flash tool;
- ``check_fit(model, board)`` says whether a model fits a board (by building it).
"""

from tinyvid.build.build import BuildResult, build_project
from tinyvid.build.fit import FitResult, check_fit
from tinyvid.build.flash import flash_project
from tinyvid.build.launch import RunningBoard, launch_board
from tinyvid.build.ports import find_serial_ports

__all__ = [
    "BuildResult",
    "FitResult",
    "RunningBoard",
    "build_project",
    "check_fit",
    "find_serial_ports",
    "flash_project",
    "launch_board",
]
