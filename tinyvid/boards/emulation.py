"""What QEMU's emulated machines fix: their SysTick clock and the instruction
count that ``-icount`` ties to guest time.

Under ``-icount shift=N`` QEMU advances guest time by 2^N ns per instruction, so
a SysTick counting at ``hz`` ticks per second sees ``hz * 2^N * 1e-9`` ticks per
instruction: at shift 7 and 25 MHz, 3.2 ticks, i.e. 0.3125 instructions per tick.
"""

from __future__ import annotations

#: The -icount shift every emulated board is launched with (``tinyvid.build.launch``).
ICOUNT_SHIFT = 7

#: The SysTick (processor) clock of the QEMU machines whose clock is known:
#: fixed by the machine model, whatever the firmware configures.
QEMU_SYSTICK_HZ = {
    "mps2-an385": 25_000_000,
    "mps2-an386": 25_000_000,
    "mps2-an500": 25_000_000,
    "mps2-an505": 20_000_000,
    "mps3-an547": 32_000_000,
    "netduinoplus2": 168_000_000,
}


def icount_instructions_per_tick(timer_hz: int, shift: int = ICOUNT_SHIFT) -> float:
    """Guest instructions per tick of a timer at ``timer_hz`` under ``-icount shift``."""
    return 1e9 / (2**shift * timer_hz)
