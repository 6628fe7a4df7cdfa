"""STM32L4(+): LPUART1 on PCLK1 = SYSCLK; real boards run from HSI16 through the
PLL (4 MHz steps, 32..120 MHz, reset clock MSI 4 MHz); port G needs VDDIO2."""

from __future__ import annotations

from typing import Any

from tinyvid.families._stm32 import Stm32Family, pin_port

_PORT_G = 6


class Stm32L4(Stm32Family):
    name = "stm32l4"
    serial_drivers = ("stm32-lpuart",)
    #: LPUART1 global interrupt (RM0432's vector table)
    uart_rx_irqs = {0x4000_8000: 70}
    reset_clock_hz = 4_000_000
    pll_step_hz = 4_000_000
    pll_lowest_hz = 32_000_000
    pll_highest_hz = 120_000_000

    def uart_clock(self, clock_hz: int, rcc_enable_offset: int) -> int:
        return clock_hz  # LPUART1 on PCLK1 = SYSCLK

    def template_vars(self, board) -> dict[str, Any]:
        pins = (board.serial.tx_pin, board.serial.rx_pin)
        return {**super().template_vars(board), "port_g_vddio2": any(pin_port(pin) == _PORT_G for pin in pins)}


FAMILY = Stm32L4()
