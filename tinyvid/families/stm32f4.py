"""STM32F4: USART on APB1 or APB2; real boards run from HSI 16 MHz through the
PLL (M=8, 2 MHz steps, 50..168 MHz); QEMU's netduinoplus2 emulates an STM32F405."""

from __future__ import annotations

from tinyvid.families._stm32 import Stm32Family


class Stm32F4(Stm32Family):
    name = "stm32f4"
    serial_drivers = ("stm32-usart",)
    #: USART1, 2, 3 and 6 global interrupts (the reference manuals' vector tables)
    uart_rx_irqs = {0x4001_1000: 37, 0x4000_4400: 38, 0x4000_4800: 39, 0x4001_1400: 71}
    reset_clock_hz = 16_000_000
    pll_step_hz = 2_000_000
    pll_lowest_hz = 50_000_000
    pll_highest_hz = 168_000_000

    def uart_clock(self, clock_hz: int, rcc_enable_offset: int) -> int:
        """APB1 at most 45 MHz, APB2 at most 90 MHz; the UART's enable register
        (RCC_APB1ENR at 0x40 or RCC_APB2ENR) says which bus clocks it."""
        apb1 = 1 if clock_hz <= 45_000_000 else (2 if clock_hz <= 90_000_000 else 4)
        apb2 = 1 if clock_hz <= 90_000_000 else 2
        return clock_hz // (apb1 if rcc_enable_offset == 0x40 else apb2)


FAMILY = Stm32F4()
