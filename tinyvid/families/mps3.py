"""Arm MPS3 FPGA images (AN547, Cortex-M55), as QEMU emulates them: CMSDK APB
UARTs, a fixed clock."""

from __future__ import annotations

from tinyvid.families._cortexm import CortexMFamily


class Mps3(CortexMFamily):
    name = "mps3"
    serial_drivers = ("cmsdk-uart",)


FAMILY = Mps3()
