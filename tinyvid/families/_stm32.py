"""What the STM32 families share: a USART or LPUART on two alternate-function
pins clocked by one RCC bit, and on real boards a PLL set up from the internal
oscillator by ``firmware_templates/cortex-m/clock.c`` (the recipe named by the
family), whose limits the board file is checked against."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from tinyvid.families._base import key_error
from tinyvid.families._cortexm import CortexMFamily

if TYPE_CHECKING:
    from tinyvid.boards import Board

_PIN = re.compile(r"^P[A-K]([0-9]|1[0-5])$")
_SERIAL_KEYS = ("tx_pin", "rx_pin", "alternate_function", "rcc_enable_offset", "rcc_enable_bit")


def pin_port(pin: str) -> int:
    """The GPIO port number of a pin name (PA2 -> 0, PG7 -> 6)."""
    return ord(pin[1]) - ord("A")


class Stm32Family(CortexMFamily):
    #: the reset clock, the PLL's step and its lowest and highest clock (clock.c)
    reset_clock_hz: ClassVar[int] = 0
    pll_step_hz: ClassVar[int] = 0
    pll_lowest_hz: ClassVar[int] = 0
    pll_highest_hz: ClassVar[int] = 0

    def uart_clock(self, clock_hz: int, rcc_enable_offset: int) -> int:
        """The UART's clock at a core clock, as clock.c sets the bus prescalers."""
        raise NotImplementedError

    def validate(self, path: Path, data: dict[str, Any]) -> None:
        super().validate(path, data)
        serial = data["serial"]
        for key in _SERIAL_KEYS:
            if key not in serial:
                raise key_error(path, f"serial.{key}", "is required for an STM32 board", "see boards/nucleo-f446re.toml")
        for key in ("tx_pin", "rx_pin"):
            if not _PIN.match(serial[key]):
                raise key_error(path, f"serial.{key}", f"'{serial[key]}' is not a pin name", "write pins as PA2, PG7, ...")
        if not 0 <= serial["alternate_function"] <= 15:
            raise key_error(path, "serial.alternate_function", "must be 0..15", "see the chip's datasheet")
        if not 0 <= serial["rcc_enable_bit"] <= 31:
            raise key_error(path, "serial.rcc_enable_bit", "must be 0..31", "see the chip's reference manual")
        if data["launch"]["method"] != "qemu":
            self._validate_clock(path, data)

    def _validate_clock(self, path: Path, data: dict[str, Any]) -> None:
        reset_hz, step, lowest, highest = self.reset_clock_hz, self.pll_step_hz, self.pll_lowest_hz, self.pll_highest_hz
        clock = data["clock_hz"]
        if clock != reset_hz and (clock % step or not lowest <= clock <= highest):
            raise key_error(path, "clock_hz", f"{clock} cannot be set up for family {self.name}",
                            f"use the reset clock {reset_hz} or a multiple of {step} Hz from {lowest} to {highest} Hz")
        serial = data["serial"]
        expected = reset_hz if clock == reset_hz else self.uart_clock(clock, serial["rcc_enable_offset"])
        if serial["clock_hz"] != expected:
            raise key_error(path, "serial.clock_hz", f"is {serial['clock_hz']}, but the UART runs at {expected} Hz "
                            f"with the core at {clock} Hz", f"set serial.clock_hz = {expected}")
        if data["timer"]["kind"] == "dwt" and data["timer"]["hz"] != clock:
            raise key_error(path, "timer.hz", "of the DWT cycle counter must equal clock_hz", f"set timer.hz = {clock}")

    def template_vars(self, board: Board) -> dict[str, Any]:
        """The PLL recipe and RCC/GPIO layout of clock.c and uart.c are the family's
        own; the PLL is set up on a real board whose clock is not the reset clock."""
        setup = not board.emulated and board.clock_hz != self.reset_clock_hz
        return {**super().template_vars(board), "reset_clock_hz": self.reset_clock_hz, "clock_setup": setup,
                "pll": self.name, "gpio": self.name}
