"""Arm MPS3 FPGA images (AN547, Cortex-M55), as QEMU emulates them: CMSDK APB
UARTs, a fixed clock."""

from __future__ import annotations

from tinyvid.families._cortexm import CortexMFamily


class Mps3(CortexMFamily):
    name = "mps3"
    serial_drivers = ("cmsdk-uart",)
    #: AN547 (SSE-300): UART0, secure and non-secure alias, receives on IRQ 33
    #: (QEMU hw/arm/mps2-tz.c)
    uart_rx_irqs = {0x4930_3000: 33, 0x5930_3000: 33}


FAMILY = Mps3()
