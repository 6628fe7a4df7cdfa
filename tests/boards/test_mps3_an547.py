"""The Cortex-M55 board qemu-mps3-an547: QEMU's memory map and clock, Helium kernels."""

from __future__ import annotations

import pytest

from tinyvid.boards import load_board
from tinyvid.codegen.targets import target_for_core


def test_an547_runs_here_with_qemus_memory_map_and_clock():
    board = load_board("qemu-mps3-an547")
    assert board.core == "cortex-m55" and board.fpu == "fpv5-d16" and board.runs_here and board.emulated
    assert board.launch.machine == "mps3-an547"
    # the SSE-300's ITCM (where the core fetches its vector table) and DTCM, 512 KB each
    assert (board.memory.flash_origin, board.memory.flash_bytes) == (0x0, 512 * 1024)
    assert (board.memory.ram_origin, board.memory.ram_bytes) == (0x2000_0000, 512 * 1024)
    assert board.serial.driver == "cmsdk-uart" and board.serial.base == 0x5930_3000
    # SysTick at 32 MHz: 4.096 ticks per instruction under -icount shift=7
    assert board.timer.hz == 32_000_000 and board.timer.instructions_per_tick == pytest.approx(0.244140625)


def test_an547_gets_the_helium_kernels():
    assert target_for_core(load_board("qemu-mps3-an547").core) == "mve"
