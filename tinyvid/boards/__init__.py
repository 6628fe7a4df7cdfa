"""Boards as data: ``boards/*.toml`` loaded and validated into frozen dataclasses.

>>> board = load_board("qemu-mps2-an386")
>>> board.runs_here, board.memory.flash_bytes
(True, 4194304)
"""

from tinyvid.boards.board import (
    Board,
    Compute,
    Launch,
    Memory,
    Power,
    Serial,
    Timer,
)
from tinyvid.boards.loader import DEFAULT_BOARD, SCHEMA_VERSION, list_boards, load_board

__all__ = [
    "Board",
    "Compute",
    "DEFAULT_BOARD",
    "Launch",
    "Memory",
    "Power",
    "SCHEMA_VERSION",
    "Serial",
    "Timer",
    "list_boards",
    "load_board",
]
