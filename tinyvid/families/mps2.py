"""Arm MPS2 / MPS2+ FPGA images (AN385, AN386, AN500, AN505), as QEMU emulates
them: CMSDK APB UARTs, a fixed clock."""

from __future__ import annotations

from tinyvid.families._cortexm import CortexMFamily


class Mps2(CortexMFamily):
    name = "mps2"
    serial_drivers = ("cmsdk-uart",)
    #: AN385/AN386/AN500: UART0-2 receive on IRQ 0, 2, 4; AN505 (SSE-200): UART0,
    #: secure and non-secure alias, on IRQ 32 (QEMU hw/arm/mps2.c, mps2-tz.c)
    uart_rx_irqs = {0x4000_4000: 0, 0x4000_5000: 2, 0x4000_6000: 4, 0x4020_0000: 32, 0x5020_0000: 32}
    #: AN385/AN386/AN500: CMSDK APB TIMER0 at 0x40000000, IRQ 8 (QEMU hw/arm/mps2.c)
    link_timers = {machine: (0x4000_0000, 8) for machine in ("mps2-an385", "mps2-an386", "mps2-an500")}


FAMILY = Mps2()
